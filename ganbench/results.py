"""Run directories, version records, and aggregation of seeds into medians.

Layout of a study: ``<out>/<benchmark>/<cell id>/seed-<n>/`` holding ``config.gin`` (the
operative gin config), ``versions.json``, ``labeler.json``, ``metrics.jsonl`` (training log and
evaluations), ``checkpoint.pt`` and, written last, ``done`` (JSON: status and final metrics, plus
``metric_errors`` when some metrics failed), or ``error.txt`` (the traceback) when the seed crashed.
``<out>/<benchmark>/study.json`` records the grid so tables can be rebuilt without the gin file.
"""
from __future__ import annotations

import json
import os
import platform
import statistics
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .storage import atomic_write_json

DONE = "done"
ERROR = "error.txt"          # written by a seed that crashed (ganbench.study.cell.report_failure)
METRIC_ERRORS = "metric_errors"   # in done: metric name -> "ExceptionType: message"


def seed_dir(study_dir: Path, cell_id: str, seed: int) -> Path:
    path = (study_dir / cell_id / f"seed-{seed}").resolve()
    if study_dir.resolve() not in path.parents:  # cell ids are slugs; this is the last line of defence
        raise ValueError(f"cell directory {path} would escape the study directory {study_dir}")
    return path


def versions(plugins: Any = None) -> dict[str, Any]:
    """Versions of Python, torch, ganbench and every loaded plugin's distribution."""
    import torch
    from . import __version__
    from .registry import get_plugins
    plugins = plugins or get_plugins()
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "ganbench": __version__,
        "gin-config": _dist_version("gin-config"),
        "plugins": {i.name: {"distribution": i.dist, "version": i.version, "errors": i.errors}
                    for i in plugins.infos.values()},
    }


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def append_jsonl(path: Path, record: dict[str, Any]) -> None:
    """Append one line with one write. A torn last line left by a crash (no final newline) is
    closed first, so the new record starts on its own line; ``read_jsonl`` skips the torn one."""
    line = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
    with open(path, "a+b") as f:
        end = f.seek(0, os.SEEK_END)
        if end:
            f.seek(end - 1)
            if f.read(1) != b"\n":
                line = b"\n" + line
        f.write(line)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def write_done(run_dir: Path, status: str, metrics: dict[str, float], **extra: Any) -> None:
    atomic_write_json(run_dir / DONE, {"status": status, "metrics": metrics, **extra})


def read_done(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / DONE
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


@dataclass
class CellSummary:
    """Median and spread over seeds of every metric of one cell, and what failed.

    ``seed_errors``: seeds that crashed (an ``error.txt`` and no ``done``) -> the exception
    (``"ExceptionType: message"``). ``metric_errors``: finished seeds -> {metric name: the
    exception} for the metrics that failed in the final evaluation; ``seed_results`` names the
    results each finished seed has, so ``failures`` can tell which result a failure cost."""

    cell_id: str
    variant: str
    axis_values: dict[str, Any]
    seeds_total: int
    seeds_done: int = 0
    seeds_diverged: int = 0
    values: dict[str, list[float]] = field(default_factory=dict)
    seed_errors: dict[int, str] = field(default_factory=dict)
    metric_errors: dict[int, dict[str, str]] = field(default_factory=dict)
    seed_results: dict[int, list[str]] = field(default_factory=dict)
    trial: int | None = None             # the search trial this cell is (Benchmark.search)
    params: dict[str, Any] = field(default_factory=dict)   # that trial's drawn hyperparameters

    @property
    def seeds_failed(self) -> int:
        """Seeds that crashed (not counting finished seeds with failed metrics)."""
        return len(self.seed_errors)

    def stat(self, metric: str) -> dict[str, float] | None:
        vals = self.values.get(metric)
        if not vals:
            return None
        return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}

    def failures(self, result: str) -> list[tuple[int, str]]:
        """(seed, reason) for each seed that has no value of ``result`` because something failed:
        the seed crashed, or it finished without ``result`` while a metric failed. A failure is
        put on the result of the metric whose name it is or starts (``swd`` -> ``swd_avg``); when
        no failed metric's name matches (``inception_score`` -> ``is``), every failed metric of the
        seed is named, since ganbench cannot tell which one would have made ``result``."""
        found = dict(self.seed_errors)
        for seed, errors in self.metric_errors.items():
            if errors and result not in self.seed_results.get(seed, ()):
                matched = {m: e for m, e in errors.items() if result == m or result.startswith(m + "_")}
                found[seed] = "; ".join(e if matched else f"{m}: {e}"
                                        for m, e in (matched or errors).items())
        return sorted(found.items())


