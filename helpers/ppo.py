"""Proximal Policy Optimization (Schulman et al. 2017) with GAE (Schulman et al. 2016)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from helpers import checks
from helpers.networks import PolicyNet, ValueNet
from helpers.rollout import Episode


@dataclass
class PPOConfig:
    """PPO hyperparameters; the defaults are the source tutorial's (``expert_config()`` is the tuned expert)."""

    gamma: float = 0.98
    """Discount factor gamma."""
    lam: float = 0.95
    """GAE lambda: 0 is one-step TD, 1 is Monte Carlo."""
    clip: float = 0.2
    """epsilon of the clipped surrogate: ratios are kept within [1 - eps, 1 + eps]."""
    epochs: int = 10
    """Gradient steps on each batch of fresh episodes."""
    policy_lr: float = 1e-3
    """Adam learning rate of the policy pi_theta."""
    value_lr: float = 1e-2
    """Adam learning rate of the value function V_phi."""
    hidden: int = 128
    """Hidden units of the policy and value networks."""
    entropy_coef: float = 0.0
    """Weight of the entropy bonus H[pi(.|s)] in the policy loss."""
    normalize_advantages: bool = False
    """Standardise the advantages of each batch (mean 0, std 1)."""
    episodes_per_update: int = 1
    """Episodes played (with the current policy) before each update; they form one batch."""
    min_steps_per_update: int = 0
    """Keep playing episodes until the batch holds at least this many steps (0: ``episodes_per_update`` only)."""
    anneal_lr: bool = False
    """Decay both learning rates linearly to 0 over the training budget (``train_ppo``'s ``max_env_steps``)."""

    FIELD_RULES: ClassVar[dict[str, checks.Rule]] = {
        "gamma": checks.number(0, 1),
        "lam": checks.number(0, 1),
        "clip": checks.number(0, low_open=True),
        "epochs": checks.integer(1),
        "policy_lr": checks.number(0, low_open=True),
        "value_lr": checks.number(0, low_open=True),
        "hidden": checks.HIDDEN_RULE,
        "entropy_coef": checks.number(0),
        "normalize_advantages": checks.FLAG_RULE,
        "episodes_per_update": checks.integer(1),
        "min_steps_per_update": checks.integer(0),
        "anneal_lr": checks.FLAG_RULE,
    }
    """The values each field allows (``helpers.checks``); a config outside them is refused when it is built."""

    def __post_init__(self) -> None:
        """Refuse a bad field at once, naming it: ``PPOConfig.epochs must be an integer >= 1, got 0``."""
        checks.check_config(self)


def expert_config() -> PPOConfig:
    """The expert's settings, measured by benchmarks/expert_sweep.py over 20 seeds (a larger step, shorter GAE)."""
    return PPOConfig(policy_lr=2e-3, lam=0.9)


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
    adv = torch.zeros_like(rewards)
    running = torch.zeros(())
    for t in range(len(rewards) - 1, -1, -1):
        running = deltas[t] + gamma * lam * not_done[t] * running
        adv[t] = running
    return adv


def clipped_surrogate(ratio: torch.Tensor, advantages: torch.Tensor, clip: float) -> torch.Tensor:
    """L^CLIP = E_t[min(r_t A_t, clip(r_t, 1 - eps, 1 + eps) A_t)], r_t = pi_theta(a_t|s_t) / pi_old(a_t|s_t)."""
    return torch.min(ratio * advantages, ratio.clamp(1.0 - clip, 1.0 + clip) * advantages).mean()


class PPO:
    """A policy pi_theta, a critic V_phi and the clipped-surrogate update that trains them."""

    def __init__(self, config: PPOConfig | None = None) -> None:
        self.config = config or PPOConfig()
        self.policy = PolicyNet(self.config.hidden)
        self.value = ValueNet(self.config.hidden)
        # One Adam over both networks, one learning rate each (a parameter group per network): the two
        # losses touch disjoint parameters, so a single backward + step equals two separate updates,
        # at half the per-step overhead. ``fused`` runs Adam's arithmetic in one kernel.
        self.optimizer = torch.optim.Adam(
            [
                {"params": self.policy.parameters(), "lr": self.config.policy_lr},
                {"params": self.value.parameters(), "lr": self.config.value_lr},
            ],
            fused=True,
        )
        self.base_lrs = [group["lr"] for group in self.optimizer.param_groups]

    def scale_learning_rates(self, factor: float) -> None:
        """Set each learning rate to ``factor`` times its configured value (``anneal_lr``: 1 - steps / budget)."""
        for group, lr in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["lr"] = lr * factor

    def advantages(self, batch: Episode, rewards: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """GAE advantages and value targets (A_t + V(s_t)) for ``batch``, optionally with other rewards."""
        c = self.config
        r = batch.rewards if rewards is None else rewards
        with torch.no_grad():
            v = self.value(batch.states)
            v_next = self.value(batch.next_states)
        adv = gae(r, v, v_next, batch.terminated, batch.truncated, c.gamma, c.lam)
        return adv, adv + v

    def update(self, batch: Episode, rewards: torch.Tensor | None = None) -> dict[str, float]:
        """One PPO update on ``batch`` (rewards default to the environment's); returns diagnostics."""
        c = self.config
        adv, returns = self.advantages(batch, rewards)
        if c.normalize_advantages and len(adv) > 1:
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        actions = batch.actions.unsqueeze(-1)
        with torch.no_grad():
            old_logp = torch.log_softmax(self.policy(batch.states), -1).gather(-1, actions).squeeze(-1)
        for _ in range(c.epochs):
            logp_all = torch.log_softmax(self.policy(batch.states), -1)
            ratio = torch.exp(logp_all.gather(-1, actions).squeeze(-1) - old_logp)
            surrogate = clipped_surrogate(ratio, adv, c.clip)
            policy_loss = -surrogate
            if c.entropy_coef:
                entropy = -(logp_all.exp() * logp_all).sum(-1).mean()
                policy_loss = policy_loss - c.entropy_coef * entropy
            value_loss = nn.functional.mse_loss(self.value(batch.states), returns)
            self.optimizer.zero_grad()
            (policy_loss + value_loss).backward()
            self.optimizer.step()
        return {"surrogate": surrogate.item(), "value_loss": value_loss.item()}


def concat_episodes(episodes: list[Episode]) -> Episode:
    """Stack several episodes into one batch (GAE still sees where each one ends)."""
    return Episode(*(torch.cat([getattr(e, f) for e in episodes]) for f in Episode.__dataclass_fields__))
