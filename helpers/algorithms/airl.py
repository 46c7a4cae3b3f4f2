"""Learned rewards to take elsewhere: AIRL's discriminator, and a PPO student trained on a frozen reward.

Adversarial Inverse Reinforcement Learning (Fu, Luo & Levine 2018) gives the discriminator a structure:

    f(s, a, s') = g(s) + gamma * h(s') - h(s)            (h(s') = 0 after a termination)
    D_E(s, a, s') = exp(f) / (exp(f) + pi(a | s))        the probability that the pair is the EXPERT's

where g(s) is meant to be the reward, free of the dynamics (h absorbs the shaping), and so reusable in another
world. This series labels the expert 0 and the student 1 (``helpers.algorithms.discriminator``), so its D is the other
side:

    D(s, a, s') = 1 - D_E = pi(a | s) / (exp(f) + pi(a | s)),   logit l = log pi(a | s) - f(s, a, s')

and the same binary cross-entropy (expert 0, student 1) trains it. The student's reward, as in AIRL, is
log D_E - log(1 - D_E) = f - log pi = -l (the series' "logit" reward). The imitation library has AIRL; it is not a
dependency of this series, and the discriminator is a few lines on top of ``helpers.algorithms.discriminator``.

``train_on_reward`` trains a fresh PPO student on any frozen reward: GAIL's final -log D, AIRL's g(s), or the
survival control's constant log 2, in CartPole as it is or in a changed one (``physics``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from helpers.algorithms.discriminator import StateNormalization, reward_from_logits
from helpers.algorithms.gail import student_ppo_config
from helpers.algorithms.ppo import PPO, PPOConfig
from helpers.algorithms.train import History, train_student
from helpers.core import rules
from helpers.core.env import OBS_DIM, CartPoleBatch, cartpole_step
from helpers.core.optim import Adam
from helpers.core.rollout import Episode
from helpers.core.seeding import seed_everything


def _mlp(hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(OBS_DIM, hidden), nn.ReLU(), nn.Linear(hidden, 1))


class AIRLDiscriminator(StateNormalization):
    """f(s, a, s') = g(s) + gamma * h(s') - h(s), with g (the reward) and h (the shaping) two small networks of s.

    States are standardised with the demos' statistics (``set_normalization``), as GAIL's discriminator's are.
    """

    def __init__(self, hidden: int = 64, gamma: float = 0.98) -> None:
        super().__init__(OBS_DIM)
        self.hidden, self.gamma = hidden, gamma
        self.g_net, self.h_net = _mlp(hidden), _mlp(hidden)

    def g(self, states: torch.Tensor) -> torch.Tensor:
        """The state-only reward g(s), shape [N]."""
        return self.g_net(self.standardize(states)).squeeze(-1)

    def h(self, states: torch.Tensor) -> torch.Tensor:
        """The shaping potential h(s), shape [N]."""
        return self.h_net(self.standardize(states)).squeeze(-1)

    def f(self, states: torch.Tensor, next_states: torch.Tensor, terminated: torch.Tensor) -> torch.Tensor:
        """f = g(s) + gamma * (1 - terminated) * h(s') - h(s), shape [N] (the action enters only through pi)."""
        return self.g(states) + self.gamma * (~terminated).float() * self.h(next_states) - self.h(states)

    def forward(
        self, states: torch.Tensor, next_states: torch.Tensor, terminated: torch.Tensor, log_pi: torch.Tensor
    ) -> torch.Tensor:
        """The logit of D (the pair is the student's): l = log pi(a | s) - f(s, a, s'), shape [N]."""
        return log_pi - self.f(states, next_states, terminated)

    @torch.no_grad()
    def reward(self, states: torch.Tensor, kind: str = "softplus") -> torch.Tensor:
        """The reward to take elsewhere, from g(s) alone, no gradient, shape [N]: ``"softplus"``, softplus(g(s)) > 0
        (positive as -log D is: surviving pays, and g says where), or ``"raw"``, g(s) itself (either sign)."""
        g = self.g(states)
        if kind == "softplus":
            return F.softplus(g)
        if kind == "raw":
            return g
        raise ValueError(f"unknown reward kind {kind!r}; choose 'softplus' or 'raw'")


@torch.no_grad()
def log_prob(policy: nn.Module, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
    """log pi(a | s) for each pair, shape [N] (no gradient: D treats the student's policy as given)."""
    return torch.log_softmax(policy(states), -1).gather(-1, actions.reshape(-1, 1).long())[:, 0]


def airl_loss(
    disc: AIRLDiscriminator, expert: dict[str, torch.Tensor], student: dict[str, torch.Tensor]
) -> torch.Tensor:
    """Binary cross-entropy with the expert's transitions labelled 0 and the student's 1, each side averaged.

    Each side is a dict of ``states``, ``next_states``, ``terminated`` and ``log_pi`` (the student's log pi(a|s)).
    """
    le = disc(expert["states"], expert["next_states"], expert["terminated"], expert["log_pi"])
    ls = disc(student["states"], student["next_states"], student["terminated"], student["log_pi"])
    return F.binary_cross_entropy_with_logits(le, torch.zeros_like(le)) + F.binary_cross_entropy_with_logits(
        ls, torch.ones_like(ls)
    )


@dataclass
class AIRLConfig:
    """AIRL hyperparameters: GAIL's (``GAILConfig``) where they have a counterpart."""

    ppo: PPOConfig = rules.checked(rule=rules.instance_of(PPOConfig), default_factory=student_ppo_config)
    """PPO settings of the student (GAIL's student's)."""
    max_env_steps: int | None = rules.checked(None, rules.integer(1, optional=True))
    """Training budget in env steps: no decision reads the environment's reward. None until given (notebook 06's
    ``AIRL_MAX_ENV_STEPS``): ``train_airl`` refuses None."""
    disc_steps: int = rules.checked(20, rules.integer(1))
    """D's gradient steps per iteration (GAIL's)."""
    disc_lr: float = rules.checked(1e-3, rules.number(0, low_open=True))
    """Adam learning rate of the discriminator."""
    disc_hidden: int = rules.checked(64, rules.HIDDEN_RULE)
    """Hidden units of g and of h."""
    reward: str = rules.checked("neg_log_d", rules.one_of("neg_log_d", "logit"))
    """The student's reward read from D: "neg_log_d", -log D = softplus(f - log pi) > 0 (as GAIL's student's), or
    "logit", f - log pi (AIRL's own, either sign: on CartPole its student learns to fall, section 2's exercise)."""
    reward_clip: float | None = rules.checked(None, rules.number(0, low_open=True, optional=True))
    """Clamp D's logit to [-reward_clip, reward_clip] before reading the reward (None: unbounded)."""

    def __post_init__(self) -> None:
        """Refuse a bad field at once, naming it."""
        rules.check_config(self)


def expert_transitions(demos: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The demos as transitions: states, actions [N], next states (from CartPole's equations), terminated."""
    states, actions = demos["states"], demos["actions"].reshape(-1)
    next_states = torch.from_numpy(cartpole_step(states.numpy(), actions.numpy()))
    terminated = demos.get("terminated", torch.zeros(len(states), dtype=torch.bool))
    return {"states": states, "actions": actions, "next_states": next_states, "terminated": terminated}


def train_airl(
    demos: dict[str, Any], seed: int = 0, config: AIRLConfig | None = None, progress: bool = True
) -> tuple[PPO, History, AIRLDiscriminator]:
    """Train a PPO student by AIRL on ``demos``; returns it, its history and the discriminator (g and h).

    Each iteration, as ``train_gail``'s: the student plays a batch; D takes ``disc_steps`` steps on the expert's
    transitions (0) and the batch's (1), log pi from the student's current policy on both; the batch's rewards
    are f - log pi from the updated D (clamped); one PPO update. The history logs D's accuracy and the mean reward.
    """
    c = config or AIRLConfig()
    rules.require_budget(c, "max_env_steps", "AIRL_MAX_ENV_STEPS of notebook 06")
    seed_everything(seed)
    expert = expert_transitions(demos)
    student = PPO(c.ppo)
    disc = AIRLDiscriminator(c.disc_hidden, c.ppo.gamma)
    disc.set_normalization(demos["states"])
    disc_opt = Adam(disc.parameters(), lr=c.disc_lr)

    def rewards_of(batch: Episode, steps: int) -> tuple[torch.Tensor, dict[str, float]]:
        """D's steps on the expert's transitions and the batch's, then the batch's rewards from the updated D."""
        side_e = {**expert, "log_pi": log_prob(student.policy, expert["states"], expert["actions"])}
        side_s = {
            "states": batch.states,
            "next_states": batch.next_states,
            "terminated": batch.terminated,
            "log_pi": log_prob(student.policy, batch.states, batch.actions),
        }
        for _ in range(c.disc_steps):
            loss = airl_loss(disc, side_e, side_s)
            disc_opt.zero_grad()
            loss.backward()
            disc_opt.step()
        with torch.no_grad():
            logits = disc(side_s["states"], side_s["next_states"], side_s["terminated"], side_s["log_pi"])
            le = disc(side_e["states"], side_e["next_states"], side_e["terminated"], side_e["log_pi"])
            clipped = logits if c.reward_clip is None else logits.clamp(-c.reward_clip, c.reward_clip)
            rewards = reward_from_logits(clipped, c.reward)
        acc = 0.5 * (float((le < 0).float().mean()) + float((logits > 0).float().mean()))
        return rewards, {"d_loss": float(loss.detach()), "d_acc": acc, "reward": float(rewards.mean())}

    envs = CartPoleBatch(c.ppo.n_envs)
    hist = train_student(student, envs, seed, c.max_env_steps, rewards_of, progress)
    return student, hist, disc


@dataclass
class RewardStudentConfig:
    """A fresh PPO student trained on a frozen reward (no discriminator updates): GAIL's student's settings."""

    ppo: PPOConfig = rules.checked(rule=rules.instance_of(PPOConfig), default_factory=student_ppo_config)
    """PPO settings of the student."""
    max_env_steps: int | None = rules.checked(None, rules.integer(1, optional=True))
    """Training budget in env steps, all of it spent (no decision reads the environment's reward). None until given
    (notebook 06's ``STUDENT_MAX_ENV_STEPS``): ``train_on_reward`` refuses None."""

    def __post_init__(self) -> None:
        """Refuse a bad field at once, naming it."""
        rules.check_config(self)


RewardFn = Callable[[Episode], torch.Tensor]
"""A frozen reward: a batch of steps in, one reward per step out (shape [N])."""


def train_on_reward(
    reward_fn: RewardFn,
    seed: int = 0,
    config: RewardStudentConfig | None = None,
    physics: Mapping[str, float] | None = None,
    progress: bool = False,
) -> tuple[PPO, History]:
    """Train a fresh PPO student on ``reward_fn`` (never updated) in CartPole, changed by ``physics`` if given.

    Each iteration: the student plays a batch (sampling), every step gets ``reward_fn(batch)``, one PPO update; the
    learning rates anneal to 0 over the budget (``config.ppo.anneal_lr``), as GAIL's student's do.
    """
    c = config or RewardStudentConfig()
    rules.require_budget(c, "max_env_steps", "STUDENT_MAX_ENV_STEPS of notebook 06")
    seed_everything(seed)
    student = PPO(c.ppo)

    def rewards_of(batch: Episode, steps: int) -> tuple[torch.Tensor, dict[str, float]]:
        """The frozen reward of every step of the batch."""
        with torch.no_grad():
            rewards = reward_fn(batch)
        return rewards, {"reward": float(rewards.mean())}

    envs = CartPoleBatch(c.ppo.n_envs, physics=physics)
    hist = train_student(student, envs, seed, c.max_env_steps, rewards_of, progress)
    return student, hist
