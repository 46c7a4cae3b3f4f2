"""CartPole with the tutorial's 200-step cap, written as a small Gymnasium wrapper."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

ENV_ID = "CartPole-v1"
MAX_STEPS = 200
OBS_DIM = 4
N_ACTIONS = 2


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


def make_env(seed: int | None = None, render_mode: str | None = None, max_steps: int = MAX_STEPS) -> gym.Env:
    """CartPole-v1 capped at ``max_steps``; if ``seed`` is given the first reset uses it."""
    # max_episode_steps=-1 drops Gymnasium's own 500-step TimeLimit: our wrapper is the only cap.
    env = StepCap(gym.make(ENV_ID, render_mode=render_mode, max_episode_steps=-1), max_steps)
    if seed is not None:
        env.reset(seed=seed)
        env.action_space.seed(seed)
    return env
