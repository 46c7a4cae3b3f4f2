"""The coding exercises' checks (helpers/teaching/exercises.py): every known mistake, written as a learner would write
it, gets its own message; the reference passes; a stub that raises NotImplementedError gets its hint.

The references below are the notebooks' solutions (their cells between ``### BEGIN SOLUTION`` and ``### END
SOLUTION``), taken from the notebooks themselves, so a solution edited there is the one tested here.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import jupytext
import numpy as np
import pytest
import torch
from torch.nn import functional as F

import helpers
from helpers.teaching import exercises as check

ROOT = Path(__file__).resolve().parent.parent
HABIT_X = 1.5


def solutions(name: str, namespace: dict) -> dict:
    """Run the code cells of notebook ``name`` that hold a solution, in ``namespace``; returns the namespace."""
    nb = jupytext.read(ROOT / "notebooks" / f"{name}.py")
    for cell in nb.cells:
        if cell.cell_type == "code" and "### BEGIN SOLUTION" in cell.source:
            source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("check."))
            exec(compile(source, f"{name}.py", "exec"), namespace)  # noqa: S102 - the notebook's own cells
    return namespace


def stub(name: str) -> Callable:
    """A student-edition stub: raises NotImplementedError with the exercise's hint."""

    def fn(*args):
        raise NotImplementedError(check.HINTS[name])

    fn.__name__ = name
    return fn


def expect(checker: Callable, *args, match: str) -> None:
    """``checker(*args)`` raises ExerciseError whose message holds ``match`` (a literal piece of it)."""
    with pytest.raises(check.ExerciseError, match=re.escape(match)):
        checker(*args)


# ---------------------------------------------------------------- 01


@pytest.fixture(scope="module")
def nb01() -> dict:
    """Notebook 01's solutions (they read HABIT_X)."""
    return solutions("01_ppo_expert", {"np": np, "torch": torch, "HABIT_X": HABIT_X})


def _gae_loop(r, v, v2, term, trunc, gamma, lam, *, boot, stop, discount="gl", gamma_in_delta=True, backwards=True):
    """A learner's GAE with switches for the known mistakes (``boot``: which ends zero V(s'); ``stop``: which stop
    the sum; ``discount``: the sum's factor per step, gamma lam, gamma alone or lam alone)."""
    ends = {"term": term, "trunc": trunc, "both": term | trunc, "none": torch.zeros_like(term)}
    g = gamma if gamma_in_delta else 1.0
    deltas = r + g * (1 - ends[boot].float()) * v2 - v
    factor = {"gl": gamma * lam, "g": gamma, "l": lam}[discount]
    adv, running = torch.zeros(len(r)), 0.0
    order = reversed(range(len(r))) if backwards else range(len(r))
    for t in order:
        running = deltas[t] + factor * (1 - ends[stop][t].float()) * running
        adv[t] = running
    return adv


def _gae(**switches) -> Callable:
    return lambda r, v, v2, term, trunc, gamma, lam: _gae_loop(r, v, v2, term, trunc, gamma, lam, **switches)


GAE_MISTAKES = {
    "you bootstrapped V(s') after a fall": _gae(boot="none", stop="both"),
    "you zeroed V(s') at a truncation": _gae(boot="both", stop="both"),
    "you carried the advantage sum across the end of an episode": _gae(boot="term", stop="none"),
    "you stopped the advantage sum at a fall but not at a truncation": _gae(boot="term", stop="term"),
    "you used gamma alone (lam is missing)": _gae(boot="term", stop="both", discount="g"),
    "you left gamma out": _gae(boot="term", stop="both", gamma_in_delta=False),
    "your sum runs forwards": _gae(boot="term", stop="both", backwards=False),
    "you returned the TD errors delta_t": lambda r, v, v2, term, trunc, gamma, lam: (
        r + gamma * (1 - term.float()) * v2 - v
    ),
    "you used lam alone (gamma is missing)": _gae(boot="term", stop="both", discount="l"),
    "shapes: expected one advantage per step": lambda r, v, v2, term, trunc, gamma, lam: (r, r),
}


