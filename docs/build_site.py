"""Build the series' website into build/site/ from the notebooks' committed outputs (`make site`).

1. Stage the sources in build/site-src/: docs/index.md, the other pages of docs/ (docs/*.md: the instructor's guide,
   its links to ../notebooks/ and ../benchmarks/ made relative to the site's root) and docs/img/, a *copy* of every
   notebooks/0*.ipynb, and benchmarks/README.md with its pictures. The tracked files are never modified.
2. In each copy, every widget output (which would need a live kernel, and widget JavaScript from a CDN) becomes
   static: a widget with a stand-in in docs/standins.py (the episode player, the discriminator explorer) is
   replaced by the picture its stand-in draws, in a run of that notebook's cells up to its last such widget, on
   a temporary copy of data/ (nothing else of the notebook is re-executed); any other widget (tqdm's progress
   bars) is drawn as plain HTML from the widget state saved in the notebook. The saved widget state is dropped.
   The notebooks' `../README.md` (contents) links point to the landing page instead.
3. sphinx-build (docs/conf.py: myst-nb with execution off, sphinx-book-theme, offline MathJax, copy buttons).

`python docs/build_site.py` builds from clean; `--if-stale` skips the build when build/site was made from the
same inputs (tests/test_site.py uses that).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(DOCS))

import standins  # noqa: E402 - docs/ is not a package

SITE_DIR = ROOT / "build" / "site"
STAGE_DIR = ROOT / "build" / "site-src"
DOCTREES = ROOT / "build" / "site-doctrees"
STAMP = ".il-inputs"  # in SITE_DIR: the digest of the inputs the site was built from
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
IMAGE_SUFFIXES = {".png", ".gif", ".svg", ".jpg", ".jpeg", ".webp"}
CONTENTS_LINK = re.compile(r"\]\(\.\./README\.md(?:#[^)]*)?\)")
PARENT_LINK = re.compile(r"\]\(\.\./(notebooks|benchmarks)/")
"""A docs/ page's links to the repository's notebooks/ and benchmarks/: on the site, those folders sit beside it."""
DOCS_IMAGE_LINK = re.compile(r"\]\(\.\./docs/img/")
"""A notebook's pictures from docs/img/ (04's failure modes): on the site, img/ sits beside notebooks/."""


def notebooks() -> list[Path]:
    """The series' notebooks, in order."""
    return sorted((ROOT / "notebooks").glob("0*.ipynb"))


def doc_pages() -> list[Path]:
    """The site's pages written in docs/ besides the landing page (docs/*.md: the instructor's guide)."""
    return sorted(p for p in DOCS.glob("*.md") if p.name != "index.md")


def site_markdown(text: str) -> str:
    """A docs/ page as the site needs it: links to ../notebooks/ and ../benchmarks/ from the site's root, and the
    README's contents link to the landing page."""
    return CONTENTS_LINK.sub("](index.md)", PARENT_LINK.sub(r"](\1/", text))


