"""The instructor's guide's table of what learners should see: each checkpoint's range over the seed sweeps.

    .venv/bin/python benchmarks/guide_ranges.py benchmarks/checkpoints.json benchmarks/checkpoints_default.json \\
        benchmarks/checkpoints_final_native.json                  # rewrites the table in docs/instructors.md
    .venv/bin/python benchmarks/guide_ranges.py --print FILES...  # prints it instead

Each results file is one sweep of ``check_seeds.py`` (``make check-seeds``): per seed and notebook, every
checkpoint's number and limit. Per checkpoint the table gives, for each file, the smallest, the median and the
largest number over the seeds that reached it, and the limit. Each file is named with its seeds and its numerics
(native: this CPU's vector instructions; default: ``ATEN_CPU_CAPABILITY=default``, torch's plain kernels). The table
is written between the guide's two marker comments, ``BEGIN`` and ``END`` below; nothing else of the guide changes.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import string
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "instructors.md"
BEGIN = "<!-- guide_ranges.py: begin (generated: edit benchmarks/guide_ranges.py, not this table) -->"
END = "<!-- guide_ranges.py: end -->"
COMMAND = "benchmarks/guide_ranges.py"
SOURCES = re.compile(r"`(?:\S*python\S* )?" + re.escape(COMMAND) + r" ([^`]+)`")


def fmt(value: float) -> str:
    """A number as the table shows it: whole numbers bare, else 1 decimal from 10 on (returns), 3 below (metres)."""
    value = float(value)
    if value.is_integer():
        return f"{value:.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"


def limit_text(at_least: float | None, at_most: float | None) -> str:
    """'≥ 195', '≤ 0.4', both joined by 'and', or '' for a number with no check."""
    parts = ([f"≥ {at_least:g}"] if at_least is not None else []) + ([f"≤ {at_most:g}"] if at_most is not None else [])
    return " and ".join(parts)


def seeds_text(result: dict[str, Any]) -> str:
    """The file's seeds as '1000–1099' (a range) or '7, 23, 55' (a list)."""
    seeds = result.get("seeds", "?")
    return ", ".join(str(s) for s in seeds) if isinstance(seeds, list) else str(seeds).replace("-", "–")


def describe(result: dict[str, Any], path: str) -> str:
    """One line naming a results file: its path, seeds (how many) and numerics."""
    numerics = result.get("numerics", "?")
    how = "torch's plain kernels, `ATEN_CPU_CAPABILITY=default`" if numerics == "default" else "this CPU's own"
    capability = result.get("torch_cpu_capability")
    cpu = f", torch {capability}" if capability and numerics != "default" else ""
    return f"`{path}`: seeds {seeds_text(result)} ({len(result['records'])}), numerics `{numerics}` ({how}{cpu})"


