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

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from helpers.env import N_ACTIONS, OBS_DIM

REWARD_KINDS = ("neg_log_d", "log_1m_d", "logit")
"""The reward shapes ``gail_reward`` knows: -log D, log(1 - D) and log(1 - D) - log D."""


class Discriminator(nn.Module):
    """l_w(s, a): state (4) + one-hot action (2) -> hidden -> 1 logit; D_w(s, a) = sigmoid(l_w(s, a)).

    Inputs can be standardised with statistics of the expert's states (``set_normalization``);
    by default they pass through unchanged (mean 0, std 1).
    """

    def __init__(self, hidden: int = 128, obs_dim: int = OBS_DIM, n_actions: int = N_ACTIONS) -> None:
        super().__init__()
        self.hidden, self.obs_dim, self.n_actions = hidden, obs_dim, n_actions
        self.net = nn.Sequential(nn.Linear(obs_dim + n_actions, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.register_buffer("state_mean", torch.zeros(obs_dim))
        self.register_buffer("state_std", torch.ones(obs_dim))

    @torch.no_grad()
    def set_normalization(self, states: torch.Tensor, min_std: float = 1e-3) -> None:
        """Standardise states as (s - mean) / std, with mean and std of ``states`` (e.g. the demos)."""
        self.state_mean.copy_(states.mean(0))
        self.state_std.copy_(states.std(0).clamp_min(min_std))

    def features(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """The network's input: standardised state concatenated with the one-hot action, [N, obs_dim + n_actions]."""
        one_hot = F.one_hot(actions.reshape(-1).long(), self.n_actions).float()
        return torch.cat([(states - self.state_mean) / self.state_std, one_hot], dim=1)

    def forward(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """Logits l(s, a), shape [N], for states [N, obs_dim] and actions [N] or [N, 1]."""
        return self.net(self.features(states, actions)).squeeze(-1)

    @torch.no_grad()
    def prob_student(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        """D(s, a) = sigmoid(l(s, a)): the probability that (s, a) is the student's, shape [N]."""
        return torch.sigmoid(self(states, actions))


# ---------------------------------------------------------------- rewards


def reward_from_logits(logits: torch.Tensor, kind: str = "neg_log_d") -> torch.Tensor:
    """The student's reward r(s, a) from the logit l = log D - log(1 - D), computed stably.

    - ``"neg_log_d"``: r = -log D = softplus(-l), always > 0 (the source tutorial's reward; on
      CartPole it also pays for merely staying alive).
    - ``"log_1m_d"``: r = log(1 - D) = -softplus(l), always < 0 (a penalty per step survived).
    - ``"logit"``: r = log(1 - D) - log D = -l, either sign (the sum of the two above).
    """
    if kind == "neg_log_d":
        return F.softplus(-logits)
    if kind == "log_1m_d":
        return -F.softplus(logits)
    if kind == "logit":
        return -logits
    raise ValueError(f"unknown reward kind {kind!r}; choose one of {REWARD_KINDS}")


@torch.no_grad()
def gail_reward(
    disc: Discriminator, states: torch.Tensor, actions: torch.Tensor, kind: str = "neg_log_d"
) -> torch.Tensor:
    """r(s_t, a_t) for every step of a batch, read from the discriminator (no gradient), shape [N]."""
    return reward_from_logits(disc(states, actions), kind)


# ---------------------------------------------------------------- training


def discriminator_loss(
    disc: Discriminator,
    expert_states: torch.Tensor,
    expert_actions: torch.Tensor,
    student_states: torch.Tensor,
    student_actions: torch.Tensor,
    grad_penalty: float = 0.0,
) -> torch.Tensor:
    """L(w) = -E_piE[log(1 - D_w)] - E_pi[log D_w]  (+ grad_penalty * E[||grad_x l_w(x)||^2] on all inputs).

    Binary cross-entropy on the logits, expert pairs labelled 0 and student pairs 1; each side is
    averaged separately, so 200 expert pairs and a 20-step student episode weigh the same.
    The optional penalty on the logit's input gradient keeps D smooth (Gulrajani et al. 2017 style).
    """
    le = disc(expert_states, expert_actions)
    ls = disc(student_states, student_actions)
    loss = F.binary_cross_entropy_with_logits(le, torch.zeros_like(le)) + F.binary_cross_entropy_with_logits(
        ls, torch.ones_like(ls)
    )
    if grad_penalty > 0:
        x = torch.cat(
            [disc.features(expert_states, expert_actions), disc.features(student_states, student_actions)]
        ).requires_grad_(True)
        (grad,) = torch.autograd.grad(disc.net(x).sum(), x, create_graph=True)
        loss = loss + grad_penalty * grad.pow(2).sum(1).mean()
    return loss


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


def make_disc_optimizer(disc: Discriminator, lr: float = 1e-3, weight_decay: float = 0.0) -> torch.optim.Optimizer:
    """Adam (AdamW when ``weight_decay`` > 0) over the discriminator's weights."""
    if weight_decay > 0:
        return torch.optim.AdamW(disc.parameters(), lr=lr, weight_decay=weight_decay)
    return torch.optim.Adam(disc.parameters(), lr=lr)


def update_discriminator(
    disc: Discriminator,
    optimizer: torch.optim.Optimizer,
    expert_states: torch.Tensor,
    expert_actions: torch.Tensor,
    student_states: torch.Tensor,
    student_actions: torch.Tensor,
    steps: int = 1,
    grad_penalty: float = 0.0,
    loss_fn: Callable[..., torch.Tensor] = discriminator_loss,
) -> float:
    """Take ``steps`` gradient steps on ``loss_fn`` (default: ``discriminator_loss``) over the full batch.

    Returns the loss of the last step. ``loss_fn`` lets a variant (e.g. absorbing states) reuse the loop.
    """
    loss = torch.zeros(())
    for _ in range(steps):
        loss = loss_fn(disc, expert_states, expert_actions, student_states, student_actions, grad_penalty=grad_penalty)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return float(loss.detach())
