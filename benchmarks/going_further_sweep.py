"""Notebook 05's measurements over several seeds: the random-demo control, absorbing-state GAIL, demo sizes.

Usage:
    .venv/bin/python benchmarks/going_further_sweep.py --seeds 5 --out /tmp/going_further.json
    .venv/bin/python benchmarks/going_further_sweep.py --seeds 5 --data-dir /tmp/data --parts control,absorbing

Reads ``expert_demos.pt`` and ``expert_policy.pt`` (the expert for evaluation only) from ``--data-dir``
(default: ``helpers.data_dir()``), or with ``--own-expert`` trains each seed's expert and records its greedy
demo (``common.expert_and_demo``; seed 0 reproduces the committed files). Per seed s (the notebook's SEED):
- control: plain GAIL (``GAILConfig``) on 200 uniformly-random pairs (``random_policy_demos(200, s)``);
- absorbing: ``train_absorbing_gail`` on the expert's demos and on the same random pairs;
- sizes: BC and plain GAIL on the expert's demo subsampled to 200, 50, 20 and 10 pairs.
Greedy returns on 20 fresh episodes, sampled episode lengths on 100, agreement with the expert's greedy
action on the demo states and on the learner's own states (20 greedy episodes). Sequential, one thread.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from common import expert_and_demo, measure

from helpers import data_dir, evaluate, load_demos, load_policy
from helpers.absorbing import (
    AbsorbingGAILConfig,
    UniformPolicy,
    random_policy_demos,
    subsample_demos,
    train_absorbing_gail,
)
from helpers.bc import train_bc
from helpers.gail import GAILConfig, train_gail

EVAL_SEED = 10_000  # + seed: the notebook's evaluation episodes


def _measure(policy: torch.nn.Module, expert: torch.nn.Module, demo_states: torch.Tensor, seed: int) -> dict:
    """Notebook 05's numbers: greedy return (20 episodes), sampled length (100), agreement on demo and own states."""
    return measure(policy, expert, demo_states, EVAL_SEED + seed, episodes=20, sampled_episodes=100)


def run_seed(seed: int, demos: dict, expert: torch.nn.Module, args: argparse.Namespace) -> dict:
    """Every part asked for, for one seed."""
    row: dict = {"seed": seed}
    if args.own_expert:  # notebooks 01-02 for this seed (seed 0 reproduces the committed data/ files)
        agent, _, demos = expert_and_demo(seed)
        expert = agent.policy
    row["random_len"] = float(evaluate(UniformPolicy(), 200, greedy=False, seed=EVAL_SEED + seed).mean())
    rnd = random_policy_demos(200, seed=seed)
    parts = args.parts.split(",")
    if "control" in parts:
        t0 = time.perf_counter()
        st, h, _ = train_gail(rnd, seed, GAILConfig(max_env_steps=args.random_steps), progress=False)
        row["control"] = {"seconds": time.perf_counter() - t0, **_measure(st.policy, expert, demos["states"], seed)}
    if "absorbing" in parts:
        t0 = time.perf_counter()
        st, h, _ = train_absorbing_gail(demos, seed, AbsorbingGAILConfig(max_env_steps=args.expert_steps), False)
        row["absorbing_expert"] = {
            "seconds": time.perf_counter() - t0,
            "steps_to_195": h.steps_to_target,
            **_measure(st.policy, expert, demos["states"], seed),
        }
        t0 = time.perf_counter()
        st, h, _ = train_absorbing_gail(rnd, seed, AbsorbingGAILConfig(max_env_steps=args.random_steps), False)
        row["absorbing_random"] = {
            "seconds": time.perf_counter() - t0,
            **_measure(st.policy, expert, rnd["states"], seed),
        }
    if "sizes" in parts:
        row["sizes"] = {}
        for n in args.sizes:
            sub = subsample_demos(demos, n)
            bc, _ = train_bc(sub["states"], sub["actions"], seed=seed)
            st, _, _ = train_gail(sub, seed, GAILConfig(max_env_steps=args.size_steps), progress=False)
            row["sizes"][n] = {
                "bc": float(evaluate(bc, 20, seed=EVAL_SEED + seed).mean()),
                "gail": float(evaluate(st.policy, 20, seed=EVAL_SEED + seed).mean()),
            }
    print(json.dumps(row), flush=True)
    return row


def report(rows: list[dict], random_len: float) -> None:
    """Min-max and mean per measured number."""

    def line(name: str, values: list[float]) -> None:
        v = np.array(values)
        print(f"{name:34s} mean {v.mean():7.3f}  min {v.min():7.3f}  max {v.max():7.3f}  {np.round(v, 3).tolist()}")

    print(f"\nuniform random policy: mean sampled episode length {random_len:.1f}; 25 % band ", end="")
    print(f"{0.75 * random_len:.1f}-{1.25 * random_len:.1f}")
    for part in ("control", "absorbing_expert", "absorbing_random"):
        if part in rows[0]:
            for key in ("return", "sampled_len", "agree_demo", "agree_own", "seconds"):
                line(f"{part}.{key}", [r[part][key] for r in rows])
            ratio = [r[part]["sampled_len"] / r["random_len"] for r in rows]
            line(f"{part}.sampled/random", ratio)
            print(f"{part}: {sum(0.75 <= x <= 1.25 for x in ratio)}/{len(rows)} seeds within 25 % of the random length")
    if "sizes" in rows[0]:
        for n in rows[0]["sizes"]:
            for algo in ("bc", "gail"):
                v = np.array([r["sizes"][n][algo] for r in rows])
                print(f"sizes {n:>4} {algo:4s} {v.mean():6.1f} +- {v.std():5.1f}  {v.tolist()}")


def main() -> None:
    """Run the sweep and write the rows as JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--parts", default="control,absorbing,sizes")
    ap.add_argument("--expert-steps", type=int, default=10_000, help="absorbing GAIL's budget on the expert demos")
    ap.add_argument("--random-steps", type=int, default=3_000, help="budget of both GAILs on the random demos")
    ap.add_argument("--size-steps", type=int, default=5_000, help="plain GAIL's budget in the demo-size table")
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 50, 20, 10])
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--own-expert", action="store_true", help="each seed trains its own expert + demo")
    args = ap.parse_args()
    torch.set_num_threads(1)
    folder = args.data_dir or data_dir()
    demos = load_demos(folder / "expert_demos.pt", n=200)
    expert = load_policy(folder / "expert_policy.pt")
    random_len = float(evaluate(UniformPolicy(), 200, greedy=False, seed=EVAL_SEED).mean())
    rows = [run_seed(s, demos, expert, args) for s in range(args.first_seed, args.first_seed + args.seeds)]
    report(rows, random_len)
    if args.out:
        args.out.write_text(
            json.dumps(
                {"random_len": random_len, "args": vars(args) | {"data_dir": str(folder)}, "rows": rows},
                indent=1,
                default=str,
            )
        )


if __name__ == "__main__":
    main()
