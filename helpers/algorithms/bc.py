"""Behavioral cloning: imitation as supervised classification of the expert's actions (Pomerleau 1991)."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from helpers.core.networks import PolicyNet
from helpers.core.optim import Adam
from helpers.core.seeding import seed_everything


def bc_loss(policy: PolicyNet, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """L(theta) = -(1/N) sum_i log pi_theta(a_i | s_i): cross-entropy on the demonstration pairs."""
    return F.cross_entropy(policy(states), actions.reshape(-1).long())


@torch.no_grad()
def bc_accuracy(policy: PolicyNet, states: torch.Tensor, actions: torch.Tensor) -> float:
    """Fraction of pairs where argmax_a pi_theta(a|s) is the demonstrated action."""
    return float((policy(states).argmax(-1) == actions.reshape(-1)).float().mean())


def train_bc(
    states: torch.Tensor,
    actions: torch.Tensor,
    policy: PolicyNet | None = None,
    *,
    epochs: int,
    lr: float = 3e-3,
    batch_size: int | None = None,
    weight_decay: float = 1e-4,
    hidden: int = 128,
    seed: int | None = 0,
) -> tuple[PolicyNet, list[float]]:
    """Fit ``policy`` (a new ``PolicyNet(hidden)`` if None) to the pairs by Adam on ``bc_loss``.

    ``batch_size=None`` uses the whole set each step (200 pairs are tiny); returns the policy and
    the loss of every epoch. ``seed`` (if not None) seeds the initial weights and the shuffling.
    """
    if seed is not None:
        seed_everything(seed)
    policy = policy if policy is not None else PolicyNet(hidden)
    opt = Adam(policy.parameters(), lr=lr, weight_decay=weight_decay)
    actions = actions.reshape(-1).long()
    n = len(states)
    bs = n if batch_size is None else min(batch_size, n)
    losses = []
    policy.train()
    for _ in range(epochs):
        order = torch.randperm(n) if bs < n else torch.arange(n)
        total = 0.0
        for i in range(0, n, bs):
            idx = order[i : i + bs]
            loss = bc_loss(policy, states[idx], actions[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / n)
    return policy.eval(), losses
