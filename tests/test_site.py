"""The website (`make site`) as a reader sees it: every page served on localhost and opened in headless Chromium.

Each page: no console error; no request leaves localhost (every request is routed and recorded); every <img> has
loaded; math is typeset (no raw `$$`); every same-site link answers 200 and every anchor exists; no live widget is
left over. Each notebook page holds at least as many pictures as its notebook has image outputs plus stand-ins,
one copy button per code cell, its solutions folded, and previous/next links in the series' order. A full-page
screenshot of each page lands in build/screenshots/site/ for a person to look at.

The site is built first (docs/build_site.py, ~30 s) when build/site is missing or was built from other inputs.
Needs the docs requirements (`make docs-setup`, part of `make test`) and Debian's Chromium; skipped otherwise.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import http.server
import json
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest
from browser_support import ROOT, chromium_path, launched_chromium, printed_report

sys.path.insert(0, str(ROOT / "docs"))
import build_site  # noqa: E402 - docs/ is not a package

SCREENSHOT_DIR = ROOT / "build" / "screenshots" / "site"
NOTEBOOKS = build_site.notebooks()
# The pages in reading order (previous/next follow it); then what Sphinx adds on its own.
BENCHMARK_PAGES = sorted(p.stem for p in (ROOT / "benchmarks").glob("*.md") if p.name != "README.md")
DOC_PAGES = [p.stem for p in build_site.doc_pages()]  # docs/*.md besides the landing page: the instructor's guide
ORDERED = [
    "index.html",
    *[f"notebooks/{p.stem}.html" for p in NOTEBOOKS],
    "benchmarks/README.html",
    *[f"benchmarks/{stem}.html" for stem in BENCHMARK_PAGES],  # after the README, as docs/index.md's toctree
    *[f"{stem}.html" for stem in DOC_PAGES],  # "Teaching", the toctree's last
]
EXTRA = ["genindex.html", "search.html"]
LEFTOVER_WIDGET = re.compile(
    r"Error displaying widget|Loading widget|\b(?:[HV]?Box|GridBox|IntSlider|FloatSlider|Play)\((?:children|value)="
)
SOLUTION_TAG = "solution"

pytestmark = [
    pytest.mark.site,
    pytest.mark.skipif(
        chromium_path() is None,
        reason="chromium not installed: website browser test skipped (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def site() -> Path:
    """build/site/, built now if it is missing or stale."""
    for module in ("sphinx", "myst_nb", "sphinx_book_theme", "sphinx_copybutton"):
        pytest.importorskip(module, reason=f"{module} missing: `make docs-setup` installs requirements-docs.txt")
    build_site.build(if_stale=True)
    return build_site.SITE_DIR


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(site: Path):
    """The site served on a free loopback port; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless system Chromium driven by Playwright."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def fetched() -> dict[str, tuple[int, str]]:
    """Cache of same-site URLs fetched by the link check: url → (status, body if HTML)."""
    return {}


@pytest.fixture(scope="module")
def report(request):
    """One line per page, printed (past pytest's capture) when the module is done."""
    with printed_report(request, f"website screenshots: {SCREENSHOT_DIR}") as lines:
        yield lines


# ------------------------------------------------------------------------------------------------ expectations
def notebook_of(page: str) -> Path | None:
    """The notebook a page was made from, if any."""
    return next((p for p in NOTEBOOKS if page == f"notebooks/{p.stem}.html"), None)


def expected_pictures(path: Path) -> int:
    """Image outputs of the committed notebook, plus one picture per widget that gets a stand-in."""
    nb = nbformat.read(path, as_version=4)
    models = build_site.widget_models(nb)
    count = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            count += any(mime.startswith("image/") for mime in data) or bool(build_site.needs_standin(out, models))
    return count


def figure_files(path: Path) -> list[str]:
    """The file names myst-nb gives the committed notebook's raster figures: sha256 of the image bytes + extension."""
    nb = nbformat.read(path, as_version=4)
    names = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            for mime, ext in (("image/png", ".png"), ("image/jpeg", ".jpg"), ("image/gif", ".gif")):
                if mime in data:
                    raw = base64.b64decode("".join(data[mime]))
                    names.append(hashlib.sha256(raw).hexdigest() + ext)
                    break
    return names


def notebook_facts(path: Path) -> dict[str, int]:
    """What a notebook's page must show: pictures, code cells (copy buttons), folded solutions, math."""
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return {
        "pictures": expected_pictures(path),
        "code_cells": sum(c.cell_type == "code" and bool(c.source.strip()) for c in nb.cells),
        "solutions": sum(SOLUTION_TAG in c.metadata.get("tags", []) for c in nb.cells),
        "math": len(re.findall(r"\$\$|(?<![\\$])\$[^$\n]+\$", markdown)),
    }


