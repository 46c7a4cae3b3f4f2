"""The small networks of the series (and the coin, a policy with no weights), apart from the algorithms that train
them."""

from __future__ import annotations

import torch
from torch import nn

from helpers.core.env import N_ACTIONS, OBS_DIM


class PolicyNet(nn.Module):
    """pi_theta(a|s): 4 -> hidden -> 2 action logits (softmax gives the probabilities)."""

    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.hidden = hidden
        self.net = nn.Sequential(nn.Linear(OBS_DIM, hidden), nn.ReLU(), nn.Linear(hidden, N_ACTIONS))

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Action logits ``[N, 2]`` for float32 states ``[N, 4]``."""
        return self.net(states)

    def distribution(self, states: torch.Tensor) -> torch.distributions.Categorical:
        """The categorical distribution pi_theta(.|s) for each state."""
        return torch.distributions.Categorical(logits=self.forward(states))


class ValueNet(nn.Module):
    """V_phi(s): 4 -> hidden -> 1, the critic that PPO's advantages are measured against."""

    def __init__(self, hidden: int = 128) -> None:
        super().__init__()
        self.hidden = hidden
        self.net = nn.Sequential(nn.Linear(OBS_DIM, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """State values ``[N]`` for float32 states ``[N, 4]``."""
        return self.net(states).squeeze(-1)


class UniformPolicy(nn.Module):
    """A policy that picks left or right with probability 1/2 each: logits [N, 2] of zeros (sample it)."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """Equal logits for both actions."""
        return states.new_zeros(states.shape[0], N_ACTIONS)


class HandController(nn.Module):
    """Notebook 01's hand-written controller as a policy: push right when theta + 0.5 theta_dot + 0.05 x + 0.1 x_dot
    > 0, toward where the pole (and, a little, the cart) drifts. It balances for 200 steps and keeps the cart near the
    centre: a policy that survives without any habit, the control of notebook 01's habit check and notebook 03's
    harder contrast. Logits [N, 2] of 0 and 1 (play it greedily)."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """One-hot logits of the rule's push for each state."""
        x, x_dot, theta, theta_dot = states.T
        push_right = theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot > 0
        return torch.stack([~push_right, push_right], -1).to(states.dtype)
