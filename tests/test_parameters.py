"""Notebook parameters and config fields: a bad value is refused at once, with its name and what it allows; each
default lives once (a notebook's parameters cell, or its config dataclass), and the rest reads it from there."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from helpers.algorithms import airl, dagger, gail, train
from helpers.algorithms.gail import GAILConfig, absorbing_config, student_ppo_config
from helpers.algorithms.ppo import PPOConfig, expert_config
from helpers.core import rules
from helpers.core.seeding import seed_everything
from helpers.teaching import parameters

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [PPOConfig, GAILConfig, train.ExpertRule, airl.AIRLConfig, airl.RewardStudentConfig, dagger.DAggerConfig]
REQUIRED = {dagger.DAggerConfig: {"labels": 20, "bc_epochs": 1000}}
"""The fields a config needs given (budgets: a notebook's parameters)."""


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SEED", "abc", "SEED must be an integer in [0, 2**32 - 1], got 'abc'"),
        ("SEED", -1, "SEED must be an integer in [0, 2**32 - 1], got -1"),
        ("SEED", 1.5, "SEED must be an integer in [0, 2**32 - 1], got 1.5"),
        ("SEED", 2**32, "SEED must be an integer in [0, 2**32 - 1], got 4294967296"),
        ("SEED", True, "SEED must be an integer in [0, 2**32 - 1], got True"),
        ("SEED", None, "SEED must be an integer in [0, 2**32 - 1], got None"),
        ("GAIL_MAX_ENV_STEPS", 0, "GAIL_MAX_ENV_STEPS must be an integer >= 1, got 0"),
        ("MAX_ENV_STEPS", -100, "MAX_ENV_STEPS must be an integer >= 1, got -100"),
        ("BC_EPOCHS", 0, "BC_EPOCHS must be an integer >= 1, got 0"),
        ("BC_EPOCHS", 10.0, "BC_EPOCHS must be an integer >= 1, got 10.0"),
        ("EVAL_EPISODES", 0, "EVAL_EPISODES must be an integer >= 1, got 0"),
        ("CHECK_EPISODES", -3, "CHECK_EPISODES must be an integer >= 1, got -3"),
        ("SANITY_STEPS", 0, "SANITY_STEPS must be an integer >= 1, got 0"),
        ("RANDOM_PAIRS", 0, "RANDOM_PAIRS must be an integer >= 1, got 0"),
        ("RANDOM_PAIRS", "200", "RANDOM_PAIRS must be an integer >= 1, got '200'"),
        ("FULL_SWEEP", "yes", "FULL_SWEEP must be True or False, got 'yes'"),
        ("FULL_SWEEP", 1, "FULL_SWEEP must be True or False, got 1"),
        ("DATA_DIR", "", "DATA_DIR must be None (the default data folder) or a non-empty folder path, got ''"),
        ("DATA_DIR", "   ", "DATA_DIR must be None (the default data folder) or a non-empty folder path, got '   '"),
        ("DATA_DIR", 5, "DATA_DIR must be None (the default data folder) or a non-empty folder path, got 5"),
        ("HABIT_X", 2.5, "HABIT_X must be None or a number in [-2, 2], got 2.5"),
        ("HABIT_X", "1", "HABIT_X must be None or a number in [-2, 2], got '1'"),
        ("HABIT_X", float("nan"), "HABIT_X must be None or a number in [-2, 2], got nan"),
    ],
)
def test_bad_parameter_is_named_with_its_range(name, value, message):
    with pytest.raises(rules.ParameterError) as info:
        parameters.check_parameters(**{name: value})
    assert str(info.value) == message


@pytest.mark.parametrize(
    "params",
    [
        {"SEED": 0, "MAX_ENV_STEPS": 20_000, "EVAL_EPISODES": 20, "DATA_DIR": None},
        {"SEED": 2**32 - 1, "GAIL_MAX_ENV_STEPS": 1, "BC_EPOCHS": 1, "DATA_DIR": "/some/folder"},
        {"SEED": np.int64(7), "SANITY_STEPS": np.int32(3), "FULL_SWEEP": True, "RANDOM_PAIRS": 200},
        {"HABIT_X": 1.0},
        {"HABIT_X": None},
        {"HABIT_X": -2},
    ],
)
def test_good_parameters_pass(params):
    parameters.check_parameters(**params)


