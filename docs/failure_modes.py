"""The five ways GAIL goes wrong, as notebook 04's section "When GAIL goes wrong" and the instructor's guide show them.

    make guide-figures          # = python docs/failure_modes.py --out docs/img

Each figure shows runs of notebook 04's own training loop with one known mistake switched in, beside the reference
loop on the same seeds, each seed with its own expert and demonstration: what ``benchmarks/capstone.py mistakes``
measured and stored in ``RESULTS`` (per run: the batches' curves, the student's greedy habit and return, D's reward for
the demo's pairs moved along the track). Nothing is trained here: drawing takes seconds. The figures are
``docs/img/failure_*.png``; the numbers printed at the end are those the guide's notes summarise.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "capstone-mistakes_4500-4503_native.json"
"""The measured runs the figures are drawn from (``benchmarks/capstone.py mistakes``)."""
FIGURES = ("reward_sign", "weak_d", "overshoot", "labels_flipped", "bootstrap_fall")
HABIT_GAP = 0.4  # helpers.teaching.checkpoints.HABIT_GAP, the band of notebook 04's checkpoint
LOG4 = math.log(4.0)
RIGHT, WRONG, OTHER = "C0", "C3", "C1"


def load(path: Path = RESULTS) -> list[dict[str, Any]]:
    """The measured seeds, each with its runs by mistake ("none": the reference loop)."""
    return json.loads(path.read_text())["records"]


def _save(fig: plt.Figure, out: Path, name: str) -> Path:
    path = out / f"failure_{name}.png"
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)
    return path


def _curves(ax: plt.Axes, records: list[dict[str, Any]], key: str, runs: dict[str, tuple[str, str]]) -> None:
    """One thin line per seed for each run, the first seed's labelled."""
    for name, (color, label) in runs.items():
        for i, record in enumerate(records):
            c = record["runs"][name]["curves"]
            x = c["d_loss_steps"] if key == "d_loss" else c["env_steps"]
            ax.plot(x, c[key], color=color, lw=1.2, alpha=0.8, label=label if i == 0 else None)
    ax.set_xlabel("training env steps")


