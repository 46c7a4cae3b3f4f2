"""Absorbing states: one absorbing sample per termination only, the terminal value in the reward, random demos."""

from __future__ import annotations

import math

import pytest
import torch

from helpers import gae
from helpers.algorithms.absorbing import (
    ABSORBING,
    AbsorbingDiscriminator,
    absorbing_rewards,
    with_absorbing,
)
from helpers.algorithms.discriminator import gail_reward, reward_from_logits
from helpers.core.demos import mean_episode_length, random_policy_demos, subsample_demos
from helpers.core.networks import UniformPolicy
from helpers.core.rollout import Episode, concat_episodes


def _episode(n: int, terminated: bool) -> Episode:
    term = torch.zeros(n, dtype=torch.bool)
    trunc = torch.zeros(n, dtype=torch.bool)
    term[-1], trunc[-1] = terminated, not terminated
    s = torch.randn(n, 4)
    return Episode(s, torch.randint(0, 2, (n,)), torch.ones(n), torch.randn(n, 4), term, trunc)


def test_one_absorbing_sample_per_termination_none_for_truncation() -> None:
    fell, capped = _episode(5, terminated=True), _episode(7, terminated=False)
    s, a = with_absorbing(fell.states, fell.actions, fell.terminated)
    assert s.shape == (6, 4) and a.shape == (6,) and a.dtype == torch.int64
    assert (a[-1] == ABSORBING) and (s[-1] == 0).all() and (a[:-1] < ABSORBING).all()
    assert torch.equal(s[:-1], fell.states) and torch.equal(a[:-1], fell.actions)
    s, a = with_absorbing(capped.states, capped.actions, capped.terminated)
    assert s.shape == (7, 4) and not (a == ABSORBING).any()
    both = torch.cat([fell.terminated, capped.terminated, fell.terminated])
    _, a = with_absorbing(torch.zeros(17, 4), torch.zeros(17, 1, dtype=torch.long), both)
    assert a.shape == (19,) and int((a == ABSORBING).sum()) == 2  # actions [N, 1] (the demos') work too


def test_discriminator_zeroes_the_state_of_absorbing_samples() -> None:
    disc = AbsorbingDiscriminator(hidden=8)
    disc.set_normalization(torch.randn(50, 4) + 3.0)
    x = disc.features(torch.randn(3, 4), torch.tensor([0, 1, ABSORBING]))
    assert x.shape == (3, 7)
    assert (x[2, :4] == 0).all() and x[2, 4:].tolist() == [0.0, 0.0, 1.0]
    assert x[0, 4:].tolist() == [1.0, 0.0, 0.0] and x[1, 4:].tolist() == [0.0, 1.0, 0.0]
    assert disc(torch.randn(3, 4), torch.tensor([0, 1, ABSORBING])).shape == (3,)
    # Whatever state an absorbing sample carries, the discriminator sees the same input.
    a = torch.tensor([ABSORBING, ABSORBING])
    assert torch.equal(disc.features(torch.randn(2, 4), a), disc.features(torch.randn(2, 4), a))


@torch.no_grad()
def _r_a(disc: AbsorbingDiscriminator, kind: str, clip: float | None) -> float:
    logit = disc(torch.zeros(1, 4), torch.tensor([ABSORBING]))
    return float(reward_from_logits(logit if clip is None else logit.clamp(-clip, clip), kind)[0])


