"""Saving and loading the ``.pt`` files that pass between notebooks, safely.

Every load first checks the file's size and its zip archive (torch.save writes a zip archive; a small archive that
would unpack to gigabytes is refused unread), then calls ``torch.load(..., weights_only=True)`` (no pickled code
runs), and checks every field against what this series writes (kind, sizes, each tensor's name, shape, layout,
dtype, finiteness and range) before building anything from it. Every write goes to a temporary file of its own beside
the target, flushed to disk and renamed over the target in one step, so an interrupted write or a full disk never
leaves half a file behind, and two writers never share a temporary file. Errors name the file and the notebook that
writes it, or for a failed write, the cause.

Where the data folder is: a notebook's ``DATA_DIR``, else ``$IL_DATA_DIR``, else the repository's ``data/``; with
the series installed as a package (no repository around it), ``il_data/`` in the current folder, filled once with
copies of the committed files the package ships, so nothing is ever written into the installed package.
"""

from __future__ import annotations

import errno
import functools
import io
import os
import pickle
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from helpers.core.env import ENV_ID
from helpers.core.networks import PolicyNet
from helpers.core.paths import IN_REPOSITORY, ROOT, display_path
from helpers.core.pendulum import MAX_SPEED, MAX_TORQUE, PENDULUM_ID
from helpers.core.rules import DATA_DIR_RULE, HIDDEN_RULE, ParameterError, names_in

SHIPPED_DATA = Path(__file__).resolve().parents[1] / "shipped_data"
"""The committed ``data/*.pt`` files as the installed package ships them (absent in a clone: it has ``data/``)."""
WORK_FOLDER = "il_data"
"""The data folder of an installed package: this folder, in the current one."""
DATA_ENV_VAR = "IL_DATA_DIR"

EXPERT_POLICY = "expert_policy.pt"
EXPERT_DEMOS = "expert_demos.pt"
GAIL_POLICY = "gail_policy.pt"
BC_POLICY = "bc_policy.pt"
YOUR_DEMOS = "your_demos.pt"
MINARI_DEMOS = "cartpole-habit-expert-v0"  # a Minari dataset (a folder, in data/minari/): helpers.files.minari_io
PENDULUM_DEMOS = "pendulum_demos.pt"
PENDULUM_MINARI_DEMOS = "pendulum-tilt-expert-v0"  # notebook 07's Minari dataset, in data/minari/

# Which notebook writes which file, so an error can say what to re-run.
PRODUCERS = {
    EXPERT_POLICY: "notebooks/01_ppo_expert.ipynb",
    EXPERT_DEMOS: "notebooks/02_expert_demonstrations.ipynb",
    GAIL_POLICY: "notebooks/04_gail.ipynb",
    BC_POLICY: "notebooks/04_gail.ipynb",
    MINARI_DEMOS: "notebooks/06_beyond_gail.ipynb",
    PENDULUM_DEMOS: "notebooks/07_continuous_actions.ipynb",
    PENDULUM_MINARI_DEMOS: "notebooks/07_continuous_actions.ipynb",
    YOUR_DEMOS: "notebooks/08_your_demonstration.ipynb",
}

MAX_FILE_BYTES = 64 * 2**20
"""Largest data file read, on disk and unpacked (64 MiB; the series' files are a few KiB): a larger one is refused
unread."""
STATE_BOUNDS = (
    ("x, cart position", 4.8, "twice the ±2.4 at which an episode ends"),
    ("x_dot, cart velocity", 100.0, "CartPole's velocities stay within a few units"),
    ("theta, pole angle", 0.42, "radians, twice the ±0.21 at which an episode ends"),
    ("theta_dot, pole angular velocity", 100.0, "CartPole's velocities stay within a few units"),
)
"""Per state column: its name, the largest magnitude a demonstration state may have, and why."""
PENDULUM_STATE_BOUNDS = (
    ("cos theta", 1.0, "a cosine"),
    ("sin theta", 1.0, "a sine"),
    ("theta_dot, angular velocity", MAX_SPEED, "Gymnasium clips it to ±8 rad/s"),
)
"""The same for Pendulum's observation (cos θ, sin θ, θ̇) (notebook 07)."""
UNIT_CIRCLE_TOL = 1e-3
"""Pendulum's columns 0 and 1 are cos θ and sin θ: cos² + sin² lies within this of 1 (float32 rounding is ~1e-7)."""


