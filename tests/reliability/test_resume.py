"""Resume after interruptions: a killed or crashed `ganbench run`, run again, redoes nothing
finished and ends with exactly the results of an uninterrupted run (deterministic CPU mode)."""
import json
import signal

import pytest

from ganbench import study
from ganbench.run.checkpoint import load

from reliability_helpers import assert_same, fingerprint, kill_when_paused, run_cli, write_study


def test_crash_mid_cell_then_resume_matches_uninterrupted(tmp_path, monkeypatch, reference_run):
    """Fast in-process equivalent of the SIGKILL tests: a crash at step 3 of cell a."""
    gin_file, out = write_study(tmp_path), tmp_path / "runs"
    monkeypatch.setenv("GANBENCH_FAULT", "crash@3:a/*")
    assert study.run_study(gin_file, out=out) == {"a/seed-0": "failed", "b/seed-0": "done"}
    cell_a = out / "tiny" / "a" / "seed-0"
    assert load(cell_a)["step"] == 2 and not (cell_a / "done").exists()
    assert "injected crash at 3" in (cell_a / "error.txt").read_text()
    monkeypatch.delenv("GANBENCH_FAULT")
    b_done = (out / "tiny" / "b" / "seed-0" / "done").stat().st_mtime_ns
    assert study.run_study(gin_file, out=out) == {"a/seed-0": "done"}   # b is not redone
    assert (out / "tiny" / "b" / "seed-0" / "done").stat().st_mtime_ns == b_done
    assert_same(fingerprint(out / "tiny"), reference_run)


@pytest.mark.slow
def test_sigkill_at_several_steps_then_resume_matches_uninterrupted(tmp_path, reference_run):
    gin_file, out = write_study(tmp_path), tmp_path / "runs"
    cell_a, cell_b = out / "tiny" / "a" / "seed-0", out / "tiny" / "b" / "seed-0"
    # killed at step 3 of the first cell: its step-2 checkpoint survives
    first = run_cli(gin_file, out, fault="kill@3")
    assert first.returncode == -signal.SIGKILL, first.stderr[-2000:]
    assert load(cell_a)["step"] == 2 and not (cell_a / "done").exists() and not cell_b.exists()
    # resumed, a finishes; killed again at step 5 of b (its step-4 checkpoint survives)
    second = run_cli(gin_file, out, fault="kill@5:b/*")
    assert second.returncode == -signal.SIGKILL, second.stderr[-2000:]
    assert json.loads((cell_a / "done").read_text())["status"] == "done"
    assert load(cell_b)["step"] == 4 and not (cell_b / "done").exists()
    a_done = (cell_a / "done").stat().st_mtime_ns
    # resumed again without faults: only b's last steps are trained
    assert study.run_study(gin_file, out=out) == {"b/seed-0": "done"}
    assert (cell_a / "done").stat().st_mtime_ns == a_done
    assert_same(fingerprint(out / "tiny"), reference_run)


@pytest.mark.slow
def test_external_sigkill_during_evaluation_and_between_cells(tmp_path, reference_run):
    gin_file, out = write_study(tmp_path), tmp_path / "runs"
    cell_a, cell_b = out / "tiny" / "a" / "seed-0", out / "tiny" / "b" / "seed-0"
    # killed from outside while cell a is evaluating: trained to the end, not done
    kill_when_paused(gin_file, out, "pause@eval:a/*")
    assert load(cell_a)["step"] == 6 and not (cell_a / "done").exists()
    # killed from outside after a's done marker, before b trains its first step
    kill_when_paused(gin_file, out, "pause@0:b/*")
    assert (cell_a / "done").exists() and load(cell_b) is None
    train_lines = [r for r in map(json.loads, (cell_a / "metrics.jsonl").read_text().splitlines())
                   if r["kind"] == "train"]
    assert [r["step"] for r in train_lines] == [1, 2, 3, 4, 5, 6]   # evaluation redone, training not
    assert study.run_study(gin_file, out=out) == {"b/seed-0": "done"}
    assert_same(fingerprint(out / "tiny"), reference_run)
