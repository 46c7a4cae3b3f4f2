"""benchmarks/run.py: one seed with tiny budgets gives a record with every key, of sane types (no file written)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import run  # noqa: E402  (benchmarks/run.py, a script folder rather than a package)

REQUIRED = {
    "seed": int,
    "expert_steps_to_200": (int, type(None)),
    "expert_seconds_to_200": (float, type(None)),
    "expert_return": float,
    "gail_steps_to_195": (int, type(None)),
    "gail_seconds_to_195": (float, type(None)),
    "gail_return": float,
    "gail_agreement_demo": float,
    "gail_agreement_own": float,
    "bc_return": float,
    "bc_agreement_demo": float,
    "bc_agreement_own": float,
    "control_gail_return_random_demos": float,
    "fixed_gail_return": float,
    "fixed_gail_agreement_demo": float,
    "fixed_gail_agreement_own": float,
    "fixed_gail_episode_len_random_demos": float,
    "random_policy_episode_len": float,
    "random_demos_episode_len": float,
    "seed_wall_seconds": float,
}


@pytest.fixture(scope="module")
def record() -> dict:
    return run.run_seed(3, run.QUICK)


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
        if key.endswith(("_return", "_len", "_len_random_demos", "_len_sampled")):
            assert 1 <= value <= 200, (key, value)
        if "steps_to" in key and value is not None:
            assert 0 < value <= 400, (key, value)  # within QUICK's budgets (plus the episode that crosses them)


def test_summary_and_targets(record: dict):
    summary = run.summarize([record, record | {"seed": 4}])
    assert summary["n_seeds"] == 2 and summary["success"]["n"] == 2
    assert summary["keys"]["gail_return"]["median"] == record["gail_return"]
    rows = run.targets(summary, {"total_seconds": 1.0})
    assert len(rows) == 13 and all(isinstance(t["met"], bool) for t in rows)
    assert rows[-1]["met"]  # 1 s of notebooks is under 60 s
