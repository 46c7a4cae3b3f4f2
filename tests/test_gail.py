"""GAIL's flat loop: complete logs, a fixed budget, reproducible, rewarded by the discriminator only."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

import helpers.algorithms.gail as gail_module
from helpers import make_env, play_episode
from helpers.algorithms.absorbing import ABSORBING, AbsorbingDiscriminator
from helpers.algorithms.discriminator import Discriminator, discriminator_stats, gail_reward
from helpers.algorithms.ppo import PPO, PPOConfig
from helpers.algorithms.train import History
from helpers.core.demos import random_policy_demos
from helpers.core.env import CartPoleBatch
from helpers.core.rules import ParameterError

STATS = ("d_expert", "d_student", "d_loss", "d_acc")
SMALL = PPOConfig(hidden=16, n_envs=4, batch_steps=150, epochs=3, minibatches=2, normalize_advantages=True)
"""A student small enough for a few GAIL iterations in a fraction of a second."""


def _heuristic_policy(states: torch.Tensor) -> torch.Tensor:
    """Push towards the side the pole falls to (theta + 0.5 * theta_dot): balances CartPole well."""
    push_right = states[:, 2] + 0.5 * states[:, 3] > 0
    return torch.stack([(~push_right).float(), push_right.float()], -1) * 10.0


def _demos() -> dict[str, torch.Tensor]:
    """200 pairs of one capped episode, laid out as ``load_demos`` returns them."""
    ep = play_episode(make_env(0), _heuristic_policy, greedy=True)
    assert len(ep) == 200 and not ep.terminated.any()
    return {"states": ep.states, "actions": ep.actions.reshape(-1, 1), "terminated": ep.terminated}


def _weights(*modules: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for m in modules for p in m.parameters()]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


def train_gail(cfg, demos=None, seed: int = 0):
    """``helpers.algorithms.gail.train_gail`` on ``demos`` (default: the heuristic's 200 pairs), quietly."""
    return gail_module.train_gail(demos if demos is not None else _demos(), seed=seed, config=cfg, progress=False)


def test_short_gail_run_logs_complete_finite_numbers_and_spends_the_whole_budget() -> None:
    cfg = gail_module.GAILConfig(max_env_steps=1500)
    student, hist, disc = train_gail(cfg)
    assert isinstance(student, PPO) and type(hist) is History and type(disc) is Discriminator
    n = len(hist.env_steps)
    assert n >= 2 and hist.env_steps[-1] >= 1500 > hist.env_steps[-2]  # a fixed budget, no early stop
    assert all(b - a >= cfg.ppo.batch_steps for a, b in zip([0, *hist.env_steps[:-1]], hist.env_steps, strict=True))
    for name in ("episode_return", "episode_length", "episode_habit", "train_seconds"):
        assert len(getattr(hist, name)) == n and all(math.isfinite(v) for v in getattr(hist, name)), name
    assert set(hist.extra) == {*STATS, "d_loss_last_step", "reward"}  # D's loss at its last step (notebook 04)
    for key, values in hist.extra.items():
        assert len(values) == n and all(math.isfinite(v) for v in values), key
    assert all(0 <= v <= 1 for k in ("d_expert", "d_student", "d_acc") for v in hist.extra[k])
    assert all(v > 0 for v in hist.extra["reward"])  # -log D is always positive
    # The environment's own return is only logged: plain CartPole, 1 per step.
    assert hist.episode_return == pytest.approx(hist.episode_length)
    logits = student.policy(torch.zeros(3, 4))
    assert logits.shape == (3, 2) and torch.isfinite(logits).all()
    assert disc(torch.zeros(2, 4), torch.tensor([0, 1])).shape == (2,)
    assert student.policy.hidden == 64 and disc.hidden == 64  # the student's and D's defaults


def test_gail_is_reproducible_for_a_seed() -> None:
    cfg = gail_module.GAILConfig(max_env_steps=600, ppo=SMALL, disc_steps=5, disc_batch=64)
    runs = [train_gail(cfg, seed=s) for s in (3, 3, 4)]
    (s1, h1, d1), (s2, h2, d2), (s3, _, d3) = runs
    assert _same(_weights(s1.policy, s1.value, d1), _weights(s2.policy, s2.value, d2))
    assert h1.env_steps == h2.env_steps and h1.extra == h2.extra and h1.episode_habit == h2.episode_habit
    assert not _same(_weights(s1.policy, d1), _weights(s3.policy, d3))


def _spy(monkeypatch):
    """Record, per iteration: D's statistics before its update, the D object, and what PPO.update received."""
    seen = {"stats_before": [], "disc": [], "disc_after": [], "updates": [], "disc_calls": []}
    update_discriminator, ppo_update = gail_module.update_discriminator, PPO.update

    def spy_disc(disc, opt, es, ea, ss, sa, steps=1, student_batch=None):
        seen["stats_before"].append(discriminator_stats(disc, es, ea, ss, sa))
        seen["disc"].append(disc)
        seen["disc_calls"].append((steps, student_batch, ea.clone(), sa.clone()))
        loss = update_discriminator(disc, opt, es, ea, ss, sa, steps, student_batch)
        seen["disc_after"].append(copy.deepcopy(disc))
        return loss

    def spy_update(self, batch, rewards=None):
        seen["updates"].append((batch, rewards, [g["lr"] for g in self.optimizer.param_groups]))
        return ppo_update(self, batch, rewards)

    monkeypatch.setattr(gail_module, "update_discriminator", spy_disc)
    monkeypatch.setattr(PPO, "update", spy_update)
    return seen


def test_rewards_come_from_the_updated_discriminator(monkeypatch) -> None:
    seen = _spy(monkeypatch)
    cfg = gail_module.GAILConfig(max_env_steps=600, ppo=SMALL, disc_steps=4, disc_batch=50)
    _, hist, disc = train_gail(cfg)
    assert len(seen["updates"]) == len(hist.env_steps) >= 3
    for i, (batch, rewards, _) in enumerate(seen["updates"]):
        assert rewards is not None and rewards.shape == (len(batch),)
        # -log D of the batch's own pairs, from D as this iteration's update left it.
        updated = seen["disc_after"][i]
        assert torch.equal(rewards, gail_reward(updated, batch.states, batch.actions, "neg_log_d"))
        assert hist.extra["reward"][i] == pytest.approx(float(rewards.mean()), rel=1e-6)
        for key in STATS:  # the logged statistics are D's view of the fresh batch before its update
            assert hist.extra[key][i] == pytest.approx(seen["stats_before"][i][key], rel=1e-6), key
    assert all(d is disc for d in seen["disc"])
    assert _same(_weights(seen["disc_after"][-1]), _weights(disc))
    assert all(steps == 4 and batch_size == 50 for steps, batch_size, _, _ in seen["disc_calls"])


def test_the_environments_reward_is_never_used(monkeypatch) -> None:
    """Pay garbage instead of CartPole's 1 per step: the student, its critic and D come out bit for bit the same."""
    cfg = gail_module.GAILConfig(max_env_steps=600, ppo=SMALL, disc_steps=3)
    s1, h1, d1 = train_gail(cfg, seed=1)
    step = CartPoleBatch.step

    def garbage(self, actions):
        obs, rewards, terminated, truncated = step(self, actions)
        return obs, (rewards * 0 - 1e3 + 37.0 * obs[:, 0]).astype(np.float32), terminated, truncated

    monkeypatch.setattr(CartPoleBatch, "step", garbage)
    s2, h2, d2 = train_gail(cfg, seed=1)
    assert all(r < -500 for r in h2.episode_return)  # the garbage did reach the batches ...
    assert _same(_weights(s1.policy, s1.value, d1), _weights(s2.policy, s2.value, d2))  # ... and changed nothing
    assert h1.env_steps == h2.env_steps and h1.extra == h2.extra


def test_survival_control_pays_log_2_whatever_d_says(monkeypatch) -> None:
    seen = _spy(monkeypatch)
    cfg = gail_module.GAILConfig(max_env_steps=600, ppo=SMALL, disc_steps=3, reward="survival")
    _, hist, _ = train_gail(cfg)
    assert hist.extra["reward"] == pytest.approx([math.log(2.0)] * len(hist.env_steps), rel=1e-6)
    for _, rewards, _ in seen["updates"]:
        assert torch.allclose(rewards, torch.full_like(rewards, math.log(2.0)))
    assert len(hist.extra["d_acc"]) == len(hist.env_steps)  # D still trains and is still logged


def test_absorbing_config_runs_and_logs_r_absorbing(monkeypatch) -> None:
    cfg = gail_module.absorbing_config(max_env_steps=900)
    assert cfg.absorbing and cfg.reward == "logit" and cfg.reward_clip == 2.0
    assert (
        cfg.ppo == gail_module.student_ppo_config(anneal_lr=False) and not cfg.ppo.anneal_lr
    )  # constant learning rates
    seen = _spy(monkeypatch)
    demos = random_policy_demos(200, seed=0)
    student, hist, disc = train_gail(cfg, demos=demos)
    assert isinstance(disc, AbsorbingDiscriminator)
    n = len(hist.env_steps)
    assert set(hist.extra) == {*STATS, "d_loss_last_step", "reward", "r_absorbing"}
    assert all(len(v) == n and all(math.isfinite(x) for x in v) for v in hist.extra.values())
    assert all(abs(r) <= 2.0 for r in hist.extra["r_absorbing"])  # the logit clamped to +-2
    # One absorbing sample per termination, on both sides of D's batch.
    for (_, _, expert_a, student_a), (batch, _, _) in zip(seen["disc_calls"], seen["updates"], strict=True):
        assert int((expert_a == ABSORBING).sum()) == int(demos["terminated"].sum()) > 0
        assert int((student_a == ABSORBING).sum()) == int(batch.terminated.sum())
        assert len(student_a) == len(batch) + int(batch.terminated.sum())
    # Constant learning rates: every update at the configured values.
    for _, _, lrs in seen["updates"]:
        assert lrs == pytest.approx([cfg.ppo.policy_lr, cfg.ppo.value_lr])
    assert student.optimizer.param_groups[0]["lr"] == cfg.ppo.policy_lr


def test_absorbing_config_takes_changes() -> None:
    cfg = gail_module.absorbing_config(max_env_steps=123, reward_clip=None, reward="log_1m_d")
    assert cfg.max_env_steps == 123 and cfg.reward_clip is None and cfg.reward == "log_1m_d" and cfg.absorbing
    ppo = PPOConfig(hidden=8)
    assert gail_module.absorbing_config(ppo=ppo).ppo is ppo


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"absorbing": True, "reward": "survival"}, "GAILConfig.reward must be 'logit', 'log_1m_d' or 'neg_log_d'"),
        ({"reward": "-log D"}, "GAILConfig.reward must be one of 'neg_log_d', 'log_1m_d', 'logit', 'survival'"),
        ({"max_env_steps": 0}, "GAILConfig.max_env_steps must be None or an integer >= 1, got 0"),
        ({"disc_steps": 0}, "GAILConfig.disc_steps must be an integer >= 1, got 0"),
        ({"disc_batch": 0}, "GAILConfig.disc_batch must be None or an integer >= 1, got 0"),
        ({"disc_lr": 0.0}, "GAILConfig.disc_lr must be a number > 0, got 0.0"),
        ({"reward_clip": -5}, "GAILConfig.reward_clip must be None or a number > 0, got -5"),
        ({"ppo": {"epochs": 3}}, "GAILConfig.ppo must be a PPOConfig, got {'epochs': 3}"),
    ],
)
def test_gail_config_refuses_bad_fields(changes, message) -> None:
    with pytest.raises(ParameterError) as info:
        gail_module.GAILConfig(**changes)
    assert str(info.value).startswith(message)


def test_gail_config_accepts_what_the_series_uses() -> None:
    gail_module.GAILConfig()
    gail_module.GAILConfig(reward="survival", disc_batch=None, reward_clip=None)
    gail_module.GAILConfig(absorbing=True, reward="logit", reward_clip=5.0)
    gail_module.GAILConfig(absorbing=True, reward="neg_log_d")  # r_a = -log D(s_a): learned like any reward
    gail_module.absorbing_config()
