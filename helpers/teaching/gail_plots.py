"""Plots and the widget of notebooks 03 (discriminator) and 04 (GAIL); every axis is labelled."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from helpers.algorithms.discriminator import REWARD_KINDS, Discriminator, reward_from_logits
from helpers.algorithms.train import History

REWARD_LABELS = {
    "neg_log_d": r"$-\log D$  (always > 0)",
    "log_1m_d": r"$\log(1-D)$  (always < 0)",
    "logit": r"$\log(1-D) - \log D$  (either sign)",
    "survival": r"$\log 2$ whatever D says  (the survival control)",
}
ACTION_NAMES = ("push left (a=0)", "push right (a=1)")


def plot_disc_training(stats: dict[str, Sequence[float]], title: str = "Discriminator training") -> Figure:
    """Loss and balanced accuracy per step, and mean D on each side, from a dict of per-step lists."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.2))
    steps = np.arange(1, len(stats["d_loss"]) + 1)
    ax1.plot(steps, stats["d_loss"], label="BCE loss")
    ax1.set_xlabel("discriminator step")
    ax1.set_ylabel("loss")
    ax1b = ax1.twinx()
    ax1b.plot(steps, stats["d_acc"], color="C1", label="balanced accuracy")
    ax1b.set_ylabel("accuracy")
    ax1b.set_ylim(0, 1.05)
    ax1.legend(loc="center left")
    ax1b.legend(loc="center right")
    ax2.plot(steps, stats["d_expert"], label="mean D on expert pairs (label 0)")
    ax2.plot(steps, stats["d_student"], label="mean D on the other pairs (label 1)")
    ax2.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax2.set_xlabel("discriminator step")
    ax2.set_ylabel("D = P(student)")
    ax2.set_ylim(0, 1)
    ax2.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


PLANES = {
    "angle": (2, 3, 0.21, 1.5),
    "position": (0, 2, 2.4, 0.21),
}
"""Heatmap planes: (horizontal state index, vertical state index, horizontal reach, vertical reach)."""
AXIS_LABELS = (
    "cart position x (m)",
    "cart velocity ẋ (m/s)",
    r"pole angle $\theta$ (rad)",
    r"angular velocity $\dot\theta$ (rad/s)",
)


@torch.no_grad()
def plot_d_heatmap(
    disc: Discriminator,
    demo_states: torch.Tensor | None = None,
    demo_actions: torch.Tensor | None = None,
    plane: str = "angle",
    n: int = 61,
) -> Figure:
    """D(s, a) over a plane of states, one panel per action; the other two state variables are 0.

    ``plane="angle"``: pole angle x angular velocity (cart at rest at x = 0); ``plane="position"``: cart position x
    pole angle (cart and pole at rest). The demo's pairs with that action are drawn on top as dots.
    """
    i, j, reach_i, reach_j = PLANES[plane]
    u = torch.linspace(-reach_i, reach_i, n)
    v = torch.linspace(-reach_j, reach_j, n)
    uu, vv = torch.meshgrid(u, v, indexing="xy")
    states = torch.zeros(n * n, 4)
    states[:, i], states[:, j] = uu.reshape(-1), vv.reshape(-1)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
    for a, ax in enumerate(axes):
        d = disc.prob_student(states, torch.full((len(states),), a)).reshape(n, n)
        im = ax.imshow(
            d.numpy(),
            origin="lower",
            aspect="auto",
            extent=(-reach_i, reach_i, -reach_j, reach_j),
            cmap="RdBu_r",
            interpolation="nearest",
            vmin=0,
            vmax=1,
        )
        if demo_states is not None and demo_actions is not None:
            mine = demo_actions.reshape(-1) == a
            ax.scatter(demo_states[mine, i], demo_states[mine, j], s=6, c="k", label=f"expert pairs with a={a}")
            ax.legend(loc="upper right", fontsize=8)
        ax.set_title(ACTION_NAMES[a])
        ax.set_xlabel(AXIS_LABELS[i])
    axes[0].set_ylabel(AXIS_LABELS[j])
    fig.colorbar(im, ax=axes, label="D(s, a) = P(student)")
    return fig


def plot_reward_shapes(kinds: Sequence[str] = REWARD_KINDS) -> Figure:
    """The student's reward as a function of D for each reward kind."""
    d = torch.linspace(0.005, 0.995, 400)
    logits = torch.log(d) - torch.log1p(-d)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for kind in kinds:
        ax.plot(d, reward_from_logits(logits, kind), label=REWARD_LABELS.get(kind, kind))
    ax.axhline(0, color="gray", lw=0.8)
    ax.axvline(0.5, color="gray", lw=0.8, ls=":")
    ax.set_xlabel("D(s, a) = P(pair is the student's)")
    ax.set_ylabel("reward r(s, a)")
    ax.set_ylim(-5, 5)
    ax.legend()
    ax.set_title("Ways to turn D into a reward")
    fig.tight_layout()
    return fig


