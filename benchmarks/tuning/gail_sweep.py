"""Variants of GAIL over seeds: does the student hold its own expert's habit? (And the survival control, and BC.)

    .venv/bin/python -m benchmarks.tuning.gail_sweep                                    # GAILConfig(), seeds 0-19
    .venv/bin/python -m benchmarks.tuning.gail_sweep --seeds 8 --set disc_steps=10 --set ppo.policy_lr=2e-3
    .venv/bin/python -m benchmarks.tuning.gail_sweep --set reward=survival              # the survival control
    .venv/bin/python -m benchmarks.tuning.gail_sweep --first-seed 20 --bc --cache /tmp/il_experts

Each seed s: its own expert (``helpers.train_expert(s)``, notebook 01) and its greedy 200-step demo (notebook 02),
trained afresh or read from ``--cache DIR`` (written there the first time: ``expert_sweep.py --cache`` fills it
too); then ``train_gail(demo, s, config)`` with ``config = GAILConfig()`` changed by the ``--set`` overrides
(``field=value``; ``ppo.field=value`` for the student's PPO settings). With ``--bc``, BC on the same pairs too
(``train_bc``, 1,000 epochs, the student's hidden units). Every policy is scored on the same 50 fresh episodes
(``helpers.fresh_seed(s)``): greedy return and habit (mean cart x over the last 100 steps), the habit of 50
sampled episodes, agreement with the expert's greedy action on the demo states and on its own greedy states.
**OK** = greedy return >= 195 and greedy habit within 0.25 of the expert's (on the same 50 episodes), notebook 04's
checkpoint; the control is meant to miss it (habit more than 0.5 away). "first habit": env steps of the first
iteration whose sampled training episodes had a habit within 0.25 of the expert's. Training seconds are wall
seconds as ``History`` counts them (evaluation excluded). Sequential, one process, one thread.

A tuning study: ``benchmarks/run.py`` measures the defaults with the rest of the series; this script explores variants.
``benchmarks/history.md`` says what was measured with it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch

import helpers
from benchmarks.common import cached_expert, first_habit, machine_info, measure, median_range, with_overrides
from helpers.algorithms.bc import train_bc
from helpers.algorithms.gail import GAILConfig, train_gail
from helpers.core.seeding import fresh_seed

TOL, FAR = 0.25, 0.5
"""OK: the habit within TOL of the expert's; the control should be more than FAR away."""


def one_seed(seed: int, config: GAILConfig, cache: Path | None, bc: bool, episodes: int) -> dict:
    """One seed's expert, GAIL student (and BC), each scored on the same fresh episodes."""
    expert, demos, _ = cached_expert(seed, cache)
    ev = fresh_seed(seed)
    expert_habit = measure(expert, expert, demos["states"], ev, episodes)["habit"]
    t0 = time.perf_counter()
    student, hist, _ = train_gail(demos, seed, config, progress=False)
    wall = time.perf_counter() - t0
    m = measure(student.policy, expert, demos["states"], ev, episodes, sampled_episodes=episodes)
    row = {
        "seed": seed,
        "expert_habit": expert_habit,
        **m,
        "gap": abs(m["habit"] - expert_habit),
        "train_seconds": hist.train_seconds[-1],
        "wall_seconds": wall,
        "iterations": len(hist.env_steps),
        "first_habit_steps": first_habit(hist, expert_habit, TOL)[0],
        "d_acc_last": hist.extra["d_acc"][-1],
    }
    row["ok"] = row["return"] >= 195 and row["gap"] <= TOL
    if bc:
        t0 = time.perf_counter()
        policy, _ = train_bc(demos["states"], demos["actions"], epochs=1000, hidden=config.ppo.hidden, seed=seed)
        b = measure(policy, expert, demos["states"], ev, episodes, sampled_episodes=episodes)
        row["bc"] = b | {"gap": abs(b["habit"] - expert_habit), "train_seconds": time.perf_counter() - t0}
        row["bc"]["ok"] = b["return"] >= 195 and row["bc"]["gap"] <= TOL
    return row


def line(name: str, r: dict) -> str:
    """One policy's numbers, on one line."""
    return (
        f"{name} {'OK ' if r['ok'] else 'BAD'} return {r['return']:6.1f} habit {r['habit']:+.2f} (gap {r['gap']:.2f}, "
        f"sampled {r['sampled_habit']:+.2f}) agreement demo {r['agree_demo']:.3f} own {r['agree_own']:.3f}"
    )


def summary(name: str, rows: list[dict]) -> str:
    """Counts and ranges over the seeds."""
    n = len(rows)
    gaps = [r["gap"] for r in rows]
    return (
        f"{name}: OK {sum(r['ok'] for r in rows)}/{n}; return >= 195 {sum(r['return'] >= 195 for r in rows)}/{n} "
        f"(min {min(r['return'] for r in rows):.1f}); habit within {TOL} {sum(g <= TOL for g in gaps)}/{n}, "
        f"farther than {FAR} {sum(g > FAR for g in gaps)}/{n}; gap {median_range(gaps, '{:.2f}')}; "
        f"sampled-habit gap {median_range([abs(r['sampled_habit'] - r['habit']) for r in rows], '{:.2f}')} from "
        f"the greedy; agreement demo {median_range([r['agree_demo'] for r in rows], '{:.3f}')}, "
        f"own {median_range([r['agree_own'] for r in rows], '{:.3f}')}"
    )


def main() -> None:
    """Parse the arguments, run every seed, print one line per seed and a summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first..first+N-1")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="GAILConfig override")
    parser.add_argument("--bc", action="store_true", help="also behavioral cloning on the same pairs")
    parser.add_argument("--episodes", type=int, default=50, help="fresh episodes each policy is scored on")
    parser.add_argument("--cache", type=Path, default=None, help="read / keep each seed's expert here")
    parser.add_argument("--out", type=Path, default=None, help="write the per-seed rows as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    budget = helpers.notebook_parameters("04")["GAIL_MAX_ENV_STEPS"]  # notebook 04's, unless --set max_env_steps=...
    config = with_overrides(GAILConfig(max_env_steps=budget), args.set)  # an unknown field stops the script here
    print(config)

    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        r = one_seed(seed, config, args.cache, args.bc, args.episodes)
        rows.append(r)
        first = "-" if r["first_habit_steps"] is None else f"{r['first_habit_steps']:,}"
        print(
            f"seed {seed:3d}: expert habit {r['expert_habit']:+.2f} | {line('GAIL', r)} | train "
            f"{r['train_seconds']:.2f} s, wall {r['wall_seconds']:.2f} s, {r['iterations']} iterations, first habit "
            f"{first}, D accuracy at the end {r['d_acc_last']:.2f}" + (f" | {line('BC', r['bc'])}" if args.bc else ""),
            flush=True,
        )
    print(f"SUMMARY {len(rows)} seeds, {args.set or 'defaults'}")
    print("  " + summary("GAIL", rows))
    print(
        f"  GAIL training seconds {median_range([r['train_seconds'] for r in rows], '{:.2f}')}, "
        f"first habit {median_range([r['first_habit_steps'] for r in rows], '{:,.0f}')} env steps, "
        f"expert habit {median_range([r['expert_habit'] for r in rows], '{:+.2f}')}, "
        f"mean {statistics.fmean(r['expert_habit'] for r in rows):+.2f}"
    )
    if args.bc:
        print("  " + summary("BC", [r["bc"] for r in rows]))
    if args.out:
        out = {"overrides": args.set, "config": repr(config), "machine": machine_info(), "rows": rows}
        args.out.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
