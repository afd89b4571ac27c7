"""Bad input: each mistake gives a non-zero exit, one line on stderr naming what and where (no
traceback), and writes nothing (no study directory)."""
import errno
import os
import json
import subprocess
import sys

import pytest

from ganbench import cli, study
from ganbench.run import checkpoint
from ganbench.hookspecs import hookimpl

from reliability_helpers import write_study


def images(folder, count=3, size=20):
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        Image.new("RGB", (size, size), (40 * i, 90, 200)).save(folder / f"img{i}.png")
    return folder


def run(tmp_path, capsys, *extra, gin_extra="", gin_text=None):
    gin_file = write_study(tmp_path, extra=gin_extra)
    if gin_text is not None:
        gin_file.write_text(gin_text)
    out = tmp_path / "runs"
    code = cli.main(["run", str(gin_file), "--out", str(out), *extra])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip() and "grid:" not in line]
    return code, err, out


def line_of(tmp_path, text):
    return (tmp_path / "tiny.gin").read_text().splitlines().index(text) + 1


def assert_one_line_error(code, err, out, *expected):
    assert code != 0
    assert len(err) == 1, err
    assert err[0].startswith("ganbench: error: ") and "Traceback" not in err[0]
    for text in expected:
        assert text in err[0], err[0]
    assert not out.exists()


def test_gin_syntax_error_names_file_and_line(tmp_path, capsys):
    code, err, out = run(tmp_path, capsys, gin_extra="Experiment.steps = 2 2")
    where = f"tiny.gin:{line_of(tmp_path, 'Experiment.steps = 2 2')}:"
    assert_one_line_error(code, err, out, where, "syntax error")


def test_unknown_component_lists_valid_names(tmp_path, capsys):
    code, err, out = run(tmp_path, capsys, gin_extra="Experiment.loss = @losses.hingee")
    assert_one_line_error(code, err, out, "unknown losses 'hingee'", "non_saturating")


def test_unknown_parameter_names_file_and_line(tmp_path, capsys):
    code, err, out = run(tmp_path, capsys, gin_extra="Experiment.stepz = 3")
    where = f"tiny.gin:{line_of(tmp_path, 'Experiment.stepz = 3')}:"
    assert_one_line_error(code, err, out, where, "'stepz'")


def test_missing_parameter(tmp_path, capsys):
    code, err, out = run(tmp_path, capsys, "-p", "Experiment.dataset = @datasets.image_folder",
                         "-p", "datasets.image_folder.resolution = 16")
    assert_one_line_error(code, err, out, "variant 'a'", "datasets.image_folder.root")


@pytest.mark.parametrize("binding, expected", [
    ("labelers.subset.fraction = 1.5", "fraction=1.5"),
    ("labelers.subset.fraction = 0.0", "0 < fraction <= 1"),
    ("Experiment.steps = -5", "Experiment.steps must be a positive integer, got -5"),
    ("Experiment.batch_size = 'eight'", "Experiment.batch_size must be a positive integer"),
])
def test_wrong_type_or_range(tmp_path, capsys, binding, expected):
    code, err, out = run(tmp_path, capsys, "-p", "Experiment.labeler = @labelers.subset", "-p", binding)
    assert_one_line_error(code, err, out, expected)


def test_batch_size_not_divisible_by_processes(monkeypatch):
    from ganbench import distributed
    from ganbench.config import Experiment
    from ganbench.run import Run
    monkeypatch.setattr(distributed, "world_size", lambda: 3)
    with pytest.raises(ValueError, match="batch_size = 8 is not divisible by the 3 data-parallel"):
        Run(Experiment(batch_size=8, metrics=[]), seed=0, cache_dir="unused")


def image_folder_args(root):
    return ["-p", "Experiment.dataset = @datasets.image_folder", "-p", f"datasets.image_folder.root = '{root}'",
            "-p", "datasets.image_folder.resolution = 16", "-p", "datasets.image_folder.test_fraction = 0.0"]


def test_unknown_feature_extractor_of_a_metric_fails_before_training(tmp_path, capsys):
    code, err, out = run(tmp_path, capsys, gin_extra="Experiment.metrics = [@metrics.fid]\n"
                                                     "metrics.fid.extractor = 'inception'")
    assert_one_line_error(code, err, out, "in variant 'a'", "metric 'fid' names feature extractor 'inception'",
                          "Did you mean inception_v3", "domain_classifier")


def test_missing_dataset_path(tmp_path, capsys):
    code, err, out = run(tmp_path, capsys, *image_folder_args(tmp_path / "nowhere"))
    assert_one_line_error(code, err, out, str(tmp_path / "nowhere"), "does not exist")


