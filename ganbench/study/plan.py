"""Planning a study: parse the benchmark file, expand its grid into tasks (one per seed of each
cell), and validate every cell's configuration before anything is written or trained."""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .. import config, distributed
from ..components import resolve
from ..config import Benchmark, Cell, expand, fingerprint
from ..errors import RegistryError
from ..evaluate.evaluation import declared_extractors, extractors_of
from ..interfaces import optional
from ..results import seed_dir
from ..storage import cache_dir
from ..subsets import subset_size
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
    an unreadable image) are caught here too, and so is a feature extractor a metric names that
    no plugin registers. Datasets cache their arrays, so the cells reuse them.

    It also warns (stderr, one line per variant and parameter) when a variant's ``include`` line
    resets a parameter that the benchmark file's own lines set (see ``IncludeOverrides``).
    """
    datasets_seen: dict[str, tuple[DataSummary, DataSummary]] = {}
    requested = Requested()
    overrides = IncludeOverrides(benchmark_file)
    for cell in cells:
        overrides.check(cell, bindings)   # parses on its own, so first: gin ends as the cell leaves it
        try:
            config.parse([benchmark_file], bindings, variant=cell.variant, variant_bindings=cell.bindings)
            requested[cell.id] = fingerprint.requested_config()
            requested.data[cell.id] = preflight(config.Experiment(), datasets_seen)
        except config.ConfigError as err:
            named = f"variant {cell.variant!r}" in str(err)   # a binding of the variant is the culprit
            raise config.ConfigError(str(err) if named else f"in variant {cell.variant!r}: {err}") from None
        except (TypeError, ValueError, LookupError, OSError, RegistryError) as err:
            raise config.ConfigError(f"in variant {cell.variant!r}: {err}") from None
    if distributed.rank() == 0:
        for warning in overrides.warnings:
            print(f"ganbench: warning: {warning}", file=sys.stderr)
    return requested


class Requested(dict):
    """What ``validate`` returns: cell id -> the cell's result-relevant bindings, plus ``data``:
    cell id -> its data record (``fingerprint.data_record``: content keys of the splits)."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, dict[str, Any]] = {}


def changed_runs(study_dir: Path, tasks: list[CellTask], requested: dict[str, str]) -> dict[str, str]:
    """Started runs whose recorded configuration or data differs from the benchmark's now
    (run_dir -> diff)."""
    data = requested.data if isinstance(requested, Requested) else None
    return fingerprint.changed_runs({t.run_dir: Path(t.run_dir).parent.name for t in tasks}, requested, data)


@dataclass
class DataSummary:
    """A dataset split without its images: what ``check_data`` members are given, and what the
    study keeps of each dataset it validated (its content key)."""

    name: str
    split: str
    labels: Any
    class_names: list[str]
    key: str

    @classmethod
    def of(cls, dataset: Any) -> "DataSummary":
        return cls(dataset.name, dataset.split, dataset.labels.detach().cpu(), list(dataset.class_names),
                   dataset.cache_key())

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __len__(self) -> int:
        return len(self.labels)

    def cache_key(self) -> str:
        return self.key


def preflight(exp: Any, datasets_seen: dict[str, tuple[DataSummary, DataSummary]]) -> dict[str, Any]:
    """Build what one cell names that is cheap to build, and its dataset if not seen yet; check
    that the labeler and the feature extractors the metrics name can use that data (their
    ``check_data``). Returns the cell's data record (``fingerprint.data_record``)."""
    labeler = resolve("labelers", exp.labeler)
    resolve("losses", exp.loss)
    for spec in exp.regularizers:
        resolve("regularizers", spec)
    if exp.augmentation is not None:
        resolve("augmentations", exp.augmentation)
    metrics = [resolve("metrics", spec) for spec in exp.metrics]
    for spec, metric in zip(exp.metrics, metrics):
        check_extractors(spec, metric)
    extractors = extractors_of(metrics)
    bound = fingerprint.dataset_bindings(fingerprint.requested_config())
    key = repr((getattr(exp.dataset, "__name__", exp.dataset), bound))
    if key not in datasets_seen:
        datasets_seen[key] = tuple(DataSummary.of(resolve("datasets", exp.dataset, split=split))
                                   for split in ("train", "test"))
    train, test = datasets_seen[key]
    if exp.train_images is not None:
        subset_size(exp.train_images, len(train))   # a subset larger than the data stops here
    check = optional(labeler, "check_data")
    if check is not None:
        check(train, test)
    from ..registry import get_registry
    registry = get_registry()
    for name in extractors:
        check = optional(registry.get("feature_extractors", name).load(), "check_data")
        if check is not None:
            check(train, test)
    return fingerprint.data_record(train, test, train.name, bound)


def check_extractors(spec: Any, metric: Any) -> None:
    """Raise ConfigError when ``metric`` declares (OPTIONAL_MEMBERS ``feature_extractors``) a
    feature-extractor name that no plugin registers; otherwise the metric would fail only at the
    final evaluation, after the cell has trained."""
    from ..evaluate.evaluation import metric_name
    from ..registry import get_registry, unknown_message
    valid = get_registry().names("feature_extractors")
    for name in declared_extractors(metric):
        if name not in valid:
            raise config.ConfigError(
                f"metric {metric_name(spec)!r} names feature extractor {name!r}: "
                f"{unknown_message('feature_extractors', name, valid)}")


# A variant line that is a gin ``include`` statement (nothing else on the line but a comment).
_INCLUDE_LINE = re.compile(r"""^\s*include\s+(['"])(.+?)\1\s*(#.*)?$""")


