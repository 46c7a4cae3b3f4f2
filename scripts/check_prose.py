"""``make check-prose``: does the notebooks' markdown quote a number that only the committed run printed?

    .venv/bin/python scripts/check_prose.py                  # run every notebook again, then compare (minutes)
    .venv/bin/python scripts/check_prose.py --reuse          # compare with the runs already in build/check-prose/
    .venv/bin/python scripts/check_prose.py --notebooks 04   # only notebook 04 (on build/check-prose/data)

A learner on another CPU reads the same markdown beside other numbers (CONTRIBUTING, "Numbers in prose"). This
script executes the notebooks once more as such a learner would — papermill, torch's plain kernels
(``ATEN_CPU_CAPABILITY=default``), and another seed (``--seed``, 1 unless told; ``--seed keep`` runs the notebooks'
own), each notebook reading what the one before it wrote, on a copy of ``data/`` in ``build/check-prose/data`` —
into ``build/check-prose/notebooks/``. Then, for every number in a
markdown cell, it asks: does the committed run print it, and does this second run not? Such a number was read off
one run, and the learner's output will not show it: the check fails and names it, with its sentence.

Numbers inside generated sweep blocks (``<!-- sweep: NAME -->`` … ``<!-- /sweep -->``) are sweep figures, tied to
their results files by ``tests/test_report.py``; numbers that both runs print (settings, limits, what follows from
the settings alone) pass by themselves. A number that is a setting although only the committed run prints it can
be declared in its markdown cell: ``<!-- setting: 0.25 -->``.

The check finds quoted numbers; it cannot find a sentence that stopped being true. Re-read the prose too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "check-prose"

NUMBER = re.compile(r"(?<![\w.])[+\-−]?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w])")
"""A number as prose or output writes it: 0.04, +1.36, −0.12, 80,000, 49 (a sign, thousands commas)."""
SWEEP_BLOCK = re.compile(r"<!--\s*sweep:.*?-->.*?<!--\s*/sweep\s*-->", re.S)
"""A generated block of sweep figures (``make tables``): its numbers come from a results file."""
SETTING = re.compile(r"<!--\s*setting:\s*([^>]*?)\s*-->")
"""A declaration in a markdown cell: these numbers are settings, although only one run prints them."""
SKIPPED = [
    re.compile(r"\]\([^)]*\)"),  # a link's target: file names (04_gail.ipynb), addresses
    re.compile(r"<[^>]+>"),  # HTML tags and comments
    re.compile(r"^\s*\d+\.\s", re.M),  # a numbered list's markers
    re.compile(r"^#+ .*\d+ ·", re.M),  # a notebook's title, "# 04 · GAIL"
    re.compile(r"\b[Nn]otebooks? \d\d(?:[–-]\d\d)?\b"),  # "notebook 03", "notebooks 01–04"
    re.compile(r"\b[Ss]ections? \d+(?:(?: and |[–-])\d+)?"),  # "section 3", "sections 3 and 4"
]


def normalize(token: str) -> str:
    """One spelling per value: no sign, no thousands commas, no trailing zeros after the point ('1.50' -> '1.5')."""
    token = token.lstrip("+-−").replace(",", "")
    if "." in token:
        token = token.rstrip("0").rstrip(".")
    return token or "0"


def numbers(text: str) -> set[str]:
    """Every number in ``text``, normalized."""
    return {normalize(m.group(0)) for m in NUMBER.finditer(text)}


def output_text(cell: dict) -> str:
    """What a code cell printed: streams, plain-text results and errors (not images, not widgets)."""
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append("".join(out.get("text", "")))
        elif out.get("output_type") in ("execute_result", "display_data"):
            parts.append("".join(out.get("data", {}).get("text/plain", "")))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "\n".join(parts)


def printed_numbers(nb: dict) -> set[str]:
    """Every number a notebook's outputs print."""
    return set().union(*(numbers(output_text(c)) for c in nb["cells"] if c["cell_type"] == "code"))


@dataclass(frozen=True)
class Quote:
    """A number in a markdown cell that the committed run printed and the second run did not."""

    notebook: str
    cell: int
    number: str
    context: str

    def __str__(self) -> str:
        return f"{self.notebook}, markdown cell {self.cell}: {self.number!r} in “{self.context}”"


def prose_numbers(source: str) -> list[tuple[str, str]]:
    """(number, its context) for each number of a markdown cell that the check judges: sweep blocks, declared
    settings, link targets, HTML and list markers left out."""
    declared = {normalize(n) for m in SETTING.finditer(source) for n in re.split(r"[\s,;]+", m.group(1)) if n}
    text = SWEEP_BLOCK.sub(" ", source)
    for pattern in SKIPPED:
        text = pattern.sub(" ", text)
    found = []
    for m in NUMBER.finditer(text):
        value = normalize(m.group(0))
        if value in declared:
            continue
        start, end = max(0, m.start() - 60), min(len(text), m.end() + 60)
        context = " ".join(text[start:end].split())
        found.append((value, context))
    return found


