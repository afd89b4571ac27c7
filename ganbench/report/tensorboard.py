"""Optional TensorBoard logging of a run: scalars per step and sample images.

Off by default; tensorboard is an optional dependency (``pip install tensorboard``). Event files
go to ``<run_dir>/tensorboard/``, so ``tensorboard --logdir runs/<study>`` shows every cell and
seed side by side. Scalars are tagged ``<kind>/<name>`` (``train/d_loss``, ``eval/fid_domain``),
the same names as the records in ``metrics.jsonl``.

    logger = TensorBoardLogger(run_dir, enabled=True)
    logger.log({"kind": "train", "step": 100, "d_loss": 1.2, "g_loss": 0.7})
    logger.images("samples", uint8_images, step=100)
    logger.close()
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..results import read_jsonl

TENSORBOARD_DIR = "tensorboard"
NOT_SCALARS = {"kind", "step"}


class MissingDependencyError(ImportError, ValueError):
    """An optional package is needed but not installed. Also a ValueError so the command line
    reports it as a one-line user error instead of a traceback."""


def summary_writer(log_dir: Path) -> Any:
    """torch's SummaryWriter for ``log_dir``, or a clear error when tensorboard is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as err:
        raise MissingDependencyError(
            "TensorBoard logging was asked for but the tensorboard package is not installed "
            f"({err}). Install it with `pip install tensorboard`, or turn TensorBoard logging off."
        ) from None
    return SummaryWriter(log_dir=str(log_dir))


class TensorBoardLogger:
    """Writes a run's records and images as TensorBoard events; every method is a no-op when
    ``enabled`` is false (the default), so callers need no ``if``."""

    def __init__(self, run_dir: str | os.PathLike, enabled: bool = False) -> None:
        self.log_dir = Path(run_dir) / TENSORBOARD_DIR
        self.writer = summary_writer(self.log_dir) if enabled else None

    @property
    def enabled(self) -> bool:
        return self.writer is not None

    def log(self, record: dict[str, Any]) -> None:
        """Every finite number in ``record`` as a scalar at ``record['step']``."""
        if self.writer is None:
            return
        if "step" not in record:
            raise ValueError(f"a TensorBoard record needs a 'step'; got keys {sorted(record)}")
        kind, step = record.get("kind", "train"), int(record["step"])
        for key, value in record.items():
            if key in NOT_SCALARS or isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            if math.isfinite(value):   # NaN/Inf (a diverging run) would break TensorBoard's axes
                self.writer.add_scalar(f"{kind}/{key}", value, step)

    def images(self, tag: str, images: Any, step: int) -> None:
        """uint8 images: a batch (N, C, H, W) or one grid (H, W, 3) as ``samples.sample_grid`` gives."""
        if self.writer is None:
            return
        array = np.asarray(images.cpu() if hasattr(images, "cpu") else images)
        if array.dtype != np.uint8:
            raise ValueError(f"TensorBoard images must be uint8 (use evaluate.to_uint8); got {array.dtype}")
        if array.ndim == 4:
            self.writer.add_images(tag, array, step, dataformats="NCHW")
        elif array.ndim == 3 and array.shape[-1] in (1, 3):
            self.writer.add_image(tag, array, step, dataformats="HWC")
        else:
            raise ValueError(f"TensorBoard images must be (N, C, H, W) or (H, W, 3); got shape {array.shape}")

    def flush(self) -> None:
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def __enter__(self) -> "TensorBoardLogger":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def export_run(run_dir: str | os.PathLike) -> Path:
    """Write an existing run's ``metrics.jsonl`` as TensorBoard events (runs trained without
    TensorBoard); returns the event directory."""
    run_dir = Path(run_dir)
    records = read_jsonl(run_dir / "metrics.jsonl")
    if not records:
        raise FileNotFoundError(f"{run_dir} has no metrics.jsonl records: give a run directory "
                                "written by `ganbench run` (<out>/<study>/<cell>/seed-<n>)")
    with TensorBoardLogger(run_dir, enabled=True) as logger:
        for record in records:
            if "step" in record:
                logger.log(record)
    return logger.log_dir