@pytest.mark.parametrize(("kind", "clip"), [("logit", 5.0), ("logit", None), ("log_1m_d", 2.0)])
def test_absorbing_rewards_add_the_absorbing_value_at_terminations_only(kind, clip) -> None:
    torch.manual_seed(0)
    gamma = 0.98
    disc = AbsorbingDiscriminator(hidden=8)
    batch = concat_episodes([_episode(4, True), _episode(5, False), _episode(3, True)])
    rewards, r_a = absorbing_rewards(disc, batch, gamma, kind, clip)
    assert r_a == pytest.approx(_r_a(disc, kind, clip), rel=1e-6)  # r_a = r(s_a), read from D like any pair
    plain = gail_reward(disc, batch.states, batch.actions, kind, clip)
    bonus = gamma * r_a / (1 - gamma)  # gamma * V(s_a), V(s_a) = r_a + gamma r_a + ... = r_a / (1 - gamma)
    expected = plain + batch.terminated.float() * bonus
    assert torch.allclose(rewards, expected, rtol=1e-6, atol=1e-6)
    assert torch.equal(rewards[~batch.terminated], plain[~batch.terminated])  # truncations: unchanged
    assert int(batch.terminated.sum()) == 2 and not rewards.requires_grad


def test_the_absorbing_reward_gives_gae_the_terminal_value_r_a_over_1_minus_gamma() -> None:
    torch.manual_seed(0)
    gamma, lam = 0.98, 0.95
    disc = AbsorbingDiscriminator(hidden=8)
    ep = _episode(6, terminated=True)
    v, v_next = torch.randn(6), torch.randn(6)
    r_prime, r_a = absorbing_rewards(disc, ep, gamma)
    r = gail_reward(disc, ep.states, ep.actions, "logit", 5.0)
    adv = gae(r_prime, v, v_next, ep.terminated, ep.truncated, gamma, lam)
    # by hand: the terminated step bootstraps V(s_a) = r_a / (1 - gamma) instead of 0
    v_next_abs = torch.where(ep.terminated, torch.full_like(v_next, r_a / (1 - gamma)), v_next)
    deltas = r + gamma * v_next_abs - v
    expected, running = torch.zeros(6), 0.0
    for t in range(5, -1, -1):
        running = deltas[t] + gamma * lam * running
        expected[t] = running
    assert torch.allclose(adv, expected, atol=1e-5)
    assert torch.allclose(adv[-1] + v[-1], r[-1] + gamma * r_a / (1 - gamma))  # the value target at termination


def test_reward_clip_bounds_the_rewards_and_the_absorbing_value() -> None:
    gamma, clip = 0.98, 2.0
    disc = AbsorbingDiscriminator(hidden=8)
    with torch.no_grad():  # a saturated discriminator: logits in the hundreds on every input, absorbing included
        disc.net[-1].weight.mul_(1e3)
        disc.net[-1].bias.fill_(-500.0)
    episode = _episode(5, terminated=True)
    r, r_a = absorbing_rewards(disc, episode, gamma, clip=None)
    assert abs(r_a) > 10 * clip  # unbounded: V(s_a) = r_a / (1 - gamma) is huge
    r, r_a = absorbing_rewards(disc, episode, gamma, clip=clip)
    assert abs(r_a) <= clip and (r[:-1].abs() <= clip).all()
    assert abs(float(r[-1])) <= clip + gamma * clip / (1 - gamma) + 1e-4  # the bootstrapped V(s_a) is bounded too
    r, r_a = absorbing_rewards(disc, episode, gamma, kind="log_1m_d", clip=clip)
    assert -clip - math.log(2.0) <= r_a <= 0 and torch.isfinite(r).all()


@pytest.mark.parametrize("kind", ["survival", "nonsense"])
def test_absorbing_rewards_need_a_reward_read_from_d(kind) -> None:
    with pytest.raises(ValueError, match=kind):
        absorbing_rewards(AbsorbingDiscriminator(hidden=8), _episode(3, True), 0.98, kind)


def test_neg_log_d_prices_the_absorbing_state_too() -> None:
    """With -log D, r_a = -log D(s_a) >= 0: falling forfeits the rewards to come instead of costing."""
    torch.manual_seed(0)
    disc, gamma, episode = AbsorbingDiscriminator(hidden=8), 0.98, _episode(3, True)
    r, r_a = absorbing_rewards(disc, episode, gamma, "neg_log_d", clip=2.0)
    per_step = reward_from_logits(disc(episode.states, episode.actions).clamp(-2.0, 2.0), "neg_log_d")
    assert 0 <= r_a <= 2.0 + math.log(2.0) and (per_step >= 0).all()
    assert torch.allclose(r, per_step + episode.terminated.float() * gamma * r_a / (1 - gamma))


