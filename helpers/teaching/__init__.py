"""What the notebooks draw, show and assert: plots, widgets, the coding exercises' checks, the checkpoints. The top
layer: it may import from every other one, and it alone imports matplotlib and ipywidgets."""