def error_reason(text: str) -> str:
    """The exception of a traceback (an ``error.txt``) as ``"ExceptionType: message"``: the
    final exception's lines, its type without the module path."""
    lines = text.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    i = starts[-1] + 1 if starts else 0
    while starts and i < len(lines) and (lines[i].startswith((" ", "\t")) or not lines[i].strip()):
        i += 1     # the frames ("  File ...", their source lines and carets)
    reason = "\n".join(lines[i:]).strip() or (lines[-1].strip() if lines else "")
    head, sep, rest = reason.partition(":")
    if sep and head.replace(".", "").replace("_", "").isalnum():
        reason = f"{head.rsplit('.', 1)[-1]}:{rest}"
    return reason or "unknown error (empty error.txt)"


def read_error(run_dir: Path) -> str | None:
    """Why a seed crashed (``error_reason`` of its ``error.txt``), or None when it has none."""
    try:
        return error_reason((run_dir / ERROR).read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return None
    except OSError as err:
        return f"unreadable {ERROR}: {err.strerror or err}"


def summarize(study_dir: Path, cells: list[dict[str, Any]], seeds: list[int]) -> list[CellSummary]:
    """Read every seed's ``done`` file; diverged seeds are counted and left out of the median.
    A seed without ``done`` but with ``error.txt`` counts as failed, with the reason; metrics
    that failed in a finished seed are kept per seed (``CellSummary.failures``)."""
    summaries = []
    for cell in cells:
        summary = CellSummary(cell["id"], cell["variant"], dict(cell["axis_values"]), len(seeds),
                              trial=cell.get("trial"), params=dict(cell.get("params", {})))
        for seed in seeds:
            run_dir = seed_dir(study_dir, cell["id"], seed)
            done = read_done(run_dir)
            if done is None:
                reason = read_error(run_dir)
                if reason is not None:
                    summary.seed_errors[seed] = reason
                continue
            summary.seeds_done += 1
            if done["status"] != "done":
                summary.seeds_diverged += 1
                continue
            for key, value in done["metrics"].items():
                summary.values.setdefault(key, []).append(float(value))
            summary.seed_results[seed] = sorted(done["metrics"])
            if done.get(METRIC_ERRORS):
                summary.metric_errors[seed] = {str(m): str(e) for m, e in done[METRIC_ERRORS].items()}
        summaries.append(summary)
    return summaries


def load_results(study_dir: str | os.PathLike) -> list[CellSummary]:
    """Every cell's summary (medians and spreads over seeds) of a study directory."""
    study_dir = Path(study_dir)
    info = read_study_manifest(study_dir)
    return summarize(study_dir, info["cells"], info["seeds"])


def write_study_manifest(study_dir: Path, manifest: dict[str, Any]) -> None:
    atomic_write_json(study_dir / "study.json", manifest)


def read_study_manifest(study_dir: Path) -> dict[str, Any]:
    path = Path(study_dir) / "study.json"
    if not path.exists():
        raise FileNotFoundError(
            f"{study_dir} is not a ganbench study directory (no study.json); "
            "give the directory that `ganbench run` wrote, e.g. runs/label_efficiency")
    return json.loads(path.read_text(encoding="utf-8"))


def write_results(study_dir: Path, summaries: list[CellSummary]) -> None:
    rows = [{"cell": s.cell_id, "variant": s.variant, "axes": s.axis_values,
             "seeds_total": s.seeds_total, "seeds_done": s.seeds_done, "seeds_diverged": s.seeds_diverged,
             "seeds_failed": s.seeds_failed,
             **({"trial": s.trial, "params": s.params} if s.trial is not None else {}),
             "metrics": {m: {**(s.stat(m) or {}), "values": v} for m, v in s.values.items()},
             # the full reasons; tables show them shortened
             "failures": [{"seed": seed, "error": e} for seed, e in sorted(s.seed_errors.items())],
             "metric_errors": [{"seed": seed, "metric": m, "error": e}
                               for seed, errors in sorted(s.metric_errors.items()) for m, e in errors.items()]}
            for s in summaries]
    atomic_write_json(study_dir / "results.json", rows)


__all__ = ["DONE", "ERROR", "METRIC_ERRORS", "seed_dir", "versions", "append_jsonl", "read_jsonl",
           "write_done", "read_done", "read_error", "error_reason", "summarize", "load_results",
           "CellSummary", "write_study_manifest", "read_study_manifest", "write_results"]
