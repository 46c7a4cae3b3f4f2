"""Shared code of the *Imitation Learning, step by step* notebooks, in four layers; each imports only from below.

    teaching/     plots, gail_plots, widgets,      what a notebook draws, shows and asserts, and its parameters:
                  exercises, checkpoints,          the only layer that imports matplotlib or ipywidgets
                  parameters
        |                        |
    algorithms/   ppo, train, bc, discriminator,   files/   data, minari_io
                  gail, absorbing, airl, dagger             the data files, read and written safely
        |                        |
    core/         env, rollout, networks, optim, seeding, demos, rules, paths
                  CartPole (one or n at once), episodes, the networks and the coin, Adam, seeds,
                  demonstrations in memory, the rules a value must follow (config fields, parameters)

``algorithms`` and ``files`` stand side by side: neither imports the other. No module imports another's private
(``_``) names. ``tests/test_layout.py`` checks both.

The names the notebooks use most are re-exported here (``helpers.PPO``, ``helpers.train_gail``,
``helpers.load_demos``, ...), lazily (PEP 562): each is imported on first use, so ``import helpers`` costs nothing
and ``import helpers.core.env`` loads neither matplotlib nor ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS: dict[str, str] = {
    # core
    **dict.fromkeys(
        ["ENV_ID", "HABIT_X", "MAX_STEPS", "CartPoleBatch", "HabitReward", "StepCap", "habit_reward", "make_env"],
        "core.env",
    ),
    **dict.fromkeys(
        [
            "Episode",
            "agreement",
            "collect",
            "concat_episodes",
            "evaluate",
            "habit_of",
            "mean_habit",
            "play_batch",
            "play_episode",
            "run_episodes",
        ],
        "core.rollout",
    ),
    **dict.fromkeys(["PolicyNet", "ValueNet", "UniformPolicy", "HandController"], "core.networks"),
    "Adam": "core.optim",
    "display_path": "core.paths",
    **dict.fromkeys(["fresh_seed", "seed_everything"], "core.seeding"),
    **dict.fromkeys(
        ["conflicting_pushes", "random_policy_demos", "subsample_demos", "mean_episode_length"], "core.demos"
    ),
    "ParameterError": "core.rules",
    # algorithms
    **dict.fromkeys(["PPO", "PPOConfig", "expert_config", "gae"], "algorithms.ppo"),
    **dict.fromkeys(["ExpertRule", "History", "train_expert"], "algorithms.train"),
    "train_bc": "algorithms.bc",
    **dict.fromkeys(
        ["Discriminator", "gail_reward", "reward_from_logits", "update_discriminator"], "algorithms.discriminator"
    ),
    **dict.fromkeys(["GAILConfig", "absorbing_config", "student_ppo_config", "train_gail"], "algorithms.gail"),
    # files
    **dict.fromkeys(
        [
            "DataFileError",
            "check_data_files",
            "check_writable",
            "data_dir",
            "load_demos",
            "load_policy",
            "save_demos",
            "save_policy",
        ],
        "files.data",
    ),
    # teaching
    **dict.fromkeys(["filmstrip", "learning_curve", "render_state", "render_states", "state_traces"], "teaching.plots"),
    "episode_player": "teaching.widgets",
    **dict.fromkeys(["check_parameters", "notebook_parameters"], "teaching.parameters"),
}
"""Each re-exported name and the module (below ``helpers``) that defines it."""

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Import a re-exported name from its module on first use (PEP 562), then keep it here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"helpers.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The re-exported names beside the module's own, for tab completion."""
    return sorted(set(globals()) | set(__all__))
