"""Playing episodes: one at a time and in batches (the same episodes), reproducible evaluations, what they measure."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from torch import nn

from helpers.core.env import MAX_STEPS, X_LIMIT, CartPoleBatch, habit_reward, make_env
from helpers.core.networks import PolicyNet
from helpers.core.rollout import (
    HABIT_WINDOW,
    Episode,
    agreement,
    choose_actions,
    collect,
    concat_episodes,
    evaluate,
    habit_of,
    mean_habit,
    play_batch,
    play_episode,
    run_episodes,
)


class Balancer(nn.Module):
    """A hand-made policy that balances (push toward where the pole and cart drift): logits [N, 2]."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        x, x_dot, theta, theta_dot = states.T
        z = 10.0 * (theta + 0.5 * theta_dot + 0.05 * x + 0.1 * x_dot)
        return torch.stack([-z, z], -1)


class AlwaysRight(nn.Module):
    """Logits that always prefer action 1."""

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return torch.tensor([0.0, 1.0]).expand(len(states), 2)


def _policy(seed: int = 0) -> PolicyNet:
    torch.manual_seed(seed)
    return PolicyNet()


def _fell(state: torch.Tensor) -> bool:
    """The end of CartPole: the cart off the track or the pole beyond 12 degrees."""
    return bool(abs(state[0]) > X_LIMIT or abs(state[2]) > 12 * 2 * math.pi / 360)


def _check_episode(ep: Episode, cap: int, habit_x: float | None = None) -> None:
    n = len(ep)
    assert 1 <= n <= cap
    assert ep.states.shape == (n, 4) and ep.states.dtype == torch.float32
    assert ep.next_states.shape == (n, 4) and ep.next_states.dtype == torch.float32
    assert ep.actions.shape == (n,) and ep.actions.dtype == torch.int64
    assert ((ep.actions == 0) | (ep.actions == 1)).all()
    assert ep.rewards.shape == (n,) and ep.rewards.dtype == torch.float32
    assert ep.terminated.shape == ep.truncated.shape == (n,)
    assert ep.terminated.dtype == ep.truncated.dtype == torch.bool
    assert torch.equal(ep.next_states[:-1], ep.states[1:])
    ends = ep.terminated | ep.truncated
    assert int(ends.sum()) == 1 and bool(ends[-1]), "exactly one end flag, on the last step"
    assert not (ep.terminated[-1] and ep.truncated[-1])
    assert bool(ep.terminated[-1]) == _fell(ep.next_states[-1]), "terminated iff the pole fell"
    assert not any(_fell(s) for s in ep.states), "no step after a fall"
    if n < cap:
        assert ep.terminated[-1], "an episode shorter than the cap must have fallen"
    else:
        assert ep.truncated[-1] or ep.terminated[-1]
    expected = habit_reward(ep.next_states[:, 0].numpy(), habit_x)
    np.testing.assert_allclose(ep.rewards.numpy(), expected, rtol=1e-6)
    assert ep.ret == pytest.approx(float(ep.rewards.sum()))


# ---------------------------------------------------------------- one episode, a batch of episodes


def test_play_episode_shapes_and_flags():
    ep = play_episode(make_env(0), _policy(), greedy=False, seed=0)
    _check_episode(ep, MAX_STEPS)
    assert ep.ret == len(ep)  # CartPole pays 1 per step
    capped = play_episode(make_env(0, max_steps=30, habit_x=0.5), Balancer(), greedy=True, seed=0)
    _check_episode(capped, 30, habit_x=0.5)
    assert len(capped) == 30 and capped.truncated[-1]


@pytest.mark.parametrize(
    ("policy", "greedy", "cap", "habit_x"),
    [(_policy(0), False, MAX_STEPS, None), (_policy(1), True, 50, 1.0), (Balancer(), False, 60, -0.5)],
    ids=["sampled", "greedy", "balancer"],
)
def test_play_batch_shapes_dtypes_and_flags(policy, greedy, cap, habit_x):
    torch.manual_seed(0)
    episodes = play_batch(CartPoleBatch(12, habit_x=habit_x, max_steps=cap), policy, greedy=greedy, seed=5)
    assert len(episodes) == 12
    for ep in episodes:
        _check_episode(ep, cap, habit_x)
    lengths = [len(e) for e in episodes]
    if isinstance(policy, Balancer):
        assert sum(e.truncated[-1] for e in episodes) >= 6  # sampled, it mostly balances to the cap
    else:
        assert any(e.terminated[-1] for e in episodes) and len(set(lengths)) > 1  # an untrained network falls


