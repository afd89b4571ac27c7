"""Which configuration a run was made with, so a resumed study never mixes configurations.

A study resumes by skipping finished runs and continuing from checkpoints. If the benchmark file
(or a ``-p`` binding) changed in between, that would silently reuse results made with the old
settings, or continue an old checkpoint under new ones. Each run therefore records the bindings
that can change its results (``requested.gin``), and ``ganbench run`` compares them with what the
benchmark gives now before it trains anything.

"The bindings that can change a run's results" are those of ``Experiment`` (less bookkeeping such
as logging intervals and thread counts) and of every configurable reachable from them, by
``@reference`` or by registered name, so changing ``labelers.s2gan.steps`` flags the S2GAN cells but
not BigGAN's, and editing ``Benchmark.*`` (seeds, tables, plots, executor) flags nothing.
"""
from __future__ import annotations

import difflib
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

import gin

from ..storage import atomic_write_text

FILE = "requested.gin"
STALE_DIR = "stale"
# Experiment fields that change how a run is logged or scheduled, never what it computes.
BOOKKEEPING = frozenset({"log_every", "checkpoint_every", "tensorboard", "threads"})


def _short(selector: str) -> str:
    return selector.rsplit(".", 1)[-1] if selector.startswith("ganbench.") else selector


def _references(value: Any) -> Iterable[str]:
    """Selectors a bound value points at: ``@x`` references and plain strings (registered names)."""
    if isinstance(value, gin.config.ConfigurableReference):
        yield value.configurable.selector
    elif isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in (*value.keys(), *value.values()):
            yield from _references(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _references(item)


def requested_config() -> str:
    """The currently parsed bindings that can change a run's results, one sorted line each."""
    parsed = gin.config._CONFIG   # gin keeps parsed bindings here; it has no public accessor
    by_selector: dict[str, list[tuple[str, dict]]] = {}
    for (scope, selector), params in parsed.items():
        by_selector.setdefault(selector, []).append((scope, params))
    todo = [s for s in by_selector if _short(s) == "Experiment"]
    reached: set[str] = set()
    while todo:
        selector = todo.pop()
        if selector in reached:
            continue
        reached.add(selector)
        for _, params in by_selector[selector]:
            for value in params.values():
                for ref in _references(value):
                    todo += [s for s in by_selector if s == ref or s.endswith("." + ref)]
    lines = []
    for selector in reached:
        for scope, params in by_selector[selector]:
            for name, value in params.items():
                if _short(selector) == "Experiment" and name in BOOKKEEPING:
                    continue
                prefix = f"{scope}/" if scope else ""
                lines.append(f"{prefix}{_short(selector)}.{name} = {value!r}")
    return "\n".join(sorted(lines)) + "\n"


def record(run_dir: Path, text: str) -> None:
    """Write what a run is made with, once: the first start of the run decides."""
    if not (run_dir / FILE).exists():
        atomic_write_text(run_dir / FILE, text)


def changed_runs(run_dirs: Mapping[str, str], requested: Mapping[str, str]) -> dict[str, str]:
    """run_dir -> a diff (old -> new) for every started run whose recorded configuration differs
    from what the benchmark asks for now. ``run_dirs`` maps run_dir -> its cell id."""
    changed = {}
    for run_dir, cell_id in run_dirs.items():
        path = Path(run_dir) / FILE
        if not path.exists():
            continue
        old = path.read_text()
        if old != requested[cell_id]:
            diff = difflib.unified_diff(old.splitlines(), requested[cell_id].splitlines(), lineterm="", n=0)
            changed[run_dir] = "\n".join(line for line in diff
                                         if line[:1] in "+-" and line[:3] not in ("+++", "---"))
    return changed


def describe_changed(study_dir: Path, changed: Mapping[str, str]) -> str:
    first, diff = next(iter(changed.items()))
    names = ", ".join(str(Path(d).relative_to(study_dir)) for d in list(changed)[:4])
    more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
    return (f"{len(changed)} run(s) in {study_dir} were made with a different configuration than "
            f"the benchmark gives now ({names}{more}). In {Path(first).relative_to(study_dir)} "
            f"(- recorded, + now):\n{diff}\n"
            f"To keep those results, run the new configuration into another --out; to move the old "
            f"runs to {study_dir / STALE_DIR} and rerun them, pass --rerun-changed.")


def move_aside(study_dir: Path, run_dirs: Iterable[str]) -> None:
    """Move changed runs under ``<study>/stale/`` (nothing is deleted), stamped with the time."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for run_dir in run_dirs:
        run_dir = Path(run_dir)
        target = study_dir / STALE_DIR / f"{run_dir.parent.name}--{run_dir.name}--{stamp}"
        target.parent.mkdir(parents=True, exist_ok=True)
        run_dir.rename(target)
