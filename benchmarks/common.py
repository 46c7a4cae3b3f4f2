"""What the benchmark scripts share: one seed's expert and demo, scoring a learner, config overrides, the machine,
and where a results file goes and what it records (the commit and the command that made it).

``run.py``, ``check_seeds.py``, ``absorbing_check.py`` and the tuning studies (``tuning/``) import these instead of
repeating them.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn

from helpers.algorithms.ppo import PPO
from helpers.algorithms.train import ExpertHistory, train_expert
from helpers.core.env import HABIT_X, make_env
from helpers.core.rollout import agreement, concat_episodes, mean_habit, play_episode, run_episodes
from helpers.core.rules import ParameterError
from helpers.core.seeding import fresh_seed
from helpers.files.data import load_policy, save_policy

__all__ = ["fresh_seed"]  # re-exported: the evaluation seeds are the notebooks' own (helpers.core.seeding)


def calibration_seconds(n: int = 10_000_000) -> float:
    """Wall seconds of a plain Python loop, ``for _ in range(n): i += 1`` (local variables), n = 10 million.

    A figure of how fast this machine runs Python right now (its speed and the load on it), recorded beside the
    timings of the same run. It is not a factor to scale them by: a notebook's time is mostly torch's small
    operations and NumPy, which scale differently from a Python loop.
    """
    t0 = time.perf_counter()
    i = 0
    for _ in range(n):
        i += 1
    return time.perf_counter() - t0


def calibration_record(start: float, end: float) -> dict[str, Any]:
    """The calibration as results.json and notebooks.json store it: both measurements and their mean."""
    mean = (start + end) / 2
    return {
        "loop": "for _ in range(10_000_000): i += 1",
        "start_seconds": round(start, 4),
        "end_seconds": round(end, 4),
        "seconds": round(mean, 4),
    }


def record_demo(policy: nn.Module, seed: int, habit_x: float | None = HABIT_X) -> dict[str, Any]:
    """Notebook 02's demonstration: one greedy episode in the expert's own environment (its habit reward) from
    ``reset(seed=seed)``, in ``load_demos``' layout (states [200, 4], actions [200, 1], terminated [200])."""
    env = make_env(seed=seed, habit_x=habit_x)
    episode = play_episode(env, policy, greedy=True, seed=seed)
    env.close()
    return {
        "states": episode.states,
        "actions": episode.actions.unsqueeze(-1),
        "terminated": episode.terminated,
        "meta": {"seed": seed, "habit_x": habit_x, "action_selection": "greedy", "return": episode.ret},
    }


def expert_and_demo(seed: int, max_env_steps: int = 200_000) -> tuple[PPO, ExpertHistory, dict[str, Any]]:
    """Notebooks 01-02 for one seed: ``train_expert(seed)`` (notebook 01's settings), then its ``record_demo``."""
    agent, hist = train_expert(seed, max_env_steps=max_env_steps, progress=False)
    return agent, hist, record_demo(agent.policy, seed)


def cached_expert(
    seed: int, cache: Path | None = None, max_env_steps: int = 200_000
) -> tuple[nn.Module, dict[str, Any], dict[str, Any]]:
    """The seed's expert policy, its demo and how its training went (``expert_info``), kept in ``cache`` if given.

    A cached expert is saved with ``helpers.save_policy`` as ``cache/expert_<seed>.pt`` (its training figures in
    the metadata) and read back with ``load_policy``; the demo is recorded again from it (greedy: the same pairs).
    """
    path = cache / f"expert_{seed}.pt" if cache else None
    if path and path.is_file():
        policy = load_policy(path)
        if policy.meta.get("max_env_steps") == max_env_steps:
            return policy, record_demo(policy, seed), dict(policy.meta)
    agent, hist, demos = expert_and_demo(seed, max_env_steps)
    info = expert_info(hist) | {"seed": seed, "max_env_steps": max_env_steps}
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_policy(agent.policy, path, **info)
    return agent.policy, demos, info


def expert_info(hist: ExpertHistory) -> dict[str, Any]:
    """How an expert's training went: solved or not, steps and training seconds to the first solved evaluation
    and to the stop, updates."""
    return {
        "solved": hist.solved,
        "steps_to_solved": hist.steps_to_target,
        "seconds_to_solved": hist.seconds_to_target,
        "env_steps": hist.env_steps[-1],
        "train_seconds": hist.train_seconds[-1],
        "updates": len(hist.env_steps),
    }


def measure(
    policy: nn.Module,
    expert: nn.Module,
    demo_states: torch.Tensor,
    eval_seed: int,
    episodes: int = 50,
    sampled_episodes: int = 0,
) -> dict[str, float]:
    """Score a learner on ``episodes`` fresh greedy episodes from ``eval_seed``: mean return, habit (mean cart x
    over the last 100 steps, averaged over the episodes), agreement of its greedy action with ``expert``'s on
    the demo states and on the states of those episodes; with ``sampled_episodes`` > 0 also the mean length
    and the habit of that many sampled episodes (the same start states)."""
    own = run_episodes(policy, episodes, greedy=True, seed=eval_seed)
    out = {
        "return": statistics.fmean(len(e) for e in own),
        "habit": mean_habit(own),
        "agree_demo": agreement(policy, expert, demo_states),
        "agree_own": agreement(policy, expert, concat_episodes(own).states),
    }
    if sampled_episodes:
        sampled = run_episodes(policy, sampled_episodes, greedy=False, seed=eval_seed)
        out["sampled_len"] = statistics.fmean(len(e) for e in sampled)
        out["sampled_habit"] = mean_habit(sampled)
    return out


