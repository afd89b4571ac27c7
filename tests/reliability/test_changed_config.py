"""A resumed study never mixes configurations: changed runs stop `ganbench run` (or are rerun)."""
from __future__ import annotations

import json

from ganbench import cli, study
from ganbench.config import fingerprint

from reliability_helpers import write_study


def finished_study(tmp_path):
    """A two-cell study of 2 steps, trained to the end: (gin file, output root)."""
    gin_file = write_study(tmp_path, steps=2)
    study.run_study(gin_file, out=tmp_path / "runs")
    return gin_file, tmp_path / "runs"


def run_cli(capsys, gin_file, out, *extra):
    code = cli.main(["run", str(gin_file), "--out", str(out), *extra])
    return code, capsys.readouterr()


def test_changed_binding_stops_the_study_before_training(tmp_path, capsys):
    gin_file, out = finished_study(tmp_path)
    cell = out / "tiny" / "a" / "seed-0"
    before = (cell / "done").read_text()
    assert "Experiment.steps = 2" in (cell / "requested.gin").read_text()

    code, captured = run_cli(capsys, gin_file, out, "-p", "Experiment.steps = 3")
    errors = [line for line in captured.err.splitlines() if line.startswith("ganbench: error:")]
    assert code == 2 and "Traceback" not in captured.err
    assert "2 run(s)" in errors[0] and "a/seed-0" in errors[0] and "b/seed-0" in errors[0]
    assert "-Experiment.steps = 2" in captured.err and "+Experiment.steps = 3" in captured.err
    assert "--rerun-changed" in captured.err
    assert (cell / "done").read_text() == before          # nothing touched


def test_dry_run_marks_changed_runs(tmp_path, capsys):
    gin_file, out = finished_study(tmp_path)
    code, captured = run_cli(capsys, gin_file, out, "--dry-run", "-p", "architectures.dcgan.z_dim = 8")
    assert code == 0
    assert "a/seed-0: done (configuration changed)" in captured.out.splitlines()


def test_rerun_changed_moves_old_runs_aside_and_retrains(tmp_path, capsys):
    gin_file, out = finished_study(tmp_path)
    code, _ = run_cli(capsys, gin_file, out, "--rerun-changed", "-p", "Experiment.steps = 3")
    assert code == 0
    cell = out / "tiny" / "a" / "seed-0"
    assert json.loads((cell / "done").read_text())["step"] == 3
    stale = sorted((out / "tiny" / fingerprint.STALE_DIR).iterdir())
    assert [p.name.split("--")[:2] for p in stale] == [["a", "seed-0"], ["b", "seed-0"]]
    assert json.loads((stale[0] / "done").read_text())["step"] == 2


def test_bookkeeping_and_benchmark_changes_do_not_count(tmp_path, capsys):
    gin_file, out = finished_study(tmp_path)
    code, captured = run_cli(capsys, gin_file, out, "-p", "Experiment.log_every = 5",
                             "-p", "Benchmark.seeds = 2", "-p", "labelers.s2gan.steps = 7")
    assert code == 0, captured.err
    assert (out / "tiny" / "a" / "seed-1" / "done").exists()
    assert not (out / "tiny" / fingerprint.STALE_DIR).exists()


def test_requested_config_follows_references_and_names(tmp_path):
    from ganbench import config
    gin_file = write_study(tmp_path, extra="architectures.dcgan.g_normalizers = ['conditional_batch_norm']\n"
                                           "normalizers.conditional_batch_norm.momentum = 0.2\n"
                                           "labelers.s2gan.steps = 7")
    config.parse([gin_file], ["Experiment.labeler = @labelers.full"])
    text = fingerprint.requested_config()
    assert "architectures.dcgan.z_dim = 16" in text                       # by @reference
    assert "normalizers.conditional_batch_norm.momentum = 0.2" in text   # by registered name
    assert "labelers.s2gan" not in text and "Benchmark" not in text and "log_every" not in text
