"""Behavioral cloning: imitation as supervised learning of the expert's actions (Pomerleau 1991).

CartPole's two actions make it a classification (cross-entropy); notebook 07's torque makes it a Gaussian
likelihood: maximise log pi_theta(a|s) = log N(a; mu_theta(s), sigma^2), i.e. regress the mean on the demonstrated
actions while sigma learns how far they lie from it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from helpers.core.networks import PolicyNet
from helpers.core.optim import Adam
from helpers.core.seeding import seed_everything


def bc_loss(policy: PolicyNet, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """L(theta) = -(1/N) sum_i log pi_theta(a_i | s_i): cross-entropy on the demonstration pairs."""
    return F.cross_entropy(policy(states), actions.reshape(-1).long())


def gaussian_bc_loss(policy: nn.Module, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """L(theta) = -(1/N) sum_i log N(a_i; mu_theta(s_i), sigma^2): the Gaussian policy's negative log-likelihood."""
    log_prob, _ = policy.log_prob_entropy(states, actions)
    return -log_prob.mean()


@torch.no_grad()
def bc_accuracy(policy: PolicyNet, states: torch.Tensor, actions: torch.Tensor) -> float:
    """Fraction of pairs where argmax_a pi_theta(a|s) is the demonstrated action."""
    return float((policy(states).argmax(-1) == actions.reshape(-1)).float().mean())


def train_bc(
    states: torch.Tensor,
    actions: torch.Tensor,
    policy: nn.Module | None = None,
    *,
    epochs: int,
    lr: float = 3e-3,
    batch_size: int | None = None,
    weight_decay: float = 1e-4,
    hidden: int = 128,
    seed: int | None = 0,
    loss_fn: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor] = bc_loss,
) -> tuple[nn.Module, list[float]]:
    """Fit ``policy`` (a new ``PolicyNet(hidden)`` if None) to the pairs by Adam on ``loss_fn`` (``bc_loss``).

    ``batch_size=None`` uses the whole set each step (200 pairs are tiny); returns the policy and
    the loss of every epoch. ``seed`` (if not None) seeds the initial weights and the shuffling (a ``policy`` passed
    in was built before: seed it yourself). Notebook 07: a ``GaussianPolicy`` and ``gaussian_bc_loss``.
    """
    if seed is not None:
        seed_everything(seed)
    policy = policy if policy is not None else PolicyNet(hidden)
    opt = Adam(policy.parameters(), lr=lr, weight_decay=weight_decay)
    n = len(states)
    bs = n if batch_size is None else min(batch_size, n)
    losses = []
    policy.train()
    for _ in range(epochs):
        order = torch.randperm(n) if bs < n else torch.arange(n)
        total = 0.0
        for i in range(0, n, bs):
            idx = order[i : i + bs]
            loss = loss_fn(policy, states[idx], actions[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / n)
    return policy.eval(), losses
