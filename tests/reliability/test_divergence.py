"""Divergence: NaN/Inf marks the seed `diverged` at that step with its last good metrics, the
grid goes on, tables count diverged seeds and take the median over the rest; the restart policy
resumes from the last checkpoint with new noise and records it."""
import json

from ganbench import study
from ganbench.results import read_jsonl

from reliability_helpers import write_study


def done_of(out, cell):
    return json.loads((out / "tiny" / cell / "done").read_text())


def test_nan_marks_one_seed_diverged_and_the_grid_goes_on(tmp_path, monkeypatch):
    gin_file = write_study(tmp_path, seeds=2, extra="Experiment.eval_every = 2")
    monkeypatch.setenv("GANBENCH_FAULT", "nan@3:a/seed-0")
    status = study.run_study(gin_file, out=tmp_path / "runs")
    assert status == {"a/seed-0": "diverged", "a/seed-1": "done", "b/seed-0": "done", "b/seed-1": "done"}
    bad = done_of(tmp_path / "runs", "a/seed-0")
    # nan@3 poisons the update that starts after 3 steps: detected when step 4 completes
    assert bad["status"] == "diverged" and bad["step"] == 4 and bad["restarts"] == []
    evals = [r for r in read_jsonl(tmp_path / "runs/tiny/a/seed-0/metrics.jsonl") if r["kind"] == "eval"]
    assert [r["step"] for r in evals] == [2]                       # the last good evaluation...
    assert bad["metrics"]["swd_avg"] == evals[0]["swd_avg"]        # ...is kept
    good = done_of(tmp_path / "runs", "a/seed-1")["metrics"]["swd_avg"]
    row = next(r for r in json.loads((tmp_path / "runs/tiny/results.json").read_text()) if r["variant"] == "a")
    assert row["seeds_diverged"] == 1 and row["metrics"]["swd_avg"]["values"] == [good]
    table_row = next(line for line in (tmp_path / "runs/tiny/tables.md").read_text().splitlines()
                     if line.startswith("| a "))
    assert f"{good:.0f}" in table_row and "1/2 diverged" in table_row   # SWD ~200: 3 significant digits


def test_restart_policy_resumes_from_last_checkpoint_and_records_it(tmp_path, monkeypatch):
    gin_file = write_study(tmp_path, extra="Experiment.on_divergence = 'restart'")
    monkeypatch.setenv("GANBENCH_FAULT", "nan@3:a/*")   # a transient NaN: fires once
    assert study.run_study(gin_file, out=tmp_path / "runs")["a/seed-0"] == "done"
    done = done_of(tmp_path / "runs", "a/seed-0")
    assert done["step"] == 6 and len(done["restarts"]) == 1
    assert done["restarts"][0]["step"] == 4 and done["restarts"][0]["from_step"] == 2
    assert json.loads((tmp_path / "runs/tiny/a/seed-0/restarts.json").read_text()) == done["restarts"]
    log = read_jsonl(tmp_path / "runs/tiny/a/seed-0/metrics.jsonl")
    assert [r["kind"] for r in log if r["kind"] != "train"] == ["diverged", "eval"]
    # after the restart, steps 3.. are retrained from the step-2 checkpoint with new noise
    steps = [r["step"] for r in log if r["kind"] == "train"]
    assert steps == [1, 2, 3, 3, 4, 5, 6]


def test_real_divergence_exhausts_restarts_then_is_marked(tmp_path):
    gin_file = write_study(tmp_path, extra="Experiment.on_divergence = 'restart'\nExperiment.max_restarts = 1\n"
                                           "Experiment.d_lr = 1e30\nExperiment.g_lr = 1e30")
    status = study.run_study(gin_file, out=tmp_path / "runs")
    assert status == {"a/seed-0": "diverged", "b/seed-0": "diverged"}
    done = done_of(tmp_path / "runs", "a/seed-0")
    assert len(done["restarts"]) == 1 and "non-finite" in done["reason"]
    assert "2/1" not in (tmp_path / "runs/tiny/tables.md").read_text()
    assert "1/1 diverged" in (tmp_path / "runs/tiny/tables.md").read_text()
