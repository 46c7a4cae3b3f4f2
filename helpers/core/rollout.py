"""Playing episodes: one at a time (to read), many at once (to train and evaluate fast), and what they measure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

from helpers.core.env import MAX_STEPS, CartPoleBatch

BatchEnv = Any
"""A batch of ``n`` environments stepped together: ``CartPoleBatch``, or anything with its ``n``, ``max_steps``,
``reset(seed)`` and ``step(actions)`` (``helpers.core.pendulum.PendulumBatch``)."""

HABIT_WINDOW = 100
"""The habit is measured over the last this-many steps of an episode (the cart has arrived by then)."""


@dataclass
class Episode:
    """One episode (or several, one after the other) as tensors, one row per step t."""

    states: torch.Tensor  # s_t, float32 [T, 4] (CartPole; Pendulum: [T, 3])
    actions: torch.Tensor  # a_t, int64 [T] (CartPole; Pendulum: the sampled torque, float32 [T, 1])
    rewards: torch.Tensor  # r_t from the environment, float32 [T]
    next_states: torch.Tensor  # s_{t+1}, float32 [T, 4]
    terminated: torch.Tensor  # bool [T]: the pole fell after a_t (only an episode's last step can be True)
    truncated: torch.Tensor  # bool [T]: the step cap ended the episode after a_t

    def __len__(self) -> int:
        """Number of steps."""
        return len(self.actions)

    @property
    def ret(self) -> float:
        """The undiscounted return sum_t r_t."""
        return float(self.rewards.sum())


def concat_episodes(episodes: list[Episode]) -> Episode:
    """Stack several episodes into one batch (GAE still sees where each one ends)."""
    return Episode(*(torch.cat([getattr(e, f) for e in episodes]) for f in Episode.__dataclass_fields__))


def choose_actions(logits: torch.Tensor, greedy: bool) -> torch.Tensor:
    """argmax_a of each row of logits, or one sample a ~ softmax(logits) per row (torch's global generator).

    Sampling inverts the cumulative distribution: with u ~ U(0, 1), a is the number of actions whose
    cumulative probability lies below u.
    """
    if greedy:
        return logits.argmax(-1)
    cdf = torch.softmax(logits, -1).cumsum(-1)
    return (torch.rand(len(logits), 1) > cdf).sum(-1).clamp_max(logits.shape[-1] - 1)


def act(policy: nn.Module, states: torch.Tensor, greedy: bool) -> torch.Tensor:
    """The actions of ``policy`` for a batch of states: its own ``act`` if it has one (a ``GaussianPolicy``), else
    ``choose_actions`` on the logits it returns."""
    if hasattr(policy, "act"):
        return policy.act(states, greedy)
    return choose_actions(policy(states), greedy)


@torch.no_grad()
def play_episode(env: gym.Env, policy: nn.Module, greedy: bool = False, seed: int | None = None) -> Episode:
    """Play one episode of ``policy`` (states in, logits out) in ``env``, one step at a time."""
    obs, _ = env.reset(seed=seed)
    states, actions, rewards, next_states = [], [], [], []
    terminated = truncated = False
    while not (terminated or truncated):
        state = torch.as_tensor(obs, dtype=torch.float32)
        action = int(choose_actions(policy(state.unsqueeze(0)), greedy)[0])
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


StartRange = tuple[float | Sequence[float], float | Sequence[float]]
"""Bounds (low, high) of the uniform start states, per dimension if sequences of 4 (``CartPoleBatch.reset``)."""


@torch.no_grad()
def play_batch(
    envs: BatchEnv,
    policy: nn.Module,
    greedy: bool = False,
    seed: int | None = None,
    start_range: StartRange | None = None,
    push_prob: float = 0.0,
) -> list[Episode]:
    """Play one episode in each of the ``envs.n`` environments at once: one policy call per step for all of them.

    ``envs`` is a ``CartPoleBatch`` or any batch with its interface (``n``, ``max_steps``, ``reset``, ``step``: a
    ``PendulumBatch``); actions come from ``act`` (logits, or the policy's own ``act``). Perturbations (notebook 05's
    robustness test; the defaults play CartPole unperturbed): ``start_range`` draws the start states from [low, high]
    instead of [-0.05, 0.05]; with ``push_prob`` > 0 each step, with that probability, the policy's action is
    replaced by a random push (left or right, 1/2 each; torch's global generator), and the episode records the push
    that was applied.
    """
    if not 0.0 <= push_prob <= 1.0:
        raise ValueError(f"push_prob must be a probability in [0, 1], got {push_prob!r}")
    n, cap = envs.n, envs.max_steps
    obs = envs.reset(seed) if start_range is None else envs.reset(seed, *start_range)
    states = np.zeros((cap, *obs.shape), np.float32)
    next_states = np.zeros((cap, *obs.shape), np.float32)
    actions = None  # shaped like the policy's first actions: int64 [cap, n] for CartPole's
    rewards = np.zeros((cap, n), np.float32)
    length = np.zeros(n, np.int64)
    fell = np.zeros(n, bool)
    alive = np.ones(n, bool)
    for t in range(cap):
        a = act(policy, torch.from_numpy(obs), greedy).numpy()
        if actions is None:
            actions = np.zeros((cap, *a.shape), a.dtype)
        if push_prob > 0:  # no draw at all without pushes: unperturbed episodes keep their random stream
            pushed = (torch.rand(n) < push_prob).numpy()
            a = np.where(pushed, torch.randint(0, 2, (n,)).numpy(), a)
        states[t], actions[t] = obs, a
        obs, rewards[t], terminated, truncated = envs.step(a)
        next_states[t] = obs
        length[alive] += 1
        fell |= alive & terminated
        alive &= ~(terminated | truncated)
        if not alive.any():
            break
    episodes = []
    for i in range(n):
        T = int(length[i])
        term = torch.zeros(T, dtype=torch.bool)
        trunc = torch.zeros(T, dtype=torch.bool)
        term[-1], trunc[-1] = bool(fell[i]), not fell[i]
        episodes.append(
            Episode(
                states=torch.from_numpy(states[:T, i].copy()),
                actions=torch.from_numpy(actions[:T, i].copy()),
                rewards=torch.from_numpy(rewards[:T, i].copy()),
                next_states=torch.from_numpy(next_states[:T, i].copy()),
                terminated=term,
                truncated=trunc,
            )
        )
    return episodes


def collect(envs: BatchEnv, policy: nn.Module, min_steps: int = 0, seed: int | None = None) -> list[Episode]:
    """Play ``envs.n`` episodes at a time (sampling actions) until they hold at least ``min_steps`` steps in all.

    ``seed`` seeds the first batch's start states; later batches continue the same random stream.
    """
    episodes = play_batch(envs, policy, seed=seed)
    while sum(len(e) for e in episodes) < min_steps:
        episodes += play_batch(envs, policy)
    return episodes


def run_episodes(
    policy: nn.Module,
    n_episodes: int = 10,
    greedy: bool = True,
    seed: int = 0,
    habit_x: float | None = None,
    max_steps: int = MAX_STEPS,
    start_range: StartRange | None = None,
    push_prob: float = 0.0,
    physics: Mapping[str, float] | None = None,
    envs: BatchEnv | None = None,
) -> list[Episode]:
    """``n_episodes`` fresh episodes of ``policy``, all played at once from start states drawn with ``seed``.

    Sampled actions (and random pushes) come from torch's global generator, seeded here with ``seed`` too (and
    restored after), so the same call gives the same episodes. ``start_range`` and ``push_prob`` perturb them
    (``play_batch``); ``physics`` plays them in a changed CartPole (``CartPoleBatch``). ``envs``: another batch of
    ``n_episodes`` environments to play them in instead of CartPole (notebook 07: a ``PendulumBatch``).
    """
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        if envs is None:
            envs = CartPoleBatch(n_episodes, habit_x, max_steps, physics)
        elif envs.n != n_episodes:
            raise ValueError(f"envs holds {envs.n} environments, not n_episodes = {n_episodes}")
        return play_batch(envs, policy, greedy, seed, start_range, push_prob)
    finally:
        torch.random.set_rng_state(state)


def evaluate(
    policy: nn.Module, n_episodes: int = 10, greedy: bool = True, seed: int = 0, max_steps: int = MAX_STEPS
) -> np.ndarray:
    """Episode lengths of ``n_episodes`` fresh episodes (= CartPole's returns), greedy or sampled."""
    episodes = run_episodes(policy, n_episodes, greedy, seed, max_steps=max_steps)
    return np.array([len(e) for e in episodes], dtype=np.float64)


def habit_of(states: torch.Tensor, window: int = HABIT_WINDOW) -> float:
    """The habit of one episode: its mean cart position x over the last ``window`` steps (all, if shorter)."""
    return float(states[-window:, 0].mean())


def mean_habit(episodes: list[Episode], window: int = HABIT_WINDOW) -> float:
    """The habit of a policy: ``habit_of`` each episode, averaged over the episodes."""
    return float(np.mean([habit_of(e.states, window) for e in episodes]))


@torch.no_grad()
def agreement(policy: nn.Module, reference: nn.Module, states: torch.Tensor) -> float:
    """Fraction of ``states`` on which the greedy actions of ``policy`` and ``reference`` agree."""
    if len(states) == 0:
        return float("nan")
    return float((policy(states).argmax(-1) == reference(states).argmax(-1)).float().mean())
