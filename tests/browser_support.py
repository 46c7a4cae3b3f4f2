"""Drive the project's JupyterLab in a headless Chromium: start a server, run a notebook as a person would, inspect it.

Used by `tests/test_browser.py`; also runnable by hand on any folder of notebooks (see `main()` at the bottom).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# Chromium runs as root here (no sandbox possible) and must not phone home: without the background-networking
# flags, connections get refused many at a time on this machine.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

# JupyterLab settings for the test: never write the notebook back to disk (the working tree is shared), put every
# cell in the DOM (so cells can be counted and the screenshot shows them all), no news / update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
}

ERROR_WIDGET_TEXTS = ("Error displaying widget", "Loading widget")
# An exception's last line, e.g. "ValueError: ..." or "KeyboardInterrupt"; tqdm and warnings also write to stderr.
EXCEPTION_LINE = re.compile(r"^\s*(?:[\w.]+\.)?\w*(?:Error|Exception|Interrupt)\b(?::|$)", re.MULTILINE)


def chromium_path() -> str | None:
    """The system Chromium (Debian's `chromium` package), or None when it is not installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def launched_chromium() -> Iterator[object]:
    """Headless system Chromium driven by Playwright (skips the test if Playwright is missing); always closed."""
    import pytest

    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def printed_report(request: object, heading: str) -> Iterator[list[str]]:
    """A list a test module fills with one line per item, printed past pytest's capture when the module is done."""
    lines: list[str] = []
    yield lines
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\n{heading}")
        for line in lines:
            print(f"  {line}")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.25) -> object:
    """Poll `predicate` until it returns something truthy; raise TimeoutError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class JupyterLabServer:
    """`jupyter lab` on 127.0.0.1 with a random token, its own settings/workspace/runtime folders, in its own session.

    The environment (IL_DATA_DIR in particular) is inherited by the server and so by its kernels.
    """

    def __init__(self, root_dir: Path, workdir: Path | None = None) -> None:
        self.root_dir = Path(root_dir)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="il-lab-"))
        self.token = secrets.token_hex(24)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/"
        self.log_path = self.workdir / "jupyter-lab.log"
        self.proc: subprocess.Popen | None = None
        self._log = None

    # ---- life cycle
    def start(self, timeout: float = 120.0) -> None:
        """Launch the server and wait until its REST API answers."""
        settings_dir = self.workdir / "user-settings"
        for plugin, values in LAB_SETTINGS.items():
            path = settings_dir / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        (self.workdir / "workspaces").mkdir(exist_ok=True)
        (self.workdir / "runtime").mkdir(exist_ok=True)
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(self.workdir / "runtime"), PYTHONUNBUFFERED="1")
        jupyter = VENV_BIN / "jupyter"
        cmd = [
            str(jupyter if jupyter.exists() else "jupyter"),
            "lab",
            "--no-browser",
            "--allow-root",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.root_dir}",
            f"--IdentityProvider.token={self.token}",
            f"--LabApp.user_settings_dir={settings_dir}",
            f"--LabApp.workspaces_dir={self.workdir / 'workspaces'}",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.news_url=None",
        ]
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.root_dir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_until(self._answers, timeout, f"JupyterLab to answer on {self.base_url}", interval=0.3)
        except TimeoutError as exc:
            raise RuntimeError(f"{exc}\n--- server log ---\n{self.log_tail()}") from None

    def _answers(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with code {self.proc.returncode}\n{self.log_tail()}")
        try:
            self.api("GET", "api/status", timeout=2)
            return True
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        """Shut down kernels and server; whatever is left of the process tree is killed. Safe to call twice."""
        if self.proc is None:
            return
        tree = []
        try:
            tree = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.Error:
            pass
        if self.proc.poll() is None:
            try:  # the polite way: the server shuts its kernels down itself
                for kernel in self.api("GET", "api/kernels", timeout=5):
                    self.api("DELETE", f"api/kernels/{kernel['id']}", timeout=15)
                self.api("POST", "api/shutdown", timeout=5)
                self.proc.wait(timeout=20)
            except (OSError, urllib.error.URLError, subprocess.TimeoutExpired, ValueError):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        # Kernels run in sessions of their own: kill any that outlived the server.
        for child in tree:
            try:
                child.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(tree, timeout=5)
        if self._log is not None:
            self._log.close()
        self.proc = None

    def log_tail(self, n: int = 40) -> str:
        """The last `n` lines of the server's log."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "(no log)"

    # ---- HTTP
    def url(self, path: str, reset: bool = False) -> str:
        """Browser address of `path` (e.g. `lab/tree/notebooks/x.ipynb`), token included; `reset`: empty workspace."""
        return f"{self.base_url}{urllib.parse.quote(path)}?{'reset&' if reset else ''}token={self.token}"

    def api(self, method: str, path: str, body: object | None = None, timeout: float = 10) -> object:
        """Call the server's REST API; returns the decoded JSON answer (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        req.add_header("Authorization", f"token {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw.strip() else None

    def kernel_state(self, notebook_path: str) -> str | None:
        """Execution state ('starting', 'idle', 'busy', ...) of the kernel attached to `notebook_path`, if any."""
        for session in self.api("GET", "api/sessions"):
            if session.get("path") == notebook_path and session.get("kernel"):
                return session["kernel"].get("execution_state")
        return None

    def shutdown_kernel_of(self, notebook_path: str) -> None:
        """Delete the session (and kernel) of `notebook_path`, freeing its CPU and memory for the next notebook."""
        for session in self.api("GET", "api/sessions"):
            if session.get("path") == notebook_path:
                self.api("DELETE", f"api/sessions/{session['id']}", timeout=30)


@contextmanager
def running_lab(root_dir: Path, timeout: float = 120.0) -> Iterator[JupyterLabServer]:
    """A started JupyterLabServer, stopped (kernels included) whatever happens."""
    server = JupyterLabServer(root_dir)
    try:
        server.start(timeout)
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.workdir, ignore_errors=True)


# --------------------------------------------------------------------------------------------------------------------
# In the page. The JavaScript snippets read the DOM of a JupyterLab 4 notebook with windowingMode "none".

_CELLS_JS = """
(panel) => Array.from(panel.querySelectorAll('.jp-Notebook .jp-Cell')).map((cell, i) => {
  const code = cell.classList.contains('jp-CodeCell');
  const prompt = code ? (cell.querySelector('.jp-InputPrompt')?.innerText ?? '') : '';
  const source = code ? (cell.querySelector('.jp-InputArea-editor .cm-content')?.innerText ?? '') : '';
  const outputs = Array.from(cell.querySelectorAll('.jp-OutputArea-output')).map(o => ({
    mime: o.getAttribute('data-mime-type') || '',
    text: o.innerText || '',
  }));
  return {index: i, code, prompt: prompt.trim(), empty: source.trim() === '', outputs};
})
"""

_PROGRESS_JS = """
(panel) => Array.from(panel.querySelectorAll('.widget-hbox')).filter(
  box => box.querySelector(':scope > .widget-hprogress, :scope > .widget-vprogress')
).map(box => ({
  text: box.innerText.replace(/\\s+/g, ' ').trim(),
  danger: !!box.querySelector('.progress-bar-danger'),
}))
"""


@dataclass
class CellState:
    """What one cell shows after the run."""

    index: int
    code: bool
    prompt: str
    empty: bool
    outputs: list[dict] = field(default_factory=list)

    @property
    def count(self) -> int | None:
        """Execution count shown in the prompt ("[12]:"), None for "[ ]:" or "[*]:"."""
        m = re.search(r"\[(\d+)\]", self.prompt)
        return int(m.group(1)) if m else None

    @property
    def running(self) -> bool:
        """True while the cell is queued or executing ("[*]:")."""
        return "*" in self.prompt


class NotebookPage:
    """One notebook open in JupyterLab in a Playwright page."""

    def __init__(self, page, server: JupyterLabServer, path: str) -> None:
        self.page = page
        self.server = server
        self.path = path  # relative to the server's root_dir, with forward slashes
        self.notes: list[str] = []  # things a person would have had to deal with (dialogs answered for them)

    @property
    def panel(self):
        """Locator of the notebook's panel."""
        return self.page.locator(".jp-NotebookPanel:visible").first

    def open(self, timeout: float = 90.0) -> None:
        """Load JupyterLab on the notebook and wait until its cells are there and its kernel is idle."""
        self.page.goto(self.server.url(f"lab/tree/{self.path}", reset=True), wait_until="domcontentloaded")
        # The cells, or a dialog saying why not (e.g. jupytext refusing an out-of-date pair, no kernel found).
        self.page.locator(".jp-Notebook .jp-Cell, .jp-Dialog").first.wait_for(state="visible", timeout=timeout * 1000)
        self.handle_dialog()
        wait_until(
            lambda: self.handle_dialog() or self.server.kernel_state(self.path) == "idle",
            timeout,
            f"the kernel of {self.path} to start",
            interval=0.5,
        )
        # The notebook's own toolbar shows the kernel as idle once the front end is connected to it.
        self.page.locator(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
            state="attached", timeout=timeout * 1000
        )
        # More room for the notebook (and the screenshot): collapse the file browser (View → Show Left Sidebar).
        if self.page.locator("#jp-left-stack:visible").count():
            self.page.keyboard.press("Control+b")
            self.page.locator("#jp-left-stack").wait_for(state="hidden", timeout=10_000)

    def handle_dialog(self) -> None:
        """Nothing in a clean run asks anything. "Select Kernel" (a notebook without a kernelspec, or one the server
        lacks) is answered with the preselected kernel and noted; any other dialog raises AssertionError with its text.
        """
        dialog = self.page.locator(".jp-Dialog:visible")
        if not dialog.count():
            return
        text = " ".join(dialog.first.inner_text().split())
        if text.startswith("Select Kernel"):
            self.notes.append(f"JupyterLab asked to select a kernel: {text!r}")
            dialog.first.locator(".jp-Dialog-button.jp-mod-accept").click()
            dialog.first.wait_for(state="detached", timeout=10_000)
            return
        raise AssertionError(f"JupyterLab shows a dialog: {text!r}")

    def menu(self, top: str, item: str) -> None:
        """Click a main-menu entry, as a person would (e.g. "Run" → "Run All Cells")."""
        self.panel.locator(".jp-Notebook").click(position={"x": 5, "y": 5})  # make the notebook the current widget
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(f"^{re.escape(top)}$")).click()
        entry = self.page.locator(".lm-Menu-item:not(.lm-mod-disabled)").filter(
            has=self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$"))
        )
        entry.first.click()

    def cells(self) -> list[CellState]:
        """The state of every cell, read from the DOM."""
        return [CellState(**c) for c in self.panel.evaluate(_CELLS_JS)]

    def run_all(self, timeout: float) -> list[CellState]:
        """Clear the outputs committed with the notebook, run all cells, wait until the run is over.

        Over means: the kernel is idle, no cell is queued ("[*]") and every non-empty code cell shows a count, or a
        cell shows an error (Run All stops there). Returns the cells' final state.
        """
        self.menu("Edit", "Clear Outputs of All Cells")
        wait_until(lambda: all(c.count is None for c in self.cells() if c.code), 30, "outputs to clear")
        self.menu("Run", "Run All Cells")

        def finished() -> list[CellState] | None:
            self.handle_dialog()  # e.g. "Kernel Restarting: the kernel appears to have died"
            cells = [c for c in self.cells() if c.code and not c.empty]
            if any(c.running for c in cells) or self.server.kernel_state(self.path) != "idle":
                return None
            if all(c.count is not None for c in cells) or any(error_outputs(c) for c in cells):
                return cells or [CellState(-1, False, "", True)]
            return None

        wait_until(finished, timeout, f"all cells of {self.path} to run", interval=0.5)
        # Widgets render asynchronously after the kernel is done; give "Loading widget..." a chance to resolve.
        try:
            wait_until(lambda: "Loading widget" not in self._text(), 30, "widgets to render", interval=0.3)
        except TimeoutError:
            pass  # reported by the caller through widget_problems()
        return self.cells()

    def _text(self) -> str:
        return self.panel.locator(".jp-Notebook").inner_text()

    def widget_problems(self) -> list[str]:
        """Widgets that did not render: "Error displaying widget", "Loading widget...", ipywidgets' error view."""
        text = self._text()
        problems = [f"a widget output says {t!r}" for t in ERROR_WIDGET_TEXTS if t in text]
        broken = self.panel.locator(".jupyter-widgets-error-widget")
        for i in range(broken.count()):
            view = broken.nth(i)
            view.click()  # "Click to show javascript error." reveals the message
            detail = " ".join(view.inner_text().split())[:300]
            problems.append(f"a widget failed to render: {detail}")
        return problems

    def progress_bars(self) -> list[dict]:
        """Every ipywidgets progress bar laid out like tqdm's (an HBox holding a progress widget)."""
        return self.panel.evaluate(_PROGRESS_JS)

    def screenshot(self, path: Path, max_height: int = 15000) -> Path:
        """Screenshot the whole notebook: grow the viewport to the notebook's height, then shoot the page."""
        size = self.page.viewport_size or {"width": 1280, "height": 900}
        scroller = self.panel.locator(".jp-WindowedPanel-outer").first
        # How far the last cell reaches below the visible part of the notebook (the notebook scrolls, not the page).
        below = scroller.evaluate(
            """(el) => {
              const cells = el.querySelectorAll('.jp-Cell');
              if (!cells.length) return 0;
              const bottom = cells[cells.length - 1].getBoundingClientRect().bottom;
              return bottom - el.getBoundingClientRect().top + el.scrollTop - el.clientHeight;
            }"""
        )
        new_height = int(min(max_height, size["height"] + max(0, below) + 30))
        self.page.set_viewport_size({"width": size["width"], "height": new_height})
        try:
            scroller.evaluate("(el) => { el.scrollTop = 0; }")
            # Let the layout settle at the new size (two animation frames), then shoot.
            self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
            path.parent.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(path), full_page=True)
        finally:
            self.page.set_viewport_size(size)
        return path


