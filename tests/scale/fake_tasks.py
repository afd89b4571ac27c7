"""Picklable stand-ins for CellTask (no torch import, so spawned workers start fast)."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class DeviceProbe:
    """Reports which GPU its worker process was given, and which process it ran in.

    Each probe waits (at most 30 s) until ``workers`` distinct processes have checked in under
    ``rendezvous``, so every worker of the pool is sure to run one probe."""

    label: str
    rendezvous: str
    workers: int
    threads: int | None = None

    def __call__(self) -> str:
        folder = Path(self.rendezvous)
        (folder / str(os.getpid())).touch()
        deadline = time.monotonic() + 30
        while len(list(folder.iterdir())) < self.workers and time.monotonic() < deadline:
            time.sleep(0.05)
        return f"{os.environ.get('CUDA_VISIBLE_DEVICES')}@{os.getpid()}"


@dataclass
class TimedSleep:
    """Sleeps ``seconds`` and writes "<start> <end>" (wall clock) under ``log_dir``."""

    label: str
    run_dir: str
    log_dir: str
    seconds: float
    threads: int | None = None

    def __call__(self) -> str:
        start = time.time()
        time.sleep(self.seconds)
        Path(self.log_dir).mkdir(parents=True, exist_ok=True)
        (Path(self.log_dir) / self.label.replace("/", "_")).write_text(f"{start} {time.time()}")
        return "done"
