"""Saving and loading data files: round trips, and a clear error for every kind of bad input."""

from __future__ import annotations

import collections
import os

import pytest
import torch

from helpers import data as D
from helpers.networks import PolicyNet


def demo_tensors(n: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    """Valid demonstration tensors of ``n`` pairs."""
    g = torch.Generator().manual_seed(0)
    return torch.randn(n, 4, generator=g), torch.randint(0, 2, (n, 1), generator=g)


def test_demos_round_trip(tmp_path):
    states, actions = demo_tensors()
    path = D.save_demos(states, actions, tmp_path / D.EXPERT_DEMOS, seed=3, action_selection="greedy")
    loaded = D.load_demos(path, n=200)
    assert torch.equal(loaded["states"], states) and torch.equal(loaded["actions"], actions)
    assert loaded["terminated"].dtype == torch.bool and not loaded["terminated"].any()
    assert loaded["meta"] == {"seed": 3, "action_selection": "greedy"}


def test_policy_round_trip(tmp_path):
    torch.manual_seed(0)
    policy = PolicyNet(hidden=16)
    path = D.save_policy(policy, tmp_path / D.EXPERT_POLICY, source="test")
    loaded = D.load_policy(path)
    x = torch.randn(5, 4)
    assert isinstance(loaded, torch.nn.Module)
    assert loaded(x).shape == (5, 2)
    assert torch.equal(loaded(x), policy(x))
    assert loaded.meta == {"source": "test"}


def assert_clear_error(path, match: str, loader=D.load_demos) -> None:
    """The error names the file, the notebook that writes it, and the problem."""
    with pytest.raises(D.DataFileError) as info:
        loader(path)
    msg = str(info.value)
    assert str(path) in msg
    assert D.PRODUCERS[path.name] in msg
    assert match in msg


def test_missing_file(tmp_path):
    assert_clear_error(tmp_path / D.EXPERT_DEMOS, "file not found")
    assert_clear_error(tmp_path / D.EXPERT_POLICY, "file not found", D.load_policy)


def test_truncated_file(tmp_path):
    path = D.save_demos(*demo_tensors(), tmp_path / D.EXPERT_DEMOS)
    blob = path.read_bytes()
    path.write_bytes(blob[: len(blob) // 2])
    assert_clear_error(path, "truncated or corrupt")


def test_corrupt_file(tmp_path):
    path = tmp_path / D.EXPERT_POLICY
    path.write_bytes(os.urandom(1000))
    assert_clear_error(path, "truncated or corrupt", D.load_policy)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("states", torch.zeros(200, 3), "shape [200, 3], expected [N, 4]"),
        ("actions", torch.zeros(200, dtype=torch.int64), "shape [200], expected [200, 1]"),
        ("states", torch.zeros(200, 4, dtype=torch.float64), "dtype torch.float64, expected torch.float32"),
        ("actions", torch.zeros(200, 1, dtype=torch.int32), "dtype torch.int32, expected torch.int64"),
        ("actions", torch.full((200, 1), 2), "must be 0 or 1"),
    ],
)
def test_wrong_shape_or_dtype(tmp_path, key, value, match):
    states, actions = demo_tensors()
    obj = {"kind": "demos", "states": states, "actions": actions, "terminated": torch.zeros(200, dtype=torch.bool)}
    obj[key] = value
    path = tmp_path / D.EXPERT_DEMOS
    torch.save(obj, path)
    assert_clear_error(path, match)


def test_demo_count_checked(tmp_path):
    path = D.save_demos(*demo_tensors(50), tmp_path / D.EXPERT_DEMOS)
    with pytest.raises(D.DataFileError, match=r"shape \[50, 4\], expected \[200, 4\]"):
        D.load_demos(path, n=200)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_values(tmp_path, bad):
    states, actions = demo_tensors()
    states[17, 2] = bad
    with pytest.raises(D.DataFileError, match="NaN or inf"):
        D.save_demos(states, actions, tmp_path / D.EXPERT_DEMOS)  # refused before anything is written
    assert not (tmp_path / D.EXPERT_DEMOS).exists()
    torch.save({"kind": "demos", "states": states, "actions": actions}, tmp_path / D.EXPERT_DEMOS)
    assert_clear_error(tmp_path / D.EXPERT_DEMOS, "NaN or inf")


def test_policy_with_nan_weights(tmp_path):
    policy = PolicyNet(hidden=8)
    with torch.no_grad():
        policy.net[0].weight[0, 0] = float("nan")
    path = D.save_policy(policy, tmp_path / D.GAIL_POLICY)
    assert_clear_error(path, "NaN or inf", D.load_policy)


def test_policy_with_wrong_layer_shape(tmp_path):
    policy = PolicyNet(hidden=8)
    state = policy.state_dict()
    state["net.2.weight"] = torch.zeros(3, 8)
    path = tmp_path / D.BC_POLICY
    torch.save({"kind": "policy", "hidden": 8, "state_dict": state}, path)
    assert_clear_error(path, "'net.2.weight' has shape [3, 8], expected [2, 8]", D.load_policy)


def test_not_a_policy(tmp_path):
    path = D.save_demos(*demo_tensors(), tmp_path / D.EXPERT_POLICY)
    assert_clear_error(path, "not a policy file", D.load_policy)


Evil = collections.namedtuple("Evil", "payload")


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / D.EXPERT_DEMOS
    torch.save({"states": Evil("rm -rf /")}, path)  # a custom class: weights_only=True must refuse it
    assert_clear_error(path, "refused: it holds pickled Python objects")


def test_interrupted_write_keeps_the_old_file(tmp_path, monkeypatch):
    states, actions = demo_tensors()
    path = D.save_demos(states, actions, tmp_path / D.EXPERT_DEMOS)
    before = path.read_bytes()

    def save_half_then_die(obj, f, *args, **kwargs):
        f.write(b"PK\x03\x04 half a zip file")
        raise KeyboardInterrupt  # the learner pressed stop half way

    monkeypatch.setattr(D.torch, "save", save_half_then_die)
    with pytest.raises(KeyboardInterrupt):
        D.save_demos(states * 2, actions, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [D.EXPERT_DEMOS]  # no temporary file left behind
    assert torch.equal(D.load_demos(path)["states"], states)


def test_data_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(D.DATA_ENV_VAR, str(tmp_path))
    assert D.data_dir() == tmp_path
    monkeypatch.delenv(D.DATA_ENV_VAR)
    assert D.data_dir() == D.ROOT / "data"


def test_tests_use_a_temporary_data_copy():
    # conftest.py points IL_DATA_DIR away from the tracked data/ folder for the whole session.
    assert os.environ.get(D.DATA_ENV_VAR)
    assert D.data_dir().resolve() != (D.ROOT / "data").resolve()