def error_outputs(cell: CellState) -> list[str]:
    """The outputs of `cell` that show a Python error (traceback or exception line), tqdm and warnings excepted."""
    found = []
    for out in cell.outputs:
        text = out["text"]
        if out["mime"] == "application/vnd.jupyter.stderr" and ("Traceback" in text or EXCEPTION_LINE.search(text)):
            found.append(text)
    return found


def slider_value(slider) -> str:
    """The readout of an ipywidgets slider (Locator of its `.widget-slider` element)."""
    return slider.locator(".widget-readout").inner_text().strip()


def move_slider(slider, page, fraction: float = 0.8) -> None:
    """Drag an ipywidgets slider's handle to `fraction` of its track, as a mouse would (values sync on release)."""
    track = slider.locator(".noUi-target, .slider").first
    handle = slider.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    box = track.bounding_box()
    hbox = handle.bounding_box()
    if box is None or hbox is None:
        raise AssertionError("slider is not visible")
    y = hbox["y"] + hbox["height"] / 2
    page.mouse.move(hbox["x"] + hbox["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * fraction, y, steps=8)
    page.mouse.up()


def main() -> None:
    """By hand: `python tests/browser_support.py ROOT notebooks/x.ipynb ...` runs each, prints what it finds."""
    from playwright.sync_api import sync_playwright

    root = Path(sys.argv[1]).resolve()
    with running_lab(root) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            for path in sys.argv[2:]:
                t0 = time.monotonic()
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                nb = NotebookPage(page, server, path)
                nb.open()
                cells = nb.run_all(timeout=600)
                print(path, f"{time.monotonic() - t0:.1f} s")
                for c in cells:
                    print(" ", c.index, c.prompt, [o["mime"] for o in c.outputs], error_outputs(c)[:1])
                print("  widget problems:", nb.widget_problems())
                print("  progress:", nb.progress_bars())
                print("  screenshot:", nb.screenshot(Path("/tmp") / (Path(path).stem + ".png")))
                page.close()
                server.shutdown_kernel_of(path)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
