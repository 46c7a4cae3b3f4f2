"""The student edition of the series, for a workshop: `make student` writes build/student/.

Each notebooks/0*.ipynb is copied with every cell tagged `solution` removed (nbconvert's TagRemovePreprocessor),
each coding exercise's solution (the lines between nbgrader's `### BEGIN SOLUTION` and `### END SOLUTION`) replaced
by a stub that raises `NotImplementedError` with the exercise's hint (`helpers.teaching.exercises.HINTS`, by the
name of the function it sits in), its outputs and execution counts cleared and its saved widget state dropped. The
notebooks land side by side, so their links to one another still work; their `../README.md` (contents) links point
to the edition's own README.md, which lists the notebooks and says how to run them. The tracked notebooks are never
modified.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # this copy's helpers, for the exercises' hints
from helpers.teaching.exercises import HINTS  # noqa: E402 - after the path

OUT = ROOT / "build" / "student"
SOLUTION_TAG = "solution"
CONTENTS_LINK = re.compile(r"\]\(\.\./README\.md(?:#[^)]*)?\)")
BENCHMARKS_LINK = re.compile(r"\]\(\.\./benchmarks/")
DOCS_IMAGE_LINK = re.compile(r"\]\(\.\./docs/img/")
"""A notebook's pictures from docs/img/ (04's failure modes): the edition copies them to its own img/."""
"""Links to the measurement pages: the edition carries a copy of benchmarks/'s pages and pictures."""
TITLE = re.compile(r"^#\s+(.+)$", re.MULTILINE)
SOLUTION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n.*?^[ \t]*### END SOLUTION[^\n]*$", re.MULTILINE | re.DOTALL)
"""A coding exercise's solution, nbgrader's way: the lines between the two markers, the markers included."""
DEF = re.compile(r"^[ \t]*def (\w+)\(", re.MULTILINE)
# The workshop table's estimate of a learner's time, per notebook: its prose and its code read at these rates, each
# coding exercise by the size of its reference solution, each end-of-notebook exercise at a flat rate. The bases:
# - prose: 150 words a minute, between the "learning" (about 200) and "memorizing" (about 140) rates that Carver
#   (1992, "Reading rate: theory, research, and practical implications") measured on plain text; ours has equations.
# - code: 10 lines a minute, the pace of a careful code review (SmartBear's study of Cisco's reviews found
#   reviewers' defect finding falling off above about 500 lines an hour, 8 a minute): a learner reads each cell to
#   understand it, but much of it (plots, prints) is read at a glance.
# - a coding exercise: 5 minutes to read its task and run its check, plus 1.5 per line of its reference solution (to
#   write it, run the check and mend what the message names: PPO's clipped objective, 2 lines, ~8 minutes; a rollout
#   of 12, ~23). Not measured on learners yet: correct it after the first workshop (docs/instructors.md, "Two plans").
# - an end-of-notebook exercise: 8 minutes (a question to think through, or a parameter to change and run again).
WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 10
MINUTES_PER_CODING_EXERCISE = 5
MINUTES_PER_SOLUTION_LINE = 1.5
MINUTES_PER_EXERCISE = 8

README = """# Imitation Learning, step by step: student edition

The notebooks of the series without the solutions to their exercises, and without outputs: run them yourself, in
order, and try each exercise before you ask.

The **coding exercises** are functions to write: put your code in place of `raise NotImplementedError(...)` and run
the cell. Its check tries your function on chosen cases and says what is wrong, if anything; until the exercise is
done, the notebook stops there with the exercise's hint (the cells after it need your function).

{notebooks}

## Running them
They need the series' repository, for its `helpers` package and its `data/` files:

1. in a clone of the repository, run `make setup` once (a few minutes);
2. from the clone's folder, open this folder in JupyterLab: `.venv/bin/jupyter lab path/to/this/folder`.

Run the notebooks in order: each one writes a file in the repository's `data/` that the next one reads (the
repository comes with all of them, so any notebook also runs on its own).
"""


def notebooks() -> list[Path]:
    """The series' notebooks, in order."""
    return sorted((ROOT / "notebooks").glob("0*.ipynb"))


def title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The notebook's title: the first level-1 heading of its markdown cells."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and (m := TITLE.search(cell.source)):
            return m.group(1).strip()
    return fallback


