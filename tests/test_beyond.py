"""Notebook 06's helpers: DAgger's aggregation, AIRL's discriminator and rewards, the changed CartPole, frozen-reward
students, the Minari round trip and its errors, and the seed sweep's --reuse-data."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch

import helpers
from benchmarks import check_seeds
from helpers.algorithms import dagger
from helpers.algorithms.airl import (
    AIRLConfig,
    AIRLDiscriminator,
    RewardStudentConfig,
    airl_loss,
    expert_transitions,
    log_prob,
    train_airl,
    train_on_reward,
)
from helpers.core.demos import subsample_demos
from helpers.core.env import LONG_POLE, CartPoleBatch, cartpole_step, check_physics
from helpers.core.rules import ParameterError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def demos() -> dict:
    return helpers.load_demos(ROOT / "data" / "expert_demos.pt", n=200)


@pytest.fixture(scope="module")
def expert() -> torch.nn.Module:
    return helpers.load_policy(ROOT / "data" / "expert_policy.pt")


# ---------------------------------------------------------------- DAgger


def test_aggregate_keeps_every_old_pair_first():
    s, a = torch.randn(3, 4), torch.tensor([[0], [1], [0]])
    ns, na = torch.randn(2, 4), torch.tensor([1, 1])
    states, actions = dagger.aggregate(s, a, ns, na)
    assert states.shape == (5, 4) and actions.shape == (5, 1) and actions.dtype == torch.int64
    assert torch.equal(states[:3], s) and torch.equal(states[3:], ns)
    assert actions.reshape(-1).tolist() == [0, 1, 0, 1, 1]


def test_round_labels_share_out_the_labels():
    def config(**fields):
        return dagger.DAggerConfig(**{"labels": 20, "bc_epochs": 10, **fields})

    assert config(labels=20, initial=10, rounds=2).round_labels() == [5, 5]
    assert config(labels=20, initial=5, rounds=4).round_labels() == [4, 4, 4, 3]
    assert config(labels=7, initial=7, rounds=0).round_labels() == []
    assert (config(labels=20).initial, config(labels=7, rounds=0).initial) == (10, 7)  # half, or all of them
    with pytest.raises(ParameterError, match="initial"):
        config(labels=10, initial=11)
    with pytest.raises(ParameterError, match="DAggerConfig.rounds"):
        config(rounds=-1)


def test_expert_labels_are_its_greedy_actions(demos, expert):
    labels = dagger.expert_labels(expert, demos["states"])
    assert labels.shape == (200, 1) and labels.dtype == torch.int64
    assert torch.equal(labels, demos["actions"])  # a greedy demo holds the expert's own choices


def test_train_dagger_aggregates_the_expert_labels_of_learner_states(demos, expert):
    config = dagger.DAggerConfig(labels=16, initial=6, rounds=2, bc_epochs=5)
    policy, data, hist = dagger.train_dagger(demos, expert, seed=3, config=config)
    assert hist.labels == [6, 11, 16] and len(data["states"]) == 16
    d0 = subsample_demos(demos, 6)
    assert torch.equal(data["states"][:6], d0["states"]) and torch.equal(data["actions"][:6], d0["actions"])
    assert torch.equal(data["actions"][6:], dagger.expert_labels(expert, data["states"][6:]))
    assert hist.env_steps[-1] > 0 and policy(torch.zeros(1, 4)).shape == (1, 2)
    again = dagger.train_dagger(demos, expert, seed=3, config=config)[1]
    assert torch.equal(again["states"], data["states"])  # seeded: the same run twice


# ---------------------------------------------------------------- AIRL


def test_airl_logit_is_log_pi_minus_f_and_h_stops_at_a_termination():
    torch.manual_seed(0)
    disc = AIRLDiscriminator(8, gamma=0.9)
    s, s2 = torch.randn(5, 4), torch.randn(5, 4)
    term = torch.tensor([False, True, False, False, True])
    log_pi = torch.log(torch.rand(5))
    f = disc.f(s, s2, term)
    assert f.shape == (5,)
    expected = disc.g(s) + 0.9 * (~term).float() * disc.h(s2) - disc.h(s)
    assert torch.allclose(f, expected)
    assert torch.allclose(f[1], disc.g(s[1:2])[0] - disc.h(s[1:2])[0])  # no h(s') after the pole fell
    logit = disc(s, s2, term, log_pi)
    assert torch.allclose(logit, log_pi - f)
    # D, the probability of the STUDENT (expert 0): pi / (exp f + pi)
    pi = log_pi.exp()
    assert torch.allclose(torch.sigmoid(logit), pi / (f.exp() + pi), atol=1e-6)


def test_airl_rewards_shape_and_sign():
    torch.manual_seed(1)
    disc = AIRLDiscriminator(8)
    s = torch.randn(7, 4) * 3
    raw, soft = disc.reward(s, "raw"), disc.reward(s)
    assert raw.shape == soft.shape == (7,) and not soft.requires_grad
    assert (soft > 0).all() and torch.allclose(soft, torch.nn.functional.softplus(raw))
    with pytest.raises(ValueError, match="unknown reward kind"):
        disc.reward(s, "nope")


def test_airl_loss_labels_the_expert_0(demos):
    """A few steps on the loss push the expert's logits down (D -> 0) and the student's up (D -> 1)."""
    torch.manual_seed(2)
    disc = AIRLDiscriminator(16)
    disc.set_normalization(demos["states"])
    e = expert_transitions(demos)
    uniform = torch.full((200,), math.log(0.5))
    side_e = {**e, "log_pi": uniform}
    random_s = torch.rand(200, 4) * 0.4 - 0.2
    side_s = {"states": random_s, "next_states": random_s, "terminated": torch.zeros(200, dtype=torch.bool),
              "log_pi": uniform}  # fmt: skip
    opt = helpers.Adam(disc.parameters(), lr=1e-2)
    for _ in range(50):
        loss = airl_loss(disc, side_e, side_s)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        le = disc(e["states"], e["next_states"], e["terminated"], uniform)
        ls = disc(random_s, random_s, side_s["terminated"], uniform)
    assert le.mean() < 0 < ls.mean()
    assert disc.reward(e["states"]).mean() > disc.reward(random_s).mean()  # g is higher where the expert was


def test_expert_transitions_step_the_demo(demos):
    e = expert_transitions(demos)
    assert e["next_states"].shape == (200, 4) and e["next_states"].dtype == torch.float32
    # the next state of pair t is (up to float32 rounding) the demo's state t + 1
    assert torch.allclose(e["next_states"][:-1], demos["states"][1:], atol=1e-5)


def test_log_prob_matches_the_policy(demos, expert):
    lp = log_prob(expert, demos["states"], demos["actions"])
    assert lp.shape == (200,) and (lp <= 0).all()


def test_train_airl_and_a_frozen_reward_student_run_briefly(demos):
    config = AIRLConfig(max_env_steps=400, disc_steps=2, ppo=helpers.student_ppo_config())
    student, hist, disc = train_airl(demos, seed=0, config=config, progress=False)
    assert hist.env_steps[-1] >= 400 and "d_acc" in hist.extra and 0 <= hist.extra["d_acc"][-1] <= 1
    assert all(r > 0 for r in hist.extra["reward"])  # -log D is positive
    s, h = train_on_reward(lambda b: disc.reward(b.states), 0, RewardStudentConfig(max_env_steps=400), LONG_POLE)
    assert h.env_steps[-1] >= 400 and s.policy(torch.zeros(1, 4)).shape == (1, 2)
    with pytest.raises(ParameterError, match="AIRLConfig.reward"):
        AIRLConfig(reward="survival")


# ---------------------------------------------------------------- the changed CartPole


def test_long_pole_changes_only_its_own_instance():
    envs = CartPoleBatch(3, physics=LONG_POLE)
    assert envs.length == 1.0 and CartPoleBatch.length == 0.5 and CartPoleBatch(3).length == 0.5


def test_long_pole_changes_the_dynamics_and_empty_physics_does_not():
    a = np.array([1, 0, 1])
    steps = {}
    for name, physics in {"default": None, "empty": {}, "long": LONG_POLE}.items():
        envs = CartPoleBatch(3, physics=physics)
        envs.reset(seed=4)
        steps[name] = envs.step(a)[0]
    assert np.array_equal(steps["default"], steps["empty"])
    assert not np.allclose(steps["default"][:, 3], steps["long"][:, 3])  # the pole's angular acceleration differs
    assert np.array_equal(steps["default"][:, 0], steps["long"][:, 0])  # x moves by tau * x_dot either way


def test_check_physics_refuses_unknown_or_bad_constants():
    assert check_physics({"length": 1}) == {"length": 1.0}
    with pytest.raises(ValueError, match="unknown CartPole constant 'mass'"):
        check_physics({"mass": 1.0})
    for bad in (0, -1.0, float("nan"), float("inf"), True, "1"):
        with pytest.raises(ValueError, match="positive number"):
            check_physics({"force_mag": bad})


def test_cartpole_step_and_run_episodes_in_the_changed_world(expert):
    envs = CartPoleBatch(2, physics=LONG_POLE)
    s = envs.reset(seed=1)
    nxt = envs.step(np.array([0, 1]))[0]
    assert np.allclose(cartpole_step(s, np.array([0, 1]), LONG_POLE), nxt, atol=1e-6)
    usual = helpers.run_episodes(expert, 5, seed=9)
    long = helpers.run_episodes(expert, 5, seed=9, physics=LONG_POLE)
    assert torch.equal(usual[0].states[0], long[0].states[0])  # the same start states
    assert np.mean([len(e) for e in long]) < np.mean([len(e) for e in usual])  # the expert falls with the long pole


# ---------------------------------------------------------------- Minari


minari = pytest.importorskip("minari", reason="minari missing: `make setup` installs requirements.txt")
from helpers.files import minari_io  # noqa: E402


def test_minari_round_trip(tmp_path, demos, monkeypatch):
    monkeypatch.delenv("MINARI_DATASETS_PATH", raising=False)
    path = minari_io.save_minari_demos(demos, tmp_path, seed=0)
    assert path == tmp_path / minari_io.MINARI_DATASET
    assert sorted(p.name for p in (path / "data").iterdir()) == ["main_data.hdf5", "metadata.json"]
    assert [p.name for p in tmp_path.iterdir()] == [minari_io.MINARI_DATASET]  # no temporary folder left
    back = minari_io.load_minari_demos(tmp_path)
    for key in ("states", "actions", "terminated"):
        assert torch.equal(back[key], demos[key]) and back[key].dtype == demos[key].dtype
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path))
    episode = minari.load_dataset(minari_io.MINARI_DATASET)[0]
    assert episode.observations.shape == (201, 4) and episode.actions.shape == (200,)
    assert bool(episode.truncations[-1]) and not episode.terminations.any()
    assert np.allclose(episode.rewards, helpers.habit_reward(episode.observations[1:, 0].astype(float)))
    assert "MINARI_DATASETS_PATH" in os.environ  # our save restored it...
    minari_io.save_minari_demos(demos, tmp_path)  # ... and replacing the dataset works, atomically
    assert os.environ["MINARI_DATASETS_PATH"] == str(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == [minari_io.MINARI_DATASET]


def _hint(path: Path) -> str:
    return f"{path.name}.*notebooks/06_beyond_gail.ipynb"


def test_minari_bad_files_give_clear_errors(tmp_path, demos):
    with pytest.raises(helpers.DataFileError, match="dataset not found.*06_beyond_gail"):
        minari_io.load_minari_demos(tmp_path)
    path = minari_io.save_minari_demos(demos, tmp_path)
    main, meta = path / "data" / "main_data.hdf5", path / "data" / "metadata.json"
    good_main, good_meta = main.read_bytes(), meta.read_text()
    main.write_bytes(good_main[: len(good_main) // 2])  # truncated
    with pytest.raises(helpers.DataFileError, match="cartpole-habit-expert-v0.*corrupt.*06_beyond_gail"):
        minari_io.load_minari_demos(tmp_path)
    main.write_bytes(b"not an hdf5 file at all")
    with pytest.raises(helpers.DataFileError, match="not an HDF5 file"):
        minari_io.load_minari_demos(tmp_path)
    main.write_bytes(good_main)
    meta.write_text("{ half")
    with pytest.raises(helpers.DataFileError, match="metadata.json is not readable JSON"):
        minari_io.load_minari_demos(tmp_path)
    other = json.loads(good_meta)
    other["action_space"] = other["action_space"].replace('"n": 2', '"n": 3')
    meta.write_text(json.dumps(other))
    if other["action_space"] != json.loads(good_meta)["action_space"]:
        with pytest.raises(helpers.DataFileError, match="action space"):
            minari_io.load_minari_demos(tmp_path)
    meta.unlink()
    with pytest.raises(helpers.DataFileError, match="metadata.json is missing"):
        minari_io.load_minari_demos(tmp_path)


def test_minari_save_refuses_bad_demos(tmp_path, demos):
    bad = {**demos, "states": demos["states"].clone()}
    bad["states"][3, 0] = float("nan")
    with pytest.raises(helpers.DataFileError, match="refused to save.*NaN"):
        minari_io.save_minari_demos(bad, tmp_path)
    assert not (tmp_path / minari_io.MINARI_DATASET).exists()


# ---------------------------------------------------------------- the seed sweep


def test_check_seeds_runs_every_notebook_by_default_and_reuses_data(tmp_path, monkeypatch):
    assert check_seeds.select_notebooks("all") == [p.name for p in check_seeds.NOTEBOOKS]
    assert any(n.startswith("06_") for n in check_seeds.select_notebooks("all"))
    assert [n[:2] for n in check_seeds.select_notebooks("06-06")] == ["06"]
    assert [n[:2] for n in check_seeds.select_notebooks("01-02")] == ["01", "02"]
    monkeypatch.setattr(check_seeds, "BUILD", tmp_path)
    work, missing = check_seeds.prepare_data(7, "native", reuse_data=True)
    assert work == tmp_path / "native" / "seed-7" and "run the earlier notebooks" in missing
    saved = dict(os.environ)  # run_seed sets a worker's environment: restore this process's
    try:
        result = check_seeds.run_seed(7, ["06_beyond_gail.ipynb"], "native", False, reuse_data=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert result["notebooks"]["06"]["status"] == "fail" and "--reuse-data" in result["notebooks"]["06"]["message"]
    work, missing = check_seeds.prepare_data(7, "native")  # a fresh copy of data/
    assert missing is None and sorted(p.name for p in (work / "data").iterdir()) == sorted(
        p.name for p in (ROOT / "data").glob("*.pt")
    )
    (work / "data" / "expert_demos.pt").write_bytes(b"kept from an earlier run")
    (work / "data" / "extra").mkdir()
    work, missing = check_seeds.prepare_data(7, "native", reuse_data=True)
    assert missing is None and (work / "data" / "expert_demos.pt").read_bytes() == b"kept from an earlier run"
    assert (work / "data" / "extra").is_dir()
