"""Measure how fast and how reliably the PPO expert learns CartPole, over many seeds.

For every seed: train with ``helpers.train_expert`` (evaluation after every update, not counted),
record the training env steps and training seconds until the greedy 10-episode mean first reaches
200, then score the final policy on 50 fresh greedy episodes.

    .venv/bin/python benchmarks/expert_sweep.py                       # the defaults, seeds 0..19
    .venv/bin/python benchmarks/expert_sweep.py --set policy_lr=2e-3 --set epochs=8 --seeds 10

Overrides apply on top of ``helpers.expert_config()``; the defaults alone are measured by ``run.py`` (with the
rest of the series); this script is for exploring variants. Measured with the defaults on the project's 2-core
AMD EPYC machine (torch 2.13 CPU, one thread, other jobs running): 20/20 seeds reach 200, median 881 env
steps (384-2,262), median 0.15 s of training, and every final expert scores 200 on 50 fresh episodes. The
source tutorial's settings (``--set policy_lr=1e-3 --set lam=0.95``) gave a median of 1,128 (22-2,907).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time

import numpy as np
import torch
from common import fresh_seed, machine_info, median_range, with_overrides

from helpers.ppo import expert_config
from helpers.rollout import evaluate
from helpers.train import train_expert


def one_seed(args: tuple) -> dict[str, object]:
    """Train one expert and measure it."""
    seed, overrides, fresh, max_env_steps, streak, confirm = args
    torch.set_num_threads(1)
    stop = {k: v for k, v in (("solved_streak", streak), ("confirm_episodes", confirm)) if v is not None}
    t0 = time.perf_counter()
    agent, hist = train_expert(
        seed, with_overrides(expert_config(), overrides), max_env_steps=max_env_steps, progress=False, **stop
    )
    wall = time.perf_counter() - t0
    scores = evaluate(agent.policy, fresh, greedy=True, seed=fresh_seed(seed))
    return {
        "seed": seed,
        "steps_to_200": hist.steps_to_target,
        "seconds_to_200": hist.seconds_to_target,
        "total_steps": hist.env_steps[-1],
        "total_train_seconds": hist.train_seconds[-1],
        "updates": len(hist.env_steps),
        "wall_seconds": wall,
        "fresh_mean": float(scores.mean()),
        "fresh_min": float(scores.min()),
    }


def main() -> None:
    """Parse arguments, run every seed, print one line per seed and a summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first..first+N-1")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="PPOConfig override")
    parser.add_argument("--fresh", type=int, default=50, help="fresh greedy episodes scored after training")
    parser.add_argument("--max-env-steps", type=int, default=20_000)
    parser.add_argument("--streak", type=int, default=None, help="solved_streak (default: train_expert's)")
    parser.add_argument("--confirm", type=int, default=None, help="confirm_episodes (default: train_expert's)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (timings are noisier above 1)")
    parser.add_argument("--quiet", action="store_true", help="summary line only")
    parser.add_argument("--out", help="write the per-seed results as JSON here")
    args = parser.parse_args()

    with_overrides(expert_config(), args.set)  # fail on an unknown field before any work
    work = [
        (s, args.set, args.fresh, args.max_env_steps, args.streak, args.confirm)
        for s in range(args.first_seed, args.first_seed + args.seeds)
    ]
    if args.jobs > 1:
        with mp.get_context("fork").Pool(args.jobs) as pool:
            rows = pool.map(one_seed, work)
    else:
        rows = [one_seed(w) for w in work]

    if not args.quiet:
        print("seed  steps_to_200  s_to_200  total_steps  updates  fresh50_mean  fresh50_min")
        for r in rows:
            s200 = "-" if r["seconds_to_200"] is None else f"{r['seconds_to_200']:.3f}"
            print(
                f"{r['seed']:4d}  {r['steps_to_200'] or '-':>12}  {s200:>8}  {r['total_steps']:11d}  "
                f"{r['updates']:7d}  {r['fresh_mean']:12.1f}  {r['fresh_min']:11.0f}"
            )
    perfect = sum(r["fresh_min"] >= 200 for r in rows)
    summary = (
        f"expert_config() + {args.set}: steps to 200 {median_range([r['steps_to_200'] for r in rows])}; "
        f"seconds {median_range([r['seconds_to_200'] for r in rows], '{:.3f}')}; "
        f"fresh-{args.fresh} all 200 on {perfect}/{len(rows)}; "
        f"mean total steps {np.mean([r['total_steps'] for r in rows]):.0f}"
    )
    print(summary)
    machine = machine_info()
    print(f"machine: {machine['cpu_model']}, {machine['cores']} cores, torch {machine['torch']}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"overrides": args.set, "rows": rows, "summary": summary, "machine": machine}, f, indent=1)


if __name__ == "__main__":
    main()
