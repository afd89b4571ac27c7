"""Crash-safe files: atomic writes under a full disk, checkpoints that detect damage and fall
back to the previous one, hostile pickles refused, torn log lines, paths that cannot escape."""
import errno
import json
import os
import pickle
import random
import stat
from pathlib import Path

import numpy as np
import pytest
import torch

from ganbench import storage
from ganbench.run import checkpoint
from ganbench.config.benchmark import slug
from ganbench.results import append_jsonl, read_jsonl, seed_dir


def state(step: int) -> dict:
    return {"step": step, "G": {"w": torch.full((64,), float(step))}, "note": f"s{step}"}


def test_rng_states_round_trip_through_a_checkpoint(tmp_path):
    gen = torch.Generator().manual_seed(3)
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    checkpoint.save(tmp_path, {"step": 1, "rng": checkpoint.rng_state(gen)})
    expected = (random.random(), np.random.rand(), torch.rand(1), torch.rand(1, generator=gen))
    random.seed(9), np.random.seed(9), torch.manual_seed(9), gen.manual_seed(9)
    checkpoint.set_rng_state(checkpoint.load(tmp_path)["rng"], gen)
    assert (random.random(), np.random.rand()) == expected[:2]
    assert torch.equal(torch.rand(1), expected[2]) and torch.equal(torch.rand(1, generator=gen), expected[3])


def test_save_keeps_the_previous_checkpoint(tmp_path):
    checkpoint.save(tmp_path, state(2))
    checkpoint.save(tmp_path, state(4))
    assert checkpoint.load(tmp_path)["step"] == 4
    assert checkpoint.read(tmp_path / checkpoint.PREVIOUS)["step"] == 2
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("damage", ["truncate", "flip_tensor_byte", "empty", "garbage"])
def test_damaged_latest_checkpoint_falls_back_to_previous(tmp_path, damage, capsys):
    checkpoint.save(tmp_path, state(2))
    checkpoint.save(tmp_path, state(4))
    latest = tmp_path / checkpoint.LATEST
    data = bytearray(latest.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip_tensor_byte":
        # the 64 floats 4.0 are stored raw; torch's zip reader does not check them
        at = bytes(data).find(torch.full((64,), 4.0).numpy().tobytes())
        assert at > 0
        data[at + 100] ^= 0x01
    elif damage == "empty":
        data = bytearray()
    else:
        data = bytearray(os.urandom(len(data)))
    latest.write_bytes(bytes(data))
    loaded = checkpoint.load(tmp_path)
    assert loaded["step"] == 2 and torch.equal(loaded["G"]["w"], torch.full((64,), 2.0))
    assert str(latest) in capsys.readouterr().err
    assert (tmp_path / "checkpoint.pt.corrupt").exists() and not latest.exists()
    # the next save does not rotate the damaged file over the good previous one
    checkpoint.save(tmp_path, state(6))
    assert checkpoint.read(tmp_path / checkpoint.PREVIOUS)["step"] == 2


def test_no_readable_checkpoint_means_start_afresh(tmp_path):
    assert checkpoint.load(tmp_path) is None
    (tmp_path / checkpoint.LATEST).write_bytes(b"PK\x03\x04 not really a zip")
    assert checkpoint.load(tmp_path) is None


class RunsCode:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


@pytest.mark.parametrize("writer", ["torch", "pickle"])
def test_hostile_checkpoint_is_refused_and_never_runs(tmp_path, writer):
    marker = tmp_path / "code-ran"
    payload = {"step": 3, "G": RunsCode(marker)}
    with open(tmp_path / checkpoint.LATEST, "wb") as f:
        torch.save(payload, f) if writer == "torch" else pickle.dump(payload, f, protocol=2)
    checkpoint.save(tmp_path / "other", state(2))   # a good previous one must not mask it
    os.replace(tmp_path / "other" / checkpoint.LATEST, tmp_path / checkpoint.PREVIOUS)
    with pytest.raises(checkpoint.CheckpointError, match="refusing to load .*checkpoint.pt.*run code"):
        checkpoint.load(tmp_path)
    assert not marker.exists()


def disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "done"
    storage.atomic_write_json(target, {"status": "old"})
    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match=f"cannot write {target}") as info:
        storage.atomic_write_json(target, {"status": "new"})
    assert info.value.errno == errno.ENOSPC
    assert json.loads(target.read_text()) == {"status": "old"}
    assert os.listdir(tmp_path) == ["done"]


@pytest.mark.skipif(os.name != "posix", reason="permission bits and the umask are POSIX")
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)], ids=["022", "077"])
def test_written_files_get_the_mode_of_a_plain_open_under_the_umask(tmp_path, umask, mode):
    """A shared cluster: colleagues read a study when the umask allows it (mkstemp gave 0600)."""
    (tmp_path / "replaced").write_text("old")
    os.chmod(tmp_path / "replaced", 0o640)       # the new file's mode, not the old one's, counts
    old_umask = os.umask(umask)
    try:
        storage.atomic_write_text(tmp_path / "tables.md", "new")
        storage.atomic_write_text(tmp_path / "replaced", "new")
        checkpoint.save(tmp_path / "run", state(2))
        checkpoint.save(tmp_path / "run", state(4))  # keep_previous: the older file is moved aside
        with open(tmp_path / "plain", "w"):
            pass
    finally:
        os.umask(old_umask)
    modes = {str(p.relative_to(tmp_path)): stat.S_IMODE(p.stat().st_mode)
             for p in tmp_path.rglob("*") if p.is_file()}
    assert modes == {"tables.md": mode, "replaced": mode, "plain": mode,
                     f"run/{checkpoint.LATEST}": mode, f"run/{checkpoint.PREVIOUS}": mode}
    assert (tmp_path / "replaced").read_text() == "new"


def test_disk_full_during_checkpoint_keeps_both_checkpoints(tmp_path, monkeypatch):
    checkpoint.save(tmp_path, state(2))
    checkpoint.save(tmp_path, state(4))
    monkeypatch.setattr(os, "fsync", disk_full)   # the data cannot reach the disk
    with pytest.raises(OSError):
        checkpoint.save(tmp_path, state(6))
    monkeypatch.undo()
    assert checkpoint.load(tmp_path)["step"] == 4
    assert checkpoint.read(tmp_path / checkpoint.PREVIOUS)["step"] == 2
    assert sorted(os.listdir(tmp_path)) == [checkpoint.PREVIOUS, checkpoint.LATEST]


def test_torn_log_line_does_not_swallow_the_next_record(tmp_path):
    log = tmp_path / "metrics.jsonl"
    append_jsonl(log, {"step": 1})
    with open(log, "a") as f:
        f.write('{"step": 2, "d_lo')       # the process died in the middle of a line
    append_jsonl(log, {"step": 2})
    assert read_jsonl(log) == [{"step": 1}, {"step": 2}]


@pytest.mark.parametrize("name", ["../../etc", "..", "/abs/path", "a/../../b", "~root", ".hidden", ""])
def test_cell_paths_cannot_escape_the_study_directory(tmp_path, name):
    study_dir = tmp_path / "study"
    cell = slug(name)
    assert "/" not in cell and cell not in ("", ".", "..")
    assert study_dir.resolve() in seed_dir(study_dir, cell, 0).parents
    with pytest.raises(ValueError, match="escape"):
        seed_dir(study_dir, name if "/" in name or name == ".." else "../x", 0)