@dataclass(frozen=True)
class DemoLayout:
    """What a demonstration file of one environment holds: its states' width and bounds, its actions' kind."""

    env_id: str
    """The Gymnasium id the demonstrations were played in."""
    state_bounds: tuple[tuple[str, float, str], ...]
    """Per state column: its name, the largest magnitude it may have, and why."""
    continuous: bool
    """False: actions int64 [N, 1], 0 or 1 (CartPole's pushes); True: float32 [N, 1] within ±``action_bound``."""
    action_bound: float = 0.0
    """The largest magnitude of a continuous action (Pendulum's torque limit, 2 N·m)."""


DEMO_LAYOUTS = {
    ENV_ID: DemoLayout(ENV_ID, STATE_BOUNDS, continuous=False),
    PENDULUM_ID: DemoLayout(PENDULUM_ID, PENDULUM_STATE_BOUNDS, continuous=True, action_bound=MAX_TORQUE),
}
"""The demonstration layout of each environment the series records in (``load_demos(path, env_id=...)``)."""

POLICY_FIELDS = ("kind", "hidden", "state_dict", "meta")
DEMO_FIELDS = ("kind", "states", "actions", "terminated", "meta")


class DataFileError(ValueError):
    """A data file is missing, unreadable, not what the notebooks expect, or cannot be written."""


def data_dir(folder: str | os.PathLike | None = None) -> Path:
    """The data folder: ``folder`` (a notebook's ``DATA_DIR``) if not None, else ``$IL_DATA_DIR`` if set, else the
    repository's ``data/``; installed as a package, ``il_data/`` in the current folder, filled with copies of the
    committed files the first time (``fill_data_folder``). An empty ``folder`` or ``$IL_DATA_DIR`` is an error, never
    the current folder."""
    if folder is not None:
        DATA_DIR_RULE.check("DATA_DIR", folder)
        return Path(folder).expanduser()
    env = os.environ.get(DATA_ENV_VAR)
    if env is not None:
        if not env.strip():
            raise ParameterError(
                f"{DATA_ENV_VAR} is set but empty: set it to a folder, or unset it (unset {DATA_ENV_VAR}) "
                "to use the repository's data/ folder"
            )
        return Path(env).expanduser()
    if IN_REPOSITORY:
        return ROOT / "data"
    work = Path.cwd() / WORK_FOLDER
    copied = fill_data_folder(work, SHIPPED_DATA)
    if copied:
        print(
            f"{display_path(work)}/: this notebook's data folder (the series' package is installed, and writes nothing "
            f"into it): {names_in(p.name for p in copied)} copied here from the package"
        )
    return work


def file_error(path: Path, problem: str) -> DataFileError:
    """The error for a file that cannot be read as it should: its path, the problem, and the notebook to re-run."""
    producer = PRODUCERS.get(Path(path).name, "the notebook that wrote it")
    return DataFileError(
        f"{display_path(path)}: {problem}. This file is written by {producer}: run it again to recreate it."
    )


def refused_save(path: Path, problem: str) -> DataFileError:
    """The error for data refused before anything is written: its path and the problem."""
    return DataFileError(f"{display_path(path)}: refused to save: {problem}. Nothing was written.")


