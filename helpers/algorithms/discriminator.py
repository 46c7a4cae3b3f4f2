"""The GAIL discriminator (Ho & Ermon 2016) and the rewards a student can read from it.

Convention (as in Ho & Ermon 2016 and the source tutorial): D(s, a) is the probability that the
pair (s, a) comes from the STUDENT pi, not from the expert pi_E. Expert pairs are labelled 0,
student pairs 1. The network returns the logit l(s, a), so D(s, a) = sigmoid(l(s, a)), and every
loss and reward below is computed from l directly (no log of a rounded probability, no inf).

The discriminator maximises
    E_pi[log D(s, a)] + E_piE[log(1 - D(s, a))],
i.e. it minimises binary cross-entropy with labels 1 (student) and 0 (expert). The student is then
trained by RL on a reward that is large where D is small (the pair looks like the expert's).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from helpers.core.env import N_ACTIONS, OBS_DIM
from helpers.core.optim import Adam

REWARD_KINDS = ("neg_log_d", "log_1m_d", "logit", "survival")
"""The rewards ``gail_reward`` knows: -log D, log(1 - D), log(1 - D) - log D, and the constant log 2 (a control)."""


class StateNormalization(nn.Module):
    """A discriminator's input standardisation, (s - mean) / std, kept in buffers (saved with its weights).

    Both GAIL's discriminator and AIRL's (``helpers.algorithms.airl``) standardise states with the demos' statistics
    (``set_normalization``); by default states pass through unchanged (mean 0, std 1).
    """

    def __init__(self, obs_dim: int = OBS_DIM) -> None:
        super().__init__()
        self.register_buffer("state_mean", torch.zeros(obs_dim))
        self.register_buffer("state_std", torch.ones(obs_dim))

    @torch.no_grad()
    def set_normalization(self, states: torch.Tensor, min_std: float = 1e-3) -> None:
        """Standardise states as (s - mean) / std, with mean and std of ``states`` (e.g. the demos)."""
        self.state_mean.copy_(states.mean(0))
        self.state_std.copy_(states.std(0).clamp_min(min_std))

    def standardize(self, states: torch.Tensor) -> torch.Tensor:
        """(s - mean) / std, with the statistics ``set_normalization`` stored."""
        return (states - self.state_mean) / self.state_std


class Discriminator(StateNormalization):
    """l_w(s, a): state (4) + one-hot action (2) -> hidden -> 1 logit; D_w(s, a) = sigmoid(l_w(s, a)).

    Inputs can be standardised with statistics of the expert's states (``set_normalization``);
    by default they pass through unchanged (mean 0, std 1).
    """

    def __init__(self, hidden: int = 128, obs_dim: int = OBS_DIM, n_actions: int = N_ACTIONS) -> None:
        super().__init__(obs_dim)
        self.hidden, self.obs_dim, self.n_actions = hidden, obs_dim, n_actions
        self.net = nn.Sequential(nn.Linear(obs_dim + n_actions, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def features(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The network's input: standardised state concatenated with the one-hot action, [N, obs_dim + n_actions]."""
        one_hot = F.one_hot(actions.reshape(-1).long(), self.n_actions).float()
        return torch.cat([self.standardize(states), one_hot], dim=1)

    def forward(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Logits l(s, a), shape [N], for states [N, obs_dim] and actions [N] or [N, 1]."""
        return self.net(self.features(states, actions)).squeeze(-1)

    @torch.no_grad()
    def prob_student(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """D(s, a) = sigmoid(l(s, a)): the probability that (s, a) is the student's, shape [N]."""
        return torch.sigmoid(self(states, actions))


class ContinuousDiscriminator(Discriminator):
    """l_w(s, a) for a real-valued action (notebook 07): standardised state + action / bound -> hidden -> 1 logit.

    D reads the action the environment *applied*: clipped to [-bound, bound] and scaled to [-1, 1]. A policy's raw
    Gaussian samples can lie beyond the bound (the environment clips them), while an expert's recorded actions
    never do; unclipped, D could tell the student by the size of its exploration noise alone.
    """

    def __init__(self, hidden: int = 64, obs_dim: int = 3, act_dim: int = 1, action_bound: float = 2.0) -> None:
        super().__init__(hidden, obs_dim, act_dim)
        self.action_bound = action_bound

    def features(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The network's input: standardised state and clip(a, -bound, bound) / bound, [N, obs_dim + act_dim]."""
        applied = actions.reshape(len(states), -1).clamp(-self.action_bound, self.action_bound) / self.action_bound
        return torch.cat([self.standardize(states), applied], dim=1)


# ---------------------------------------------------------------- rewards


def reward_from_logits(logits: torch.Tensor, kind: str = "neg_log_d") -> torch.Tensor:
    """The student's reward r(s, a) from the logit l = log D - log(1 - D), computed stably.

    - ``"neg_log_d"``: r = -log D = softplus(-l), always > 0 (the source tutorial's reward; on
      CartPole it also pays for merely staying alive).
    - ``"log_1m_d"``: r = log(1 - D) = -softplus(l), always < 0 (a penalty per step survived).
    - ``"logit"``: r = log(1 - D) - log D = -l, either sign (the sum of the two above).
    - ``"survival"``: r = log 2 whatever D says: what -log D pays where D cannot tell (D = 1/2). A control
      that cannot imitate, since it never looks at the pair: it only pays for staying alive.
    """
    if kind == "neg_log_d":
        return F.softplus(-logits)
    if kind == "log_1m_d":
        return -F.softplus(logits)
    if kind == "logit":
        return -logits
    if kind == "survival":
        return torch.full_like(logits, math.log(2.0))
    raise ValueError(f"unknown reward kind {kind!r}; choose one of {REWARD_KINDS}")


@torch.no_grad()
def gail_reward(
    disc: Discriminator,
    states: torch.Tensor,
    actions: torch.Tensor,
    kind: str = "neg_log_d",
    clip: float | None = None,
) -> torch.Tensor:
    """r(s_t, a_t) for every step of a batch, read from the discriminator (no gradient), shape [N].

    With ``clip`` the logits are first clamped to [-clip, clip], which bounds every reward.
    """
    logits = disc(states, actions)
    return reward_from_logits(logits if clip is None else logits.clamp(-clip, clip), kind)


# ---------------------------------------------------------------- training


def discriminator_loss(
    disc: Discriminator,
    expert_states: torch.Tensor,
    expert_actions: torch.Tensor,
    student_states: torch.Tensor,
    student_actions: torch.Tensor,
) -> torch.Tensor:
    """L(w) = -E_piE[log(1 - D_w(s, a))] - E_pi[log D_w(s, a)]: binary cross-entropy, expert 0 and student 1.

    Computed on the logits, both sides in one forward pass; each side is averaged separately, so 200 expert
    pairs and a batch of student pairs of any size weigh the same.
    """
    logits = disc(torch.cat([expert_states, student_states]), torch.cat([expert_actions, student_actions]))
    le, ls = logits[: len(expert_states)], logits[len(expert_states) :]
    return F.binary_cross_entropy_with_logits(le, torch.zeros_like(le)) + F.binary_cross_entropy_with_logits(
        ls, torch.ones_like(ls)
    )


@torch.no_grad()
def discriminator_stats(
    disc: Discriminator,
    expert_states: torch.Tensor,
    expert_actions: torch.Tensor,
    student_states: torch.Tensor,
    student_actions: torch.Tensor,
) -> dict[str, float]:
    """Mean D on expert and on student pairs, the BCE loss, and the balanced accuracy.

    Accuracy = (fraction of expert pairs with D < 0.5 + fraction of student pairs with D > 0.5) / 2,
    so 0.5 means the discriminator cannot tell the two apart, whatever the batch sizes.
    """
    de = disc.prob_student(expert_states, expert_actions)
    ds = disc.prob_student(student_states, student_actions)
    loss = discriminator_loss(disc, expert_states, expert_actions, student_states, student_actions)
    acc = 0.5 * ((de < 0.5).float().mean() + (ds > 0.5).float().mean())
    return {"d_expert": float(de.mean()), "d_student": float(ds.mean()), "d_loss": float(loss), "d_acc": float(acc)}


def update_discriminator(
    disc: Discriminator,
    optimizer: Adam,
    expert_states: torch.Tensor,
    expert_actions: torch.Tensor,
    student_states: torch.Tensor,
    student_actions: torch.Tensor,
    steps: int = 1,
    student_batch: int | None = None,
) -> float:
    """``steps`` gradient steps on ``discriminator_loss``; returns the last step's loss.

    Each step sees all expert pairs and, with ``student_batch``, that many student pairs drawn at random
    (torch's generator), else all of them.
    """
    loss = torch.zeros(())
    n = len(student_states)
    for _ in range(steps):
        idx = torch.randint(n, (student_batch,)) if student_batch and student_batch < n else slice(None)
        loss = discriminator_loss(disc, expert_states, expert_actions, student_states[idx], student_actions[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float(loss.detach())