def student_notebook(path: Path) -> nbformat.NotebookNode:
    """The student version of one notebook: solution cells removed, outputs cleared, links local (``local_links``)."""
    nb = nbformat.read(path, as_version=4)
    resources: dict = {}
    nb, resources = TagRemovePreprocessor(remove_cell_tags={SOLUTION_TAG}, enabled=True).preprocess(nb, resources)
    nb, resources = ClearOutputPreprocessor().preprocess(nb, resources)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = local_links(cell.source)
        elif cell.cell_type == "code":
            cell.source = stub_solutions(cell.source)
    return nb


def stub_solutions(source: str) -> str:
    """A code cell with each solution replaced by ``raise NotImplementedError("<hint>")`` at its indentation; the
    hint is that of the function the solution sits in (``helpers.teaching.exercises.HINTS``)."""

    def stub(match: re.Match) -> str:
        names = DEF.findall(source[: match.start()])
        if not names or names[-1] not in HINTS:
            raise ValueError(
                f"a solution outside a function with a hint in helpers.teaching.exercises.HINTS: {names[-1:]}"
            )
        indent = match.group(1)
        return f"{indent}# your code here\n{indent}raise NotImplementedError({HINTS[names[-1]]!r})"

    return SOLUTION.sub(stub, source)


def coding_exercises(nb: nbformat.NotebookNode) -> int:
    """How many coding exercises a notebook sets: its solutions between nbgrader's markers."""
    return len(solution_sizes(nb))


def solution_sizes(nb: nbformat.NotebookNode) -> list[int]:
    """The lines of code of each coding exercise's reference solution (comments, blank lines and markers aside)."""
    sizes = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            for match in SOLUTION.finditer(cell.source):
                lines = [x.split("#")[0].strip() for x in match.group(0).splitlines()[1:-1]]
                sizes.append(sum(bool(x) for x in lines))
    return sizes


def coding_minutes(lines: int) -> float:
    """The estimated time of one coding exercise whose reference solution has ``lines`` lines of code."""
    return MINUTES_PER_CODING_EXERCISE + MINUTES_PER_SOLUTION_LINE * lines


def reading_minutes(cells: list[nbformat.NotebookNode]) -> float:
    """The estimated time to read these cells: their markdown's words and their non-blank lines of code."""
    words = sum(len(c.source.split()) for c in cells if c.cell_type == "markdown")
    code = sum(len([x for x in c.source.splitlines() if x.strip()]) for c in cells if c.cell_type == "code")
    return words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE


def local_links(text: str) -> str:
    """A markdown cell's links as the edition needs them: contents to its own README, benchmarks and pictures to its
    copies."""
    text = DOCS_IMAGE_LINK.sub("](img/", text)
    return BENCHMARKS_LINK.sub("](benchmarks/", CONTENTS_LINK.sub("](README.md)", text))


def exercises(nb: nbformat.NotebookNode) -> int:
    """How many exercises a notebook sets: the numbered items of its untagged cells from `## Exercises` on."""
    count, seen = 0, False
    for cell in nb.cells:
        seen = seen or (cell.cell_type == "markdown" and cell.source.lstrip().startswith("## Exercises"))
        if seen and cell.cell_type == "markdown" and SOLUTION_TAG not in cell.metadata.get("tags", []):
            count += len(re.findall(r"^\d+\. ", cell.source, re.MULTILINE))
    return count


def workshop_rows(timings: Path = ROOT / "benchmarks" / "results" / "notebook-times_0_native.json") -> list[dict]:
    """Per notebook: its title and path, its measured run time (``make bench-notebooks``), the reading time estimated
    from its words and lines of code, its coding exercises (and their estimated minutes) and end-of-notebook
    exercises, and reading plus all exercises."""
    measured = json.loads(timings.read_text())["notebooks"] if timings.is_file() else {}
    rows = []
    for path in notebooks():
        nb = student_notebook(path)
        reading = reading_minutes(nb.cells)
        sizes, end = solution_sizes(nbformat.read(path, as_version=4)), exercises(nb)
        coding = sum(coding_minutes(n) for n in sizes)
        rows.append({
            "title": title(nb, path.stem), "path": path, "seconds": measured.get(path.name, {}).get("wall_seconds"),
            "reading": reading, "coding": len(sizes), "coding_minutes": coding, "end": end,
            "learn": reading + coding + end * MINUTES_PER_EXERCISE,
        })  # fmt: skip
    return rows


