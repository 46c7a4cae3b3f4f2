"""Every notebook, run cell by cell in a real JupyterLab in a real (headless) Chromium, as a workshop attendee would.

nbval proves the kernel side; this proves the front end: no error output, every widget renders ("Error displaying
widget" never shows), the tqdm bars reach 100 %, the episode player (01) and the discriminator explorer (03) respond
to their sliders, and in 08 a person's episode (arrow keys and buttons) is kept, saved and learned from. A full-page
screenshot of each notebook lands in build/screenshots/ for a person to look at.

Needs Debian's Chromium (`apt-get install chromium`); skipped otherwise. `IL_BROWSER_TIMEOUT` (seconds, default 900)
bounds the run of one notebook.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from browser_support import (
    ROOT,
    NotebookPage,
    chromium_path,
    error_outputs,
    launched_chromium,
    move_slider,
    printed_report,
    running_lab,
    slider_value,
    wait_until,
)

NOTEBOOKS = [
    "01_ppo_expert",
    "02_expert_demonstrations",
    "03_discriminator",
    "04_gail",
    "05_going_further",
    "06_beyond_gail",
    "07_continuous_actions",
    "08_your_demonstration",
]
RUN_TIMEOUT = float(os.environ.get("IL_BROWSER_TIMEOUT", "900"))
WIDGET_TIMEOUT = 60.0  # a widget's answer to a slider goes through the kernel: generous on a busy 2-core machine
SCREENSHOT_DIR = ROOT / "build" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None, reason="chromium not installed: browser test skipped (apt-get install chromium)"
    ),
]


def _notebook_param(name: str):
    path = ROOT / "notebooks" / f"{name}.ipynb"
    return pytest.param(
        name, id=name, marks=pytest.mark.skipif(not path.exists(), reason=f"notebooks/{name}.ipynb does not exist yet")
    )


@pytest.fixture(scope="module")
def report(request):
    """Collects one line per notebook; printed (past pytest's capture) when the module is done."""
    with printed_report(request, f"browser test screenshots: {SCREENSHOT_DIR}") as lines:
        yield lines


@pytest.fixture(scope="module")
def lab():
    """The project's JupyterLab on a free loopback port (kernels inherit IL_DATA_DIR); always shut down."""
    with running_lab(ROOT) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    """Headless system Chromium driven by Playwright."""
    with launched_chromium() as browser:
        yield browser


@pytest.mark.parametrize("name", [_notebook_param(n) for n in NOTEBOOKS])
def test_notebook_in_jupyterlab(name: str, lab, browser, report) -> None:
    """Run All in JupyterLab; no error, every widget rendered, progress at 100 %, the interactive widgets respond."""
    path = f"notebooks/{name}.ipynb"
    t0 = time.monotonic()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(60_000)
    writes: list[str] = []  # the notebook must never be saved: the working tree is shared
    page.on("request", lambda r: writes.append(f"{r.method} {r.url}") if _writes_file(r) else None)
    page_errors: list[str] = []
    page.on("pageerror", lambda exc: page_errors.append(str(exc)))
    nb = NotebookPage(page, lab, path)
    problems: list[str] = []
    bars: list[dict] = []
    shot = SCREENSHOT_DIR / f"{name}.png"
    try:
        nb.open()
        cells = nb.run_all(RUN_TIMEOUT)
        problems += check_cells(cells)
        problems += nb.widget_problems()
        problems += check_kernelspec(ROOT / path, nb.notes)
        bars = nb.progress_bars()
        problems += check_progress(bars)
        if not problems:  # interact only with a notebook that ran cleanly
            if name.startswith("01_"):
                problems += check_episode_player(nb)
            if name.startswith("03_"):
                problems += check_d_explorer(nb)
    except Exception as exc:  # a dialog, a timeout, a Playwright error: reported with the rest, screenshot taken
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        try:
            nb.screenshot(shot)
        except Exception as exc:  # a screenshot is a courtesy, never the reason a test fails
            problems.append(f"(screenshot failed: {exc})")
        page.close()
        lab.shutdown_kernel_of(path)
    elapsed = time.monotonic() - t0
    report.append(f"{name}: {elapsed:.0f} s, {len(bars)} progress bars, {shot.name}" + (" FAILED" if problems else ""))
    if writes:
        problems.append(f"JupyterLab wrote to the working tree: {writes}")
    if problems:
        extra = f"\nuncaught page errors: {page_errors}" if page_errors else ""
        pytest.fail(f"{path} in JupyterLab (screenshot {shot}):\n- " + "\n- ".join(problems) + extra)


def _writes_file(request) -> bool:
    """True for a request that saves, renames or creates a file (a checkpoint, under .ipynb_checkpoints/, is fine)."""
    if "/api/contents/" not in request.url or request.method not in ("PUT", "PATCH", "POST"):
        return False
    return not (request.method == "POST" and request.url.split("?")[0].endswith("/checkpoints"))


def check_kernelspec(path: Path, notes: list[str]) -> list[str]:
    """The notebook names its kernel, so JupyterLab starts it without asking ("Select Kernel" dialog)."""
    kernelspec = json.loads(path.read_text()).get("metadata", {}).get("kernelspec")
    if not kernelspec:
        return [
            "no kernelspec in the notebook's metadata: JupyterLab may ask people to select a kernel"
            f" (fix: jupytext --set-kernel python3 {path.relative_to(ROOT)})"
        ]
    return notes  # asked although the notebook names a kernel: worth a look


def check_cells(cells) -> list[str]:
    """Every non-empty code cell ran (shows a count) and none shows a Python error."""
    problems = []  # cells are numbered from 1, markdown included, as in JupyterLab's status bar ("Cell 5/24")
    for cell in cells:
        for text in error_outputs(cell):
            last = [line for line in text.strip().splitlines() if line.strip()][-1:]
            problems.append(f"cell {cell.index + 1} {cell.prompt} shows an error: {last[0] if last else text!r}")
    not_run = [c.index + 1 for c in cells if c.code and not c.empty and c.count is None]
    if not_run:
        problems.append(f"cells {not_run} did not run")
    return problems


def check_progress(bars: list[dict]) -> list[str]:
    """tqdm's bars (ipywidgets progress in JupyterLab) all reached 100 % and none ended in the error style."""
    problems = []
    for bar in bars:
        if bar["danger"]:
            problems.append(f"a progress bar ended in error: {bar['text']!r}")
        elif "%" in bar["text"] and not re.search(r"\b100%", bar["text"]):
            problems.append(f"a progress bar stopped short of 100 %: {bar['text']!r}")
    return problems


def check_episode_player(nb: NotebookPage) -> list[str]:
    """01: moving the frame slider (and pressing Play, when there is one) changes the displayed frame."""
    player = nb.panel.locator(".il-episode-player").first
    if not player.count():
        return ["no episode player (.il-episode-player) in the notebook"]
    frame = player.locator("img.il-frame, .il-frame img").first
    slider = player.locator(".il-frame-slider").first
    if not frame.count() or not slider.count():
        return ["the episode player has no frame (.il-frame) or no slider (.il-frame-slider)"]
    problems = []
    before, value = frame.get_attribute("src"), slider_value(slider)
    move_slider(slider, nb.page, 0.75)
    try:
        wait_until(lambda: frame.get_attribute("src") != before, WIDGET_TIMEOUT, "the frame to change")
    except TimeoutError:
        problems.append(f"moving the frame slider ({value} → {slider_value(slider)}) did not change the frame")
    play = player.locator(".widget-play button:has(.fa-play), button:has-text('Play')").first
    if play.count():
        before = frame.get_attribute("src")
        play.click()
        try:
            wait_until(lambda: frame.get_attribute("src") != before, WIDGET_TIMEOUT, "Play to change the frame")
        except TimeoutError:
            problems.append("pressing Play did not change the frame")
        stop = player.locator(".widget-play button:has(.fa-stop), .widget-play button:has(.fa-pause)").first
        if stop.count():
            stop.click()
    return problems


def check_d_explorer(nb: NotebookPage) -> list[str]:
    """03: moving a state slider changes the discriminator values shown."""
    explorer = nb.panel.locator(".il-d-explorer").first
    if not explorer.count():
        return ["no discriminator explorer (.il-d-explorer) in the notebook"]
    readout = explorer.locator(".il-d-values").first
    sliders = explorer.locator(".il-state-slider")
    if not readout.count() or not sliders.count():
        return ["the explorer has no state slider (.il-state-slider) or no D readout (.il-d-values)"]
    before = readout.inner_text()
    tried = []
    # A saturated discriminator may not budge for one slider: try each, to either end, until the readout changes.
    for i in range(sliders.count()):
        for fraction in (0.95, 0.05):
            slider = sliders.nth(i)
            move_slider(slider, nb.page, fraction)
            tried.append(slider_value(slider))
            try:  # the first move waits for a possibly busy kernel; later ones only for a readout that may not budge
                wait_until(lambda: readout.inner_text() != before, 10 if tried[1:] else WIDGET_TIMEOUT, "D to change")
                return []
            except TimeoutError:
                continue
    return [f"moving the state sliders (to {tried}) never changed the D values {before!r}"]


# ---------------------------------------------------------------------------------------------------- 08: the game
GAME_NOTEBOOK = "notebooks/08_your_demonstration.ipynb"
GAME_PRESSES = 40  # pushes a "person" plays: half with the arrow keys, half with the on-screen buttons


def _game_state(game) -> dict:
    """What the game shows: its step count, the pole's angle and its message (read from the text under the canvas)."""
    text = game.locator(".il-game-info").inner_text()
    m = re.search(r"t = (\d+) / \d+\s+x = (\S+) m\s+θ = (\S+) rad\s*(.*)", text)
    assert m, f"the game's readout is not as expected: {text!r}"
    return {"t": int(m.group(1)), "x": float(m.group(2)), "theta": float(m.group(3)), "message": m.group(4)}


def _run_from(nb: NotebookPage, heading: str, timeout: float) -> None:
    """Select the markdown cell with ``heading`` and run it and every cell below (Run → Run Selected Cell and All
    Below), as the notebook tells a person to after keeping an episode; wait until the kernel is done."""
    cell = nb.panel.locator(".jp-Cell.jp-MarkdownCell", has_text=heading).first
    cell.scroll_into_view_if_needed()
    cell.click()
    nb.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    nb.page.locator(".lm-Menu-item:not(.lm-mod-disabled)").filter(
        has=nb.page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run Selected Cell and All Below$"))
    ).first.click()
    time.sleep(1.0)  # let the first cell of the run start

    def done() -> bool:
        cells = [c for c in nb.cells() if c.code and not c.empty]
        busy = any(c.running for c in cells) or nb.server.kernel_state(nb.path) != "idle"
        return not busy

    wait_until(done, timeout, "the cells below the game to run", interval=0.5)


@pytest.mark.skipif(not (ROOT / GAME_NOTEBOOK).exists(), reason="notebook 08 does not exist yet")
def test_play_the_game_in_jupyterlab(lab, browser, report) -> None:
    """08: a person runs the notebook, plays an episode with the arrow keys and the buttons, keeps it, runs the cells
    below; the saved file holds their pushes and mark, and GAIL, the control and BC trained on it."""
    import torch

    from helpers.files.data import load_demos

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(60_000)
    nb = NotebookPage(page, lab, GAME_NOTEBOOK)
    shot = SCREENSHOT_DIR / "08_game.png"
    try:
        nb.open()
        cells = nb.run_all(RUN_TIMEOUT)  # nobody has played yet: the stand-in's episode, as under papermill
        assert not check_cells(cells), check_cells(cells)
        game = nb.panel.locator(".il-cartpole-game").first
        game.scroll_into_view_if_needed()
        canvas = game.locator("canvas.il-game-canvas")
        assert _game_state(game)["t"] == 200 and "kept" in _game_state(game)["message"], "the stand-in's episode"
        # Real time first: the browser's clock steps the game with the push held, and on its own once it is released
        # (the cart coasts) until the pole falls.
        game.locator("select.il-game-mode").select_option("real time")
        wait_until(lambda: _game_state(game)["t"] == 0, WIDGET_TIMEOUT, "real time to start afresh")
        canvas.click()
        page.keyboard.down("ArrowRight")
        wait_until(lambda: _game_state(game)["t"] >= 1, WIDGET_TIMEOUT, "the clock to step with the key held")
        page.keyboard.up("ArrowRight")  # a push or three: the pole stays up for many more steps
        held_until = _game_state(game)["t"]
        wait_until(lambda: _game_state(game)["t"] >= held_until + 2, WIDGET_TIMEOUT, "the clock to go on, coasting")
        game.locator("select.il-game-mode").select_option("turns")  # back to turn by turn: a new episode
        wait_until(lambda: _game_state(game)["t"] == 0, WIDGET_TIMEOUT, "the restart")
        # The mark: a click on the slider, 70 % of the way along (x near +0.8 m on its -2 ... 2 m); read back below.
        mark = game.locator("input.il-game-mark")
        box = mark.bounding_box()
        page.mouse.click(box["x"] + 0.7 * box["width"], box["y"] + box["height"] / 2)
        wait_until(lambda: float(mark.input_value()) > 0, WIDGET_TIMEOUT, "the mark to move right")
        chosen = float(mark.input_value())
        canvas.click()
        pushes = []
        for k in range(GAME_PRESSES):
            state = _game_state(game)
            if "fell" in state["message"]:
                break
            action = int(state["theta"] > 0)  # push the cart under the pole
            if k % 2:
                page.keyboard.press("ArrowRight" if action else "ArrowLeft")
            else:
                game.locator(".il-game-right" if action else ".il-game-left").click()
            pushes.append(action)
            n = len(pushes)
            wait_until(lambda n=n: _game_state(game)["t"] == n, WIDGET_TIMEOUT, f"push {n}")
        game.screenshot(path=str(shot))
        game.locator(".il-game-keep").click()
        wait_until(lambda: "kept" in _game_state(game)["message"], WIDGET_TIMEOUT, "the episode to be kept")
        _run_from(nb, "2. Your demonstration", RUN_TIMEOUT)
        cells = nb.cells()
        assert not check_cells(cells), check_cells(cells)
        text = "\n".join(o["text"] for c in cells for o in c.outputs)
        assert f"your episode: {len(pushes)} pairs" in text, text[:2000]
        demos = load_demos(Path(os.environ["IL_DATA_DIR"]) / "your_demos.pt")
        meta = demos["meta"]
        assert meta["player"] == "you" and meta["habit_x"] == pytest.approx(chosen), f"not the person's: {meta}"
        assert torch.equal(demos["actions"].reshape(-1), torch.tensor(pushes)), "the saved pushes are the ones played"
        for line in ("GAIL's mean return", "GAIL's habit gap to yours", "BC's habit gap to yours"):
            assert line in text, f"no '{line}' line: the students did not train on the person's pairs"
    finally:
        page.close()
        lab.shutdown_kernel_of(GAME_NOTEBOOK)
    report.append(f"08 game: {len(pushes)} pushes played and kept, game screenshot {shot.name}")