def test_first_bad_parameter_stops_the_check():
    with pytest.raises(rules.ParameterError, match="^SEED must"):
        parameters.check_parameters(SEED="abc", BC_EPOCHS=0)


def test_a_parameter_without_a_rule_needs_one():
    with pytest.raises(KeyError, match="no rule for notebook parameter 'TRACK_X'"):
        parameters.check_parameters(TRACK_X=0.5)
    track = rules.number(-2.4, 2.4, optional=True)
    parameters.check_parameters({"TRACK_X": track}, TRACK_X=0.5)
    parameters.check_parameters({"TRACK_X": track}, TRACK_X=None)
    for bad, shown in [(3.0, "3.0"), ("left", "'left'"), (float("nan"), "nan"), (True, "True")]:
        with pytest.raises(rules.ParameterError) as info:
            parameters.check_parameters({"TRACK_X": track}, TRACK_X=bad)
        assert str(info.value) == f"TRACK_X must be None or a number in [-2.4, 2.4], got {shown}"


def test_a_rule_passed_explicitly_wins_over_the_known_one():
    with pytest.raises(rules.ParameterError, match=r"^HABIT_X must be None or a number in \[-2, 2\], got 2.2$"):
        parameters.check_parameters(HABIT_X=2.2)
    parameters.check_parameters({"HABIT_X": rules.number(-2.4, 2.4)}, HABIT_X=2.2)


@pytest.mark.parametrize(
    ("rule", "good", "bad", "describe"),
    [
        (rules.number(0, 1), [0, 0.5, 1], [-0.1, 1.1, float("inf"), "0.5", None], "a number in [0, 1]"),
        (rules.number(0, low_open=True), [1e-9, 3], [0, -1, float("nan")], "a number > 0"),
        (rules.number(finite=False), [float("inf"), -2], [float("nan"), "1"], "a number (not NaN)"),
        (rules.integer(0), [0, 5], [-1, 0.0, False], "an integer >= 0"),
        (rules.one_of("a", "b"), ["a", "b"], ["c", None], "one of 'a', 'b'"),
        (rules.flag(), [True, False], [0, "False", None], "True or False"),
    ],
)
def test_rules(rule, good, bad, describe):
    assert rule.describe == describe
    for v in good:
        assert rule.check("X", v) is v
    for v in bad:
        with pytest.raises(rules.ParameterError) as info:
            rule.check("X", v)
        assert str(info.value) == f"X must be {describe}, got {v!r}"


