"""The PRD curves of a study (precision and recall for distributions, Sajjadi et al. 2018), for
the report's Plots section: one figure per PRD variant the runs computed (``prd``: Inception,
legacy resize; ``prd_clean``: Inception, clean resize; ``prd_domain``: the domain classifier),
with one curve per cell, from the cell's first finished seed.

A metric returns only floats, so a run's done file holds the F_8 / F_1/8 summary and not the
curve behind it; the curve is recomputed from the run's final checkpoint with the same math,
features and k-means seed (``ganbench_metrics.run_tools.prd_curve_for_run`` with the run's seed,
the metric's default clustering settings) and cached next to the run's done file as
``prd_curve_<extractor>.json``; a cache older than the done file is recomputed. The legend shows
the run's own ``prd_f8`` / ``prd_f1_8`` values (from its done file).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..results import read_done, seed_dir
from .curves import cell_label

# result suffix of the prd metric -> the feature extractor it was computed on
PRD_VARIANTS = {"": "inception_v3", "_clean": "inception_v3_clean", "_domain": "domain_classifier"}


def curve_path(run_dir: Path, extractor: str) -> Path:
    return run_dir / f"prd_curve_{extractor}.json"


def run_curve(run_dir: Path, seed: int, extractor: str) -> tuple[list[float], list[float]]:
    """(precision, recall) of a run's PRD curve on ``extractor``: from the cache when it is newer
    than the run's done file, else recomputed from the checkpoint and cached."""
    path = curve_path(run_dir, extractor)
    done = run_dir / "done"
    if path.exists() and (not done.exists() or path.stat().st_mtime >= done.stat().st_mtime):
        saved = json.loads(path.read_text(encoding="utf-8"))
        return list(saved["precision"]), list(saved["recall"])
    from ganbench_metrics.prd import save_curve
    from ganbench_metrics.run_tools import prd_curve_for_run
    precision, recall, _ = prd_curve_for_run(run_dir, extractor=extractor, seed=seed, save=False)
    save_curve(path, precision, recall)
    return [float(x) for x in precision], [float(x) for x in recall]


def finished_runs(study_dir: Path, info: dict[str, Any]):
    """(cell, seed, run_dir, done metrics) of each cell's first seed that finished training."""
    for cell in info["cells"]:
        for seed in info["seeds"]:
            run_dir = seed_dir(study_dir, cell["id"], seed)
            done = read_done(run_dir)
            if done and done.get("status") == "done":
                yield cell, seed, run_dir, done.get("metrics", {})
                break


def prd_figures(study_dir: Path, info: dict[str, Any]) -> tuple[list[tuple[str, Any]], list[str]]:
    """([(file stem, figure)], notes): a figure per PRD variant that some cell computed, and a
    note for every cell whose curve could not be recomputed."""
    runs = list(finished_runs(study_dir, info))
    figures, notes = [], []
    for suffix, extractor in PRD_VARIANTS.items():
        curves = []
        for cell, seed, run_dir, metrics in runs:
            if f"prd_f8{suffix}" not in metrics:
                continue
            label = cell_label(cell)
            try:
                precision, recall = run_curve(run_dir, seed, extractor)
            except Exception as err:  # one unreadable run must not cost the whole report
                notes.append(f"{label}: no prd{suffix} curve ({type(err).__name__}: {err})")
                continue
            curves.append((f"{label} (F8 {metrics[f'prd_f8{suffix}']:.3f}, "
                           f"F1/8 {metrics.get(f'prd_f1_8{suffix}', float('nan')):.3f})", precision, recall))
        if curves:
            figures.append((f"prd_curve{suffix}", prd_figure(curves, f"prd{suffix}: PRD curve on {extractor} features")))
    return figures, notes


def prd_figure(curves: list[tuple[str, list[float], list[float]]], title: str):
    """Precision against recall, one line per (label, precision, recall), both axes [0, 1]."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for label, precision, recall in curves:
        ax.plot(recall, precision, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
