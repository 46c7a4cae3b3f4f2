"""Rollouts: episodes as tensors, and evaluation that is reproducible for a seed."""

from __future__ import annotations

import numpy as np
import torch

from helpers.env import MAX_STEPS, make_env
from helpers.networks import PolicyNet
from helpers.rollout import agreement, evaluate, play_episode, run_episodes


def _policy(seed: int = 0) -> PolicyNet:
    torch.manual_seed(seed)
    return PolicyNet()


def test_play_episode_shapes_and_flags():
    ep = play_episode(make_env(0), _policy(), greedy=False, seed=0)
    n = len(ep)
    assert ep.states.shape == (n, 4) and ep.states.dtype == torch.float32
    assert ep.actions.shape == (n,) and ep.actions.dtype == torch.int64
    assert ep.ret == n  # CartPole pays 1 per step
    assert torch.equal(ep.next_states[:-1], ep.states[1:])
    assert int(ep.terminated.sum() + ep.truncated.sum()) == 1
    assert bool(ep.terminated[-1] or ep.truncated[-1])


def test_run_episodes_reproducible_for_a_seed():
    policy = _policy()
    for greedy in (True, False):
        a = run_episodes(policy, 5, greedy=greedy, seed=3)
        b = run_episodes(policy, 5, greedy=greedy, seed=3)
        assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert np.array_equal(evaluate(policy, 8, seed=7), evaluate(policy, 8, seed=7))
    assert np.array_equal(evaluate(policy, 8, greedy=False, seed=7), evaluate(policy, 8, greedy=False, seed=7))


def test_run_episodes_matches_play_episode_when_greedy():
    policy = _policy()
    batched = run_episodes(policy, 3, greedy=True, seed=11)
    for i, states in enumerate(batched):
        single = play_episode(make_env(), policy, greedy=True, seed=11 + i)
        assert torch.allclose(states, single.states)


def test_evaluate_returns_are_episode_lengths_within_the_cap():
    scores = evaluate(_policy(), 6, seed=0)
    assert scores.shape == (6,)
    assert ((scores >= 1) & (scores <= MAX_STEPS)).all()


def test_agreement_with_itself_is_one():
    policy = _policy()
    states = torch.randn(50, 4)
    assert agreement(policy, policy, states) == 1.0
    assert agreement(policy, policy, states[:0]) != agreement(policy, policy, states[:0])  # nan