def history_curves(hist: History) -> dict[str, list[float]]:
    """A ``train_gail`` history as ``plot_gail_runs`` reads a run: per iteration, env steps, D's loss at its last step,
    the training episodes' habit and length."""
    return {"env_steps": list(hist.env_steps), "habit": list(hist.episode_habit), "length": list(hist.episode_length),
            "d_loss_steps": list(hist.env_steps), "d_loss": list(hist.extra["d_loss_last_step"])}  # fmt: skip


def plot_gail_runs(runs: dict[str, dict[str, Sequence[float]]], expert_habit: float) -> Figure:
    """Per iteration of each run: D's loss (at its last step) and the habit of the training episodes.

    Each run is a dict with ``env_steps``, ``habit`` (per batch), ``d_loss_steps`` and ``d_loss`` (``GAILRun.curves``,
    ``history_curves``).
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), layout="constrained")
    for k, (name, run) in enumerate(runs.items()):
        axes[0].plot(run["d_loss_steps"], run["d_loss"], color=f"C{k}", label=name)
        axes[1].plot(run["env_steps"], run["habit"], color=f"C{k}", marker=".", label=name)
    axes[0].axhline(np.log(4.0), color="gray", ls=":", lw=1, label="log 4: D cannot tell them apart")
    axes[0].set_ylabel("D's loss (cross-entropy)")
    axes[0].set_ylim(bottom=0)
    axes[0].set_title("the discriminator's loss at each iteration", fontsize=10)
    axes[1].axhline(expert_habit, color="k", ls="--", lw=1, label="the expert's habit")
    axes[1].set_ylabel("habit: mean x over the last 100 steps (m)")
    axes[1].set_title("where the training episodes keep the cart (sampled actions)", fontsize=10)
    for ax in axes:
        ax.set_xlabel("training env steps")
        ax.legend(fontsize=8, loc="lower left" if ax is axes[0] else "upper left")
    return fig


def plot_habits(habits: dict[str, Sequence[float]], expert_habit: float, tolerance: float = 0.4) -> Figure:
    """Each learner's per-episode habit (mean x over the last 100 steps) on fresh episodes, one row per learner."""
    names = list(habits)
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.55 * len(names)), layout="constrained")
    ax.axvspan(expert_habit - tolerance, expert_habit + tolerance, color="green", alpha=0.12,
               label=f"within {tolerance} m of the expert's habit")  # fmt: skip
    rng = np.random.default_rng(0)  # vertical jitter, only to keep the dots apart
    for row, name in enumerate(names):
        values = np.asarray(habits[name], dtype=float)
        ax.scatter(values, row + rng.uniform(-0.15, 0.15, len(values)), s=10, alpha=0.6, color=f"C{row}")
        ax.plot([values.mean()] * 2, [row - 0.3, row + 0.3], color="k", lw=2)
    ax.set_yticks(range(len(names)), names)
    ax.invert_yaxis()
    ax.set_xlabel("habit of one fresh greedy episode: mean cart x over its last 100 steps (m); bar: the mean")
    ax.set_xlim(-2.4, 2.4)
    ax.legend(fontsize=8, loc="upper left")
    return fig


# ---------------------------------------------------------------- widget

STATE_SLIDERS = (
    ("cart position x", -2.4, 2.4, 0.0),
    ("cart velocity ẋ", -2.0, 2.0, 0.0),
    ("pole angle θ", -0.21, 0.21, 0.0),
    ("angular velocity θ̇", -2.0, 2.0, 0.0),
)


def d_explorer(disc: Discriminator):  # -> ipywidgets.VBox (imported lazily: only notebooks need ipywidgets)
    """Four sliders (the state) and a readout of D(s, a) for both actions, updated on every slider move.

    CSS classes for the browser test: container ``il-d-explorer``, sliders ``il-state-slider``,
    readout ``il-d-values``.
    """
    import ipywidgets as w

    sliders = []
    for name, lo, hi, value in STATE_SLIDERS:
        s = w.FloatSlider(
            value=value,
            min=lo,
            max=hi,
            step=(hi - lo) / 200,
            description=name,
            readout_format=".3f",
            continuous_update=True,
            style={"description_width": "120px"},
            layout=w.Layout(width="420px"),
        )
        s.add_class("il-state-slider")
        sliders.append(s)
    readout = w.HTML()
    readout.add_class("il-d-values")

    def update(_change: object = None) -> None:
        state = torch.tensor([[s.value for s in sliders]] * 2, dtype=torch.float32)
        d = disc.prob_student(state, torch.tensor([0, 1])).tolist()
        rows = "".join(
            f"<tr><td>{ACTION_NAMES[a]}</td><td><b>D = {d[a]:.3f}</b></td>"
            f"<td>{'looks like the expert' if d[a] < 0.5 else 'looks like the student'}</td></tr>"
            for a in (0, 1)
        )
        readout.value = f"<table>{rows}</table>"

    for s in sliders:
        s.observe(update, names="value")
    update()
    box = w.VBox([*sliders, readout])
    box.add_class("il-d-explorer")
    return box
