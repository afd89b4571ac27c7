"""Training curves from each seed's ``metrics.jsonl``: losses, the values components log (ADA's p,
the overfitting probe) and evaluation metrics against
generator steps and against training wall time (PNG and PDF, one figure per quantity).

``kind: "train"`` records carry step, images_seen, d_loss, g_loss and images_per_s of the logging
window; ``kind: "eval"`` records carry step, train_seconds and the metric values. Train records
have no clock of their own, so their wall time is rebuilt from the window throughput: each
window took (images seen in it) / images_per_s seconds. The loop measures that throughput
without evaluation time, so the rebuilt clock matches the eval records' ``train_seconds``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config.benchmark import slug
from ..results import read_jsonl, read_study_manifest, seed_dir
from .figures import write_figure

LOSSES = ("d_loss", "g_loss")
NOT_METRICS = {"kind", "step", "images_seen", "train_seconds"}
CURVES_DIR = "curves"


@dataclass
class SeedCurves:
    """The logged records of one seed of one cell, one record per step, in step order."""

    cell_id: str
    label: str                      # variant and axis values, as the tables name the cell
    seed: int
    train: list[dict[str, Any]] = field(default_factory=list)   # with "wall_seconds" added
    evals: list[dict[str, Any]] = field(default_factory=list)
    axis_values: dict[str, Any] = field(default_factory=dict)


def last_per_step(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per step, the last one logged: a run resumed or restarted after a divergence
    logs again the steps after its checkpoint, and the later trajectory is the one that counts."""
    by_step = {int(r["step"]): r for r in records if "step" in r}
    return [by_step[s] for s in sorted(by_step)]


def train_wall_seconds(train: list[dict[str, Any]]) -> list[float]:
    """Cumulative training seconds at each train record (records in step order)."""
    seconds, total, seen = [], 0.0, 0
    for record in train:
        rate = float(record.get("images_per_s") or 0.0)
        images = int(record["images_seen"]) - seen
        total += images / rate if rate > 0 and math.isfinite(rate) else 0.0
        seen = int(record["images_seen"])
        seconds.append(total)
    return seconds


def cell_label(cell: dict[str, Any]) -> str:
    return cell["variant"] + "".join(f", {a}={v}" for a, v in cell["axis_values"])


def read_curves(study_dir: str | Path) -> list[SeedCurves]:
    """Curves of every seed that has logged anything, in the study's cell and seed order."""
    study_dir = Path(study_dir)
    info = read_study_manifest(study_dir)
    curves = []
    for cell in info["cells"]:
        for seed in info["seeds"]:
            records = read_jsonl(seed_dir(study_dir, cell["id"], seed) / "metrics.jsonl")
            if not records:
                continue
            train = last_per_step([r for r in records if r.get("kind") == "train"])
            for record, seconds in zip(train, train_wall_seconds(train)):
                record["wall_seconds"] = seconds
            evals = last_per_step([r for r in records if r.get("kind") == "eval"])
            curves.append(SeedCurves(cell["id"], cell_label(cell), seed, train, evals,
                                     axis_values=dict(cell["axis_values"])))
    return curves


def eval_metrics(curves: list[SeedCurves]) -> list[str]:
    """Every numeric metric any evaluation logged, sorted."""
    names = {k for c in curves for r in c.evals for k, v in r.items()
             if k not in NOT_METRICS and isinstance(v, (int, float))}
    return sorted(names)


NOT_TRAIN_VALUES = NOT_METRICS | {"images_per_s", "wall_seconds", *LOSSES}


def train_values(curves: list[SeedCurves]) -> list[str]:
    """Every numeric value the training records carry besides the losses, sorted: what the
    components report (``log_values``: ADA's p, PGGAN's alpha) and the overfitting probe."""
    names = {k for c in curves for r in c.train for k, v in r.items()
             if k not in NOT_TRAIN_VALUES and isinstance(v, (int, float)) and not isinstance(v, bool)}
    return sorted(names)


