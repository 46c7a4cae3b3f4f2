"""GAIL and BC over many seeds: each seed trains its own expert, records one greedy demo, then imitates it.

Usage:
    .venv/bin/python benchmarks/gail_sweep.py --seeds 20
    .venv/bin/python benchmarks/gail_sweep.py --seeds 8 --variant disc_steps=10 --variant disc_steps=10,reward=logit

Each ``--variant`` is a comma-separated list of ``GAILConfig`` overrides (``ppo.<field>`` for the
student's PPO settings); without one, the defaults run. Per seed it measures: env steps and training
seconds until the greedy 10-episode mean first reaches 195, the training seconds of the whole run, the
return of the final student on 50 fresh greedy episodes, and the agreement of its greedy action with the
expert's greedy action on the demo states and on the states it visits itself (20 greedy episodes).
BC (on the same 200 pairs) is measured the same way. Runs sequentially in one process, one thread.
The defaults are measured with the whole series by ``run.py`` (README, Benchmarks); this script explores variants.

Measured (2-core AMD EPYC, torch 2.13 CPU, one thread, the other core busy; each seed's own expert and its
notebook-02 demo; ``GAILConfig()``: stop after two solved evaluations in a row, 50 confirmation episodes):
- GAIL defaults, seeds 0-19: reached 195 on 20/20 after median 1,000 env steps (22-2,091), 0.17 s (0.01-0.32);
  whole run 0.72 s (0.18-0.93), stopped solved-and-confused on 13/20, else at the 10,000-step budget; 50 fresh
  episodes >= 195 on 20/20 (198.9-200); agreement with the expert's greedy action on demo states 0.858
  (0.690-0.975), on its own states 0.839 (0.692-0.900); >= 0.95 on 1/20 and 0/20. Seeds 20-39: reached 20/20,
  median 1,258 steps (633-2,681); 50 fresh episodes >= 195 on 20/20 (198.4-200); agreement 0.832 / 0.803.
- The stop rule before (one solved evaluation, 20 confirmation episodes): same steps to 195, but 50 fresh episodes
  >= 195 on 19/20 of seeds 0-19 (seed 4 stopped at 191.7) and 19/20 of seeds 20-39 (178.4).
- BC (1,000 epochs): 0.27 s; >= 195 on 12/20 (134.9-200); agreement demo 0.990 (0.975-1.0), own 0.843
  (0.700-0.978). ``--bc-first 50`` (BC on the demo's first 50 pairs): >= 195 on 5/20 (median 151.5), demo 0.858.
- Variants (seeds 0-19, median demo / own agreement; final >= 195 on 50 episodes): ``disc_steps=10``: 0.82 / 0.82,
  16/20, 20/20 reached 195 after median 1,494 steps; ``bc_init_epochs=1000``: 0.952 / 0.834 (>= 0.95 on 10/20 and
  4/20), 12/20, 18/20 reached.
- Older probes (experts of commit cfd72b0, demos from the env's second reset, the old stop rule): ``bc_steps=20``:
  0.91 / 0.80, 12/20; student with ``expert_config()``: 0.78 / 0.81, 19/20; normalised discriminator inputs,
  gradient penalty, disc lr 3e-3, normalised advantages, longer budgets: none lifted own-state agreement above
  ~0.88 median; reward=logit (no absorbing state) failed (return ~48).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import torch
from common import expert_and_demo, measure, median_range, record_demo, with_overrides

from helpers.bc import train_bc
from helpers.gail import GAILConfig, train_gail
from helpers.rollout import evaluate

EVAL_SEED = 777_000  # fresh episodes, far from every seed used in training


def parse_variant(text: str) -> GAILConfig:
    """'disc_steps=10,ppo.entropy_coef=0.01' -> a GAILConfig with those overrides."""
    return with_overrides(GAILConfig(), list(filter(None, text.split(","))))


def cached_expert_and_demo(seed: int, cache: Path | None) -> tuple[torch.nn.Module, dict[str, torch.Tensor]]:
    """The seed's own PPO expert and its greedy demo (``common.expert_and_demo``), cached on disk if ``cache``."""
    path = cache / f"expert_{seed}.pt" if cache else None
    if path and path.exists():
        policy = torch.load(path, weights_only=False)["policy"]
        return policy, record_demo(policy, seed)
    agent, _, demos = expert_and_demo(seed)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save({"policy": agent.policy}, path)
    return agent.policy, demos


def _measure(policy: torch.nn.Module, expert: torch.nn.Module, demo_states: torch.Tensor) -> dict[str, float]:
    """Return on 50 fresh greedy episodes, agreement with the expert on demo states and on its own (20 episodes)."""
    m = measure(policy, expert, demo_states, EVAL_SEED + 500, episodes=20)
    return {"return50": float(evaluate(policy, 50, seed=EVAL_SEED).mean())} | {
        k: m[k] for k in ("agree_demo", "agree_own")
    }


