"""The coding exercises' checks (helpers/teaching/exercises.py): every known mistake, written as a learner would write
it, gets its own message; the reference passes; a stub that raises NotImplementedError gets its hint.

The references below are the notebooks' solutions (their cells between ``### BEGIN SOLUTION`` and ``### END
SOLUTION``), taken from the notebooks themselves, so a solution edited there is the one tested here.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import jupytext
import numpy as np
import pytest
import torch
from exercise_support import expect, leaves_random_streams_alone, solutions, stub
from torch.nn import functional as F

import helpers
from helpers.teaching import exercises as check

ROOT = Path(__file__).resolve().parent.parent
HABIT_X = 1.5


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
    """Notebook 04's from-scratch cells up to its training cell (its solutions among them)."""
    nb = jupytext.read(ROOT / "notebooks" / "04_gail.py")
    namespace: dict = {}
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    start = next(i for i, c in enumerate(cells) if c.startswith("import gymnasium"))
    for source in cells[start:]:
        if source.startswith("envs = gym.make_vec"):
            break
        if "check." not in source and not source.startswith("config = helpers"):
            exec(compile(source, "04_gail.py", "exec"), namespace)  # noqa: S102 - the notebook's own cells
    torch.distributions.Distribution.set_default_validate_args(True)  # the notebook's switch, undone for the others
    return namespace


def _player(
    *,
    greedy=False,
    reset_step=False,
    ends="apart",
    cut=False,
    one_round=False,
    seeded=True,
    s2="next",
    between=False,
    never_stops=False,
    float_actions=False,
    as_list=False,
    batch_steps=800,
) -> Callable:
    """A learner's rollout on Gymnasium's vector API (torch masks), with switches for the known mistakes."""

    @torch.no_grad()
    def play(envs, policy, seed=None):
        obs, _ = envs.reset(seed=seed if seeded else None)
        rows, recorded = [], 0
        recording = torch.ones(envs.num_envs, dtype=torch.bool)
        after_end = torch.zeros(envs.num_envs, dtype=torch.bool)
        ended = torch.zeros(envs.num_envs, dtype=torch.bool)
        while recording.any():
            s = torch.as_tensor(obs)
            logits = policy(s)
            a = logits.argmax(-1) if greedy else torch.distributions.Categorical(logits=logits).sample()
            obs, _, term, trunc, _ = envs.step(a.numpy())
            term, trunc = torch.as_tensor(term), torch.as_tensor(trunc)
            valid = recording & (torch.ones_like(recording) if reset_step else ~after_end)
            rec_term, rec_trunc = term, trunc & ~term
            if ends == "cap_as_fall":
                rec_term, rec_trunc = term | trunc, torch.zeros_like(trunc)
            elif ends == "fall_as_cap":
                rec_term, rec_trunc = torch.zeros_like(term), term | trunc
            after = s if s2 == "before" else torch.as_tensor(obs)
            rows.append((s, a.float() if float_actions else a, after, rec_term, rec_trunc, valid))
            recorded += int(valid.sum())
            after_end = term | trunc
            ended |= valid & after_end
            if cut and recorded >= batch_steps:
                break
            if one_round:
                recording &= ~ended
            elif recorded >= batch_steps and not never_stops:
                recording &= (valid | between) & ~after_end
        s, a, s2_, term, trunc, valid = (torch.stack(x) for x in zip(*rows, strict=True))
        if as_list:
            return [s, a, s2_, term, trunc, valid]
        return {"s": s, "a": a, "s2": s2_, "term": term, "trunc": trunc, "valid": valid}

    return play


def test_play_reference_passes(nb04, capsys) -> None:
    check.play(nb04["play"], nb04["BATCH_STEPS"])
    assert capsys.readouterr().out.startswith("✓")


@pytest.mark.parametrize("variant", [{}, {"between": True}], ids=["torch masks", "one more episode when between"])
def test_play_correct_variants_pass(variant: dict, capsys) -> None:
    """Written otherwise (masks in torch; an environment between episodes when the batch fills records one more)."""
    check.play(_player(**variant), 800)
    assert capsys.readouterr().out.startswith("✓")


PLAY_MISTAKES = {
    "you recorded Gymnasium's reset step as a step of an episode": {"reset_step": True},
    "you marked the step cap as a fall": {"ends": "cap_as_fall"},
    "you marked a fall as a truncation": {"ends": "fall_as_cap"},
    "you stopped recording the moment the batch was full": {"cut": True},
    "you recorded one episode per environment and stopped": {"one_round": True},
    "s2 is the state the step led to": {"s2": "before"},
    "you took argmax_a pi(a|s)": {"greedy": True},
    "the first batch starts from the states envs.reset(seed=seed) returns": {"seeded": False},
    "your loop did not stop": {"never_stops": True},
    "shapes: a must be int64": {"float_actions": True},
    "return a dict with the keys": {"as_list": True},
}


@pytest.mark.parametrize("message", PLAY_MISTAKES)
def test_play_mistakes(message: str) -> None:
    expect(check.play, _player(**PLAY_MISTAKES[message]), 800, match=message)


