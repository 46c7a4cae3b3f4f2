"""Saving and loading data files: round trips, and a clear error for every kind of bad input."""

from __future__ import annotations

import collections
import errno
import io
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import traceback
import zipfile
from pathlib import Path

import pytest
import torch

from helpers.core.networks import PolicyNet
from helpers.files import data as D

BOMB_STATES = torch.zeros(2**22 + 2**10, 4)
"""States of a little more than 64 MiB (16 bytes a row): deflated, their file takes about 64 KiB."""


def demo_tensors(n: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    """Valid demonstration tensors of ``n`` pairs (states near upright, well within CartPole's bounds)."""
    g = torch.Generator().manual_seed(0)
    return 0.05 * torch.randn(n, 4, generator=g), torch.randint(0, 2, (n, 1), generator=g)


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


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` (hidden ones too) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def assert_clear_error(path, match: str, loader=D.load_demos) -> str:
    """The error names the file, the notebook that writes it, and the problem; the failed load changed no file
    and nowhere (message or traceback) repeats torch's advice to load with weights_only=False."""
    before = snapshot(path.parent)
    with pytest.raises(D.DataFileError) as info:
        loader(path)
    msg = str(info.value)
    assert str(path) in msg
    assert D.PRODUCERS[path.name] in msg
    assert match in msg
    assert "weights_only" not in "".join(traceback.format_exception(info.value))
    assert snapshot(path.parent) == before
    return msg


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


# ---------------------------------------------------------------- item 1: every field checked before anything is built


def save_policy_dict(path: Path, **changes) -> Path:
    """A policy file as save_policy writes it (hidden 8), with some fields changed (None: removed)."""
    obj = {"kind": "policy", "hidden": 8, "state_dict": PolicyNet(8).state_dict(), "meta": {}}
    obj.update(changes)
    torch.save({k: v for k, v in obj.items() if v is not None}, path)
    return path


@pytest.mark.parametrize("hidden", [10**9, 20_000_000, 4097, -1, 0, True, 8.0, "8", None])
def test_policy_size_checked_before_building(tmp_path, monkeypatch, hidden):
    path = save_policy_dict(tmp_path / D.GAIL_POLICY, hidden=hidden)

    def no_network(*args, **kwargs):
        raise AssertionError("a network was built from an unchecked file")

    monkeypatch.setattr(D, "PolicyNet", no_network)
    msg = assert_clear_error(path, "'hidden' must be an integer in [1, 4096], got ", D.load_policy)
    assert msg.endswith("This file is written by notebooks/04_gail.ipynb: run it again to recreate it.")


def test_policy_extra_or_missing_weights(tmp_path):
    state = PolicyNet(8).state_dict()
    path = save_policy_dict(tmp_path / D.EXPERT_POLICY, state_dict={**state, "net.4.weight": torch.zeros(2, 2)})
    assert_clear_error(path, "does not match a PolicyNet(hidden=8): unexpected key(s) 'net.4.weight'", D.load_policy)
    del state["net.2.bias"]
    path = save_policy_dict(tmp_path / D.EXPERT_POLICY, state_dict=state)
    assert_clear_error(path, "does not match a PolicyNet(hidden=8): missing key(s) 'net.2.bias'", D.load_policy)
    state = PolicyNet(16).state_dict()  # weights of another size than the file's 'hidden' says
    path = save_policy_dict(tmp_path / D.EXPERT_POLICY, state_dict=state)
    assert_clear_error(path, "'net.0.weight' has shape [16, 4], expected [8, 4]", D.load_policy)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"meta": [1, 2]}, "'meta' must be a dictionary, found list"),
        ({"meta": "trained"}, "'meta' must be a dictionary, found str"),
        ({"kind": "demos"}, "not a policy file (its 'kind' is 'demos', expected 'policy')"),
        ({"kind": None}, "not a policy file (its 'kind' is None"),
        ({"code": "import os"}, "unexpected field(s) 'code'"),
        ({"state_dict": [1, 2]}, "'state_dict' must be a dictionary of tensors, found list"),
        ({"state_dict": {**PolicyNet(8).state_dict(), "net.0.bias": [0.0] * 8}}, "'net.0.bias' is missing or not"),
        (
            {"state_dict": {k: v.double() for k, v in PolicyNet(8).state_dict().items()}},
            "'net.0.weight' has dtype torch.float64, expected torch.float32",
        ),
    ],
)
def test_policy_fields_checked(tmp_path, changes, match):
    path = save_policy_dict(tmp_path / D.BC_POLICY, **changes)
    assert_clear_error(path, match, D.load_policy)


@pytest.mark.parametrize(
    ("column", "value", "match"),
    [
        (
            0,
            1e30,
            "'states' column 0 (x, cart position) holds 1e+30 at row 17, outside the range a CartPole state "
            "can have: ±4.8",
        ),
        (1, -1e30, "'states' column 1 (x_dot, cart velocity) holds -1e+30 at row 17, outside"),
        (
            2,
            0.5,
            "'states' column 2 (theta, pole angle) holds 0.5 at row 17, outside the range a CartPole state "
            "can have: ±0.42",
        ),
        (3, 1e6, "'states' column 3 (theta_dot, pole angular velocity) holds 1e+06 at row 17"),
    ],
)
def test_demo_states_outside_cartpoles_bounds(tmp_path, column, value, match):
    states, actions = demo_tensors()
    states[17, column] = value
    path = tmp_path / D.EXPERT_DEMOS
    with pytest.raises(D.DataFileError, match="refused to save: 'states' column"):
        D.save_demos(states, actions, path)
    assert not path.exists()
    torch.save({"kind": "demos", "states": states, "actions": actions, "terminated": torch.zeros(200).bool()}, path)
    assert_clear_error(path, match)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"meta": ["seed", 0]}, "'meta' must be a dictionary, found list"),
        ({"kind": "policy"}, "not a demonstrations file (its 'kind' is 'policy', expected 'demos')"),
        ({"extra": torch.zeros(3)}, "unexpected field(s) 'extra'"),
    ],
)
def test_demo_fields_checked(tmp_path, changes, match):
    states, actions = demo_tensors()
    obj = {"kind": "demos", "states": states, "actions": actions, "terminated": torch.zeros(200).bool(), "meta": {}}
    path = tmp_path / D.EXPERT_DEMOS
    torch.save({**obj, **changes}, path)
    assert path.stat().st_size < 20_000
    assert_clear_error(path, match)


# ---------------------------------------------------------------- item 2: what is not a tensor file is refused unread


class RunsCode:
    """A pickle payload that would create ``marker`` when unpickled: proof that no code ran if it does not exist."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


NOT_A_TORCH_ZIP = (
    "refused unread: not a tensor file written by this series "
    "(it is not a zip archive as torch.save writes: truncated or corrupt, or another format)"
)


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_plain_pickle_is_refused_unread(tmp_path, protocol):
    marker = tmp_path / "code-ran"
    path = tmp_path / D.GAIL_POLICY
    path.write_bytes(pickle.dumps({"kind": "policy", "payload": RunsCode(marker)}, protocol=protocol))
    assert_clear_error(path, NOT_A_TORCH_ZIP, D.load_policy)
    assert not marker.exists()


def test_code_inside_a_torch_file_does_not_run(tmp_path):
    marker = tmp_path / "code-ran"
    path = tmp_path / D.EXPERT_DEMOS
    torch.save({"kind": "demos", "states": RunsCode(marker)}, path)
    assert_clear_error(path, "refused: it holds pickled Python objects, not only tensors and plain values")
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (lambda: os.urandom(5000), "refused unread: not a tensor file written by this series (it is not a zip archive"),
        (lambda: b"", "refused unread: not a tensor file written by this series (it is empty, 0 bytes"),
        (lambda: b"hello\n" * 100, "refused unread: not a tensor file written by this series"),
    ],
)
def test_random_bytes_are_refused_unread(tmp_path, content, match):
    path = tmp_path / D.EXPERT_POLICY
    path.write_bytes(content())
    assert_clear_error(path, match, D.load_policy)


def test_legacy_torch_format_is_refused_unread(tmp_path):
    path = tmp_path / D.EXPERT_POLICY
    torch.save({"kind": "policy"}, path, _use_new_zipfile_serialization=False)
    assert_clear_error(path, NOT_A_TORCH_ZIP, D.load_policy)


def test_zip_archives_torch_never_writes(tmp_path, monkeypatch):
    """A zip archive of something else cannot be read; a compressed one of the right fields can (torch reads it, and
    it is what it says); one that would unpack to more than 64 MiB is refused before torch reads it."""
    path = tmp_path / D.EXPERT_DEMOS
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("notes.txt", "hello")
    assert_clear_error(path, "cannot be read, the file is truncated or corrupt")
    states, actions = demo_tensors()
    for tensor, fits in [(states, True), (BOMB_STATES, False)]:
        good = io.BytesIO()
        torch.save({"kind": "demos", "states": tensor, "actions": actions, "terminated": torch.zeros(200).bool()}, good)
        with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info))
        if fits:
            assert torch.equal(D.load_demos(path)["states"], states)
            continue
        assert path.stat().st_size < 2**20  # a small file...
        monkeypatch.setattr(D.torch, "load", lambda *a, **k: pytest.fail("torch.load read a zip bomb"))
        assert_clear_error(path, "refused unread: not a tensor file written by this series (its archive unpacks to")


def test_huge_file_is_refused_unread(tmp_path):
    path = tmp_path / D.EXPERT_DEMOS
    with open(path, "wb") as f:
        f.truncate(D.MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    assert_clear_error(path, "refused unread: 64 MiB, larger than any file this series writes")


def test_folder_instead_of_file(tmp_path):
    (tmp_path / D.EXPERT_DEMOS).mkdir()
    with pytest.raises(D.DataFileError, match="is a folder, not a file"):
        D.load_demos(tmp_path / D.EXPERT_DEMOS)


# ---------------------------------------------------------------- item 4: an empty data folder is an error


def test_empty_data_dir_is_an_error(monkeypatch, tmp_path):
    for empty in ["", "  "]:
        with pytest.raises(D.ParameterError, match="^DATA_DIR must be None .* or a non-empty folder path, got "):
            D.data_dir(empty)
    assert D.data_dir(tmp_path) == tmp_path
    assert D.data_dir(str(tmp_path)) == tmp_path
    monkeypatch.setenv(D.DATA_ENV_VAR, "")
    with pytest.raises(D.ParameterError, match="IL_DATA_DIR is set but empty: set it to a folder, or unset it"):
        D.data_dir()
    assert D.data_dir(tmp_path) == tmp_path  # an explicit DATA_DIR wins over the environment


# ---------------------------------------------------------------- item 5: a notebook checks its files up front


def test_check_data_files(tmp_path):
    states, _ = demo_tensors()
    expert = PolicyNet(8)
    D.save_demos(states, expert(states).argmax(-1, keepdim=True), tmp_path / D.EXPERT_DEMOS)  # the expert's choices
    D.save_policy(expert, tmp_path / D.EXPERT_POLICY)
    before = snapshot(tmp_path)
    reads = [D.EXPERT_DEMOS, D.EXPERT_POLICY]
    assert D.check_data_files(tmp_path, reads=reads, writes=[D.GAIL_POLICY]) == tmp_path
    assert snapshot(tmp_path) == before  # the write check leaves nothing behind
    (tmp_path / D.EXPERT_POLICY).write_bytes(pickle.dumps({"kind": "policy"}))
    with pytest.raises(D.DataFileError, match="expert_policy.pt: refused unread"):
        D.check_data_files(tmp_path, reads=reads)
    with pytest.raises(D.DataFileError, match="gail_policy.pt: file not found"):
        D.check_data_files(tmp_path, reads=[D.GAIL_POLICY])
    (tmp_path / D.BC_POLICY).mkdir()
    with pytest.raises(D.DataFileError, match="bc_policy.pt: cannot be written: it is a folder"):
        D.check_data_files(tmp_path, writes=[D.BC_POLICY])


def test_check_writable(tmp_path, monkeypatch):
    assert D.check_writable(tmp_path / "new" / "folder") == tmp_path / "new" / "folder"  # created
    assert list((tmp_path / "new" / "folder").iterdir()) == []
    (tmp_path / "a_file").write_text("x")
    with pytest.raises(D.DataFileError, match="a_file: cannot write in it: it is a file, not a folder"):
        D.check_writable(tmp_path / "a_file")
    with pytest.raises(D.DataFileError, match="a_file/sub: cannot write in this folder .*is a file, not a folder"):
        D.check_writable(tmp_path / "a_file" / "sub")
    for code, cause in [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only"), (errno.ENOSPC, "no space")]:

        def refuse(*args, code=code, **kwargs):
            raise OSError(code, os.strerror(code), str(tmp_path / ".il-write-check.abcdefgh.tmp"))

        monkeypatch.setattr(D.tempfile, "mkstemp", refuse)
        with pytest.raises(D.DataFileError) as info:
            D.check_writable(tmp_path)
        assert str(tmp_path) in str(info.value) and cause in str(info.value)
        assert ".tmp" not in "".join(traceback.format_exception(info.value))


def folders_can_be_made_read_only() -> bool:
    """False where this user writes into a folder without write permission (root, unless its capabilities were
    dropped, e.g. ``setpriv --bounding-set=-dac_override``)."""
    folder = Path(tempfile.mkdtemp())
    folder.chmod(0o555)
    try:
        (folder / "probe").write_text("x")
    except PermissionError:
        return True
    else:
        return False
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


@pytest.mark.skipif(not folders_can_be_made_read_only(), reason="this user (root) writes into read-only folders")
def test_read_only_folder_for_real(tmp_path):
    path = D.save_policy(PolicyNet(8), tmp_path / D.GAIL_POLICY)
    before = snapshot(tmp_path)
    tmp_path.chmod(0o555)
    try:
        with pytest.raises(D.DataFileError, match="cannot write in this folder .permission denied"):
            D.check_writable(tmp_path)
        with pytest.raises(D.DataFileError, match="gail_policy.pt: cannot be written .permission denied"):
            D.save_policy(PolicyNet(8), path)
    finally:
        tmp_path.chmod(0o755)
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- item 6: failed and killed writes


@pytest.mark.parametrize(
    ("where", "code", "cause"),
    [
        ("open", errno.EACCES, "permission denied: the folder is not writable"),
        ("open", errno.EROFS, "the file system is read-only"),
        ("fsync", errno.ENOSPC, "no space left on the disk"),
        ("fsync", errno.EDQUOT, "disk quota exceeded"),
        ("replace", errno.EACCES, "permission denied"),
    ],
)
def test_failed_write_names_the_file_and_the_cause(tmp_path, monkeypatch, where, code, cause):
    path = D.save_policy(PolicyNet(8), tmp_path / D.GAIL_POLICY)
    before = snapshot(tmp_path)
    hidden_temp = str(tmp_path / ".gail_policy.pt.abcdefgh.tmp")

    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), hidden_temp)

    target = {"open": D, "fsync": D.os, "replace": D.os}[where]
    monkeypatch.setattr(target, where, fail, raising=where != "open")  # open: the builtin, shadowed in D
    with pytest.raises(D.DataFileError) as info:
        D.save_policy(PolicyNet(8), path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: cannot be written ({cause}")
    assert "Nothing was changed" in msg
    assert ".tmp" not in "".join(traceback.format_exception(info.value))  # the hidden temporary file is not named
    monkeypatch.undo()
    assert snapshot(tmp_path) == before  # the old file intact, no temporary file left


KILLED_SAVE = """
import os, sys, time
from helpers.files import data as D
from helpers.core.networks import PolicyNet

def stall(fd):
    print("writing", flush=True)
    time.sleep(60)

D.os.fsync = stall
D.save_policy(PolicyNet(8), sys.argv[1])
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_save_killed_mid_write(tmp_path):
    """A save killed mid-write leaves the old file whole (and its own hidden temporary file, which nothing reads);
    a save meanwhile and one after it write their own temporary files, and succeed."""
    path = D.save_policy(PolicyNet(8), tmp_path / D.GAIL_POLICY)
    before = path.read_bytes()
    child = subprocess.Popen([sys.executable, "-c", KILLED_SAVE, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        temps = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        assert len(temps) == 1 and temps[0].name.startswith(".gail_policy.pt.")
        D.save_policy(PolicyNet(8), tmp_path / D.BC_POLICY)  # another save while it writes
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert path.read_bytes() == before and temps[0].exists()
    D.save_policy(PolicyNet(8), path)
    assert path.read_bytes() != before
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [D.BC_POLICY, D.GAIL_POLICY]


# ---------------------------------------------------------------- item 8: paths printed relative to the repository


def test_display_path(tmp_path, monkeypatch):
    assert D.display_path(D.ROOT / "data" / D.GAIL_POLICY) == "data/gail_policy.pt"
    assert D.display_path(D.ROOT / "build" / "data" / D.BC_POLICY) == "build/data/bc_policy.pt"
    monkeypatch.chdir(D.ROOT / "notebooks")
    assert D.display_path(Path("..") / "data" / D.GAIL_POLICY) == "data/gail_policy.pt"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert D.display_path(tmp_path / "il" / "x.pt") == "~/il/x.pt"
    monkeypatch.setenv("HOME", str(tmp_path / "elsewhere"))
    assert D.display_path(tmp_path / "x.pt") == str(tmp_path / "x.pt")


def test_errors_show_repository_paths_relative(tmp_path):
    with pytest.raises(D.DataFileError) as info:
        D.load_demos(D.ROOT / "data" / "no_such_file.pt")
    assert str(info.value).startswith("data/no_such_file.pt: file not found.")


# ---------------------------------------------------------------- issue 21: a learner's slips named before the work


def tracked_data() -> dict[str, bytes]:
    return snapshot(D.ROOT / "data")


def test_the_committed_demonstration_belongs_to_the_committed_expert():
    demos, expert = D.load_demos(D.ROOT / "data" / D.EXPERT_DEMOS), D.load_policy(D.ROOT / "data" / D.EXPERT_POLICY)
    with torch.no_grad():
        assert torch.equal(expert(demos["states"]).argmax(-1), demos["actions"].reshape(-1))  # 200 of 200
    D.check_data_files(D.ROOT / "data", reads=[D.EXPERT_DEMOS, D.EXPERT_POLICY])


def committed_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(D.ROOT / "data", folder)
    return folder


def relabelled_demos(folder: Path, **meta) -> None:
    """The committed demonstration with its meta changed, as if recorded from an expert with other settings."""
    demos = D.load_demos(folder / D.EXPERT_DEMOS)
    D.save_demos(
        demos["states"], demos["actions"], folder / D.EXPERT_DEMOS, demos["terminated"], **{**demos["meta"], **meta}
    )


def test_demonstrations_of_another_expert_are_named_before_the_work(tmp_path):
    """Item 1: notebook 01 re-run with HABIT_X = None and notebook 02 forgotten (notebook 04's exercise 1)."""
    from helpers.algorithms.train import ExpertRule, train_expert

    tracked, folder = tracked_data(), committed_copy(tmp_path)
    torch.manual_seed(0)
    agent, _ = train_expert(0, rule=ExpertRule(habit_x=None), max_env_steps=100_000, progress=False)
    D.save_policy(agent.policy, folder / D.EXPERT_POLICY, habit_x=None)
    before = snapshot(folder)
    with pytest.raises(D.DataFileError) as info:
        D.check_data_files(folder, reads=[D.EXPERT_DEMOS, D.EXPERT_POLICY], writes=[D.GAIL_POLICY, D.BC_POLICY])
    msg = str(info.value)
    assert msg.startswith(f"{folder / D.EXPERT_DEMOS} and {folder / D.EXPERT_POLICY} do not belong together: ")
    assert "recorded from an expert trained with HABIT_X = 1.5, but this expert was trained with HABIT_X = None" in msg
    assert "and its greedy action is the demonstrated one on only " in msg
    assert msg.endswith(
        "Run notebooks/02_expert_demonstrations.ipynb again: it records the demonstrations from the expert in "
        "expert_policy.pt (which notebooks/01_ppo_expert.ipynb writes)."
    )
    assert snapshot(folder) == before and tracked_data() == tracked


@pytest.mark.parametrize(
    ("meta", "expert", "message"),
    [
        ({"habit_x": -1.0}, None, "trained with HABIT_X = -1.0, but this expert was trained with HABIT_X = 1.5"),
        ({"habit_x": None}, None, "trained with HABIT_X = None, but this expert was trained with HABIT_X = 1.5"),
        (
            {},
            "another",
            "the expert's greedy action is the demonstrated one on only {same} of the 200 states, so they come from "
            "another expert",
        ),
    ],
)
def test_demonstrations_and_expert_must_agree(tmp_path, meta, expert, message):
    """Item 1: the habit each file records, and the expert's greedy action on the demonstration's states."""
    tracked, folder = tracked_data(), committed_copy(tmp_path)
    if meta:
        relabelled_demos(folder, **meta)
    same = None
    if expert == "another":  # same habit, another expert: the actions give it away
        torch.manual_seed(1)
        other = PolicyNet(128)
        D.save_policy(other, folder / D.EXPERT_POLICY, habit_x=1.5)
        demos = D.load_demos(folder / D.EXPERT_DEMOS)
        with torch.no_grad():
            same = int((other(demos["states"]).argmax(-1) == demos["actions"].reshape(-1)).sum())
    before = snapshot(folder)
    with pytest.raises(D.DataFileError, match="do not belong together") as info:
        D.check_data_files(folder, reads=[D.EXPERT_DEMOS, D.EXPERT_POLICY])
    assert message.format(same=same) in str(info.value)
    assert "Run notebooks/02_expert_demonstrations.ipynb again" in str(info.value)
    assert snapshot(folder) == before and tracked_data() == tracked


def test_sampled_demonstrations_are_judged_by_their_habit_only(tmp_path):
    """A demonstration recorded with sampled actions (meta action_selection) differs from the argmax by design."""
    folder = committed_copy(tmp_path)
    demos = D.load_demos(folder / D.EXPERT_DEMOS)
    flipped = demos["actions"].clone()
    flipped[:20] = 1 - flipped[:20]
    meta = {**demos["meta"], "action_selection": "sampled"}
    D.save_demos(demos["states"], flipped, folder / D.EXPERT_DEMOS, demos["terminated"], **meta)
    D.check_data_files(folder, reads=[D.EXPERT_DEMOS, D.EXPERT_POLICY])
    D.save_demos(demos["states"], flipped, folder / D.EXPERT_DEMOS, demos["terminated"], **demos["meta"])
    with pytest.raises(D.DataFileError, match="on only 180 of the 200 states"):
        D.check_data_files(folder, reads=[D.EXPERT_DEMOS, D.EXPERT_POLICY])
    flipped[2:20] = demos["actions"][2:20]  # 198 of 200: within DEMO_AGREEMENT, a near-tie's margin
    D.save_demos(demos["states"], flipped, folder / D.EXPERT_DEMOS, demos["terminated"], **demos["meta"])
    D.check_data_files(folder, reads=[D.EXPERT_DEMOS, D.EXPERT_POLICY])


@pytest.mark.parametrize("where", ["the folder", "a folder above it"])
def test_data_dir_pointing_at_a_file_is_named(tmp_path, where):
    """Item 4: DATA_DIR = "data/expert_policy.pt" is a file, not a folder (not "expert_policy.pt/...: not found")."""
    tracked, folder = tracked_data(), committed_copy(tmp_path)
    a_file = folder / D.EXPERT_POLICY
    data = a_file if where == "the folder" else a_file / "run2"
    before = snapshot(folder)
    for reads, writes in [([D.EXPERT_POLICY], [D.EXPERT_DEMOS]), ([], [D.EXPERT_POLICY]), ([D.EXPERT_DEMOS], [])]:
        with pytest.raises(D.DataFileError) as info:
            D.check_data_files(D.data_dir(str(data)), reads=reads, writes=writes)
        what = "is a file" if where == "the folder" else f"cannot exist: {a_file} is a file"
        assert str(info.value) == (
            f"{data}: the data folder {what}, not a folder. Point DATA_DIR (or $IL_DATA_DIR) at the folder that holds "
            "the series' .pt files, or set DATA_DIR = None for the repository's data/."
        )
    assert snapshot(folder) == before and tracked_data() == tracked


# ---------------------------------------------------------------- the reliability cases, in one table


def _torch_bytes(obj, **kwargs) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer, **kwargs)
    return buffer.getvalue()


def _deflated(blob: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(blob)) as src, zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    return out.getvalue()


def _demos(**changes) -> dict:
    states, actions = demo_tensors()
    return {"kind": "demos", "states": states, "actions": actions, "terminated": torch.zeros(200).bool(), **changes}


BAD_FILES = {
    "empty": lambda m: b"",
    "truncated": lambda m: _torch_bytes(_demos())[:3000],
    "random bytes": lambda m: os.urandom(5000),
    "text": lambda m: b"hello\n" * 100,
    "plain pickle with code": lambda m: pickle.dumps({"kind": "demos", "x": RunsCode(m)}, protocol=4),
    "torch file with code": lambda m: _torch_bytes({"kind": "demos", "states": RunsCode(m)}),
    "legacy torch format with code": lambda m: _torch_bytes(
        {"kind": "demos", "x": RunsCode(m)}, _use_new_zipfile_serialization=False
    ),
    "zip of something else": lambda m: _zip_of_notes(),
    "zip bomb (a small file, more than 64 MiB unpacked)": lambda m: _deflated(_torch_bytes(_demos(states=BOMB_STATES))),
    "sparse tensor": lambda m: _torch_bytes(_demos(states=demo_tensors()[0].to_sparse())),
    "a policy, not demos": lambda m: _torch_bytes({"kind": "policy", "hidden": 8, "state_dict": {}, "meta": {}}),
    "wrong shape": lambda m: _torch_bytes(_demos(states=torch.zeros(200, 3))),
    "NaN states": lambda m: _torch_bytes(_demos(states=torch.full((200, 4), float("nan")))),
    "states no CartPole reaches": lambda m: _torch_bytes(_demos(states=torch.full((200, 4), 50.0))),
    "actions other than 0 and 1": lambda m: _torch_bytes(_demos(actions=torch.full((200, 1), 7))),
}


def _zip_of_notes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_every_bad_file_is_refused_with_its_name_and_notebook(tmp_path, case):
    """The reliability cases (bad, foreign, truncated, oversized, malicious files): each is refused with a
    DataFileError naming the file and the notebook that writes it, before anything is built from it; no code in it
    runs; no file changes; torch's own exceptions and advice never reach the learner."""
    marker = tmp_path / "code-ran"
    path = tmp_path / D.EXPERT_DEMOS
    path.write_bytes(BAD_FILES[case](marker))
    msg = assert_clear_error(path, "")
    assert msg.startswith(f"{path}: ") and not marker.exists()


def test_an_installed_package_works_in_il_data_and_never_in_itself(tmp_path, monkeypatch, capsys):
    """Installed (no repository around helpers), the data folder is ./il_data/, filled once from the shipped files;
    paths print relative to the current folder. (tests/test_package.py does it for real, from a wheel.)"""
    from helpers.core import paths

    shipped = tmp_path / "site-packages" / "shipped_data"
    shutil.copytree(D.ROOT / "data", shipped, ignore=shutil.ignore_patterns("minari"))
    before = snapshot(shipped)
    for module in (D, paths):
        monkeypatch.setattr(module, "IN_REPOSITORY", False)
    monkeypatch.setattr(D, "SHIPPED_DATA", shipped)
    monkeypatch.delenv("IL_DATA_DIR", raising=False)
    work = tmp_path / "anywhere"
    work.mkdir()
    monkeypatch.chdir(work)
    folder = D.data_dir()
    assert folder == work / "il_data" and snapshot(folder) == before
    assert capsys.readouterr().out.startswith("il_data/: this notebook's data folder (the series' package is installed")
    D.save_policy(PolicyNet(8), folder / D.GAIL_POLICY)
    assert D.data_dir() == folder and capsys.readouterr().out == ""  # filled once: the learner's files stay
    assert D.display_path(folder / D.GAIL_POLICY) == "il_data/gail_policy.pt"
    assert snapshot(shipped) == before  # the package's own copies are never written
