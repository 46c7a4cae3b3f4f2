"""Checking notebook parameters and config fields, so that a bad value is named before any work starts.

A ``Rule`` says which values a parameter allows and how to say so: ``integer(1)`` is "an integer >= 1",
``SEED_RULE`` is "an integer in [0, 2**32 - 1]". A notebook validates its ``parameters`` cell in one call,

    helpers.check_parameters(SEED=SEED, MAX_ENV_STEPS=MAX_ENV_STEPS, DATA_DIR=DATA_DIR)

and a bad value stops it with ``ParameterError: SEED must be an integer in [0, 2**32 - 1], got 'abc'``.
The rule of each name comes from ``PARAMETER_RULES`` (exact names), else from ``BUDGET_SUFFIXES`` (a name ending
in ``_STEPS``, ``_EPISODES``, ``_EPOCHS`` or ``_PAIRS`` is a budget, an integer >= 1); a name with neither needs
its rule passed explicitly: ``check_parameters({"HABIT_X": number(-2.4, 2.4, optional=True)}, HABIT_X=HABIT_X)``.

A budget far above its notebook's default (``BUDGETS``) passes, with a printed warning of roughly how long it will
take, from a measured rate: ``GAIL_MAX_ENV_STEPS = 1,000,000,000 will take roughly 28 hours ...``.

Config dataclasses check their fields the same way: each class lists a rule per field in a ``FIELD_RULES``
class variable, and its ``__post_init__`` calls ``check_config(self)``, so ``PPOConfig(epochs=0)`` raises
``ParameterError: PPOConfig.epochs must be an integer >= 1, got 0``.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from typing import Any


class ParameterError(ValueError):
    """A notebook parameter or a config field holds a value outside what it allows."""


@dataclass(frozen=True)
class Rule:
    """The values a parameter allows: ``accepts(value)`` says whether one is allowed, ``describe`` says which."""

    describe: str
    """What the allowed values are, completing "NAME must be ...", e.g. "an integer >= 1"."""
    accepts: Callable[[Any], bool]
    """True if the value is allowed."""

    def check(self, name: str, value: Any) -> Any:
        """Return ``value`` if allowed, else raise ``ParameterError("NAME must be <describe>, got <value>")``."""
        try:
            ok = bool(self.accepts(value))
        except Exception:  # a comparison the value does not support: it is not what the rule wants
            ok = False
        if not ok:
            raise ParameterError(f"{name} must be {self.describe}, got {_show(value)}")
        return value


def _show(value: Any) -> str:
    """The value as the learner typed it (repr), shortened if long."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def integer(low: int | None = None, high: int | None = None, high_text: str | None = None) -> Rule:
    """An integer (not a bool, not a float such as 1.0) in [low, high]; either bound may be left open (None).

    ``high_text`` writes the upper bound in the message, e.g. "2**32 - 1" instead of 4294967295.
    """
    hi = high_text or (str(high) if high is not None else None)
    if low is not None and high is not None:
        describe = f"an integer in [{low}, {hi}]"
    elif low is not None:
        describe = f"an integer >= {low}"
    elif high is not None:
        describe = f"an integer <= {hi}"
    else:
        describe = "an integer"
    return Rule(
        describe,
        lambda v: _is_int(v) and (low is None or v >= low) and (high is None or v <= high),
    )


def number(
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    optional: bool = False,
    finite: bool = True,
) -> Rule:
    """A real number (an int or a float, not a bool) within the bounds; NaN never, inf only if not ``finite``.

    ``low_open`` / ``high_open`` exclude the bound itself (``number(0, low_open=True)`` is "a number > 0");
    ``optional`` also allows None.
    """
    if low is not None and high is not None:
        describe = f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    elif low is not None:
        describe = f"a number {'>' if low_open else '>='} {low:g}"
    elif high is not None:
        describe = f"a number {'<' if high_open else '<='} {high:g}"
    else:
        describe = "a finite number" if finite else "a number (not NaN)"
    if optional:
        describe = f"None or {describe}"

    def accepts(v: Any) -> bool:
        if v is None:
            return optional
        if not _is_real(v) or math.isnan(v) or (finite and math.isinf(v)):
            return False
        if low is not None and (v <= low if low_open else v < low):
            return False
        return high is None or (v < high if high_open else v <= high)

    return Rule(describe, accepts)


def flag() -> Rule:
    """True or False (not 0, 1 or the string "True")."""
    return Rule("True or False", lambda v: isinstance(v, bool))


def one_of(*choices: Any) -> Rule:
    """One of the given values."""
    return Rule("one of " + ", ".join(repr(c) for c in choices), lambda v: any(v == c for c in choices))


