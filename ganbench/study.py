"""Running a study: the small Python API behind ``ganbench run``.

    from ganbench import study
    study_dir = study.run_study("benchmarks/label_efficiency.gin", out="runs")
    summaries = study.load_results(study_dir)
    print(study.build_table(study_dir, "fid_domain"))
"""
from __future__ import annotations

import json
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from . import config, faults, fingerprint
from .grid import Benchmark, Cell, expand
from .runlog import RunLog
from .results import (CellSummary, load_results, read_done, read_study_manifest, seed_dir,
                      summarize, versions, write_done, write_results, write_study_manifest)
from .storage import atomic_write_json, atomic_write_text, cache_dir


@dataclass
class CellTask:
    """One seed of one cell: picklable, so any executor (processes, submitit) can run it."""

    benchmark_file: str
    bindings: list[str]
    run_dir: str
    seed: int
    cache_dir: str
    label: str = ""
    threads: int | None = None
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self) -> str:
        """Train and evaluate unless done; returns the final status. Safe to call twice."""
        from filelock import FileLock, Timeout
        from . import distributed
        os.environ.update(self.env)
        run_dir = Path(self.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        if read_done(run_dir):
            return "skipped"
        if distributed.is_distributed():
            # All ranks of one torchrun group train this cell together; only rank 0 writes.
            status = run_cell(self)
            distributed.barrier()
            return status
        try:
            with FileLock(str(run_dir / ".lock"), timeout=0):
                if read_done(run_dir):  # finished by another runner while we waited
                    return "skipped"
                return run_cell(self)
        except Timeout:
            return "busy"   # another ganbench process is running this cell right now


def run_cell(task: CellTask) -> str:
    import torch
    from .generator import MODEL_FILE, model_spec
    from .train import Experiment, Run, experiment_summary
    if task.threads:
        torch.set_num_threads(task.threads)
    run_dir = Path(task.run_dir)
    faults.set_cell(task.label)
    config.parse([task.benchmark_file], task.bindings)
    fingerprint.record(run_dir, fingerprint.requested_config())
    exp = Experiment()
    run = Run(exp, seed=task.seed, cache_dir=task.cache_dir)
    if run.rank != 0:
        return train_follower(run, run_dir)
    atomic_write_json(run_dir / "versions.json", versions())
    atomic_write_json(run_dir / MODEL_FILE, model_spec(run))
    atomic_write_json(run_dir / "experiment.json", {"seed": task.seed, "bindings": task.bindings,
                                                    **experiment_summary(exp)})
    if hasattr(run.labeler, "describe"):
        atomic_write_json(run_dir / "labeler.json", run.labeler.describe())
    log = RunLog(run_dir, task.label, exp.steps, tensorboard=exp.tensorboard)
    try:
        return train_and_evaluate(task, exp, run, run_dir, log)
    finally:
        log.close()


def train_and_evaluate(task: CellTask, exp: Any, run: Any, run_dir: Path, log: RunLog) -> str:
    from .evaluate import evaluate_run
    log_path = log.path
    run, restarts, diverged = train_with_policy(task, exp, run, run_dir, log)
    if diverged is not None:
        atomic_write_text(run_dir / "config.gin", config.operative_config())
        write_done(run_dir, "diverged", last_eval(log_path), step=run.step, reason=str(diverged),
                   restarts=restarts)
        faults.at_point("done")
        return "diverged"
    train_seconds = run.train_seconds
    faults.at_point("eval")
    eval_start = time.perf_counter()
    metrics = evaluate_run(run, task.cache_dir)
    log({"kind": "eval", "step": run.step, "images_seen": run.images_seen,
         "train_seconds": train_seconds, **metrics})
    atomic_write_text(run_dir / "config.gin", config.operative_config())
    write_done(run_dir, "done", metrics, step=run.step, train_seconds=train_seconds,
               eval_seconds=time.perf_counter() - eval_start, restarts=restarts)
    faults.at_point("done")
    return "done"


def train_with_policy(task: CellTask, exp: Any, run: Any, run_dir: Path,
                      log: RunLog) -> tuple[Any, list[dict], Exception | None]:
    """Train to the end, applying ``exp.on_divergence``. Returns (run, restarts, the divergence
    that stopped it or None). Restarts are recorded in ``restarts.json`` as they happen, so a
    run killed after a restart still reports it, and resumes on the restarted trajectory."""
    from .evaluate import evaluate_run
    from .train import DivergedError, Run, train
    restarts = read_restarts(run_dir)
    # Re-seed the noise only when resuming from the very checkpoint a restart started from;
    # a later checkpoint already holds the restarted trajectory's noise state.
    reseed = len(restarts) if restarts and checkpoint_step(run_dir) <= restarts[-1]["from_step"] else 0
    while True:
        try:
            train(run, run_dir, log=log, restart=reseed, evaluate=lambda r: evaluate_run(r, task.cache_dir))
            return run, restarts, None
        except DivergedError as err:
            log({"kind": "diverged", "step": run.step, "reason": str(err)})
            if exp.on_divergence != "restart" or len(restarts) >= exp.max_restarts:
                return run, restarts, err
            restarts.append({"step": run.step, "from_step": checkpoint_step(run_dir), "reason": str(err)})
            atomic_write_json(run_dir / RESTARTS, restarts)
            reseed = len(restarts)
            run = Run(exp, seed=task.seed, cache_dir=task.cache_dir)  # fresh, then resume


RESTARTS = "restarts.json"


def read_restarts(run_dir: Path) -> list[dict]:
    path = run_dir / RESTARTS
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def checkpoint_step(run_dir: Path) -> int:
    """The step of the checkpoint a resume would start from (0 when there is none)."""
    from . import checkpoint
    state = checkpoint.load(run_dir)
    return int(state["step"]) if state else 0


def train_follower(run: Any, run_dir: Path) -> str:
    """A non-zero rank of a data-parallel run: trains in lockstep, writes nothing."""
    from .train import DivergedError, train
    try:
        train(run, run_dir, log=lambda rec: None)
    except DivergedError:
        return "diverged"
    return "done"


def last_eval(log_path: Path) -> dict[str, float]:
    """Metrics of the last evaluation logged before a divergence (kept, not used in medians)."""
    from .results import read_jsonl
    evals = [r for r in read_jsonl(log_path) if r.get("kind") == "eval"]
    if not evals:
        return {}
    skip = {"kind", "step", "images_seen", "train_seconds"}
    return {k: v for k, v in evals[-1].items() if k not in skip}


def plan(benchmark_file: str | os.PathLike, out: str | os.PathLike = "runs",
         bindings: Sequence[str] = ()) -> tuple[Benchmark, Path, list[Cell], list[CellTask]]:
    """Parse a benchmark file and list its tasks (all seeds of all cells), done or not."""
    config.parse([benchmark_file], bindings)
    bench = Benchmark()
    name = bench.name or Path(benchmark_file).stem
    study_dir = Path(out) / name
    cells = expand(bench)
    root = str(cache_dir())
    # Seed-major order: an interrupted study already has every cell with its first seeds,
    # rather than some cells with all seeds and others with none.
    tasks = [CellTask(str(Path(benchmark_file).resolve()), list(cell.bindings) + list(bindings),
                      str(seed_dir(study_dir, cell.id, seed)), seed, root,
                      label=f"{cell.id}/seed-{seed}")
             for seed in bench.seed_list() for cell in cells]
    return bench, study_dir, cells, tasks


def validate(benchmark_file: str | os.PathLike, cells: list[Cell],
             bindings: Sequence[str] = ()) -> dict[str, str]:
    """Check every cell's configuration before anything is written or trained, so a mistake in
    any variant fails fast with its file and line (or binding) instead of hours into a grid.
    Returns each cell's result-relevant bindings (cell id -> ``fingerprint.requested_config``).

    Besides parsing, this builds the cheap components (labeler, loss, regularizers, metrics) and
    each distinct dataset once, so bad values (a label fraction of 1.5, a missing image folder,
    an unreadable image) are caught here too. Datasets cache their arrays, so the cells reuse them.
    """
    from .registry import RegistryError
    from .train import Experiment
    datasets_seen: set[str] = set()
    requested = {}
    for cell in cells:
        try:
            config.parse([benchmark_file], list(cell.bindings) + list(bindings))
            requested[cell.id] = fingerprint.requested_config()
            preflight(Experiment(), datasets_seen)
        except config.ConfigError as err:
            raise config.ConfigError(f"in variant {cell.variant!r}: {err}") from None
        except (TypeError, ValueError, LookupError, OSError, RegistryError) as err:
            raise config.ConfigError(f"in variant {cell.variant!r}: {err}") from None
    return requested


def changed_runs(study_dir: Path, tasks: list[CellTask], requested: dict[str, str]) -> dict[str, str]:
    """Started runs whose recorded configuration differs from the benchmark's now (run_dir -> diff)."""
    return fingerprint.changed_runs({t.run_dir: Path(t.run_dir).parent.name for t in tasks}, requested)


def preflight(exp: Any, datasets_seen: set[str]) -> None:
    """Build what one cell names that is cheap to build, and its dataset if not seen yet."""
    from .components import resolve
    resolve("labelers", exp.labeler)
    resolve("losses", exp.loss)
    for spec in exp.regularizers:
        resolve("regularizers", spec)
    for spec in exp.metrics:
        resolve("metrics", spec)
    bound = [line for line in config.full_config().splitlines() if line.startswith("datasets.")]
    key = repr((getattr(exp.dataset, "__name__", exp.dataset), bound))
    if key not in datasets_seen:
        for split in ("train", "test"):
            resolve("datasets", exp.dataset, split=split)
        datasets_seen.add(key)


def run_study(benchmark_file: str | os.PathLike, out: str | os.PathLike = "runs",
              bindings: Sequence[str] = (), executor: Any = None, workers: int | None = None,
              progress: Callable[[str, str], None] | None = None,
              rerun_changed: bool = False) -> dict[str, str]:
    """Train and evaluate every unfinished cell, then write results, tables and plots.

    Runs started with a different configuration (see ``ganbench.fingerprint``) stop the study
    with a ConfigError, or with ``rerun_changed`` are moved to ``<study>/stale/`` and rerun.
    Returns the status of each task run now (label -> done/diverged/failed/busy)."""
    from .components import resolve
    bench, study_dir, cells, tasks = plan(benchmark_file, out, bindings)
    from . import distributed
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


def manifest(bench: Benchmark, name: str, cells: list[Cell]) -> dict[str, Any]:
    return {
        "name": name, "seeds": bench.seed_list(), "axes": {a: bench.axis_labels(a) for a in bench.axes},
        "variants": list(bench.variants), "table_metrics": list(bench.table_metrics),
        "table_variants": list(bench.table_variants or bench.variants),
        "extra_tables": list(bench.extra_tables), "plots": list(bench.plots),
        "cells": [{"id": c.id, "variant": c.variant, "axis_values": list(c.axis_values)} for c in cells],
    }


def finalize(study_dir: Path) -> None:
    """Aggregate seeds and (re)write results.json, every table and every plot."""
    from filelock import FileLock
    from .report import plots, tables
    # Two runners on one study may finish together: the lock makes the one that writes last
    # also the one that read last, so a stale table never overwrites a complete one.
    with FileLock(str(study_dir / ".finalize.lock")):
        summaries = load_results(study_dir)
        write_results(study_dir, summaries)
        info = read_study_manifest(study_dir)
        tables.write_all(study_dir, info, summaries)
        plots.write_all(study_dir, info, summaries)


def build_table(study_dir: str | os.PathLike, metric: str, fmt: str = "markdown") -> str:
    from .report import tables
    study_dir = Path(study_dir)
    return tables.metric_table(read_study_manifest(study_dir), load_results(study_dir), metric, fmt)


def report_failure(task: CellTask, err: BaseException) -> None:
    """Record a crashed cell without stopping the grid."""
    run_dir = Path(task.run_dir)
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    try:
        atomic_write_text(run_dir / "error.txt", text)
    except OSError:
        pass
    from .cli import describe_error
    print(f"ganbench: cell {task.label} failed: {type(err).__name__}: {describe_error(err)}",
          file=sys.stderr)