# ------------------------------------------------------------------------------------------------ in the page
WIDTH = 1300
"""The browser window's width: a laptop's. Every line of code must show whole at it (code lines run up to 120
characters; docs/static/site.css makes the room), and no output may scroll sideways."""

_STATE_JS = """
() => {
  const article = document.querySelector('article.bd-article') || document.body;
  const clone = article.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-assistive-mml').forEach(e => e.remove());
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  const math = Array.from(document.querySelectorAll('.math'));
  return {
    brokenImages: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))
      .map(i => i.getAttribute('src')),
    pictures: article.querySelectorAll('img').length,
    pictureFiles: Array.from(article.querySelectorAll('img')).map(i => (i.getAttribute('src') || '').split('/').pop()),
    text: clone.innerText,
    links,
    ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
    mathElements: math.length,
    mathTypeset: math.filter(e => e.querySelector('mjx-container')).length,
    mjx: document.querySelectorAll('mjx-container').length,
    copyButtons: article.querySelectorAll('button.copybtn').length,
    details: article.querySelectorAll('details').length,
    openDetails: article.querySelectorAll('details[open]').length,
    prev: document.querySelector('.prev-next-area a.left-prev')?.href ?? null,
    next: document.querySelector('.prev-next-area a.right-next')?.href ?? null,
    toc: document.querySelectorAll('.bd-sidebar-secondary nav a, .bd-toc-nav a').length,
    codeOverflow: Array.from(article.querySelectorAll('div.highlight pre')).map(pre => {
      const output = !!pre.closest('.cell_output, .output');
      const style = pre.style.whiteSpace;
      if (!output) pre.style.whiteSpace = 'pre';  // a line of code must fit whole, not wrapped
      const over = pre.scrollWidth - pre.clientWidth;
      pre.style.whiteSpace = style;
      const longest = pre.innerText.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
      const what = output ? 'an output' : 'a code cell';
      return over > 1 ? `${what} is ${over} px too wide: ${longest.slice(0, 50)}...` : null;
    }).filter(x => x),
  };
}
"""


def _fetch(url: str, fetched: dict[str, tuple[int, str]]) -> tuple[int, str]:
    if url not in fetched:
        try:
            with urllib.request.urlopen(url, timeout=10) as resp:
                body = resp.read()
                kind = resp.headers.get("Content-Type", "")
                fetched[url] = (resp.status, body.decode("utf-8", "replace") if "html" in kind else "")
        except urllib.error.HTTPError as exc:
            fetched[url] = (exc.code, "")
    return fetched[url]


def link_problems(state: dict, page_url: str, base: str, fetched: dict[str, tuple[int, str]]) -> list[str]:
    """Every same-site link answers 200; every #anchor exists on its page."""
    problems = []
    for href in sorted(set(state["links"])):
        if not href.startswith(base):
            continue
        target, _, fragment = href.partition("#")
        status, body = _fetch(target, fetched)
        if status != 200:
            problems.append(f"link {href} answers {status}")
            continue
        if not fragment:
            continue
        anchor = urllib.parse.unquote(fragment)
        if target == page_url.partition("#")[0]:
            found = anchor in state["ids"]
        else:
            found = re.search(rf"""\bid=["']{re.escape(anchor)}["']""", body) is not None
        if not found:
            problems.append(f"link {href}: no element with id {anchor!r}")
    return problems


def order_problems(page: str, state: dict, base: str) -> list[str]:
    """Previous/next links follow the series' order."""
    if page not in ORDERED:
        return []
    i = ORDERED.index(page)
    problems = []
    want_prev = base + ORDERED[i - 1] if i > 0 else None
    want_next = base + ORDERED[i + 1] if i + 1 < len(ORDERED) else None
    for what, got, want in (("previous", state["prev"], want_prev), ("next", state["next"], want_next)):
        if (got.partition("#")[0] if got else None) != want:
            problems.append(f"the {what} link goes to {got}, not {want}")
    return problems