def run_seed(seed: int, cfg: GAILConfig, cache: Path | None, bc: bool, bc_first: int = 0) -> dict:
    """GAIL (and BC) for one seed; every number the report needs."""
    expert, demos = cached_expert_and_demo(seed, cache)
    row: dict = {"seed": seed, "demo_len": len(demos["states"])}
    t0 = time.perf_counter()
    student, hist, _ = train_gail(demos, seed, cfg, progress=False)
    row["gail"] = {
        "steps_to_195": hist.steps_to_target,
        "seconds_to_195": hist.seconds_to_target,
        "train_seconds": hist.train_seconds[-1],
        "stop_steps": hist.stop_env_steps,
        "stopped_early": hist.stopped_early,
        "wall_seconds": time.perf_counter() - t0,
        **_measure(student.policy, expert, demos["states"]),
    }
    if bc:
        t0 = time.perf_counter()
        policy, _ = train_bc(demos["states"], demos["actions"], seed=seed)
        row["bc"] = {"train_seconds": time.perf_counter() - t0, **_measure(policy, expert, demos["states"])}
    if bc_first:  # notebook 04's exercise 2: BC on the first pairs of the demo only
        policy, _ = train_bc(demos["states"][:bc_first], demos["actions"][:bc_first], seed=seed)
        row["bc_first"] = _measure(policy, expert, demos["states"])
    return row


def report(name: str, rows: list[dict]) -> dict:
    """Print and return the summary of one variant."""
    g = [r["gail"] for r in rows]
    summary = {
        "variant": name,
        "gail_reached_195": sum(x["steps_to_195"] is not None for x in g),
        "gail_final_195_50ep": sum(x["return50"] >= 195 for x in g),
        "gail_agree_demo_ge_095": sum(x["agree_demo"] >= 0.95 for x in g),
        "gail_agree_own_ge_095": sum(x["agree_own"] >= 0.95 for x in g),
        "gail_stopped_early": sum(x["stopped_early"] for x in g),
        "n": len(g),
    }
    print(f"\n=== {name or 'defaults'}  ({len(rows)} seeds)")
    print("GAIL steps to 195  ", median_range([x["steps_to_195"] for x in g]))
    print("GAIL seconds to 195", median_range([x["seconds_to_195"] for x in g], "{:.2f}"))
    print("GAIL train seconds ", median_range([x["train_seconds"] for x in g], "{:.2f}"))
    print("GAIL stop steps    ", median_range([x["stop_steps"] for x in g]))
    print("GAIL return50      ", median_range([x["return50"] for x in g], "{:.1f}"))
    print("GAIL agree demo    ", median_range([x["agree_demo"] for x in g], "{:.3f}"))
    print("GAIL agree own     ", median_range([x["agree_own"] for x in g], "{:.3f}"))
    if "bc" in rows[0]:
        b = [r["bc"] for r in rows]
        print("BC train seconds   ", median_range([x["train_seconds"] for x in b], "{:.2f}"))
        print("BC return50        ", median_range([x["return50"] for x in b], "{:.1f}"))
        print("BC agree demo      ", median_range([x["agree_demo"] for x in b], "{:.3f}"))
        print("BC agree own       ", median_range([x["agree_own"] for x in b], "{:.3f}"))
        summary["bc_final_195_50ep"] = sum(x["return50"] >= 195 for x in b)
        summary["bc_agree_demo_ge_095"] = sum(x["agree_demo"] >= 0.95 for x in b)
        summary["bc_agree_own_ge_095"] = sum(x["agree_own"] >= 0.95 for x in b)
    if "bc_first" in rows[0]:
        b = [r["bc_first"] for r in rows]
        print("BC first return50  ", median_range([x["return50"] for x in b], "{:.1f}"))
        print("BC first agree demo", median_range([x["agree_demo"] for x in b], "{:.3f}"))
        summary["bc_first_final_195_50ep"] = sum(x["return50"] >= 195 for x in b)
    print("counts", {k: v for k, v in summary.items() if k != "variant"}, flush=True)
    return summary


def main() -> None:
    """Run every variant over the seeds and write the rows and summaries as JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--variant", action="append", default=None, help="GAILConfig overrides, e.g. disc_steps=10")
    ap.add_argument("--cache", type=Path, default=None, help="folder caching each seed's expert and demo")
    ap.add_argument("--no-bc", action="store_true")
    ap.add_argument("--bc-first", type=int, default=0, help="also BC on only the demo's first N pairs")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    results = []
    for name in args.variant or [""]:
        cfg = parse_variant(name)
        rows = []
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            rows.append(run_seed(seed, parse_variant(name), args.cache, not args.no_bc, args.bc_first))
        results.append({"summary": report(name, rows), "config": dataclasses.asdict(cfg), "rows": rows})
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
