"""Running a study: the small Python API behind ``ganbench run``.

    from ganbench import study
    study_dir = study.run_study("benchmarks/label_efficiency.gin", out="runs")
    summaries = study.load_results(study_dir)
    print(study.build_table(study_dir, "fid_domain"))

``plan`` expands a benchmark into tasks and validates them, ``cell`` runs one task from start to
``done``, executors (``ganbench.executors`` and plugins) run the tasks, and ``finalize`` turns
the results into tables and plots.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Sequence

from .. import config, distributed
from ..components import resolve
from ..config import fingerprint
from ..results import load_results, read_done, read_study_manifest, write_results, write_study_manifest
from .cell import CellTask
from .plan import changed_runs, manifest, plan, validate


def run_study(benchmark_file: str | os.PathLike, out: str | os.PathLike = "runs",
              bindings: Sequence[str] = (), executor: Any = None, workers: int | None = None,
              progress: Callable[[str, str], None] | None = None,
              rerun_changed: bool = False) -> dict[str, str]:
    """Train and evaluate every unfinished cell, then write results, tables and plots.

    Runs started with a different configuration or data (see ``ganbench.config.fingerprint``)
    stop the study with a ConfigError, or with ``rerun_changed`` are moved to ``<study>/stale/``
    and rerun.
    Returns the status of each task run now (label -> done/diverged/failed/busy)."""
    bench, study_dir, cells, tasks = plan(benchmark_file, out, bindings)
    changed = changed_runs(study_dir, tasks, validate(benchmark_file, cells, bindings))
    leader = distributed.rank() == 0
    if changed and not rerun_changed:
        raise config.ConfigError(fingerprint.describe_changed(study_dir, changed))
    if changed and leader:
        fingerprint.move_aside(study_dir, changed)
    if changed:
        distributed.barrier()
    if leader:
        try:
            study_dir.mkdir(parents=True, exist_ok=True)
            write_study_manifest(study_dir, manifest(bench, study_dir.name, cells))
        except OSError as err:
            raise type(err)(err.errno, f"output directory {study_dir} is not writable "
                            f"({err.strerror}); pass a writable --out") from None
    todo = [t for t in tasks if read_done(Path(t.run_dir)) is None]
    if distributed.is_distributed():
        executor = "inprocess"   # the ranks of a torchrun group step through cells together
    runner = resolve("executors", executor or bench.executor, workers=workers or bench.workers)
    status = runner.run(todo, progress=progress)
    if leader:
        finalize(study_dir)
    return dict(status)


def finalize(study_dir: Path) -> None:
    """Aggregate seeds and (re)write results.json, every table and every plot."""
    from filelock import FileLock

    from ..report import plots, tables
    # Two runners on one study may finish together: the lock makes the one that writes last
    # also the one that read last, so a stale table never overwrites a complete one.
    with FileLock(str(study_dir / ".finalize.lock")):
        summaries = load_results(study_dir)
        write_results(study_dir, summaries)
        info = read_study_manifest(study_dir)
        tables.write_all(study_dir, info, summaries)
        plots.write_all(study_dir, info, summaries)


def build_table(study_dir: str | os.PathLike, metric: str, fmt: str = "markdown") -> str:
    from ..report import tables
    study_dir = Path(study_dir)
    return tables.metric_table(read_study_manifest(study_dir), load_results(study_dir), metric, fmt)


__all__ = ["run_study", "plan", "validate", "changed_runs", "finalize", "build_table",
           "load_results", "CellTask"]
