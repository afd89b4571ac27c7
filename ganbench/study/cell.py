"""One cell of a study (one seed of one grid cell), from start to ``done``.

A ``CellTask`` is what executors run (``interfaces.Task``): it skips a finished cell, takes the
cell's lock so two runners never train it at once, builds the run, trains it under the
divergence policy (``ganbench.run.restarts``), evaluates the final generator and writes the
``done`` marker last. It records its own failure (``error.txt``) instead of raising.
"""
from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import config, distributed
from ..config import fingerprint
from ..errors import describe_error
from ..results import METRIC_ERRORS, read_done, read_jsonl, versions, write_done
from ..storage import atomic_write_json, atomic_write_text


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

    def __call__(self) -> str:
        """Train and evaluate unless done; returns the final status. Safe to call twice."""
        try:
            return self._run_locked()
        except Exception as err:  # one broken cell must not stop the grid
            report_failure(self, err)
            return "failed"

    def _run_locked(self) -> str:
        from filelock import FileLock, Timeout
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

    from ..interfaces import optional
    from ..run import Run
    from ..run.log import RunLog
    from ..run.restore import MODEL_FILE, model_spec
    from ..cpus import threads_per_cell
    # The executor's share of the CPUs (pool: cores / workers), else all this process may use.
    torch.set_num_threads(task.threads or threads_per_cell())
    run_dir = Path(task.run_dir)
    config.parse([task.benchmark_file], task.bindings)
    leader = distributed.rank() == 0
    if leader:
        fingerprint.record(run_dir, fingerprint.requested_config())
    exp = config.Experiment()
    run = Run(exp, seed=task.seed, cache_dir=task.cache_dir)
    if leader:
        atomic_write_json(run_dir / "versions.json", versions())
        atomic_write_json(run_dir / MODEL_FILE, model_spec(run))
        atomic_write_json(run_dir / "experiment.json", {"seed": task.seed, "bindings": task.bindings,
                                                        **config.experiment_summary(exp)})
        describe = optional(run.labeler, "describe")
        if describe:
            atomic_write_json(run_dir / "labeler.json", describe())
    log = RunLog(run_dir, task.label, exp.steps, tensorboard=exp.tensorboard, enabled=leader)
    if leader:
        record_data(run, run_dir, log)
    try:
        return train_and_evaluate(task, run, run_dir, log)
    finally:
        log.close()


def record_data(run: Any, run_dir: Path, log: Any) -> None:
    """Record the content keys of the run's train and test splits (``data.json``, compared by
    the next ``ganbench run`` to notice changed data), and the test accuracy of each extractor
    trained on that data that the metrics declare (built now, before training: cached, so the
    evaluation reuses it); the accuracies also go to metrics.jsonl and the console."""
    import torch
    from ..interfaces import optional
    from ..components import resolve
    from ..registry import get_registry
    from ..evaluate.evaluation import extractors_of
    record = fingerprint.data_record(run.train_set, run.test_set, run.train_set.name,
                                     fingerprint.dataset_bindings(fingerprint.requested_config()))
    from ..subsets import DatasetSubset
    if isinstance(run.train_pool, DatasetSubset):   # Experiment.train_images: which images G learnt from
        record["train_subset"] = run.train_pool.describe()
    metrics = []
    for spec in run.exp.metrics:
        try:
            metrics.append(resolve("metrics", spec))
        except Exception:   # noqa: BLE001 - a broken metric fails alone, at evaluation
            continue
    names = extractors_of(metrics)
    registry = get_registry()
    extractors = {}
    for name in names:
        if name not in registry.names("feature_extractors"):
            continue   # the metric fails alone at evaluation
        check = optional(registry.get("feature_extractors", name).load(), "check_data")
        if check is None:
            continue   # not trained on the data (e.g. Inception): nothing to record
        check(run.train_set, run.test_set)   # data it cannot use: the run stops before training
        try:
            # Training the extractor (or finding it cached) must not move the run's random state:
            # the run's trajectory may not depend on what the cache holds.
            with torch.random.fork_rng(devices=[run.device] if run.device.type == "cuda" else []):
                extractor = resolve("feature_extractors", name, dataset=run.train_set,
                                    test_dataset=run.test_set)
        except Exception:   # noqa: BLE001 - its metrics fail alone, at evaluation, with the reason
            continue
        accuracy = optional(extractor, "test_accuracy")
        extractors[name] = {"test_accuracy": None if accuracy is None else float(accuracy),
                            "test_images": len(run.test_set)}
    if extractors:
        record["extractors"] = extractors
    fingerprint.record_data(run_dir, record)
    for name, facts in extractors.items():
        if facts["test_accuracy"] is not None:
            log({"kind": "data", "step": run.step, "extractor": name,
                 f"{name}_test_accuracy": facts["test_accuracy"], "test_images": facts["test_images"]})


