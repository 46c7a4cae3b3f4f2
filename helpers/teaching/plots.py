"""The plots of the series: learning curves, CartPole frames, state traces and action counts."""

from __future__ import annotations

import os
from collections.abc import Sequence

import gymnasium as gym
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from helpers.algorithms.train import ExpertHistory, ExpertRule
from helpers.core.env import ENV_ID, MAX_STEPS, THETA_LIMIT, X_LIMIT

# Drawing needs no screen: tell SDL (pygame) so, which also silences its XDG_RUNTIME_DIR warning.
os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

STATE_NAMES = ("cart position x (m)", "cart velocity ẋ (m/s)", "pole angle θ (rad)", "pole angular velocity θ̇ (rad/s)")


def render_env() -> gym.Env:
    """A CartPole env that draws RGB frames of whatever state we set (no simulation needed)."""
    env = gym.make(ENV_ID, render_mode="rgb_array", max_episode_steps=-1)
    env.reset(seed=0)
    return env


HABIT_MARK = (40, 160, 40)
"""Colour of the mark drawn under the track at the habit's position."""


def mark_habit(frame: np.ndarray, habit_x: float) -> np.ndarray:
    """Draw a small green triangle under the track (in place) where the cart position is ``habit_x``."""
    height, width = frame.shape[:2]
    col = round(width / 2 + habit_x * width / (2 * X_LIMIT))  # Gymnasium draws the track 2 * 2.4 m wide
    track = height - 100  # and the track line 100 pixels above the bottom
    for k, row in enumerate(range(track + 17, track + 30)):  # below the cart, inside the cropped frames
        frame[row, max(col - k // 2, 0) : min(col + k // 2 + 1, width)] = HABIT_MARK
    return frame


def render_state(
    state: Sequence[float] | np.ndarray | torch.Tensor, env: gym.Env | None = None, habit_x: float | None = None
) -> np.ndarray:
    """The RGB frame (uint8 [400, 600, 3]) of one state s = (x, x_dot, theta, theta_dot), the habit marked if given."""
    own = env is None
    env = env or render_env()
    env.unwrapped.state = np.asarray(state, dtype=np.float64)
    frame = env.render()
    if own:
        env.close()
    return frame if habit_x is None else mark_habit(frame, habit_x)


def render_states(
    states: np.ndarray | torch.Tensor, env: gym.Env | None = None, habit_x: float | None = None
) -> list[np.ndarray]:
    """RGB frames of a sequence of states, drawn with one shared render env (the habit marked if given)."""
    own = env is None
    env = env or render_env()
    frames = [render_state(s, env, habit_x) for s in np.asarray(states)]
    if own:
        env.close()
    return frames


def learning_curve(
    history: ExpertHistory, habit_x: float | None = None, habit_tol: float = ExpertRule.habit_tol
) -> Figure:
    """The expert's training: episode length and habit against env steps, greedy evaluation and training episodes."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.4), layout="constrained")
    ax1.plot(history.env_steps, history.episode_length, ".", alpha=0.4, label="training episodes (sampled)")
    ax1.plot(history.eval_steps, history.eval_return, "-", lw=2, label="greedy evaluation (10 episodes)")
    ax1.axhline(MAX_STEPS, color="grey", ls="--", lw=1, label=f"the cap, {MAX_STEPS}")
    ax1.set_ylabel("episode length (steps)")
    ax2.plot(history.env_steps, history.episode_habit, ".", alpha=0.4, label="training episodes (sampled)")
    ax2.plot(history.eval_steps, history.eval_habit, "-", lw=2, label="greedy evaluation (10 episodes)")
    if habit_x is not None:
        ax2.axhspan(habit_x - habit_tol, habit_x + habit_tol, color="green", alpha=0.15, label=f"HABIT_X ± {habit_tol}")
    ax2.set_ylabel("habit: mean x over the last 100 steps (m)")
    for ax in (ax1, ax2):
        if history.steps_to_target is not None:
            ax.axvline(history.steps_to_target, color="green", ls=":", lw=1.5, label="first solved evaluation")
        ax.set_xlabel("training environment steps")
        ax.legend(fontsize="small", loc="lower right")
    return fig


def filmstrip(
    frames_or_states: Sequence[np.ndarray] | np.ndarray | torch.Tensor,
    n: int = 6,
    title: str | None = None,
    crop: bool = True,
    habit_x: float | None = None,
) -> Figure:
    """A static strip of ``n`` evenly spaced frames of an episode (states [T, 4] are rendered first, the habit
    marked under the track if ``habit_x``)."""
    seq = frames_or_states
    is_states = isinstance(seq, torch.Tensor) or (np.asarray(seq[0]).ndim == 1)
    total = len(seq)
    idx = np.unique(np.linspace(0, total - 1, min(n, total)).round().astype(int))
    if is_states:
        states = np.asarray(seq)
        frames = render_states(states[idx], habit_x=habit_x)
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


def state_traces(states: np.ndarray | torch.Tensor, title: str | None = None, habit_x: float | None = None) -> Figure:
    """The four state variables over one episode, with CartPole's failure limits on x and theta (and the habit)."""
    states = np.asarray(states)
    fig, axes = plt.subplots(2, 2, figsize=(9, 5), sharex=True, layout="constrained")
    for k, ax in enumerate(axes.flat):
        ax.plot(states[:, k], lw=1.5)
        limit = {0: X_LIMIT, 2: THETA_LIMIT}.get(k)
        if limit is not None:
            for sign in (-1, 1):
                ax.axhline(sign * limit, color="red", ls="--", lw=1, label="episode ends beyond" if sign > 0 else None)
        if k == 0 and habit_x is not None:
            ax.axhline(habit_x, color="green", ls=":", lw=1.5, label=f"HABIT_X = {habit_x:g}")
        if limit is not None:
            ax.legend(fontsize="small", loc="lower right")
        ax.set_ylabel(STATE_NAMES[k])
        ax.axhline(0, color="grey", lw=0.5)
    for ax in axes[1]:
        ax.set_xlabel("time step t")
    if title:
        fig.suptitle(title)
    return fig