def instance_of(cls: type) -> Rule:
    """An instance of ``cls`` (e.g. a nested ``PPOConfig``)."""
    return Rule(f"a {cls.__name__}", lambda v: isinstance(v, cls))


def folder_path() -> Rule:
    """None (the default folder) or a non-empty path; an empty or blank string is refused, never taken as '.'."""
    return Rule(
        "None (the default data folder) or a non-empty folder path",
        lambda v: v is None or (isinstance(v, str | os.PathLike) and str(os.fspath(v)).strip() != ""),
    )


SEED_RULE = integer(0, 2**32 - 1, high_text="2**32 - 1")
"""A seed: NumPy's ``np.random.seed`` takes integers in [0, 2**32 - 1]."""
BUDGET_RULE = integer(1)
"""A budget (env steps, episodes, epochs, pairs): at least 1."""
FLAG_RULE = flag()
"""A switch: True or False."""
DATA_DIR_RULE = folder_path()
"""``DATA_DIR``: None or a non-empty folder path."""
HIDDEN_RULE = integer(1, 4096)
"""Hidden units of a network: the series uses 128; more than 4096 is a mistake (or a hostile file)."""

PARAMETER_RULES: dict[str, Rule] = {
    "SEED": SEED_RULE,
    "HABIT_X": number(-2, 2, optional=True),
    "DATA_DIR": DATA_DIR_RULE,
    "FULL_SWEEP": FLAG_RULE,
    "EXPERT_LABELS": integer(2, 200),
}
"""The rule of each notebook parameter known by its exact name."""
BUDGET_SUFFIXES = ("_STEPS", "_EPISODES", "_EPOCHS", "_PAIRS")
"""A parameter whose name ends in one of these is a budget (``BUDGET_RULE``), unless ``PARAMETER_RULES`` says
otherwise."""


def parameter_rule(name: str, rules: Mapping[str, Rule] | None = None) -> Rule:
    """The rule of notebook parameter ``name``: from ``rules``, else ``PARAMETER_RULES``, else a budget suffix."""
    if rules and name in rules:
        return rules[name]
    if name in PARAMETER_RULES:
        return PARAMETER_RULES[name]
    if name.endswith(BUDGET_SUFFIXES):
        return BUDGET_RULE
    raise KeyError(
        f"no rule for notebook parameter {name!r}: pass one, e.g. check_parameters({{{name!r}: "
        f"helpers.core.rules.integer(0)}}, {name}={name}), or add it to helpers.core.rules.PARAMETER_RULES"
    )


def check_parameters(rules: Mapping[str, Rule] | None = None, /, **values: Any) -> None:
    """Check each notebook parameter ``NAME=value`` against its rule; the first bad one raises ``ParameterError``.

    ``rules`` (optional, positional) gives or overrides the rule of names that ``PARAMETER_RULES`` and the budget
    suffixes do not cover. Every parameter is checked before anything else runs, so the error names the parameter
    and what it allows instead of surfacing later from deep inside NumPy, tqdm or torch. Then each budget far above
    its default prints a warning of how long it will take (``budget_warning``); it is not an error.
    """
    for name, value in values.items():
        parameter_rule(name, rules).check(name, value)
    for name, value in values.items():
        warning = budget_warning(name, value)
        if warning is not None:
            print(warning, file=sys.stderr)


# ---------------------------------------------------------------- how long a budget takes


@dataclass(frozen=True)
class Budget:
    """A notebook's training budget: its default, and how fast the notebook spends it, for a time estimate."""

    default: int
    """The value in the notebook's parameters cell (``tests/test_checks.py`` checks that they agree)."""
    per_second: float
    """Units of the budget spent per second on one CPU thread (measured: see ``BUDGETS``)."""
    unit: str
    """What the budget counts, e.g. "env steps"."""
    spent_on: str
    """What spends it, e.g. "GAIL and the survival control each train for the whole budget"."""
    runs: int = 1
    """How many training runs spend the whole budget (the estimate is ``runs * value / per_second``)."""
    stops_early: bool = False
    """True if training may stop before the budget is spent (the estimate is then "up to")."""


