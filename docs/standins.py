"""Static stand-ins for the series' live widgets, for readers without a kernel (the website, `make site`).

`install()` runs in a kernel before a notebook's own cells (docs/build_site.py does that on a copy of the notebook):
it swaps each widget function of `helpers` for one that *displays* a picture of the same thing instead:

- `helpers.episode_player(states)` → an animated GIF of the same episode, with a step counter;
- `helpers.teaching.gail_plots.d_explorer(disc)` → D(s, a) for both actions along each of the explorer's sliders;
- `helpers.teaching.game.cartpole_game(seed)` (notebook 08's game) → the scripted stand-in's episode, drawn as the
  game draws it, as an animated GIF.


Each stand-in output carries output metadata (the widget's CSS class, the call's number) so the build finds it. The GIF
writer `frames_to_gif` is shared with docs/readme_gif.py.
"""

from __future__ import annotations

import importlib
import inspect
import io
import math
import sys
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

STANDIN_KEY = "il_standin"  # output metadata: the CSS class of the widget an output stands for
CALL_KEY = "il_standin_call"  # output metadata: which stand-in call displayed it (a call may display several)
# The CSS class a widget's root carries (set by helpers) → the module and name of the function that builds it.
STANDINS: dict[str, tuple[str, str]] = {
    "il-episode-player": ("helpers.teaching.widgets", "episode_player"),
    "il-d-explorer": ("helpers.teaching.gail_plots", "d_explorer"),
    "il-cartpole-game": ("helpers.teaching.game", "cartpole_game"),
}
MAX_GIF_FRAMES = 100  # longer episodes show every k-th step, at k times the player's interval


def font(size: int = 14) -> ImageFont.ImageFont:
    """Pillow's bundled font at `size` pixels (no system font needed)."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def frames_to_gif(frames: Sequence[Image.Image | np.ndarray], duration_ms: int, colors: int = 64) -> bytes:
    """An endlessly looping GIF of RGB frames, all on one adaptive palette (small files for flat drawings)."""
    images = [f if isinstance(f, Image.Image) else Image.fromarray(np.asarray(f, dtype=np.uint8)) for f in frames]
    images = [im.convert("RGB") for im in images]
    # One palette for every frame, from a mosaic of a few frames, so colours never flicker between frames.
    sample = images[:: max(1, len(images) // 8)][:8]
    mosaic = Image.new("RGB", (sample[0].width, sample[0].height * len(sample)))
    for k, im in enumerate(sample):
        mosaic.paste(im, (0, k * im.height))
    palette = mosaic.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    paletted = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    buf = io.BytesIO()
    paletted[0].save(
        buf, format="GIF", save_all=True, append_images=paletted[1:], duration=duration_ms, loop=0, optimize=True
    )
    return buf.getvalue()


def label(image: Image.Image, text: str, xy: tuple[int, int] = (6, 4), size: int = 14) -> Image.Image:
    """Write `text` on `image` (in place, black on a white box) and return it."""
    draw = ImageDraw.Draw(image)
    f = font(size)
    box = draw.textbbox(xy, text, font=f)
    draw.rectangle((box[0] - 3, box[1] - 2, box[2] + 3, box[3] + 2), fill=(255, 255, 255))
    draw.text(xy, text, fill=(0, 0, 0), font=f)
    return image


def episode_gif(
    states: np.ndarray,
    interval_ms: int = 50,
    width: int = 450,
    crop: slice | None = None,
    habit_x: float | None = None,
) -> bytes:
    """An animated GIF of an episode's states, drawn as the episode player draws them, with a step counter."""
    from helpers.teaching.plots import render_states

    states = np.asarray(states, dtype=np.float64)
    if crop is None:
        crop = getattr(importlib.import_module("helpers.teaching.widgets"), "CROP", slice(None))
    stride = max(1, math.ceil(len(states) / MAX_GIF_FRAMES))
    shown = list(range(0, len(states), stride))
    if shown[-1] != len(states) - 1:
        shown.append(len(states) - 1)  # always end on the last state
    frames = []
    for t, frame in zip(shown, render_states(states[shown], habit_x=habit_x), strict=True):
        image = Image.fromarray(frame[crop])
        image = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
        frames.append(label(image, f"t = {t}"))
    return frames_to_gif(frames, duration_ms=interval_ms * stride)