def notebook_problems(path: Path, state: dict) -> list[str]:
    """A notebook's page shows all its pictures, a copy button per code cell, its solutions folded, its math."""
    facts = notebook_facts(path)
    problems = []
    if state["pictures"] < facts["pictures"]:
        problems.append(f"{state['pictures']} pictures on the page, the notebook has {facts['pictures']} (+ stand-ins)")
    shown = {name.split("?")[0] for name in state["pictureFiles"]}
    missing = [name for name in figure_files(path) if name.replace(".jpg", ".jpeg") not in shown and name not in shown]
    if missing:
        problems.append(f"{len(missing)} of the notebook's figures are not on the page: {missing[:3]}")
    if state["copyButtons"] < facts["code_cells"]:
        problems.append(f"{state['copyButtons']} copy buttons for {facts['code_cells']} code cells")
    if state["details"] < facts["solutions"]:
        problems.append(f"{state['details']} folded blocks for {facts['solutions']} solution cells")
    if facts["math"] and not state["mjx"]:
        problems.append(f"the notebook has {facts['math']} math expressions, the page shows none typeset")
    if not state["toc"]:
        problems.append("no table of contents (secondary sidebar)")
    return problems


def check_page(page: str, browser, base: str, fetched: dict, shot: Path) -> tuple[list[str], dict]:
    """Open one page; returns the problems found and what the page held."""
    context = browser.new_context(viewport={"width": WIDTH, "height": 900})
    outside: list[str] = []
    host = urllib.parse.urlsplit(base).netloc

    def route(r) -> None:
        url = urllib.parse.urlsplit(r.request.url)
        if url.scheme in ("data", "blob") or url.netloc == host:
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    failed: list[str] = []
    pg.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    problems: list[str] = []
    state: dict = {}
    try:
        pg.goto(base + page, wait_until="load")
        pg.evaluate("() => (window.MathJax && MathJax.startup) ? MathJax.startup.promise.then(() => true) : true")
        pg.wait_for_function("() => Array.from(document.images).every(i => i.complete)", timeout=30_000)
        pg.wait_for_timeout(300)  # copy buttons and the theme's scripts run after load
        state = pg.evaluate(_STATE_JS)
        problems += errors + [f"request to another host: {u}" for u in outside] + [f"HTTP {f}" for f in failed]
        problems += [f"image not loaded: {src}" for src in state["brokenImages"]]
        problems += [f"at {WIDTH} px, {x}" for x in state["codeOverflow"]]
        if "$$" in state["text"]:
            problems.append("raw $$ in the page's text: math not parsed")
        if state["mathTypeset"] < state["mathElements"]:
            problems.append(f"math typeset in {state['mathTypeset']} of {state['mathElements']} math elements")
        if state["openDetails"]:
            problems.append(f"{state['openDetails']} folded blocks are open")
        if m := LEFTOVER_WIDGET.search(state["text"]):
            problems.append(f"a live widget without a static stand-in: {m.group(0)!r}")
        problems += link_problems(state, base + page, base, fetched)
        problems += order_problems(page, state, base)
        if (nb := notebook_of(page)) is not None:
            problems += notebook_problems(nb, state)
    except Exception as exc:  # a timeout or a Playwright error: reported with the rest, screenshot taken
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        try:
            shot.parent.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(shot), full_page=True)
        except Exception as exc:  # a screenshot is a courtesy, never the reason a test fails
            problems.append(f"(screenshot failed: {exc})")
        context.close()
    return problems, state


@pytest.mark.parametrize("page", ORDERED + EXTRA)
def test_page_in_chromium(page: str, site: Path, server: str, browser, fetched, report) -> None:
    """One page of the site, opened in Chromium, as a reader sees it."""
    assert (site / page).is_file(), f"{page} was not built"
    shot = SCREENSHOT_DIR / (page.removesuffix(".html").replace("/", "__") + ".png")
    problems, state = check_page(page, browser, server, fetched, shot)
    summary = {k: state.get(k) for k in ("pictures", "mjx", "copyButtons", "details")}
    report.append(f"{page}: {json.dumps(summary)}, {shot.name}" + (" FAILED" if problems else ""))
    if problems:
        pytest.fail(f"{page} (screenshot {shot}):\n- " + "\n- ".join(problems))


def test_every_page_is_checked(site: Path) -> None:
    """The site holds exactly the pages the browser test opens (a new page gets checked, or this fails)."""
    built = {str(p.relative_to(site)) for p in site.rglob("*.html") if "_static" not in p.parts}
    assert built == set(ORDERED + EXTRA)


def test_no_widget_left_in_the_staged_notebooks(site: Path) -> None:
    """The notebooks the site is built from hold no widget output and no widget state (they need a kernel)."""
    for path in sorted((build_site.STAGE_DIR / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert "widgets" not in nb.metadata, path.name
        for cell in nb.cells:
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                assert build_site.WIDGET_VIEW not in out.get("data", {}), f"{path.name}: a widget output is left"
