"""Two runners on one output directory: a lock per cell, so no cell is trained twice and no
file is written by both; the tables written last are complete."""
import json
import subprocess
import time
from collections import Counter

import pytest
from filelock import FileLock

from ganbench import study
from ganbench.results import read_jsonl

from reliability_helpers import cli_args, cli_env, write_study


def assert_each_cell_trained_once(study_dir, cells, steps):
    for cell in cells:
        log = read_jsonl(study_dir / cell / "metrics.jsonl")
        counts = Counter(r["step"] for r in log if r["kind"] == "train")
        assert counts == Counter(range(1, steps + 1)), cell      # every step logged exactly once
        assert [r["kind"] for r in log].count("eval") == 1, cell
        assert json.loads((study_dir / cell / "done").read_text())["status"] == "done"


def test_a_cell_locked_by_another_runner_is_left_alone(tmp_path):
    gin_file, out = write_study(tmp_path, steps=2), tmp_path / "runs"
    cell_a = out / "tiny" / "a" / "seed-0"
    cell_a.mkdir(parents=True)
    with FileLock(str(cell_a / ".lock")):   # another process is training it
        assert study.run_study(gin_file, out=out) == {"a/seed-0": "busy", "b/seed-0": "done"}
    assert not (cell_a / "metrics.jsonl").exists()
    assert "pending" in (out / "tiny" / "tables.md").read_text()
    assert study.run_study(gin_file, out=out) == {"a/seed-0": "done"}
    assert_each_cell_trained_once(out / "tiny", ["a/seed-0", "b/seed-0"], steps=2)
    assert "pending" not in (out / "tiny" / "tables.md").read_text()


@pytest.mark.slow
def test_two_concurrent_runners_never_run_a_cell_twice(tmp_path):
    steps = 30
    gin_file, out = write_study(tmp_path, steps=steps, seeds=2), tmp_path / "runs"
    first = subprocess.Popen(cli_args(gin_file, out), env=cli_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while not (out / "tiny" / "a" / "seed-0" / "metrics.jsonl").exists() and first.poll() is None:
        assert time.time() < deadline
        time.sleep(0.05)
    # the second runner starts while the first is inside its first cell
    second = subprocess.run(cli_args(gin_file, out), env=cli_env(), capture_output=True, text=True, timeout=300)
    first_out, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    cells = ["a/seed-0", "a/seed-1", "b/seed-0", "b/seed-1"]
    assert_each_cell_trained_once(out / "tiny", cells, steps)
    results = json.loads((out / "tiny" / "results.json").read_text())
    assert all(r["seeds_done"] == 2 for r in results)
    assert "pending" not in (out / "tiny" / "tables.md").read_text()


def test_the_cli_says_which_cells_another_runner_still_trains(tmp_path, capsys):
    """A runner that finishes while another still trains cells must not print a partial table
    without a word about them."""
    from ganbench import cli
    gin_file, out = write_study(tmp_path, steps=2), tmp_path / "runs"
    cell_a = out / "tiny" / "a" / "seed-0"
    cell_a.mkdir(parents=True)
    with FileLock(str(cell_a / ".lock")):
        assert cli.main(["run", str(gin_file), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "1 cell(s) are being trained by another ganbench process right now (busy)" in err
    assert "a/seed-0" in err.split("(busy)")[1]
