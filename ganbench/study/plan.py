"""Planning a study: parse the benchmark file, expand its grid into tasks (one per seed of each
cell), and validate every cell's configuration before anything is written or trained."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from .. import config
from ..components import resolve
from ..config import Benchmark, Cell, expand, fingerprint
from ..errors import RegistryError
from ..results import seed_dir
from ..storage import cache_dir
from .cell import CellTask


def plan(benchmark_file: str | os.PathLike, out: str | os.PathLike = "runs",
         bindings: Sequence[str] = ()) -> tuple[Benchmark, Path, list[Cell], list[CellTask]]:
    """Parse a benchmark file and list its tasks (all seeds of all cells), done or not."""
    config.parse([benchmark_file], bindings)
    bench = config.Benchmark()
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
    datasets_seen: set[str] = set()
    requested = {}
    for cell in cells:
        try:
            config.parse([benchmark_file], list(cell.bindings) + list(bindings))
            requested[cell.id] = fingerprint.requested_config()
            preflight(config.Experiment(), datasets_seen)
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


def manifest(bench: Benchmark, name: str, cells: list[Cell]) -> dict[str, Any]:
    return {
        "name": name, "seeds": bench.seed_list(), "axes": {a: bench.axis_labels(a) for a in bench.axes},
        "variants": list(bench.variants), "table_metrics": list(bench.table_metrics),
        "table_variants": list(bench.table_variants or bench.variants),
        "extra_tables": list(bench.extra_tables), "plots": list(bench.plots),
        "cells": [{"id": c.id, "variant": c.variant, "axis_values": list(c.axis_values)} for c in cells],
    }
