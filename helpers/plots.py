"""The plots of the series: learning curves, CartPole frames, state traces and action counts."""

from __future__ import annotations

import os
from collections.abc import Sequence

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from helpers.env import ENV_ID, MAX_STEPS
from helpers.train import History

# Drawing needs no screen: tell SDL (pygame) so, which also silences its XDG_RUNTIME_DIR warning.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

# CartPole-v1's termination thresholds (gymnasium/envs/classic_control/cartpole.py).
X_LIMIT = 2.4
THETA_LIMIT = 12 * 2 * np.pi / 360  # 0.2095 rad
STATE_NAMES = ("cart position x", "cart velocity", "pole angle θ (rad)", "pole angular velocity")
ACTION_NAMES = ("push left (0)", "push right (1)")


def render_env() -> gym.Env:
    """A CartPole env that draws RGB frames of whatever state we set (no simulation needed)."""
    env = gym.make(ENV_ID, render_mode="rgb_array", max_episode_steps=-1)
    env.reset(seed=0)
    return env


def render_state(state: Sequence[float] | np.ndarray | torch.Tensor, env: gym.Env | None = None) -> np.ndarray:
    """The RGB frame (uint8 [400, 600, 3]) of one state s = (x, x_dot, theta, theta_dot)."""
    own = env is None
    env = env or render_env()
    env.unwrapped.state = np.asarray(state, dtype=np.float64)
    frame = env.render()
    if own:
        env.close()
    return frame


def render_states(states: np.ndarray | torch.Tensor, env: gym.Env | None = None) -> list[np.ndarray]:
    """RGB frames of a sequence of states, drawn with one shared render env."""
    own = env is None
    env = env or render_env()
    frames = [render_state(s, env) for s in np.asarray(states)]
    if own:
        env.close()
    return frames


def _axes(ax: Axes | None, figsize: tuple[float, float] = (7, 3.5)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def learning_curve(history: History, target: float | None = MAX_STEPS, ax: Axes | None = None, label: str = "") -> Axes:
    """Returns against training env steps: the greedy evaluation mean and the sampled training episodes."""
    ax = _axes(ax)
    prefix = f"{label}: " if label else ""
    ax.plot(history.env_steps, history.episode_return, ".", alpha=0.35, label=f"{prefix}training episode (sampled)")
    ax.plot(history.env_steps, history.eval_return, "-", lw=2, label=f"{prefix}greedy evaluation (10-episode mean)")
    if target is not None:
        ax.axhline(target, color="grey", ls="--", lw=1, label=f"target {target:g}")
    if getattr(history, "steps_to_target", None) is not None:
        ax.axvline(
            history.steps_to_target,
            color="green",
            ls=":",
            lw=1.5,
            label=f"first reached: {history.steps_to_target} steps",
        )
    ax.set_xlabel("training environment steps")
    ax.set_ylabel("episode return")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def filmstrip(
    frames_or_states: Sequence[np.ndarray] | np.ndarray | torch.Tensor,
    n: int = 6,
    title: str | None = None,
    crop: bool = True,
) -> Figure:
    """A static strip of ``n`` evenly spaced frames of an episode (states [T, 4] are rendered first)."""
    seq = frames_or_states
    is_states = isinstance(seq, torch.Tensor) or (np.asarray(seq[0]).ndim == 1)
    total = len(seq)
    idx = np.unique(np.linspace(0, total - 1, min(n, total)).round().astype(int))
    if is_states:
        states = np.asarray(seq)
        frames = render_states(states[idx])
    else:
        frames = [np.asarray(seq[i]) for i in idx]
    fig, axes = plt.subplots(1, len(idx), figsize=(2.2 * len(idx), 1.9), layout="constrained", squeeze=False)
    for ax, i, frame in zip(axes[0], idx, frames, strict=True):
        ax.imshow(frame[100:330] if crop and frame.shape[0] == 400 else frame)  # drop the empty sky and floor
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel(f"t = {i}")
    axes[0][0].set_ylabel("frame")
    if title:
        fig.suptitle(title)
    return fig


def state_traces(states: np.ndarray | torch.Tensor, title: str | None = None) -> Figure:
    """The four state variables over one episode, with CartPole's failure limits on x and theta."""
    states = np.asarray(states)
    fig, axes = plt.subplots(2, 2, figsize=(9, 5), sharex=True, layout="constrained")
    for k, ax in enumerate(axes.flat):
        ax.plot(states[:, k], lw=1.5)
        limit = {0: X_LIMIT, 2: THETA_LIMIT}.get(k)
        if limit is not None:
            for sign in (-1, 1):
                ax.axhline(sign * limit, color="red", ls="--", lw=1)
        ax.set_ylabel(STATE_NAMES[k])
        ax.axhline(0, color="grey", lw=0.5)
    for ax in axes[1]:
        ax.set_xlabel("time step t")
    if title:
        fig.suptitle(title)
    return fig


def action_counts(actions: np.ndarray | torch.Tensor, ax: Axes | None = None, title: str | None = None) -> Axes:
    """A bar chart of how often each action (0 = left, 1 = right) was chosen."""
    ax = _axes(ax, (4, 3))
    counts = np.bincount(np.asarray(actions).reshape(-1).astype(int), minlength=2)
    bars = ax.bar(ACTION_NAMES, counts, color=["tab:blue", "tab:orange"])
    ax.bar_label(bars)
    ax.set_xlabel("action")
    ax.set_ylabel("times chosen")
    if title:
        ax.set_title(title)
    return ax
