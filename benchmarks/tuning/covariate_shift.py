"""How BC on 20 pairs falls, against a coin from the same starts: candidate statistics for notebook 05's
covariate-shift checkpoint. A tuning study: it found that no per-seed form of "BC's falls come after a long drift"
holds on every seed (BC on 20 pairs sometimes never learns to balance and falls like the coin), so notebook 05
reports the drift over seeds instead of checking it.

    .venv/bin/python -m benchmarks.tuning.covariate_shift --seeds 3300-3339

Per seed, as notebooks 01, 02 and 05 do: the seed's expert and greedy demo, BC on 20 evenly spaced pairs (1000
epochs, 64 hidden units), then 50 fresh greedy episodes of 400 steps for BC and 50 sampled ones for the coin
(``UniformPolicy``), from ``fresh_seed(seed)``. ``near`` is the 95 % quantile of the expert's own states' distance to
the demo (std units), as in notebook 05. For each episode that fell: the steps from its *first* exit from the
neighbourhood to the fall (the old checkpoint's statistic), the steps of its *last* stay outside it (from the last
step inside to the fall), and whether its distance climbed over its last 20 steps.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import helpers
from benchmarks.common import cached_expert, machine_info, provenance, results_path, write_json
from helpers.algorithms.bc import train_bc
from helpers.core.rollout import run_episodes
from helpers.core.seeding import fresh_seed

ROOT = Path(__file__).resolve().parents[2]


def fall_statistics(episodes: list, demo: torch.Tensor, near: float) -> list[dict[str, float]]:
    """Per episode that fell (terminated): first-exit lead, last-stay lead, and length."""
    mu, sd = demo.mean(0), demo.std(0)
    out = []
    for e in episodes:
        if not bool(e.terminated[-1]):
            continue
        d = torch.cdist((e.states - mu) / sd, (demo - mu) / sd).min(1).values
        outside = (d > near).numpy()
        first = int(np.argmax(outside)) if outside.any() else len(e)
        inside_steps = np.nonzero(~outside)[0]
        last_inside = int(inside_steps[-1]) if len(inside_steps) else -1
        out.append({"length": len(e), "first_exit_lead": len(e) - first, "last_stay": len(e) - 1 - last_inside})
    return out


@torch.no_grad()
def agreement_by_distance(episodes: list, expert: torch.nn.Module, demo: torch.Tensor, near: float) -> dict:
    """How often the actions taken agree with the expert's greedy action, on the visited states within ``near`` of
    the demo and on those beyond it (and how many states each side has)."""
    mu, sd = demo.mean(0), demo.std(0)
    states = torch.cat([e.states for e in episodes])
    actions = torch.cat([e.actions for e in episodes])
    d = torch.cdist((states - mu) / sd, (demo - mu) / sd).min(1).values
    agree = (expert(states).argmax(-1) == actions).float()
    inside = d <= near
    return {
        "inside": float(agree[inside].mean()) if inside.any() else None,
        "outside": float(agree[~inside].mean()) if (~inside).any() else None,
        "n_inside": int(inside.sum()),
        "n_outside": int((~inside).sum()),
    }


def one_seed(seed: int, cache: Path) -> dict:
    """The statistics of one seed."""
    torch.set_num_threads(1)
    expert, demos, _ = cached_expert(seed, cache)
    eval_seed = fresh_seed(seed)
    demo = demos["states"]
    mu, sd = demo.mean(0), demo.std(0)
    expert_states = torch.cat([e.states for e in run_episodes(expert, 50, seed=eval_seed)])
    near = float(torch.cdist((expert_states - mu) / sd, (demo - mu) / sd).min(1).values.quantile(0.95))
    few = helpers.subsample_demos(demos, 20)
    bc, _ = train_bc(few["states"], few["actions"], epochs=1000, hidden=64, seed=seed)
    bc_eps = run_episodes(bc, 50, seed=eval_seed, max_steps=400)
    coin_eps = run_episodes(helpers.UniformPolicy(), 50, greedy=False, seed=eval_seed, max_steps=400)
    pushed_eps = run_episodes(expert, 50, seed=eval_seed, max_steps=400, push_prob=0.2)
    return {
        "seed": seed,
        "near": near,
        "bc": fall_statistics(bc_eps, demo, near),
        "coin": fall_statistics(coin_eps, demo, near),
        "pushed_expert": fall_statistics(pushed_eps, demo, near),
        "bc_agreement": agreement_by_distance(bc_eps, expert, demo, near),
        "coin_agreement": agreement_by_distance(coin_eps, expert, demo, near),
    }


def summary(rows: list[dict]) -> dict:
    """Per learner: seeds with a fall, and the distributions over seeds of the per-seed median statistics."""
    out = {}
    for who in ("bc", "coin", "pushed_expert"):
        with_falls = [r for r in rows if r[who]]
        per_seed = {
            k: [statistics.median(f[k] for f in r[who]) for r in with_falls]
            for k in ("first_exit_lead", "last_stay", "length")
        }
        per_seed["min_last_stay"] = [min(f["last_stay"] for f in r[who]) for r in with_falls]
        late = [[f["last_stay"] for f in r[who] if f["length"] > 200] for r in rows]
        per_seed["late_median_last_stay"] = [statistics.median(x) for x in late if x]
        diffs = [
            r[f"{who}_agreement"]["inside"] - r[f"{who}_agreement"]["outside"]
            for r in rows
            if f"{who}_agreement" in r
            and r[f"{who}_agreement"]["inside"] is not None
            and r[f"{who}_agreement"]["outside"] is not None
        ]
        out[who] = {
            "seeds_with_falls": len(with_falls),
            **{k: [min(v), statistics.median(v), max(v)] if v else None for k, v in per_seed.items()},
            "agreement_inside_minus_outside": [min(diffs), statistics.median(diffs), max(diffs)] if diffs else None,
        }
    return out


def main() -> None:
    """Measure the seeds, write the results, print the summary."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", default="3300-3339")
    p.add_argument("--cache", default=str(ROOT / "build" / "expert-cache"))
    p.add_argument(
        "--out", help="the results file (default benchmarks/results/covariate_shift_<seeds>_<numerics>.json)"
    )
    args = p.parse_args()
    lo, hi = (int(x) for x in args.seeds.split("-"))
    t0 = time.perf_counter()
    rows = []
    for seed in range(lo, hi + 1):
        rows.append(one_seed(seed, Path(args.cache)))
        r = rows[-1]

        def med(falls: list, late: bool = False) -> str:
            x = [f["last_stay"] for f in falls if not late or f["length"] > 200]
            return f"{len(x)} falls, median {statistics.median(x):.0f}" if x else "-"

        print(
            f"seed {seed}: last stay: BC {med(r['bc'])}, late {med(r['bc'], True)}; coin {med(r['coin'])}; "
            f"pushed expert {med(r['pushed_expert'])}, late {med(r['pushed_expert'], True)}",
            flush=True,
        )
    result = {
        **provenance(),
        "seeds": args.seeds,
        "numerics": "native",
        "machine": machine_info(),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "summary": summary(rows),
        "rows": rows,
    }
    write_json(Path(args.out) if args.out else results_path("covariate_shift", args.seeds), result)
    print(result["summary"])


if __name__ == "__main__":
    main()
