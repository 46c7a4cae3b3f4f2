"""The expert's training loop: its stop rule, its history, and that evaluations never count as training."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

import helpers.algorithms.train as train_module
from helpers.algorithms.ppo import PPO, PPOConfig
from helpers.algorithms.train import ExpertHistory, ExpertRule, History, train_expert
from helpers.core.seeding import train_eval_seed

TINY = PPOConfig(n_envs=4, batch_steps=60, epochs=2, hidden=16)
"""A PPO small enough that a run of a few hundred env steps takes a fraction of a second."""


def test_expert_rule_needs_the_length_and_the_habit():
    rule = ExpertRule()
    assert rule.target == 200 and rule.habit_x == 1.5 and rule.habit_tol == 0.08
    assert rule.met([200.0] * 10, 1.5)
    assert not rule.met([200.0] * 9 + [199.0], 1.5)  # the mean must reach the target: one fall is too many
    assert rule.met([200.0] * 10, 1.57) and rule.met([200.0] * 10, 1.43)
    assert not rule.met([200.0] * 10, 1.59) and not rule.met([200.0] * 10, 1.41)
    assert not rule.met([200.0] * 10, -1.5)  # the right distance on the wrong side
    assert not rule.met([120.0] * 10, 1.5)
    no_habit = ExpertRule(target=150, habit_x=None)
    assert no_habit.met([100.0, 200.0], habit=-2.0)  # mean 150; with no habit, any cart position
    assert not no_habit.met([100.0, 199.0], habit=0.0)
    assert ExpertRule(habit_x=-0.5, habit_tol=0.05).met([200.0], -0.46)


def test_history_log_appends_named_numbers():
    hist = History()
    hist.log(a=1, b=2.5)
    hist.log(a=torch.tensor(3.0))
    assert hist.extra == {"a": [1.0, 3.0], "b": [2.5]}
    assert all(isinstance(v, float) for values in hist.extra.values() for v in values)


def _spy(monkeypatch):
    """Record each PPO update's batch (size, episodes) and each evaluation (episodes asked for, seed, steps played)."""
    updates, evaluations = [], []
    update, run_episodes = PPO.update, train_module.run_episodes

    def spy_update(self, batch, rewards=None):
        assert rewards is None  # the expert learns from the environment's own reward
        updates.append((len(batch), int((batch.terminated | batch.truncated).sum()), batch.ret))
        return update(self, batch, rewards)

    def spy_run_episodes(policy, n_episodes=10, greedy=True, seed=0, **kwargs):
        assert greedy
        episodes = run_episodes(policy, n_episodes, greedy, seed, **kwargs)
        evaluations.append((n_episodes, seed, sum(len(e) for e in episodes)))
        return episodes

    monkeypatch.setattr(PPO, "update", spy_update)
    monkeypatch.setattr(train_module, "run_episodes", spy_run_episodes)
    return updates, evaluations


def test_tiny_run_history_is_consistent_and_counts_training_steps_only(monkeypatch):
    updates, evaluations = _spy(monkeypatch)
    rule = ExpertRule(target=1e9, eval_episodes=3, eval_every=2)  # never met: the whole budget is spent
    agent, hist = train_expert(seed=0, config=TINY, rule=rule, max_env_steps=500, progress=False)
    assert isinstance(agent, PPO) and isinstance(hist, ExpertHistory)
    n = len(hist.env_steps)
    assert n == len(updates) >= 4
    for name in ("episode_return", "episode_length", "episode_habit", "train_seconds"):
        assert len(getattr(hist, name)) == n, name
    # env_steps counts the steps PPO learned from, nothing else: evaluations played steps too, uncounted.
    assert hist.env_steps == [sum(size for size, _, _ in updates[: i + 1]) for i in range(n)]
    assert hist.env_steps[-1] >= 500 > hist.env_steps[-2]  # stops once the budget is spent
    assert sum(steps for _, _, steps in evaluations) > 0
    assert hist.episode_length == pytest.approx([size / k for size, k, _ in updates])
    assert hist.episode_return == pytest.approx([ret / k for _, k, ret in updates])
    # Paid by the habit reward (1 at x = 1, at least 0.5): less than 1 per step near x = 0.
    paid = zip(hist.episode_return, hist.episode_length, strict=True)
    assert all(0.5 * length <= ret < length for ret, length in paid)
    assert all(math.isfinite(h) for h in hist.episode_habit)
    assert hist.train_seconds == sorted(hist.train_seconds) and hist.train_seconds[0] > 0
    # A greedy evaluation after every second update, each from its own seed.
    m = len(hist.eval_steps)
    assert m == n // 2 and len(hist.eval_return) == len(hist.eval_habit) == m
    assert hist.eval_steps == hist.env_steps[1::2]
    assert [(k, seed) for k, seed, _ in evaluations] == [(3, train_eval_seed(0, i)) for i in range(m)]
    assert hist.eval_return == pytest.approx([steps / 3 for _, _, steps in evaluations])
    assert all(1 <= r <= 200 for r in hist.eval_return)
    assert not hist.solved and hist.steps_to_target is None and hist.seconds_to_target is None


