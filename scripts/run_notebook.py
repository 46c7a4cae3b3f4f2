"""``make notebook``: run one notebook with papermill into ``build/notebooks/``, never leaving half a notebook there.

    .venv/bin/python scripts/run_notebook.py notebooks/04_gail.ipynb build/notebooks/04_gail.ipynb \
        [--data build/data] [papermill options]

``--data FOLDER`` fills FOLDER with copies of the committed ``data/*.pt`` files it lacks (each copy written to a
temporary file of its own and renamed into place, so two runs started at once on a fresh ``build/`` never collide; a
failed copy says which file and why) and runs the notebook with ``DATA_DIR`` = FOLDER. A parameter passed with
``-p``/``-r``/``-y``/``-f`` that the notebook does not have stops the run before anything is written, naming the
notebook's parameters and the closest one (papermill itself only logs "Passed unknown parameter" and runs on).

papermill writes the output notebook while the run goes on; on a full disk it stops with a bare
``OSError: [Errno 28]`` and leaves a 0-byte or truncated notebook. Here papermill writes a temporary file beside the
output, which replaces the output in one step once the run ends (complete, or with the error the notebook stopped
on). A failed write prints one line naming the file and the cause, and leaves no temporary file and any previous
output intact. Before the run, a training budget passed that will take long says roughly how long
(``helpers.teaching.parameters.budget_warning``, which the notebook's setup cell prints too, inside the notebook).
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this copy's helpers, not another checkout's installed in the environment

SPACE = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
"""Errors that mean the disk (or the user's quota) is full."""
READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
"""Errors that mean a folder or a file cannot be written."""


def passed_parameters(options: list[str], typed: bool = True) -> dict[str, Any]:
    """The parameters among papermill's options (``-p NAME VALUE``, ``-r NAME VALUE``, ``-y YAML``, ``-f FILE``),
    ``-p`` values typed as papermill types them (``typed=False``: as strings, without importing papermill, seconds)."""
    import yaml

    def resolve(value: str) -> Any:
        from papermill.cli import _resolve_type

        return _resolve_type(value)

    passed: dict[str, Any] = {}
    for i, option in enumerate(options):
        if option in ("-p", "--parameters") and i + 2 < len(options):
            passed[options[i + 1]] = resolve(options[i + 2]) if typed else options[i + 2]
        elif option in ("-r", "--parameters_raw") and i + 2 < len(options):
            passed[options[i + 1]] = options[i + 2]
        elif option in ("-y", "--parameters_yaml", "-f", "--parameters_file") and i + 1 < len(options):
            try:
                text = options[i + 1] if option in ("-y", "--parameters_yaml") else Path(options[i + 1]).read_text()
                values = yaml.safe_load(text) or {}
            except (OSError, yaml.YAMLError) as e:
                raise ValueError(
                    f"{option} {options[i + 1]}: cannot read the parameters ({e.__class__.__name__})"
                ) from None
            if not isinstance(values, dict):
                raise ValueError(f"{option} {options[i + 1]}: the parameters must be a mapping NAME: value")
            passed.update(values)
    return passed


def budget_warnings(passed: dict[str, Any]) -> list[str]:
    """The warnings the notebook's ``check_parameters`` will print for the budgets passed, said up front."""
    from helpers.teaching.parameters import budget_warning

    return [w for name, value in passed.items() if (w := budget_warning(name, value)) is not None]


def take_data_option(options: list[str]) -> tuple[Path | None, list[str]]:
    """``--data FOLDER`` (this script's own option) and papermill's options without it."""
    if "--data" not in options:
        return None, options
    i = options.index("--data")
    if i + 1 >= len(options):
        raise SystemExit("make notebook: --data needs a folder")
    return Path(options[i + 1]), options[:i] + options[i + 2 :]


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
    notebook, output = args[0], Path(args[1])
    data, options = take_data_option(args[2:])
    from helpers.core.rules import ParameterError
    from helpers.teaching.parameters import check_parameter_names  # light: a misspelt name is said in a moment

    try:
        check_parameter_names(notebook, list(passed_parameters(options, typed=False)))
        passed = passed_parameters(options)
    except (ParameterError, FileNotFoundError, ValueError) as e:  # a misspelt name, a bad YAML: nothing written
        print(f"make notebook: {e}", file=sys.stderr)
        return 2
    for warning in budget_warnings(passed):
        print(warning, file=sys.stderr)
    if data is not None:
        from helpers.files.data import DataFileError, fill_data_folder  # imports torch

        try:
            fill_data_folder(data, ROOT / "data")
        except DataFileError as e:
            print(f"make notebook: {e}", file=sys.stderr)
            return 1
        options = ["-p", "DATA_DIR", str(data.resolve()), *options]
    partial = output.with_name(f".{output.stem}.{os.getpid()}.partial.ipynb")  # opened "x": never another run's
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with open(partial, "x", encoding="utf-8"):
            pass
    except OSError as e:
        print(write_failure(output, e, ours=True), file=sys.stderr)
        return 1
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
