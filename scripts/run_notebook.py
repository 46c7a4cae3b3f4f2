"""``make notebook``: run one notebook with papermill into ``build/notebooks/``, never leaving half a notebook there.

    .venv/bin/python scripts/run_notebook.py notebooks/04_gail.ipynb build/notebooks/04_gail.ipynb [papermill options]

papermill writes the output notebook while the run goes on; on a full disk it stops with a bare
``OSError: [Errno 28]`` and leaves a 0-byte or truncated notebook. Here papermill writes a temporary file beside the
output, which replaces the output in one step once the run ends (complete, or with the error the notebook stopped
on). A failed write prints one line naming the file and the cause, and leaves no temporary file and any previous
output intact. Before the run, a training budget passed with ``-p`` far above its default says roughly how long it
will take (``helpers.core.rules.budget_warning``, which the notebook's setup cell prints too, inside the notebook).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this copy's helpers, not another checkout's installed in the environment

SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
"""Errors that mean the disk (or the user's quota) is full."""
READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
"""Errors that mean a folder or a file cannot be written."""
BUDGET_ENDINGS = ("_STEPS", "_EPOCHS")
"""How the names of the training budgets in ``helpers.core.rules.BUDGETS`` end."""


def passed_parameters(options: list[str]) -> dict[str, Any]:
    """The ``-p NAME VALUE`` pairs among papermill's options, typed as papermill types them."""
    from papermill.cli import _resolve_type

    return {
        options[i + 1]: _resolve_type(options[i + 2])
        for i in range(len(options) - 2)
        if options[i] in ("-p", "--parameters")
    }


def budget_warnings(options: list[str]) -> list[str]:
    """The warnings the notebook's ``check_parameters`` will print for the budgets passed, said up front."""
    budgets = {name: value for name, value in passed_parameters(options).items() if name.endswith(BUDGET_ENDINGS)}
    if not budgets:
        return []
    from helpers.core.rules import budget_warning  # imports torch (seconds): only when a budget is passed

    return [w for name, value in budgets.items() if (w := budget_warning(name, value)) is not None]


def write_failure(target: Path, e: OSError, ours: bool) -> str:
    """One line: the file that could not be written, the cause, and what to do."""
    from helpers.files.data import display_path, os_error_cause

    advice = "Free some space" if e.errno in SPACE else f"Make {display_path(target.parent)}/ writable"
    kept = " Nothing was left half-written: a previous version of the file, if any, is intact." if ours else ""
    cause = os_error_cause(e)
    return f"make notebook: {display_path(target)}: cannot be written ({cause}).{kept} {advice}, then run it again."


class ShowOutputPath(logging.Filter):
    """papermill's log names the output it writes: show the output, not the temporary file."""

    def __init__(self, partial: Path, output: Path) -> None:
        super().__init__()
        self.partial, self.output = str(partial), str(output)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = record.msg.replace(self.partial, self.output)
        return True


def is_complete_notebook(path: Path) -> bool:
    """True if ``path`` holds a whole notebook (JSON with cells), not a truncated one."""
    try:
        return "cells" in json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def main(argv: list[str] | None = None) -> int:
    """Run papermill on ``argv`` = [notebook, output, options...]; return the exit status."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    notebook, output, options = args[0], Path(args[1]), args[2:]
    for warning in budget_warnings(options):
        print(warning, file=sys.stderr)
    try:
        fd, name = tempfile.mkstemp(dir=output.parent, prefix=f".{output.stem}.", suffix=".partial.ipynb")
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(name, 0o666 & ~umask)  # mkstemp makes the file private; the output is an ordinary file
    except OSError as e:
        print(write_failure(output, e, ours=True), file=sys.stderr)
        return 1
    partial = Path(name)
    import click
    from papermill import PapermillExecutionError
    from papermill.cli import papermill

    logging.getLogger("papermill").addFilter(ShowOutputPath(partial.resolve(), output.resolve()))

    try:
        papermill.main([notebook, str(partial), *options], prog_name="papermill", standalone_mode=False)
    except click.ClickException as e:  # bad options (ARGS): papermill's usage message, as its command line says it
        partial.unlink(missing_ok=True)
        e.show()
        return e.exit_code
    except OSError as e:  # papermill's own writes: a full disk, a folder that turned read-only
        partial.unlink(missing_ok=True)
        ours = e.filename is None or Path(os.fsdecode(e.filename)).resolve() == partial.resolve()
        if not ours and e.errno not in (*SPACE, *READ_ONLY):
            raise
        print(write_failure(output if ours else Path(os.fsdecode(e.filename)), e, ours), file=sys.stderr)
        return 1
    except BaseException as e:  # the notebook failed, or the run was stopped: keep what it shows, if complete
        if is_complete_notebook(partial):
            os.replace(partial, output)
        partial.unlink(missing_ok=True)
        if isinstance(e, PapermillExecutionError):
            print(f"{e}\nThe executed notebook, with its error: {output}", file=sys.stderr)
            return 1
        raise
    os.replace(partial, output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