def test_disc_step_reference_passes(nb04, capsys) -> None:
    check.disc_step(nb04["disc_step"])
    assert capsys.readouterr().out.startswith("✓")


def _stepper(loss_of: Callable, *, zero_grad=True, backward=True, step=True, returns="item") -> Callable:
    """A learner's ``disc_step``: ``loss_of(disc, expert_s, expert_a, s, a)`` then the step, with switches."""

    def disc_step(disc, opt, expert_s, expert_a, s, a):
        loss = loss_of(disc, expert_s, expert_a, s, a)
        if zero_grad:
            opt.zero_grad()
        if backward:
            loss.backward()
        if step:
            opt.step()
        if returns == "after":
            return loss_of(disc, expert_s, expert_a, s, a).item()
        return {"item": loss.item(), "tensor": loss, "none": None}[returns]

    return disc_step


def _bce_logits(disc, es, ea, s, a):
    le, ls = disc(es, ea), disc(s, a)
    return F.binary_cross_entropy_with_logits(le, torch.zeros_like(le)) + F.binary_cross_entropy_with_logits(
        ls, torch.ones_like(ls)
    )


def _one_pass(disc, es, ea, s, a):
    logits = disc(torch.cat([es, s]), torch.cat([ea, a]))
    le, ls = logits[: len(es)], logits[len(es) :]
    return F.binary_cross_entropy_with_logits(le, torch.zeros_like(le)) + F.binary_cross_entropy_with_logits(
        ls, torch.ones_like(ls)
    )


def _logsigmoid(disc, es, ea, s, a):
    return -F.logsigmoid(-disc(es, ea)).mean() - F.logsigmoid(disc(s, a)).mean()


def _softplus(disc, es, ea, s, a):
    return F.softplus(disc(es, ea)).mean() + F.softplus(-disc(s, a)).mean()


def _through_sigmoid(disc, es, ea, s, a):
    de, ds = torch.sigmoid(disc(es, ea)), torch.sigmoid(disc(s, a))
    return F.binary_cross_entropy(de, torch.zeros_like(de)) + F.binary_cross_entropy(ds, torch.ones_like(ds))


def _log_of_sigmoid(disc, es, ea, s, a):
    return -torch.log(1 - torch.sigmoid(disc(es, ea))).mean() - torch.log(torch.sigmoid(disc(s, a))).mean()


def _flipped(disc, es, ea, s, a):
    le, ls = disc(es, ea), disc(s, a)
    return F.binary_cross_entropy_with_logits(le, torch.ones_like(le)) + F.binary_cross_entropy_with_logits(
        ls, torch.zeros_like(ls)
    )


def _pooled(disc, es, ea, s, a):
    logits = torch.cat([disc(es, ea), disc(s, a)])
    return F.binary_cross_entropy_with_logits(logits, torch.cat([torch.zeros(len(es)), torch.ones(len(s))]))


def _sums(disc, es, ea, s, a):
    le, ls = disc(es, ea), disc(s, a)
    return F.binary_cross_entropy_with_logits(le, torch.zeros_like(le), reduction="sum") + (
        F.binary_cross_entropy_with_logits(ls, torch.ones_like(ls), reduction="sum")
    )


DISC_STEP_VARIANTS = {
    "one forward pass over both sides": _stepper(_one_pass),
    "-logsigmoid of the logits": _stepper(_logsigmoid),
    "softplus of the logits": _stepper(_softplus),
    "the loss returned as a tensor": _stepper(_bce_logits, returns="tensor"),
}


@pytest.mark.parametrize("name", DISC_STEP_VARIANTS)
def test_disc_step_correct_variants_pass(name: str, capsys) -> None:
    check.disc_step(DISC_STEP_VARIANTS[name])
    assert capsys.readouterr().out.startswith("✓")


DISC_STEP_MISTAKES = {
    "you labelled the expert 1": _stepper(_flipped),
    "average each side on its own": _stepper(_pooled),
    "you took their mean": _stepper(lambda *x: _bce_logits(*x) / 2),
    "yours has only the expert's": _stepper(
        lambda d, es, ea, s, a: F.binary_cross_entropy_with_logits(d(es, ea), torch.zeros(len(es)))
    ),
    "yours has only the student's": _stepper(
        lambda d, es, ea, s, a: F.binary_cross_entropy_with_logits(d(s, a), torch.ones(len(s)))
    ),
    "each side is averaged (E[...] is a mean), not summed": _stepper(_sums),
    "the first call's gradient was still there at the second": _stepper(_bce_logits, zero_grad=False),
    "D did not move": _stepper(_bce_logits, step=False),
    "D did not move: after the loss": _stepper(_bce_logits, backward=False),
    "D = sigmoid(l) rounds to 1, and a loss computed from D has no gradient left": _stepper(_through_sigmoid),
    "compute it from the logits (binary_cross_entropy_with_logits, or logsigmoid)": _stepper(_log_of_sigmoid),
    "return D's loss, one number": _stepper(_bce_logits, returns="none"),
    "return the loss of this step, one float": _stepper(_bce_logits, returns="after"),
}


