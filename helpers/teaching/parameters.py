"""A notebook's parameters: the rule each one follows, how long a large budget takes, and their defaults.

A notebook validates its ``parameters`` cell in one call, right after its imports,

    helpers.check_parameters(SEED=SEED, MAX_ENV_STEPS=MAX_ENV_STEPS, DATA_DIR=DATA_DIR)

and a bad value stops it with ``ParameterError: SEED must be an integer in [0, 2**32 - 1], got 'abc'``.
The rule of each name comes from ``PARAMETER_RULES`` (exact names), else from ``BUDGET_SUFFIXES`` (a name ending
in ``_STEPS``, ``_EPISODES``, ``_EPOCHS`` or ``_PAIRS`` is a budget, an integer >= 1); a name with neither needs
its rule passed explicitly: ``check_parameters({"HABIT_X": rules.number(-2.4, 2.4, optional=True)}, HABIT_X=HABIT_X)``.
A training budget estimated at more than a few minutes passes, with a printed warning of roughly how long it will
take, from a measured rate: ``GAIL_MAX_ENV_STEPS = 1,000,000,000 will take roughly 28 hours ...``.

Each default lives in its notebook's ``parameters`` cell and nowhere else: ``notebook_parameters("04")`` reads them
from the notebook (the benchmarks, ``scripts/run_notebook.py`` and the tests do), and the helpers take budgets as
arguments without defaults of their own.
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.core.paths import ROOT, display_path
from helpers.core.rules import (
    BUDGET_RULE,
    DATA_DIR_RULE,
    FLAG_RULE,
    SEED_RULE,
    ParameterError,
    Rule,
    integer,
    number,
)

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
        f"helpers.core.rules.integer(0)}}, {name}={name}), or add it to helpers.teaching.parameters.PARAMETER_RULES"
    )


def check_parameters(rules: Mapping[str, Rule] | None = None, /, **values: Any) -> None:
    """Check each notebook parameter ``NAME=value`` against its rule; the first bad one raises ``ParameterError``.

    ``rules`` (optional, positional) gives or overrides the rule of names that ``PARAMETER_RULES`` and the budget
    suffixes do not cover. Every parameter is checked before anything else runs, so the error names the parameter
    and what it allows instead of surfacing later from deep inside NumPy, tqdm or torch. Then each budget that will
    take long prints a warning of roughly how long (``budget_warning``); it is not an error.
    """
    for name, value in values.items():
        parameter_rule(name, rules).check(name, value)
    for name, value in values.items():
        warning = budget_warning(name, value)
        if warning is not None:
            print(warning, file=sys.stderr)


# ---------------------------------------------------------------- how long a budget takes


@dataclass(frozen=True)
class Rate:
    """How fast a notebook spends one of its training budgets, for a time estimate."""

    per_second: float
    """Units of the budget spent per second on one CPU thread (measured: see ``RATES``)."""
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
# (27,885 steps until solved, evaluations included); train_gail at notebook 04's settings 18,500-24,100 (51,428
# steps), with absorbing_config() 19,100-20,200, on the random policy's 200 pairs 16,700-18,600; train_bc 2,000-3,000
# epochs/s (200 pairs). Notebook 06 (the same VM, both cores busy with other runs, so rather low): train_airl
# 11,000-12,000 env steps/s, train_on_reward 11,000-16,000. Notebook 07 (Pendulum; process time, both cores busy):
# train_on_pendulum 35,000-37,000 env steps/s, train_pendulum_gail 24,000-30,000. Rounded; a laptop may be faster
# or slower: the estimate says "roughly".
RATES: dict[str, Rate] = {
    "MAX_ENV_STEPS": Rate(17_000, "env steps", "the expert trains until solved or out of budget", 1, True),
    "GAIL_MAX_ENV_STEPS": Rate(20_000, "env steps", "GAIL and the survival control each train for the whole budget", 2),
    "CONTROL_MAX_ENV_STEPS": Rate(
        18_000, "env steps", "plain GAIL and the survival control each train on the random policy's pairs for it", 2
    ),
    "ABSORBING_MAX_ENV_STEPS": Rate(
        20_000, "env steps", "absorbing-state GAIL trains for it on each of the two demo sets", 2
    ),
    "SIZE_MAX_ENV_STEPS": Rate(
        20_000, "env steps", "GAIL trains for it on 20 pairs (with FULL_SWEEP, on each of 4 demo sizes)"
    ),
    "BC_EPOCHS": Rate(2_500, "epochs", "behavioral cloning trains for it (notebook 05: on each demo size)"),
    "AIRL_MAX_ENV_STEPS": Rate(15_000, "env steps", "AIRL trains for it once"),
    "STUDENT_MAX_ENV_STEPS": Rate(
        20_000, "env steps", "each of six fresh students trains for it on a frozen reward", 6
    ),
    "EXPERT_MAX_ENV_STEPS": Rate(35_000, "env steps", "the expert and the control each train for it", 2),
    "IMITATION_MAX_ENV_STEPS": Rate(27_000, "env steps", "GAIL's student trains for it"),
}
"""How fast each training budget of the notebooks' parameters cells is spent, by name (measured)."""
WARN_SECONDS = 120
"""A budget estimated to take longer than this prints a warning. Every notebook's default budgets take well under a
minute, so only a budget several times its default does."""