def run_time(seconds: float | None) -> str:
    """'7 s', or 'not measured'."""
    return f"{seconds:.0f} s" if seconds is not None else "not measured"


def workshop_table(timings: Path | None = None) -> str:
    """The README's workshop table: per notebook, its measured run time and an estimate of the learner's time."""
    rows = workshop_rows(*([timings] if timings else []))
    lines = [
        f"| notebook | run time (measured) | reading | coding exercises | others (~{MINUTES_PER_EXERCISE} min each) "
        "| reading + exercises |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        coding = f"{r['coding']}, ~{r['coding_minutes']:.0f} min" if r["coding"] else "—"
        short = re.split(r"[,:]", r["title"])[0]  # "06 · Beyond GAIL": the README lists the notebooks in full above
        lines.append(
            f"| [{short}](notebooks/{r['path'].name}) | {run_time(r['seconds'])} | ~{r['reading']:.0f} min "
            f"| {coding} | {r['end']} | **~{5 * round(r['learn'] / 5):.0f} min** |"
        )
    total = sum(r["seconds"] or 0.0 for r in rows)
    lines.append(f"| all | {total:.0f} s | | | | **~{sum(r['learn'] for r in rows) / 60:.1f} h** |")
    return "\n".join(lines)


def guide_table(timings: Path | None = None) -> str:
    """The instructor's guide's table: the same estimate, with the coding and end-of-notebook exercises apart."""
    lines = [
        "| notebook | run time | reading | coding exercises | end-of-notebook exercises | reading + all exercises |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in workshop_rows(*([timings] if timings else [])):
        coding = f"{r['coding']} (~{r['coding_minutes']:.0f} min)" if r["coding"] else "—"
        lines.append(
            f"| [{r['title']}](../notebooks/{r['path'].name}) | {run_time(r['seconds'])} | ~{r['reading']:.0f} min "
            f"| {coding} | {r['end']} | ~{5 * round(r['learn'] / 5):.0f} min |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- the guide's two plans


@dataclass(frozen=True)
class Block:
    """One row of a workshop plan: a notebook (its reading, the coding exercises chosen, by number, None for all of
    them, and the end-of-notebook exercises chosen), or a fixed activity of ``minutes`` (welcome, break, clinic)."""

    what: str
    notebook: str | None = None
    coding: tuple[int, ...] | None = None
    end: tuple[int, ...] = ()
    minutes: int = 0
    path: str = "whole"
    note: str = ""


WELCOME = (
    "Welcome. Everyone opens the student edition (`make run` done beforehand). The idea of the day: a return of 200 "
    "proves no imitation on CartPole, so the expert has a habit (x = 1.5 m) and every learner is judged on it, beside "
    "a control that cannot imitate."
)
CLINIC = (
    "**Failure-mode clinic**: in pairs, each learner swaps one slip of the [failure modes](#failure-modes-and-their-"
    "symptoms) into their own notebook 04 (a sign, a label, a discriminator step count) and their partner diagnoses "
    "it from the plots alone."
)
PLANS: dict[str, list[Block]] = {
    "half-day": [
        Block(WELCOME, minutes=10),
        Block("**01** A PPO expert, PPO as a black box: section 4's first code cell, then section 5 (the notebook "
              "says so)", "01", coding=(), end=(2,), path="black-box", note="exercise 2 (truncation treated as "
              "termination)"),
        Block("**02** Expert demonstrations", "02", coding=(1,)),
        Block("break", minutes=10),
        Block("**03** The discriminator", "03"),
        Block("**04** GAIL", "04"),
        Block("Wrap-up: show [failure mode (a)](#a-the-student-ends-every-episode-at-once-a-reward-below-0-on-every-"
              "step) and ask why; notebooks 05 and 06 as homework.", minutes=10),
    ],
    "full-day": [
        Block("Welcome, as above", minutes=10),
        Block("**01** A PPO expert", "01", end=(2, 4)),
        Block("**02** Expert demonstrations", "02", end=(1, 2)),
        Block("break", minutes=15),
        Block("**03** The discriminator", "03", end=(1, 3)),
        Block("lunch", minutes=60),
        Block("**04** GAIL", "04", end=(1, 2)),
        Block("break", minutes=15),
        Block(CLINIC, minutes=30),
        Block("Wrap-up and [questions](#the-five-questions-learners-ask-most); notebooks 05 and 06 as homework, or a "
              "second session", minutes=15),
    ],
}  # fmt: skip
"""The instructor's guide's two plans, block by block (``plan_table`` times them with the estimate above)."""


def black_box_cells(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """Notebook 01 as its "PPO as a black box" path reads it: section 4 only up to its first code cell (the networks),
    then section 5 on."""
    start = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and "## 4." in c.source)
    first_code = next(i for i in range(start, len(nb.cells)) if nb.cells[i].cell_type == "code")
    end = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## 5."))
    return nb.cells[: first_code + 1] + nb.cells[end:]


def block_minutes(block: Block) -> tuple[float, str]:
    """A block's estimated minutes and what it asks of the learners (its exercises)."""
    if block.notebook is None:
        return float(block.minutes), ""
    path = next(p for p in notebooks() if p.name.startswith(block.notebook))
    nb = student_notebook(path)
    cells = black_box_cells(nb) if block.path == "black-box" else nb.cells
    sizes_all = solution_sizes(nbformat.read(path, as_version=4))
    chosen = list(range(1, len(sizes_all) + 1)) if block.coding is None else list(block.coding)
    sizes = [n for i, n in enumerate(sizes_all, 1) if i in chosen]
    minutes = reading_minutes(cells) + sum(coding_minutes(n) for n in sizes) + len(block.end) * MINUTES_PER_EXERCISE
    parts = []
    if sizes:
        parts.append("all its coding exercises" if len(chosen) == len(sizes_all) else
                     f"coding exercise{'s' if len(chosen) > 1 else ''} {', '.join(map(str, chosen))}")  # fmt: skip
    skipped = [i for i in range(1, len(sizes_all) + 1) if i not in chosen]
    if skipped and block.path != "black-box":
        parts.append(f"skip the cell of coding exercise{'s' if len(skipped) > 1 else ''} "
                     f"{', '.join(map(str, skipped))} (nothing after it needs it)")  # fmt: skip
    if block.note:
        parts.append(block.note)
    elif block.end:
        parts.append("all the exercises" if len(block.end) == exercises(nb) else
                     f"exercise{'s' if len(block.end) > 1 else ''} {', '.join(map(str, block.end))}")  # fmt: skip
    return minutes, "; ".join(parts)


def plan_table(name: str) -> str:
    """One of the guide's plans as a Markdown table: each block's clock times, its estimated length rounded to 5
    minutes, and its exercises; the last row gives the end."""
    lines = ["| time | what | exercises |", "| --- | --- | --- |"]
    clock = 0
    for block in PLANS[name]:
        minutes, asks = block_minutes(block)
        length = max(5, 5 * round(minutes / 5))
        lines.append(f"| {clock // 60}:{clock % 60:02d}–{(clock + length) // 60}:{(clock + length) % 60:02d} "
                     f"| {block.what} | {asks} |")  # fmt: skip
        clock += length
    lines.append(f"| {clock // 60}:{clock % 60:02d} | end ({clock // 60} h {clock % 60:02d} min) | |")
    return "\n".join(lines)


def build(out: Path = OUT) -> list[Path]:
    """Write the student edition into `out` (emptied first); returns the notebooks written."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    written, lines = [], []
    for path in notebooks():
        nb = student_notebook(path)
        target = out / path.name
        nbformat.write(nb, target)
        written.append(target)
        lines.append(f"1. [{title(nb, path.stem)}]({path.name})")
    (out / "README.md").write_text(README.format(notebooks="\n".join(lines)))
    (out / "benchmarks").mkdir()
    for page in (ROOT / "benchmarks").iterdir():
        if page.suffix.lower() in (".md", ".png"):
            shutil.copy2(page, out / "benchmarks" / page.name)
    (out / "img").mkdir()
    for picture in (ROOT / "docs" / "img").glob("*.png"):
        shutil.copy2(picture, out / "img" / picture.name)
    return written


def main() -> None:
    """Command line: write the student edition (default build/student/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--workshop-table",
        action="store_true",
        help="print the README's workshop table instead (from make bench-notebooks' results)",
    )
    args = parser.parse_args()
    if args.workshop_table:
        print(workshop_table())
        return
    written = build(args.out.resolve())
    where = args.out.resolve()
    shown = where.relative_to(ROOT) if where.is_relative_to(ROOT) else where
    print(f"student edition: {shown}/ ({len(written)} notebooks and README.md)")


if __name__ == "__main__":
    main()