@pytest.mark.parametrize("message", DISC_STEP_MISTAKES)
def test_disc_step_mistakes(message: str) -> None:
    expect(check.disc_step, DISC_STEP_MISTAKES[message], match=message)


def test_gail_reward_reference_passes(nb04, capsys) -> None:
    check.gail_reward(nb04["reward"])
    assert capsys.readouterr().out.startswith("✓")


REWARD_VARIANTS = {
    "softplus(-l)": lambda d, s, a: F.softplus(-d(s, a)),
    "-logsigmoid(l)": lambda d, s, a: -F.logsigmoid(d(s, a)),
    "logaddexp(0, -l)": lambda d, s, a: torch.logaddexp(torch.zeros(len(s)), -d(s, a)),
    "with a gradient (no torch.no_grad)": lambda d, s, a: F.softplus(-d(s, a)).requires_grad_(),
}


@pytest.mark.parametrize("name", REWARD_VARIANTS)
def test_gail_reward_correct_variants_pass(name: str, capsys) -> None:
    check.gail_reward(REWARD_VARIANTS[name])
    assert capsys.readouterr().out.startswith("✓")


REWARD_MISTAKES = {
    "the reward is log D, not -log D: the sign is flipped": lambda d, s, a: F.logsigmoid(d(s, a)),
    "your reward pays the student for looking like a student": lambda d, s, a: F.softplus(d(s, a)),
    "that is log(1 - D)": lambda d, s, a: -F.softplus(d(s, a)),
    "that is the logit reward": lambda d, s, a: -d(s, a),
    "that is D itself": lambda d, s, a: torch.sigmoid(d(s, a)),
    "D = sigmoid(l) rounds to 0 (and exp(-l) overflows)": lambda d, s, a: -torch.log(torch.sigmoid(d(s, a))),
    "stays finite (notebook 03's table)": lambda d, s, a: torch.log1p(torch.exp(-d(s, a))),
    "shapes: expected one reward per step": lambda d, s, a: F.softplus(-d(s, a))[:, None],
}


@pytest.mark.parametrize("message", REWARD_MISTAKES)
def test_gail_reward_mistakes(message: str) -> None:
    expect(check.gail_reward, torch.no_grad()(REWARD_MISTAKES[message]), match=message)


# ---------------------------------------------------------------- every check


CHECKS = {
    "my_gae": check.gae,
    "my_record_demo": lambda fn: check.record_demo(fn, helpers.PolicyNet(), HABIT_X),
    "my_features": check.features,
    "my_disc_loss": check.disc_loss,
    "play": lambda fn: check.play(fn, 800),
    "disc_step": check.disc_step,
    "reward": check.gail_reward,
    "gail": lambda fn: check.run_gail(fn, torch.zeros(4, 4), torch.zeros(4, dtype=torch.int64), _cartpoles(), 800, 0),
}


def _cartpoles():
    """Gymnasium's vector CartPole, as notebook 04 makes it."""
    import gymnasium as gym

    return gym.make_vec("CartPole-v1", num_envs=8, vectorization_mode="vector_entry_point", max_episode_steps=200)


CONTINUOUS = {"my_log_prob", "my_bc_loss"}
"""Notebook 07's exercises, tested in ``tests/test_exercises_continuous.py``."""


def test_every_exercise_has_a_check_and_a_hint() -> None:
    others = set(check.MORE_HINTS) | set(check.HINTS_08)  # tests/test_exercises_more.py, tests/test_exercises_08.py
    assert set(CHECKS) | CONTINUOUS == set(check.HINTS) - others  # CONTINUOUS: tests/test_exercises_continuous.py


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_stub_gets_its_hint(name: str) -> None:
    """The student edition's stub fails at its check with ExerciseNotDone and the exercise's hint, not deeper."""
    with pytest.raises(check.ExerciseNotDone) as info:
        CHECKS[name](stub(name))
    assert str(info.value) == f"exercise not done yet: {check.HINTS[name]}"
    assert info.value.__cause__ is None and info.value.__suppress_context__


@pytest.mark.parametrize("name", sorted(set(CHECKS) - {"gail"}))  # the capstone trains from the notebook's stream
def test_a_check_leaves_the_random_streams_alone(name: str, nb01, nb02, nb03, nb04) -> None:
    """A notebook computes the same numbers with or without its checks: they draw from their own generators."""
    fn = {**nb01, **nb02, **nb03, **nb04}[name]
    expert = helpers.PolicyNet()
    runs = {"my_record_demo": lambda: check.record_demo(fn, expert, HABIT_X), "play": lambda: check.play(fn, 800)}
    leaves_random_streams_alone(runs.get(name, lambda: CHECKS[name](fn)))


def test_the_module_is_importable_as_documented() -> None:
    assert "helpers.teaching.exercises" in sys.modules and issubclass(check.ExerciseError, AssertionError)
