"""The expert's demonstration as a Minari dataset (Farama's standard for offline RL and imitation data), and back.

A Minari dataset is a folder ``<MINARI_DATASETS_PATH>/<dataset id>/data/`` holding ``metadata.json`` (the spaces,
the environment's spec, the authors, ...) and ``main_data.hdf5`` (one group per episode: ``observations`` [T + 1],
``actions``, ``rewards``, ``terminations``, ``truncations`` [T]). ``minari.load_dataset(id)`` reads it back from
``$MINARI_DATASETS_PATH``, ``minari.MinariDataset(path)`` from its ``data/`` folder; each episode is an
``EpisodeData`` with those fields. Everything here is local: nothing is downloaded or uploaded.

As with the ``.pt`` files (``helpers.files.data``), the dataset is written atomically (into a temporary folder beside
the target, then renamed into place: a reader finds the old dataset or the new one, never half of one) and read with
care: the files' layout and sizes are checked first, any failure of Minari's reader becomes a ``DataFileError``
naming the dataset and the notebook that writes it, and the episode's arrays pass the same checks as
``load_demos``'s (shapes, dtypes, finite values within a CartPole's range, actions 0 or 1).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from helpers.core.env import ENV_ID, HABIT_X, MAX_STEPS, cartpole_step, habit_reward
from helpers.files.data import (
    MAX_FILE_BYTES,
    MINARI_DEMOS,
    file_error,
    refused_save,
    validate_demos,
    write_error,
)

MINARI_DATASET = MINARI_DEMOS
"""The dataset's id (Minari's ``dataset_name-v<version>``), and the name of its folder."""
MINARI_FOLDER = "minari"
"""The folder, inside the data folder, that plays the part of ``$MINARI_DATASETS_PATH``."""
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
"""The first 8 bytes of every HDF5 file."""


def dataset_path(root: str | os.PathLike, dataset_id: str = MINARI_DATASET) -> Path:
    """The dataset's folder, ``root/<dataset_id>`` (``root`` plays ``$MINARI_DATASETS_PATH``)."""
    return Path(root) / dataset_id