def train_and_evaluate(task: CellTask, run: Any, run_dir: Path, log: Any) -> str:
    """Train under the divergence policy, then (rank 0) evaluate and write ``done``.

    A metric that fails loses only its own results, in the evaluations during training and in
    the final one: the others are logged and written to ``done`` (status ``done``), the failures
    as ``metric_errors`` (metric name -> "ExceptionType: message"). The final checkpoint is
    written before the final evaluation, so a crash there (error.txt) costs no training: the next
    ``ganbench run`` resumes at the last step and only evaluates."""
    from ..run.restarts import train_with_policy
    run, restarts, diverged = train_with_policy(
        run, run_dir, log, evaluate=lambda r: evaluate_keeping_going(r, task))
    if run.rank != 0:
        return "diverged" if diverged is not None else "done"
    if diverged is not None:
        atomic_write_text(run_dir / "config.gin", config.operative_config())
        write_done(run_dir, "diverged", last_eval(log.path), step=run.step, reason=str(diverged),
                   restarts=restarts)
        return "diverged"
    train_seconds = run.train_seconds
    eval_start = time.perf_counter()
    metrics = evaluate_keeping_going(run, task)
    errors = metrics.pop(METRIC_ERRORS, {})
    log({"kind": "eval", "step": run.step, "images_seen": run.images_seen,
         "train_seconds": train_seconds, **metrics, **({METRIC_ERRORS: errors} if errors else {})})
    atomic_write_text(run_dir / "config.gin", config.operative_config())
    extra = {METRIC_ERRORS: errors} if errors else {}
    write_done(run_dir, "done", metrics, step=run.step, train_seconds=train_seconds,
               eval_seconds=time.perf_counter() - eval_start, restarts=restarts, **extra)
    return "done"


def evaluate_keeping_going(run: Any, task: CellTask) -> dict[str, Any]:
    """The run's metrics, plus ``metric_errors`` (metric name -> "ExceptionType: message") when
    some failed; each failure is also reported on stderr as it happens."""
    from ..evaluate import evaluate_run
    errors: dict[str, str] = {}
    metrics: dict[str, Any] = evaluate_run(run, task.cache_dir, errors=errors)
    for name, reason in errors.items():
        print(f"ganbench: cell {task.label}: metric {name!r} failed at step {run.step} (its results "
              f"are left out, the other metrics are kept): {reason}", file=sys.stderr)
    if errors:
        metrics[METRIC_ERRORS] = errors
    return metrics


def last_eval(log_path: Path) -> dict[str, float]:
    """Metrics of the last evaluation logged before a divergence (kept, not used in medians)."""
    evals = [r for r in read_jsonl(log_path) if r.get("kind") == "eval"]
    if not evals:
        return {}
    skip = {"kind", "step", "images_seen", "train_seconds", METRIC_ERRORS}
    return {k: v for k, v in evals[-1].items() if k not in skip}


def report_failure(task: CellTask, err: BaseException) -> None:
    """Record a crashed cell (``error.txt`` and one line on stderr) without stopping the grid."""
    run_dir = Path(task.run_dir)
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    try:
        atomic_write_text(run_dir / "error.txt", text)
    except OSError:
        pass
    print(f"ganbench: cell {task.label} failed: {type(err).__name__}: {describe_error(err)}",
          file=sys.stderr)