def os_error_cause(e: OSError) -> str:
    """What went wrong in a failed write, in words: "no space left on the disk", "the file system is read-only"."""
    causes = {
        errno.EACCES: "permission denied: the folder is not writable",
        errno.EPERM: "permission denied: the folder is not writable",
        errno.EROFS: "the file system is read-only",
        errno.ENOSPC: "no space left on the disk",
        errno.EDQUOT: "disk quota exceeded",
        errno.ENOTDIR: "a part of the folder's path is a file, not a folder",
        errno.EISDIR: "the target is a folder",
    }
    return causes.get(e.errno, e.strerror or e.__class__.__name__)


def write_error(target: Path, e: OSError) -> DataFileError:
    """The error for a failed write: the target, the cause in words, and that nothing was changed."""
    return DataFileError(
        f"{display_path(target)}: cannot be written ({os_error_cause(e)}). Nothing was changed: a previous version of "
        f"the file, if any, is intact. Free some space or point DATA_DIR at a folder you can write to."
    )


def check_writable(folder: str | os.PathLike) -> Path:
    """Make sure files can be written in ``folder`` (created if missing) by writing and removing a probe file.

    Call it in a notebook's first cells, so a read-only folder or a full disk stops it before the training, not
    after. Raises a ``DataFileError`` naming the folder and the cause.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise DataFileError(f"{display_path(folder)}: cannot write in it: it is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=folder, prefix=".il-write-check.", suffix=".tmp")
        try:
            os.write(fd, b"write check\n")
            os.fsync(fd)
        finally:
            os.close(fd)
            Path(probe).unlink(missing_ok=True)
    except OSError as e:
        raise DataFileError(
            f"{display_path(folder)}: cannot write in this folder ({os_error_cause(e)}). Point DATA_DIR at a folder "
            "you can write to, or free some space."
        ) from None
    return folder


def write_atomically(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole or not at all: into a temporary file of its own beside ``path`` (a name no
    other writer uses), flushed to disk, then renamed over ``path`` in one step.

    Any failure (a full disk, a read-only folder, an interruption) removes the temporary file and leaves a previous
    ``path`` untouched; an ``OSError`` becomes a ``DataFileError`` naming ``path`` and the cause.
    """
    path = Path(path)
    try:
        _replace(path, data)
    except OSError as e:
        raise write_error(path, e) from None  # the OSError names the hidden temporary file: not shown
    return path


def _replace(path: Path, data: bytes) -> None:
    """``write_atomically`` without the error message: an ``OSError`` propagates."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_save(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    """``torch.save`` ``obj`` to ``path`` atomically (``write_atomically``); a failure leaves a previous ``path``."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)  # serialise first: a failure here touches no file
    return write_atomically(path, buffer.getvalue())


def fill_data_folder(folder: str | os.PathLike, source: str | os.PathLike) -> list[Path]:
    """Copy into ``folder`` each ``.pt`` file of ``source`` that ``folder`` lacks; return the copies made.

    Each copy is written atomically (``write_atomically``), so two runs filling one folder at once never collide and
    a failed copy leaves no partial file; a failure raises a ``DataFileError`` naming both files and the cause.
    """
    folder, source = Path(folder), Path(source)
    copied = []
    for src in sorted(source.glob("*.pt")):
        target = folder / src.name
        if target.exists():
            continue
        try:
            _replace(target, src.read_bytes())
        except OSError as e:
            raise DataFileError(
                f"cannot copy {display_path(src)} to {display_path(target)} ({os_error_cause(e)}); nothing was left "
                "half-copied"
            ) from None
        copied.append(target)
    return copied


# ---------------------------------------------------------------- reading


def _not_a_torch_zip(blob: bytes) -> str | None:
    """Why ``blob`` is not what ``torch.save`` writes (a zip archive of a sane unpacked size), or None if it is.

    torch.save writes zip archives, stored uncompressed; torch.load also reads compressed ones and allocates what
    their directory declares, so a 100 KiB file could unpack to gigabytes: the declared sizes are checked first.
    """
    if not blob:
        return "it is empty, 0 bytes: truncated or corrupt"
    try:
        with zipfile.ZipFile(io.BytesIO(blob)) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return "it is not a zip archive as torch.save writes: truncated or corrupt, or another format"
    if unpacked > MAX_FILE_BYTES:
        return f"its archive unpacks to more than {MAX_FILE_BYTES // 2**20} MiB"
    return None


