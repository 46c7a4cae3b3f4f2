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

    def log_prob_entropy(self, states: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """log pi_theta(a_t|s_t) for each pair [N] (actions int64 [N]), and the mean entropy H[pi_theta(.|s_t)]."""
        logp_all = torch.log_softmax(self(states), -1)
        return logp_all.gather(-1, actions[:, None])[:, 0], -(logp_all.exp() * logp_all).sum(-1).mean()


def mlp(n_in: int, n_out: int, hidden: int, layers: int = 1, activation: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    """n_in -> hidden (-> hidden ...) -> n_out: ``layers`` hidden layers, each followed by ``activation``."""
    modules: list[nn.Module] = []
    width = n_in
    for _ in range(layers):
        modules += [nn.Linear(width, hidden), activation()]
        width = hidden
    return nn.Sequential(*modules, nn.Linear(width, n_out))


class ValueNet(nn.Module):
    """V_phi(s): obs_dim -> hidden -> 1, the critic that PPO's advantages are measured against.

    CartPole's critic has one hidden layer (the defaults); Pendulum's (notebook 07) two.
    """

    def __init__(
        self, hidden: int = 128, obs_dim: int = OBS_DIM, layers: int = 1, activation: type[nn.Module] = nn.ReLU
    ) -> None:
        super().__init__()
        self.hidden = hidden
        self.net = mlp(obs_dim, 1, hidden, layers, activation)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """State values ``[N]`` for float32 states ``[N, obs_dim]``."""
        return self.net(states).squeeze(-1)


class GaussianPolicy(nn.Module):
    """pi_theta(a|s) = N(mu_theta(s), diag(sigma^2)) for continuous actions (notebook 07's torque).

    The mean: obs_dim -> hidden -> hidden (``activation``, ReLU by default) -> act_dim, times ``action_scale`` (the
    action's range, so the network's outputs are of order 1); log sigma: one free parameter per action dimension,
    not a function of the state, also in units of ``action_scale``. Sampled actions are not clipped here: the
    environment clips what it applies, and PPO's ratio needs the probability of the action actually drawn. The
    greedy action is the mean.
    """

    def __init__(
        self,
        obs_dim: int,
        act_dim: int = 1,
        hidden: int = 64,
        action_scale: float = 1.0,
        log_std: float = 0.0,
        activation: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.hidden, self.action_scale = hidden, action_scale
        self.mean_net = mlp(obs_dim, act_dim, hidden, 2, activation)
        self.log_std = nn.Parameter(torch.full((act_dim,), log_std))

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        """The mean action mu_theta(s), ``[N, act_dim]``: the greedy action."""
        return self.action_scale * self.mean_net(states)

    def std(self) -> torch.Tensor:
        """sigma, ``[act_dim]``, in the action's units."""
        return self.action_scale * self.log_std.exp()

    def distribution(self, states: torch.Tensor) -> torch.distributions.Independent:
        """pi_theta(.|s): a diagonal Gaussian per state, whose ``log_prob`` sums over the action's dimensions.

        Without torch's argument validation: mean and sigma are finite and sigma > 0 by construction, and checking
        them at every call cost about 7 % of PPO's update on Pendulum (profiled)."""
        normal = torch.distributions.Normal(self(states), self.std(), validate_args=False)
        return torch.distributions.Independent(normal, 1, validate_args=False)

    def act(self, states: torch.Tensor, greedy: bool = False) -> torch.Tensor:
        """The mean action (greedy), or one sample a ~ pi_theta(.|s) per state (torch's global generator)."""
        return self(states) if greedy else self.distribution(states).sample()

    def log_prob_entropy(self, states: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """log pi_theta(a_t|s_t) for each pair [N] (actions [N, act_dim]), and the mean entropy H[pi_theta(.|s_t)]."""
        dist = self.distribution(states)
        return dist.log_prob(actions), dist.entropy().mean()


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
