"""The GAIL discriminator: shapes, its loss and statistics by hand, its training, and the rewards read from it."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional as F

import helpers.algorithms.discriminator as disc_module
from helpers.algorithms.discriminator import (
    REWARD_KINDS,
    Discriminator,
    discriminator_loss,
    discriminator_stats,
    gail_reward,
    reward_from_logits,
    update_discriminator,
)
from helpers.core.optim import Adam


def _batch(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=g), torch.randint(0, 2, (n, 1), generator=g)


class XIsTheLogit(Discriminator):
    """A discriminator whose logit is the cart position x: D = sigmoid(x), known for every pair."""

    def forward(self, states: torch.Tensor, actions: torch.Tensor) -> torch.Tensor:
        return states[:, 0] + 0.0 * self.net(self.features(states, actions)).squeeze(-1)


def _with_x(xs: list[float]) -> tuple[torch.Tensor, torch.Tensor]:
    states = torch.zeros(len(xs), 4)
    states[:, 0] = torch.tensor(xs)
    return states, torch.zeros(len(xs), dtype=torch.int64)


def test_shapes_and_probabilities() -> None:
    torch.manual_seed(0)
    disc = Discriminator()
    s, a = _batch(7, 0)
    assert disc(s, a).shape == (7,)
    assert torch.equal(disc(s, a.reshape(-1)), disc(s, a))  # actions [N] or [N, 1]
    assert disc.features(s, a).shape == (7, 6)
    assert disc.features(s, a)[:, 4:].sum(1).eq(1).all()  # one-hot actions
    d = disc.prob_student(s, a)
    assert ((d > 0) & (d < 1)).all() and torch.allclose(d, torch.sigmoid(disc(s, a)))


def test_normalization_standardises_the_states_with_the_demos_statistics() -> None:
    disc = Discriminator(hidden=8)
    s, a = _batch(10, 1)
    assert torch.equal(disc.features(s, a)[:, :4], s)  # by default: unchanged
    demos = torch.randn(500, 4) * torch.tensor([2.0, 0.5, 0.1, 1.0]) + torch.tensor([1.0, 0.0, -0.2, 3.0])
    demos[:, 1] = 0.25  # a column that never varies: its std is clamped, not 0
    disc.set_normalization(demos)
    x = disc.features(demos, torch.zeros(500, dtype=torch.int64))[:, :4]
    assert torch.allclose(x[:, [0, 2, 3]].mean(0), torch.zeros(3), atol=1e-5)
    assert torch.allclose(x[:, [0, 2, 3]].std(0), torch.ones(3), atol=1e-5)
    assert torch.isfinite(x).all() and float(disc.state_std[1]) == pytest.approx(1e-3)


def test_loss_is_the_two_sided_binary_cross_entropy() -> None:
    disc = XIsTheLogit(hidden=4)
    es, ea = _with_x([-2.0, -1.0, 0.5])
    ss, sa = _with_x([1.0, 3.0, -0.5, 0.0, 2.0])
    # Expert pairs are labelled 0, student pairs 1; each side averaged on its own, so the sizes do not matter.
    by_hand = F.softplus(es[:, 0]).mean() + F.softplus(-ss[:, 0]).mean()
    loss = discriminator_loss(disc, es, ea, ss, sa).detach()
    assert float(loss) == pytest.approx(float(by_hand), rel=1e-6)
    by_formula = -torch.log(1 - torch.sigmoid(es[:, 0])).mean() - torch.log(torch.sigmoid(ss[:, 0])).mean()
    assert float(loss) == pytest.approx(float(by_formula), rel=1e-5)
    twice = discriminator_loss(disc, es, ea, torch.cat([ss, ss]), torch.cat([sa, sa])).detach()
    assert float(twice) == pytest.approx(float(loss), rel=1e-6)


def test_stats_report_the_mean_d_and_the_balanced_accuracy() -> None:
    disc = XIsTheLogit(hidden=4)
    es, ea = _with_x([-2.0, -1.0, -0.5, 1.0])  # 3 of 4 expert pairs have D < 1/2
    ss, sa = _with_x([1.0, -3.0])  # 1 of 2 student pairs has D > 1/2
    stats = discriminator_stats(disc, es, ea, ss, sa)
    assert set(stats) == {"d_expert", "d_student", "d_loss", "d_acc"}
    assert stats["d_acc"] == pytest.approx(0.5 * (3 / 4 + 1 / 2))  # balanced: not (3 + 1) / 6
    assert stats["d_expert"] == pytest.approx(float(torch.sigmoid(es[:, 0]).mean()))
    assert stats["d_student"] == pytest.approx(float(torch.sigmoid(ss[:, 0]).mean()))
    assert stats["d_loss"] == pytest.approx(float(discriminator_loss(disc, es, ea, ss, sa).detach()))
    # A discriminator that cannot tell (D = 1/2 everywhere) loses 2 log 2.
    zeros, za = _with_x([0.0] * 6)
    blind = discriminator_stats(disc, zeros[:2], za[:2], zeros, za)
    assert blind["d_expert"] == blind["d_student"] == 0.5
    assert blind["d_loss"] == pytest.approx(2 * math.log(2))


def test_rewards_match_their_formulas_and_stay_finite_at_extreme_logits() -> None:
    logits = torch.tensor([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4])
    assert REWARD_KINDS == ("neg_log_d", "log_1m_d", "logit", "survival")
    for kind in REWARD_KINDS:
        assert torch.isfinite(reward_from_logits(logits, kind)).all(), kind
    mid = torch.tensor([-2.0, 0.0, 2.0])
    d = torch.sigmoid(mid)
    assert torch.allclose(reward_from_logits(mid, "neg_log_d"), -torch.log(d))
    assert torch.allclose(reward_from_logits(mid, "log_1m_d"), torch.log(1 - d))
    assert torch.allclose(reward_from_logits(mid, "logit"), torch.log(1 - d) - torch.log(d))
    assert (reward_from_logits(logits, "neg_log_d") >= 0).all()  # -log D never negative: a survival bonus
    assert (reward_from_logits(logits, "log_1m_d") <= 0).all()
    assert reward_from_logits(torch.zeros(1), "neg_log_d").item() == pytest.approx(math.log(2))


def test_survival_reward_is_log_2_whatever_d_says() -> None:
    logits = torch.tensor([-1e4, -3.0, 0.0, 3.0, 1e4])
    r = reward_from_logits(logits, "survival")
    assert r.shape == logits.shape and r.dtype == logits.dtype
    assert torch.equal(r, torch.full((5,), math.log(2.0)))
    disc = Discriminator(hidden=8)
    s, a = _batch(9, 2)
    assert torch.equal(gail_reward(disc, s, a, "survival"), torch.full((9,), math.log(2.0)))


def test_gail_reward_shape_clip_and_unknown_kind() -> None:
    disc = XIsTheLogit(hidden=4)
    s, a = _with_x([-10.0, -1.0, 0.0, 2.0, 10.0])
    assert gail_reward(disc, s, a).shape == (5,)
    assert not gail_reward(Discriminator(), s, a).requires_grad
    assert torch.equal(gail_reward(disc, s, a, "logit"), -s[:, 0])
    assert torch.equal(gail_reward(disc, s, a, "logit", clip=3.0), torch.tensor([3.0, 1.0, 0.0, -2.0, -3.0]))
    assert torch.allclose(gail_reward(disc, s, a, "neg_log_d", clip=3.0)[-1], F.softplus(torch.tensor(-3.0)))
    with pytest.raises(ValueError, match="nonsense"):
        reward_from_logits(torch.zeros(1), "nonsense")


def test_one_update_lowers_the_loss_on_a_fixed_batch() -> None:
    torch.manual_seed(0)
    disc = Discriminator()
    es, ea = _batch(64, 2)
    ss, sa = _batch(64, 3)
    ss = ss + 1.0  # make the two sets separable
    opt = Adam(disc.parameters(), lr=1e-3)
    with torch.no_grad():
        before = float(discriminator_loss(disc, es, ea, ss, sa))
    last = update_discriminator(disc, opt, es, ea, ss, sa, steps=1)
    with torch.no_grad():
        after = float(discriminator_loss(disc, es, ea, ss, sa))
    assert last == pytest.approx(before, rel=1e-5)  # the returned loss is the step's, before it
    assert after < before


def test_training_separates_and_stats_report_it() -> None:
    torch.manual_seed(0)
    disc = Discriminator()
    disc.set_normalization(torch.randn(50, 4))
    es, ea = _batch(100, 4)
    ss, sa = _batch(100, 5)
    ss = ss + 2.0
    opt = Adam(disc.parameters(), lr=1e-2)
    before = discriminator_stats(disc, es, ea, ss, sa)
    update_discriminator(disc, opt, es, ea, ss, sa, steps=100)
    stats = discriminator_stats(disc, es, ea, ss, sa)
    assert stats["d_loss"] < before["d_loss"] and stats["d_loss"] < 0.3
    assert stats["d_acc"] > 0.9
    assert stats["d_expert"] < 0.5 < stats["d_student"]
    assert all(math.isfinite(v) for v in stats.values())


def test_student_batch_subsamples_the_student_pairs_only(monkeypatch) -> None:
    es, ea = _batch(30, 6)
    ss, sa = _batch(200, 7)
    seen = []
    loss = disc_module.discriminator_loss

    def spy(disc, e_s, e_a, s_s, s_a):
        seen.append((e_s, s_s))
        return loss(disc, e_s, e_a, s_s, s_a)

    monkeypatch.setattr(disc_module, "discriminator_loss", spy)
    disc = Discriminator(hidden=8)
    opt = Adam(disc.parameters(), lr=1e-3)
    torch.manual_seed(0)
    update_discriminator(disc, opt, es, ea, ss, sa, steps=4, student_batch=25)
    assert len(seen) == 4
    rows = []
    for e_s, s_s in seen:
        assert torch.equal(e_s, es)  # every expert pair, every step
        assert s_s.shape == (25, 4)
        index = (s_s[:, None, :] == ss[None, :, :]).all(-1).float().argmax(-1)
        assert torch.equal(s_s, ss[index])  # drawn from the student's pairs
        rows.append(index.tolist())
    assert len({tuple(r) for r in rows}) == 4  # a fresh draw each step
    other = Discriminator(hidden=8)
    torch.manual_seed(0)  # drawn with torch's generator: the same seed, the same draws
    seen.clear()
    update_discriminator(other, Adam(other.parameters()), es, ea, ss, sa, steps=1, student_batch=25)
    assert torch.equal(seen[0][1], ss[torch.tensor(rows[0])])
    for student_batch in (None, 200, 500):  # none, or no fewer than there are: all of them, in order
        seen.clear()
        update_discriminator(disc, opt, es, ea, ss, sa, steps=2, student_batch=student_batch)
        assert all(torch.equal(s_s, ss) for _, s_s in seen) and len(seen) == 2
