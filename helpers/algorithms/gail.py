"""Generative Adversarial Imitation Learning (Ho & Ermon 2016): a PPO student rewarded by a discriminator.

One iteration of ``train_gail``, as notebook 04 writes it out:

1. the student pi_theta plays a batch of episodes, sampling its actions;
2. the discriminator D_w takes ``disc_steps`` gradient steps to tell the expert's pairs (label 0) from
   the batch's pairs (label 1);
3. every step of the batch gets the reward r(s, a) = -log D_w(s, a) from the updated discriminator;
4. one PPO update of the student on those rewards.

The environment's reward is never used: training runs for a fixed budget of env steps, and what the
environment would have paid is only logged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from helpers.algorithms.absorbing import AbsorbingDiscriminator, absorbing_rewards, with_absorbing
from helpers.algorithms.discriminator import (
    REWARD_KINDS,
    Discriminator,
    discriminator_stats,
    gail_reward,
    update_discriminator,
)
from helpers.algorithms.ppo import PPO, PPOConfig
from helpers.algorithms.train import History, train_student
from helpers.core import rules
from helpers.core.env import CartPoleBatch
from helpers.core.optim import Adam
from helpers.core.rollout import BatchEnv, Episode, mean_habit
from helpers.core.seeding import seed_everything


def student_ppo_config(anneal_lr: bool = True) -> PPOConfig:
    """The student's PPO settings: 64 hidden units, 2 minibatches, advantages standardised, policy step 3e-3,
    both learning rates annealed to 0 over the budget (``anneal_lr``): a student that still takes full steps at
    the end of its budget stops at a random point of its last swings, and its greedy habit with it."""
    return PPOConfig(hidden=64, minibatches=2, normalize_advantages=True, policy_lr=3e-3, anneal_lr=anneal_lr)


@dataclass
class GAILConfig:
    """GAIL hyperparameters (``benchmarks/README.md`` says how they were chosen)."""

    ppo: PPOConfig = rules.checked(rule=rules.instance_of(PPOConfig), default_factory=student_ppo_config)
    """PPO settings of the student."""
    max_env_steps: int | None = rules.checked(None, rules.integer(1, optional=True))
    """Training budget in env steps: GAIL trains for all of it (no decision reads the environment's reward). None
    until given: the budget is a notebook's parameter (04's ``GAIL_MAX_ENV_STEPS``), so ``train_gail`` refuses None."""
    disc_steps: int = rules.checked(20, rules.integer(1))
    """D's gradient steps per iteration, to keep up with the student (Ho & Ermon: 1; the imitation library: 2)."""
    disc_batch: int | None = rules.checked(None, rules.integer(1, optional=True))
    """Student pairs in each discriminator step, drawn at random from the batch (None: all of them)."""
    disc_lr: float = rules.checked(1e-3, rules.number(0, low_open=True))
    """Adam learning rate of the discriminator."""
    disc_hidden: int = rules.checked(64, rules.HIDDEN_RULE)
    """Hidden units of the discriminator."""
    normalize_disc_inputs: bool = rules.checked(True, rules.FLAG_RULE)
    """Standardise the discriminator's state inputs with the demos' mean and std (cart x and angle then weigh alike)."""
    reward: str = rules.checked("neg_log_d", rules.one_of(*REWARD_KINDS))
    """Reward read from D: "neg_log_d" (-log D), "log_1m_d", "logit", or "survival" (log 2 always: the control)."""
    absorbing: bool = rules.checked(False, rules.FLAG_RULE)
    """Absorbing states (notebook 05): D also judges the end of an episode (with any reward read from D)."""
    reward_clip: float | None = rules.checked(None, rules.number(0, low_open=True, optional=True))
    """Clamp D's logit to [-reward_clip, reward_clip] before reading rewards (None: unbounded)."""

    def __post_init__(self) -> None:
        """Refuse a bad field at once, naming it, and a reward that absorbing states cannot use."""
        rules.check_config(self)
        if self.absorbing and self.reward == "survival":
            raise rules.ParameterError(
                "GAILConfig.reward must be 'logit', 'log_1m_d' or 'neg_log_d' with absorbing=True (a reward read "
                "from D, which can price the absorbing state), got 'survival'"
            )


