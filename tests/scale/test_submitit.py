"""The submitit executor: a tiny study as local submitit jobs, resume, failures, SLURM options."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from ganbench import study
from ganbench.components import resolve
from ganbench.executors.cluster import SubmititExecutor, job_status

submitit = pytest.importorskip("submitit", reason="the submitit executor needs `pip install submitit`")

TINY = Path(__file__).with_name("tiny.gin")
FAST_POLL = "executors.submitit.poll_interval_s = 0.2"


def test_local_jobs_finish_the_study_and_a_rerun_submits_nothing(tmp_path):
    bindings = ["executors.submitit.cluster = 'local'", FAST_POLL]
    status = study.run_study(TINY, out=tmp_path, bindings=bindings, executor="submitit")
    assert status == {"full-labels/seed-0": "done", "single-label/seed-0": "done"}
    study_dir = tmp_path / "tiny_scale"
    for cell in ("full-labels", "single-label"):
        done = json.loads((study_dir / cell / "seed-0" / "done").read_text())
        assert done["status"] == "done" and done["step"] == 4
    # each cell ran as its own job: submitit kept one result file per job under <study>/submitit
    assert len(list((study_dir / "submitit").glob("*_result.pkl"))) == 2
    assert (study_dir / "results.json").exists()
    mtime = (study_dir / "full-labels" / "seed-0" / "done").stat().st_mtime_ns
    assert study.run_study(TINY, out=tmp_path, bindings=bindings, executor="submitit") == {}
    assert (study_dir / "full-labels" / "seed-0" / "done").stat().st_mtime_ns == mtime


def test_cli_selects_it_and_finished_cells_are_skipped_inside_the_job(tmp_path):
    cmd = [sys.executable, "-m", "ganbench.cli", "run", str(TINY), "--out", str(tmp_path),
           "--executor", "submitit", "-p", "executors.submitit.cluster = 'debug'", "-p", FAST_POLL,
           "-p", "Benchmark.variants = {'full labels': []}"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "submitted 1 cell(s) as debug jobs" in result.stderr
    # a job for a cell that finished meanwhile (e.g. a resubmitted array) must not retrain it
    _, _, _, tasks = study.plan(TINY, tmp_path, ["Benchmark.variants = {'full labels': []}"])
    statuses = SubmititExecutor(cluster="debug").run(tasks)
    assert dict(statuses) == {"full-labels/seed-0": "skipped"}


def test_a_crashing_cell_is_reported_failed_with_its_traceback(tmp_path):
    _, _, _, tasks = study.plan(TINY, tmp_path, ["Benchmark.variants = {'full labels': []}"])
    tasks[0].benchmark_file = str(tmp_path / "moved_away.gin")
    statuses = SubmititExecutor(cluster="debug").run(tasks)
    assert statuses.failed == ["full-labels/seed-0"]
    assert "config file not found" in (Path(tasks[0].run_dir) / "error.txt").read_text()


class DeadJob:
    """A job the scheduler killed (timeout, out of memory): submitit raises on its results."""
    job_id = "1234_0"

    class paths:
        stderr = "/logs/1234_0_0_log.err"

    def results(self):
        raise submitit.core.utils.UncompletedJobError("Job 1234_0 (task: 0) with path ... has not produced any output (state: TIMEOUT)")


def test_a_job_that_died_counts_as_failed_and_names_its_log(capsys, tmp_path):
    task = SimpleNamespace(label="cell/seed-0", run_dir=str(tmp_path))
    assert job_status(DeadJob(), task) == "failed"
    err = capsys.readouterr().err
    assert "cell/seed-0" in err and "TIMEOUT" in err and "/logs/1234_0_0_log.err" in err
    # the summary's "see error.txt in their directories" holds for a killed job too
    reason = (tmp_path / "error.txt").read_text()
    assert "TIMEOUT" in reason and "/logs/1234_0_0_log.err" in reason


@pytest.mark.parametrize("cap", [1, 2])
def test_the_local_backend_never_runs_more_jobs_than_the_cap(tmp_path, cap):
    """submitit's local backend ignores array parallelism; ganbench submits at most `workers`
    local jobs at a time. Each fake cell records when it ran; no more than `cap` overlap."""
    import cloudpickle
    import fake_tasks
    cloudpickle.register_pickle_by_value(fake_tasks)   # the job's interpreter cannot import tests/
    tasks = [fake_tasks.TimedSleep(f"cell-{i}/seed-0", str(tmp_path / f"cell-{i}" / "seed-0"),
                                   str(tmp_path / "log"), 1.0) for i in range(3)]
    executor = SubmititExecutor(cluster="local", workers=cap, poll_interval_s=0.1,
                                folder=str(tmp_path / "submitit"))
    assert dict(executor.run(tasks)) == {t.label: "done" for t in tasks}
    spans = [tuple(map(float, p.read_text().split())) for p in (tmp_path / "log").iterdir()]
    assert len(spans) == 3
    most_at_once = max(sum(start <= t < end for start, end in spans) for t, _ in spans)
    assert most_at_once == cap


def test_gin_parameters_reach_the_sbatch_script(tmp_path, monkeypatch):
    # submitit builds a SLURM executor only where `srun` exists; nothing is submitted here
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "srun").write_text("#!/bin/sh\nexit 1\n")
    (fake_bin / "srun").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
    executor = resolve("executors", "submitit", workers=None)   # the registered, gin-bindable factory
    assert isinstance(executor, SubmititExecutor)
    configured = SubmititExecutor(cluster="slurm", partition="gpu", gpus_per_node=4, cpus_per_task=16,
                                  timeout_min=90, slurm_array_parallelism=8, ranks_per_cell=4,
                                  slurm_additional_parameters={"qos": "high"}).make_executor(tmp_path)
    from submitit.slurm.slurm import _make_sbatch_string
    script = _make_sbatch_string(command="python -m x", folder=tmp_path, **configured._executor.parameters)
    for line in ("#SBATCH --partition=gpu", "#SBATCH --gpus-per-node=4", "#SBATCH --cpus-per-task=16",
                 "#SBATCH --time=90", "#SBATCH --ntasks-per-node=4", "#SBATCH --qos=high"):
        assert line in script, line
    assert configured._executor.parameters["array_parallelism"] == 8


@pytest.mark.parametrize("kwargs, message", [
    ({"cluster": "slrum"}, "executors.submitit.cluster = 'slrum' is not one of"),
    ({"timeout_min": 0}, "executors.submitit.timeout_min must be a positive integer"),
    ({"ranks_per_cell": 1.5}, "executors.submitit.ranks_per_cell must be a positive integer"),
    ({"slurm_additional_parameters": "qos=high"}, "must be a dict of sbatch options"),
])
def test_bad_parameters_name_the_binding(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("[", r"\[")):
        SubmititExecutor(**kwargs)


@pytest.mark.slow
def test_ranks_per_cell_trains_one_cell_data_parallel_in_one_job(tmp_path):
    """Two tasks of one local job become two gloo ranks: one done cell, logged by rank 0 only."""
    bindings = ["executors.submitit.cluster = 'local'", "executors.submitit.ranks_per_cell = 2",
                FAST_POLL, "Benchmark.variants = {'full labels': []}"]
    status = study.run_study(TINY, out=tmp_path, bindings=bindings, executor="submitit")
    assert status == {"full-labels/seed-0": "done"}
    study_dir = tmp_path / "tiny_scale"
    assert len(list((study_dir / "submitit").glob("*_result.pkl"))) == 2       # one per rank
    records = [json.loads(line) for line in
               (study_dir / "full-labels" / "seed-0" / "metrics.jsonl").read_text().splitlines()]
    assert [r["images_seen"] for r in records if r["kind"] == "train"] == [32, 64]
