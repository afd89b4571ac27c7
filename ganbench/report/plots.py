"""Plots from aggregated results (matplotlib, Agg backend): PNG and PDF of each."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..results import CellSummary
from .figures import write_figure
from .tables import lookup


def metric_vs_axis(info: dict[str, Any], summaries: list[CellSummary], spec: dict[str, Any]):
    """Median of ``spec['metric']`` against the values of ``spec['axis']``, one line per variant
    that varies along the axis; rows that do not (the fully supervised reference, Single label,
    Clustering) are drawn as horizontal lines across the plot, as in the fewer-labels paper's
    figure: the reference dashed black, the others dotted in their own colour."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metric, axis = spec["metric"], spec["axis"]
    values = list(info["axes"][axis])
    fig, ax = plt.subplots(figsize=(6, 4))
    for variant in info["variants"]:
        cells = [s for s in summaries if s.variant == variant]
        stats = [(s.axis_values.get(axis), s.stat(metric)) for s in cells]
        if any(a is not None for a, _ in stats):
            xs, med, lo, hi = [], [], [], []
            for v in values:
                s = lookup(summaries, variant, ((axis, v),))
                st = s.stat(metric) if s else None
                if st:
                    xs.append(v), med.append(st["median"]), lo.append(st["min"]), hi.append(st["max"])
            if xs:
                line, = ax.plot(xs, med, marker="o", label=variant)
                ax.fill_between(xs, lo, hi, alpha=0.15, color=line.get_color())
        elif stats and stats[0][1]:
            # A row that does not vary along the axis (the reference, Single label, Clustering)
            # has one value for every column: a horizontal line, the reference in black.
            st = stats[0][1]
            if variant == spec.get("reference"):
                ax.axhline(st["median"], linestyle="--", color="black", label=f"{variant} (all labels)")
            elif values:   # across the axis' values, in the next colour of the cycle
                ax.plot(values, [st["median"]] * len(values), linestyle=":", label=variant)
    ax.set_xlabel(spec.get("xlabel", axis))
    if spec.get("xscale"):          # e.g. 'log' for training-set sizes 100 / 500 / 10,000
        ax.set_xscale(spec["xscale"])
    ax.set_ylabel(f"median {metric}")
    ax.set_title(spec.get("title", f"{metric} vs {axis}"))
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:   # no finished cell yet: no lines, no legend
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def study_figures(info: dict[str, Any], summaries: list[CellSummary]) -> list[tuple[str, Any]]:
    """(file stem, figure) for every plot the study declares (``Benchmark.plots``)."""
    figures = []
    for spec in info.get("plots", []):
        kind = spec.get("kind", "metric_vs_axis")
        if kind == "training_curve":
            continue      # drawn from the runs' logs (curves.curve_plot_figures)
        if kind != "metric_vs_axis":
            raise ValueError(f"unknown plot kind {kind!r} in Benchmark.plots; known: metric_vs_axis, "
                             "training_curve")
        stem = spec.get("file", f"{spec['metric']}_vs_{spec['axis']}")
        figures.append((Path(stem).stem, metric_vs_axis(info, summaries, spec)))
    return figures


def write_all(study_dir: Path, info: dict[str, Any], summaries: list[CellSummary]) -> list[Path]:
    from .curves import curve_plot_figures
    from .search_plots import search_figures
    written = []
    figures = study_figures(info, summaries) + search_figures(info, summaries)
    for stem, fig in figures + curve_plot_figures(study_dir, info):
        written += write_figure(fig, study_dir / stem)
    return written
