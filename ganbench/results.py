"""Run directories, version records, and aggregation of seeds into medians.

Layout of a study: ``<out>/<benchmark>/<cell id>/seed-<n>/`` holding ``config.gin`` (the
operative gin config), ``versions.json``, ``labeler.json``, ``metrics.jsonl`` (training log and
evaluations), ``checkpoint.pt`` and, written last, ``done`` (JSON: status and final metrics).
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
    """Median and spread over seeds of every metric of one cell."""

    cell_id: str
    variant: str
    axis_values: dict[str, Any]
    seeds_total: int
    seeds_done: int = 0
    seeds_diverged: int = 0
    values: dict[str, list[float]] = field(default_factory=dict)

    def stat(self, metric: str) -> dict[str, float] | None:
        vals = self.values.get(metric)
        if not vals:
            return None
        return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def summarize(study_dir: Path, cells: list[dict[str, Any]], seeds: list[int]) -> list[CellSummary]:
    """Read every seed's ``done`` file; diverged seeds are counted and left out of the median."""
    summaries = []
    for cell in cells:
        summary = CellSummary(cell["id"], cell["variant"], dict(cell["axis_values"]), len(seeds))
        for seed in seeds:
            done = read_done(seed_dir(study_dir, cell["id"], seed))
            if done is None:
                continue
            summary.seeds_done += 1
            if done["status"] != "done":
                summary.seeds_diverged += 1
                continue
            for key, value in done["metrics"].items():
                summary.values.setdefault(key, []).append(float(value))
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
             "metrics": {m: {**(s.stat(m) or {}), "values": v} for m, v in s.values.items()}}
            for s in summaries]
    atomic_write_json(study_dir / "results.json", rows)


__all__ = ["seed_dir", "versions", "append_jsonl", "read_jsonl", "write_done", "read_done",
           "summarize", "load_results", "CellSummary", "write_study_manifest", "read_study_manifest",
           "write_results"]
