"""The algorithms, one a module: PPO and its training loops, BC, the discriminator, GAIL, absorbing states, AIRL,
DAgger. They import only from ``helpers.core`` and from each other (``helpers/__init__.py`` draws the layers)."""