class StartAt(gym.Wrapper):
    """Start each episode in the given state (Gymnasium's float64 state), whatever reset drew."""

    def __init__(self, env: gym.Env, start: np.ndarray) -> None:
        super().__init__(env)
        self.start = start

    def reset(self, **kwargs):
        self.env.reset(**kwargs)
        self.env.unwrapped.state = self.start.copy()
        return self.start.astype(np.float32), {}


@pytest.mark.parametrize("policy", [Balancer(), _policy(1)], ids=["balancer", "network"])
def test_play_batch_greedy_gives_the_episodes_play_episode_gives(policy):
    n, cap, habit_x, seed = 5, 120, 1.0, 9
    probe = CartPoleBatch(n)
    probe.reset(seed)  # the start states play_batch will draw with this seed
    batched = play_batch(CartPoleBatch(n, habit_x=habit_x, max_steps=cap), policy, greedy=True, seed=seed)
    for i, ep in enumerate(batched):
        env = StartAt(make_env(max_steps=cap, habit_x=habit_x), probe.state[i])
        single = play_episode(env, policy, greedy=True, seed=0)
        assert len(single) == len(ep), f"episode {i}"
        assert torch.equal(single.actions, ep.actions)
        assert torch.allclose(single.states, ep.states, rtol=1e-6, atol=1e-7)
        assert torch.allclose(single.next_states, ep.next_states, rtol=1e-6, atol=1e-7)
        assert torch.allclose(single.rewards, ep.rewards, rtol=1e-6, atol=1e-6)
        assert torch.equal(single.terminated, ep.terminated) and torch.equal(single.truncated, ep.truncated)


def test_collect_returns_whole_episodes_of_at_least_min_steps():
    envs, policy = CartPoleBatch(4), _policy()
    torch.manual_seed(0)
    episodes = collect(envs, policy, min_steps=300, seed=0)
    total = sum(len(e) for e in episodes)
    assert total >= 300 and len(episodes) % 4 == 0 and len(episodes) > 4
    assert sum(len(e) for e in episodes[:-4]) < 300  # it stops at the first batch that reaches min_steps
    for ep in episodes:
        _check_episode(ep, MAX_STEPS)
    torch.manual_seed(0)
    again = collect(CartPoleBatch(4), policy, min_steps=300, seed=0)
    assert [len(e) for e in again] == [len(e) for e in episodes]
    assert all(torch.equal(a.states, b.states) for a, b in zip(again, episodes, strict=True))
    assert len(collect(envs, policy)) == 4  # min_steps 0: one batch
    batch = concat_episodes(episodes)
    assert len(batch) == total and int((batch.terminated | batch.truncated).sum()) == len(episodes)
    assert torch.equal(batch.states[: len(episodes[0])], episodes[0].states)
    assert batch.ret == pytest.approx(sum(e.ret for e in episodes))


# ---------------------------------------------------------------- sampling actions


