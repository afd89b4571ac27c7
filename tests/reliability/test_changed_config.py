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


# ----------------------------------------------------------------- changed data (image folders)
FOLDER_STUDY = """
Experiment.dataset = @datasets.image_folder
datasets.image_folder.root = '{root}'
datasets.image_folder.resolution = 16
datasets.image_folder.test_fraction = 0.25
Experiment.architecture = @architectures.dcgan
architectures.dcgan.base_width = 8
architectures.dcgan.z_dim = 16
Experiment.loss = @losses.hinge
Experiment.steps = 2
Experiment.batch_size = 8
Experiment.eval_samples = 32
Experiment.metrics = [@metrics.swd]
Experiment.threads = 1
Benchmark.name = 'folder'
Benchmark.variants = {{'a': ['Experiment.labeler = @labelers.full'], 'b': ['Experiment.labeler = @labelers.single']}}
Benchmark.seeds = 1
Benchmark.table_metrics = ['swd_avg']
"""


def write_folder(root, classes=("circle", "square"), per_class=12):
    import numpy as np
    from PIL import Image
    rng = np.random.default_rng(0)
    for c, name in enumerate(classes):
        for i in range(per_class):
            path = root / name / f"{i:02d}.png"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(path)
    return root


def test_changed_images_stop_the_study_and_rerun_changed_moves_them(tmp_path, capsys):
    import time
    root = write_folder(tmp_path / "pictures")
    gin_file = tmp_path / "folder.gin"
    gin_file.write_text(FOLDER_STUDY.format(root=root))
    out = tmp_path / "runs"
    code, captured = run_cli(capsys, gin_file, out)
    assert code == 0, captured.err
    cell = out / "folder" / "a" / "seed-0"
    recorded = json.loads((cell / fingerprint.DATA_FILE).read_text())
    assert recorded["train"].startswith("image_folder-train-r16-") and recorded["dataset"] == "image_folder"

    code, captured = run_cli(capsys, gin_file, out)            # nothing changed: all done
    assert code == 0 and not (out / "folder" / fingerprint.STALE_DIR).exists()

    time.sleep(0.05)   # past the filesystem's timestamp tick, as any real copy is
    train_file = next(p for p in sorted((root / "circle").iterdir())
                      if _in_split(root, p, "train"))
    _replace_with_same_size_png(train_file)
    code, captured = run_cli(capsys, gin_file, out)
    errors = [line for line in captured.err.splitlines() if line.startswith("ganbench: error:")]
    assert code == 2 and "Traceback" not in captured.err
    assert "different data" in errors[0] and "dataset image_folder" in errors[0]
    assert str(root) in errors[0] and "a/seed-0" in errors[0] and "b/seed-0" in errors[0]
    assert f"-data train: {recorded['train']}" in captured.err and "--rerun-changed" in captured.err

    code, captured = run_cli(capsys, gin_file, out, "--dry-run")
    assert "a/seed-0: done (data changed)" in captured.out.splitlines()

    code, captured = run_cli(capsys, gin_file, out, "--rerun-changed")
    assert code == 0, captured.err
    stale = sorted((out / "folder" / fingerprint.STALE_DIR).iterdir())
    assert [p.name.split("--")[:2] for p in stale] == [["a", "seed-0"], ["b", "seed-0"]]
    assert json.loads((cell / fingerprint.DATA_FILE).read_text())["train"] != recorded["train"]


def _in_split(root, path, split):
    from ganbench_datasets.image_folder import _hashed_split
    return (path, 0) in _hashed_split([(path, 0)] + [(p, 0) for p in root.rglob("*.png") if p != path],
                                      root, split, 0, 0.25)


def _replace_with_same_size_png(path):
    """Another valid PNG of exactly the same byte size, with the old mtime set back."""
    import io
    import os
    import numpy as np
    from PIL import Image
    before = path.stat()
    rng = np.random.default_rng(7)
    for _ in range(200):
        pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="PNG")
        data = buf.getvalue()
        if len(data) <= before.st_size:
            # a PNG ends with its IEND chunk: trailing bytes after it are ignored by decoders
            path.write_bytes(data + b"\0" * (before.st_size - len(data)))
            break
    else:
        raise AssertionError("no smaller PNG found")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_one_class_folder_with_a_domain_metric_stops_before_training(tmp_path, capsys):
    root = tmp_path / "flat"
    write_folder(tmp_path / "tmp1", classes=("only",))
    (tmp_path / "tmp1" / "only").rename(root)
    gin_file = tmp_path / "folder.gin"
    gin_file.write_text(FOLDER_STUDY.format(root=root).replace("[@metrics.swd]", "[@metrics.fid_domain]"))
    for extra in (("--dry-run",), ()):
        code, captured = run_cli(capsys, gin_file, tmp_path / "runs", *extra)
        assert code == 2 and "Traceback" not in captured.err
        assert "needs images of at least two classes" in captured.err and "Inception" in captured.err
        assert "in variant 'a'" in captured.err
    assert not (tmp_path / "runs" / "folder").exists()          # nothing was written or trained


def test_too_small_label_fraction_stops_the_study_before_training(tmp_path, capsys):
    root = write_folder(tmp_path / "pictures")
    gin_file = tmp_path / "folder.gin"
    gin_file.write_text(FOLDER_STUDY.format(root=root).replace(
        "'b': ['Experiment.labeler = @labelers.single']",
        "'b': ['Experiment.labeler = @labelers.s2gan', 'labelers.s2gan.fraction = 0.05']"))
    code, captured = run_cli(capsys, gin_file, tmp_path / "runs")
    assert code == 2 and "Traceback" not in captured.err
    assert "in variant 'b'" in captured.err and "labelers.s2gan: fraction=0.05" in captured.err
    assert "fewer than its 2 classes" in captured.err or "not one labelled image" in captured.err
    assert not (tmp_path / "runs" / "folder").exists()


def test_domain_classifier_accuracy_is_in_the_log_tables_and_report(tmp_path, capsys):
    from ganbench.report.html import write_report
    from ganbench.results import read_jsonl
    root = write_folder(tmp_path / "pictures", per_class=16)
    gin_file = tmp_path / "folder.gin"
    gin_file.write_text(FOLDER_STUDY.format(root=root).replace("[@metrics.swd]", "[@metrics.swd, @metrics.fid_domain]")
                        + "feature_extractors.domain_classifier.epochs = 1\n")
    code, captured = run_cli(capsys, gin_file, tmp_path / "runs")
    assert code == 0, captured.err
    study_dir = tmp_path / "runs" / "folder"
    records = [r for r in read_jsonl(study_dir / "a" / "seed-0" / "metrics.jsonl") if r["kind"] == "data"]
    accuracy = records[0]["domain_classifier_test_accuracy"]
    assert 0 <= accuracy <= 1 and records[0]["test_images"] > 0
    assert "domain_classifier_test_accuracy" in captured.err           # the console line of the record
    assert f"Domain classifier test accuracy: {accuracy:.1%}" in (study_dir / "tables.md").read_text()
    capsys.readouterr()
    assert cli.main(["table", str(study_dir)]) == 0
    assert "Domain classifier test accuracy" in capsys.readouterr().out
    assert "domain_classifier test accuracy" in write_report(study_dir).read_text()