@pytest.mark.parametrize("cls", CONFIGS, ids=lambda c: c.__name__)
def test_every_config_field_has_a_rule(cls):
    assert rules.unchecked_fields(cls) == []  # a new field is declared with rules.checked(default, rule)
    cls(**REQUIRED.get(cls, {}))  # the defaults pass their own rules


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: PPOConfig(epochs=0), "PPOConfig.epochs must be an integer >= 1, got 0"),
        (lambda: PPOConfig(gamma=1.5), "PPOConfig.gamma must be a number in [0, 1], got 1.5"),
        (lambda: PPOConfig(policy_lr=0), "PPOConfig.policy_lr must be a number > 0, got 0"),
        (lambda: PPOConfig(hidden=-1), "PPOConfig.hidden must be an integer in [1, 4096], got -1"),
        (lambda: PPOConfig(anneal_lr="no"), "PPOConfig.anneal_lr must be True or False, got 'no'"),
        (lambda: PPOConfig(minibatches=0), "PPOConfig.minibatches must be an integer >= 1, got 0"),
        (lambda: PPOConfig(n_envs=0), "PPOConfig.n_envs must be an integer >= 1, got 0"),
        (lambda: PPOConfig(batch_steps=-1), "PPOConfig.batch_steps must be an integer >= 0, got -1"),
        (lambda: PPOConfig(batch_steps=800.0), "PPOConfig.batch_steps must be an integer >= 0, got 800.0"),
        (lambda: GAILConfig(max_env_steps=0), "GAILConfig.max_env_steps must be None or an integer >= 1, got 0"),
        (lambda: GAILConfig(disc_steps=-1), "GAILConfig.disc_steps must be an integer >= 1, got -1"),
        (lambda: GAILConfig(disc_batch=0), "GAILConfig.disc_batch must be None or an integer >= 1, got 0"),
        (lambda: GAILConfig(disc_batch=True), "GAILConfig.disc_batch must be None or an integer >= 1, got True"),
        (lambda: GAILConfig(disc_lr=0), "GAILConfig.disc_lr must be a number > 0, got 0"),
        (lambda: GAILConfig(disc_hidden=0), "GAILConfig.disc_hidden must be an integer in [1, 4096], got 0"),
        (lambda: GAILConfig(normalize_disc_inputs=1), "GAILConfig.normalize_disc_inputs must be True or False, got 1"),
        (
            lambda: GAILConfig(reward="-log D"),
            "GAILConfig.reward must be one of 'neg_log_d', 'log_1m_d', 'logit', 'survival', got '-log D'",
        ),
        (lambda: GAILConfig(absorbing="yes"), "GAILConfig.absorbing must be True or False, got 'yes'"),
        (lambda: GAILConfig(reward_clip=-5), "GAILConfig.reward_clip must be None or a number > 0, got -5"),
        (lambda: GAILConfig(ppo={"epochs": 3}), "GAILConfig.ppo must be a PPOConfig, got {'epochs': 3}"),
        (lambda: GAILConfig(ppo=PPOConfig(epochs=0)), "PPOConfig.epochs must be an integer >= 1, got 0"),
        (
            lambda: GAILConfig(absorbing=True, reward="survival"),
            "GAILConfig.reward must be 'logit', 'log_1m_d' or 'neg_log_d' with absorbing=True (a reward read from "
            "D, which can price the absorbing state), got 'survival'",
        ),
        (lambda: absorbing_config(reward="survival"), "GAILConfig.reward must be 'logit', 'log_1m_d' or 'neg_log_d'"),
        (lambda: absorbing_config(max_env_steps=0), "GAILConfig.max_env_steps must be None or an integer >= 1, got 0"),
        (lambda: dataclasses.replace(GAILConfig(), disc_steps=0), "GAILConfig.disc_steps must be an integer >= 1"),
    ],
)
def test_bad_config_field_is_named(make, message):
    with pytest.raises(rules.ParameterError) as info:
        make()
    assert str(info.value).startswith(message)


def test_configs_accept_what_the_series_uses():
    expert_config()
    student_ppo_config()
    absorbing_config()
    absorbing_config(reward_clip=None, reward="log_1m_d", ppo=PPOConfig(anneal_lr=False))
    GAILConfig(max_env_steps=300, disc_steps=2, disc_batch=128, reward="survival")
    PPOConfig(minibatches=4, n_envs=1, batch_steps=0, entropy_coef=0.0, anneal_lr=True)


def test_seed_everything_takes_the_whole_seed_range():
    seed_everything(2**32 - 1)
    seed_everything(2**32 + 3)  # SEED + k near the top of the range (notebook 05's sweep) wraps for NumPy


# ---------------------------------------------------------------- how long a huge budget takes; where defaults live


