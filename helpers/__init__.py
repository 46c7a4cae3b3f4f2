"""Shared code of the *Imitation Learning, step by step* notebooks."""

from helpers.data import (
    DataFileError,
    data_dir,
    load_demos,
    load_policy,
    save_demos,
    save_policy,
)
from helpers.env import ENV_ID, MAX_STEPS, StepCap, make_env
from helpers.networks import PolicyNet, ValueNet
from helpers.ppo import PPO, PPOConfig, gae
from helpers.rollout import Episode, agreement, evaluate, play_episode, run_episodes
from helpers.seeding import seed_everything
from helpers.train import History, train_expert, train_ppo

__all__ = [
    "ENV_ID",
    "MAX_STEPS",
    "PPO",
    "DataFileError",
    "Episode",
    "History",
    "PPOConfig",
    "PolicyNet",
    "StepCap",
    "ValueNet",
    "agreement",
    "data_dir",
    "evaluate",
    "gae",
    "load_demos",
    "load_policy",
    "make_env",
    "play_episode",
    "run_episodes",
    "save_demos",
    "save_policy",
    "seed_everything",
    "train_expert",
    "train_ppo",
]
