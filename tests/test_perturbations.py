"""Perturbed episodes for notebook 05's robustness test: wider start states and random pushes.

The defaults must leave every unperturbed episode exactly as before (same start states, same random stream).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from helpers.core.env import CartPoleBatch
from helpers.core.rollout import play_batch, run_episodes

WIDE_X = ([-1.0, -0.05, -0.05, -0.05], [1.0, 0.05, 0.05, 0.05])


class _Always(nn.Module):
    """A policy whose logits always prefer ``action``."""

    def __init__(self, action: int) -> None:
        super().__init__()
        self.action = action

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        logits = torch.zeros(states.shape[0], 2)
        logits[:, self.action] = 1.0
        return logits


def test_default_reset_is_gymnasiums_uniform_start():
    envs = CartPoleBatch(16)
    expected = np.random.default_rng(3).uniform(-0.05, 0.05, size=(16, 4)).astype(np.float32)
    assert np.array_equal(envs.reset(3), expected)
    assert np.array_equal(CartPoleBatch(16).reset(3, -0.05, 0.05), expected)


def test_reset_bounds_per_dimension():
    obs = CartPoleBatch(2000).reset(0, *WIDE_X)
    assert obs[:, 0].min() >= -1.0 and obs[:, 0].max() <= 1.0
    assert obs[:, 0].min() < -0.9 and obs[:, 0].max() > 0.9, "x spreads over [-1, 1]"
    assert np.abs(obs[:, 1:]).max() <= 0.05, "the other dimensions keep Gymnasium's range"


def test_unperturbed_play_is_unchanged_and_draws_nothing_extra():
    torch.manual_seed(0)
    before = play_batch(CartPoleBatch(4), _Always(1), seed=5)
    torch.manual_seed(0)
    after = play_batch(CartPoleBatch(4), _Always(1), seed=5, start_range=None, push_prob=0.0)
    for a, b in zip(before, after, strict=True):
        assert torch.equal(a.states, b.states) and torch.equal(a.actions, b.actions)
    torch.manual_seed(0)
    state = torch.random.get_rng_state()
    play_batch(CartPoleBatch(4), _Always(1), greedy=True, seed=5)
    assert torch.equal(torch.random.get_rng_state(), state), "greedy unperturbed play uses no torch randomness"


def test_push_prob_one_replaces_every_action_by_a_coin():
    episodes = run_episodes(_Always(0), 64, greedy=True, seed=0, push_prob=1.0)
    actions = torch.cat([e.actions for e in episodes]).float()
    assert 0.4 < float(actions.mean()) < 0.6, "pushes are left or right, 1/2 each"


def test_pushes_are_rare_at_small_prob_and_reproducible():
    a = run_episodes(_Always(0), 32, greedy=True, seed=1, push_prob=0.1)
    b = run_episodes(_Always(0), 32, greedy=True, seed=1, push_prob=0.1)
    actions = torch.cat([e.actions for e in a]).float()
    assert 0.0 < float(actions.mean()) < 0.15, "about 5 % of the actions become a right push"
    assert all(torch.equal(x.actions, y.actions) for x, y in zip(a, b, strict=True))


def test_run_episodes_start_range_and_bad_push_prob():
    episodes = run_episodes(_Always(0), 50, seed=2, start_range=WIDE_X)
    x0 = torch.stack([e.states[0, 0] for e in episodes])
    assert float(x0.abs().max()) <= 1.0 and float(x0.abs().max()) > 0.5
    with pytest.raises(ValueError, match="push_prob"):
        run_episodes(_Always(0), 2, push_prob=1.5)
