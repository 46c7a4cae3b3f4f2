"""Plots and the widget of notebooks 03 (discriminator) and 04 (GAIL); every axis is labelled."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from helpers.discriminator import REWARD_KINDS, Discriminator, reward_from_logits
from helpers.plots import learning_curve
from helpers.train import History

REWARD_LABELS = {
    "neg_log_d": r"$-\log D$  (always > 0)",
    "log_1m_d": r"$\log(1-D)$  (always < 0)",
    "logit": r"$\log(1-D) - \log D$  (either sign)",
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
    ax2.plot(steps, stats["d_expert"], label="mean D on expert pairs")
    ax2.plot(steps, stats["d_student"], label="mean D on the other pairs")
    ax2.axhline(0.5, color="gray", lw=0.8, ls=":")
    ax2.set_xlabel("discriminator step")
    ax2.set_ylabel("D = P(not expert)")
    ax2.set_ylim(0, 1)
    ax2.legend()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


@torch.no_grad()
def plot_d_heatmap(
    disc: Discriminator,
    demo_states: torch.Tensor | None = None,
    demo_actions: torch.Tensor | None = None,
    angle_max: float = 0.21,
    omega_max: float = 1.5,
    n: int = 61,
) -> Figure:
    """D(s, a) over pole angle x angular velocity (cart at rest at x = 0), one panel per action."""
    theta = torch.linspace(-angle_max, angle_max, n)
    omega = torch.linspace(-omega_max, omega_max, n)
    tt, ww = torch.meshgrid(theta, omega, indexing="xy")
    states = torch.stack([torch.zeros_like(tt), torch.zeros_like(tt), tt, ww], -1).reshape(-1, 4)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for a, ax in enumerate(axes):
        d = disc.prob_student(states, torch.full((len(states),), a)).reshape(n, n)
        im = ax.imshow(
            d.numpy(),
            origin="lower",
            aspect="auto",
            extent=(-angle_max, angle_max, -omega_max, omega_max),
            cmap="RdBu_r",
            interpolation="nearest",
            vmin=0,
            vmax=1,
        )
        if demo_states is not None and demo_actions is not None:
            mine = demo_actions.reshape(-1) == a
            ax.scatter(demo_states[mine, 2], demo_states[mine, 3], s=6, c="k", label=f"expert pairs with a={a}")
            ax.legend(loc="upper right", fontsize=8)
        ax.set_title(ACTION_NAMES[a])
        ax.set_xlabel(r"pole angle $\theta$ (rad)")
    axes[0].set_ylabel(r"angular velocity $\dot\theta$ (rad/s)")
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
    ax.set_title("Three ways to turn D into a reward")
    fig.tight_layout()
    return fig


def plot_gail_history(hist: History, target: float = 195.0, stop_at: int | None = None) -> Figure:
    """Per-iteration true return, evaluation, mean D on each side, and disc loss / accuracy, vs env steps."""
    x = np.asarray(hist.env_steps)
    ex = hist.extra
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    learning_curve(hist, target=target, ax=axes[0])  # marks the first evaluation >= target itself
    axes[1].plot(x, ex["d_expert"], label="mean D on expert pairs")
    axes[1].plot(x, ex["d_student"], label="mean D on student pairs")
    axes[1].axhline(0.5, color="gray", ls=":", lw=0.8)
    axes[1].set_ylabel("D = P(student)")
    axes[1].set_ylim(0, 1)
    axes[2].plot(x, ex["d_loss"], label="BCE loss")
    axes[2].set_ylabel("discriminator loss")
    acc = axes[2].twinx()
    acc.plot(x, ex["d_acc"], color="C1", lw=1, label="balanced accuracy (right axis)")
    acc.set_ylabel("accuracy")
    acc.set_ylim(0, 1.05)
    marks = [(hist.steps_to_target, f"first eval >= {target:g}", "C2")]
    if stop_at is not None:
        marks.append((stop_at, "stop", "C3"))
    titles = ("true return (never used in training)", "the discriminator's view", "discriminator loss and accuracy")
    for i, (ax, title) in enumerate(zip(axes, titles, strict=True)):
        ax.set_xlabel("training env steps")
        ax.set_title(title, fontsize=10)
        for where, label, color in marks[1:] if i == 0 else marks:
            if where is not None:
                ax.axvline(where, color=color, ls="--", lw=1, label=label)
    axes[0].legend(loc="lower right", fontsize=8)
    axes[1].legend(loc="lower left", fontsize=8)
    h1, l1 = axes[2].get_legend_handles_labels()
    h2, l2 = acc.get_legend_handles_labels()
    axes[2].legend(h1 + h2, l1 + l2, loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def plot_angle_distributions(states: dict[str, torch.Tensor], bins: int = 40) -> Figure:
    """Histogram (density) of the pole angle theta over the states each named policy visits."""
    fig, ax = plt.subplots(figsize=(6.5, 3.4))
    reach = max(float(s[:, 2].abs().max()) for s in states.values())
    edges = np.linspace(-1.1 * reach, 1.1 * reach, bins + 1)
    for name, s in states.items():
        ax.hist(s[:, 2].numpy(), bins=edges, density=True, histtype="step", lw=1.6, label=f"{name} ({len(s)} states)")
    ax.set_xlabel(r"pole angle $\theta$ (rad)")
    ax.set_ylabel("density")
    ax.set_title("Where each policy keeps the pole")
    ax.legend()
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- widget

STATE_SLIDERS = (
    ("cart position x", -2.4, 2.4, 0.0),
    ("cart velocity", -2.0, 2.0, 0.0),
    ("pole angle θ", -0.21, 0.21, 0.0),
    ("angular velocity", -2.0, 2.0, 0.0),
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
