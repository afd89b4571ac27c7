"""Where a run's log records go: metrics.jsonl always, a concise console line, and TensorBoard
when ``Experiment.tensorboard`` is on."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from ..results import append_jsonl, read_jsonl
from ..storage import atomic_write_text


def format_seconds(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}h{seconds // 60 % 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


class RunLog:
    """Callable with one record (a dict with ``kind`` "train", "eval" or "diverged").
    ``enabled=False`` (the non-zero ranks of a data-parallel run) writes nothing."""

    def __init__(self, run_dir: Path, label: str, total_steps: int, tensorboard: bool = False,
                 console: bool = True, enabled: bool = True) -> None:
        from ..report.tensorboard import TensorBoardLogger
        self.path, self.label, self.total_steps, self.console = run_dir / "metrics.jsonl", label, total_steps, console
        self.enabled = enabled
        self.tensorboard = TensorBoardLogger(run_dir, enabled=tensorboard and enabled)
        self.started, self.first_step = time.perf_counter(), None

    def __call__(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        record = {"kind": "train", **record}
        append_jsonl(self.path, record)
        self.tensorboard.log(record)
        if self.console:
            print(self.line(record), file=sys.stderr, flush=True)

    def drop_after(self, step: int) -> None:
        """Forget the training and evaluation records after ``step``: a run resumed from its
        step-``step`` checkpoint trains those steps again and logs them anew, and a log must not
        hold them twice. Other records (a divergence) stay."""
        if not self.enabled or not self.path.exists():
            return
        records = read_jsonl(self.path)
        keep = [r for r in records if r.get("kind") not in ("train", "eval") or r.get("step", 0) <= step]
        if len(keep) != len(records):
            atomic_write_text(self.path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in keep))

    def line(self, record: dict[str, Any]) -> str:
        step = record.get("step", 0)
        if record["kind"] != "train":
            values = " ".join(f"{k} {v:.4g}" for k, v in record.items()
                              if isinstance(v, float) and k not in ("train_seconds",))
            return f"[{self.label}] {record['kind']} at step {step}: {values}"
        if self.first_step is None:
            self.first_step, self.started = step, time.perf_counter()
            eta = ""
        else:
            rate = (step - self.first_step) / max(time.perf_counter() - self.started, 1e-9)
            eta = f"  ETA {format_seconds((self.total_steps - step) / rate)}" if rate > 0 else ""
        return (f"[{self.label}] step {step}/{self.total_steps}  d_loss {record['d_loss']:.3f}  "
                f"g_loss {record['g_loss']:.3f}  {record['images_per_s']:.0f} img/s{eta}")

    def close(self) -> None:
        self.tensorboard.close()
