"""Notebook 04's capstone, "your GAIL": the loop is trained watched (``run_gail``), judged by behaviour, and a failed
judgment names the most likely mistake from the run's signature (``likely_mistake``, ``diagnose``).

The signatures' thresholds were measured by ``benchmarks/capstone.py mistakes``: its results file holds, per seed, a
run of the reference loop and of the loop with each known mistake. Every failed run there must be named as its
mistake's signature says, and every reference run must pass.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import gymnasium as gym
import pytest
import torch

import helpers
from benchmarks import capstone
from helpers.teaching import exercises as check

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = sorted((ROOT / "benchmarks" / "results").glob("capstone-mistakes_*.json"))


def cartpoles() -> gym.vector.VectorEnv:
    """Gymnasium's vector CartPole, as notebook 04 makes it."""
    return gym.make_vec("CartPole-v1", num_envs=8, vectorization_mode="vector_entry_point", max_episode_steps=200)


@pytest.fixture(scope="module")
def ns() -> dict:
    """Notebook 04's from-scratch namespace, as the benchmark reads it."""
    namespace = capstone.from_scratch()
    torch.distributions.Distribution.set_default_validate_args(True)  # the notebook's switch, undone for the others
    return namespace


@pytest.fixture(scope="module")
def demos() -> dict:
    return helpers.load_demos(ROOT / "data" / "expert_demos.pt", n=200)


def test_the_benchmark_trains_the_notebooks_loop(ns, demos) -> None:
    """``make_gail(ns)`` (the loop with no mistake switched in) trains exactly what the notebook's own ``gail`` does."""
    expert_s, expert_a = demos["states"], demos["actions"].reshape(-1)
    torch.distributions.Distribution.set_default_validate_args(False)
    try:
        mine = ns["gail"](expert_s, expert_a, cartpoles(), 2_400, 0)
        copy = capstone.make_gail(ns)(expert_s, expert_a, cartpoles(), 2_400, 0)
    finally:
        torch.distributions.Distribution.set_default_validate_args(True)
    for a, b in zip((mine[0], mine[1]), (copy[0], copy[1]), strict=True):
        assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert mine[2] == copy[2]


def test_run_gail_watches_what_the_loop_plays(ns, demos) -> None:
    """The watched run counts the env steps, groups the episodes by batch, and returns what the loop returned."""
    expert_s, expert_a = demos["states"], demos["actions"].reshape(-1)
    run = check.run_gail(ns["gail"], expert_s, expert_a, cartpoles(), 2_400, 0)
    assert run.seeded and run.budget == 2_400 and len(run.d_losses) == len(run.batches) >= 2
    assert run.env_steps >= 2_400 and run.marks[0] == 0 and run.marks == sorted(run.marks)
    lengths = [length for batch in run.batches for length, _, _ in batch]
    assert sum(lengths) <= run.env_steps and min(lengths) >= 8  # CartPole's shortest fall takes 8 steps or more
    curves = run.curves()
    assert len(curves["env_steps"]) == len(curves["habit"]) == len(curves["d_loss"]) == len(run.batches)
    assert "your GAIL:" in run.summary() and "D's loss" in run.summary()


def _looper(out=None, *, forever=False):
    """A learner's ``gail`` that plays one batch (or never stops) and returns ``out``."""

    def gail(expert_s, expert_a, envs, max_env_steps, seed):
        envs.reset(seed=seed)
        while True:
            envs.step(torch.zeros(envs.num_envs, dtype=torch.int64).numpy())
            if not forever:
                break
        return out

    return gail


RUN_MISTAKES = {
    "your loop played": {"forever": True},
    "return (policy, disc, d_losses)": {"out": None},
    "the first thing returned is the policy": {"out": ("policy", torch.nn.Identity(), [])},
    "the second thing returned is the discriminator": {"out": (torch.nn.Linear(4, 2), "disc", [])},
    "the third thing returned is D's loss at each iteration": {
        "out": (torch.nn.Linear(4, 2), lambda s, a: s[:, 0], object())
    },
}


@pytest.mark.parametrize("message", RUN_MISTAKES)
def test_run_gail_names_what_the_loop_returns_wrong(message: str, demos) -> None:
    kwargs = RUN_MISTAKES[message]
    fn = _looper(kwargs.get("out"), forever=kwargs.get("forever", False))
    with pytest.raises(check.ExerciseError, match=re.escape(message)):
        check.run_gail(fn, demos["states"], demos["actions"].reshape(-1), cartpoles(), 100, 0)


def _signature(**changes: float) -> dict[str, float]:
    """A reference run's signature (as measured), with ``changes``."""
    sig = {"return": 200.0, "habit": 1.40, "expert_habit": 1.43, "gap": 0.03, "len_late": 200.0, "len_max": 200.0,
           "d_early_min": 0.6, "d_late": 1.15, "d_expert": 0.43, "played_per_budget": 1.1}  # fmt: skip
    sig.update(changes)
    sig["gap"] = abs(sig["habit"] - sig["expert_habit"])
    return sig


SIGNATURES = {
    "": {},
    "budget": {"played_per_budget": 0.1, "return": 20.0, "len_late": 20.0},
    "ends_episodes": {"return": 9.3, "len_late": 9.4, "habit": 0.0, "d_early_min": 0.01, "d_expert": 0.0},
    "labels_swapped": {"return": 100.0, "len_late": 90.0, "habit": -0.7, "d_early_min": 0.02, "d_expert": 1.0},
    "d_not_learning": {"habit": 0.0, "d_early_min": 1.36},
    "overshoot": {"habit": 1.95},
    "no_habit": {"habit": 0.1},
    "falls": {"return": 180.0},
}


@pytest.mark.parametrize("key", SIGNATURES)
def test_each_signature_is_named(key: str) -> None:
    sig = _signature(**SIGNATURES[key])
    assert check.likely_mistake(sig) == key
    message = check.diagnose(sig)
    assert (message == "") == (key == "")
    assert "{" not in message, "every placeholder is filled with the run's numbers"


def test_short_episodes_name_the_likelier_cause_first() -> None:
    sign = check.diagnose(_signature(**SIGNATURES["ends_episodes"]))
    fall = check.diagnose(_signature(**{**SIGNATURES["ends_episodes"], "d_early_min": 0.1}))
    assert sign.index("the reward's sign") < sign.index("a fall counted as a truncation")
    assert fall.index("a fall counted as a truncation") < fall.index("the reward's sign")


@pytest.mark.skipif(not MISTAKES, reason="no results of benchmarks/capstone.py mistakes")
@pytest.mark.parametrize("path", MISTAKES, ids=lambda p: p.name)
def test_every_measured_failure_is_named_as_its_mistake(path: Path) -> None:
    """On the measured runs, the reference passes, and every failed run of a mistake is named as that mistake."""
    records = json.loads(path.read_text())["records"]
    assert records
    for record in records:
        assert record["runs"]["none"]["passed"], f"seed {record['seed']}: the reference failed"
        for mistake, run in record["runs"].items():
            if run["passed"] or mistake not in capstone.EXPECTED:
                continue
            got = check.likely_mistake(run["signature"])
            assert got in capstone.EXPECTED[mistake], f"seed {record['seed']}, {mistake}: named {got!r}"