def first_habit(hist: Any, expert_habit: float, tol: float = 0.25) -> tuple[int | None, float | None]:
    """Env steps and training seconds at the first iteration whose *sampled training episodes* had a mean habit
    (``hist.episode_habit``) within ``tol`` of ``expert_habit``; (None, None) if none did."""
    for steps, seconds, habit in zip(hist.env_steps, hist.train_seconds, hist.episode_habit, strict=True):
        if abs(habit - expert_habit) <= tol:
            return steps, seconds
    return None, None


def with_overrides(config: Any, items: list[str]) -> Any:
    """A copy of dataclass ``config`` with 'field=value' overrides (``ppo.field`` for a nested one), typed as
    the current value (bool from 'true'/'1'/'yes'; 'none' = None). An unknown field stops the script with the
    names it has; the result is rebuilt, so every value is checked as the config's own checks do."""
    config = dataclasses.replace(config)
    for item in items:
        if "=" not in item:
            raise SystemExit(f"an override is field=value, got {item!r}")
        key, value = item.split("=", 1)
        *path, name = key.strip().split(".")
        parent = config
        for part in path:  # copy nested dataclasses so the defaults' instances are never changed
            if not dataclasses.is_dataclass(getattr(parent, part, None)):
                raise SystemExit(f"{type(parent).__name__} has no nested config {part!r}")
            setattr(parent, part, dataclasses.replace(getattr(parent, part)))
            parent = getattr(parent, part)
        if name not in {f.name for f in dataclasses.fields(parent)}:
            fields = ", ".join(f.name for f in dataclasses.fields(parent))
            raise SystemExit(f"unknown {type(parent).__name__} field {name!r}; fields: {fields}")
        setattr(parent, name, _parse(value.strip(), getattr(parent, name)))
    try:
        return _rebuilt(config)
    except ParameterError as e:  # the config's own check: 'GAILConfig.disc_steps must be an integer >= 1, got 0'
        raise SystemExit(str(e)) from None


def _rebuilt(config: Any) -> Any:
    """``config`` built again from its fields (nested configs first), so that ``__post_init__`` checks them."""
    changes = {
        f.name: _rebuilt(getattr(config, f.name))
        for f in dataclasses.fields(config)
        if dataclasses.is_dataclass(getattr(config, f.name))
    }
    return dataclasses.replace(config, **changes)


def _parse(value: str, current: Any) -> Any:
    """``value`` typed as ``current`` ('none' gives None; a None ``current`` takes int, float or str)."""
    if value.lower() == "none":
        return None
    if isinstance(current, bool):
        return value.lower() in ("1", "true", "yes")
    if current is None:
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                pass
        return value
    try:
        if isinstance(current, int):  # '50000', '50_000' or '5e4'
            number = float(value)
            if not number.is_integer():
                raise ValueError
            return int(number)
        return type(current)(value)
    except ValueError:
        raise SystemExit(f"{value!r} is not a {type(current).__name__}") from None


def median_range(values: list[float | None], fmt: str = "{:.0f}") -> str:
    """'M (min-max)' over the values that are not None, with ', n=k/N' when some are None."""
    ok = [v for v in values if v is not None]
    if not ok:
        return f"none of {len(values)}"
    f = fmt.format
    missing = f", n={len(ok)}/{len(values)}" if len(ok) < len(values) else ""
    return f"{f(statistics.median(ok))} ({f(min(ok))}-{f(max(ok))}){missing}"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (else what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info() -> dict[str, Any]:
    """Cores, CPU model, torch and Python versions, torch threads, the date, the load average now."""
    return {
        "cores": os.cpu_count(),
        "cpu_model": cpu_model(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "loadavg_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def write_json(path: Path, obj: Any) -> Path:
    """Write ``obj`` to ``path`` as indented JSON, atomically: a temporary file renamed into place, so an interrupted
    run leaves the previous results whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj, indent=1) + "\n")
    tmp.replace(path)
    return path


ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
"""Where every results file that a document, a test or a Makefile target reads lives."""


def numerics() -> str:
    """'default' when torch runs its plain kernels (``ATEN_CPU_CAPABILITY=default``), else 'native'."""
    return "default" if os.environ.get("ATEN_CPU_CAPABILITY") == "default" else "native"


def results_path(study: str, seeds: str, numerics_: str | None = None) -> Path:
    """``benchmarks/results/<study>_<seeds>_<numerics>.json``, the name every results file takes."""
    return RESULTS / f"{study}_{seeds}_{numerics_ or numerics()}.json"


def provenance(argv: list[str] | None = None) -> dict[str, str]:
    """What made a results file: the commit (``git describe --always --dirty``) and the command line."""
    described = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=ROOT, check=False
    )
    script = Path(sys.argv[0]).resolve()
    inside = script.is_relative_to(ROOT) and script.suffix == ".py"
    program = "python -m " + ".".join(script.with_suffix("").relative_to(ROOT).parts) if inside else script.name
    return {
        "commit": described.stdout.strip() or "unknown (not a git checkout)",
        "command": " ".join([program, *(sys.argv[1:] if argv is None else argv)]),
    }