def test_choose_actions_samples_each_action_with_its_softmax_probability():
    torch.manual_seed(0)
    n = 40_000
    for probs in ([0.5, 0.5], [0.2, 0.8], [0.97, 0.03], [0.1, 0.3, 0.6]):
        p = torch.tensor(probs)
        logits = (p.log() + 3.0).expand(n, len(probs))  # softmax ignores the shift
        actions = choose_actions(logits, greedy=False)
        assert actions.shape == (n,) and actions.dtype == torch.int64
        freq = torch.bincount(actions, minlength=len(probs)).float() / n
        assert torch.allclose(freq, p, atol=0.01), (probs, freq.tolist())  # ~4 standard errors
    mixed = torch.tensor([[0.0, 0.0], [-100.0, 100.0], [100.0, -100.0]]).repeat(n // 3, 1)
    actions = choose_actions(mixed, greedy=False).reshape(-1, 3)
    assert (actions[:, 1] == 1).all() and (actions[:, 2] == 0).all()
    assert abs(actions[:, 0].float().mean() - 0.5) < 0.02
    logits = torch.tensor([[0.1, 0.2], [3.0, -1.0], [0.0, 0.5]])
    assert choose_actions(logits, greedy=True).tolist() == [1, 0, 1]


def test_choose_actions_uses_torchs_generator():
    logits = torch.zeros(100, 2)
    torch.manual_seed(3)
    a = choose_actions(logits, greedy=False)
    torch.manual_seed(3)
    assert torch.equal(a, choose_actions(logits, greedy=False))


# ---------------------------------------------------------------- evaluation


def test_run_episodes_is_reproducible_for_a_seed_and_restores_torchs_rng():
    policy = _policy()
    for greedy in (True, False):
        torch.manual_seed(1)
        a = run_episodes(policy, 5, greedy=greedy, seed=3)
        torch.manual_seed(2)  # whatever the global generator held before
        b = run_episodes(policy, 5, greedy=greedy, seed=3)
        for x, y in zip(a, b, strict=True):
            assert torch.equal(x.states, y.states) and torch.equal(x.actions, y.actions)
    other = run_episodes(policy, 5, greedy=False, seed=4)
    assert not all(torch.equal(x.states[:1], y.states[:1]) for x, y in zip(a, other, strict=True))
    torch.manual_seed(123)
    expected = torch.rand(5)
    torch.manual_seed(123)
    run_episodes(policy, 5, greedy=False, seed=3)
    assert torch.equal(torch.rand(5), expected), "run_episodes must leave torch's global generator as it found it"
    capped = run_episodes(Balancer(), 3, seed=0, habit_x=0.5, max_steps=40)
    for ep in capped:
        _check_episode(ep, 40, habit_x=0.5)
        assert len(ep) == 40


def test_evaluate_returns_episode_lengths_within_the_cap():
    policy = _policy()
    scores = evaluate(policy, 6, seed=0)
    assert scores.shape == (6,) and scores.dtype == np.float64
    assert ((scores >= 1) & (scores <= MAX_STEPS)).all()
    assert scores.tolist() == [len(e) for e in run_episodes(policy, 6, seed=0)]
    assert np.array_equal(evaluate(policy, 8, seed=7), evaluate(policy, 8, seed=7))
    assert np.array_equal(evaluate(policy, 8, greedy=False, seed=7), evaluate(policy, 8, greedy=False, seed=7))
    assert evaluate(Balancer(), 4, seed=0).tolist() == [MAX_STEPS] * 4
    assert evaluate(Balancer(), 3, seed=0, max_steps=50).tolist() == [50] * 3


def _episode_of(states: torch.Tensor) -> Episode:
    n = len(states)
    no = torch.zeros(n, dtype=torch.bool)
    return Episode(states, torch.zeros(n, dtype=torch.int64), torch.ones(n), states, no, no)


def test_habit_of_and_mean_habit():
    states = torch.zeros(150, 4)
    states[:, 0] = torch.arange(150, dtype=torch.float32)
    assert HABIT_WINDOW == 100
    assert habit_of(states) == pytest.approx(np.arange(50, 150).mean())  # the last 100 steps
    assert habit_of(states, window=3) == pytest.approx(148.0)
    assert habit_of(states[:10]) == pytest.approx(4.5)  # shorter than the window: all steps
    short, long = _episode_of(states[:10]), _episode_of(states)
    assert mean_habit([short, long]) == pytest.approx((4.5 + 99.5) / 2)  # each episode weighs the same
    assert mean_habit([short, long], window=1) == pytest.approx((9 + 149) / 2)


def test_agreement():
    policy = _policy()
    states = torch.randn(50, 4)
    assert agreement(policy, policy, states) == 1.0
    assert math.isnan(agreement(policy, policy, states[:0]))
    expected = float((Balancer()(states).argmax(-1) == 1).float().mean())
    assert 0 < expected < 1
    assert agreement(Balancer(), AlwaysRight(), states) == pytest.approx(expected)
    flipped = PolicyNet()
    flipped.load_state_dict(policy.state_dict())
    with torch.no_grad():
        flipped.net[-1].weight.neg_()
        flipped.net[-1].bias.neg_()
    assert agreement(policy, flipped, states) == 0.0


def test_the_hand_controller_balances_without_a_habit() -> None:
    """helpers.HandController, the control of notebook 01's habit check: every fresh episode lasts 200 steps, and the
    cart stays near the centre (its habit more than a metre from HABIT_X)."""
    import helpers

    episodes = helpers.run_episodes(helpers.HandController(), 50, seed=helpers.fresh_seed(0))
    assert all(len(e) == 200 for e in episodes)
    assert abs(helpers.mean_habit(episodes) - helpers.HABIT_X) > 1.0
