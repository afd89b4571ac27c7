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

The data counts too: each run also records the content keys of its train and test splits
(``data.json``; ``ImageDataset.cache_key()``, a hash of the decoded pixels and labels), and a
study whose data changed since a run started (images replaced in a folder, even with sizes and
modification times kept) stops the same way, naming the dataset and the runs.
"""
from __future__ import annotations

import difflib
import json
import time
from pathlib import Path
from typing import Any, Iterable, Mapping

import gin

from ..storage import atomic_write_json, atomic_write_text

FILE = "requested.gin"
DATA_FILE = "data.json"
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


def record_data(run_dir: Path, data: Mapping[str, Any]) -> None:
    """Write the data a run is made with (``data_record``), once: the first start decides."""
    if not (run_dir / DATA_FILE).exists():
        atomic_write_json(run_dir / DATA_FILE, dict(data))


def data_record(train: Any, test: Any, dataset: str, bindings: Iterable[str] = ()) -> dict[str, Any]:
    """What ``data.json`` holds: the content keys of the splits (what is compared), the
    dataset's registered name and its gin bindings (to name it in messages)."""
    return {"train": train.cache_key(), "test": test.cache_key(), "dataset": dataset,
            "bindings": list(bindings)}


def dataset_bindings(config_text: str) -> list[str]:
    """The ``datasets.*`` lines of an operative or parsed gin config."""
    return [line for line in config_text.splitlines() if line.startswith("datasets.")]


def read_data(run_dir: str | Path) -> dict[str, Any] | None:
    try:
        return json.loads((Path(run_dir) / DATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


DATA_PREFIX = "data "   # diff lines about data: "-data train: <key>", "+data train: <key>"


def changed_runs(run_dirs: Mapping[str, str], requested: Mapping[str, str],
                 data: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, str]:
    """run_dir -> a diff (old -> new) for every started run whose recorded configuration differs
    from what the benchmark asks for now, or whose recorded data keys (``data.json``) differ
    from the data's keys now (``data``: cell id -> ``data_record``; lines ``-data train: ...``).
    ``run_dirs`` maps run_dir -> its cell id."""
    changed = {}
    for run_dir, cell_id in run_dirs.items():
        lines = []
        path = Path(run_dir) / FILE
        if path.exists():
            old = path.read_text()
            if old != requested[cell_id]:
                diff = difflib.unified_diff(old.splitlines(), requested[cell_id].splitlines(), lineterm="", n=0)
                lines += [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
        recorded = read_data(run_dir)
        now = (data or {}).get(cell_id)
        if recorded and now:
            for split in ("train", "test"):
                if recorded.get(split) != now.get(split):
                    lines += [f"-{DATA_PREFIX}{split}: {recorded.get(split)}", f"+{DATA_PREFIX}{split}: {now.get(split)}"]
        if lines:
            changed[run_dir] = "\n".join(lines)
    return changed


def is_data_change(diff: str) -> bool:
    return any(line[1:].startswith(DATA_PREFIX) for line in diff.splitlines())


def describe_changed(study_dir: Path, changed: Mapping[str, str]) -> str:
    first, diff = next(iter(changed.items()))
    where = Path(study_dir).resolve()   # run dirs are absolute; --out may be relative
    names = ", ".join(str(Path(d).relative_to(where)) for d in list(changed)[:4])
    more = f" and {len(changed) - 4} more" if len(changed) > 4 else ""
    data_runs = [d for d, text in changed.items() if is_data_change(text)]
    config_runs = [d for d, text in changed.items()
                   if any(not line[1:].startswith(DATA_PREFIX) for line in text.splitlines())]
    what = " and ".join(w for w, runs in (("a different configuration", config_runs),
                                          ("different data", data_runs)) if runs)
    data_note = ""
    if data_runs:
        record = read_data(data_runs[0]) or {}
        bound = "; ".join(record.get("bindings") or [])
        data_note = (f" The data of dataset {record.get('dataset') or '?'}"
                     f"{f' ({bound})' if bound else ''} changed since {len(data_runs)} of them started "
                     "(its images' content differs: files replaced, added or removed); their results "
                     "were computed on the old data.")
    return (f"{len(changed)} run(s) in {study_dir} were made with {what} than "
            f"the benchmark gives now ({names}{more}).{data_note} In {Path(first).relative_to(where)} "
            f"(- recorded, + now):\n{diff}\n"
            f"To keep those results, run the new configuration or data into another --out; to move the old "
            f"runs to {study_dir / STALE_DIR} and rerun them, pass --rerun-changed.")


def data_facts(study_dir: str | Path, info: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The distinct data records of a study's runs (``data.json``) with the runs using each:
    the dataset, its split keys and the domain classifier's test accuracy when recorded."""
    from ..results import seed_dir
    facts: dict[str, dict[str, Any]] = {}
    for cell in info.get("cells", []):
        for seed in info.get("seeds", []):
            record = read_data(seed_dir(Path(study_dir), cell["id"], seed))
            if not record:
                continue
            key = json.dumps({k: record.get(k) for k in ("train", "test", "extractors")}, sort_keys=True)
            facts.setdefault(key, {**record, "runs": 0})["runs"] += 1
    return list(facts.values())


def move_aside(study_dir: Path, run_dirs: Iterable[str]) -> None:
    """Move changed runs under ``<study>/stale/`` (nothing is deleted), stamped with the time."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for run_dir in run_dirs:
        run_dir = Path(run_dir)
        target = study_dir / STALE_DIR / f"{run_dir.parent.name}--{run_dir.name}--{stamp}"
        target.parent.mkdir(parents=True, exist_ok=True)
        run_dir.rename(target)
