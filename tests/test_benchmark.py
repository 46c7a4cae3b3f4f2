"""benchmarks/run.py: one seed with tiny budgets gives a record with every key, of sane types (no file written)."""

from __future__ import annotations

import math

import pytest

from benchmarks import common, run
from helpers.algorithms.train import History

OPTIONAL_INT = (int, type(None))
OPTIONAL_FLOAT = (float, type(None))
REQUIRED = {
    "seed": int,
    "calibration_seconds": float,
    "expert_solved": bool,
    "expert_steps_to_solved": OPTIONAL_INT,
    "expert_seconds_to_solved": OPTIONAL_FLOAT,
    "expert_env_steps": int,
    "expert_train_seconds": float,
    "expert_return_50": float,
    "expert_habit_x": float,
    "demo_len": int,
    "demo_habit_x": float,
    "gail_return_50": float,
    "gail_habit_x": float,
    "gail_habit_gap": float,
    "gail_habit_x_sampled": float,
    "gail_agreement_demo": float,
    "gail_agreement_own": float,
    "gail_env_steps": int,
    "gail_train_seconds": float,
    "gail_steps_to_habit": OPTIONAL_INT,
    "gail_seconds_to_habit": OPTIONAL_FLOAT,
    "control_return_50": float,
    "control_habit_x": float,
    "control_habit_gap": float,
    "control_agreement_demo": float,
    "control_agreement_own": float,
    "control_train_seconds": float,
    "bc_return_50": float,
    "bc_habit_x": float,
    "bc_habit_gap": float,
    "bc_agreement_demo": float,
    "bc_agreement_own": float,
    "bc_train_seconds": float,
    "random_control_episode_len_sampled": float,
    "absorbing_expert_return_50": float,
    "absorbing_random_episode_len_sampled": float,
    "random_policy_episode_len": float,
    "seed_wall_seconds": float,
}


@pytest.fixture(scope="module")
def record() -> dict:
    return run.run_seed(3, run.QUICK, run.QUICK_GOING_FURTHER)


def test_record_has_every_key_with_sane_types(record: dict):
    assert record["seed"] == 3
    for key, kind in REQUIRED.items():
        assert key in record, key
        assert isinstance(record[key], kind), (key, record[key])
    for key, value in record.items():
        if isinstance(value, float):
            assert math.isfinite(value), (key, value)
        if "agreement" in key:
            assert 0.0 <= value <= 1.0, (key, value)
        if key.endswith(("_return_50", "_len_sampled", "_episode_len")):
            assert 1 <= value <= 200, (key, value)
        if key.endswith("_habit_x") or key.endswith("_habit_x_sampled"):
            assert -2.4 <= value <= 2.4, (key, value)  # a cart on the track
        if key.endswith("_habit_gap"):
            assert value == pytest.approx(abs(record[key.replace("_gap", "_x")] - record["expert_habit_x"]))
    assert record["demo_len"] <= 200 and record["gail_env_steps"] >= run.QUICK.gail_steps
    assert record["checkpoints"] and all(isinstance(v, bool) for v in record["checkpoints"].values())
    if record["gail_steps_to_habit"] is not None:
        assert 0 < record["gail_steps_to_habit"] <= record["gail_env_steps"]


def test_first_habit_reads_the_sampled_training_episodes():
    hist = History(env_steps=[800, 1600, 2400], train_seconds=[0.1, 0.2, 0.3], episode_habit=[0.0, 0.8, 1.0])
    assert common.first_habit(hist, 1.0, 0.25) == (1600, 0.2)
    assert common.first_habit(hist, -1.0, 0.25) == (None, None)


def test_summary_and_targets(record: dict):
    rows = [record, record | {"seed": 4}]
    summary = run.summarize(rows)
    assert summary["n_seeds"] == 2 and summary["success"]["n"] == 2
    assert summary["keys"]["gail_habit_x"]["median"] == record["gail_habit_x"]
    assert summary["keys"]["expert_solved"]["n"] == 2
    assert len(run.speed_report(summary)) == 2
    assert summary["success"]["notebook_checkpoints_all_pass"] in (0, 2)
    notebooks = {
        "notebooks": {"04_gail.ipynb": {"wall_seconds": 4.0}, "06_beyond_gail.ipynb": {"wall_seconds": 18.0}},
        "total_seconds": 30.0,
    }
    notebooks["calibration"] = common.calibration_record(0.5, 0.5)
    rows = run.targets(summary, 1.0, notebooks)
    assert len(rows) == 8 and all(isinstance(t["met"], bool) for t in rows)
    assert all({"target", "goal", "measured", "met"} <= t.keys() for t in rows)
    timing = [t for t in rows if "calibration_loop_seconds" in t]
    assert len(timing) == 5 and all("scaled" not in key for t in timing for key in t)  # measured, never scaled
    series = rows[-1]
    assert series["met"] and series["measured"] == "30.00 s" and series["calibration_loop_seconds"] == 0.5
    no_calibration = run.targets(summary, None, None)
    assert no_calibration[-1]["measured"] is None and no_calibration[-1]["calibration_loop_seconds"] is None


def test_calibration_and_overrides():
    assert 0 < common.calibration_seconds(100_000) < 5
    cal = common.calibration_record(0.3, 0.5)
    assert cal["seconds"] == 0.4 and "scale_to_reference" not in cal
    budgeted = run.GAILConfig(max_env_steps=80_000)  # a budget has no default of its own: a notebook gives it
    config = common.with_overrides(budgeted, ["disc_steps=5", "ppo.policy_lr=1e-3", "max_env_steps=5e4"])
    assert (config.disc_steps, config.ppo.policy_lr, config.max_env_steps) == (5, 1e-3, 50_000)
    assert run.GAILConfig().ppo.policy_lr == 3e-3  # the defaults' instances are untouched
    with pytest.raises(SystemExit, match="unknown GAILConfig field"):
        common.with_overrides(run.GAILConfig(), ["disc_stepz=5"])
    with pytest.raises(SystemExit, match="disc_steps must be an integer"):
        common.with_overrides(run.GAILConfig(), ["disc_steps=0"])  # the config's own check refuses it
