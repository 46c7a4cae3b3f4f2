"""Notebook 08's coding exercise (helpers/teaching/exercises.py, its last section): the share of a demonstration's
states whose nearest other state got the other push. The notebook's reference solution passes and agrees with
``helpers.conflicting_pushes`` on real demonstrations; every correct variant named here passes; every known mistake,
written as a learner would write it, is caught with its own message; the student edition's stub gets its hint; the
check leaves the random streams as it found them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import exercise_support as support
import numpy as np
import pytest
import torch
from exercise_support import solution_cells, solutions

import helpers
from helpers.teaching import exercises as check

ROOT = Path(__file__).resolve().parent.parent
NAME = "my_conflicting_pushes"


@pytest.fixture(scope="module")
def reference() -> Callable:
    """Notebook 08's reference solution (its solution cell, without the check's call)."""
    assert len(solution_cells("08_your_demonstration")) == 1
    return solutions("08_your_demonstration", {"torch": torch})[NAME]


def expect(fn: Callable, match: str) -> None:
    """``check.conflicting_pushes(fn)`` raises ExerciseError whose message holds ``match`` (a literal piece of it)."""
    support.expect(check.conflicting_pushes, fn, match=match)


def passes(fn: Callable, capsys) -> None:
    """``check.conflicting_pushes(fn)`` accepts ``fn`` and prints its one line of praise."""
    support.passes(check.conflicting_pushes, fn, capsys)


def test_reference_passes(reference, capsys) -> None:
    passes(reference, capsys)


def test_reference_is_the_helper_on_real_demonstrations(reference) -> None:
    """The notebook's solution and the helper agree on the expert's pairs and a shaky stand-in's (one neighbour more
    or less would move the share by 1/N, far more than the float32 mean's rounding)."""
    from helpers.teaching.game import ScriptedPlayer, cartpole_game, play_scripted

    demos = helpers.load_demos(ROOT / "data" / "expert_demos.pt")
    shaky = play_scripted(cartpole_game(seed=0), ScriptedPlayer(mark=-1.0, shaky=0.1, seed=0))
    for states, actions in ((demos["states"], demos["actions"]), (shaky.states, shaky.actions)):
        assert reference(states, actions) == pytest.approx(helpers.conflicting_pushes(states, actions), abs=1e-6)


def test_the_helper_on_planted_twins() -> None:
    """Five pairs of near-twins, two of them answered both ways: 4 of 10 states."""
    states, actions = check._planted_pushes()
    assert helpers.conflicting_pushes(states, actions) == pytest.approx(0.4)
    with pytest.raises(ValueError, match="one action per state"):
        helpers.conflicting_pushes(states, actions[:-1])


def test_the_planted_twins_tell_every_mistake_apart() -> None:
    """On the planted input each known mistake gives a share of its own (the standardised one only on random
    states, where the check catches it)."""
    states, actions = check._planted_pushes()
    kinds = ["right", *(kind for kind, _ in check.PUSHES_MISTAKES if kind != "standardised")]
    values = [round(check._pushes_variant(kind, states, actions), 6) for kind in kinds]
    assert len(set(values)) == len(values), dict(zip(kinds, values, strict=True))


# ---------------------------------------------------------------- correct variants


def squared(states, actions):
    d = ((states[:, None, :] - states[None, :, :]) ** 2).sum(-1)  # squared distances: the same argmin
    d = d + torch.diag(torch.full((len(states),), 1e9))
    a = actions[:, 0]
    return float((a[d.argmin(1)] != a).sum()) / len(a)


def loops(states, actions):
    s, a = states.tolist(), [int(x) for x in actions.reshape(-1)]
    differ = 0
    for i in range(len(s)):
        best, nearest = float("inf"), None
        for j in range(len(s)):
            if j != i:
                d = sum((p - q) ** 2 for p, q in zip(s[i], s[j], strict=True)) ** 0.5
                if d < best:
                    best, nearest = d, j
        differ += a[nearest] != a[i]
    return differ / len(s)


