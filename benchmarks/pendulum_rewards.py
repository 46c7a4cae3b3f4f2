"""Notebook 07, section 9: GAIL's students paid -log D, log(1 - D) or a constant log 2, on Pendulum and on CartPole.

    .venv/bin/python -m benchmarks.pendulum_rewards --seeds 7200-7219
    ATEN_CPU_CAPABILITY=default .venv/bin/python -m benchmarks.pendulum_rewards --seeds 7220-7239

Per seed s, in each environment, its own expert and demonstration as the notebooks make them, then one GAIL student
per reward, each for the notebook's whole budget:

- **Pendulum** (notebook 07): the expert ``train_on_pendulum(s, TILT)``, its greedy episodes from ``fresh_seed(s, 1)``,
  ``train_pendulum_gail`` with ``pendulum_gail_config(reward=...)``; scored on its ``EVAL_EPISODES`` fresh greedy
  episodes (``fresh_seed(s)``): the share that end upright, their tilt's gap to the expert's, Pendulum's return.
  "Imitated" = notebook 07's checkpoint: upright on at least ``UPRIGHT_SHARE``, tilt within ``TILT_GAP`` of the
  expert's.
- **CartPole** (notebooks 01, 02, 04): ``train_expert(s)``, its greedy demo from ``reset(seed=s)``, ``train_gail``
  with ``GAILConfig(reward=...)``; scored on notebook 04's ``EVAL_EPISODES`` fresh greedy episodes: return and habit
  gap. "Imitated" = notebook 04's checkpoint: return >= ``SOLVED_RETURN`` and habit within ``HABIT_GAP``.

Every budget is the notebooks' own (read from their parameters cells).

The rewards: ``neg_log_d`` (-log D > 0), ``log_1m_d`` (log(1 - D) < 0), ``survival`` (log 2 whatever D says). Writes
``benchmarks/results/pendulum-rewards_<seeds>_<numerics>.json``; ``benchmarks/report.py`` renders notebook 07's table
from it. Sequential, one process, one torch thread.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from benchmarks.check_seeds import parse_seeds
from benchmarks.common import numerics, provenance, record_demo, results_path, write_json
from helpers.algorithms import pendulum as P
from helpers.algorithms.gail import GAILConfig, train_gail
from helpers.algorithms.train import train_expert
from helpers.core.pendulum import TILT, tilt_stats
from helpers.core.rollout import mean_habit, run_episodes
from helpers.core.seeding import fresh_seed
from helpers.teaching.checkpoints import HABIT_GAP, SOLVED_RETURN, TILT_GAP, UPRIGHT_SHARE
from helpers.teaching.parameters import notebook_parameters

REWARDS = ("neg_log_d", "log_1m_d", "survival")


def pendulum_seed(seed: int) -> dict[str, Any]:
    """Notebook 07's expert and demos for ``seed``, then a GAIL student on each reward (its budgets)."""
    nb = notebook_parameters("07")
    steps, episodes = nb["IMITATION_MAX_ENV_STEPS"], nb["EVAL_EPISODES"]
    expert, _ = P.train_on_pendulum(seed, TILT, max_env_steps=nb["EXPERT_MAX_ENV_STEPS"], progress=False)
    scored = tilt_stats(P.pendulum_episodes(expert.policy, episodes, fresh_seed(seed)))
    demos = P.record_pendulum_demos(expert.policy, fresh_seed(seed, 1), nb["DEMO_EPISODES"])
    out: dict[str, Any] = {"expert": scored}
    for reward in REWARDS:
        t0 = time.process_time()
        config = P.pendulum_gail_config(reward=reward, max_env_steps=steps)
        student, _, _ = P.train_pendulum_gail(demos, seed, config, progress=False)
        st = tilt_stats(P.pendulum_episodes(student.policy, episodes, fresh_seed(seed)))
        gap = abs(st["tilt"] - scored["tilt"])
        out[reward] = st | {"gap": gap, "imitated": bool(st["upright"] >= UPRIGHT_SHARE and gap <= TILT_GAP),
                            "seconds": round(time.process_time() - t0, 1)}  # fmt: skip
    return out


def cartpole_seed(seed: int) -> dict[str, Any]:
    """Notebooks 01-02's expert and demo for ``seed``, then notebook 04's GAIL student on each reward (their
    budgets)."""
    n = notebook_parameters("04")["EVAL_EPISODES"]
    expert, _ = train_expert(seed, max_env_steps=notebook_parameters("01")["MAX_ENV_STEPS"], progress=False)
    demos = record_demo(expert.policy, seed)
    expert_habit = mean_habit(run_episodes(expert.policy, n, seed=fresh_seed(seed)))
    out: dict[str, Any] = {"expert": {"habit": expert_habit}}
    for reward in REWARDS:
        t0 = time.process_time()
        config = GAILConfig(reward=reward, max_env_steps=notebook_parameters("04")["GAIL_MAX_ENV_STEPS"])
        student, _, _ = train_gail(demos, seed, config, progress=False)
        episodes = run_episodes(student.policy, n, seed=fresh_seed(seed))
        ret, gap = float(np.mean([len(e) for e in episodes])), abs(mean_habit(episodes) - expert_habit)
        out[reward] = {"return": ret, "gap": gap, "imitated": bool(ret >= SOLVED_RETURN and gap <= HABIT_GAP),
                       "seconds": round(time.process_time() - t0, 1)}  # fmt: skip
    return out


def main() -> None:
    """Run both environments on every seed; print a line per seed; write the results file after each seed."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", default="7200-7219")
    p.add_argument("--out", type=Path, help="default: benchmarks/results/pendulum-rewards_<seeds>_<numerics>.json")
    args = p.parse_args()
    torch.set_num_threads(1)
    seeds = parse_seeds(args.seeds)
    out = args.out or results_path("pendulum-rewards", args.seeds)
    records = []
    start = time.perf_counter()
    for seed in seeds:
        record = {"seed": seed, "Pendulum": pendulum_seed(seed), "CartPole": cartpole_seed(seed)}
        records.append(record)
        line = [f"seed {seed}"]
        for env in ("Pendulum", "CartPole"):
            line.append(env + ": " + ", ".join(f"{r} {'ok' if record[env][r]['imitated'] else 'no'}" for r in REWARDS))
        print(" | ".join(line), flush=True)
        write_json(out, {**provenance(), "seeds": args.seeds, "numerics": numerics(),
                         "wall_seconds": round(time.perf_counter() - start), "records": records})  # fmt: skip


if __name__ == "__main__":
    main()
