"""The bottom layer: CartPole, episodes, networks, Adam, seeds, demonstrations in memory, value rules, paths.

It imports nothing from the other layers, nor matplotlib or ipywidgets (``helpers/__init__.py`` draws the layers).
"""
