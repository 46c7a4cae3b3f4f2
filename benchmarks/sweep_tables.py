"""The multi-seed tables of the README and of notebooks 04 and 05, from a seed sweep's results file.

    .venv/bin/python benchmarks/sweep_tables.py benchmarks/checkpoints.json

``check_seeds.py`` logs, per seed and notebook, every checkpoint's number and every number a notebook ``record``s
(``helpers.teaching.checkpoints``); this script turns them into the tables the notebooks and the README quote, so
that each can be made again after a new sweep. Numbers are per seed: one seed is one learner's run of the whole series.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def values(result: dict[str, Any], notebook: str, name: str) -> list[float]:
    """The numbers logged under ``name`` by ``notebook`` (e.g. "04"), one per seed that ran it (the first if twice)."""
    out = []
    for r in result["records"]:
        entry = r["notebooks"].get(notebook, {})
        found = [c["value"] for c in entry.get("checkpoints", []) if c["name"] == name]
        if found:
            out.append(found[0])
    return out


def count(xs: list[float], test: Callable[[float], bool]) -> str:
    """'k/n': how many of the numbers pass ``test``."""
    return f"{sum(bool(test(x)) for x in xs)}/{len(xs)}"


def med(xs: list[float], fmt: str = "{:.2f}") -> str:
    """The median, formatted."""
    return fmt.format(statistics.median(xs)) if xs else "—"


def span(xs: list[float], fmt: str = "{:.2f}") -> str:
    """'min–max', formatted."""
    return f"{fmt.format(min(xs))}–{fmt.format(max(xs))}" if xs else "—"


def readme_row(result: dict[str, Any]) -> str:
    """The README's row: seeds, numerics, 01 -> 05 passed, worst GAIL gap, smallest control gap, worst expert error."""
    n = len(result["records"])
    passed = sum(all(e["status"] == "pass" for e in r["notebooks"].values()) for r in result["records"])
    gail = values(result, "04", "GAIL's habit gap (m)")
    ctrl = values(result, "04", "the control's habit gap (m)")
    expert = values(result, "01", "|expert's habit - HABIT_X| (m)")
    return (
        f"| {result['seeds']} | {result['numerics']} | {passed}/{n} | {max(gail):.2f} | {min(ctrl):.2f} "
        f"| {max(expert):.3f} |"
    )


def table_04(result: dict[str, Any]) -> str:
    """Notebook 04: GAIL, the survival control and BC over the seeds."""
    rows = [
        "| seeds {s} | return ≥ 195 | habit gap (m): median, worst | gap ≤ 0.4 | agreement: demo / own |".format(
            s=result["seeds"]
        ),
        "|---|---|---|---|---|",
    ]
    for name, gap_name, ret_name in [
        ("GAIL", "GAIL's habit gap (m)", "GAIL's mean return"),
        ("survival control", "the control's habit gap (m)", None),
        ("BC", "BC's habit gap (m)", "BC's mean return"),
    ]:
        gaps = values(result, "04", gap_name)
        worst = min(gaps) if name == "survival control" else max(gaps)
        returns = values(result, "04", f"{name}: return") or (values(result, "04", ret_name) if ret_name else [])
        ret = count(returns, lambda x: x >= 195) if returns else "—"
        agree = (
            f"{med(values(result, '04', f'{name}: agree_demo'))} / {med(values(result, '04', f'{name}: agree_own'))}"
        )
        rows.append(f"| {name} | {ret} | {med(gaps)}, {worst:.2f} | {count(gaps, lambda x: x <= 0.4)} | {agree} |")
    return "\n".join(rows)