def test_random_policy_demos_layout() -> None:
    demos = random_policy_demos(200, seed=0)
    assert set(demos) == {"states", "actions", "terminated", "meta"}
    states, actions, terminated = demos["states"], demos["actions"], demos["terminated"]
    assert states.shape == (200, 4) and states.dtype == torch.float32
    assert actions.shape == (200, 1) and actions.dtype == torch.int64 and ((actions == 0) | (actions == 1)).all()
    assert terminated.shape == (200,) and terminated.dtype == torch.bool
    episodes = demos["meta"]["episodes"]
    assert demos["meta"]["policy"] == "uniform random" and demos["meta"]["seed"] == 0
    # Whole episodes of a coin-flipping policy (each ends by falling, within ~20 steps), the last one cut to fit.
    assert 5 <= episodes <= 30 and int(terminated.sum()) in (episodes - 1, episodes)
    ends = torch.nonzero(terminated).reshape(-1)
    assert (ends[1:] - ends[:-1] >= 8).all()  # no fall within 8 steps, even from the worst start state
    starts = torch.cat([torch.tensor([0]), ends[:-1] + 1])
    assert (states[starts].abs() <= 0.05).all()  # every episode begins at a fresh start state
    again = random_policy_demos(200, seed=0)
    assert all(torch.equal(demos[k], again[k]) for k in ("states", "actions", "terminated"))
    other = random_policy_demos(200, seed=1)
    assert not torch.equal(demos["states"], other["states"])
    small = random_policy_demos(7, seed=0)
    assert small["states"].shape == (7, 4) and torch.equal(small["states"], demos["states"][:7])


def test_uniform_policy_flips_a_fair_coin() -> None:
    logits = UniformPolicy()(torch.randn(5, 4))
    assert logits.shape == (5, 2) and (logits == 0).all()


def test_mean_episode_length_counts_complete_episodes_only() -> None:
    terminated = torch.zeros(10, dtype=torch.bool)
    terminated[[2, 6]] = True  # episodes of 3 and 4 steps, then 3 pairs of an unfinished one
    assert mean_episode_length({"terminated": terminated}) == 3.5
    assert mean_episode_length({"terminated": terminated.reshape(-1, 1)}) == 3.5
    assert math.isnan(mean_episode_length({"terminated": torch.zeros(5, dtype=torch.bool)}))
    demos = random_policy_demos(300, seed=2)
    length = mean_episode_length(demos)
    assert 8 <= length <= 60 and length == pytest.approx(
        float(torch.nonzero(demos["terminated"])[-1] + 1) / int(demos["terminated"].sum())
    )


def test_subsample_demos() -> None:
    demos = random_policy_demos(200, seed=0)
    sub = subsample_demos(demos, 20)
    assert sub["states"].shape == (20, 4) and sub["actions"].shape == (20, 1) and sub["terminated"].shape == (20,)
    assert torch.equal(sub["states"][0], demos["states"][0])  # from step 0
    assert torch.equal(sub["states"][-1], demos["states"][-1])  # evenly spaced to the last pair
    index = torch.linspace(0, 199, 20).round().long()
    for key in ("states", "actions", "terminated"):
        assert torch.equal(sub[key], demos[key][index]), key
    assert sub["meta"] == {**demos["meta"], "subsampled": 20}
    whole = subsample_demos(demos, 500)  # asking for more than there are: all of them
    assert torch.equal(whole["states"], demos["states"])
    no_flags = subsample_demos({"states": demos["states"], "actions": demos["actions"]}, 10)
    assert no_flags["terminated"].shape == (10,) and not no_flags["terminated"].any()  # the expert's file has none
    assert no_flags["meta"] == {"subsampled": 10}