def _short(e: Exception) -> str:
    """The first line of an exception (torch's advice to load with weights_only=False, unsafe here, comes only with
    the ``UnpicklingError`` that ``safe_load`` words itself)."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    if not text or len(text) > 200:
        return e.__class__.__name__
    return f"{e.__class__.__name__}: {text}"


def safe_load(path: str | os.PathLike) -> dict[str, Any]:
    """Load a ``.pt`` dictionary with ``weights_only=True``, after checking the file's size and archive; any failure
    becomes a ``DataFileError`` naming the file and the notebook that writes it."""
    path = Path(path)
    if path.is_dir():
        raise file_error(path, "is a folder, not a file")
    if not path.is_file():
        raise file_error(path, "file not found")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise file_error(path, f"refused unread: {size / 2**20:.0f} MiB, larger than any file this series writes")
        blob = path.read_bytes()
    except OSError as e:
        raise file_error(path, f"cannot be read ({e.strerror or e.__class__.__name__})") from e
    why = _not_a_torch_zip(blob)
    if why is not None:
        raise file_error(path, f"refused unread: not a tensor file written by this series ({why})")
    try:
        obj = torch.load(io.BytesIO(blob), weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as e:
        if "global" in str(e).lower():  # a class or function, not tensors
            raise file_error(
                path,
                "refused: it holds pickled Python objects, not only tensors and plain values (they could run code)",
            ) from None
        raise file_error(
            path, "refused: its contents are not a pickle torch's safe loader accepts (truncated or corrupt)"
        ) from None
    except Exception as e:  # a damaged archive, a tensor pointing outside its storage, ...
        raise file_error(path, f"cannot be read, the file is truncated or corrupt ({_short(e)})") from None
    if not isinstance(obj, dict):
        raise file_error(path, f"expected a dictionary, found {type(obj).__name__}")
    return obj


def _check_fields(
    path: Path,
    obj: dict[str, Any],
    kind: str,
    allowed: tuple[str, ...],
    what: str,
    fail: Callable[[Path, str], DataFileError] = file_error,
) -> None:
    if obj.get("kind") != kind:
        raise fail(path, f"not a {what} file (its 'kind' is {obj.get('kind')!r}, expected {kind!r})")
    extra = [k for k in obj if k not in allowed]
    if extra:
        raise fail(path, f"unexpected field(s) {names_in(map(str, extra))}; a {what} file holds {names_in(allowed)}")
    if not isinstance(obj.get("meta", {}), dict):
        raise fail(path, f"'meta' must be a dictionary, found {type(obj['meta']).__name__}")


def _check_tensor(
    path: Path,
    name: str,
    t: Any,
    dtype: torch.dtype,
    shape: tuple[int | None, ...],
    fail: Callable[[Path, str], DataFileError] = file_error,
) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise fail(path, f"'{name}' is missing or not a tensor")
    if t.layout != torch.strided:
        raise fail(path, f"'{name}' is a {t.layout} tensor, expected an ordinary (strided) one")
    if t.dtype != dtype:
        raise fail(path, f"'{name}' has dtype {t.dtype}, expected {dtype}")
    if t.dim() != len(shape) or any(
        want is not None and got != want for got, want in zip(t.shape, shape, strict=False)
    ):
        want = "[" + ", ".join("N" if s is None else str(s) for s in shape) + "]"
        raise fail(path, f"'{name}' has shape {list(t.shape)}, expected {want}")
    if t.is_floating_point() and not torch.isfinite(t).all():
        raise fail(path, f"'{name}' contains NaN or inf")
    return t


# ---------------------------------------------------------------- policies


def save_policy(policy: PolicyNet, path: str | os.PathLike, **meta: Any) -> Path:
    """Save a ``PolicyNet``'s weights and size (plus plain metadata) atomically."""
    return atomic_save(
        {"kind": "policy", "hidden": policy.hidden, "state_dict": policy.state_dict(), "meta": meta}, path
    )


