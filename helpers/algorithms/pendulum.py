"""Notebook 07's settings: the series' PPO, GAIL and BC, on Pendulum with a Gaussian policy.

Nothing here is a new algorithm. ``PPO``, ``train_student``, ``train_gail`` and ``train_bc`` are the ones CartPole
uses; this module gives them Pendulum's batch of environments, a ``GaussianPolicy`` with a two-layer critic, a
``ContinuousDiscriminator``, and the settings measured for them (``benchmarks/pendulum_notes.md``).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from helpers.algorithms.bc import gaussian_bc_loss, train_bc
from helpers.algorithms.discriminator import ContinuousDiscriminator, Discriminator
from helpers.algorithms.gail import GAILConfig, train_gail
from helpers.algorithms.ppo import PPO, PPOConfig
from helpers.algorithms.train import History, train_student
from helpers.core.networks import GaussianPolicy, ValueNet
from helpers.core.pendulum import (
    MAX_TORQUE,
    PENDULUM_ID,
    PENDULUM_OBS_DIM,
    PENDULUM_STEPS,
    TILT,
    PendulumBatch,
    mean_tilt,
)
from helpers.core.rollout import Episode, concat_episodes, run_episodes
from helpers.core.seeding import seed_everything

REWARD_SCALE = 1 / 8
"""The expert and the control learn from Pendulum's rewards times this: up to -16 a step, they give returns of order
1, the critic's scale. GAIL's -log D is of order 1 already, and is not scaled."""


def pendulum_ppo_config(**changes: Any) -> PPOConfig:
    """PPO for Pendulum: 32 pendulums per update (one batch of 6,400 steps), 2 x 64 ReLU networks, gamma = lam =
    0.95, 5 epochs of 12 minibatches, Adam 2e-3 annealed to 0 over the budget, advantages standardised.

    The expert, the control and GAIL's student all train with these settings (``benchmarks/pendulum_notes.md``)."""
    settings: dict[str, Any] = {
        "gamma": 0.95,
        "lam": 0.95,
        "epochs": 5,
        "minibatches": 12,
        "policy_lr": 2e-3,
        "value_lr": 2e-3,
        "hidden": 64,
        "normalize_advantages": True,
        "n_envs": 32,
        "batch_steps": 32 * PENDULUM_STEPS,
        "anneal_lr": True,
    }
    return PPOConfig(**{**settings, **changes})


def pendulum_agent(config: PPOConfig | None = None) -> PPO:
    """A PPO agent for Pendulum: ``GaussianPolicy`` (mean times ``MAX_TORQUE``) and a critic, both 3 -> 64 -> 64
    (ReLU: as good as tanh here and cheaper, ``benchmarks/pendulum_notes.md``)."""
    c = config or pendulum_ppo_config()
    policy = GaussianPolicy(PENDULUM_OBS_DIM, 1, c.hidden, action_scale=MAX_TORQUE)
    value = ValueNet(c.hidden, obs_dim=PENDULUM_OBS_DIM, layers=2)
    return PPO(c, policy, value)


def train_on_pendulum(
    seed: int,
    tilt: float | None,
    *,
    max_env_steps: int,
    config: PPOConfig | None = None,
    progress: bool = True,
) -> tuple[PPO, History]:
    """PPO on Pendulum's reward (``tilt`` = None: the control) or on the expert's (``tilt``: its habit), for the whole
    budget (notebook 07's ``EXPERT_MAX_ENV_STEPS``); the history logs the training episodes' mean tilt as habit."""
    c = config or pendulum_ppo_config()
    seed_everything(seed)
    agent = pendulum_agent(c)

    def env_rewards(batch: Episode, steps: int) -> tuple[torch.Tensor, dict[str, float]]:
        """What the environment paid each step, times ``REWARD_SCALE``."""
        return batch.rewards * REWARD_SCALE, {"reward": float(batch.rewards.mean())}

    envs = PendulumBatch(c.n_envs, tilt)
    hist = train_student(agent, envs, seed, max_env_steps, env_rewards, progress, mean_tilt)
    return agent, hist