def test_every_training_budget_has_a_rate_and_no_other_default():
    """Each training budget of a notebook has a measured rate (for the warning), and its default is only in the
    notebook: the helpers that spend it take it as an argument."""
    params = {nb.name: parameters.notebook_parameters(nb) for nb in sorted(parameters.NOTEBOOKS.glob("0*.ipynb"))}
    training = {n for values in params.values() for n in values if n.endswith(("MAX_ENV_STEPS", "_EPOCHS"))}
    assert training == set(parameters.RATES), f"budgets and rates differ: {training ^ set(parameters.RATES)}"
    assert params["04_gail.ipynb"]["GAIL_MAX_ENV_STEPS"] == 80_000  # read from the notebook itself
    for cls in (GAILConfig, airl.AIRLConfig, airl.RewardStudentConfig):
        assert cls().max_env_steps is None
    with pytest.raises(rules.ParameterError, match=r"^GAILConfig.max_env_steps is not set: a training budget has no"):
        gail.train_gail({}, 0, GAILConfig(), progress=False)
    with pytest.raises(rules.ParameterError, match=r"^AIRLConfig.max_env_steps is not set"):
        airl.train_airl({}, 0, airl.AIRLConfig(), progress=False)
    with pytest.raises(rules.ParameterError, match=r"^RewardStudentConfig.max_env_steps is not set"):
        airl.train_on_reward(lambda batch: None, 0, airl.RewardStudentConfig())
    with pytest.raises(TypeError, match="max_env_steps"):
        train.train_expert(0)
    with pytest.raises(TypeError, match="bc_epochs"):
        dagger.DAggerConfig(labels=20)


def test_notebook_parameters_reads_the_parameters_cell(tmp_path):
    assert list(parameters.notebook_parameters("01")) == [
        "SEED",
        "HABIT_X",
        "MAX_ENV_STEPS",
        "EVAL_EPISODES",
        "DATA_DIR",
    ]
    assert parameters.notebook_parameters("05_going_further")["FULL_SWEEP"] is False
    with pytest.raises(FileNotFoundError, match="expected one notebook of that name"):
        parameters.notebook_parameters("0")


def test_a_misspelt_parameter_is_named_with_the_closest_one():
    parameters.check_parameter_names("04", ["SEED", "GAIL_MAX_ENV_STEPS"])
    with pytest.raises(rules.ParameterError) as info:
        parameters.check_parameter_names("04", ["seed", "BC_EPOCH", "COLOUR"])
    assert str(info.value) == (
        "notebooks/04_gail.ipynb has no parameter 'seed' (did you mean SEED?), 'BC_EPOCH' (did you mean BC_EPOCHS?), "
        "'COLOUR': its parameters are SEED, GAIL_MAX_ENV_STEPS, BC_EPOCHS, EVAL_EPISODES, DATA_DIR"
    )


def test_a_huge_budget_says_how_long_it_will_take(capsys):
    parameters.check_parameters(SEED=0, GAIL_MAX_ENV_STEPS=1_000_000_000, BC_EPOCHS=1000, DATA_DIR=None)  # no error
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err == (
        "Warning: GAIL_MAX_ENV_STEPS = 1,000,000,000 will take roughly 28 hours on a laptop CPU: GAIL and the survival "
        "control each train for the whole budget, at about 20,000 env steps/s (measured); interrupt the kernel to "
        "stop.\n"
    )
    assert parameters.budget_warning("MAX_ENV_STEPS", 10**9).startswith(
        "Warning: MAX_ENV_STEPS = 1,000,000,000 will take up to roughly 16 hours on a laptop CPU: the expert trains "
        "until solved or out of budget"
    )
    assert "roughly 5 days" in parameters.budget_warning("BC_EPOCHS", 10**9)


@pytest.mark.parametrize("notebook", sorted(p.name for p in parameters.NOTEBOOKS.glob("0*.ipynb")))
def test_budgets_up_to_ten_times_their_default_print_nothing(notebook, capsys):
    for name, default in parameters.notebook_parameters(notebook).items():
        for value in [1, default, 10 * default] if name in parameters.RATES else []:
            assert parameters.budget_warning(name, value) is None
            parameters.check_parameters(**{name: value})
    assert capsys.readouterr() == ("", "")
    assert parameters.budget_warning("EVAL_EPISODES", 10**9) is None  # not a training budget


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.2, "1 second"), (40, "40 seconds"), (600, "10 minutes"), (3600 * 28, "28 hours"), (86400 * 5.4, "5 days")],
)
def test_roughly(seconds, words):
    assert parameters.roughly(seconds) == words
