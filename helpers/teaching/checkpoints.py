"""Checkpoints: an ``assert`` on a number a notebook has just measured, printed with its limit and its margin.

A checkpoint is a promise to every learner, on every seed and every CPU, so each one shows how close a run came:

    checkpoint("GAIL's habit gap (m)", 0.05, at_most=0.35)
    # checkpoint ok: GAIL's habit gap (m) 0.05, limit <= 0.35, margin 0.30

and a failure says which number missed which limit, and by how much. The limits below were set where the learner's
and the control's distributions over many seeds lie far apart (``benchmarks/README.md``, "Checkpoints"); a
notebook quotes the constant it uses, so the notebook, ``benchmarks/run.py`` and the seed sweep agree.

Two environment variables serve the seed sweep (``benchmarks/check_seeds.py``), never a learner's run:
``IL_CHECKPOINT_LOG`` names a file to which every checkpoint appends one JSON line (name, value, limits, margin,
verdict), as ``record`` does for a number the sweep's tables need (no limit, no check); with
``IL_CHECKPOINTS=record`` a failed checkpoint is printed and logged but does not stop the notebook, so that one
tuning run measures every checkpoint of a notebook, not only those before the first failure.
"""

from __future__ import annotations

import json
import math
import os

EXPERT_HABIT_TOL = 0.15
"""01: the expert's habit on fresh greedy episodes within this of HABIT_X (its stop rule asks for 0.08)."""
HABIT_GAP = 0.4
"""04, 05: a learner keeps the expert's habit when its habit is within this of the expert's (the control is not)."""
DEMO_HABIT_TOL = HABIT_GAP
"""02: the demonstration's habit within this of HABIT_X: one episode, held to the learners' gap. (One episode's
habit varies around the expert's mean: 0.25 failed on seed 1017, whose demo held +1.77 while its expert's 50-episode
habit was within 0.08 of the mark.)"""
D_LOSS_DROP = 0.5
"""03: D's cross-entropy falls by at least this from its first step to its last against random play (0.98-1.42 over
150 sweep seeds); trained with the labels swapped, the loss with the right labels rises instead."""
DEMO_LIMIT_SHARE = 0.95
"""02: the demonstration comes no closer to a fall than this share of CartPole's limits (|x| <= 2.4 m,
|theta| <= 0.2095 rad)."""
SOLVED_RETURN = 195.0
"""04, 05: a learner balances when its greedy mean return is at least this (of 200)."""
COIN_CONTROL_RATIO = 2.0
"""05: plain GAIL on a coin's pairs lasts at least this many times the coin's episodes (a survival bonus)."""
DAGGER_LABEL_DISTANCE = 0.1
"""06: DAgger's labels of its learner's states lie at least this far (median, in demo std units) from the nearest demo
state; BC's labels, demo states themselves, lie at 0."""
ABSORBING_VS_COIN = 2.5
"""05: absorbing-state GAIL on a coin's pairs lasts at most this many times the coin's own episodes (median 0.86,
largest 2.2 over 450 seeds; a student with no fix, trained as long, at least 5.6: benchmarks/README.md)."""

EXPERT_TILT_TOL = 0.125
"""07: the expert's tilt (and its demonstrations') within this of ``TILT`` = 0.25 rad: at least half way there; a
policy paid Pendulum's own reward holds the pendulum upright, 0.25 away."""
EXPERT_UPRIGHT_SHARE = 0.9
"""07: the expert swings the pendulum up and holds it on at least this share of its fresh greedy episodes (every one
on the tuning seeds; an untrained policy none)."""
UPRIGHT_SHARE = 0.5
"""07: a learner swings the pendulum up and holds it (|theta| < 45 degrees over the last 100 steps) on at least this
share of its fresh greedy episodes: half way between GAIL's (0.8-1 on the first seeds swept) and an untrained
policy's, 0."""
TILT_GAP = 0.1
"""07: a learner keeps the expert's habit when its tilt is within this (rad) of the expert's; the control, paid
Pendulum's own reward, holds the pendulum upright, about TILT = 0.25 rad away."""


def _fmt(value: float) -> str:
    if isinstance(value, bool):
        return str(value)
    if float(value).is_integer() and abs(value) >= 10:
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def margin_of(value: float, at_least: float | None = None, at_most: float | None = None) -> float:
    """The distance from ``value`` to the nearer limit: positive inside the limits, negative outside, -inf for NaN."""
    if at_most is None and at_least is None:
        raise ValueError("a checkpoint needs at_most, at_least or both")
    margins = ([float(value) - at_least] if at_least is not None else []) + (
        [at_most - float(value)] if at_most is not None else []
    )
    return min(margins) if not math.isnan(float(value)) else -math.inf


def checkpoint(
    name: str,
    value: float,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    hint: str = "",
    control: tuple[str, float] | None = None,
) -> None:
    """Check ``at_least <= value <= at_most`` (either bound may be None); print the value, limit and margin.

    The margin is the distance to the nearer limit (negative when the check failed). Raises ``AssertionError``
    naming the number, its limit and ``hint`` (what to do) when the check fails; returns nothing, so that a
    notebook cell ending in a checkpoint shows only its printed line.

    ``control = (who, number)``: what a learner who did not learn the lesson scores on the same check (the survival
    control, an untrained network, ...). It is printed beside the learner's number and logged as
    ``"<name> (control)"``, and it must *fail* the limit: a check that the control passes too shows nothing on this
    run, so that raises ``AssertionError`` as well, saying so.
    """
    value = float(value)
    margin = margin_of(value, at_least, at_most)
    ok = margin >= 0
    limits = ([f">= {_fmt(at_least)}"] if at_least is not None else []) + (
        [f"<= {_fmt(at_most)}"] if at_most is not None else []
    )
    limit = " and ".join(limits)
    line = f"{name} {_fmt(value)}, limit {limit}, margin {_fmt(margin)}"
    _log(name, value, at_least, at_most, margin, ok)
    control_passes = False
    if control is not None:
        who, score = control[0], float(control[1])
        control_margin = margin_of(score, at_least, at_most)  # negative: the control fails, as it must
        control_passes = control_margin >= 0
        _log(f"{name} (control)", score, at_least, at_most, control_margin, not control_passes)
        line += f"; {who}: {_fmt(score)}, " + (
            "passes it too" if control_passes else f"fails it by {_fmt(-control_margin)}"
        )
    if ok and not control_passes:
        print(f"checkpoint ok: {line}")
        return
    if not ok:
        message = f"checkpoint failed: {line}" + (f". {hint}" if hint else "")
    else:
        message = (
            f"checkpoint shows nothing: {line}. On this run the check cannot tell a learner that learned from one "
            "that did not"
        )
    if os.environ.get("IL_CHECKPOINTS") == "record":
        print(message + " [recorded, not raised: IL_CHECKPOINTS=record]")
        return
    raise AssertionError(message)


def record(name: str, value: float) -> None:
    """Log a measured number for the seed sweep's tables without checking it (nothing is printed or asserted)."""
    _log(name, float(value), None, None, math.nan, True)


def _log(name: str, value: float, at_least: float | None, at_most: float | None, margin: float, ok: bool) -> None:
    """Append one JSON line to ``$IL_CHECKPOINT_LOG`` if it is set (the seed sweep reads it)."""
    path = os.environ.get("IL_CHECKPOINT_LOG")
    if not path:
        return
    entry = {"name": name, "value": value, "at_least": at_least, "at_most": at_most, "margin": margin, "ok": ok}
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
