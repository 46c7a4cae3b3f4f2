"""Proximal Policy Optimization (Schulman et al. 2017) with GAE (Schulman et al. 2016)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from helpers.core import rules
from helpers.core.networks import PolicyNet, ValueNet
from helpers.core.optim import Adam
from helpers.core.rollout import Episode


@dataclass
class PPOConfig:
    """PPO hyperparameters (``expert_config()`` and ``gail.student_ppo_config()`` are the series' two settings)."""

    gamma: float = rules.checked(0.98, rules.number(0, 1))
    """Discount factor gamma."""
    lam: float = rules.checked(0.95, rules.number(0, 1))
    """GAE lambda: 0 is one-step TD, 1 is Monte Carlo."""
    clip: float = rules.checked(0.2, rules.number(0, low_open=True))
    """epsilon of the clipped surrogate: ratios are kept within [1 - eps, 1 + eps]."""
    epochs: int = rules.checked(10, rules.integer(1))
    """Passes over each batch of fresh episodes."""
    minibatches: int = rules.checked(1, rules.integer(1))
    """Minibatches per pass (1: each gradient step sees the whole batch)."""
    policy_lr: float = rules.checked(1e-3, rules.number(0, low_open=True))
    """Adam learning rate of the policy pi_theta."""
    value_lr: float = rules.checked(1e-2, rules.number(0, low_open=True))
    """Adam learning rate of the value function V_phi."""
    hidden: int = rules.checked(128, rules.HIDDEN_RULE)
    """Hidden units of the policy and value networks."""
    entropy_coef: float = rules.checked(0.0, rules.number(0))
    """Weight of the entropy bonus H[pi(.|s)] in the policy loss."""
    normalize_advantages: bool = rules.checked(False, rules.FLAG_RULE)
    """Standardise the advantages of each batch (mean 0, std 1)."""
    n_envs: int = rules.checked(8, rules.integer(1))
    """Episodes played at once, side by side (one policy call per step for all of them)."""
    batch_steps: int = rules.checked(800, rules.integer(0))
    """Each update learns from at least this many steps of fresh play (whole episodes, ``n_envs`` at a time)."""
    anneal_lr: bool = rules.checked(False, rules.FLAG_RULE)
    """Decay both learning rates linearly to 0 over the training budget."""

    def __post_init__(self) -> None:
        """Refuse a bad field at once, naming it: ``PPOConfig.epochs must be an integer >= 1, got 0``."""
        rules.check_config(self)


def expert_config() -> PPOConfig:
    """The expert's settings: 8 episodes per update, 4 minibatches, advantages standardised."""
    return PPOConfig(minibatches=4, normalize_advantages=True, policy_lr=3e-3)


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_values: torch.Tensor,
    terminated: torch.Tensor,
    truncated: torch.Tensor,
    gamma: float,
    lam: float,
) -> torch.Tensor:
    """Generalised advantage estimates A_t for one or more consecutive episodes.

    delta_t = r_t + gamma * (1 - terminated_t) * V(s_{t+1}) - V(s_t)
    A_t     = delta_t + gamma * lam * (1 - done_t) * A_{t+1},   done_t = terminated_t or truncated_t

    A terminated step has no future (the pole fell); a truncated one still bootstraps V(s_{t+1}),
    because the episode was only cut short by the step cap.
    """
    not_term = 1.0 - terminated.float()
    not_done = 1.0 - (terminated | truncated).float()
    deltas = rewards + gamma * not_term * next_values - values
    # The backward recursion, on plain Python floats: a loop over T steps is ~20x faster than on tensor elements.
    deltas, carry = deltas.tolist(), (gamma * lam * not_done).tolist()
    adv, running = [0.0] * len(deltas), 0.0
    for t in range(len(deltas) - 1, -1, -1):
        running = deltas[t] + carry[t] * running
        adv[t] = running
    return torch.tensor(adv, dtype=rewards.dtype)


