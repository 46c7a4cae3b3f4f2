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
from helpers.core.pendulum import MAX_TORQUE, PENDULUM_ID, TILT, TILT_WEIGHT, pendulum_step
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
MAX_EPISODES = 1000
"""Most episodes a dataset read back may hold (notebook 07 writes a few)."""
"""The first 8 bytes of every HDF5 file."""


def dataset_path(root: str | os.PathLike, dataset_id: str = MINARI_DATASET) -> Path:
    """The dataset's folder, ``root/<dataset_id>`` (``root`` plays ``$MINARI_DATASETS_PATH``)."""
    return Path(root) / dataset_id


def _cartpole_episodes(
    demos: dict[str, Any], meta: dict[str, Any], target: Path
) -> tuple[list[dict[str, np.ndarray]], str, str]:
    """Notebook 02's one CartPole episode for Minari (its last observation recomputed), its description, its maker."""
    states = demos["states"].numpy().astype(np.float32)
    actions = demos["actions"].reshape(-1).numpy().astype(np.int64)
    terminated = demos["terminated"].numpy().astype(bool)
    habit_x = demos.get("meta", {}).get("habit_x", HABIT_X)
    last = cartpole_step(states[-1:], actions[-1:])
    observations = np.concatenate([states, last]).astype(np.float32)
    rewards = np.asarray(habit_reward(observations[1:, 0].astype(np.float64), habit_x), dtype=np.float64)
    truncated = np.zeros(len(actions), bool)
    truncated[-1] = not terminated[-1]
    episode = {"observations": observations, "actions": actions, "rewards": rewards}
    episode |= {"terminations": terminated, "truncations": truncated}
    description = (
        f"One greedy episode of a PPO expert on {ENV_ID} capped at {MAX_STEPS} steps, paid "
        f"r = 1 - 0.25 * min(|x - {habit_x}|, 2) (its habit: the cart near x = {habit_x}). "
        + json.dumps(dict(meta.items()), default=str)
    )
    return [episode], description, "greedy PPO expert with a habit (notebooks 01 and 02)"


def _pendulum_episodes(
    demos: dict[str, Any], meta: dict[str, Any], target: Path
) -> tuple[list[dict[str, np.ndarray]], str, str]:
    """Notebook 07's Pendulum episodes for Minari (each one's last observation and its rewards recomputed from
    Pendulum's equations: the demos keep neither), their description, their maker."""
    demo_meta = demos.get("meta", {})
    n_episodes, tilt = int(demo_meta.get("episodes", 1)), demo_meta.get("tilt", TILT)
    states = demos["states"].numpy().astype(np.float32)
    actions = demos["actions"].numpy().astype(np.float32)
    if n_episodes < 1 or len(states) % n_episodes:
        raise refused_save(target, f"its {len(states)} pairs do not split into {n_episodes} episodes of equal length")
    episodes = []
    for ep_states, ep_actions in zip(np.split(states, n_episodes), np.split(actions, n_episodes), strict=True):
        last, _ = pendulum_step(ep_states[-1:], ep_actions[-1:])
        _, rewards = pendulum_step(ep_states, ep_actions, tilt)
        truncated = np.zeros(len(ep_actions), bool)
        truncated[-1] = True  # Pendulum never terminates: its 200-step limit ends every episode
        episodes.append(
            {
                "observations": np.concatenate([ep_states, last]).astype(np.float32),
                "actions": ep_actions,
                "rewards": rewards.astype(np.float64),
                "terminations": np.zeros(len(ep_actions), bool),
                "truncations": truncated,
            }
        )
    description = (
        f"{n_episodes} greedy episodes of a PPO expert (Gaussian policy) on {PENDULUM_ID}, paid "
        f"r = -((d)^2 + {TILT_WEIGHT:g} |d| + 0.1 theta_dot^2 + 0.001 u^2), d = theta - {tilt} wrapped to [-pi, pi) "
        f"(its habit: the pendulum held at a tilt of {tilt} rad). The actions are the applied torques. "
        + json.dumps(dict(meta.items()), default=str)
    )
    return episodes, description, "greedy PPO expert with a tilt (notebook 07)"