def input_files() -> list[Path]:
    """Every file the site is built from (its digest decides whether build/site is stale)."""
    files = [*notebooks(), *sorted((ROOT / "benchmarks").glob("*.md")), ROOT / "requirements-docs.txt"]
    files += [p for p in (ROOT / "benchmarks").iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    files += [p for p in DOCS.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    files += sorted((ROOT / "data").glob("*")) + sorted((ROOT / "helpers").glob("*.py"))
    return sorted(p for p in set(files) if p.is_file())


def input_digest() -> str:
    """SHA-256 over the names and contents of `input_files()`."""
    h = hashlib.sha256()
    for path in input_files():
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def is_stale(site: Path = SITE_DIR) -> bool:
    """True unless `site` holds a complete build made from the current inputs."""
    stamp = site / STAMP
    return not (stamp.is_file() and (site / "index.html").is_file() and stamp.read_text().strip() == input_digest())


# ---------------------------------------------------------------------------------------------------- widgets
def widget_models(nb: nbformat.NotebookNode) -> dict[str, dict]:
    """The widget models saved in the notebook's metadata (model id → {model_name, state, buffers})."""
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def _children(model: dict) -> list[str]:
    return [
        c[len("IPY_MODEL_") :] for c in model.get("state", {}).get("children", []) if str(c).startswith("IPY_MODEL_")
    ]


def widget_classes(output: dict, models: dict[str, dict]) -> set[str]:
    """CSS classes of a widget output's root and descendants (from the saved state, else from its text/plain)."""
    classes: set[str] = set()
    todo = [output["data"][WIDGET_VIEW].get("model_id", "")]
    while todo:
        model = models.get(todo.pop(), {})
        classes.update(model.get("state", {}).get("_dom_classes", []))
        todo += _children(model)
    text = "".join(output["data"].get("text/plain", ""))
    for group in re.findall(r"_dom_classes=\(([^)]*)\)", text):
        classes.update(re.findall(r"'([^']+)'", group))
    return classes


def needs_standin(output: dict, models: dict[str, dict]) -> str | None:
    """The stand-in (a key of standins.STANDINS) a widget output needs, or None."""
    if output.get("output_type") not in ("display_data", "execute_result") or WIDGET_VIEW not in output.get("data", {}):
        return None
    return next((c for c in standins.STANDINS if c in widget_classes(output, models)), None)


def _buffer(model: dict, key: str) -> str | None:
    for buf in model.get("buffers", []):
        if buf.get("path") == [key] and buf.get("encoding") == "base64":
            return buf.get("data")
    return None


def widget_html(model_id: str, models: dict[str, dict]) -> str:
    """Plain HTML of a saved widget as it last looked (boxes, text, progress bars, sliders, images; no script)."""
    model = models.get(model_id)
    if model is None:
        return ""
    name, s = model.get("model_name", ""), model.get("state", {})
    esc = html.escape
    desc = f"<span class='il-widget-label'>{esc(str(s['description']))}</span> " if s.get("description") else ""
    kids = "".join(widget_html(c, models) for c in _children(model))
    if name in ("HBoxModel", "BoxModel", "GridBoxModel"):
        return f"<div style='display:flex;flex-wrap:wrap;align-items:center;gap:0.4em'>{kids}</div>"
    if name in ("VBoxModel", "AccordionModel", "TabModel", "StackModel"):
        return f"<div style='display:flex;flex-direction:column;gap:0.3em'>{kids}</div>"
    if name in ("HTMLModel", "HTMLMathModel"):
        return f"<span>{desc}{s.get('value', '')}</span>"
    if name in ("LabelModel", "TextModel", "TextareaModel", "ValidModel"):
        return f"<span>{desc}{esc(str(s.get('value', '')))}</span>"
    if name in ("FloatProgressModel", "IntProgressModel"):
        lo, hi, value = s.get("min", 0), s.get("max", 100), s.get("value", 0)
        return f"<span>{desc}<progress max='{hi - lo}' value='{value - lo}' style='width:14em'></progress></span>"
    if name.endswith("SliderModel") or name in ("PlayModel", "BoundedIntTextModel", "BoundedFloatTextModel"):
        return f"<span>{desc}<code>{esc(str(s.get('value', '')))}</code></span>"
    if name in ("ButtonModel", "ToggleButtonModel"):
        return f"<button disabled>{esc(str(s.get('description', '')))}</button>"
    if name in ("CheckboxModel",):
        return f"<span>{'☑' if s.get('value') else '☐'} {desc}</span>"
    if name in ("DropdownModel", "SelectModel", "RadioButtonsModel", "ToggleButtonsModel"):
        labels, index = s.get("_options_labels", []), s.get("index")
        chosen = labels[index] if isinstance(index, int) and index < len(labels) else ""
        return f"<span>{desc}<code>{esc(str(chosen))}</code></span>"
    if name == "ImageModel" and (data := _buffer(model, "value")):
        fmt = esc(str(s.get("format", "png")))
        return f"<img alt='widget image' src='data:image/{fmt};base64,{data}'>"
    return kids


def static_widget_output(output: dict, models: dict[str, dict]) -> dict:
    """The widget output as plain HTML (its saved state), or as its text/plain fallback when none was saved."""
    data = dict(output["data"])
    view = data.pop(WIDGET_VIEW)
    markup = widget_html(view.get("model_id", ""), models)
    if markup:
        data["text/html"] = f"<div class='il-static-widget'>{markup}</div>"
    out = copy.deepcopy(output)
    out["data"] = data
    return out


# ---------------------------------------------------------------------------------------------------- stand-ins
@contextlib.contextmanager
def data_copy() -> Iterator[Path]:
    """A temporary copy of the repository's data/ (the stand-in runs may write to it)."""
    tmp = Path(tempfile.mkdtemp(prefix="il-site-data-"))
    try:
        if (ROOT / "data").is_dir():
            shutil.copytree(ROOT / "data", tmp, dirs_exist_ok=True)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def standin_run(nb: nbformat.NotebookNode, path: Path, upto: int, data_dir: Path) -> list[list[dict]]:
    """Run cells 0..`upto` of a copy of `nb` with the widget functions swapped for stand-ins; per cell, the
    stand-in outputs (lists aligned with nb.cells[: upto + 1])."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
    from traitlets.config import Config

    run = copy.deepcopy(nb)
    preamble = nbformat.v4.new_code_cell(
        f"import sys\nsys.path.insert(0, {str(DOCS)!r})\nimport standins\nstandins.install()"
    )
    run.cells = [preamble, *run.cells[: upto + 1]]
    for cell in run.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    run.metadata.pop("widgets", None)
    # The kernel inherits IL_DATA_DIR; it talks over IPC sockets in a temporary folder (no TCP port, no warning).
    sockets = Path(tempfile.mkdtemp(prefix="il-site-kernel-"))
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = str(sockets / "kernel")
    old = os.environ.get("IL_DATA_DIR")
    os.environ["IL_DATA_DIR"] = str(data_dir)
    try:
        resources = {"metadata": {"path": str(path.parent)}}
        NotebookClient(run, timeout=600, kernel_name="python3", resources=resources, config=config).execute()
    except CellExecutionError as exc:
        raise RuntimeError(f"the stand-in run of {path.relative_to(ROOT)} failed (cells 0..{upto}):\n{exc}") from None
    finally:
        if old is None:
            os.environ.pop("IL_DATA_DIR", None)
        else:
            os.environ["IL_DATA_DIR"] = old
        shutil.rmtree(sockets, ignore_errors=True)
    return [
        [o for o in cell.get("outputs", []) if standins.STANDIN_KEY in o.get("metadata", {})] for cell in run.cells[1:]
    ]


def _group(outputs: list[dict]) -> list[list[dict]]:
    """The stand-in outputs of one cell, grouped by the stand-in call that displayed them, in order."""
    groups: dict[int, list[dict]] = {}
    for o in outputs:
        groups.setdefault(o["metadata"][standins.CALL_KEY], []).append(o)
    return [groups[k] for k in sorted(groups)]


def make_static(nb: nbformat.NotebookNode, path: Path, data_dir: Path) -> dict[str, int]:
    """Replace every widget output of `nb` (a copy) by a static one; returns how many of each kind.

    The n-th widget output that needs a stand-in (in the notebook's order) gets the n-th picture the stand-in run
    displayed, so a widget built in one cell and displayed in a later one is matched too.
    """
    models = widget_models(nb)
    need = [
        (i, j, kind)
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        for j, out in enumerate(cell.get("outputs", []))
        if (kind := needs_standin(out, models))
    ]
    counts: dict[str, int] = {}
    if need:
        produced = standin_run(nb, path, max(i for i, _, _ in need), data_dir)
        groups = [group for outputs in produced for group in _group(outputs)]
        made = [group[0]["metadata"][standins.STANDIN_KEY] for group in groups]
        wanted = [kind for _, _, kind in need]
        if made != wanted:
            raise RuntimeError(
                f"{path.relative_to(ROOT)}: the widgets that need a stand-in are {wanted}, but the stand-in run "
                f"displayed {made}. Build each with its function of docs/standins.py STANDINS and display it once."
            )
        for (i, j, kind), group in sorted(zip(need, groups, strict=True), key=lambda x: x[0], reverse=True):
            nb.cells[i].outputs[j : j + 1] = [nbformat.from_dict(o) for o in group]
            counts[kind] = counts.get(kind, 0) + 1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for j, out in enumerate(cell.get("outputs", [])):
            if WIDGET_VIEW in out.get("data", {}):
                cell.outputs[j] = nbformat.from_dict(static_widget_output(out, models))
                counts["static widget"] = counts.get("static widget", 0) + 1
    nb.metadata.pop("widgets", None)
    return counts


# ---------------------------------------------------------------------------------------------------- staging
def stage_notebook(path: Path, target: Path, data_dir: Path) -> dict[str, int]:
    """Write the website's copy of one notebook: widgets made static, the contents link sent to the landing page."""
    nb = nbformat.read(path, as_version=4)
    counts = make_static(nb, path, data_dir)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = DOCS_IMAGE_LINK.sub("](../img/", CONTENTS_LINK.sub("](../index.md)", cell.source))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return counts


def stage(stage_dir: Path = STAGE_DIR) -> dict[str, dict[str, int]]:
    """Lay out the Sphinx sources in `stage_dir`; returns the widgets made static, per notebook."""
    shutil.rmtree(stage_dir, ignore_errors=True)
    stage_dir.mkdir(parents=True)
    shutil.copy2(DOCS / "index.md", stage_dir / "index.md")
    for page in doc_pages():
        (stage_dir / page.name).write_text(site_markdown(page.read_text()))
    if (DOCS / "img").is_dir():
        shutil.copytree(DOCS / "img", stage_dir / "img")
    bench = stage_dir / "benchmarks"
    bench.mkdir()
    readme = ROOT / "benchmarks" / "README.md"
    shutil.copy2(readme, bench / "README.md") if readme.is_file() else (bench / "README.md").write_text(
        "# Benchmarks\n"
    )
    for p in (ROOT / "benchmarks").iterdir():
        if p.suffix.lower() in IMAGE_SUFFIXES or (p.suffix == ".md" and p.name != "README.md"):
            shutil.copy2(p, bench / p.name)
    report = {}
    with data_copy() as data_dir:
        for path in notebooks():
            report[path.name] = stage_notebook(path, stage_dir / "notebooks" / path.name, data_dir)
    return report


def sphinx(stage_dir: Path, site: Path) -> None:
    """sphinx-build -b html with docs/conf.py, from clean; any warning (a link to a missing page or anchor, an
    unreadable picture) fails the build, after all of them are listed."""
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(DOCTREES, ignore_errors=True)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-c", str(DOCS)]
    cmd += ["-d", str(DOCTREES), str(stage_dir)]
    if subprocess.run([*cmd, str(site)], cwd=ROOT).returncode:
        raise RuntimeError("sphinx-build failed: see its warnings above (each names the staged file and line)")
    for source_map in (site / "_static").rglob("*.map"):  # the theme's JavaScript source maps: 3 MB nobody reads
        source_map.unlink()


@contextlib.contextmanager
def _one_build_at_a_time() -> Iterator[None]:
    """Hold build/.site.lock (POSIX): two builds at once (two test workers, two `make site`) would share the staging
    folder; the second waits, then finds the site fresh."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    lock = ROOT / "build" / ".site.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(site: Path = SITE_DIR, if_stale: bool = False) -> bool:
    """Build the site into `site`; with `if_stale`, only when its inputs changed. Returns True if it built."""
    with _one_build_at_a_time():
        if if_stale and not is_stale(site):
            return False
        return _build(site)


def _build(site: Path) -> bool:
    """Stage the pages and run Sphinx into `site` (``build`` holds the lock)."""
    digest = input_digest()
    t0 = time.monotonic()
    report = stage()
    t1 = time.monotonic()
    sphinx(STAGE_DIR, site)
    (site / STAMP).write_text(digest + "\n")
    pages = sorted(str(p.relative_to(site)) for p in site.rglob("*.html") if "_static" not in p.parts)
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    print(f"site: {site.relative_to(ROOT)}/ ({size / 1e6:.1f} MB), {len(pages)} pages: {', '.join(pages)}")
    for name, counts in report.items():
        if counts:
            print(f"  {name}: made static: {json.dumps(counts)}")
    print(f"  staging and stand-ins {t1 - t0:.1f} s, sphinx {time.monotonic() - t1:.1f} s")
    return True


def main() -> None:
    """Command line: build the site (from clean, or only if stale)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-stale", action="store_true", help="skip when build/site is up to date")
    args = parser.parse_args()
    try:
        built = build(if_stale=args.if_stale)
    except RuntimeError as exc:
        raise SystemExit(f"make site: {exc}") from None
    if not built:
        print(f"site: {SITE_DIR.relative_to(ROOT)}/ is up to date")


if __name__ == "__main__":
    main()
