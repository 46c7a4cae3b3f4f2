"""Pendulum as notebook 07 uses it: Gymnasium's ``Pendulum-v1``, many at once, and the expert's habit, a tilt.

The pendulum starts at a random angle and speed and must be swung up and held; the torque is limited to ±2 N·m, too
little to lift it straight up, so it has to swing. Every episode lasts 200 steps (a truncation, never a termination):
there is no falling to avoid, and so no survival bonus for any reward to hide behind.

``PendulumBatch`` steps ``n`` pendulums at once with Gymnasium's equations in NumPy (``tests/test_pendulum.py``
checks it against ``gym.make("Pendulum-v1")`` step by step); it is many times faster than Gymnasium's vector env,
which steps its pendulums one by one (``benchmarks/pendulum_notes.md``). Angles: θ = 0 is upright, positive
counter-clockwise; the observation is (cos θ, sin θ, θ̇).
"""

from __future__ import annotations

import numpy as np
import torch

from helpers.core.rollout import Episode

PENDULUM_ID = "Pendulum-v1"
PENDULUM_STEPS = 200
"""Every episode lasts this many steps (Gymnasium's ``TimeLimit``): always a truncation, never a termination."""
PENDULUM_OBS_DIM = 3
"""The observation (cos θ, sin θ, θ̇)."""
MAX_TORQUE = 2.0
"""The action is one torque in [-2, 2] N·m; larger ones are clipped, as Gymnasium clips them."""
MAX_SPEED = 8.0
"""Gymnasium clips the angular velocity to ±8 rad/s."""
TILT = 0.25
"""The expert's habit: the angle (rad, counter-clockwise from upright) it is paid to hold the pendulum at.

Holding θ takes a constant torque of -5 sin θ N·m against gravity, so the tilt must stay well below asin(2/5) = 0.41
rad, where the torque limit could no longer hold it; a policy paid Pendulum's own reward holds it upright, at 0."""
TILT_WEIGHT = 4.0
"""Weight of |θ - θ*| in the expert's cost: the squared term alone is flat near its minimum (the last few degrees earn
almost nothing); the absolute term pays them as much as the first (``benchmarks/pendulum_notes.md``)."""
UPRIGHT = np.pi / 4
"""An episode ends upright when |θ| stays below this (45°) over its last ``TILT_WINDOW`` steps."""
TILT_WINDOW = 100
"""The tilt is measured over the last this-many steps of an episode (the pendulum has been swung up by then)."""


def angle_normalize(theta: np.ndarray | float) -> np.ndarray | float:
    """θ wrapped into [-π, π) (Gymnasium's ``angle_normalize``)."""
    return ((theta + np.pi) % (2 * np.pi)) - np.pi


def pendulum_reward(
    theta: np.ndarray, theta_dot: np.ndarray, torque: np.ndarray, tilt: float | None = None
) -> np.ndarray:
    """Pendulum's reward, or the expert's with ``tilt``: r = -(c(θ) + 0.1 θ̇² + 0.001 u²), u the applied torque.

    Pendulum-v1: c(θ) = Δ², Δ = θ wrapped into [-π, π). With ``tilt`` = θ*: Δ = θ - θ* wrapped, and
    c = Δ² + ``TILT_WEIGHT`` |Δ|. Computed, as Gymnasium does, from the state *before* the step.
    """
    delta = angle_normalize(theta - (tilt or 0.0))
    cost = delta**2 + 0.1 * theta_dot**2 + 0.001 * torque**2
    if tilt is not None:
        cost = cost + TILT_WEIGHT * np.abs(delta)
    return -cost