def test_gae_reference_passes(nb01, capsys) -> None:
    check.gae(nb01["my_gae"])
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("message", GAE_MISTAKES)
def test_gae_mistakes(message: str) -> None:
    expect(check.gae, GAE_MISTAKES[message], match=message)


def test_gae_a_wrong_number_is_located() -> None:
    """A mistake the check does not know is still placed: which step, which kind of step."""
    expect(check.gae, lambda *args: helpers.gae(*args) + 0.5, match="A_t differs from the equations at t = ")


# ---------------------------------------------------------------- 02


@pytest.fixture(scope="module")
def nb02() -> dict:
    """Notebook 02's solutions."""
    return solutions("02_expert_demonstrations", {"torch": torch, "np": np})


@pytest.fixture(scope="module")
def expert() -> torch.nn.Module:
    """The committed expert (read only)."""
    return helpers.load_policy(ROOT / "data" / "expert_policy.pt")


def _recorder(*, greedy=True, seed=True, next_state=False, stop=("term", "trunc"), column=True):
    """A learner's recording loop with switches for the known mistakes."""

    def record(env, policy, seed_):
        obs, _ = env.reset(seed=seed_ if seed else None)
        states, actions, terminated, truncated = [], [], False, False
        while not ((terminated and "term" in stop) or (truncated and "trunc" in stop)):
            s = torch.as_tensor(obs, dtype=torch.float32)
            logits = policy(s[None])[0]
            a = int(logits.argmax()) if greedy else int(torch.distributions.Categorical(logits=logits).sample())
            obs, _, terminated, truncated, _ = env.step(a)
            states.append(torch.as_tensor(obs, dtype=torch.float32) if next_state else s)
            actions.append(a)
        acts = torch.tensor(actions)
        return torch.stack(states), acts[:, None] if column else acts

    return torch.no_grad()(record)


RECORD_MISTAKES = {
    "you sampled the actions": _recorder(greedy=False),
    "your first state is not the seeded start": _recorder(seed=False),
    "not the one it led to": _recorder(next_state=True),
    "your loop went on after the episode ended (the 200-step cap: truncated)": _recorder(stop=("term",)),
    "your loop went on after the episode ended (the pole fell: terminated)": _recorder(stop=("trunc",)),
    "the actions must be int64 [200, 1], one column": _recorder(column=False),
}


def test_record_demo_reference_passes(nb02, expert, capsys) -> None:
    check.record_demo(nb02["my_record_demo"], expert, HABIT_X)
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("message", RECORD_MISTAKES)
def test_record_demo_mistakes(message: str, expert) -> None:
    expect(check.record_demo, RECORD_MISTAKES[message], expert, HABIT_X, match=message)


# ---------------------------------------------------------------- 03


@pytest.fixture(scope="module")
def nb03() -> dict:
    """Notebook 03's solutions."""
    return solutions("03_discriminator", {"torch": torch, "F": F, "helpers": helpers})


def test_features_reference_passes(nb03, capsys) -> None:
    check.features(nb03["my_features"])
    assert capsys.readouterr().out.startswith("✓")


def _standardised(disc, s):
    return (s - disc.state_mean) / disc.state_std


FEATURE_MISTAKES = {
    "you gave the action as one number": lambda d, s, a: torch.cat([_standardised(d, s), a[:, None].float()], 1),
    "your one-hot is swapped": lambda d, s, a: torch.cat([_standardised(d, s), F.one_hot(1 - a, 2).float()], 1),
    "the state comes first": lambda d, s, a: torch.cat([F.one_hot(a, 2).float(), _standardised(d, s)], 1),
    "standardise the state first": lambda d, s, a: torch.cat([s, F.one_hot(a, 2).float()], 1),
    "not with those of the pairs at hand": lambda d, s, a: torch.cat(
        [(s - s.mean(0)) / s.std(0), F.one_hot(a, 2).float()], 1
    ),
    "shapes: expected 4 standardised state numbers": lambda d, s, a: _standardised(d, s),
}