def stale_quotes(name: str, committed: dict, second: dict) -> list[Quote]:
    """The markdown's numbers that ``committed`` prints and ``second`` (the same notebook, run again) does not."""
    then, now = printed_numbers(committed), printed_numbers(second)
    quotes = []
    for i, cell in enumerate(committed["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        for value, context in prose_numbers("".join(cell["source"])):
            if value in then and value not in now:
                quotes.append(Quote(name, i, value, context))
    return quotes


def quoted_counts(committed: dict, second: dict, decimals_only: bool = True) -> tuple[int, int]:
    """How many numbers the markdown quotes from the committed run's output, and how many of them the second run
    does not print (decimal numbers only, by default: the measure issue 26 counted)."""
    then, now = printed_numbers(committed), printed_numbers(second)
    quoted = not_printed = 0
    for cell in committed["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for value, _ in prose_numbers("".join(cell["source"])):
            if (decimals_only and "." not in value) or value not in then:
                continue
            quoted += 1
            not_printed += value not in now
    return quoted, not_printed


def select(spec: str) -> list[Path]:
    """The notebooks named by '01-06', '04' or 'all', in order."""
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if spec == "all":
        return notebooks
    first, last = spec.split("-") if "-" in spec else (spec, spec)
    return [nb for nb in notebooks if first <= nb.name[:2] <= last]


def execute(notebooks: list[Path], fresh_data: bool, seed: int | None) -> None:
    """Run the notebooks in order under torch's plain kernels (with ``SEED = seed`` unless None) into
    ``build/check-prose/``, on its data copy."""
    import papermill

    data = BUILD / "data"
    if fresh_data or not data.is_dir():
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        for f in (ROOT / "data").glob("*.pt"):
            shutil.copy2(f, data / f.name)
    (BUILD / "notebooks").mkdir(parents=True, exist_ok=True)
    env_before = dict(os.environ)
    os.environ.update(ATEN_CPU_CAPABILITY="default", SDL_VIDEODRIVER="dummy", PYTHONPATH=str(ROOT))
    os.environ.pop("IL_DATA_DIR", None)
    try:
        for nb in notebooks:
            t0 = time.perf_counter()
            print(f"=== {nb.name} (torch's plain kernels, SEED {'as set' if seed is None else seed})", flush=True)
            papermill.execute_notebook(
                str(nb),
                str(BUILD / "notebooks" / nb.name),
                parameters={"DATA_DIR": str(data)} | ({} if seed is None else {"SEED": seed}),
                cwd=str(ROOT / "notebooks"),
                kernel_name="python3",
                progress_bar=False,
            )
            print(f"    {time.perf_counter() - t0:.0f} s", flush=True)
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def main(argv: list[str] | None = None) -> int:
    """Execute (unless --reuse), compare, print every stale quote; exit 1 if there is one."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--notebooks", default="all", help="first-last notebook numbers, e.g. 01-03 (default: all)")
    p.add_argument("--reuse", action="store_true", help="compare with the runs already in build/check-prose/")
    p.add_argument("--seed", default="1", help="SEED of the second run (default 1; 'keep': the notebooks' own)")
    p.add_argument("--counts", action="store_true", help="also print, per notebook, the decimal numbers quoted")
    args = p.parse_args(argv)
    notebooks = select(args.notebooks)
    if not notebooks:
        raise SystemExit(f"--notebooks {args.notebooks}: no notebook matches")
    if not args.reuse:
        seed = None if args.seed == "keep" else int(args.seed)
        execute(notebooks, fresh_data=args.notebooks == "all" or notebooks[0].name.startswith("01"), seed=seed)
    stale: list[Quote] = []
    for nb in notebooks:
        second_path = BUILD / "notebooks" / nb.name
        if not second_path.is_file():
            raise SystemExit(f"check-prose: {second_path.relative_to(ROOT)} is missing: run without --reuse")
        committed = json.loads(nb.read_text(encoding="utf-8"))
        second = json.loads(second_path.read_text(encoding="utf-8"))
        found = stale_quotes(nb.stem, committed, second)
        stale += found
        if args.counts:
            quoted, gone = quoted_counts(committed, second)
            print(f"{nb.stem}: the markdown quotes {quoted} decimal numbers of the committed output; {gone} of them "
                  f"this run does not print")  # fmt: skip
    for q in stale:
        print(q)
    if stale:
        print(
            f"\ncheck-prose: {len(stale)} number(s) in the markdown were read off the committed run and are not "
            "printed on another CPU. Print them from the code and describe the output in words, or quote a sweep "
            "figure in a generated block (CONTRIBUTING, 'Numbers in prose')."
        )
        return 1
    print(f"check-prose: ok, no markdown number of {len(notebooks)} notebook(s) is one run's alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