def test_empty_image_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code, err, out = run(tmp_path, capsys, *image_folder_args(tmp_path / "empty"))
    assert_one_line_error(code, err, out, "no image files in", str(tmp_path / "empty"))


def test_corrupt_image_file_names_its_path(tmp_path, capsys):
    folder = images(tmp_path / "imgs")
    (folder / "img1.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    code, err, out = run(tmp_path, capsys, *image_folder_args(folder))
    assert_one_line_error(code, err, out, f"cannot decode image file {folder / 'img1.png'}")


def test_missing_config_file(tmp_path, capsys):
    code = cli.main(["run", str(tmp_path / "nope.gin"), "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err.strip().splitlines()
    assert_one_line_error(code, err, tmp_path / "runs", f"config file not found: {tmp_path / 'nope.gin'}")


def test_output_directory_not_writable(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    code, err, out = run(tmp_path, capsys, "--out", str(blocker / "runs"))
    assert_one_line_error(code, err, blocker / "runs", f"output directory {blocker / 'runs' / 'tiny'} is not writable")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):   # root ignores permission bits: the case above covers it
        return
    code, err, out = run(tmp_path, capsys, "--out", str(locked / "runs"))
    assert_one_line_error(code, err, locked / "runs", "is not writable")


def test_disk_full_while_writing_the_tables(tmp_path, capsys, monkeypatch):
    from ganbench.report import tables

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(tables, "atomic_write_text",
                        lambda path, text: full() if path.name == "tables.md" else None)
    code, err, out = run(tmp_path, capsys, "-p", "Experiment.steps = 1")
    assert code != 0 and err[-1].startswith("ganbench: error: ") and "No space left" in err[-1]
    assert not (out / "tiny" / "tables.md").exists()


class BrokenPlugin:
    @hookimpl
    def register_losses(self, register):
        register("focal", "no_such_module_for_ganbench_tests:focal", summary="a loss whose module is missing")


def test_broken_plugin_component_names_the_import_error(tmp_path, capsys, fresh_plugins):
    fresh_plugins.register(BrokenPlugin(), "brokenplugin")
    code, err, out = run(tmp_path, capsys, "-p", "Experiment.loss = @losses.focal")
    lines = [line for line in err if line.startswith("ganbench: error:")]
    assert code != 0 and len(lines) == 1 and "no_such_module_for_ganbench_tests" in lines[0]
    assert not out.exists()


def test_incompatible_checkpoint_fails_the_cell_with_one_line(tmp_path, capsys):
    gin_file = write_study(tmp_path, extra="Experiment.steps = 2")
    study.run_study(gin_file, out=tmp_path / "runs")
    cell = tmp_path / "runs" / "tiny" / "a" / "seed-0"
    (cell / "done").unlink()
    # a run from before runs recorded their configuration: only the checkpoint can tell
    for recorded in (tmp_path / "runs").rglob("requested.gin"):
        recorded.unlink()
    capsys.readouterr()
    code = cli.main(["run", str(gin_file), "--out", str(tmp_path / "runs"), "-p", "architectures.dcgan.base_width = 4"])
    err = capsys.readouterr().err
    failures = [line for line in err.splitlines() if "failed:" in line]
    assert code == 1 and len(failures) == 1 and "1 cell(s) failed" in err and "Traceback" not in err
    assert f"the checkpoint in {cell} was written by a different configuration" in failures[0]
    assert not (cell / "done").exists() and checkpoint.load(cell)["step"] == 2


def test_hostile_checkpoint_is_refused_by_ganbench_run(tmp_path):
    gin_file = write_study(tmp_path)
    cell = tmp_path / "runs" / "tiny" / "a" / "seed-0"
    cell.mkdir(parents=True)
    marker = tmp_path / "code-ran"
    hostile = f"import torch, pathlib\nclass X:\n    def __reduce__(self): return (pathlib.Path.touch, (pathlib.Path({str(marker)!r}),))\n" \
              f"torch.save({{'step': 1, 'G': X()}}, {str(cell / checkpoint.LATEST)!r})\n"
    subprocess.run([sys.executable, "-c", hostile], check=True)
    code = cli.main(["run", str(gin_file), "--out", str(tmp_path / "runs")])
    assert code == 1 and not marker.exists()
    assert "refusing to load" in (cell / "error.txt").read_text()
    assert json.loads((tmp_path / "runs/tiny/b/seed-0/done").read_text())["status"] == "done"