def load_policy(path: str | os.PathLike) -> nn.Module:
    """Load any policy a notebook saved: a module mapping float32 states [N, 4] to logits [N, 2].

    Every field is checked (kind, ``hidden`` in [1, 4096], the exact set of weight names, each one's shape, dtype
    and finiteness, ``meta`` a dictionary) before the network is built.
    """
    path = Path(path)
    obj = safe_load(path)
    _check_fields(path, obj, "policy", POLICY_FIELDS, "policy")
    hidden = obj.get("hidden")
    try:
        HIDDEN_RULE.check("'hidden'", hidden)
    except ParameterError as e:
        raise file_error(path, str(e)) from None
    state = obj.get("state_dict")
    if not isinstance(state, dict):
        raise file_error(path, f"'state_dict' must be a dictionary of tensors, found {type(state).__name__}")
    policy = PolicyNet(hidden)  # small: hidden is at most 4096
    reference = policy.state_dict()
    unexpected = [str(k) for k in state if k not in reference]
    missing = [k for k in reference if k not in state]
    if unexpected or missing:
        parts = ([f"unexpected key(s) {names_in(unexpected)}"] if unexpected else []) + (
            [f"missing key(s) {names_in(missing)}"] if missing else []
        )
        raise file_error(path, f"'state_dict' does not match a PolicyNet(hidden={hidden}): {'; '.join(parts)}")
    for name, ref in reference.items():
        _check_tensor(path, name, state[name], ref.dtype, tuple(ref.shape))
    policy.load_state_dict(state)
    policy.meta = obj.get("meta", {})
    return policy.eval()


# ---------------------------------------------------------------- demonstrations


def save_demos(
    states: torch.Tensor,
    actions: torch.Tensor,
    path: str | os.PathLike,
    terminated: torch.Tensor | None = None,
    **meta: Any,
) -> Path:
    """Save demonstration pairs atomically, after checking them: CartPole's states float32 [N, 4] and actions int64
    [N, 1]; with ``env_id="Pendulum-v1"`` in ``meta``, states [N, 3] and torques float32 [N, 1] (``DEMO_LAYOUTS``)."""
    path = Path(path)
    if terminated is None:
        terminated = torch.zeros(len(states), dtype=torch.bool)
    obj = {"kind": "demos", "states": states, "actions": actions, "terminated": terminated, "meta": meta}
    validate_demos(path, obj, fail=refused_save, env_id=meta.get("env_id", ENV_ID))
    return atomic_save(obj, path)


