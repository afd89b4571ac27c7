"""TensorBoard logging: off by default, events readable by TensorBoard itself, a clear error
when the optional package is missing."""
from __future__ import annotations

import importlib.util
import math
import sys

import numpy as np
import pytest

from ganbench.report.tensorboard import MissingDependencyError, TensorBoardLogger, export_run

needs_tensorboard = pytest.mark.skipif(
    importlib.util.find_spec("tensorboard") is None,
    reason="tensorboard is an optional dependency and is not installed (pip install tensorboard)")


def read_events(log_dir):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    events = EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    return events


def test_disabled_logger_writes_nothing(tmp_path):
    logger = TensorBoardLogger(tmp_path)
    assert not logger.enabled
    logger.log({"step": 1, "d_loss": 1.0})
    logger.images("samples", np.zeros((2, 3, 4, 4), np.uint8), 1)
    logger.close()
    assert list(tmp_path.iterdir()) == []


@needs_tensorboard
def test_scalars_and_images_are_readable_by_tensorboard(tmp_path):
    rng = np.random.default_rng(0)
    with TensorBoardLogger(tmp_path, enabled=True) as logger:
        logger.log({"kind": "train", "step": 10, "d_loss": 1.5, "g_loss": -0.25, "images_seen": 640})
        logger.log({"kind": "train", "step": 20, "d_loss": 1.25, "g_loss": math.nan})   # NaN skipped
        logger.log({"kind": "eval", "step": 20, "fid_domain": 12.5, "note": "text is skipped"})
        logger.images("samples", rng.integers(0, 256, (4, 3, 8, 8), dtype=np.uint8), 20)
        logger.images("grid", rng.integers(0, 256, (20, 38, 3), dtype=np.uint8), 20)
    events = read_events(tmp_path / "tensorboard")
    tags = events.Tags()
    assert sorted(tags["scalars"]) == ["eval/fid_domain", "train/d_loss", "train/g_loss", "train/images_seen"]
    assert [(e.step, e.value) for e in events.Scalars("train/d_loss")] == [(10, 1.5), (20, 1.25)]
    assert [(e.step, e.value) for e in events.Scalars("train/g_loss")] == [(10, -0.25)]
    assert [e.value for e in events.Scalars("eval/fid_domain")] == [12.5]
    grid = events.Images("grid")[0]
    assert (grid.step, grid.width, grid.height) == (20, 38, 20)
    batch = [t for t in tags["images"] if t.startswith("samples")]
    assert batch and events.Images(batch[0])[0].width > 8       # the batch is tiled into one image


@needs_tensorboard
def test_export_replays_a_runs_metrics_log(uncond_run, tmp_path):
    import shutil
    run = shutil.copytree(uncond_run, tmp_path / "seed-0")
    events = read_events(export_run(run))
    assert [e.step for e in events.Scalars("train/d_loss")] == [2, 4]
    assert [e.step for e in events.Scalars("eval/swd_avg")] == [2, 4]


def test_missing_tensorboard_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)   # makes the import fail
    with pytest.raises(MissingDependencyError, match="pip install tensorboard") as err:
        TensorBoardLogger(tmp_path, enabled=True)
    assert isinstance(err.value, ValueError)      # so the CLI prints one line, not a traceback
    TensorBoardLogger(tmp_path, enabled=False).log({"step": 1, "x": 1.0})   # off needs nothing


def test_bad_input_is_a_clear_error(tmp_path):
    pytest.importorskip("tensorboard", reason="tensorboard is not installed (pip install tensorboard)")
    with TensorBoardLogger(tmp_path, enabled=True) as logger:
        with pytest.raises(ValueError, match="needs a 'step'"):
            logger.log({"d_loss": 1.0})
        with pytest.raises(ValueError, match="uint8"):
            logger.images("x", np.zeros((1, 3, 4, 4), np.float32), 0)
    with pytest.raises(FileNotFoundError, match="metrics.jsonl"):
        export_run(tmp_path)