def tables_05(result: dict[str, Any]) -> dict[str, str]:
    """Notebook 05's five tables, by section."""
    v = lambda name: values(result, "05", name)  # noqa: E731
    s = result["seeds"]
    out = {}
    pairs, plain = (
        v("the coin's pairs, their own episodes: length / the coin's"),
        v("plain GAIL on the coin's pairs: length / the coin's"),
    )
    out["1"] = "\n".join(
        [
            f"| × the coin's length, seeds {s} | median | min–max | ≥ 2 × |",
            "|---|---|---|---|",
            f"| the coin's pairs, their own episodes | {med(pairs)} | {span(pairs)} "
            f"| {count(pairs, lambda x: x >= 2)} |",
            f"| plain GAIL on those pairs | {med(plain)} | {span(plain)} | {count(plain, lambda x: x >= 2)} |",
        ]
    )
    vs_plain = v("absorbing GAIL / plain GAIL, coin's pairs: length")
    vs_coin = v("absorbing GAIL, coin's pairs: length / the coin's")
    gap, kept = v("absorbing GAIL, expert's demo: habit gap (m)"), v("absorbing GAIL, expert's demo: kept the habit")
    clamp = v("absorbing GAIL, expert's demo: r_a at the clamp, share of iterations")
    out["2"] = "\n".join(
        [
            f"| absorbing GAIL, seeds {s} | median | min–max | seeds |",
            "|---|---|---|---|",
            f"| coin's pairs: length / plain GAIL's | {med(vs_plain)} | {span(vs_plain)} "
            f"| ≤ 0.5: {count(vs_plain, lambda x: x <= 0.5)} |",
            f"| coin's pairs: length / the coin's | {med(vs_coin)} | {span(vs_coin)} "
            f"| 0.75–1.25: {count(vs_coin, lambda x: 0.75 <= x <= 1.25)} |",
            f"| expert's demo: habit gap (m) | {med(gap)} | {span(gap)} | kept the habit: {count(kept, bool)} |",
            f"| expert's demo: r_a at the clamp, share of iterations | {med(clamp)} | {span(clamp)} "
            f"| > 0: {count(clamp, lambda x: x > 0)} |",
        ]
    )
    rows = [
        f"| seeds {s} | kept the habit | return: median (min) | habit gap (m): median (max) |",
        "|---|---|---|---|",
    ]
    for learner, n in [("BC", 200), ("BC", 50), ("BC", 20), ("BC", 10), ("GAIL", 20)]:
        kept, ret, gap = (v(f"{learner} on {n} pairs: {k}") for k in ("kept the habit", "mean return", "habit gap (m)"))
        if not kept:
            continue
        rows.append(
            f"| {learner}, {n} pairs | {count(kept, bool)} | {med(ret, '{:.1f}')} ({min(ret):.1f}) "
            f"| {med(gap)} ({max(gap):.2f}) |"
        )
    out["3"] = "\n".join(rows)
    rows = [
        f"| 400 steps, seeds {s} | seeds with a fall | episodes that fell (of 50), mean over the seeds |",
        "|---|---|---|",
    ]
    for name in ("expert", "GAIL, 20 pairs", "BC, 20 pairs"):
        falls = v(f"falls in 400 steps: {name}")
        rows.append(f"| {name} | {count(falls, lambda x: x > 0)} | {statistics.fmean(falls):.1f} |")
    lead = v("BC's lead before falling, median steps")
    out["4"] = "\n".join(rows) + (f"\n\nBC's median lead before falling, per seed: median {med(lead, '{:.0f}')} steps "
                                  f"({span(lead, '{:.0f}')})" if lead else "")  # fmt: skip
    conds = ["as trained", "start x in [-1, 1]", "pushes, p = 0.2"]
    rows = [f'| "ok" on, seeds {s} | as trained | start x ∈ [−1, 1] | pushes, p = 0.2 |', "|---|---|---|---|"]
    for name in ("expert", "GAIL, 200 pairs (04)", "BC, 200 pairs (04)", "GAIL, 20 pairs", "BC, 20 pairs"):
        cells = [count(v(f"robustness, {c}: {name} ok"), bool) for c in conds]
        rows.append(f"| {name.replace(' (04)', '')} | " + " | ".join(cells) + " |")
    out["5"] = "\n".join(rows)
    return out


def plot_habits(result: dict[str, Any], path: Path) -> None:
    """Per seed, the habit of the expert, GAIL, BC and the survival control (notebook 04), and the 0.4 m band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    seeds, habits = [], {n: [] for n in ("expert", "GAIL", "BC", "survival control")}
    for r in result["records"]:
        logged = {c["name"]: c["value"] for c in r["notebooks"].get("04", {}).get("checkpoints", [])}
        if all(f"{n}: habit" in logged for n in habits):
            seeds.append(r["seed"])
            for n in habits:
                habits[n].append(logged[f"{n}: habit"])
    fig, ax = plt.subplots(figsize=(11, 3.4), layout="constrained")
    ax.bar(seeds, [0.8] * len(seeds), bottom=[h - 0.4 for h in habits["expert"]], width=0.8, color="0.88",
           label="within 0.4 m of the expert's habit")  # fmt: skip
    for (name, hs), style in zip(habits.items(), ["k_", "C0o", "C2^", "C3s"], strict=True):
        ax.plot(seeds, hs, style, ms=4 if name != "expert" else 8, label=name)
    ax.set_xlabel("seed (each trains its own expert, demo and learners)")
    ax.set_ylabel("habit: mean cart x over the last 100 steps (m)")
    ax.set_title(
        f"Notebook 04 on seeds {result['seeds']} ({result['numerics']} numerics), 50 fresh greedy episodes each"
    )
    ax.legend(ncol=5, loc="lower center", fontsize="small")
    ax.set_ylim(-1.2, 2.2)
    fig.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> None:
    """Print every table of one results file (``--figure PATH``: also draw the per-seed habits)."""
    args = sys.argv[1:] if argv is None else argv
    figure = None
    if len(args) == 3 and args[1] == "--figure":
        figure = Path(args[2])
        args = args[:1]
    if len(args) != 1:
        raise SystemExit("usage: sweep_tables.py RESULTS.json [--figure PATH.png]")
    result = json.loads(Path(args[0]).read_text())
    if figure:
        plot_habits(result, figure)
    print("README:\n" + readme_row(result))
    print("\nnotebook 04:\n" + table_04(result))
    for section, table in tables_05(result).items():
        print(f"\nnotebook 05, section {section}:\n{table}")


if __name__ == "__main__":
    main()