def validate_demos(
    path: Path,
    obj: dict[str, Any],
    n: int | None = None,
    fail: Callable[[Path, str], DataFileError] = file_error,
    env_id: str = ENV_ID,
) -> dict[str, Any]:
    """Check demonstration data (kind, fields, the environment, shapes, dtypes, finite states within that
    environment's range, actions 0 or 1 for CartPole, torques within ±2 N·m for Pendulum); return its fields, or raise
    ``fail(path, problem)`` (a load's ``file_error``, a save's ``refused_save``)."""
    layout = DEMO_LAYOUTS.get(env_id)
    if layout is None:
        raise ValueError(f"no demonstration layout for {env_id!r}; known: {names_in(DEMO_LAYOUTS)}")
    _check_fields(path, obj, "demos", DEMO_FIELDS, "demonstrations", fail)
    recorded = obj.get("meta", {}).get("env_id", ENV_ID)
    if recorded != env_id:
        raise fail(path, f"holds demonstrations of {recorded!r}, not of {env_id!r}")
    states = obj.get("states")
    states = _check_tensor(path, "states", states, torch.float32, (n, len(layout.state_bounds)), fail)
    action_dtype = torch.float32 if layout.continuous else torch.int64
    actions = _check_tensor(path, "actions", obj.get("actions"), action_dtype, (len(states), 1), fail)
    term = _check_tensor(path, "terminated", obj.get("terminated"), torch.bool, (len(states),), fail)
    if len(states) == 0:
        raise fail(path, "holds no demonstration pairs")
    for column, (name, bound, why) in enumerate(layout.state_bounds):
        values = states[:, column]
        row = int(values.abs().argmax())
        if abs(float(values[row])) > bound:
            raise fail(
                path,
                f"'states' column {column} ({name}) holds {float(values[row]):.3g} at row {row}, outside the range "
                f"a {env_id.split('-')[0]} state can have: ±{bound:g} ({why})",
            )
    if layout.continuous:
        off_circle = (states[:, 0] ** 2 + states[:, 1] ** 2 - 1).abs()
        if float(off_circle.max()) > UNIT_CIRCLE_TOL:
            row = int(off_circle.argmax())
            raise fail(path, f"'states' row {row}: columns 0 and 1 are not cos θ and sin θ (cos² + sin² ≠ 1)")
        largest = float(actions.abs().max())
        if largest > layout.action_bound:
            raise fail(
                path,
                f"'actions' holds a torque of {largest:.3g} N·m, beyond the ±{layout.action_bound:g} the environment "
                "applies (demonstrations record the applied, clipped torque)",
            )
    elif not ((actions == 0) | (actions == 1)).all():
        raise fail(path, "'actions' must be 0 or 1 (CartPole's two actions)")
    return {"states": states, "actions": actions, "terminated": term, "meta": obj.get("meta", {})}


def load_demos(path: str | os.PathLike, n: int | None = None, env_id: str = ENV_ID) -> dict[str, Any]:
    """Load demonstrations: a dict with states [N, 4] float32, actions [N, 1] int64, terminated [N] bool, meta.

    ``n`` requires exactly that many pairs (the expert's demonstration has 200). States must lie within
    ``STATE_BOUNDS`` (far outside them a file is damaged or hostile, not a CartPole recording). With
    ``env_id="Pendulum-v1"`` (notebook 07): states [N, 3] (cos θ, sin θ, θ̇) and torques float32 [N, 1] within
    ±2 N·m, the layout ``DEMO_LAYOUTS`` gives.
    """
    path = Path(path)
    return validate_demos(path, safe_load(path), n, env_id=env_id)


# ---------------------------------------------------------------- a notebook's first cells

LOADERS = {
    EXPERT_POLICY: load_policy,
    GAIL_POLICY: load_policy,
    BC_POLICY: load_policy,
    EXPERT_DEMOS: load_demos,
    PENDULUM_DEMOS: functools.partial(load_demos, env_id=PENDULUM_ID),
    YOUR_DEMOS: load_demos,
}
"""How each data file of the series is read (``check_data_files`` uses it)."""


# Why 99%. Notebook 02 records the expert's greedy actions, so a demonstration and its own expert agree on every
# state: the committed pair on 200 of 200, and so did each of 8 experts trained for this check (seeds 0-3 with
# HABIT_X = 1.0, seeds 0-1 with None and with -1.0) on its own demonstration. On the committed demonstration's states
# the expert's two logits are at least 0.002 apart, far beyond what another CPU's rounding could flip. The other
# experts agreed with a demonstration not their own on 160-193 of 200 states (same HABIT_X) and on 100-176 (another
# HABIT_X). 198 of 200 leaves room on both sides.
DEMO_AGREEMENT = 0.99
"""Least share of a greedy demonstration's states on which its expert's greedy action is the demonstrated one."""


