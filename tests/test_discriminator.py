"""The GAIL discriminator: shapes, stable rewards, and that one update lowers its loss."""

from __future__ import annotations

import torch

from helpers.discriminator import (
    REWARD_KINDS,
    Discriminator,
    discriminator_loss,
    discriminator_stats,
    gail_reward,
    make_disc_optimizer,
    reward_from_logits,
    update_discriminator,
)


def _batch(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 4, generator=g), torch.randint(0, 2, (n, 1), generator=g)


def test_shapes_and_probabilities() -> None:
    torch.manual_seed(0)
    disc = Discriminator()
    s, a = _batch(7, 0)
    assert disc(s, a).shape == (7,)
    assert disc(s, a.reshape(-1)).shape == (7,)  # actions [N] or [N, 1]
    assert disc.features(s, a).shape == (7, 6)
    d = disc.prob_student(s, a)
    assert ((d > 0) & (d < 1)).all()


def test_rewards_match_their_formulas_and_stay_finite_at_extreme_logits() -> None:
    logits = torch.tensor([-1e4, -50.0, -1.0, 0.0, 1.0, 50.0, 1e4])
    for kind in REWARD_KINDS:
        assert torch.isfinite(reward_from_logits(logits, kind)).all(), kind
    mid = torch.tensor([-2.0, 0.0, 2.0])
    d = torch.sigmoid(mid)
    torch.testing.assert_close(reward_from_logits(mid, "neg_log_d"), -torch.log(d))
    torch.testing.assert_close(reward_from_logits(mid, "log_1m_d"), torch.log(1 - d))
    torch.testing.assert_close(reward_from_logits(mid, "logit"), torch.log(1 - d) - torch.log(d))
    assert (reward_from_logits(logits, "neg_log_d") >= 0).all()  # -log D never negative: a survival bonus
    assert (reward_from_logits(logits, "log_1m_d") <= 0).all()


def test_gail_reward_shape_and_unknown_kind() -> None:
    disc = Discriminator()
    s, a = _batch(5, 1)
    assert gail_reward(disc, s, a).shape == (5,)
    try:
        reward_from_logits(torch.zeros(1), "nonsense")
    except ValueError as e:
        assert "nonsense" in str(e)
    else:
        raise AssertionError("an unknown reward kind must raise")


def test_one_update_lowers_the_loss_on_a_fixed_batch() -> None:
    torch.manual_seed(0)
    disc = Discriminator()
    es, ea = _batch(64, 2)
    ss, sa = _batch(64, 3)
    ss = ss + 1.0  # make the two sets separable
    opt = make_disc_optimizer(disc, lr=1e-3)
    with torch.no_grad():
        before = float(discriminator_loss(disc, es, ea, ss, sa))
    update_discriminator(disc, opt, es, ea, ss, sa, steps=1)
    with torch.no_grad():
        after = float(discriminator_loss(disc, es, ea, ss, sa))
    assert after < before


def test_training_separates_and_stats_report_it() -> None:
    torch.manual_seed(0)
    disc = Discriminator()
    disc.set_normalization(torch.randn(50, 4))
    es, ea = _batch(100, 4)
    ss, sa = _batch(100, 5)
    ss = ss + 2.0
    opt = make_disc_optimizer(disc, lr=1e-2, weight_decay=1e-4)
    update_discriminator(disc, opt, es, ea, ss, sa, steps=100, grad_penalty=0.1)
    stats = discriminator_stats(disc, es, ea, ss, sa)
    assert stats["d_acc"] > 0.9
    assert stats["d_expert"] < 0.5 < stats["d_student"]
    assert all(torch.isfinite(torch.tensor(v)) for v in stats.values())
