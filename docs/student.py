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
# The workshop table's estimate of a learner's time: reading prose and code at these rates, plus each exercise.
WORDS_PER_MINUTE = 150
CODE_LINES_PER_MINUTE = 30
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
    return sum(len(SOLUTION.findall(c.source)) for c in nb.cells if c.cell_type == "code")


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
    from its words and lines of code, its coding and end-of-notebook exercises, and reading plus all exercises."""
    measured = json.loads(timings.read_text())["notebooks"] if timings.is_file() else {}
    rows = []
    for path in notebooks():
        nb = student_notebook(path)
        words = sum(len(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
        code = sum(len([x for x in c.source.splitlines() if x.strip()]) for c in nb.cells if c.cell_type == "code")
        reading = words / WORDS_PER_MINUTE + code / CODE_LINES_PER_MINUTE
        coding, end = coding_exercises(nbformat.read(path, as_version=4)), exercises(nb)
        rows.append({
            "title": title(nb, path.stem), "path": path, "seconds": measured.get(path.name, {}).get("wall_seconds"),
            "reading": reading, "coding": coding, "end": end,
            "learn": reading + (coding + end) * MINUTES_PER_EXERCISE,
        })  # fmt: skip
    return rows


def run_time(seconds: float | None) -> str:
    """'7 s', or 'not measured'."""
    return f"{seconds:.0f} s" if seconds is not None else "not measured"


def workshop_table(timings: Path | None = None) -> str:
    """The README's workshop table: per notebook, its measured run time and an estimate of the learner's time."""
    rows = workshop_rows(*([timings] if timings else []))
    lines = [
        "| notebook | run time (measured) | reading | exercises | reading + exercises |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| [{r['title']}](notebooks/{r['path'].name}) | {run_time(r['seconds'])} | ~{r['reading']:.0f} min "
            f"| {r['coding'] + r['end']} × ~{MINUTES_PER_EXERCISE} min | **~{5 * round(r['learn'] / 5):.0f} min** |"
        )
    total = sum(r["seconds"] or 0.0 for r in rows)
    lines.append(f"| all | {total:.0f} s | | | **~{sum(r['learn'] for r in rows) / 60:.1f} h** |")
    return "\n".join(lines)


def guide_table(timings: Path | None = None) -> str:
    """The instructor's guide's table: the same estimate, with the coding and end-of-notebook exercises apart."""
    lines = [
        "| notebook | run time | reading | coding exercises | end-of-notebook exercises | reading + all exercises |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in workshop_rows(*([timings] if timings else [])):
        lines.append(
            f"| [{r['title']}](../notebooks/{r['path'].name}) | {run_time(r['seconds'])} | ~{r['reading']:.0f} min "
            f"| {r['coding'] or '—'} | {r['end']} | ~{5 * round(r['learn'] / 5):.0f} min |"
        )
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