def absorbing_config(**changes: Any) -> GAILConfig:
    """GAIL with absorbing states (notebook 05): the logit reward, clamped to +-2, the student's PPO settings at
    constant learning rates (annealing cut the slowest seeds off).

    The clamp bounds V(s_a) = r_a / (1 - gamma); ``benchmarks/going_further.md`` says how the settings were chosen.
    """
    ppo = changes.pop("ppo", None) or student_ppo_config(anneal_lr=False)
    return GAILConfig(**{"absorbing": True, "reward": "logit", "reward_clip": 2.0, "ppo": ppo, **changes})


def train_gail(
    demos: dict[str, Any],
    seed: int = 0,
    config: GAILConfig | None = None,
    progress: bool = True,
    envs: BatchEnv | None = None,
    networks: Callable[[GAILConfig], tuple[PPO, Discriminator]] | None = None,
    habit: Callable[[list[Episode]], float] = mean_habit,
) -> tuple[PPO, History, Discriminator]:
    """Train a PPO student by GAIL on ``demos`` (``load_demos`` output); returns it, its history and D.

    The history logs, per iteration: env steps, the training episodes' length and habit (mean cart x over
    their last 100 steps) and, in ``extra``, D's view of the fresh batch before its update (``d_expert``,
    ``d_student``: mean D on each side; ``d_loss``, ``d_acc``: BCE and balanced accuracy) and the mean reward.

    CartPole by default. Another environment (notebook 07's Pendulum) brings its batch (``envs``), its networks
    (``networks(config)`` builds the student and D, after the seeding) and the ``habit`` its history logs.
    """
    c = config or GAILConfig()
    rules.require_budget(c, "max_env_steps", "GAIL_MAX_ENV_STEPS of notebook 04")
    seed_everything(seed)
    actions = demos["actions"]
    expert_s, expert_a = demos["states"], actions if actions.is_floating_point() else actions.reshape(-1)
    if c.absorbing:
        expert_s, expert_a = with_absorbing(expert_s, expert_a, demos["terminated"])
    if networks is not None:
        student, disc = networks(c)
    else:
        student = PPO(c.ppo)
        disc = AbsorbingDiscriminator(c.disc_hidden) if c.absorbing else Discriminator(c.disc_hidden)
    if c.normalize_disc_inputs:
        disc.set_normalization(demos["states"])
    disc_opt = Adam(disc.parameters(), lr=c.disc_lr)

    def rewards_of(batch: Episode, steps: int) -> tuple[torch.Tensor, dict[str, float]]:
        """Steps 2-3 of an iteration, on the batch the student just played (step 1; step 4 is the PPO update)."""
        student_s, student_a = batch.states, batch.actions
        if c.absorbing:
            student_s, student_a = with_absorbing(student_s, student_a, batch.terminated)
        # 2. The discriminator learns to tell the expert's pairs (0) from the student's (1).
        stats = discriminator_stats(disc, expert_s, expert_a, student_s, student_a)
        stats["d_loss_last_step"] = update_discriminator(
            disc, disc_opt, expert_s, expert_a, student_s, student_a, c.disc_steps, c.disc_batch
        )
        # 3. Rewards from the updated discriminator.
        if c.absorbing:
            rewards, r_absorbing = absorbing_rewards(disc, batch, c.ppo.gamma, c.reward, c.reward_clip)
            return rewards, {"r_absorbing": r_absorbing, **stats, "reward": float(rewards.mean())}
        rewards = gail_reward(disc, batch.states, batch.actions, c.reward, c.reward_clip)
        return rewards, {**stats, "reward": float(rewards.mean())}

    envs = envs if envs is not None else CartPoleBatch(c.ppo.n_envs)
    hist = train_student(student, envs, seed, c.max_env_steps, rewards_of, progress, habit)
    return student, hist, disc