def curve_figure(curves: list[SeedCurves], quantity: str, source: str):
    """Two panels, ``quantity`` against training images seen (generator steps for records that
    lack the count) and against wall time; a colour per cell, a line per seed (only a cell's
    first seed is named in the legend). Images, not steps, so cells with different batch sizes
    share an axis."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (by_images, by_time) = plt.subplots(1, 2, figsize=(10, 3.6))
    x_key = "images_seen" if all("images_seen" in r for c in curves for r in getattr(c, source)) else "step"
    colours: dict[str, Any] = {}
    clock = "wall_seconds" if source == "train" else "train_seconds"
    for c in curves:
        points = [r for r in getattr(c, source) if isinstance(r.get(quantity), (int, float))]
        if not points:
            continue
        label = c.label if c.cell_id not in colours else None
        style = {"marker": "o", "markersize": 3, "color": colours.get(c.cell_id), "label": label}
        line, = by_images.plot([r[x_key] for r in points], [r[quantity] for r in points], **style)
        colours.setdefault(c.cell_id, line.get_color())
        by_time.plot([r.get(clock, math.nan) for r in points], [r[quantity] for r in points],
                     **{**style, "color": colours[c.cell_id], "label": None})
    by_images.set_xlabel("training images seen" if x_key == "images_seen" else "generator step")
    by_time.set_xlabel("training wall time (s)")
    for ax in (by_images, by_time):
        ax.set_ylabel(quantity)
        ax.grid(alpha=0.3)
    if by_images.get_legend_handles_labels()[0]:
        by_images.legend(fontsize=7)
    kind = "evaluation" if source != "train" else "training loss" if quantity in LOSSES else "training"
    fig.suptitle(f"{quantity} ({kind})")
    fig.tight_layout()
    return fig


def curve_figures(study_dir: str | Path) -> list[tuple[str, Any]]:
    """(file stem, figure) for the losses and every evaluated metric of a study."""
    curves = read_curves(study_dir)
    if not curves:
        return []
    wanted = [(q, "train") for q in LOSSES + tuple(train_values(curves))]
    wanted += [(m, "evals") for m in eval_metrics(curves)]
    return [(slug(q), curve_figure(curves, q, source)) for q, source in wanted]


def write_curves(study_dir: str | Path) -> list[Path]:
    """Write every training curve as PNG and PDF under ``<study>/curves/``; returns the paths."""
    study_dir = Path(study_dir)
    written = []
    for stem, fig in curve_figures(study_dir):
        written += write_figure(fig, study_dir / CURVES_DIR / stem)
    return written


def median_curve_figure(curves: list[SeedCurves], spec: dict[str, Any]):
    """A ``Benchmark.plots`` entry of kind ``training_curve``: the median over seeds of a logged
    training value (``spec['value']``, e.g. ADA's ``ada_p`` or the probe's ``d_sign_gap``)
    against training images, one line per cell whose axis values match ``spec['where']``, with
    the seeds' min-max band. Steps that not every seed of a cell logged are left out."""
    import statistics

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    quantity, where = spec["value"], spec.get("where", {})
    fig, ax = plt.subplots(figsize=(6, 4))
    by_cell: dict[str, list[SeedCurves]] = {}
    for c in curves:
        if all(c.axis_values.get(axis) == value for axis, value in where.items()):
            by_cell.setdefault(c.cell_id, []).append(c)
    for seeds in by_cell.values():
        series = [{int(r["images_seen"]): r[quantity] for r in c.train
                   if isinstance(r.get(quantity), (int, float))} for c in seeds]
        shared = sorted(set.intersection(*(set(s) for s in series))) if series else []
        if not shared:
            continue
        values = [[s[x] for s in series] for x in shared]
        line, = ax.plot(shared, [statistics.median(v) for v in values], label=seeds[0].label)
        ax.fill_between(shared, [min(v) for v in values], [max(v) for v in values], alpha=0.15,
                        color=line.get_color())
    ax.set_xlabel("training images seen")
    ax.set_ylabel(f"median {quantity}")
    ax.set_title(spec.get("title", quantity + "".join(f", {a}={v}" for a, v in where.items())))
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def curve_plot_figures(study_dir: str | Path, info: dict[str, Any]) -> list[tuple[str, Any]]:
    """(file stem, figure) for every ``training_curve`` plot the study declares."""
    specs = [s for s in info.get("plots", []) if s.get("kind") == "training_curve"]
    if not specs:
        return []
    curves = read_curves(study_dir)
    return [(Path(s.get("file", f"{s['value']}_curve")).stem, median_curve_figure(curves, s))
            for s in specs]
