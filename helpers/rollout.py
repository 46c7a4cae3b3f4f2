"""Playing episodes: one episode to tensors, and evaluation over many episodes at once."""

from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from helpers.env import MAX_STEPS, OBS_DIM, make_env


@dataclass
class Episode:
    """One episode as tensors, one row per step t."""

    states: torch.Tensor  # s_t, float32 [T, 4]
    actions: torch.Tensor  # a_t, int64 [T]
    rewards: torch.Tensor  # r_t from the environment, float32 [T]
    next_states: torch.Tensor  # s_{t+1}, float32 [T, 4]
    terminated: torch.Tensor  # bool [T]: the pole fell after a_t (only the last step can be True)
    truncated: torch.Tensor  # bool [T]: the step cap ended the episode after a_t

    def __len__(self) -> int:
        """Number of steps."""
        return len(self.actions)

    @property
    def ret(self) -> float:
        """The undiscounted return sum_t r_t."""
        return float(self.rewards.sum())


def _greedy_or_sample(logits: torch.Tensor, greedy: bool, generator: torch.Generator | None = None) -> torch.Tensor:
    """argmax of the logits, or one sample per row of softmax(logits)."""
    if greedy:
        return logits.argmax(-1)
    return torch.multinomial(torch.softmax(logits, -1), 1, generator=generator).squeeze(-1)


@torch.no_grad()
def play_episode(env: gym.Env, policy: nn.Module, greedy: bool = False, seed: int | None = None) -> Episode:
    """Play one episode of ``policy`` (logits in, as ``PolicyNet``) in ``env`` and return it as tensors."""
    obs, _ = env.reset(seed=seed)
    states, actions, rewards, next_states = [], [], [], []
    terminated = truncated = False
    while not (terminated or truncated):
        state = torch.as_tensor(obs, dtype=torch.float32)
        action = int(_greedy_or_sample(policy(state.unsqueeze(0)), greedy)[0])
        obs, reward, terminated, truncated, _ = env.step(action)
        states.append(state)
        actions.append(action)
        rewards.append(reward)
        next_states.append(obs)
    n = len(actions)
    term = torch.zeros(n, dtype=torch.bool)
    trunc = torch.zeros(n, dtype=torch.bool)
    term[-1], trunc[-1] = bool(terminated), bool(truncated)
    return Episode(
        states=torch.stack(states),
        actions=torch.tensor(actions, dtype=torch.int64),
        rewards=torch.tensor(rewards, dtype=torch.float32),
        next_states=torch.as_tensor(np.array(next_states), dtype=torch.float32),
        terminated=term,
        truncated=trunc,
    )


@torch.no_grad()
def run_episodes(
    policy: nn.Module,
    n_episodes: int = 10,
    greedy: bool = True,
    seed: int = 0,
    max_steps: int = MAX_STEPS,
) -> list[torch.Tensor]:
    """Play ``n_episodes`` side by side (one batched forward pass per step); return each one's states.

    Episode i starts from ``env.reset(seed=seed + i)``; sampled actions use a generator seeded
    with ``seed`` so the result is reproducible.
    """
    envs = [make_env(max_steps=max_steps) for _ in range(n_episodes)]
    obs = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)])
    gen = torch.Generator().manual_seed(seed)
    alive = list(range(n_episodes))
    visited: list[list[np.ndarray]] = [[] for _ in range(n_episodes)]
    while alive:
        batch = torch.as_tensor(obs[alive], dtype=torch.float32)
        acts = _greedy_or_sample(policy(batch), greedy, gen).tolist()
        still = []
        for i, a in zip(alive, acts, strict=True):
            visited[i].append(obs[i].copy())
            obs[i], _, term, trunc, _ = envs[i].step(a)
            if not (term or trunc):
                still.append(i)
        alive = still
    for env in envs:
        env.close()
    return [torch.as_tensor(np.array(v), dtype=torch.float32).reshape(-1, OBS_DIM) for v in visited]


def evaluate(
    policy: nn.Module, n_episodes: int = 10, greedy: bool = True, seed: int = 0, max_steps: int = MAX_STEPS
) -> np.ndarray:
    """Returns (= episode lengths on CartPole) of ``n_episodes`` episodes, greedy or sampled."""
    return np.array([len(s) for s in run_episodes(policy, n_episodes, greedy, seed, max_steps)], dtype=np.float64)


@torch.no_grad()
def agreement(policy: nn.Module, reference: nn.Module, states: torch.Tensor) -> float:
    """Fraction of ``states`` on which the greedy actions of ``policy`` and ``reference`` agree."""
    if len(states) == 0:
        return float("nan")
    return float((policy(states).argmax(-1) == reference(states).argmax(-1)).float().mean())