def save_minari_demos(
    demos: dict[str, Any], root: str | os.PathLike, dataset_id: str = MINARI_DATASET, **meta: Any
) -> Path:
    """Write ``demos`` (``load_demos`` output, one episode) as a Minari dataset under ``root``; return its folder.

    Minari stores T + 1 observations per episode: the last one, s_T, which the demos do not keep, is recomputed from
    CartPole's equations. The rewards are what notebook 01 paid the expert (``habit_reward`` of the cart's position
    after each push); imitation reads none of them. An existing dataset of that id is replaced, atomically.
    """
    import minari  # imported here: only notebook 06 and its tests need it
    from minari.data_collector import EpisodeBuffer

    target = dataset_path(root, dataset_id)
    validate_demos(target, {"kind": "demos", **demos}, fail=refused_save)
    states = demos["states"].numpy().astype(np.float32)
    actions = demos["actions"].reshape(-1).numpy().astype(np.int64)
    terminated = demos["terminated"].numpy().astype(bool)
    habit_x = demos.get("meta", {}).get("habit_x", HABIT_X)
    last = cartpole_step(states[-1:], actions[-1:])
    observations = np.concatenate([states, last]).astype(np.float32)
    rewards = np.asarray(habit_reward(observations[1:, 0].astype(np.float64), habit_x), dtype=np.float64)
    truncated = np.zeros(len(actions), bool)
    truncated[-1] = not terminated[-1]
    episode = EpisodeBuffer(
        id=0,
        observations=observations,
        actions=actions,
        rewards=rewards,
        terminations=terminated,
        truncations=truncated,
        infos={},
    )
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp_root = Path(tempfile.mkdtemp(dir=root, prefix=".minari-", suffix=".tmp"))
    except OSError as e:
        raise write_error(target, e) from None
    before = os.environ.get("MINARI_DATASETS_PATH")
    try:
        os.environ["MINARI_DATASETS_PATH"] = str(tmp_root)  # Minari writes under $MINARI_DATASETS_PATH
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # no author e-mail, no code permalink: said in metadata
            import gymnasium as gym

            minari.create_dataset_from_buffers(
                dataset_id=dataset_id,
                buffer=[episode],
                env=gym.spec(ENV_ID),
                algorithm_name="greedy PPO expert with a habit (notebooks 01 and 02)",
                author="Imitation Learning, step by step",
                description=(
                    f"One greedy episode of a PPO expert on {ENV_ID} capped at {MAX_STEPS} steps, paid "
                    f"r = 1 - 0.25 * min(|x - {habit_x}|, 2) (its habit: the cart near x = {habit_x}). "
                    + json.dumps({k: v for k, v in meta.items()}, default=str)
                ),
            )
        for f in (tmp_root / dataset_id / "data").iterdir():
            with open(f, "rb") as handle:
                os.fsync(handle.fileno())
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=root, prefix=".minari-old-", suffix=".tmp"))
            os.replace(target, old / "dataset")
        os.replace(tmp_root / dataset_id, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as e:
        raise write_error(target, e) from None
    finally:
        if before is None:
            os.environ.pop("MINARI_DATASETS_PATH", None)
        else:
            os.environ["MINARI_DATASETS_PATH"] = before
        shutil.rmtree(tmp_root, ignore_errors=True)
    return target


def _check_layout(path: Path) -> Path:
    """The dataset's ``data/`` folder, after checking its two files exist, are of a sane size and look right."""
    if not path.exists():
        raise file_error(path, "dataset not found")
    data = path / "data"
    if not data.is_dir():
        raise file_error(path, "not a Minari dataset: it has no data/ folder")
    meta_file, main = data / "metadata.json", data / "main_data.hdf5"
    for f in (meta_file, main):
        if not f.is_file():
            raise file_error(path, f"not a complete Minari dataset: data/{f.name} is missing")
        if f.stat().st_size > MAX_FILE_BYTES:
            raise file_error(path, f"refused unread: data/{f.name} is larger than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        metadata = json.loads(meta_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise file_error(path, f"data/metadata.json is not readable JSON ({e.__class__.__name__})") from None
    if not isinstance(metadata, dict) or metadata.get("data_format") != "hdf5":
        raise file_error(path, "data/metadata.json does not describe an HDF5 Minari dataset")
    with open(main, "rb") as f:
        if f.read(8) != HDF5_MAGIC:
            raise file_error(path, "data/main_data.hdf5 is not an HDF5 file (truncated or corrupt)")
    return data


def load_minari_demos(root: str | os.PathLike, dataset_id: str = MINARI_DATASET) -> dict[str, Any]:
    """Read a one-episode Minari dataset written by ``save_minari_demos`` back as demos (as ``load_demos`` gives).

    Checks the folder's layout, reads it with Minari (``minari.MinariDataset``), then requires one episode of at
    most a few thousand steps with CartPole's spaces, T + 1 observations for T actions, and passes the pairs
    through ``load_demos``'s checks. Any problem raises a ``DataFileError`` naming the dataset.
    """
    import gymnasium as gym
    import minari

    path = dataset_path(root, dataset_id)
    data = _check_layout(path)
    try:
        dataset = minari.MinariDataset(data)
        n_episodes = len(dataset)
        episode = dataset[0] if n_episodes == 1 else None
    except Exception as e:  # Minari or h5py refused the files: say so, with the cause
        raise file_error(
            path, f"Minari cannot read it, the files are truncated or corrupt ({e.__class__.__name__})"
        ) from None
    if n_episodes != 1:
        raise file_error(path, f"holds {n_episodes} episodes, expected the demonstration's one")
    if not (isinstance(dataset.observation_space, gym.spaces.Box) and dataset.observation_space.shape == (4,)):
        raise file_error(
            path, f"its observation space is {dataset.observation_space}, not CartPole's Box of shape (4,)"
        )
    if dataset.action_space != gym.spaces.Discrete(2):
        raise file_error(path, f"its action space is {dataset.action_space}, not CartPole's Discrete(2)")
    obs, actions = np.asarray(episode.observations), np.asarray(episode.actions)
    if obs.ndim != 2 or obs.shape[1:] != (4,) or obs.dtype != np.float32:
        raise file_error(
            path, f"its observations have shape {list(obs.shape)} and dtype {obs.dtype}, expected [T + 1, 4] float32"
        )
    if actions.ndim != 1 or len(actions) != len(obs) - 1 or not np.issubdtype(actions.dtype, np.integer):
        raise file_error(
            path, f"its actions have shape {list(actions.shape)}, expected [T] integers, T = {len(obs) - 1}"
        )
    terminations = np.asarray(episode.terminations)
    if terminations.shape != actions.shape:
        raise file_error(path, "its terminations do not match its actions in length")
    obj = {
        "kind": "demos",
        "states": torch.from_numpy(obs[:-1].copy()),
        "actions": torch.from_numpy(actions.astype(np.int64)).reshape(-1, 1),
        "terminated": torch.from_numpy(terminations.astype(bool)),
        "meta": {"source": "minari", "dataset_id": dataset_id},
    }
    return validate_demos(path, obj)
