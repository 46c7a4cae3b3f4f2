"""Notebook 07's Pendulum: PendulumBatch = Gymnasium step for step, the tilt, the Gaussian policy, GAIL's continuous
discriminator, the demonstrations' file and Minari dataset, and the training loops on a tiny budget."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch

from helpers.algorithms import pendulum as P
from helpers.algorithms.bc import gaussian_bc_loss
from helpers.algorithms.discriminator import ContinuousDiscriminator
from helpers.core.networks import GaussianPolicy
from helpers.core.pendulum import (
    MAX_TORQUE,
    PENDULUM_ID,
    TILT,
    TILT_WEIGHT,
    PendulumBatch,
    angle_normalize,
    ends_upright,
    pendulum_reward,
    pendulum_step,
    tilt_of,
    tilt_stats,
)
from helpers.core.rollout import Episode
from helpers.files.data import DataFileError, load_demos, save_demos
from helpers.files.minari_io import load_minari_demos, save_minari_demos


def test_batch_matches_gymnasium_step_for_step():
    """Gymnasium's own Pendulum-v1 and PendulumBatch, from the same start states and with the same torques (some far
    beyond ±2 N·m, which both clip): the same observations, rewards and truncations at every one of 200 steps."""
    n = 12
    batch = PendulumBatch(n)
    obs = batch.reset(seed=0)
    assert obs.dtype == np.float32 and obs.shape == (n, 3)
    envs = [gym.make(PENDULUM_ID) for _ in range(n)]
    for i, env in enumerate(envs):
        env.reset(seed=100 + i)
        env.unwrapped.state = batch.state[i].copy()
    rng = np.random.default_rng(1)
    for t in range(1, 201):
        torques = rng.normal(0.0, 3.0, (n, 1)).astype(np.float32)
        obs, rewards, terminated, truncated = batch.step(torques)
        assert obs.dtype == np.float32 and rewards.dtype == np.float32
        assert not terminated.any() and truncated.all() == (t == 200) and truncated.any() == (t == 200)
        for i, env in enumerate(envs):
            g_obs, g_reward, g_terminated, g_truncated, _ = env.step(torques[i])
            np.testing.assert_allclose(obs[i], g_obs, rtol=1e-6, atol=1e-6, err_msg=f"pendulum {i}, step {t}")
            assert rewards[i] == pytest.approx(g_reward, rel=1e-6, abs=1e-5), (i, t)
            assert (g_terminated, g_truncated) == (False, t == 200), (i, t)


def test_start_states_are_gymnasiums_and_reset_is_reproducible():
    a, b = PendulumBatch(500), PendulumBatch(500)
    first = a.reset(seed=3)
    assert np.array_equal(first, b.reset(seed=3))
    theta, theta_dot = a.state.T
    assert (np.abs(theta) <= np.pi).all() and (np.abs(theta_dot) <= 1).all()
    assert theta.min() < -2.5 and theta.max() > 2.5  # anywhere on the circle, the bottom included
    assert not np.array_equal(a.reset(), first)


def test_the_tilt_reward_pays_most_at_the_tilt():
    thetas = np.linspace(-np.pi, np.pi, 2001)
    zeros = np.zeros_like(thetas)
    paid = pendulum_reward(thetas, zeros, zeros, TILT)
    assert thetas[np.argmax(paid)] == pytest.approx(TILT, abs=2e-3)
    own = pendulum_reward(thetas, zeros, zeros)
    assert thetas[np.argmax(own)] == pytest.approx(0.0, abs=2e-3)
    # holding upright instead of at the tilt costs the squared and the absolute term
    upright = pendulum_reward(np.array([0.0]), np.zeros(1), np.zeros(1), TILT)[0]
    assert upright == pytest.approx(-(TILT**2 + TILT_WEIGHT * TILT))
    assert angle_normalize(3 * np.pi / 2) == pytest.approx(-np.pi / 2)


def test_pendulum_step_recomputes_a_recorded_step():
    batch = PendulumBatch(5, tilt=TILT)
    obs = batch.reset(seed=1)
    torques = np.array([[-3.0], [-1.0], [0.0], [1.5], [2.5]], np.float32)
    next_obs, rewards, _, _ = batch.step(torques)
    again, paid = pendulum_step(obs, torques, TILT)
    np.testing.assert_allclose(again, next_obs, atol=1e-5)
    np.testing.assert_allclose(paid, rewards, rtol=1e-5, atol=1e-5)


def _episode(theta: np.ndarray) -> Episode:
    states = torch.tensor(np.stack([np.cos(theta), np.sin(theta), np.zeros_like(theta)], 1), dtype=torch.float32)
    n = len(theta)
    flags = torch.zeros(n, dtype=torch.bool)
    return Episode(states, torch.zeros(n, 1), torch.full((n,), -1.0), states, flags, flags)


def test_only_episodes_that_end_upright_have_a_tilt():
    tilted = _episode(np.r_[np.full(100, 3.0), np.full(100, 0.2)])  # swung up, then held at 0.2
    hanging = _episode(np.full(200, np.pi - 0.01) * np.resize([1, -1], 200))  # at ±π: its mean angle is about 0
    assert ends_upright(tilted.states) and tilt_of(tilted.states) == pytest.approx(0.2, abs=1e-6)
    assert not ends_upright(hanging.states) and math.isnan(tilt_of(hanging.states))
    stats = tilt_stats([tilted, hanging])
    assert stats["upright"] == 0.5 and stats["tilt"] == pytest.approx(0.2, abs=1e-6) and stats["return"] == -200
    assert math.isnan(tilt_stats([hanging])["tilt"])


def test_gaussian_policy_log_prob_is_the_normal_density():
    torch.manual_seed(0)
    policy = GaussianPolicy(3, 2, 16, action_scale=MAX_TORQUE, log_std=-0.3)
    s, a = torch.randn(7, 3), torch.randn(7, 2) * 3
    logp, entropy = policy.log_prob_entropy(s, a)
    mu, sigma = policy(s), MAX_TORQUE * math.exp(-0.3)
    by_hand = (-((a - mu) ** 2) / (2 * sigma**2) - math.log(sigma) - 0.5 * math.log(2 * math.pi)).sum(-1)
    torch.testing.assert_close(logp, by_hand)
    assert entropy.item() == pytest.approx(2 * (0.5 + 0.5 * math.log(2 * math.pi) + math.log(sigma)), rel=1e-5)
    assert torch.equal(policy.act(s, greedy=True), mu)
    assert policy.act(s).shape == (7, 2)
    assert gaussian_bc_loss(policy, s, a).item() == pytest.approx(-logp.mean().item())


def test_the_discriminator_reads_the_applied_torque():
    disc = ContinuousDiscriminator(8, 3, 1, MAX_TORQUE)
    s = torch.randn(4, 3)
    raw = torch.tensor([[-5.0], [-2.0], [1.0], [3.0]])
    features = disc.features(s, raw)
    assert features.shape == (4, 4)
    assert features[:, 3].tolist() == [-1.0, -1.0, 0.5, 1.0]
    assert torch.equal(disc(s, raw), disc(s, raw.clamp(-2, 2)))  # beyond the limit: what the pendulum felt


def test_demos_are_saved_and_loaded_with_their_layout(tmp_path):
    torch.manual_seed(0)
    policy = P.pendulum_agent().policy
    demos = P.record_pendulum_demos(policy, seed=5, n_episodes=2)
    assert demos["states"].shape == (400, 3) and demos["actions"].shape == (400, 1)
    assert demos["actions"].dtype == torch.float32 and demos["actions"].abs().max() <= MAX_TORQUE
    path = save_demos(demos["states"], demos["actions"], tmp_path / "pendulum_demos.pt", demos["terminated"],
                      **demos["meta"])  # fmt: skip
    back = load_demos(path, env_id=PENDULUM_ID)
    assert torch.equal(back["states"], demos["states"]) and torch.equal(back["actions"], demos["actions"])
    with pytest.raises(DataFileError, match="demonstrations of 'Pendulum-v1', not of 'CartPole-v1'"):
        load_demos(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d | {"actions": d["actions"] * 0 + 2.5}, "torque of 2.5 N·m, beyond the ±2"),
        (lambda d: d | {"actions": d["actions"].double()}, "dtype torch.float64, expected torch.float32"),
        (lambda d: d | {"actions": d["actions"].reshape(-1)}, r"'actions' has shape \[400\], expected \[400, 1\]"),
        (lambda d: d | {"states": d["states"][:, :2]}, r"'states' has shape \[400, 2\], expected \[N, 3\]"),
        (lambda d: d | {"states": d["states"] * torch.tensor([0.5, 0.5, 1.0])}, "not cos θ and sin θ"),
        (lambda d: d | {"states": d["states"] * torch.tensor([1.0, 1.0, 100.0]) + 9}, "outside the range"),
    ],
)
def test_bad_pendulum_demos_are_refused_by_name(tmp_path, change, message):
    torch.manual_seed(0)
    demos = change(P.record_pendulum_demos(P.pendulum_agent().policy, seed=5, n_episodes=2))
    with pytest.raises(DataFileError, match=message):
        save_demos(demos["states"], demos["actions"], tmp_path / "x.pt", demos["terminated"], **demos["meta"])


def test_minari_dataset_round_trip(tmp_path):
    torch.manual_seed(0)
    demos = P.record_pendulum_demos(P.pendulum_agent().policy, seed=5, n_episodes=3)
    path = save_minari_demos(demos, tmp_path, "pendulum-test-v0", seed=5)
    back = load_minari_demos(tmp_path, "pendulum-test-v0", env_id=PENDULUM_ID)
    assert torch.equal(back["states"], demos["states"]) and torch.equal(back["actions"], demos["actions"])
    assert back["meta"]["episodes"] == 3
    with pytest.raises(DataFileError, match="holds 3 episodes, expected the demonstration's one"):
        load_minari_demos(tmp_path, "pendulum-test-v0")  # read as CartPole's
    assert (path / "data" / "main_data.hdf5").is_file()


def test_training_loops_run_on_a_tiny_budget():
    """The expert's loop, GAIL's and BC's run end to end on Pendulum (the sweep measures what they learn)."""
    torch.set_num_threads(1)
    config = P.pendulum_ppo_config(n_envs=4, batch_steps=800, minibatches=2, epochs=1)
    expert, hist = P.train_on_pendulum(0, TILT, max_env_steps=1600, config=config, progress=False)
    assert hist.env_steps == [800, 1600] and len(hist.episode_habit) == 2
    demos = P.record_pendulum_demos(expert.policy, seed=1, n_episodes=2)
    gail_config = P.pendulum_gail_config(ppo=config, max_env_steps=1600, disc_steps=2, disc_batch=64)
    student, ghist, disc = P.train_pendulum_gail(demos, 0, gail_config, progress=False)
    assert isinstance(disc, ContinuousDiscriminator) and ghist.env_steps[-1] == 1600 and "d_loss" in ghist.extra
    bc, losses = P.train_pendulum_bc(demos, 0, epochs=20)
    assert losses[-1] < losses[0]
    episodes = P.pendulum_episodes(bc, 3, seed=9)
    assert len(episodes) == 3 and all(len(e) == 200 for e in episodes)
