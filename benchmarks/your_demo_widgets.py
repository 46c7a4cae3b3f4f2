"""Which widget technology for notebook 08's game: measured in the project's JupyterLab, in headless Chromium.

Two candidates play the same CartPole (Gymnasium's, stepped in the kernel), each in a notebook of its own:

- ``anywidget``: ``helpers.teaching.game.CartPoleGame``, one widget (canvas, keys and buttons in its JavaScript);
- ``ipyevents``: ipywidgets' ``HTML`` (the cart drawn as SVG by the kernel) + ``ipyevents.Event`` for the keys.

For each: does it render; does a real key press (Playwright's keyboard, after a click on the game) reach the game;
does the arrow key leave JupyterLab's active cell where it was; the round trip of one step (key down in the browser →
kernel steps → the page shows the new step count), over ``--presses`` presses; and for the anywidget game, the pace
its real-time mode holds at 20 steps/s. Writes ``benchmarks/results/your_demo_widgets.json``. Run it on a quiet
machine for final figures; ``benchmarks/your_demo_notes.md`` records what it found and what was chosen.

    .venv/bin/python -m benchmarks.your_demo_widgets [--presses 40]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from benchmarks.common import provenance, write_json

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # tests/ is not a package: the browser tests' JupyterLab driver
from browser_support import CHROMIUM_ARGS, NotebookPage, chromium_path, running_lab, wait_until  # noqa: E402

ANYWIDGET_CELLS = [
    "from helpers.teaching.game import cartpole_game\ngame = cartpole_game(seed=0)\ngame",
]
IPYEVENTS_CELLS = [
    """import ipywidgets as W, ipyevents
from helpers.core.env import make_env
env = make_env(seed=0)
obs, _ = env.reset(seed=0)
steps = [0]

def svg(obs, t):
    cx = 300 + obs[0] * 125
    tx, ty = cx + 125 * __import__("math").sin(obs[2]), 120 - 125 * __import__("math").cos(obs[2])
    return (f"<svg width=600 height=190><line x1=0 y1=130 x2=600 y2=130 stroke=black />"
            f"<rect x={cx - 25} y=115 width=50 height=30 fill='#222' />"
            f"<line x1={cx} y1=120 x2={tx} y2={ty} stroke='#ca9865' stroke-width=8 /></svg>"
            f"<div class='ev-step'>t = {t}</div>")

view = W.HTML(svg(obs, 0))
view.add_class("ev-game")
events = ipyevents.Event(source=view, watched_events=["keydown"], prevent_default_action=True)

def on_key(event):
    global obs
    if event.get("key") in ("ArrowLeft", "ArrowRight"):
        obs, _, terminated, truncated, _ = env.step(int(event["key"] == "ArrowRight"))
        steps[0] += 1
        if terminated or truncated:
            obs, _ = env.reset()
        view.value = svg(obs, steps[0])

events.on_dom_event(on_key)
view""",
]

# In the page: record when each key goes down (capture phase, before anyone handles it) and when the step count shown
# changes; the round trip of press k is change k minus key-down k.
INSTRUMENT_JS = """
([root, stepSelector]) => {
  window.__keys = []; window.__changes = [];
  window.addEventListener('keydown', () => window.__keys.push(performance.now()), true);
  const node = document.querySelector(root);
  let last = null;
  const read = () => {
    const el = node.querySelector(stepSelector);
    const m = el && el.textContent.match(/t = (\\d+)/);
    return m ? m[1] : null;
  };
  last = read();
  new MutationObserver(() => {
    const now = read();
    if (now !== last) { last = now; window.__changes.push(performance.now()); }
  }).observe(node, {subtree: true, childList: true, characterData: true, attributes: true});
}
"""


def notebook(cells: list[str]) -> nbformat.NotebookNode:
    """A notebook of code cells, python3 kernel."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    return nb


def active_cell(page) -> int:
    """Index of JupyterLab's active cell."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).findIndex("
        "c => c.classList.contains('jp-mod-active'))"
    )


def measure(browser, server, path: str, root: str, step_sel: str, click_sel: str, presses: int) -> dict:
    """Run the notebook, click the game, press → ``presses`` times; round trips and whether JupyterLab kept its cell."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(60_000)
    nb = NotebookPage(page, server, path)
    out: dict = {}
    try:
        nb.open()
        nb.run_all(timeout=300)
        game = page.locator(root).first
        out["renders"] = bool(game.count()) and not nb.widget_problems()
        if not out["renders"]:
            return out
        page.evaluate(INSTRUMENT_JS, [root, step_sel])
        page.locator(click_sel).first.click()
        cell_before = active_cell(page)
        times = []
        for k in range(presses):
            page.keyboard.press("ArrowRight" if k % 2 else "ArrowLeft")
            try:
                wait_until(lambda k=k: page.evaluate("() => window.__changes.length") > k, 20, "the step", 0.005)
            except TimeoutError:
                break
            keys, changes = page.evaluate("() => [window.__keys, window.__changes]")
            times.append(changes[k] - keys[k])
        out["key_reaches_game"] = len(times) == presses
        out["jupyterlab_cell_unchanged"] = active_cell(page) == cell_before
        if times:
            out["round_trip_ms"] = {
                "median": statistics.median(times),
                "p90": sorted(times)[int(0.9 * (len(times) - 1))],
                "max": max(times),
                "n": len(times),
            }
        if root == ".il-cartpole-game":  # real time at 20 steps/s, held key: how fast does the clock go?
            page.select_option(".il-game-mode", "real time")
            page.evaluate("() => { const s = document.querySelector('.il-game-speed'); s.value = 20; "
                          "s.dispatchEvent(new Event('input')); }")  # fmt: skip
            page.wait_for_timeout(500)
            page.locator(".il-game-canvas").first.click()
            n0 = len(page.evaluate("() => window.__changes"))
            page.keyboard.down("ArrowRight")
            page.wait_for_timeout(150)
            page.keyboard.up("ArrowRight")  # then the cart coasts: both keys up, the clock keeps going
            page.wait_for_timeout(2850)
            changes = page.evaluate("() => window.__changes")[n0:]
            if len(changes) > 2:
                span = (changes[-1] - changes[0]) / 1000
                rate = (len(changes) - 1) / span
                out["real_time_20_steps_per_s"] = {"steps": len(changes), "achieved_steps_per_s": rate}
    finally:
        page.close()
        server.shutdown_kernel_of(path)
    return out


def main() -> None:
    """Measure both candidates; print and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "your_demo_widgets.json")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="il-widgets-", dir=ROOT / "build" if (ROOT / "build").is_dir() else None))
    nbformat.write(notebook(ANYWIDGET_CELLS), tmp / "anywidget_game.ipynb")
    nbformat.write(notebook(IPYEVENTS_CELLS), tmp / "ipyevents_game.ipynb")
    results = {}
    t0 = time.time()
    with running_lab(tmp) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            results["anywidget"] = measure(
                browser, server, "anywidget_game.ipynb", ".il-cartpole-game", ".il-game-info", ".il-game-canvas",
                args.presses,
            )  # fmt: skip
            results["ipyevents"] = measure(
                browser, server, "ipyevents_game.ipynb", ".ev-game", ".ev-step", ".ev-game", args.presses
            )
        finally:
            browser.close()
    for name, r in results.items():
        print(name, r)
    write_json(args.out, {**provenance(), "seconds": time.time() - t0, "results": results})
    print("wrote", args.out.relative_to(ROOT))


if __name__ == "__main__":
    main()