class PendulumBatch:
    """``n`` Pendulum-v1 stepped together in NumPy, each episode ``max_steps`` long, paid ``pendulum_reward``.

    The equations, start states (θ uniform in [-π, π], θ̇ in [-1, 1]), clipping and reward are Gymnasium's
    ``PendulumEnv``'s, written for ``n`` pendulums at once (float64 state, float32 observations); ``tilt`` pays the
    expert's habit instead of Pendulum's own reward. The same interface as ``CartPoleBatch``: ``reset(seed)`` seeds
    one random stream that draws all ``n`` start states (an unseeded reset continues it); ``step(actions)`` takes
    torques [n, 1] (or [n]) and returns observations, rewards, terminated (never) and truncated (at the cap).
    """

    g, m, length, dt = 10.0, 1.0, 1.0, 0.05
    obs_dim = PENDULUM_OBS_DIM
    max_torque = MAX_TORQUE

    def __init__(self, n: int, tilt: float | None = None, max_steps: int = PENDULUM_STEPS) -> None:
        self.n, self.tilt, self.max_steps = n, tilt, max_steps
        self.rng = np.random.default_rng()
        self.state = np.zeros((n, 2))  # theta, theta_dot
        self.steps = 0

    def observe(self) -> np.ndarray:
        """The observations (cos θ, sin θ, θ̇), float32 [n, 3]."""
        theta, theta_dot = self.state.T
        return np.stack([np.cos(theta), np.sin(theta), theta_dot], 1).astype(np.float32)

    def reset(self, seed: int | None = None) -> np.ndarray:
        """Start ``n`` new episodes; their first observations, float32 [n, 3]."""
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform([-np.pi, -1.0], [np.pi, 1.0], size=(self.n, 2))
        self.steps = 0
        return self.observe()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Apply torques [n, 1] (clipped to ±2 N·m); next observations, rewards, terminated, truncated (all [n])."""
        theta, theta_dot = self.state.T
        # float32, the action space's dtype: Gymnasium then computes u's terms in float32 too (NumPy 2's promotion)
        u = np.clip(np.asarray(actions, dtype=np.float32).reshape(self.n), -self.max_torque, self.max_torque)
        reward = pendulum_reward(theta, theta_dot, u, self.tilt)
        gravity = 3 * self.g / (2 * self.length) * np.sin(theta)
        new_theta_dot = theta_dot + (gravity + 3.0 / (self.m * self.length**2) * u) * self.dt
        new_theta_dot = np.clip(new_theta_dot, -MAX_SPEED, MAX_SPEED)
        self.state = np.stack([theta + new_theta_dot * self.dt, new_theta_dot], 1)
        self.steps += 1
        terminated = np.zeros(self.n, bool)
        truncated = np.full(self.n, self.steps >= self.max_steps)
        return self.observe(), reward.astype(np.float32), terminated, truncated


def pendulum_step(states: np.ndarray, torques: np.ndarray, tilt: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """s' and r for each recorded pair (s, a): one step of Pendulum's equations from float32 observations [N, 3].

    θ is recovered as atan2(sin θ, cos θ) from the float32 observation, so s' can differ from the recorded episode's
    next observation in the last digits. Used to rebuild what a demonstration does not store (its last observation,
    its rewards) for a Minari dataset.
    """
    states = np.asarray(states, dtype=np.float64)
    envs = PendulumBatch(len(states), tilt)
    envs.state = np.stack([np.arctan2(states[:, 1], states[:, 0]), states[:, 2]], 1)
    obs, reward, _, _ = envs.step(np.asarray(torques))
    return obs, reward


def angles(states: torch.Tensor) -> torch.Tensor:
    """θ in (-π, π] of each observation (cos θ, sin θ, θ̇): atan2(sin θ, cos θ)."""
    return torch.atan2(states[..., 1], states[..., 0])


def tilt_of(states: torch.Tensor, window: int = TILT_WINDOW) -> float:
    """The tilt of one episode: its mean angle θ over the last ``window`` steps (NaN unless it ends upright)."""
    theta = angles(states[-window:])
    return float(theta.mean()) if bool((theta.abs() < UPRIGHT).all()) else float("nan")


def ends_upright(states: torch.Tensor, window: int = TILT_WINDOW) -> bool:
    """True if |θ| < 45° at every one of the episode's last ``window`` steps: it was swung up and held."""
    return bool((angles(states[-window:]).abs() < UPRIGHT).all())


def tilt_stats(episodes: list[Episode], window: int = TILT_WINDOW) -> dict[str, float]:
    """A policy's habit on Pendulum: the share of its episodes that end upright, and their mean tilt (NaN if none).

    A pendulum that hangs or spins has no tilt to measure (hanging at ±π, its mean angle would read about 0, like an
    upright one's), so only episodes that end upright count towards the tilt; ``upright`` says how many did.
    """
    tilts = [tilt_of(e.states, window) for e in episodes]
    up = [t for t in tilts if not np.isnan(t)]
    return {
        "upright": len(up) / len(episodes),
        "tilt": float(np.mean(up)) if up else float("nan"),
        "return": float(np.mean([e.ret for e in episodes])),
    }


def mean_tilt(episodes: list[Episode], window: int = TILT_WINDOW) -> float:
    """The mean tilt of the episodes that end upright (NaN if none): ``tilt_stats``' habit, for training logs."""
    return tilt_stats(episodes, window)["tilt"]
