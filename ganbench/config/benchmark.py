"""Benchmark grids: a gin ``Benchmark`` declares rows (variants), axes and seeds; ganbench
expands it into cells with stable ids.

A variant is a list of gin bindings. A binding may mention an axis as ``{axis_name}``; the
variant then gets one cell per value of that axis, and only of the axes it mentions, so a
fraction-independent row (``BigGAN (100%)``) runs once instead of once per fraction. A binding
may also mention a search parameter (``Benchmark.search``, see ``ganbench.config.search``); the
variant then gets one cell per trial.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import Any, Sequence

import gin


@gin.configurable
@dataclass
class Benchmark:
    """A study: rows, axes, seeds, what to tabulate and plot, and where cells run."""

    name: str | None = None                          # default: the benchmark file's stem
    variants: dict[str, Sequence[str]] = field(default_factory=dict)   # row -> gin bindings
    # axis -> values, or -> {label: value} when the value is gin text unfit for a column name
    axes: dict[str, Sequence[Any] | dict[str, Any]] = field(default_factory=dict)
    seeds: int | Sequence[int] = 3
    table_metrics: Sequence[str] = ("fid_domain", "is_domain")          # one table per metric
    table_variants: Sequence[str] | None = None   # rows of those tables (default: every variant)
    reference: str | None = None             # the row other rows are tested against (default: the first)
    # {"title": ..., "metrics": [...], "variants": [...] (optional), "where": {axis: value} (optional)}:
    # one row per matching cell, one column per metric
    extra_tables: Sequence[dict] = ()
    plots: Sequence[dict] = ()               # {"metric": ..., "axis": ..., "reference": row, "file": ...}
    executor: Any = "inprocess"
    workers: int | None = None               # parallel cells for executors that take it
    # name -> distribution, e.g. {'lr': ('log_uniform', 1e-5, 1e-2)}; variants mention {name}
    search: dict[str, Sequence[Any]] = field(default_factory=dict)
    trials: int = 0                          # trials drawn from the search space (per variant)
    budgets: Sequence[int] = (1, 5, 10)      # budgets k of the "expected best of k trials" table (and N)

    def __post_init__(self) -> None:
        if not self.variants:
            raise ValueError("Benchmark.variants is empty: declare at least one row, e.g. "
                             "Benchmark.variants = {'baseline': []}")
        seeds = self.seed_list()
        if not seeds or len(set(seeds)) != len(seeds) or any(s < 0 for s in seeds):
            raise ValueError(f"Benchmark.seeds must be a positive count or distinct seeds >= 0, got {self.seeds!r}")
        for axis, values in self.axes.items():
            if not values:
                raise ValueError(f"Benchmark.axes[{axis!r}] has no values")
        self._check_search()
        for variant, bindings in self.variants.items():
            if isinstance(bindings, str):
                raise ValueError(f"Benchmark.variants[{variant!r}] must be a list of bindings, not a string")
            unknown = set(mentioned_axes(bindings)) - set(self.axes) - set(self.search)
            if unknown:
                raise ValueError(f"variant {variant!r} mentions {sorted(unknown)}, which is neither an axis "
                                 f"(Benchmark.axes: {sorted(self.axes)}) nor a search parameter "
                                 f"(Benchmark.search: {sorted(self.search)})")
        for row in (list(self.table_variants or []) + [v for t in self.extra_tables for v in t.get("variants", [])]
                    + ([self.reference] if self.reference else [])):
            if row not in self.variants:
                raise ValueError(f"table row {row!r} is not a declared variant; variants are {list(self.variants)}")
        slugs = [slug(v) for v in self.variants]
        if len(set(slugs)) != len(slugs):
            raise ValueError("two variants have the same directory name after slugging: "
                             + ", ".join(self.variants))

    def _check_search(self) -> None:
        from .search import check_space, expression_names
        check_space(self.search)
        clash = sorted(set(self.search) & set(self.axes))
        if clash:
            raise ValueError(f"{clash} is both an axis and a search parameter; rename one")
        if self.search and (not isinstance(self.trials, int) or self.trials <= 0):
            raise ValueError(f"Benchmark.search is set but Benchmark.trials = {self.trials!r}: "
                             "give the number of trials to draw, e.g. Benchmark.trials = 16")
        used = {name for b in self.variants.values() if not isinstance(b, str) for name in mentioned_axes(b)}
        derived_from = {n for name, spec in self.search.items() if spec[0] == "expr" and name in used
                        for n in expression_names(spec[1])}
        unused = sorted(set(self.search) - used - derived_from)
        if unused:
            raise ValueError(f"search parameter(s) {unused} appear in no variant's bindings: mention "
                             "them as {name}, e.g. 'Experiment.g_lr = {lr}', or remove them")

    def trial_points(self) -> list[dict[str, Any]]:
        """The drawn hyperparameters of every trial (empty without a search space)."""
        from .search import draw
        return draw(self.search, self.trials) if self.search else []

    def axis_labels(self, axis: str) -> list[Any]:
        """Column labels of an axis (its values, or the keys of a {label: value} mapping)."""
        return list(self.axes[axis])

    def axis_value(self, axis: str, label: Any) -> Any:
        values = self.axes[axis]
        return values[label] if isinstance(values, dict) else label

    def seed_list(self) -> list[int]:
        return list(range(self.seeds)) if isinstance(self.seeds, int) else [int(s) for s in self.seeds]


@dataclass(frozen=True)
class Cell:
    """One (variant, axis values[, trial]) combination, trained once per seed."""

    variant: str
    axis_values: tuple[tuple[str, Any], ...]
    bindings: tuple[str, ...]
    trial: int | None = None                           # index of the search trial, if any
    params: tuple[tuple[str, Any], ...] = ()           # the trial's drawn values this cell uses

    @property
    def id(self) -> str:
        parts = [slug(self.variant)] + [f"{slug(a)}-{slug(str(v))}" for a, v in self.axis_values]
        if self.trial is not None:
            parts.append(f"trial-{self.trial:03d}")
        return "__".join(parts)


def slug(text: str) -> str:
    """A directory-safe name: letters, digits, '-', '.', '_' only; never escapes its parent."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", text.strip()).strip("-.").lower()
    return cleaned or "x"


def mentioned_axes(bindings: Sequence[str]) -> list[str]:
    names: list[str] = []
    for binding in bindings:
        for _, field_name, _, _ in string.Formatter().parse(binding):
            if field_name and field_name not in names:
                names.append(field_name)
    return names


def expand(bench: Benchmark) -> list[Cell]:
    """All cells of a benchmark, in declaration order (variants, then axis values, then trials)."""
    from .search import gin_literal
    points = bench.trial_points()
    cells = []
    for variant, bindings in bench.variants.items():
        mentioned = mentioned_axes(bindings)
        axes = [a for a in mentioned if a in bench.axes]
        searched = [p for p in mentioned if p in bench.search]
        combos: list[dict[str, Any]] = [{}]
        for axis in axes:
            combos = [{**c, axis: label} for c in combos for label in bench.axis_labels(axis)]
        trials: list[int | None] = list(range(len(points))) if searched else [None]
        for combo in combos:
            values = {axis: bench.axis_value(axis, label) for axis, label in combo.items()}
            for trial in trials:
                params = {p: points[trial][p] for p in searched} if trial is not None else {}
                concrete = tuple(b.format(**values, **{p: gin_literal(v) for p, v in params.items()})
                                 for b in bindings)
                cells.append(Cell(variant, tuple(combo.items()), concrete, trial, tuple(params.items())))
    return cells
