"""Variants of the PPO expert over seeds: how fast and how reliably it is solved (it balances and holds its habit).

    .venv/bin/python -m benchmarks.tuning.expert_sweep  # notebook 01's settings, seeds 0-19
    .venv/bin/python -m benchmarks.tuning.expert_sweep --seeds 8 --set policy_lr=2e-3 --set minibatches=2
    .venv/bin/python -m benchmarks.tuning.expert_sweep --set rule.habit_tol=0.1 --max-env-steps 150000
    .venv/bin/python -m benchmarks.tuning.expert_sweep --cache /tmp/il_experts  # keep the experts for gail_sweep.py

Each seed s runs ``helpers.train_expert(s, config, rule)`` with ``config = expert_config()`` and ``rule =
ExpertRule()`` changed by the ``--set`` overrides: ``field=value`` or ``ppo.field=value`` for a ``PPOConfig`` field,
``rule.field=value`` for an ``ExpertRule`` field. Per seed: solved or not, env steps and training seconds to the
first solved evaluation and to the stop, then the expert on 50 fresh greedy episodes (``helpers.fresh_seed(s)``):
mean and lowest return, habit (mean cart x over the last 100 steps), and the habit of 50 sampled episodes. Training
seconds are wall seconds as ``History`` counts them (evaluation excluded). Sequential, one process, one thread.

A tuning study: ``benchmarks/run.py`` measures the defaults with the rest of the series; this script explores variants.
``benchmarks/history.md`` says what was measured with it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from benchmarks.common import cached_expert, expert_info, machine_info, median_range, with_overrides
from helpers.algorithms.ppo import PPOConfig, expert_config
from helpers.algorithms.train import ExpertRule, train_expert
from helpers.core.rollout import mean_habit, run_episodes
from helpers.core.seeding import fresh_seed


@dataclass
class Setup:
    """What ``--set`` changes: the expert's PPO settings and its stop rule."""

    ppo: PPOConfig = field(default_factory=expert_config)
    rule: ExpertRule = field(default_factory=ExpertRule)


def parse_setup(items: list[str]) -> Setup:
    """``--set`` items into a ``Setup``; a bare field name is a ``PPOConfig`` field, else an ``ExpertRule`` one."""
    ppo_fields, rule_fields = set(vars(PPOConfig())), set(vars(ExpertRule()))
    full = []
    for item in items:
        key, sep, value = item.partition("=")
        if "." not in key:
            key = ("rule." if key in rule_fields and key not in ppo_fields else "ppo.") + key
        full.append(f"{key}{sep}{value}")
    return with_overrides(Setup(), full)


def one_seed(seed: int, setup: Setup, max_env_steps: int, cache: Path | None, episodes: int) -> dict:
    """Train (or load from ``cache``) one expert and score it on fresh episodes."""
    t0 = time.perf_counter()
    if cache is not None:
        policy, _, info = cached_expert(seed, cache, max_env_steps)
    else:
        agent, hist = train_expert(seed, setup.ppo, setup.rule, max_env_steps=max_env_steps, progress=False)
        policy, info = agent.policy, expert_info(hist)
    wall = time.perf_counter() - t0
    greedy = run_episodes(policy, episodes, seed=fresh_seed(seed))
    sampled = run_episodes(policy, episodes, greedy=False, seed=fresh_seed(seed))
    lengths = [len(e) for e in greedy]
    return {"seed": seed, **info, "wall_seconds": wall, "return": statistics.fmean(lengths),
            "return_min": min(lengths), "habit": mean_habit(greedy), "habit_sampled": mean_habit(sampled)}  # fmt: skip


def main() -> None:
    """Parse the arguments, run every seed, print one line per seed and a summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=20, help="how many seeds")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first..first+N-1")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE", help="override (repeatable)")
    parser.add_argument("--max-env-steps", type=int, default=100_000, help="training budget (notebook 01's)")
    parser.add_argument("--episodes", type=int, default=50, help="fresh episodes scored after training")
    parser.add_argument("--cache", type=Path, default=None, help="keep each expert here (the defaults only)")
    parser.add_argument("--out", type=Path, default=None, help="write the per-seed rows as JSON here")
    args = parser.parse_args()
    torch.set_num_threads(1)
    setup = parse_setup(args.set)  # an unknown field stops the script here, before any work
    if args.cache is not None and args.set:
        parser.error("--cache keeps the experts gail_sweep.py reads: the defaults only, without --set")
    habit_x, tol = setup.rule.habit_x, setup.rule.habit_tol

    print(f"PPO {setup.ppo}\nrule {setup.rule}\nbudget {args.max_env_steps:,} env steps")
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        r = one_seed(seed, setup, args.max_env_steps, args.cache, args.episodes)
        rows.append(r)
        first = "-" if r["steps_to_solved"] is None else f"{r['steps_to_solved']:,} ({r['seconds_to_solved']:.2f} s)"
        print(
            f"seed {seed:3d}: {'solved' if r['solved'] else 'NOT solved'}, first solved at {first}, stopped at "
            f"{r['env_steps']:,} ({r['train_seconds']:.2f} s of training, {r['wall_seconds']:.2f} s wall) | fresh "
            f"{args.episodes}: return {r['return']:.1f} (min {r['return_min']}), habit {r['habit']:+.2f}, "
            f"sampled {r['habit_sampled']:+.2f}",
            flush=True,
        )
    n = len(rows)
    held = sum(habit_x is None or abs(r["habit"] - habit_x) <= tol for r in rows)
    print(
        f"SUMMARY {n} seeds: solved {sum(r['solved'] for r in rows)}/{n}; all {args.episodes} fresh episodes 200 "
        f"on {sum(r['return_min'] >= 200 for r in rows)}/{n}; habit within {tol} of {habit_x} on {held}/{n}\n"
        f"  env steps to first solved {median_range([r['steps_to_solved'] for r in rows], '{:,.0f}')}, "
        f"to the stop {median_range([r['env_steps'] for r in rows], '{:,.0f}')}\n"
        f"  training seconds to the stop {median_range([r['train_seconds'] for r in rows], '{:.2f}')}, "
        f"wall {median_range([r['wall_seconds'] for r in rows], '{:.2f}')}; "
        f"habit {median_range([r['habit'] for r in rows], '{:+.2f}')}, "
        f"mean {statistics.fmean(r['habit'] for r in rows):+.2f}"
    )
    if args.out:
        out = {"overrides": args.set, "setup": asdict(setup), "machine": machine_info(), "rows": rows}
        args.out.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