# Rates measured on a 2-core AMD EPYC VM (torch 2.13.0+cpu, torch.set_num_threads(1), the other core busy), SEED 0,
# the committed data/, process CPU time of one call, each measured twice: train_expert 17,300-17,900 env steps/s
# (27,885 steps until solved, evaluations included); train_gail with GAILConfig() 18,500-24,100 (51,428 steps),
# with absorbing_config() 19,100-20,200, on the random policy's 200 pairs 16,700-18,600; train_bc 2,000-3,000
# epochs/s (200 pairs). Notebook 06 (the same VM, both cores busy with other runs, so rather low): train_airl
# 11,000-12,000 env steps/s, train_on_reward 11,000-16,000. Rounded; a laptop may be faster or slower: the
# estimate says "roughly".
BUDGETS: dict[str, Budget] = {
    "MAX_ENV_STEPS": Budget(200_000, 17_000, "env steps", "the expert trains until solved or out of budget", 1, True),
    "GAIL_MAX_ENV_STEPS": Budget(
        80_000, 20_000, "env steps", "GAIL and the survival control each train for the whole budget", 2
    ),
    "CONTROL_MAX_ENV_STEPS": Budget(50_000, 18_000, "env steps", "GAIL trains on the random policy's pairs for it"),
    "ABSORBING_MAX_ENV_STEPS": Budget(
        50_000, 20_000, "env steps", "absorbing-state GAIL trains for it on each of the two demo sets", 2
    ),
    "SIZE_MAX_ENV_STEPS": Budget(
        160_000, 20_000, "env steps", "GAIL trains for it on 20 pairs (with FULL_SWEEP, on each of 4 demo sizes)"
    ),
    "BC_EPOCHS": Budget(1000, 2_500, "epochs", "behavioral cloning trains for it (notebook 05: on each demo size)"),
    "AIRL_MAX_ENV_STEPS": Budget(40_000, 15_000, "env steps", "AIRL trains for it once"),
    "STUDENT_MAX_ENV_STEPS": Budget(
        30_000, 20_000, "env steps", "each of six fresh students trains for it on a frozen reward", 6
    ),
}
"""The training budgets of the notebooks' parameters cells, by name, with their defaults and measured rates."""
BUDGET_WARN_FACTOR = 20
"""A budget more than this many times its default, and estimated at a minute or more, prints a warning."""


def roughly(seconds: float) -> str:
    """A duration in words: "40 seconds", "12 minutes", "28 hours", "6 days"."""
    for limit, size, unit in [(90, 1, "second"), (90 * 60, 60, "minute"), (48 * 3600, 3600, "hour")]:
        if seconds < limit:
            n = max(1, round(seconds / size))
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{round(seconds / 86400):,} days"


def budget_warning(name: str, value: Any) -> str | None:
    """A warning of roughly how long budget ``name`` = ``value`` takes, if it is far above its default; else None.

    The estimate is ``runs * value / per_second`` (``BUDGETS``); the warning says it when ``value`` exceeds
    ``BUDGET_WARN_FACTOR`` times the default and the estimate is a minute or more.
    """
    budget = BUDGETS.get(name)
    if budget is None or not _is_int(value) or value <= BUDGET_WARN_FACTOR * budget.default:
        return None
    seconds = budget.runs * value / budget.per_second
    if seconds < 60:
        return None
    return (
        f"Warning: {name} = {value:,} will take {'up to ' if budget.stops_early else ''}roughly {roughly(seconds)} on "
        f"a laptop CPU: {budget.spent_on}, at about {budget.per_second:,.0f} {budget.unit}/s (measured). The default "
        f"is {budget.default:,}; interrupt the kernel to stop."
    )


# ---------------------------------------------------------------- config dataclasses


def config_rules(cls: type) -> dict[str, Rule]:
    """The field rules of config class ``cls``: the ``FIELD_RULES`` of it and its bases, the subclass's winning."""
    merged: dict[str, Rule] = {}
    for klass in reversed(cls.__mro__):
        merged.update(klass.__dict__.get("FIELD_RULES", {}))
    return merged


def check_config(config: Any) -> None:
    """Check every field of a config dataclass against its class's ``FIELD_RULES`` (call it in ``__post_init__``).

    A bad field raises ``ParameterError("PPOConfig.epochs must be an integer >= 1, got 0")``.
    """
    if not is_dataclass(config):
        raise TypeError(f"check_config expects a dataclass instance, got {type(config).__name__}")
    rules = config_rules(type(config))
    cls = type(config).__name__
    for f in fields(config):
        if f.name in rules:
            rules[f.name].check(f"{cls}.{f.name}", getattr(config, f.name))


def unchecked_fields(cls: type) -> list[str]:
    """Fields of config dataclass ``cls`` that have no rule (the tests require none), and rules naming no field."""
    names = {f.name for f in fields(cls)}
    rules = config_rules(cls)
    return sorted(names - set(rules)) + sorted(f"{r} (rule without a field)" for r in set(rules) - names)


def names_in(rules: Iterable[str]) -> str:
    """'a', 'b' and 'c': names listed for a message."""
    items = [repr(r) for r in rules]
    if not items:
        return "nothing"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