def save_minari_demos(
    demos: dict[str, Any], root: str | os.PathLike, dataset_id: str = MINARI_DATASET, **meta: Any
) -> Path:
    """Write ``demos`` (``load_demos`` output) as a Minari dataset under ``root``; return its folder.

    Minari stores T + 1 observations per episode: the last one, s_T, which the demos do not keep, is recomputed from
    the environment's equations. CartPole (notebook 06): one episode, the rewards what notebook 01 paid the expert
    (``habit_reward`` of the cart's position after each push). Pendulum (demos whose ``meta["env_id"]`` is
    ``Pendulum-v1``, notebook 07): ``meta["episodes"]`` episodes of equal length, the rewards what the expert was paid
    for its tilt. Imitation reads none of the rewards. An existing dataset of that id is replaced, atomically.
    """
    import minari  # imported here: only notebooks 06 and 07 and their tests need it
    from minari.data_collector import EpisodeBuffer

    target = dataset_path(root, dataset_id)
    env_id = demos.get("meta", {}).get("env_id", ENV_ID)
    validate_demos(target, {"kind": "demos", **demos}, fail=refused_save, env_id=env_id)
    make = _pendulum_episodes if env_id == PENDULUM_ID else _cartpole_episodes
    episodes, description, algorithm = make(demos, meta, target)
    buffer = [EpisodeBuffer(id=i, infos={}, **episode) for i, episode in enumerate(episodes)]
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
                buffer=buffer,
                env=gym.spec(env_id),
                algorithm_name=algorithm,
                author="Imitation Learning, step by step",
                description=description,
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


def load_minari_demos(
    root: str | os.PathLike, dataset_id: str = MINARI_DATASET, env_id: str = ENV_ID
) -> dict[str, Any]:
    """Read a Minari dataset written by ``save_minari_demos`` back as demos (as ``load_demos`` gives).

    Checks the folder's layout, reads it with Minari (``minari.MinariDataset``), then requires the environment's
    spaces, T + 1 observations for T actions in every episode, and passes the pairs through ``load_demos``'s checks.
    CartPole (notebook 06): one episode. Pendulum (``env_id="Pendulum-v1"``, notebook 07): one or more episodes, one
    after the other. Any problem raises a ``DataFileError`` naming the dataset.
    """
    import gymnasium as gym
    import minari

    pendulum = env_id == PENDULUM_ID
    obs_dim = 3 if pendulum else 4
    path = dataset_path(root, dataset_id)
    data = _check_layout(path)
    try:
        dataset = minari.MinariDataset(data)
        n_episodes = len(dataset)
        episodes = list(dataset) if 1 <= n_episodes <= MAX_EPISODES and (pendulum or n_episodes == 1) else []
    except Exception as e:  # Minari or h5py refused the files: say so, with the cause
        raise file_error(
            path, f"Minari cannot read it, the files are truncated or corrupt ({e.__class__.__name__})"
        ) from None
    if not episodes:
        wanted = f"1 to {MAX_EPISODES}" if pendulum else "the demonstration's one"
        raise file_error(path, f"holds {n_episodes} episodes, expected {wanted}")
    space = dataset.observation_space
    if not (isinstance(space, gym.spaces.Box) and space.shape == (obs_dim,)):
        raise file_error(path, f"its observation space is {space}, not {env_id}'s Box of shape ({obs_dim},)")
    want_actions = gym.spaces.Box(-MAX_TORQUE, MAX_TORQUE, (1,), np.float32) if pendulum else gym.spaces.Discrete(2)
    if dataset.action_space != want_actions:
        raise file_error(path, f"its action space is {dataset.action_space}, not {env_id}'s {want_actions}")
    states, actions, terminated = [], [], []
    for episode in episodes:
        obs, acts = np.asarray(episode.observations), np.asarray(episode.actions)
        if obs.ndim != 2 or obs.shape[1:] != (obs_dim,) or obs.dtype != np.float32:
            raise file_error(
                path,
                f"its observations have shape {list(obs.shape)} and dtype {obs.dtype}, expected [T + 1, {obs_dim}] "
                "float32",
            )
        if pendulum:
            if acts.shape != (len(obs) - 1, 1) or acts.dtype != np.float32:
                raise file_error(
                    path, f"its actions have shape {list(acts.shape)}, expected [T, 1] float32, T = {len(obs) - 1}"
                )
        elif acts.ndim != 1 or len(acts) != len(obs) - 1 or not np.issubdtype(acts.dtype, np.integer):
            raise file_error(
                path, f"its actions have shape {list(acts.shape)}, expected [T] integers, T = {len(obs) - 1}"
            )
        terminations = np.asarray(episode.terminations)
        if terminations.shape != (len(acts),):
            raise file_error(path, "its terminations do not match its actions in length")
        states.append(obs[:-1])
        actions.append(acts.reshape(-1, 1))
        terminated.append(terminations.astype(bool))
    meta: dict[str, Any] = {"source": "minari", "dataset_id": dataset_id}
    if pendulum:
        meta |= {"env_id": env_id, "episodes": len(episodes)}
    obj = {
        "kind": "demos",
        "states": torch.from_numpy(np.concatenate(states)),
        "actions": torch.from_numpy(np.concatenate(actions).astype(np.float32 if pendulum else np.int64)),
        "terminated": torch.from_numpy(np.concatenate(terminated)),
        "meta": meta,
    }
    return validate_demos(path, obj, env_id=env_id)
