"""The README's picture: the expert, the GAIL student and the BC student playing CartPole side by side.

`make figures` runs it. It loads the committed policies from data/ (through `helpers.load_policy`), plays one
greedy episode of each from the same start state (`env.reset(seed=SEED)`, SEED = 0), and writes an animated GIF,
one panel per policy with its name and the step counter (and a green mark under the track where the expert's
habit keeps the cart), to docs/img/cartpole_side_by_side.gif. A policy whose
pole falls early stays on its last frame, marked with the step it fell at. tests/test_figures.py checks that the
committed GIF is the one the committed policies make.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS))

import standins  # noqa: E402 - docs/ is not a package

OUT = DOCS / "img" / "cartpole_side_by_side.gif"
POLICIES = (("expert (PPO)", "expert_policy.pt"), ("GAIL student", "gail_policy.pt"), ("BC student", "bc_policy.pt"))
MAX_BYTES = 1_000_000  # the README's picture stays under ~1 MB
SEED = 0  # the start state of all three episodes: env.reset(seed=SEED)


def episode_states(policy_file: Path, seed: int) -> tuple[np.ndarray, bool]:
    """The states of one greedy episode of a saved policy (its last state included), and whether the pole fell."""
    import helpers

    policy = helpers.load_policy(policy_file)
    episode = helpers.play_episode(helpers.make_env(), policy, greedy=True, seed=seed)
    states = np.concatenate([episode.states.numpy(), episode.next_states[-1:].numpy()])
    return states, bool(episode.terminated[-1])


def side_by_side(seed: int = SEED, data_dir: Path | None = None, panel_width: int = 300, stride: int = 2) -> bytes:
    """The GIF's bytes: every `stride`-th step of each policy's episode, panels side by side."""
    import helpers
    from helpers.teaching.plots import render_states
    from helpers.teaching.widgets import CROP

    data_dir = data_dir or ROOT / "data"
    habit_x = helpers.load_policy(data_dir / POLICIES[0][1]).meta.get("habit_x")  # the expert's habit, marked
    runs = [(name, *episode_states(data_dir / file, seed)) for name, file in POLICIES]
    length = max(len(states) for _, states, _ in runs)
    shown = [*range(0, length, stride)]
    shown += [length - 1] if shown[-1] != length - 1 else []
    panels = []  # per policy, one image per shown step
    for name, states, fell in runs:
        frames = [Image.fromarray(f[CROP]) for f in render_states(states, habit_x=habit_x)]
        height = round(frames[0].height * panel_width / frames[0].width)
        frames = [f.resize((panel_width, height), Image.Resampling.LANCZOS) for f in frames]
        column = []
        for t in shown:
            k = min(t, len(states) - 1)
            frame = frames[k].copy()
            status = f"fell at t = {k}" if fell and t >= len(states) - 1 else f"t = {k}"
            standins.label(frame, f"{name}   {status}", xy=(6, 4), size=13)
            column.append(frame)
        panels.append(column)
    gap = 6
    width = len(panels) * panel_width + (len(panels) - 1) * gap
    frames = []
    for i in range(len(shown)):
        canvas = Image.new("RGB", (width, panels[0][0].height), (255, 255, 255))
        for p, column in enumerate(panels):
            canvas.paste(column[i], (p * (panel_width + gap), 0))
        if gap:
            for p in range(1, len(panels)):
                x = p * (panel_width + gap) - gap
                canvas.paste((200, 200, 200), (x + gap // 2 - 1, 0, x + gap // 2 + 1, canvas.height))
        frames.append(canvas)
    return standins.frames_to_gif(frames, duration_ms=50 * stride, colors=48)


def main() -> None:
    """Command line: write the GIF (default docs/img/cartpole_side_by_side.gif) and print its size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    gif = side_by_side()
    if len(gif) > MAX_BYTES:
        raise SystemExit(f"the GIF would be {len(gif) / 1e6:.2f} MB (> {MAX_BYTES / 1e6:.0f} MB): raise the stride")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(gif)
    print(
        f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} ({len(gif) / 1e3:.0f} kB)"
    )


if __name__ == "__main__":
    main()
