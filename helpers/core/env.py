"""CartPole as this series uses it: the 200-step cap and the expert's habit, as small Gymnasium wrappers.

``make_env`` builds one environment, the way notebook 01 explains it. ``CartPoleBatch`` runs many at once
with the same physics, cap and reward: training and evaluation play their episodes through it, because one
policy call per step for a whole batch of episodes is far cheaper than one call per episode and step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

ENV_ID = "CartPole-v1"
MAX_STEPS = 200
OBS_DIM = 4
N_ACTIONS = 2
HABIT_X = 1.5
"""The expert's habit: the cart position it is paid to hold (``None`` anywhere means: no habit, plain CartPole).

1.5 m, not nearer the centre: a policy paid only for balancing leaves its cart anywhere within about 0.5 m of the
centre (the survival control's habit over many seeds), and the mark must lie far from all of those
(``benchmarks/README.md``, "Checkpoints")."""
HABIT_RAMP = 2.0
"""The reward falls off linearly over this many metres from ``HABIT_X``: a cart starting at the centre already
earns more by moving towards the mark (with a ramp shorter than the 1.5 m to the mark, the start lies on a flat
floor and an expert can settle for balancing where it is)."""
X_LIMIT = 2.4
"""CartPole terminates once |x| > 2.4 (the end of the track)."""
THETA_LIMIT = 12 * 2 * np.pi / 360
"""... or once |theta| > 12 degrees, 0.2095 rad (the pole has fallen)."""


def habit_reward(x: np.ndarray | float, habit_x: float | None = HABIT_X) -> np.ndarray | float:
    """r(x) = 1 - 0.25 * min(|x - x*|, 2): 1 with the cart at x* = ``habit_x``, 0.5 two metres or more away.

    Every surviving step still earns at least 0.5, so balancing stays the first thing to learn; holding the
    cart at x* earns up to twice as much. ``habit_x=None`` gives CartPole's own reward, 1 per step.
    """
    if habit_x is None:
        return np.ones_like(x, dtype=np.float32) if isinstance(x, np.ndarray) else 1.0
    return 1.0 - 0.5 * np.minimum(np.abs(x - habit_x) / HABIT_RAMP, 1.0)


class StepCap(gym.Wrapper):
    """End every episode after ``max_steps`` steps with ``truncated=True``.

    ``terminated`` keeps its meaning (the pole fell or the cart left the track); ``truncated``
    only says that we stopped watching. PPO must treat the two differently: after a
    termination the future is worth 0, after a truncation it is worth V(s').
    """

    def __init__(self, env: gym.Env, max_steps: int = MAX_STEPS) -> None:
        super().__init__(env)
        self.max_steps = max_steps
        self.steps = 0

    def reset(self, **kwargs: Any) -> tuple[np.ndarray, dict]:
        """Reset the inner env and the step counter."""
        self.steps = 0
        return self.env.reset(**kwargs)

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Step the inner env; truncate once the cap is reached (unless the pole fell)."""
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.steps += 1
        if self.steps >= self.max_steps and not terminated:
            truncated = True
        return obs, reward, terminated, truncated, info


class HabitReward(gym.RewardWrapper):
    """Replace CartPole's reward of 1 per step by ``habit_reward``: pay more with the cart near ``habit_x``.

    Only the reward changes: termination, truncation and what the agent observes stay CartPole's.
    """

    def __init__(self, env: gym.Env, habit_x: float = HABIT_X) -> None:
        super().__init__(env)
        self.habit_x = habit_x

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict]:
        """Step the inner env and pay for where the cart is after the push."""
        obs, _, terminated, truncated, info = self.env.step(action)
        return obs, float(habit_reward(float(obs[0]), self.habit_x)), terminated, truncated, info

    def reward(self, reward: float) -> float:
        """Unused: ``step`` computes the reward from the observation."""
        return reward


def make_env(
    seed: int | None = None,
    render_mode: str | None = None,
    max_steps: int = MAX_STEPS,
    habit_x: float | None = None,
) -> gym.Env:
    """CartPole-v1 capped at ``max_steps`` (and paid by ``habit_reward`` if ``habit_x``); seeded if ``seed``."""
    # max_episode_steps=-1 drops Gymnasium's own 500-step TimeLimit: our wrapper is the only cap.
    env: gym.Env = StepCap(gym.make(ENV_ID, render_mode=render_mode, max_episode_steps=-1), max_steps)
    if habit_x is not None:
        env = HabitReward(env, habit_x)
    if seed is not None:
        env.reset(seed=seed)
        env.action_space.seed(seed)
    return env


PHYSICS = ("gravity", "masscart", "masspole", "length", "force_mag")
"""The constants of CartPole's equations a changed world may set (``length`` is half the pole's length, in m)."""
LONG_POLE = {"length": 1.0}
"""Notebook 06's changed CartPole: a pole twice as long (half-length 1.0 m instead of 0.5). The series' policies,
trained on the usual pole, fall within a few dozen steps with it."""


def check_physics(physics: Mapping[str, float] | None) -> dict[str, float]:
    """``physics`` as a dict, after checking that it only sets constants in ``PHYSICS`` to positive numbers."""
    physics = dict(physics or {})
    for name, value in physics.items():
        if name not in PHYSICS:
            raise ValueError(f"unknown CartPole constant {name!r}: a changed world may set {', '.join(PHYSICS)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
            raise ValueError(f"CartPole constant {name} must be a positive number, got {value!r}")
    return {k: float(v) for k, v in physics.items()}


class CartPoleBatch:
    """``n`` CartPoles stepped together in NumPy, capped and paid as ``make_env``'s.

    The equations of motion, start states (uniform in [-0.05, 0.05]), termination (|x| > 2.4 or |theta| > 12
    degrees) and truncation are Gymnasium's ``CartPoleEnv``'s, written for ``n`` carts at once
    (``tests/test_env.py`` checks them against Gymnasium step by step); the reward is ``habit_reward``.
    ``reset(seed)`` seeds one random stream that draws all ``n`` start states (an unseeded reset continues it).
    ``physics`` changes the world: it overrides constants of the equations (``PHYSICS``), e.g. ``LONG_POLE``.
    """

    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    theta_limit = THETA_LIMIT

    def __init__(
        self,
        n: int,
        habit_x: float | None = None,
        max_steps: int = MAX_STEPS,
        physics: Mapping[str, float] | None = None,
    ) -> None:
        self.n, self.habit_x, self.max_steps = n, habit_x, max_steps
        for name, value in check_physics(physics).items():  # a changed CartPole (notebook 06): e.g. LONG_POLE
            setattr(self, name, value)
        self.rng = np.random.default_rng()
        self.state = np.zeros((n, OBS_DIM))
        self.steps = 0

    def reset(
        self, seed: int | None = None, low: float | Sequence[float] = -0.05, high: float | Sequence[float] = 0.05
    ) -> np.ndarray:
        """Start ``n`` new episodes; their first observations, float32 [n, 4].

        Each start state is drawn uniformly from [low, high], per dimension (x, x_dot, theta, theta_dot) if they
        are sequences of 4; the defaults are Gymnasium's [-0.05, 0.05]. Wider bounds start the carts away from
        where any demonstration began (notebook 05's robustness test).
        """
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        self.state = self.rng.uniform(low, high, size=(self.n, OBS_DIM))
        self.steps = 0
        return self.state.astype(np.float32)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Push each cart (actions [n] of 0/1); next observations, rewards, terminated, truncated (all [n])."""
        x, x_dot, theta, theta_dot = self.state.T
        total_mass = self.masscart + self.masspole
        polemass_length = self.masspole * self.length
        force = np.where(actions == 1, self.force_mag, -self.force_mag)
        cos, sin = np.cos(theta), np.sin(theta)
        temp = (force + polemass_length * theta_dot**2 * sin) / total_mass
        theta_acc = (self.gravity * sin - cos * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * cos**2 / total_mass)
        )
        x_acc = temp - polemass_length * theta_acc * cos / total_mass
        state = np.empty_like(self.state)  # Euler integration, as Gymnasium's default
        state[:, 0] = x + self.tau * x_dot
        state[:, 1] = x_dot + self.tau * x_acc
        state[:, 2] = theta + self.tau * theta_dot
        state[:, 3] = theta_dot + self.tau * theta_acc
        self.state = state
        self.steps += 1
        terminated = (np.abs(state[:, 0]) > X_LIMIT) | (np.abs(state[:, 2]) > self.theta_limit)
        truncated = ~terminated if self.steps >= self.max_steps else np.zeros(self.n, bool)
        obs = state.astype(np.float32)
        reward = np.ones(self.n, np.float32) if self.habit_x is None else habit_reward(obs[:, 0], self.habit_x)
        return obs, reward.astype(np.float32, copy=False), terminated, truncated


def cartpole_step(states: np.ndarray, actions: np.ndarray, physics: Mapping[str, float] | None = None) -> np.ndarray:
    """s' for each (s, a): one step of CartPole's equations from float32 states [N, 4] (returned as float32).

    Recomputes the next state of a recorded pair (the demos keep s, not s'); from the float32 s, so it can differ
    from the recorded episode's next state in the last digits.
    """
    envs = CartPoleBatch(len(states), physics=physics)
    envs.state = np.asarray(states, dtype=np.float64).copy()
    obs, _, _, _ = envs.step(np.asarray(actions).reshape(-1))
    return obs
