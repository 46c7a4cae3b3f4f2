"""Notebook 05's absorbing-state checkpoint over many seeds, beside the learners that cannot pass it honestly.

    .venv/bin/python -m benchmarks.absorbing_check ratio 3000-3199          # the checkpoint's number alone
    .venv/bin/python -m benchmarks.absorbing_check controls 3000-3024       # students with no fix, or half of it
    .venv/bin/python -m benchmarks.absorbing_check expert 1300-1309 --data build/check-seeds/native
    .venv/bin/python -m benchmarks.absorbing_check summary                  # the ranges of every results file

The checkpoint: on a coin's 200 pairs, absorbing GAIL's sampled episodes (50,000 env steps) last at most
``ABSORBING_VS_COIN`` times the coin's own (until 2026-12-05 it was "at most 0.5 of plain GAIL's (10,000 steps)",
which seed 1382 failed with 0.564). Its control in notebook 05 is plain GAIL on the same pairs for as long, 50,000
steps (until 2026-12-07 it trained 10,000, which lasted under 2.5 x the coin on 2 of 200 seeds here). Both depend
on the seed alone (the coin's pairs, the trainings and the fresh episodes), not on notebooks 01-04, so they are
measured here through notebook 05's own calls (``helpers.train_gail``, then 50 greedy and 100 sampled episodes from
``helpers.fresh_seed(seed)``). ``controls`` trains, on the same pairs, plain GAIL (-log D) for 50,000 steps (no fix
at all) and the logit reward without absorbing states (half of it). ``expert`` trains absorbing GAIL and that half
fix on a seed's expert demo (from a sweep's data folder) and reports their greedy returns. Each run writes
``benchmarks/results/absorbing-<mode>_<seeds>_<numerics>.json`` (one row per seed, written again after each seed, so
an interrupted run keeps what it finished); one torch thread. Run it under ``ATEN_CPU_CAPABILITY=default`` for
torch's plain kernels (the file's name says which).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

import helpers
from benchmarks.common import RESULTS, numerics, provenance, results_path, write_json
from helpers.teaching.checkpoints import ABSORBING_VS_COIN


def sampled_length(demos: dict[str, Any], seed: int, config: helpers.GAILConfig) -> float:
    """Mean length of 100 sampled fresh episodes of the student GAIL trains on ``demos`` (notebook 05's score)."""
    learner, _, _ = helpers.train_gail(demos, seed, config, progress=False)
    eval_seed = helpers.fresh_seed(seed)
    helpers.run_episodes(learner.policy, 50, seed=eval_seed)  # notebook 05 plays its greedy episodes first
    return float(helpers.evaluate(learner.policy, 100, greedy=False, seed=eval_seed).mean())


ABSORBING_STEPS = helpers.notebook_parameters("05")["ABSORBING_MAX_ENV_STEPS"]
"""Absorbing GAIL's budget, notebook 05's ABSORBING_MAX_ENV_STEPS (50,000: the files' keys say ``_50k``)."""


def plain(max_env_steps: int) -> helpers.GAILConfig:
    """Plain GAIL (-log D, no absorbing states) at constant learning rates, as notebook 05's control."""
    return helpers.GAILConfig(max_env_steps=max_env_steps, ppo=helpers.student_ppo_config(anneal_lr=False))


def row(mode: str, seed: int, data: Path | None) -> dict[str, Any]:
    """One seed's numbers for ``mode``."""
    if mode == "expert":
        demos = helpers.load_demos(data / f"seed-{seed}" / "data" / "expert_demos.pt", n=200)
        out: dict[str, Any] = {"seed": seed}
        for name, config in [("absorbing_50k", helpers.absorbing_config(max_env_steps=ABSORBING_STEPS)),
                             ("logit_no_absorbing_50k", helpers.absorbing_config(max_env_steps=ABSORBING_STEPS,
                                                                                 absorbing=False))]:  # fmt: skip
            learner, _, _ = helpers.train_gail(demos, seed, config, progress=False)
            eps = helpers.run_episodes(learner.policy, 50, seed=helpers.fresh_seed(seed))
            out[f"{name}_return"] = float(np.mean([len(e) for e in eps]))
        return out
    helpers.seed_everything(seed)  # the coin's own length, as notebook 05 measures it after seeding
    coin = float(helpers.evaluate(helpers.UniformPolicy(), 100, greedy=False, seed=helpers.fresh_seed(seed)).mean())
    coin_demos = helpers.random_policy_demos(200, seed=seed)
    out = {"seed": seed, "coin": coin, "plain_50k": sampled_length(coin_demos, seed, plain(ABSORBING_STEPS))}
    if mode == "ratio":
        out["absorbing_50k"] = sampled_length(coin_demos, seed, helpers.absorbing_config(max_env_steps=ABSORBING_STEPS))
    else:
        out["logit_no_absorbing_50k"] = sampled_length(
            coin_demos, seed, helpers.absorbing_config(max_env_steps=ABSORBING_STEPS, absorbing=False)
        )
    return out


def summary() -> None:
    """Print the ranges of every absorbing-* results file."""
    for path in sorted(RESULTS.glob("absorbing-*.json")):
        rows, mode = json.loads(path.read_text())["rows"], path.name.split("_")[0].removeprefix("absorbing-")
        keys = ("absorbing_50k", "plain_10k", "plain_50k", "logit_no_absorbing_50k")
        for key in (k for k in keys if k in rows[0]):
            r = np.array([x[key] / x["coin"] for x in rows])
            print(f"{path.name}: {key} / coin, {len(r)} seeds: {r.min():.3f}-{r.max():.3f}, median {np.median(r):.3f}")
        if mode == "ratio":
            r = np.array([x["absorbing_50k"] / x["coin"] for x in rows])
            print(f"  the checkpoint (<= {ABSORBING_VS_COIN}): passed on {(r <= ABSORBING_VS_COIN).sum()}/{len(r)}, "
                  f"worst margin {ABSORBING_VS_COIN - r.max():.3f}")  # fmt: skip
        if mode == "expert":
            for key in ("absorbing_50k_return", "logit_no_absorbing_50k_return"):
                r = np.array([x[key] for x in rows])
                print(f"{path.name}: {key}, {len(r)} seeds: {r.min():.1f}-{r.max():.1f}, >= 195 on {(r >= 195).sum()}")


def main(argv: list[str] | None = None) -> None:
    """Command line: measure one mode over a seed range into its results file, or print the summary."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["ratio", "controls", "expert", "summary"])
    p.add_argument("seeds", nargs="?", help="first-last, e.g. 3000-3199")
    p.add_argument("--data", type=Path, help="a sweep's folder of seed-<s>/data (mode expert)")
    args = p.parse_args(argv)
    if args.mode == "summary":
        summary()
        return
    if not args.seeds or (args.mode == "expert" and args.data is None):
        p.error("give the seeds (first-last), and --data for mode expert")
    torch.set_num_threads(1)
    lo, hi = (int(x) for x in args.seeds.split("-"))
    out = results_path(f"absorbing-{args.mode}", f"{lo}-{hi}")
    result = {**provenance(argv), "numerics": numerics(), "rows": []}
    for seed in range(lo, hi + 1):
        result["rows"].append(row(args.mode, seed, args.data))
        print(json.dumps(result["rows"][-1]), flush=True)
        write_json(out, result)  # atomic: an interrupted run keeps the seeds it finished


if __name__ == "__main__":
    main(sys.argv[1:])