def _arguments(original: Callable, args: tuple, kwargs: dict) -> dict:
    """The call's arguments by name, defaults included (as the original function would have seen them)."""
    try:
        bound = inspect.signature(original).bind(*args, **kwargs)
    except TypeError:
        return dict(kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


_calls = iter(range(1_000_000))


def _display(kind: str, *objs: object) -> None:
    """Display the outputs of one stand-in, each marked with the widget it stands for and the call it came from."""
    from IPython.display import display

    call = next(_calls)
    for obj in objs:
        display(obj, metadata={STANDIN_KEY: kind, CALL_KEY: call})


def episode_player_standin(original: Callable) -> Callable:
    """A replacement for `episode_player` that displays the episode as an animated GIF."""

    def standin(*args: object, **kwargs: object) -> None:
        from IPython.display import Image as IPImage
        from IPython.display import Markdown

        named = _arguments(original, args, kwargs)
        states = np.asarray(named.get("states", args[0] if args else None), dtype=np.float64)
        width = int(named.get("width") or 450)
        interval_ms = int(named.get("interval_ms") or 50)
        gif = episode_gif(states, interval_ms=interval_ms, width=width, habit_x=named.get("habit_x"))
        _display(
            "il-episode-player",
            IPImage(data=gif, format="gif", width=width),
            Markdown(
                f"*Static stand-in for the episode player: the same {len(states)} steps as an animated GIF. "
                "Run the notebook to play and scrub through them yourself.*"
            ),
        )

    return standin


def d_sweeps_png(disc: object, sliders: Sequence[tuple[str, float, float, float]], n: int = 201) -> bytes:
    """PNG of D(s, a) for both actions along each slider's range, the other sliders at their start values."""
    import torch
    from matplotlib.figure import Figure

    from helpers.teaching.gail_plots import ACTION_NAMES

    start = [value for _, _, _, value in sliders]
    cols = 2 if len(sliders) > 2 else len(sliders)
    rows = math.ceil(len(sliders) / cols)
    fig = Figure(figsize=(4.2 * cols, 2.6 * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).reshape(-1)
    for ax in axes[len(sliders) :]:
        ax.set_visible(False)
    with torch.no_grad():
        for k, (ax, (name, lo, hi, _)) in enumerate(zip(axes, sliders, strict=False)):
            grid = torch.linspace(lo, hi, n)
            states = torch.tensor([start] * n, dtype=torch.float32)
            states[:, k] = grid
            for a in (0, 1):
                d = disc.prob_student(states, torch.full((n,), a))
                ax.plot(grid.numpy(), d.numpy(), lw=2, label=ACTION_NAMES[a])
            ax.axhline(0.5, color="grey", lw=0.8, ls=":")
            ax.axvline(start[k], color="grey", lw=0.8, ls="--")
            ax.set_xlabel(name)
            ax.set_ylabel("D(s, a) = P(student)")
            ax.set_ylim(0, 1)
    axes[0].legend(fontsize="small", loc="best")
    fig.suptitle("D along each slider of the explorer, the other sliders at their start values (dashed)")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    return buf.getvalue()


def d_explorer_standin(original: Callable) -> Callable:
    """A replacement for `d_explorer` that displays D along each of its sliders, and D at the sliders' start."""

    def standin(*args: object, **kwargs: object) -> None:
        import torch
        from IPython.display import Image as IPImage
        from IPython.display import Markdown

        from helpers.teaching.gail_plots import ACTION_NAMES, STATE_SLIDERS

        named = _arguments(original, args, kwargs)
        disc = named.get("disc", args[0] if args else None)
        start = [value for _, _, _, value in STATE_SLIDERS]
        with torch.no_grad():
            d = disc.prob_student(torch.tensor([start] * 2, dtype=torch.float32), torch.tensor([0, 1])).tolist()
        at_start = ", ".join(f"{ACTION_NAMES[a]}: D = {d[a]:.3f}" for a in (0, 1))
        _display(
            "il-d-explorer",
            IPImage(data=d_sweeps_png(disc, STATE_SLIDERS), format="png"),
            Markdown(
                "*Static stand-in for the discriminator explorer: each panel moves one slider across its range "
                f"with the others at their start values (where the explorer opens it reads {at_start}). "
                "Run the notebook to move the sliders together.*"
            ),
        )

    return standin


def game_frame(state: Sequence[float], t: int, mark: float, width: int = 600, height: int = 215) -> Image.Image:
    """One picture of notebook 08's game, drawn as its canvas draws it: track, the player's mark, cart, pole, step."""
    scale, track = width / (2 * 2.4), 165
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.line((0, track, width, track), fill=(0, 0, 0))
    mx = width / 2 + mark * scale
    draw.polygon([(mx, track + 8), (mx - 8, track + 22), (mx + 8, track + 22)], fill=(40, 160, 40))
    draw.text((mx - 22, track + 26), "mark", fill=(40, 160, 40), font=font(12))
    x, _, theta, _ = (float(v) for v in state)
    cx = width / 2 + x * scale
    draw.rectangle((cx - 25, track - 15, cx + 25, track + 15), fill=(34, 34, 34))
    tip = (cx + scale * math.sin(theta), track - 10 - scale * math.cos(theta))
    draw.line((cx, track - 10, *tip), fill=(202, 152, 101), width=8)
    draw.rectangle((0, 0, width - 1, height - 1), outline=(187, 187, 187))
    return label(image, f"t = {t}")


def game_standin(original: Callable) -> Callable:
    """A replacement for `cartpole_game` that shows the scripted stand-in's episode of that game as an animated GIF."""

    def standin(*args: object, **kwargs: object) -> object:
        from IPython.display import Image as IPImage
        from IPython.display import Markdown

        from helpers.teaching.game import ScriptedPlayer, play_scripted

        named = _arguments(original, args, kwargs)
        player = ScriptedPlayer()
        kept = play_scripted(original(seed=named.get("seed")), player)
        states = np.asarray(kept.states, dtype=np.float64)
        stride = max(1, math.ceil(len(states) / MAX_GIF_FRAMES))
        shown = sorted({*range(0, len(states), stride), len(states) - 1})
        gif = frames_to_gif([game_frame(states[t], t, player.mark) for t in shown], duration_ms=50 * stride)

        class Picture:
            """Displayed where the notebook displays the game."""

            def _ipython_display_(self) -> None:
                _display(
                    "il-cartpole-game",
                    IPImage(data=gif, format="gif"),
                    Markdown(
                        f"*Static stand-in for the game: the {player.name} playing it, {len(kept)} steps as an "
                        "animated GIF. Run the notebook in JupyterLab to play it yourself, with the arrow keys or "
                        "the buttons.*"
                    ),
                )

        return Picture()

    return standin


FACTORIES: dict[str, Callable[[Callable], Callable]] = {
    "il-episode-player": episode_player_standin,
    "il-d-explorer": d_explorer_standin,
    "il-cartpole-game": game_standin,
}


def install() -> list[str]:
    """Swap every widget function of STANDINS, wherever `helpers` exposes it, for its stand-in; returns their names."""
    swapped = []
    for css_class, (module_name, name) in STANDINS.items():
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        replacement = FACTORIES[css_class](original)
        for loaded in list(sys.modules.values()):  # the defining module and every re-export (helpers.episode_player)
            if getattr(loaded, "__name__", "").split(".")[0] != "helpers":
                continue
            for attr, value in list(vars(loaded).items()):
                if value is original:
                    setattr(loaded, attr, replacement)
        swapped.append(f"{module_name}.{name}")
    return swapped