def clipped_surrogate(ratio: torch.Tensor, advantages: torch.Tensor, clip: float) -> torch.Tensor:
    """L^CLIP = E_t[min(r_t A_t, clip(r_t, 1 - eps, 1 + eps) A_t)], r_t = pi_theta(a_t|s_t) / pi_old(a_t|s_t)."""
    return torch.min(ratio * advantages, ratio.clamp(1.0 - clip, 1.0 + clip) * advantages).mean()


class PPO:
    """A policy pi_theta, a critic V_phi and the clipped-surrogate update that trains them.

    By default CartPole's networks (``PolicyNet``, ``ValueNet`` of ``config.hidden`` units); ``policy`` and ``value``
    replace them (notebook 07: a ``GaussianPolicy`` and a Pendulum critic). The policy only has to give
    ``log_prob_entropy(states, actions)``; PPO's update is the same for discrete and continuous actions.
    """

    def __init__(
        self, config: PPOConfig | None = None, policy: nn.Module | None = None, value: nn.Module | None = None
    ) -> None:
        self.config = config or PPOConfig()
        self.policy = policy if policy is not None else PolicyNet(self.config.hidden)
        self.value = value if value is not None else ValueNet(self.config.hidden)
        # One Adam over both networks, one learning rate each (a parameter group per network): the two
        # losses touch disjoint parameters, so one backward and one step update both.
        self.optimizer = Adam(
            [
                {"params": self.policy.parameters(), "lr": self.config.policy_lr},
                {"params": self.value.parameters(), "lr": self.config.value_lr},
            ]
        )
        self.base_lrs = [group["lr"] for group in self.optimizer.param_groups]

    def scale_learning_rates(self, factor: float) -> None:
        """Set each learning rate to ``factor`` times its configured value (``anneal_lr``: 1 - steps / budget)."""
        for group, lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = lr * factor

    @torch.no_grad()
    def advantages(self, batch: Episode, rewards: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """GAE advantages and value targets (A_t + V(s_t)) for ``batch``, optionally with other rewards."""
        c = self.config
        r = batch.rewards if rewards is None else rewards
        v, v_next = self.value(batch.states), self.value(batch.next_states)
        adv = gae(r, v, v_next, batch.terminated, batch.truncated, c.gamma, c.lam)
        return adv, adv + v

    def update(self, batch: Episode, rewards: torch.Tensor | None = None) -> dict[str, float]:
        """One PPO update on ``batch`` (rewards default to the environment's); returns diagnostics.

        ``epochs`` passes, each over ``minibatches`` random minibatches: maximise L^CLIP (+ entropy bonus)
        for pi_theta and minimise (V_phi(s_t) - (A_t + V(s_t)))^2 for V_phi. The diagnostics are those of the
        last minibatch: ``approx_kl`` = E[(r - 1) - log r] (how far pi_theta moved from pi_old) and ``clip_frac``
        (the share of ratios outside [1 - eps, 1 + eps]).
        """
        c = self.config
        adv, returns = self.advantages(batch, rewards)
        if c.normalize_advantages and len(adv) > 1:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        with torch.no_grad():
            old_logp, _ = self.policy.log_prob_entropy(batch.states, batch.actions)
        n = len(batch)
        size = -(-n // c.minibatches)  # ceil(n / minibatches)
        for _ in range(c.epochs):
            order = torch.randperm(n) if c.minibatches > 1 else torch.arange(n)
            for idx in order.split(size):
                logp, entropy = self.policy.log_prob_entropy(batch.states[idx], batch.actions[idx])
                log_ratio = logp - old_logp[idx]
                ratio = log_ratio.exp()
                policy_loss = -clipped_surrogate(ratio, adv[idx], c.clip)
                value_loss = nn.functional.mse_loss(self.value(batch.states[idx]), returns[idx])
                self.optimizer.zero_grad()
                (policy_loss - c.entropy_coef * entropy + value_loss).backward()
                self.optimizer.step()
        with torch.no_grad():
            approx_kl = ((ratio - 1) - log_ratio).mean()
            clip_frac = ((ratio - 1).abs() > c.clip).float().mean()
        return {
            "policy_loss": policy_loss.item(),
            "value_loss": value_loss.item(),
            "entropy": entropy.item(),
            "approx_kl": approx_kl.item(),
            "clip_frac": clip_frac.item(),
        }