def check_demos_match_expert(demos: dict[str, Any], expert: nn.Module, demos_path: Path, expert_path: Path) -> None:
    """Raise a ``DataFileError`` if the demonstrations were not recorded from this expert.

    Both files record ``meta.habit_x`` (where notebook 01 paid the expert to keep the cart), and greedy
    demonstrations hold the expert's own choices: argmax_a pi_E(a|s) must be the demonstrated action on at least
    ``DEMO_AGREEMENT`` of the demo's states. A mismatch means notebook 01 was re-run (another habit, another seed)
    and notebook 02 was not, so GAIL would learn from one expert and be judged against another.
    """
    demo_meta, expert_meta = demos.get("meta", {}), getattr(expert, "meta", {}) or {}
    habits = None
    if "habit_x" in demo_meta and "habit_x" in expert_meta and demo_meta["habit_x"] != expert_meta["habit_x"]:
        habits = (
            f"the demonstrations were recorded from an expert trained with HABIT_X = {demo_meta['habit_x']!r}, "
            f"but this expert was trained with HABIT_X = {expert_meta['habit_x']!r} (their meta.habit_x)"
        )
    actions = None
    if demo_meta.get("action_selection", "greedy") == "greedy":  # sampled demonstrations differ from argmax anyway
        with torch.no_grad():
            greedy = expert(demos["states"]).argmax(-1)
        same, n = int((greedy == demos["actions"].reshape(-1)).sum()), len(greedy)
        if same < DEMO_AGREEMENT * n:
            actions = f"greedy action is the demonstrated one on only {same} of the {n} states"
    if habits is None and actions is None:
        return
    if habits is None:
        reason = (
            f"the expert's {actions}, so they come from another expert (a demonstration of this one matches on all)"
        )
    else:
        reason = habits + (f", and its {actions}" if actions else "")
    raise DataFileError(
        f"{display_path(demos_path)} and {display_path(expert_path)} do not belong together: {reason}. "
        f"Run {PRODUCERS[EXPERT_DEMOS]} again: it records the demonstrations from the expert in {expert_path.name} "
        f"(which {PRODUCERS[EXPERT_POLICY]} writes)."
    )


def _file_in_the_way(folder: Path) -> Path | None:
    """``folder`` itself, or the folder above it, that exists as a file (so ``folder`` cannot be one); else None."""
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def check_data_files(folder: str | os.PathLike, reads: Iterable[str] = (), writes: Iterable[str] = ()) -> Path:
    """Check, before any work, that every file a notebook ``reads`` in ``folder`` loads and passes its checks,
    that the expert's demonstrations come from the expert (``check_demos_match_expert``, when it reads both),
    and that the files it ``writes`` can be written there; return ``folder``.

    The first problem raises a ``DataFileError`` naming the file (and the notebook that writes it) or the folder
    and the cause: a notebook calls this in its first cells, so it fails before training, not at its last cell.
    """
    folder = Path(folder)
    in_the_way = _file_in_the_way(folder)
    if in_the_way is not None:
        what = "is a file" if in_the_way == folder else f"cannot exist: {display_path(in_the_way)} is a file"
        raise DataFileError(
            f"{display_path(folder)}: the data folder {what}, not a folder. Point DATA_DIR (or ${DATA_ENV_VAR}) at "
            "the folder that holds the series' .pt files, or set DATA_DIR = None for the repository's data/."
        )
    loaded = {name: LOADERS[name](folder / name) for name in reads}
    if EXPERT_DEMOS in loaded and EXPERT_POLICY in loaded:
        check_demos_match_expert(
            loaded[EXPERT_DEMOS], loaded[EXPERT_POLICY], folder / EXPERT_DEMOS, folder / EXPERT_POLICY
        )
    writes = list(writes)
    if writes:
        check_writable(folder)
        for name in writes:
            if (folder / name).is_dir():
                raise DataFileError(f"{display_path(folder / name)}: cannot be written: it is a folder")
    return folder
