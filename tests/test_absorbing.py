"""Absorbing-state GAIL: absorbing samples per termination only, the terminal value target, a short smoke run."""

from __future__ import annotations

import math

import pytest
import torch

from helpers import gae
from helpers.absorbing import (
    ABSORBING,
    AbsorbingDiscriminator,
    AbsorbingGAILConfig,
    absorbing_gail_reward,
    centred_reward,
    mean_episode_length,
    random_policy_demos,
    subsample_demos,
    terminal_bootstrap,
    train_absorbing_gail,
    with_absorbing,
)
from helpers.rollout import Episode


def _episode(n: int, terminated: bool) -> Episode:
    term = torch.zeros(n, dtype=torch.bool)
    trunc = torch.zeros(n, dtype=torch.bool)
    term[-1], trunc[-1] = terminated, not terminated
    s = torch.randn(n, 4)
    return Episode(s, torch.randint(0, 2, (n,)), torch.ones(n), torch.randn(n, 4), term, trunc)


def test_one_absorbing_sample_per_termination_none_for_truncation() -> None:
    fell, capped = _episode(5, terminated=True), _episode(7, terminated=False)
    s, a = with_absorbing(fell.states, fell.actions, fell.terminated)
    assert s.shape == (6, 4) and a.shape == (6,)
    assert (a[-1] == ABSORBING) and (s[-1] == 0).all() and (a[:-1] < ABSORBING).all()
    s, a = with_absorbing(capped.states, capped.actions, capped.terminated)
    assert s.shape == (7, 4) and not (a == ABSORBING).any()
    both = torch.cat([fell.terminated, capped.terminated, fell.terminated])
    _, a = with_absorbing(torch.zeros(17, 4), torch.zeros(17, 1, dtype=torch.long), both)
    assert int((a == ABSORBING).sum()) == 2


def test_discriminator_zeroes_the_state_of_absorbing_samples() -> None:
    disc = AbsorbingDiscriminator(hidden=8)
    disc.set_normalization(torch.randn(50, 4) + 3.0)
    x = disc.features(torch.randn(3, 4), torch.tensor([0, 1, ABSORBING]))
    assert x.shape == (3, 7)
    assert (x[2, :4] == 0).all() and x[2, 4:].tolist() == [0.0, 0.0, 1.0]
    assert x[0, 4:].tolist() == [1.0, 0.0, 0.0] and x[1, 4:].tolist() == [0.0, 1.0, 0.0]
    assert disc(torch.randn(3, 4), torch.tensor([0, 1, ABSORBING])).shape == (3,)


def test_terminal_bootstrap_equals_gae_with_terminal_value_r_a_over_1_minus_gamma() -> None:
    gamma, lam, r_a = 0.98, 0.95, -0.4
    ep = _episode(6, terminated=True)
    v, v_next = torch.randn(6), torch.randn(6)
    r = torch.randn(6)
    adv = gae(terminal_bootstrap(r, ep.terminated, r_a, gamma), v, v_next, ep.terminated, ep.truncated, gamma, lam)
    # by hand: the terminated step bootstraps V(s_a) = r_a / (1 - gamma) instead of 0
    v_next_abs = torch.where(ep.terminated, torch.full_like(v_next, r_a / (1 - gamma)), v_next)
    deltas = r + gamma * v_next_abs - v
    expected, running = torch.zeros(6), 0.0
    for t in range(5, -1, -1):
        running = deltas[t] + gamma * lam * running
        expected[t] = running
    assert torch.allclose(adv, expected, atol=1e-5)
    assert torch.allclose(adv[-1] + v[-1], r[-1] + gamma * r_a / (1 - gamma))  # the value target at termination
    capped = _episode(6, terminated=False)
    assert torch.equal(terminal_bootstrap(r, capped.terminated, r_a, gamma), r)  # truncation: unchanged


def test_centred_rewards_are_zero_at_one_half_and_finite() -> None:
    logits = torch.tensor([-1e4, -3.0, 0.0, 3.0, 1e4])
    for kind in ("neg_log_d_centred", "logit"):
        r = centred_reward(logits, kind)
        assert torch.isfinite(r).all() and abs(float(r[2])) < 1e-6 and r[1] > 0 > r[3]
    with pytest.raises(ValueError):
        centred_reward(logits, "neg_log_d")
    disc = AbsorbingDiscriminator(hidden=8)
    r, r_a = absorbing_gail_reward(disc, _episode(5, terminated=True), 0.98)
    assert r.shape == (5,) and torch.isfinite(r).all() and math.isfinite(r_a)


def test_reward_clip_bounds_the_rewards_and_the_absorbing_value() -> None:
    gamma, clip = 0.98, 2.0
    disc = AbsorbingDiscriminator(hidden=8)
    with torch.no_grad():  # a saturated discriminator: logits in the hundreds on every input, absorbing included
        disc.net[-1].weight.mul_(1e3)
        disc.net[-1].bias.fill_(-500.0)
    episode = _episode(5, terminated=True)
    r, r_a = absorbing_gail_reward(disc, episode, gamma)
    assert abs(r_a) > 10 * clip  # unbounded: V(s_a) = r_a / (1 - gamma) is huge
    r, r_a = absorbing_gail_reward(disc, episode, gamma, clip=clip)
    assert abs(r_a) <= clip and (r[:-1].abs() <= clip).all()
    assert abs(float(r[-1])) <= clip + gamma * clip / (1 - gamma) + 1e-4  # the bootstrapped V(s_a) is bounded too
    r_c, r_a_c = absorbing_gail_reward(disc, episode, gamma, kind="neg_log_d_centred", clip=clip)
    assert abs(r_a_c) <= clip + math.log(2.0) and torch.isfinite(r_c).all()


def test_random_demos_and_subsampling() -> None:
    demos = random_policy_demos(200, seed=0)
    assert demos["states"].shape == (200, 4) and demos["actions"].shape == (200, 1)
    assert demos["terminated"].dtype == torch.bool and 3 <= int(demos["terminated"].sum()) <= demos["meta"]["episodes"]
    sub = subsample_demos(demos, 20)
    assert sub["states"].shape == (20, 4) and torch.equal(sub["states"][0], demos["states"][0])
    assert torch.equal(sub["states"][-1], demos["states"][-1])


def test_mean_episode_length_counts_complete_episodes_only() -> None:
    terminated = torch.zeros(10, dtype=torch.bool)
    terminated[[2, 6]] = True  # episodes of 3 and 4 steps, then 3 pairs of an unfinished one
    assert mean_episode_length({"terminated": terminated}) == 3.5
    assert math.isnan(mean_episode_length({"terminated": torch.zeros(5, dtype=torch.bool)}))


def test_short_absorbing_gail_run_is_finite() -> None:
    torch.set_num_threads(1)
    cfg = AbsorbingGAILConfig(max_env_steps=200, disc_steps=3)
    student, hist, disc = train_absorbing_gail(random_policy_demos(100, seed=1), seed=0, config=cfg, progress=False)
    assert hist.env_steps[-1] >= 200 and not hist.stopped_early
    for key in ("d_expert", "d_student", "d_loss", "d_acc", "reward", "r_absorbing", "episode_length"):
        assert len(hist.extra[key]) == len(hist.env_steps) and all(math.isfinite(v) for v in hist.extra[key]), key
    assert torch.isfinite(student.policy(torch.zeros(2, 4))).all()
    assert isinstance(disc, AbsorbingDiscriminator)
    assert cfg.ppo.anneal_lr and student.optimizer.param_groups[0]["lr"] < cfg.ppo.policy_lr  # annealed by the end
