"""Benchmark grids: a gin ``Benchmark`` declares rows (variants), axes and seeds; ganbench
expands it into cells with stable ids.

A variant is a list of gin bindings. A binding may mention an axis as ``{axis_name}``; the
variant then gets one cell per value of that axis, and only of the axes it mentions, so a
fraction-independent row (``BigGAN (100%)``) runs once instead of once per fraction.
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
    # {"title": ..., "metrics": [...], "variants": [...] (optional), "where": {axis: value} (optional)}:
    # one row per matching cell, one column per metric
    extra_tables: Sequence[dict] = ()
    plots: Sequence[dict] = ()               # {"metric": ..., "axis": ..., "reference": row, "file": ...}
    executor: Any = "inprocess"
    workers: int | None = None               # parallel cells for executors that take it

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
        for variant, bindings in self.variants.items():
            if isinstance(bindings, str):
                raise ValueError(f"Benchmark.variants[{variant!r}] must be a list of bindings, not a string")
            unknown = set(mentioned_axes(bindings)) - set(self.axes)
            if unknown:
                raise ValueError(f"variant {variant!r} mentions axis {sorted(unknown)} but Benchmark.axes "
                                 f"declares only {sorted(self.axes)}")
        for row in list(self.table_variants or []) + [v for t in self.extra_tables for v in t.get("variants", [])]:
            if row not in self.variants:
                raise ValueError(f"table row {row!r} is not a declared variant; variants are {list(self.variants)}")
        slugs = [slug(v) for v in self.variants]
        if len(set(slugs)) != len(slugs):
            raise ValueError("two variants have the same directory name after slugging: "
                             + ", ".join(self.variants))

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
    """One (variant, axis values) combination, trained once per seed."""

    variant: str
    axis_values: tuple[tuple[str, Any], ...]
    bindings: tuple[str, ...]

    @property
    def id(self) -> str:
        parts = [slug(self.variant)] + [f"{slug(a)}-{slug(str(v))}" for a, v in self.axis_values]
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
    """All cells of a benchmark, in declaration order (variants, then axis values)."""
    cells = []
    for variant, bindings in bench.variants.items():
        axes = mentioned_axes(bindings)
        combos: list[dict[str, Any]] = [{}]
        for axis in axes:
            combos = [{**c, axis: label} for c in combos for label in bench.axis_labels(axis)]
        for combo in combos:
            values = {axis: bench.axis_value(axis, label) for axis, label in combo.items()}
            concrete = tuple(b.format(**values) for b in bindings)
            cells.append(Cell(variant, tuple(combo.items()), concrete))
    return cells