def roughly(seconds: float) -> str:
    """A duration in words: "40 seconds", "12 minutes", "28 hours", "6 days"."""
    for limit, size, unit in [(90, 1, "second"), (90 * 60, 60, "minute"), (48 * 3600, 3600, "hour")]:
        if seconds < limit:
            n = max(1, round(seconds / size))
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{round(seconds / 86400):,} days"


def budget_warning(name: str, value: Any) -> str | None:
    """A warning of roughly how long budget ``name`` = ``value`` takes, if more than ``WARN_SECONDS``; else None.

    The estimate is ``runs * value / per_second`` (``RATES``).
    """
    rate = RATES.get(name)
    if rate is None or not BUDGET_RULE.accepts(value):
        return None
    seconds = rate.runs * value / rate.per_second
    if seconds <= WARN_SECONDS:
        return None
    return (
        f"Warning: {name} = {value:,} will take {'up to ' if rate.stops_early else ''}roughly {roughly(seconds)} on "
        f"a laptop CPU: {rate.spent_on}, at about {rate.per_second:,.0f} {rate.unit}/s (measured); interrupt the "
        "kernel to stop."
    )


# ---------------------------------------------------------------- the defaults, read from the notebooks

NOTEBOOKS = ROOT / "notebooks"
"""The repository's notebooks."""


def notebook_path(notebook: str | os.PathLike) -> Path:
    """A notebook's path from its path, file name, or the start of its name ("04", "04_gail") in ``notebooks/``."""
    path = Path(notebook)
    if path.suffix == ".ipynb" and path.exists():
        return path
    matches = sorted(NOTEBOOKS.glob(path.name if path.suffix == ".ipynb" else f"{path.name}*.ipynb"))
    if len(matches) != 1:
        found = ", ".join(p.name for p in matches) or "none"
        raise FileNotFoundError(
            f"{notebook}: expected one notebook of that name in {display_path(NOTEBOOKS)}, found {found}"
        )
    return matches[0]


def notebook_parameters(notebook: str | os.PathLike) -> dict[str, Any]:
    """The defaults of a notebook's ``parameters`` cell, {NAME: value}, read from the notebook: ``"04"`` gives
    ``{"SEED": 0, "GAIL_MAX_ENV_STEPS": 80000, ...}``, in the cell's order.

    Reads the ``.ipynb`` as JSON and evaluates each assignment of the cell tagged ``parameters`` as a literal, as
    papermill (which injects the values) sees them; papermill's own ``inspect_notebook`` gives each value as source
    text and takes seconds to import (written here for that measured reason). A value that is not a literal raises
    ``ValueError`` naming the notebook and the parameter.
    """
    path = notebook_path(notebook)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    cell = next((c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if cell is None:
        raise ValueError(f"{display_path(path)}: no cell tagged 'parameters'")
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    values = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            try:
                values[name] = ast.literal_eval(node.value)
            except ValueError:
                raise ValueError(f"{display_path(path)}: parameter {name} is not a literal value") from None
    return values


def check_parameter_names(notebook: str | os.PathLike, names: list[str]) -> None:
    """Raise ``ParameterError`` if a name is not a parameter of the notebook: it names them all, and the closest.

    papermill only logs "Passed unknown parameter" and runs on with the default, so a misspelt ``-p seed 7`` would
    run seed 0 and overwrite its files as if all were well.
    """
    params = list(notebook_parameters(notebook))
    unknown = [n for n in names if n not in params]
    if not unknown:
        return
    hints = []
    for name in unknown:
        close = difflib.get_close_matches(name.upper(), [p.upper() for p in params], n=1, cutoff=0.6)
        guess = next((p for p in params if close and p.upper() == close[0]), None)
        hints.append(f"{name!r}" + (f" (did you mean {guess}?)" if guess else ""))
    raise ParameterError(
        f"{display_path(notebook_path(notebook))} has no parameter {', '.join(hints)}: its parameters are "
        f"{', '.join(params)}"
    )