class IncludeOverrides:
    """Finds the parameters a variant's ``include '...'`` line resets although the benchmark
    file's own lines set them, which gin does silently (variant lines apply after the file, and
    the last binding wins).

    What counts as "set by the file": a binding on one of the file's own lines, found with gin's
    own statement parser (so comments, continued lines and scopes read as gin reads them, with the
    line number), not one that comes from a file it includes: a variant that switches a recipe the
    file also includes (``models/...``) is expected to reset that recipe's values. Whether an
    include resets one is decided on gin's parsed configuration (``gin.config._CONFIG``, as
    ``fingerprint`` reads it), parsing the cell with the variant's lines up to the include and up
    to and including it, so nested includes, macros and references count as gin applies them,
    and a value the include sets to what the file already had is no reset. Only a reset that
    survives to the end of the cell's bindings (a later variant line or ``-p`` may set it again)
    is reported, once per (variant, parameter).
    """

    def __init__(self, benchmark_file: str | os.PathLike) -> None:
        self.file = Path(benchmark_file)
        self.warnings: list[str] = []
        self._seen: set[tuple[str, tuple]] = set()
        self._snapshots: dict[tuple[str, ...], dict[tuple, Any]] = {}
        self._own: dict[tuple, tuple[int, str, Any]] | None = None

    @staticmethod
    def snapshot() -> dict[tuple, Any]:
        """Every binding gin holds now: ((scope, selector), parameter) -> value."""
        import gin
        return {(key, arg): value for key, params in gin.config._CONFIG.items()
                for arg, value in params.items()}

    def _parsed(self, variant_lines: tuple[str, ...]) -> dict[tuple, Any]:
        if variant_lines not in self._snapshots:
            config.parse([self.file], list(variant_lines))
            self._snapshots[variant_lines] = self.snapshot()
        return self._snapshots[variant_lines]

    def own_bindings(self) -> dict[tuple, tuple[int, str, Any]]:
        """Binding key -> (line, name, value) of the last binding each of the file's own lines makes."""
        if self._own is None:
            import gin
            from gin import config_parser
            self._own = {}
            text = self.file.read_text(encoding="utf-8")
            for statement in config_parser.ConfigParser(text, gin.config.ParserDelegate(skip_unknown=True)):
                if not isinstance(statement, config_parser.BindingStatement):
                    continue
                scope, selector, arg, value, location = statement
                if arg:
                    binding, name = (scope, selector, arg), f"{selector}.{arg}"
                else:   # a macro, bound by gin as (name, 'gin.macro', 'value')
                    macro = f"{scope}/{selector}" if scope else selector
                    binding, name = (macro, "gin.macro", "value"), macro
                try:
                    parsed = gin.config.ParsedBindingKey.parse(binding)
                except (ValueError, KeyError):
                    continue
                self._own[(parsed.config_key, parsed.arg_name)] = (location.line_num, name, value)
        return self._own

    def check(self, cell: Cell, bindings: Sequence[str] = ()) -> None:
        """Record a warning for each parameter of the file that a variant's include resets in
        ``cell`` (``bindings``: the ``-p`` options, applied after the variant). Parses gin only
        for a variant with an include line; a cell that does not parse is left to ``validate``."""
        lines = tuple(cell.bindings)
        includes = [i for i, line in enumerate(lines) if _INCLUDE_LINE.match(line)]
        if not includes:
            return
        try:
            own = self.own_bindings()
            if not own:
                return
            from_file = self._parsed(())
            final = self._parsed(lines + tuple(bindings))
            for i in includes:
                before, after = self._parsed(lines[:i]), self._parsed(lines[:i + 1])
                included = _INCLUDE_LINE.match(lines[i]).group(2)
                for key, (line_num, name, value) in own.items():
                    if (cell.variant, key) in self._seen or key not in from_file:
                        continue
                    file_value = from_file[key]
                    if not (_same(value, file_value) and key in before and _same(before[key], file_value)):
                        continue   # the file's line is not what is in effect at the include
                    if key in after and not _same(after[key], file_value) and key in final \
                            and _same(final[key], after[key]):
                        self._seen.add((cell.variant, key))
                        self.warnings.append(
                            f"variant {cell.variant!r} includes {included!r}, which resets {name} = "
                            f"{file_value!r} set in {self.file.name} line {line_num} to {after[key]!r}; "
                            "set it again after the include in the variant to keep it")
        except Exception:   # noqa: BLE001 - a warning must never stop a valid study
            return


def _same(a: Any, b: Any) -> bool:
    """Equal as gin values (a reference equals another to the same configurable, however named)."""
    try:
        return bool(a == b)
    except Exception:   # noqa: BLE001 - values of exotic types: compare what gin would print
        return repr(a) == repr(b)


def manifest(bench: Benchmark, name: str, cells: list[Cell]) -> dict[str, Any]:
    return {
        "name": name, "seeds": bench.seed_list(), "axes": {a: bench.axis_labels(a) for a in bench.axes},
        "variants": list(bench.variants), "table_metrics": list(bench.table_metrics),
        "table_variants": list(bench.table_variants or bench.variants), "reference": bench.reference,
        "extra_tables": list(bench.extra_tables), "plots": list(bench.plots),
        "search": {k: list(v) for k, v in bench.search.items()}, "trials": bench.trials,
        "budgets": list(bench.budgets),
        "cells": [{"id": c.id, "variant": c.variant, "axis_values": list(c.axis_values),
                   **({"trial": c.trial, "params": dict(c.params)} if c.trial is not None else {})}
                  for c in cells],
    }
