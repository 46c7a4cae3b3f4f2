"""What the benchmark scripts share: one seed's expert and demo, measuring a learner, config overrides, summaries.

``run.py`` (the benchmark) and the three sweeps (``expert_sweep.py``, ``gail_sweep.py``,
``going_further_sweep.py``, which explore variants) import these instead of repeating them.
"""

from __future__ import annotations

import dataclasses
import os
import platform
import sys
from datetime import UTC, datetime
from typing import Any

import numpy as np
import torch
from torch import nn

from helpers.env import make_env
from helpers.ppo import PPO
from helpers.rollout import agreement, evaluate, play_episode, run_episodes
from helpers.train import History, train_expert

FRESH_SEED = 10_000_000
"""Episodes scored after training start here (+ 1,000 per seed): far from every seed training evaluates on."""


def fresh_seed(seed: int) -> int:
    """The first fresh-episode seed of training seed ``seed`` (``FRESH_SEED + 1000 * seed``)."""
    return FRESH_SEED + 1000 * seed


def record_demo(policy: nn.Module, seed: int) -> dict[str, Any]:
    """Notebook 02's demonstration: one greedy episode from ``reset(seed=seed)``, in ``load_demos``' layout."""
    env = make_env(seed=seed)
    episode = play_episode(env, policy, greedy=True, seed=seed)
    env.close()
    return {
        "states": episode.states,
        "actions": episode.actions.unsqueeze(-1),
        "terminated": episode.terminated,
        "meta": {"seed": seed, "action_selection": "greedy", "return": episode.ret},
    }


def expert_and_demo(seed: int, max_env_steps: int = 20_000) -> tuple[PPO, History, dict[str, Any]]:
    """Notebooks 01-02 for one seed: ``train_expert(seed)``, then its greedy demonstration (``record_demo``)."""
    agent, hist = train_expert(seed, max_env_steps=max_env_steps, progress=False)
    return agent, hist, record_demo(agent.policy, seed)


def measure(
    policy: nn.Module,
    expert: nn.Module,
    demo_states: torch.Tensor,
    eval_seed: int,
    episodes: int = 20,
    sampled_episodes: int = 0,
) -> dict[str, float]:
    """Greedy mean return on ``episodes`` fresh episodes; agreement with ``expert``'s greedy action on the demo
    states and on the states ``policy`` visits itself (those same greedy episodes); with ``sampled_episodes``
    > 0 also the mean length of that many sampled episodes."""
    own = run_episodes(policy, episodes, greedy=True, seed=eval_seed)
    out = {
        "return": float(np.mean([len(s) for s in own])),
        "agree_demo": agreement(policy, expert, demo_states),
        "agree_own": agreement(policy, expert, torch.cat(own)),
    }
    if sampled_episodes:
        out["sampled_len"] = float(evaluate(policy, sampled_episodes, greedy=False, seed=eval_seed).mean())
    return out


def with_overrides(config: Any, items: list[str]) -> Any:
    """A copy of dataclass ``config`` with 'field=value' overrides (``ppo.field`` for a nested one), typed as
    the current value (bool from 'true'/'1'/'yes'; 'none' = None). Unknown fields stop the script with the names."""
    config = dataclasses.replace(config)
    for item in items:
        key, value = item.split("=", 1)
        *path, name = key.split(".")
        parent = config
        for part in path:  # copy nested dataclasses so the defaults' instances are never changed
            setattr(parent, part, dataclasses.replace(getattr(parent, part)))
            parent = getattr(parent, part)
        if name not in {f.name for f in dataclasses.fields(parent)}:
            fields = ", ".join(f.name for f in dataclasses.fields(parent))
            raise SystemExit(f"unknown {type(parent).__name__} field {name!r}; fields: {fields}")
        setattr(parent, name, _parse(value, getattr(parent, name)))
    return config


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
    return type(current)(value)


def median_range(values: list[float | None], fmt: str = "{:.0f}") -> str:
    """'median M (min-max), n=k/N' over the values that are not None (None = the target was not reached)."""
    ok = [v for v in values if v is not None]
    if not ok:
        return f"none of {len(values)}"
    f = fmt.format
    return f"median {f(np.median(ok))} ({f(min(ok))}-{f(max(ok))}), n={len(ok)}/{len(values)}"


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
    """Cores, CPU model, torch and Python versions, torch threads, date and the load average now."""
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