def test_without_a_habit_the_expert_is_paid_one_per_step():
    rule = ExpertRule(target=1e9, habit_x=None, eval_episodes=2)
    _, hist = train_expert(seed=1, config=TINY, rule=rule, max_env_steps=200, progress=False)
    assert hist.episode_return == pytest.approx(hist.episode_length)


def test_training_stops_once_solved_and_confirmed(monkeypatch):
    updates, evaluations = _spy(monkeypatch)
    rule = ExpertRule(target=1, habit_x=None, eval_episodes=2, solved_streak=2, confirm_episodes=5)  # always met
    _, hist = train_expert(seed=3, config=TINY, rule=rule, max_env_steps=10_000, progress=False)
    assert hist.solved and len(hist.env_steps) == len(updates) == 2  # two solved evaluations, then confirmed
    assert hist.steps_to_target == hist.env_steps[0] and hist.seconds_to_target == hist.train_seconds[0]
    assert [(k, seed) for k, seed, _ in evaluations] == [
        (2, train_eval_seed(3, 0)),
        (2, train_eval_seed(3, 1)),
        (5, train_eval_seed(3, 2)),  # the confirmation: fresh episodes, from a seed of its own
    ]
    assert hist.eval_steps == hist.env_steps  # the confirmation is not an evaluation entry


@dataclasses.dataclass
class _FailsConfirmation(ExpertRule):
    """Every evaluation counts as solved, every confirmation (``confirm_episodes`` episodes) does not."""

    def met(self, lengths, habit) -> bool:
        return len(lengths) != self.confirm_episodes


def test_a_failed_confirmation_keeps_training(monkeypatch):
    _, evaluations = _spy(monkeypatch)
    rule = _FailsConfirmation(eval_episodes=2, solved_streak=2, confirm_episodes=3)
    _, hist = train_expert(seed=0, config=TINY, rule=rule, max_env_steps=400, progress=False)
    assert not hist.solved and hist.env_steps[-1] >= 400
    assert hist.steps_to_target == hist.env_steps[0]  # the first solved evaluation, confirmed or not
    sizes = [k for k, _, _ in evaluations]
    assert sizes == [2] + [2, 3] * (len(hist.env_steps) - 1)  # from the second evaluation on, each is confirmed
    assert len({seed for _, seed, _ in evaluations}) == len(evaluations)  # every one from its own seed


def _weights(agent: PPO) -> list[torch.Tensor]:
    return [p.detach().clone() for p in [*agent.policy.parameters(), *agent.value.parameters()]]


def test_train_expert_is_reproducible_for_a_seed():
    rule = ExpertRule(target=1e9, eval_episodes=2)
    runs = [train_expert(seed=s, config=TINY, rule=rule, max_env_steps=300, progress=False) for s in (4, 4, 5)]
    (a, ha), (b, hb), (c, _) = runs
    assert all(torch.equal(x, y) for x, y in zip(_weights(a), _weights(b), strict=True))
    for name in ("env_steps", "episode_return", "episode_length", "episode_habit", "eval_return", "eval_habit"):
        assert getattr(ha, name) == getattr(hb, name), name
    assert not all(torch.equal(x, y) for x, y in zip(_weights(a), _weights(c), strict=True))