@pytest.mark.parametrize("message", FEATURE_MISTAKES)
def test_features_mistakes(message: str) -> None:
    expect(check.features, FEATURE_MISTAKES[message], match=message)


def test_disc_loss_reference_passes(nb03, capsys) -> None:
    check.disc_loss(nb03["my_disc_loss"])
    assert capsys.readouterr().out.startswith("✓")


def _bce(logits, label):
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, label))


def _loss(expert_label=0.0, pooled=False, scale=1.0, sides=(True, True), item=False, detach=False):
    """A learner's discriminator loss with switches for the known mistakes."""

    def loss_fn(disc, es, ea, os, oa):
        le, lo = disc(es, ea), disc(os, oa)
        if detach:
            le, lo = le.detach().requires_grad_(), lo.detach()
        if pooled:
            labels = torch.cat([torch.full_like(le, expert_label), torch.full_like(lo, 1 - expert_label)])
            loss = F.binary_cross_entropy_with_logits(torch.cat([le, lo]), labels)
        else:
            loss = sides[0] * _bce(le, expert_label) + sides[1] * _bce(lo, 1 - expert_label)
        loss = loss * scale
        return loss.item() if item else loss

    return loss_fn


DISC_LOSS_MISTAKES = {
    "you labelled the expert 1": _loss(expert_label=1.0),
    "average each side on its own": _loss(pooled=True),
    "you took half": _loss(scale=0.5),
    "yours has one": _loss(sides=(True, False)),
    "a tensor that carries its gradient": _loss(item=True),
    "not the right gradient": _loss(detach=True),
    "shapes: the loss is one number": lambda d, es, ea, os, oa: F.binary_cross_entropy_with_logits(
        torch.cat([d(es, ea), d(os, oa)]), torch.cat([torch.zeros(len(es)), torch.ones(len(os))]), reduction="none"
    ),
}


@pytest.mark.parametrize("message", DISC_LOSS_MISTAKES)
def test_disc_loss_mistakes(message: str) -> None:
    expect(check.disc_loss, DISC_LOSS_MISTAKES[message], match=message)


# ---------------------------------------------------------------- 04


@pytest.fixture(scope="module")
def nb04() -> dict:
    """Notebook 04's from-scratch cells up to the loop (its solutions among them)."""
    nb = jupytext.read(ROOT / "notebooks" / "04_gail.py")
    namespace: dict = {}
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    start = next(i for i, c in enumerate(cells) if c.startswith("import gymnasium"))
    for source in cells[start:]:
        if source.startswith("def gail("):
            break
        if "check." not in source:
            exec(compile(source, "04_gail.py", "exec"), namespace)  # noqa: S102 - the notebook's own cells
    return namespace


def test_gail_reward_reference_passes(nb04, capsys) -> None:
    check.gail_reward(nb04["reward"])
    assert capsys.readouterr().out.startswith("✓")


REWARD_MISTAKES = {
    "the reward is log D, not -log D: the sign is flipped": lambda d, s, a: -F.softplus(-d(s, a)),
    "your reward pays the student for looking like a student": lambda d, s, a: F.softplus(d(s, a)),
    "that is log(1 - D)": lambda d, s, a: -F.softplus(d(s, a)),
    "that is the logit reward": lambda d, s, a: -d(s, a),
    "that is D itself": lambda d, s, a: torch.sigmoid(d(s, a)),
    "-log(sigmoid(l)) gives inf": lambda d, s, a: -torch.log(torch.sigmoid(d(s, a))),
    "shapes: expected one reward per step": lambda d, s, a: F.softplus(-d(s, a))[:, None],
    "the reward carries a gradient": lambda d, s, a: F.softplus(-d(s, a)).requires_grad_(),
}


@pytest.mark.parametrize("message", REWARD_MISTAKES)
def test_gail_reward_mistakes(message: str) -> None:
    expect(check.gail_reward, torch.no_grad()(REWARD_MISTAKES[message]) if "gradient" not in message
           else REWARD_MISTAKES[message], match=message)  # fmt: skip


def test_gail_iteration_reference_passes(nb04, capsys) -> None:
    check.gail_iteration(nb04["gail_iteration"], nb04["Adam"])
    assert capsys.readouterr().out.startswith("✓")