def pendulum_gail_config(**changes: Any) -> GAILConfig:
    """GAIL on Pendulum: the expert's PPO settings (its rewards, -log D, are not scaled: ``REWARD_SCALE``), D of 64 ReLU
    units taking 10 steps per iteration (Adam 1e-3) on all expert pairs and 1,024 student
    pairs drawn at random, reward -log D. The budget, ``max_env_steps``: notebook 07's ``IMITATION_MAX_ENV_STEPS``."""
    ppo = changes.pop("ppo", None) or pendulum_ppo_config()
    settings: dict[str, Any] = {
        "ppo": ppo,
        "disc_steps": 10,
        "disc_batch": 1024,
        "disc_lr": 1e-3,
        "disc_hidden": 64,
    }
    return GAILConfig(**{**settings, **changes})


def pendulum_networks(config: GAILConfig) -> tuple[PPO, Discriminator]:
    """GAIL's student (``pendulum_agent``) and D (``ContinuousDiscriminator``: the applied torque / 2 N·m)."""
    disc = ContinuousDiscriminator(config.disc_hidden, PENDULUM_OBS_DIM, 1, MAX_TORQUE)
    return pendulum_agent(config.ppo), disc


def train_pendulum_gail(
    demos: dict[str, Any], seed: int, config: GAILConfig, progress: bool = True
) -> tuple[PPO, History, Discriminator]:
    """``train_gail`` on Pendulum: the student plays ``PendulumBatch``es and never reads their reward."""
    c = config
    envs = PendulumBatch(c.ppo.n_envs)
    return train_gail(demos, seed, c, progress, envs=envs, networks=pendulum_networks, habit=mean_tilt)


def train_pendulum_bc(
    demos: dict[str, Any], seed: int, *, epochs: int, lr: float = 3e-3
) -> tuple[GaussianPolicy, list[float]]:
    """BC on Pendulum: a ``GaussianPolicy`` (the student's shape) fitted by its likelihood of the demonstrated
    torques, full batch, no weight decay."""
    seed_everything(seed)
    policy = GaussianPolicy(PENDULUM_OBS_DIM, 1, pendulum_ppo_config().hidden, action_scale=MAX_TORQUE)
    return train_bc(
        demos["states"],
        demos["actions"],
        policy,
        epochs=epochs,
        lr=lr,
        weight_decay=0.0,
        seed=None,
        loss_fn=gaussian_bc_loss,
    )


def pendulum_episodes(policy: nn.Module, n_episodes: int, seed: int, greedy: bool = True) -> list[Episode]:
    """``n_episodes`` fresh Pendulum episodes of ``policy`` (greedy: its mean torque), from start states of ``seed``;
    their rewards are Pendulum's own."""
    return run_episodes(policy, n_episodes, greedy, seed, envs=PendulumBatch(n_episodes))


@torch.no_grad()
def record_pendulum_demos(policy: nn.Module, seed: int, n_episodes: int, tilt: float | None = TILT) -> dict[str, Any]:
    """``n_episodes`` greedy episodes of ``policy`` from start states of ``seed``, as demonstrations: states
    float32 [n x 200, 3], actions float32 [n x 200, 1] (the torque the environment applied, clipped to ±2 N·m),
    terminated [n x 200] (never), one episode after the other; ``meta`` says how they were made."""
    episodes = run_episodes(policy, n_episodes, True, seed, envs=PendulumBatch(n_episodes, tilt))
    batch = concat_episodes(episodes)
    return {
        "states": batch.states,
        "actions": batch.actions.clamp(-MAX_TORQUE, MAX_TORQUE).to(torch.float32).reshape(-1, 1),
        "terminated": batch.terminated,
        "meta": {
            "env_id": PENDULUM_ID,
            "episodes": n_episodes,
            "episode_steps": PENDULUM_STEPS,
            "tilt": tilt,
            "seed": seed,
            "action_selection": "greedy",
            "return": batch.ret / n_episodes,
        },
    }
