"""Shared code of the *Imitation Learning, step by step* notebooks."""

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
from helpers.env import ENV_ID, HABIT_X, MAX_STEPS, CartPoleBatch, HabitReward, StepCap, habit_reward, make_env
from helpers.gail import GAILConfig, absorbing_config, student_ppo_config, train_gail
from helpers.networks import PolicyNet, ValueNet
from helpers.optim import Adam
from helpers.plots import filmstrip, learning_curve, render_state, render_states, state_traces
from helpers.ppo import PPO, PPOConfig, expert_config, gae
from helpers.rollout import (
    Episode,
    agreement,
    collect,
    concat_episodes,
    evaluate,
    habit_of,
    mean_habit,
    play_batch,
    play_episode,
    run_episodes,
)
from helpers.seeding import fresh_seed, seed_everything
from helpers.train import ExpertRule, History, train_expert
from helpers.widgets import episode_player

__all__ = [
    "ENV_ID",
    "HABIT_X",
    "MAX_STEPS",
    "PPO",
    "Adam",
    "CartPoleBatch",
    "DataFileError",
    "Discriminator",
    "Episode",
    "ExpertRule",
    "GAILConfig",
    "HabitReward",
    "History",
    "PPOConfig",
    "ParameterError",
    "PolicyNet",
    "StepCap",
    "ValueNet",
    "absorbing_config",
    "agreement",
    "check_data_files",
    "check_parameters",
    "check_writable",
    "collect",
    "concat_episodes",
    "data_dir",
    "display_path",
    "episode_player",
    "evaluate",
    "expert_config",
    "filmstrip",
    "fresh_seed",
    "gae",
    "gail_reward",
    "habit_of",
    "habit_reward",
    "learning_curve",
    "load_demos",
    "load_policy",
    "make_env",
    "mean_habit",
    "play_batch",
    "play_episode",
    "render_state",
    "render_states",
    "reward_from_logits",
    "run_episodes",
    "save_demos",
    "save_policy",
    "seed_everything",
    "state_traces",
    "student_ppo_config",
    "train_bc",
    "train_expert",
    "train_gail",
    "update_discriminator",
]
