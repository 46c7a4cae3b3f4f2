"""The values a notebook parameter or a config field allows, so that a bad value is named before any work starts.

A ``Rule`` says which values are allowed and how to say so: ``integer(1)`` is "an integer >= 1", ``SEED_RULE`` is
"an integer in [0, 2**32 - 1]". A config dataclass gives each field its rule where the field is declared,

    epochs: int = checked(10, rules.integer(1))  # its one-line docstring below, as for any field

and its ``__post_init__`` calls ``check_config(self)``, so ``PPOConfig(epochs=0)`` raises
``ParameterError: PPOConfig.epochs must be an integer >= 1, got 0``. The notebooks' parameters are checked with the
same rules (``helpers.teaching.parameters.check_parameters``).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Callable, Iterable
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
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


def integer(
    low: int | None = None, high: int | None = None, high_text: str | None = None, *, optional: bool = False
) -> Rule:
    """An integer (not a bool, not a float such as 1.0) in [low, high]; either bound may be left open (None).

    ``high_text`` writes the upper bound in the message, e.g. "2**32 - 1" instead of 4294967295; ``optional`` also
    allows None.
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
        f"None or {describe}" if optional else describe,
        lambda v: (
            (optional and v is None) or (_is_int(v) and (low is None or v >= low) and (high is None or v <= high))
        ),
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

# ---------------------------------------------------------------- config dataclasses


def checked(
    default: Any = MISSING, rule: Rule | None = None, *, default_factory: Any = MISSING, kw_only: Any = MISSING
) -> Any:
    """A dataclass field with its rule beside it: ``epochs: int = checked(10, rules.integer(1))``.

    ``default_factory`` and ``kw_only`` as in ``dataclasses.field``; no default at all makes the field required
    (``kw_only=True`` lets it follow fields with defaults). ``check_config`` reads the rule from the field's metadata.
    """
    if rule is None:
        raise TypeError("checked(...) needs the field's rule")
    return field(default=default, default_factory=default_factory, kw_only=kw_only, metadata={"rule": rule})


def check_config(config: Any) -> None:
    """Check every field of a config dataclass against its rule (call it in ``__post_init__``).

    A bad field raises ``ParameterError("PPOConfig.epochs must be an integer >= 1, got 0")``.
    """
    if not is_dataclass(config):
        raise TypeError(f"check_config expects a dataclass instance, got {type(config).__name__}")
    cls = type(config).__name__
    for f in fields(config):
        if "rule" in f.metadata:
            f.metadata["rule"].check(f"{cls}.{f.name}", getattr(config, f.name))


def require_budget(config: Any, name: str, notebook_parameter: str) -> None:
    """Raise ``ParameterError`` if the training budget ``config.<name>`` is None (not given).

    A budget is a notebook's parameter, and its default lives there alone: a config leaves it None until told.
    """
    if getattr(config, name) is None:
        cls = type(config).__name__
        raise ParameterError(
            f"{cls}.{name} is not set: a training budget has no default of its own (it is a notebook's parameter, "
            f"{notebook_parameter}); pass one, e.g. {cls}({name}=...)"
        )


def unchecked_fields(cls: type) -> list[str]:
    """Fields of config dataclass ``cls`` declared without a rule (``checked``); the tests require none."""
    return [f.name for f in fields(cls) if "rule" not in f.metadata]


def names_in(rules: Iterable[str]) -> str:
    """'a', 'b' and 'c': names listed for a message."""
    items = [repr(r) for r in rules]
    if not items:
        return "nothing"
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
