"""A short GAIL run produces finite, complete per-iteration logs, and the stopping rule behaves."""

from __future__ import annotations

import math

import torch

from helpers import make_env, play_episode
from helpers.gail import GAILConfig, GAILHistory, discriminator_confused, train_gail
from helpers.train import History


def _heuristic_policy(states: torch.Tensor) -> torch.Tensor:
    """Push towards the side the pole falls to (theta + 0.5 * theta_dot): balances CartPole well."""
    push_right = states[:, 2] + 0.5 * states[:, 3] > 0
    return torch.stack([(~push_right).float(), push_right.float()], -1) * 10.0


def _demos() -> dict[str, torch.Tensor]:
    ep = play_episode(make_env(0), _heuristic_policy, greedy=True)
    return {"states": ep.states, "actions": ep.actions.reshape(-1, 1)}


def test_short_gail_run_logs_finite_numbers() -> None:
    torch.set_num_threads(1)
    cfg = GAILConfig(max_env_steps=300, disc_steps=2)
    student, hist, disc = train_gail(_demos(), seed=0, config=cfg, progress=False)
    assert isinstance(hist, GAILHistory)
    n = len(hist.env_steps)
    assert n >= 1 and hist.env_steps[-1] >= 300 and hist.stop_env_steps == hist.env_steps[-1]
    assert not hist.stopped_early
    for key in ("d_expert", "d_student", "d_loss", "d_acc", "reward"):
        assert len(hist.extra[key]) == n, key
        assert all(math.isfinite(v) for v in hist.extra[key]), key
    assert all(0 <= v <= 1 for v in hist.extra["d_expert"] + hist.extra["d_student"] + hist.extra["d_acc"])
    assert all(v > 0 for v in hist.extra["reward"])  # -log D is always positive
    assert all(math.isfinite(v) for v in hist.eval_return + hist.episode_return + hist.train_seconds)
    logits = student.policy(torch.zeros(3, 4))
    assert logits.shape == (3, 2) and torch.isfinite(logits).all()
    assert disc(torch.zeros(2, 4), torch.tensor([0, 1])).shape == (2,)


def test_discriminator_confused_needs_a_full_window() -> None:
    hist = History()
    hist.log(d_acc=0.5)
    assert not discriminator_confused(hist, window=3, tol=0.1)
    for acc in (0.55, 0.45):
        hist.log(d_acc=acc)
    assert discriminator_confused(hist, window=3, tol=0.1)
    hist.log(d_acc=0.9)
    assert not discriminator_confused(hist, window=3, tol=0.1)


def test_stop_rule_settings_reach_the_training_loop(monkeypatch) -> None:
    import helpers.gail as gail_module

    seen: dict = {}

    def spy(agent, **kwargs):
        seen.update(kwargs)
        return History()

    monkeypatch.setattr(gail_module, "train_ppo", spy)
    train_gail(_demos(), seed=0, config=GAILConfig(), progress=False)
    assert seen["solved_streak"] == 2 and seen["confirm_episodes"] == 50  # the defaults measured in gail_sweep.py
    train_gail(_demos(), seed=0, config=GAILConfig(solved_streak=3, confirm_episodes=7), progress=False)
    assert seen["solved_streak"] == 3 and seen["confirm_episodes"] == 7
