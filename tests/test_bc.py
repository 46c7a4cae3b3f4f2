"""Behavioral cloning fits a small, fixed, learnable dataset."""

from __future__ import annotations

import torch

from helpers.algorithms.bc import bc_accuracy, bc_loss, train_bc
from helpers.core.networks import PolicyNet


def test_bc_reaches_high_accuracy_on_a_linear_rule() -> None:
    g = torch.Generator().manual_seed(0)
    states = torch.randn(200, 4, generator=g)
    actions = (states @ torch.tensor([0.1, 0.5, 1.0, 2.0]) > 0).long().reshape(-1, 1)  # like a balancing rule
    policy, losses = train_bc(states, actions, epochs=200, lr=1e-2, seed=0)
    assert isinstance(policy, PolicyNet)
    assert len(losses) == 200 and losses[-1] < losses[0]
    assert bc_accuracy(policy, states, actions) >= 0.95
    assert float(bc_loss(policy, states, actions).detach()) < 0.2


def test_bc_minibatches_and_an_existing_policy() -> None:
    g = torch.Generator().manual_seed(1)
    states = torch.randn(64, 4, generator=g)
    actions = (states[:, 2] > 0).long()
    start = PolicyNet(32)
    policy, losses = train_bc(states, actions, policy=start, epochs=50, batch_size=16, seed=1)
    assert policy is start and len(losses) == 50
    assert bc_accuracy(policy, states, actions) >= 0.9


def test_bc_is_reproducible_for_a_seed() -> None:
    g = torch.Generator().manual_seed(2)
    states = torch.randn(40, 4, generator=g)
    actions = (states[:, 3] > 0).long()
    runs = [train_bc(states, actions, epochs=20, batch_size=8, hidden=16, seed=s) for s in (5, 5, 6)]
    (a, la), (b, lb), (c, _) = runs
    assert la == lb
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters(), strict=True))
    assert not a.training  # returned in eval mode
