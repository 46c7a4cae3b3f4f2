"""Interactive widgets: replay a recorded CartPole episode frame by frame."""

from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
import torch
from PIL import Image

from helpers.teaching.plots import render_env, render_state

CROP = slice(80, 330)  # rows of the 400-pixel-high frame worth showing: drop the empty sky and floor


def frame_png(frame: np.ndarray, width: int = 450) -> bytes:
    """PNG bytes of an RGB frame, scaled to ``width`` pixels wide (smaller bytes, same picture)."""
    img = Image.fromarray(frame)
    if width and img.width != width:
        img = img.resize((width, round(img.height * width / img.width)))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def episode_player(
    states: np.ndarray | torch.Tensor, interval_ms: int = 50, width: int = 450, habit_x: float | None = None
) -> widgets.VBox:
    """A Play button and slider (linked in the browser) over the states; each frame is drawn when shown.

    With ``habit_x`` a green mark under the track shows where the habit keeps the cart.
    """
    states = np.asarray(states, dtype=np.float64)
    env = render_env()  # one env kept alive by the callback below, used only to draw
    last = len(states) - 1

    # A fixed width: the image keeps its size instead of stretching to the page. show(0) draws frame 0.
    image = widgets.Image(format="png", layout=widgets.Layout(width=f"{width}px", height="auto"))
    image.add_class("il-frame")
    play = widgets.Play(value=0, min=0, max=last, step=1, interval=interval_ms, description="play")
    slider = widgets.IntSlider(
        value=0, min=0, max=last, step=1, description="step t", layout=widgets.Layout(width=f"{width - 150}px")
    )
    slider.add_class("il-frame-slider")
    widgets.jslink((play, "value"), (slider, "value"))
    caption = widgets.HTML()

    def show(t: int) -> None:
        x, x_dot, theta, theta_dot = states[t]
        image.value = frame_png(render_state(states[t], env, habit_x)[CROP], width)
        values = f"t = {t:3d}   x = {x:+.3f}   ẋ = {x_dot:+.3f}   θ = {theta:+.3f}   θ̇ = {theta_dot:+.3f}"
        caption.value = f"<code style='white-space: pre'>{values}</code>"

    slider.observe(lambda change: show(change["new"]), names="value")
    show(0)
    box = widgets.VBox([widgets.HBox([play, slider]), image, caption])
    box.add_class("il-episode-player")
    return box
