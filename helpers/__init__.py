"""Shared code of the *Imitation Learning, step by step* notebooks."""

from helpers.absorbing import AbsorbingGAILConfig, random_policy_demos, train_absorbing_gail
from helpers.bc import train_bc
from helpers.checks import ParameterError, check_parameters
from helpers.data import (
    DataFileError,
    check_data_files,
    check_writable,
    data_dir,
    display_path,
    load_demos,
    load_policy,
    save_demos,
    save_policy,
)
from helpers.discriminator import Discriminator, gail_reward, reward_from_logits, update_discriminator
from helpers.env import ENV_ID, MAX_STEPS, StepCap, make_env
from helpers.gail import GAILConfig, train_gail
from helpers.networks import PolicyNet, ValueNet
from helpers.plots import action_counts, filmstrip, learning_curve, render_state, render_states, state_traces
from helpers.ppo import PPO, PPOConfig, expert_config, gae
from helpers.rollout import Episode, agreement, evaluate, play_episode, run_episodes
from helpers.seeding import seed_everything
from helpers.train import History, train_expert, train_ppo
from helpers.widgets import episode_player

__all__ = [
    "ENV_ID",
    "MAX_STEPS",
    "PPO",
    "AbsorbingGAILConfig",
    "DataFileError",
    "Discriminator",
    "Episode",
    "GAILConfig",
    "History",
    "PPOConfig",
    "ParameterError",
    "PolicyNet",
    "StepCap",
    "ValueNet",
    "action_counts",
    "agreement",
    "check_data_files",
    "check_parameters",
    "check_writable",
    "data_dir",
    "display_path",
    "episode_player",
    "evaluate",
    "expert_config",
    "filmstrip",
    "gae",
    "gail_reward",
    "learning_curve",
    "load_demos",
    "load_policy",
    "make_env",
    "play_episode",
    "random_policy_demos",
    "reward_from_logits",
    "render_state",
    "render_states",
    "run_episodes",
    "save_demos",
    "save_policy",
    "seed_everything",
    "state_traces",
    "train_bc",
    "train_absorbing_gail",
    "train_expert",
    "train_gail",
    "train_ppo",
    "update_discriminator",
]