def figure_reward_sign(records: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """(a) The training episodes' length: paid -log D, and paid with the sign flipped."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4), layout="constrained")
    _curves(
        ax,
        records,
        "length",
        {"none": (RIGHT, "the reference loop"), "reward_sign": (WRONG, "the reward's sign flipped")},
    )
    ax.set_ylabel("mean length of the batch's episodes")
    ax.set_ylim(0, 210)
    ax.set_title("(a) Every step costs: the student learns to end its episodes", fontsize=10)
    ax.legend(fontsize=8)
    _save(fig, out, "reward_sign")
    return _numbers(records, "reward_sign", ("return", "len_late"))


def figure_weak_d(records: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """(b) D's loss at each iteration: 20 steps per iteration, and 1."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4), layout="constrained")
    _curves(ax, records, "d_loss", {"none": (RIGHT, "20 D steps per iteration"), "one_d_step": (WRONG, "1 D step")})
    ax.axhline(LOG4, color="0.4", ls=":", lw=1, label="log 4: D cannot tell the two apart")
    ax.set_ylabel("D's loss (cross-entropy)")
    ax.set_ylim(0, 1.8)
    ax.set_title("(b) Too few D steps: D's loss never leaves log 4", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    _save(fig, out, "weak_d")
    return _numbers(records, "one_d_step", ("return", "gap", "d_early_min")) | {
        "reference": _numbers(records, "none", ("d_early_min",))
    }


def figure_overshoot(records: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """(c) Per seed, where the greedy student keeps the cart relative to the expert; D's reward along the track."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    runs = {"none": (RIGHT, "o", "the reference loop"), "one_d_step": (WRONG, "^", "1 D step per iteration"),
            "slow_d": (OTHER, "s", "D's step size / 10")}  # fmt: skip
    ax1.axhspan(-HABIT_GAP, HABIT_GAP, color="0.9", label=f"notebook 04's band, ±{HABIT_GAP} m")
    ax1.axhline(0, color="k", lw=1)
    for k, (name, (color, marker, label)) in enumerate(runs.items()):
        offsets = [(i + (k - 1) * 0.15) for i in range(len(records))]
        diff = [r["runs"][name]["habit"] - r["expert_habit"] for r in records]
        ax1.plot(offsets, diff, marker, color=color, ms=7, label=label)
    ax1.set_xticks(range(len(records)), [str(r["seed"]) for r in records])
    ax1.set_xlabel("seed (each with its own expert and demonstration)")
    ax1.set_ylabel("student's habit − expert's habit (m)")
    ax1.legend(fontsize=8)
    xs = np.linspace(-2.4, 2.4, len(records[0]["runs"]["none"]["reward_along_x"]))
    first = records[0]
    for name, (color, _, label) in runs.items():
        ax2.plot(xs, first["runs"][name]["reward_along_x"], color=color, label=label)
    ax2.axvline(first["expert_habit"], color="k", lw=1, ls="--", label="the expert's habit")
    ax2.set_xlabel(f"cart position x (m): the demo's pairs moved there (seed {first['seed']})")
    ax2.set_ylabel("mean reward −log D after training")
    ax2.legend(fontsize=8)
    fig.suptitle("(c) A D that lags behind keeps paying past the mark, and the cart overshoots it", fontsize=11)
    _save(fig, out, "overshoot")
    return {name: [round(r["runs"][name]["habit"] - r["expert_habit"], 3) for r in records] for name in runs}


def figure_labels_flipped(records: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """(d) D's loss, and the training episodes' habit: labels as the reward assumes them, and swapped."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
    runs = {"none": (RIGHT, "the reference loop"), "labels_swapped": (WRONG, "D's labels swapped")}
    _curves(ax1, records, "d_loss", runs)
    ax1.axhline(LOG4, color="0.4", ls=":", lw=1, label="log 4")
    ax1.set_ylabel("D's loss (cross-entropy)")
    ax1.legend(fontsize=8)
    _curves(ax2, records, "habit", runs)
    ax2.axhline(0, color="0.6", lw=0.8)
    ax2.set_ylabel("habit of the batch's episodes (m)")
    fig.suptitle("(d) Labels swapped: D tells the two apart easily, and the student runs from the expert", fontsize=11)
    _save(fig, out, "labels_flipped")
    return _numbers(records, "labels_swapped", ("return", "habit", "d_expert"))


def figure_bootstrap_fall(records: list[dict[str, Any]], out: Path) -> dict[str, Any]:
    """(e) The training episodes' length: GAE that stops at a fall, and GAE that bootstraps through it."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4), layout="constrained")
    runs = {"none": (RIGHT, "a fall is terminated"), "fall_as_truncation": (WRONG, "a fall treated as the step cap")}
    _curves(ax, records, "length", runs)
    ax.set_ylabel("mean length of the batch's episodes")
    ax.set_ylim(0, 210)
    ax.set_title("(e) A fall bootstrapped as a truncation: nothing says that falling ends the rewards", fontsize=10)
    ax.legend(fontsize=8)
    _save(fig, out, "bootstrap_fall")
    return _numbers(records, "fall_as_truncation", ("return", "len_late", "d_early_min"))


def _numbers(records: list[dict[str, Any]], name: str, keys: tuple[str, ...]) -> dict[str, Any]:
    """Per key, the run's signature number on each seed, and how many of those runs passed notebook 04's checks."""
    out: dict[str, Any] = {k: [round(r["runs"][name]["signature"][k], 3) for r in records] for k in keys}
    out["passed"] = f"{sum(r['runs'][name]['passed'] for r in records)}/{len(records)}"
    return out


def make_figures(out: Path, only: tuple[str, ...] = FIGURES, results: Path = RESULTS) -> dict[str, Any]:
    """Draw the figures in ``only`` into ``out`` from ``results``; returns the numbers they show."""
    out.mkdir(parents=True, exist_ok=True)
    records = load(results)
    draw = {"reward_sign": figure_reward_sign, "weak_d": figure_weak_d, "overshoot": figure_overshoot,
            "labels_flipped": figure_labels_flipped, "bootstrap_fall": figure_bootstrap_fall}  # fmt: skip
    return {name: draw[name](records, out) for name in only}


def main(argv: list[str] | None = None) -> None:
    """Command line: draw the figures into --out and print the numbers they show."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "img", help="folder of the figures (docs/img)")
    p.add_argument("--results", type=Path, default=RESULTS, help="benchmarks/capstone.py mistakes' results file")
    p.add_argument("--only", default=",".join(FIGURES), help=f"comma-separated, of: {', '.join(FIGURES)}")
    args = p.parse_args(argv)
    only = tuple(x.strip() for x in args.only.split(",") if x.strip())
    if unknown := sorted(set(only) - set(FIGURES)):
        raise SystemExit(f"--only: unknown figure(s) {unknown}; choose from {', '.join(FIGURES)}")
    numbers = make_figures(args.out, only, args.results)
    print(json.dumps(numbers, indent=1))
    print(f"figures in {args.out}")


if __name__ == "__main__":
    main()
