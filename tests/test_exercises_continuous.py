"""Notebook 07's coding exercises (helpers/teaching/exercises.py, its last section): each known mistake, written as a
learner would write it, gets its own message; every correct variant passes, the notebook's own solution among them."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
import torch
from exercise_support import expect, solutions
from torch.nn import functional as F

from helpers.teaching import exercises as check

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def nb07() -> dict:
    """Notebook 07's solution cells, run on their own."""
    return solutions("07_continuous_actions", {"torch": torch, "math": math, "F": F})


HALF = 0.5 * math.log(2 * math.pi)

LOG_PROB_RIGHT = {
    "the notebook's solution": None,
    "torch.distributions.Normal": lambda m, s, a: torch.distributions.Normal(m, s).log_prob(a).sum(-1),
    "Independent(Normal)": lambda m, s, a: torch.distributions.Independent(
        torch.distributions.Normal(m, s), 1
    ).log_prob(a),
    "via the variance": lambda m, s, a: (-((a - m) ** 2) / (2 * s**2) - 0.5 * torch.log(2 * math.pi * s**2)).sum(-1),
    "via z": lambda m, s, a: (-0.5 * ((a - m) / s) ** 2 - torch.log(s) - HALF).sum(dim=1),
}


@pytest.mark.parametrize("name", LOG_PROB_RIGHT)
def test_log_prob_correct_variants_pass(name, nb07, capsys) -> None:
    check.gaussian_log_prob(LOG_PROB_RIGHT[name] or nb07["my_log_prob"])
    assert capsys.readouterr().out.startswith("✓")


LOG_PROB_MISTAKES = {
    "shapes: one log-probability per pair, [N]; yours is [N, d]": lambda m, s, a: (
        -0.5 * ((a - m) / s) ** 2 - torch.log(s) - HALF
    ),
    "the square enters with a minus sign": lambda m, s, a: (0.5 * ((a - m) / s) ** 2 - torch.log(s) - HALF).sum(-1),
    "the -log sigma term is missing": lambda m, s, a: (-0.5 * ((a - m) / s) ** 2 - HALF).sum(-1),
    "you divided (a - mu)^2 by 2 sigma, not by 2 sigma^2": lambda m, s, a: (
        -((a - m) ** 2) / (2 * s) - torch.log(s) - HALF
    ).sum(-1),
    "you subtracted log sigma^2 = 2 log sigma": lambda m, s, a: (
        -0.5 * ((a - m) / s) ** 2 - 2 * torch.log(s) - HALF
    ).sum(-1),
    "the constant -log(2 pi) / 2 per dimension is missing": lambda m, s, a: (
        -0.5 * ((a - m) / s) ** 2 - torch.log(s)
    ).sum(-1),
    "you returned the density, not its log": lambda m, s, a: torch.distributions.Normal(m, s).log_prob(a).sum(-1).exp(),
    "you kept the first action dimension only": lambda m, s, a: torch.distributions.Normal(m, s).log_prob(a)[:, 0],
    "your log-probability carries no gradient": lambda m, s, a: (
        torch.distributions.Normal(m, s).log_prob(a).sum(-1).detach()
    ),
    "log N(a; mu, sigma^2) is": lambda m, s, a: torch.distributions.Normal(m, s).log_prob(a).sum(-1) + 0.1,
}


@pytest.mark.parametrize("message", LOG_PROB_MISTAKES)
def test_log_prob_mistakes_are_named(message) -> None:
    expect(check.gaussian_log_prob, LOG_PROB_MISTAKES[message], match=message)


def _nll(policy, s, a):
    return -torch.distributions.Normal(policy(s), policy.std()).log_prob(a)


BC_RIGHT = {
    "the notebook's solution": None,
    "torch.distributions, mean": lambda p, s, a: _nll(p, s, a).mean(),
    "without the constant": lambda p, s, a: (((a - p(s)) / p.std()) ** 2 / 2 + torch.log(p.std())).mean(),
    "GaussianPolicy.distribution": lambda p, s, a: -p.distribution(s).log_prob(a).mean(),
    "F.gaussian_nll_loss with full=True": lambda p, s, a: F.gaussian_nll_loss(
        p(s), a, p.std().expand_as(a) ** 2, full=True
    ),
}


@pytest.mark.parametrize("name", BC_RIGHT)
def test_bc_loss_correct_variants_pass(name, nb07, capsys) -> None:
    fn = BC_RIGHT[name] or (lambda p, s, a: nb07["my_bc_loss"](p, s, a))
    check.gaussian_bc_loss(fn)
    assert capsys.readouterr().out.startswith("✓")


BC_MISTAKES = {
    "your loss is the likelihood with its sign flipped": lambda p, s, a: -_nll(p, s, a).mean(),
    "you summed over the pairs": lambda p, s, a: _nll(p, s, a).sum(),
    "that is the squared error of the mean action (regression)": lambda p, s, a: ((p(s) - a) ** 2).mean(),
    "you divided the torques by the maximum torque": lambda p, s, a: _nll(p, s, a / 2).mean(),
    "you used the greedy action (the mean) as the action to score": lambda p, s, a: _nll(p, s, p(s)).mean(),
    "your loss carries no gradient": lambda p, s, a: _nll(p, s, a).mean().detach(),
    "your loss does not depend on log sigma": lambda p, s, a: (
        -torch.distributions.Normal(p(s), p.std().detach()).log_prob(a).mean()
    ),
    "shapes: expected one number, the mean loss over the pairs": lambda p, s, a: _nll(p, s, a),
}


@pytest.mark.parametrize("message", BC_MISTAKES)
def test_bc_loss_mistakes_are_named(message) -> None:
    expect(check.gaussian_bc_loss, BC_MISTAKES[message], match=message)


@pytest.mark.parametrize(("name", "checker"), [("my_log_prob", check.gaussian_log_prob),
                                               ("my_bc_loss", check.gaussian_bc_loss)])  # fmt: skip
def test_a_stub_gets_its_hint_and_the_streams_are_left_alone(name, checker, nb07) -> None:
    def stub(*args):
        raise NotImplementedError(check.HINTS[name])

    stub.__name__ = name
    with pytest.raises(check.ExerciseNotDone, match=re.escape(check.HINTS[name])):
        checker(stub)
    torch.manual_seed(5)
    before = torch.rand(3)
    torch.manual_seed(5)
    checker(nb07[name])
    assert torch.equal(torch.rand(3), before)
