"""Pictures of a search study: each method's score over its trials (box and points), the
expected best score against the budget k (one curve per method, with its 10-90% band), and the
score against each hyperparameter (one panel per parameter), to see which setting matters."""
from __future__ import annotations

import math
from typing import Any

from ..results import CellSummary
from .search import budget_curve, group_trials
from .text import higher_is_better


def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def _log_scale_helps(values: list[float]) -> bool:
    positive = [v for v in values if v > 0]
    return len(positive) == len(values) and len(values) > 1 and max(positive) / min(positive) > 30


def distribution(summaries: list[CellSummary], metric: str):
    plt = _pyplot()
    groups = [g for g in group_trials(summaries, metric) if g.scores]
    fig, ax = plt.subplots(figsize=(max(4, 1.4 * len(groups) + 2), 4))
    data = [[x for _, x in g.scores] for g in groups]
    if data:
        ax.boxplot(data, showfliers=False)
        for i, values in enumerate(data, start=1):
            ax.plot([i + 0.08 * ((j % 5) - 2) for j in range(len(values))], values, "o", alpha=0.6, ms=4)
        ax.set_xticks(range(1, len(groups) + 1), [f"{g.label}\n({len(g.unfinished)} div./failed)" for g in groups],
                      rotation=20, ha="right", fontsize=8)
        if _log_scale_helps([x for v in data for x in v]):
            ax.set_yscale("log")
    ax.set_ylabel(f"{metric} (median over seeds)")
    ax.set_title(f"{metric} over the trials of each method")
    fig.tight_layout()
    return fig


def budget(summaries: list[CellSummary], metric: str):
    plt = _pyplot()
    lower = not higher_is_better(metric)
    fig, ax = plt.subplots(figsize=(6, 4))
    for group in group_trials(summaries, metric):
        curve = [(k, b) for k, b in budget_curve(group, lower) if not math.isnan(b["mean"])]
        if not curve:
            continue
        ks = [k for k, _ in curve]
        line, = ax.plot(ks, [b["mean"] for _, b in curve], marker="o", ms=3, label=group.label)
        ax.fill_between(ks, [b["low"] for _, b in curve], [b["high"] for _, b in curve],
                        alpha=0.15, color=line.get_color())
    ax.set_xlabel("budget k (trials drawn without replacement)")
    ax.set_ylabel(f"expected best {metric}")
    ax.set_title("best score reachable with k trials (band: 10-90% of draws)", fontsize=9)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def sensitivity(summaries: list[CellSummary], metric: str, space: dict[str, Any]):
    plt = _pyplot()
    names = [n for n in space if any(n in s.params for s in summaries)]
    fig, axes = plt.subplots(1, max(1, len(names)), figsize=(3.2 * max(1, len(names)), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        for i, group in enumerate(group_trials(summaries, metric)):   # one colour per method, every panel
            points = [(cell.params[name], x) for cell, x in group.scores if name in cell.params]
            if points and all(isinstance(p, (int, float)) for p, _ in points):
                ax.plot([p for p, _ in points], [x for _, x in points], "o", alpha=0.7, ms=4,
                        color=f"C{i % 10}", label=group.label)
        if space[name][0] == "log_uniform":
            ax.set_xscale("log")
        ax.set_xlabel(name)
    axes[0][0].set_ylabel(metric)
    handles = {label: h for ax in axes[0] for h, label in zip(*ax.get_legend_handles_labels())}
    if handles:
        axes[0][0].legend(handles.values(), handles.keys(), fontsize=7)
    fig.suptitle(f"{metric} against each hyperparameter", fontsize=9)
    fig.tight_layout()
    return fig


def search_figures(info: dict[str, Any], summaries: list[CellSummary]) -> list[tuple[str, Any]]:
    """(file stem, figure) of every search plot, for each table metric."""
    if not info.get("search"):
        return []
    figures = []
    for metric in info["table_metrics"]:
        figures += [(f"search_{metric}_distribution", distribution(summaries, metric)),
                    (f"search_{metric}_budget", budget(summaries, metric)),
                    (f"search_{metric}_sensitivity", sensitivity(summaries, metric, info["search"]))]
    return figures
