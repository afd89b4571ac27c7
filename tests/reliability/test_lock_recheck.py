"""``CellTask``'s lock, deterministically and without sleeps: a cell finished by another runner
between the first ``done`` check and taking the lock is skipped, not trained again (the
re-check inside the lock), and a cell whose lock another runner holds is reported ``busy``.

The slow test in test_concurrency.py races real processes; these pin the same logic by
arranging the interleaving by hand."""
from __future__ import annotations

from pathlib import Path

import filelock
import pytest

from ganbench.results import read_done, write_done
from ganbench.study import cell as cell_module
from ganbench.study.cell import CellTask


@pytest.fixture
def task(tmp_path):
    return CellTask(benchmark_file=str(tmp_path / "unused.gin"), bindings=[],
                    run_dir=str(tmp_path / "cell" / "seed-0"), seed=0, cache_dir=str(tmp_path / "cache"),
                    label="cell/seed-0")


@pytest.fixture
def trained(monkeypatch):
    """Records every call of run_cell (which must not happen) instead of training."""
    calls = []

    def fake_run_cell(task):
        calls.append(task.label)
        return "trained"
    monkeypatch.setattr(cell_module, "run_cell", fake_run_cell)
    monkeypatch.setattr(cell_module.distributed, "is_distributed", lambda: False)
    return calls


def test_done_written_while_taking_the_lock_is_skipped(task, trained, monkeypatch):
    """Another runner finishes the cell and releases its lock just as we acquire it: the done
    file appears after our first check, before we hold the lock."""
    acquired = []

    class FinishedByAnotherRunner(filelock.FileLock):
        def acquire(self, *args, **kwargs):
            if not acquired:       # the other runner's last act: the done marker
                write_done(Path(task.run_dir), "done", {"swd_avg": 1.0})
            acquired.append(self.lock_file)
            return super().acquire(*args, **kwargs)

    monkeypatch.setattr(filelock, "FileLock", FinishedByAnotherRunner)
    assert read_done(Path(task.run_dir)) is None
    assert task() == "skipped"
    assert trained == [], "run_cell was called for a cell already done"
    assert acquired and acquired[0].endswith(".lock")     # the re-check happened under the lock


def test_done_seen_only_by_the_second_read_is_skipped(task, trained, monkeypatch):
    """The same interleaving through read_done: nothing at the first check, done at the second."""
    reads = []

    def read_done_later(run_dir):
        reads.append(run_dir)
        return None if len(reads) == 1 else {"status": "done", "metrics": {}}
    monkeypatch.setattr(cell_module, "read_done", read_done_later)
    assert task() == "skipped"
    assert trained == [] and len(reads) == 2


def test_done_before_the_first_check_never_takes_the_lock(task, trained, monkeypatch):
    run_dir = Path(task.run_dir)
    run_dir.mkdir(parents=True)
    write_done(run_dir, "done", {"swd_avg": 1.0})

    class NeverLock(filelock.FileLock):
        def acquire(self, *args, **kwargs):
            raise AssertionError("a done cell took the lock")
    monkeypatch.setattr(filelock, "FileLock", NeverLock)
    assert task() == "skipped"
    assert trained == []


def test_held_lock_is_busy_and_not_trained(task, trained):
    run_dir = Path(task.run_dir)
    run_dir.mkdir(parents=True)
    with filelock.FileLock(str(run_dir / ".lock"), timeout=0):    # another runner is training it
        assert task() == "busy"
        assert task() == "busy"                                   # and stays busy, no waiting
    assert trained == []
    assert task() == "trained"                                    # released: this runner trains it
    assert trained == ["cell/seed-0"]


def test_not_done_and_free_is_trained(task, trained):
    assert task() == "trained" and trained == ["cell/seed-0"]
