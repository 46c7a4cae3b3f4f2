"""Notebook 08's exercise over many seeds: the share of conflicting pushes of the stand-in's steady and shaky
demonstrations (no training, a second or so per seed).

    .venv/bin/python -m benchmarks.conflicting_pushes 3000-3149
    ATEN_CPU_CAPABILITY=default .venv/bin/python -m benchmarks.conflicting_pushes 3000-3149

Writes ``benchmarks/results/conflicting-pushes_<seeds>_<numerics>.json``: per seed the two shares
(``helpers.conflicting_pushes``, float64 and exact distances) and the lengths of the two episodes, then a summary:
each share's range, and on how many seeds the shaky one is above the steady one. The notebook quotes none of it; the
notes (``benchmarks/your_demo_notes.md``) do.
"""

from __future__ import annotations

import argparse

import torch

import helpers
from benchmarks.common import numerics, provenance, results_path, write_json
from helpers.teaching.game import ScriptedPlayer, cartpole_game, play_scripted


def shares(seed: int) -> dict[str, float | int]:
    """The steady and the shaky stand-in's demonstrations of notebook 08 (section 4) at ``seed``, and their shares."""
    steady = play_scripted(cartpole_game(seed=seed), ScriptedPlayer(mark=-1.0))
    shaky = play_scripted(cartpole_game(seed=seed), ScriptedPlayer(mark=-1.0, shaky=0.1, seed=seed))
    return {
        "seed": seed,
        "steady": helpers.conflicting_pushes(steady.states, steady.actions),
        "shaky": helpers.conflicting_pushes(shaky.states, shaky.actions),
        "steady_pairs": len(steady),
        "shaky_pairs": len(shaky),
    }


def main(argv: list[str] | None = None) -> None:
    """Measure the seeds given on the command line and write the results file."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("seeds", help="first-last, e.g. 3000-3149")
    args = p.parse_args(argv)
    lo, hi = (int(x) for x in args.seeds.split("-"))
    torch.set_num_threads(1)
    rows = [shares(seed) for seed in range(lo, hi + 1)]
    steady, shaky = [r["steady"] for r in rows], [r["shaky"] for r in rows]
    summary = {
        "seeds": len(rows),
        "steady_min_max": [min(steady), max(steady)],
        "shaky_min_max": [min(shaky), max(shaky)],
        "shaky_above_steady": sum(s > t for s, t in zip(shaky, steady, strict=True)),
        "shaky_equal_steady": sum(s == t for s, t in zip(shaky, steady, strict=True)),
        "full_length_both": sum(r["steady_pairs"] == r["shaky_pairs"] == helpers.MAX_STEPS for r in rows),
    }
    out = results_path("conflicting-pushes", args.seeds)
    write_json(out, {**provenance(argv), "numerics": numerics(), "summary": summary, "rows": rows})
    print(f"{out.name}: {summary}")


if __name__ == "__main__":
    main()