def _iteration(nb: dict, *, disc_steps=None, swap=False, reward_first=False, ppo=True) -> Callable:
    """A learner's GAIL iteration, from notebook 04's cells, with switches for the known mistakes."""

    def iteration(policy, value, disc, opt, disc_opt, expert_s, expert_a, batch):
        pairs = (batch["s"], batch["a"], expert_s, expert_a) if swap else (expert_s, expert_a, batch["s"], batch["a"])
        if reward_first:
            rewards = nb["reward"](disc, batch["s"], batch["a"])
        d_loss = 0.0
        for _ in range(nb["DISC_STEPS"] if disc_steps is None else disc_steps):
            d_loss = nb["disc_step"](disc, disc_opt, *pairs)
        if not reward_first:
            rewards = nb["reward"](disc, batch["s"], batch["a"])
        if ppo:
            nb["ppo_update"](policy, value, opt, batch, rewards)
        return rewards, d_loss

    return iteration


ITERATION_MISTAKES = {
    "D did not learn": {"disc_steps": 0},
    "D took 1 gradient step(s) in this iteration": {"disc_steps": 1},
    "you passed the batch's pairs where the expert's go": {"swap": True},
    "you read the rewards before D's update": {"reward_first": True},
    "the student did not learn": {"ppo": False},
}


@pytest.mark.parametrize("message", ITERATION_MISTAKES)
def test_gail_iteration_mistakes(message: str, nb04) -> None:
    expect(check.gail_iteration, _iteration(nb04, **ITERATION_MISTAKES[message]), nb04["Adam"], match=message)


# ---------------------------------------------------------------- every check


CHECKS = {
    "my_gae": check.gae,
    "my_record_demo": lambda fn: check.record_demo(fn, helpers.PolicyNet(), HABIT_X),
    "my_features": check.features,
    "my_disc_loss": check.disc_loss,
    "reward": check.gail_reward,
    "gail_iteration": lambda fn: check.gail_iteration(fn, _groups_adam),
}


def _groups_adam(groups: list) -> helpers.Adam:
    """helpers.Adam behind notebook 04's Adam([(parameters, lr), ...])."""
    return helpers.Adam([{"params": list(params), "lr": lr} for params, lr in groups])


CONTINUOUS = {"my_log_prob", "my_bc_loss"}
"""Notebook 07's exercises, tested in ``tests/test_exercises_continuous.py``."""


def test_every_exercise_has_a_check_and_a_hint() -> None:
    # the others: tests/test_exercises_more.py and tests/test_exercises_continuous.py
    assert set(CHECKS) | CONTINUOUS == set(check.HINTS) - set(check.MORE_HINTS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_stub_gets_its_hint(name: str) -> None:
    """The student edition's stub fails at its check with ExerciseNotDone and the exercise's hint, not deeper."""
    with pytest.raises(check.ExerciseNotDone) as info:
        CHECKS[name](stub(name))
    assert str(info.value) == f"exercise not done yet: {check.HINTS[name]}"
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_check_leaves_the_random_streams_alone(name: str, nb01, nb02, nb03, nb04) -> None:
    """A notebook computes the same numbers with or without its checks: they draw from their own generators."""
    fn = {**nb01, **nb02, **nb03, **nb04}[name]
    expert = helpers.PolicyNet()
    runs = {
        "my_record_demo": lambda: check.record_demo(fn, expert, HABIT_X),
        "gail_iteration": lambda: check.gail_iteration(fn, nb04["Adam"]),
    }
    torch.manual_seed(123)
    np.random.seed(123)
    before = torch.rand(3), np.random.rand(3)
    torch.manual_seed(123)
    np.random.seed(123)
    runs.get(name, lambda: CHECKS[name](fn))()
    assert torch.equal(torch.rand(3), before[0]) and np.array_equal(np.random.rand(3), before[1])


def test_the_module_is_importable_as_documented() -> None:
    assert "helpers.teaching.exercises" in sys.modules and issubclass(check.ExerciseError, AssertionError)