def checkpoints(result: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per notebook, per checked number (in order of appearance): its values over the seeds, limit, failures."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for record in result["records"]:
        for nb, entry in record["notebooks"].items():
            if entry.get("status") == "skipped":
                continue
            for c in entry.get("checkpoints", []):
                if c["at_least"] is None and c["at_most"] is None:  # a recorded number, not a checkpoint
                    continue
                row = out.setdefault(nb, {}).setdefault(
                    c["name"], {"values": [], "limit": limit_text(c["at_least"], c["at_most"]), "failed": 0}
                )
                row["values"].append(c["value"])
                row["failed"] += not c["ok"]
    return out


def in_sweep(result: dict[str, Any], nb: str) -> bool:
    """Whether the sweep ran notebook ``nb`` at all (``--notebooks 06-06`` runs only 06; a sweep older than a
    notebook never knew it); a notebook in the sweep that a seed never reached is still in it."""
    return any(nb in r["notebooks"] for r in result["records"])


def passed(result: dict[str, Any], nb: str) -> str:
    """'**k/n** seeds passed': of the n seeds that ran notebook ``nb``, how many passed; and how many never reached it
    (an earlier notebook failed)."""
    if not in_sweep(result, nb):
        return "— (not in this sweep)"
    statuses = [r["notebooks"].get(nb, {}).get("status", "skipped") for r in result["records"]]
    ran = [s for s in statuses if s != "skipped"]
    text = f"**{sum(s == 'pass' for s in ran)}/{len(ran)}** seeds passed"
    missed = len(statuses) - len(ran)
    return text + (f" ({missed} stopped earlier)" if missed else "")


def table(results: list[tuple[str, dict[str, Any]]]) -> str:
    """The Markdown table of several results files (path, parsed JSON), with a legend naming each file."""
    if not results:
        raise ValueError("no results file given")
    letters = string.ascii_uppercase[: len(results)]
    per_file = [checkpoints(r) for _, r in results]
    notebooks = sorted({nb for cps in per_file for nb in cps})
    legend = [f"- **{k}**: {describe(r, p)}" for k, (p, r) in zip(letters, results, strict=True)]
    head = "| notebook | checkpoint | limit | " + " | ".join(f"{k}: min · median · max" for k in letters) + " |"
    lines = [*legend, "", head, "|---" * (3 + len(results)) + "|"]
    for nb in notebooks:
        cells = [passed(r, nb) for _, r in results]
        lines.append(f"| **{nb}** | **every checkpoint** | | " + " | ".join(cells) + " |")
        names: list[str] = []
        for cps in per_file:
            names += [n for n in cps.get(nb, {}) if n not in names]
        for name in names:
            rows = [cps.get(nb, {}).get(name) for cps in per_file]
            limits = {row["limit"] for row in rows if row}
            shared = limits.pop() if len(limits) == 1 else ""
            cells = []
            for (_, result), row in zip(results, rows, strict=True):
                if row is None:
                    cells.append("— (not checked)" if in_sweep(result, nb) else "—")
                    continue
                v = row["values"]
                cell = f"{fmt(min(v))} · {fmt(statistics.median(v))} · {fmt(max(v))}"
                if not shared:
                    cell += f" (limit {row['limit']})"
                if row["failed"]:
                    cell += f", **{row['failed']} of {len(v)} failed**"
                cells.append(cell)
            label = name.replace("|", "\\|")  # a table cell: |x| would end it
            lines.append(f"| {nb} | {label} | {shared or 'see cells'} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def block(paths: list[str], results: list[dict[str, Any]]) -> str:
    """The guide's generated block: markers, the command that makes it, the table."""
    command = f"`.venv/bin/python {COMMAND} {' '.join(paths)}`"
    body = table(list(zip(paths, results, strict=True)))
    return f"{BEGIN}\n\nMade by {command} from the files below.\n\n{body}\n\n{END}"


def replace_block(text: str, new_block: str) -> str:
    """``text`` with everything from BEGIN to END (markers included) replaced by ``new_block``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the guide has no table markers: put {BEGIN!r} and {END!r} where the table goes")
    return text[:start] + new_block + text[end + len(END) :]


def current_sources(text: str) -> list[str]:
    """The results files the guide's table was made from (from the command it quotes between the markers)."""
    start, end = text.find(BEGIN), text.find(END)
    m = SOURCES.search(text[start:end]) if 0 <= start < end else None
    return m.group(1).split() if m else []


def load(paths: list[str]) -> list[dict[str, Any]]:
    """Parse each results file (paths relative to the repository or absolute)."""
    out = []
    for p in paths:
        path = Path(p) if Path(p).is_absolute() else ROOT / p
        if not path.is_file():
            raise SystemExit(f"guide_ranges.py: no results file {p}")
        out.append(json.loads(path.read_text()))
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line: write (or ``--print``) the table made from the results files given."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("results", nargs="+", help="check_seeds.py results files, e.g. benchmarks/checkpoints.json")
    p.add_argument("--guide", type=Path, default=GUIDE, help="the guide to rewrite (docs/instructors.md)")
    p.add_argument("--print", action="store_true", help="print the table, write nothing")
    args = p.parse_args(argv)
    paths = [Path(r).resolve().relative_to(ROOT).as_posix() if Path(r).resolve().is_relative_to(ROOT) else r
             for r in args.results]  # fmt: skip
    new = block(paths, load(paths))
    if args.print:
        print(new)
        return
    text = args.guide.read_text()
    try:
        updated = replace_block(text, new)
    except ValueError as exc:
        raise SystemExit(f"guide_ranges.py: {args.guide}: {exc}") from None
    if updated != text:
        args.guide.write_text(updated)
    print(f"{args.guide}: table {'rewritten' if updated != text else 'unchanged'} from {', '.join(paths)}")


if __name__ == "__main__":
    main(sys.argv[1:])
