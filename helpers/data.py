"""Saving and loading the ``.pt`` files that pass between notebooks, safely.

Every load uses ``torch.load(..., weights_only=True)`` (no pickled code runs), then checks keys,
shapes, dtypes and finiteness; every save writes a temporary file and renames it, so an
interrupted write never leaves half a file behind. Errors name the file and the notebook that
writes it.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

from helpers.env import OBS_DIM
from helpers.networks import PolicyNet

ROOT = Path(__file__).resolve().parent.parent
DATA_ENV_VAR = "IL_DATA_DIR"

EXPERT_POLICY = "expert_policy.pt"
EXPERT_DEMOS = "expert_demos.pt"
GAIL_POLICY = "gail_policy.pt"
BC_POLICY = "bc_policy.pt"

# Which notebook writes which file, so an error can say what to re-run.
PRODUCERS = {
    EXPERT_POLICY: "notebooks/01_ppo_expert.ipynb",
    EXPERT_DEMOS: "notebooks/02_expert_demonstrations.ipynb",
    GAIL_POLICY: "notebooks/04_gail.ipynb",
    BC_POLICY: "notebooks/04_gail.ipynb",
}


class DataFileError(ValueError):
    """A data file is missing, unreadable or not what the notebooks expect."""


def data_dir() -> Path:
    """The data folder: ``$IL_DATA_DIR`` if set (the tests point it at a temporary copy), else ``data/``."""
    return Path(os.environ.get(DATA_ENV_VAR, ROOT / "data"))


def _fail(path: Path, problem: str) -> DataFileError:
    producer = PRODUCERS.get(Path(path).name, "the notebook that wrote it")
    return DataFileError(f"{path}: {problem}. This file is written by {producer}: run it again to recreate it.")


def atomic_save(obj: dict[str, Any], path: str | os.PathLike) -> Path:
    """``torch.save`` to a temporary file beside ``path``, then rename it over ``path`` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; a data file is an ordinary file
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def safe_load(path: str | os.PathLike) -> dict[str, Any]:
    """Load a ``.pt`` dictionary with ``weights_only=True``; any failure becomes a ``DataFileError``."""
    path = Path(path)
    if not path.is_file():
        raise _fail(path, "file not found")
    try:
        obj = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as e:
        if "unsupported global" in str(e).lower():  # a class or function, not tensors
            raise _fail(path, "refused: it holds pickled Python objects, not only tensors and plain values") from e
        raise _fail(path, f"cannot be read, the file is truncated or corrupt ({e})") from e
    except Exception as e:  # truncated zip, random bytes, ...
        raise _fail(path, f"cannot be read, the file is truncated or corrupt ({e.__class__.__name__}: {e})") from e
    if not isinstance(obj, dict):
        raise _fail(path, f"expected a dictionary, found {type(obj).__name__}")
    return obj


def _check_tensor(path: Path, name: str, t: Any, dtype: torch.dtype, shape: tuple[int | None, ...]) -> torch.Tensor:
    if not isinstance(t, torch.Tensor):
        raise _fail(path, f"'{name}' is missing or not a tensor")
    if t.dtype != dtype:
        raise _fail(path, f"'{name}' has dtype {t.dtype}, expected {dtype}")
    if t.dim() != len(shape) or any(
        want is not None and got != want for got, want in zip(t.shape, shape, strict=False)
    ):
        want = "[" + ", ".join("N" if s is None else str(s) for s in shape) + "]"
        raise _fail(path, f"'{name}' has shape {list(t.shape)}, expected {want}")
    if t.is_floating_point() and not torch.isfinite(t).all():
        raise _fail(path, f"'{name}' contains NaN or inf")
    return t


# ---------------------------------------------------------------- policies


def save_policy(policy: PolicyNet, path: str | os.PathLike, **meta: Any) -> Path:
    """Save a ``PolicyNet``'s weights and size (plus plain metadata) atomically."""
    return atomic_save(
        {"kind": "policy", "hidden": policy.hidden, "state_dict": policy.state_dict(), "meta": meta}, path
    )


def load_policy(path: str | os.PathLike) -> nn.Module:
    """Load any policy a notebook saved: a module mapping float32 states [N, 4] to logits [N, 2]."""
    path = Path(path)
    obj = safe_load(path)
    if (
        obj.get("kind") != "policy"
        or not isinstance(obj.get("hidden"), int)
        or not isinstance(obj.get("state_dict"), dict)
    ):
        raise _fail(path, "not a policy file (expected keys 'kind', 'hidden', 'state_dict')")
    policy = PolicyNet(obj["hidden"])
    expected = policy.state_dict()
    for name, ref in expected.items():
        _check_tensor(path, name, obj["state_dict"].get(name), ref.dtype, tuple(ref.shape))
    policy.load_state_dict(obj["state_dict"])
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
    """Save demonstration pairs (states float32 [N, 4], actions int64 [N, 1]) atomically, after checking them."""
    path = Path(path)
    if terminated is None:
        terminated = torch.zeros(len(states), dtype=torch.bool)
    obj = {"kind": "demos", "states": states, "actions": actions, "terminated": terminated, "meta": meta}
    _validate_demos(path, obj)
    return atomic_save(obj, path)


def _validate_demos(path: Path, obj: dict[str, Any], n: int | None = None) -> dict[str, Any]:
    states = _check_tensor(path, "states", obj.get("states"), torch.float32, (n, OBS_DIM))
    actions = _check_tensor(path, "actions", obj.get("actions"), torch.int64, (len(states), 1))
    term = _check_tensor(path, "terminated", obj.get("terminated"), torch.bool, (len(states),))
    if len(states) == 0:
        raise _fail(path, "holds no demonstration pairs")
    if not ((actions == 0) | (actions == 1)).all():
        raise _fail(path, "'actions' must be 0 or 1 (CartPole's two actions)")
    return {"states": states, "actions": actions, "terminated": term, "meta": obj.get("meta", {})}


def load_demos(path: str | os.PathLike, n: int | None = None) -> dict[str, Any]:
    """Load demonstrations: a dict with states [N, 4] float32, actions [N, 1] int64, terminated [N] bool, meta.

    ``n`` requires exactly that many pairs (the expert's demonstration has 200).
    """
    path = Path(path)
    return _validate_demos(path, safe_load(path), n)