def numpy_version(states, actions):
    s, a = states.numpy(), actions.numpy().ravel()
    d = np.linalg.norm(s[:, None] - s[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    return np.mean(a[d.argmin(axis=1)] != a)  # a NumPy scalar


def second_nearest_by_sort(states, actions):
    nearest = torch.cdist(states, states).argsort(dim=1)[:, 1]  # the first is the state itself
    a = actions.squeeze(-1)
    return (a[nearest] != a).float().mean()  # a tensor of shape []


def masked_with_where(states, actions):
    d = torch.cdist(states, states)
    d = torch.where(torch.eye(len(states), dtype=torch.bool), torch.inf, d)
    a = actions.flatten()
    return torch.mean((a[d.min(dim=1).indices] != a).to(torch.float64)).item()


VARIANTS = [squared, loops, numpy_version, second_nearest_by_sort, masked_with_where]


@pytest.mark.parametrize("fn", VARIANTS, ids=lambda f: f.__name__)
def test_correct_variants_pass(fn: Callable, capsys) -> None:
    passes(fn, capsys)


# ---------------------------------------------------------------- known mistakes, as a learner would write them


def own_neighbour(states, actions):
    nearest = torch.cdist(states, states).argmin(1)  # the diagonal is 0: each state finds itself
    a = actions.reshape(-1)
    return (a[nearest] != a).float().mean().item()


def a_count(states, actions):
    d = torch.cdist(states, states)
    d.fill_diagonal_(float("inf"))
    a = actions.reshape(-1)
    return (a[d.argmin(1)] != a).sum().item()


def agreeing(states, actions):
    d = torch.cdist(states, states)
    d.fill_diagonal_(float("inf"))
    a = actions.reshape(-1)
    return (a[d.argmin(1)] == a).float().mean().item()


def farthest(states, actions):
    d = torch.cdist(states, states)
    a = actions.reshape(-1)
    return (a[d.argmax(1)] != a).float().mean().item()


def broadcast(states, actions):
    d = torch.cdist(states, states)
    d.fill_diagonal_(float("inf"))
    neighbours = actions[d.argmin(1)].reshape(-1)  # [N]
    return (neighbours != actions).float().mean().item()  # against [N, 1]: an N x N table


def next_in_time(states, actions):
    a = actions.reshape(-1)
    return (a[1:] != a[:-1]).float().mean().item()


def standardised(states, actions):
    s = (states - states.mean(0)) / states.std(0)
    d = torch.cdist(s, s)
    d.fill_diagonal_(float("inf"))
    a = actions.reshape(-1)
    return (a[d.argmin(1)] != a).float().mean().item()


def per_state(states, actions):
    d = torch.cdist(states, states)
    d.fill_diagonal_(float("inf"))
    a = actions.reshape(-1)
    return (a[d.argmin(1)] != a).float()


MISTAKES = {
    "each state came out as its own nearest state": own_neighbour,
    "yours is a count of states": a_count,
    "got the SAME push": agreeing,
    "you took the farthest state": farthest,
    "actions has shape [N, 1]": broadcast,
    "you compared each state with the next one in time": next_in_time,
    "random states: you rescaled the states": standardised,
    "return one number, the share over all states; got an array of shape [10]": per_state,
}


@pytest.mark.parametrize("message", MISTAKES)
def test_mistakes_are_named(message: str) -> None:
    expect(MISTAKES[message], message)


def test_an_unknown_mistake_gets_the_planted_share() -> None:
    expect(lambda s, a: 0.25, "on five pairs of near-twin states, two pairs answered both ways, the share is 0.40")
    expect(lambda s, a: "0.4", "return one number, the share of states; got str")
    expect(lambda s, a: float("nan"), "the share is a number between 0 and 1")


def test_the_exercise_has_a_hint() -> None:
    assert set(check.HINTS_08) == {NAME} and set(check.HINTS_08) <= set(check.HINTS)


def test_a_stub_gets_its_hint() -> None:
    """The student edition's stub fails at its check with ExerciseNotDone and the exercise's hint, not deeper."""

    def stub(states, actions):
        raise NotImplementedError(check.HINTS[NAME])

    with pytest.raises(check.ExerciseNotDone) as info:
        check.conflicting_pushes(stub)
    assert str(info.value) == f"exercise not done yet: {check.HINTS[NAME]}"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_the_check_leaves_the_random_streams_alone(reference) -> None:
    """Notebook 08 computes the same numbers with or without its check."""
    support.leaves_random_streams_alone(lambda: check.conflicting_pushes(reference))


def test_the_check_inputs_leave_no_near_tie() -> None:
    """On every input the check tries, each state's nearest other state is nearer than the second nearest by more
    than 1e-4 of its distance (the least on them is about 9e-4), far more than float32's rounding of a distance: a
    learner computing in float32 or with squared distances gets the reference's neighbours."""
    gen = torch.Generator().manual_seed(0)  # the check's generator, drawn in the check's order
    cases = [check._planted_pushes(), *(check._random_pushes(n, gen) for n in (2, 3, 17, 200))]
    for states, _ in cases:
        if len(states) < 3:
            continue
        s = states.double()
        d = torch.cdist(s, s, compute_mode="donot_use_mm_for_euclid_dist")
        d.fill_diagonal_(float("inf"))
        first, second = d.sort(dim=1).values[:, :2].T
        assert float(((second - first) / first).min()) > 1e-4
