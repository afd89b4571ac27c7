"""Reading a study with a search space (Compare GAN's method): each method's score over its
trials, the best trial, and the expected best score reachable with a budget of k trials.

A trial's score is the median over its seeds. Trials that diverged in every seed or failed
count as the worst score: a budget of k trials is k trials drawn without replacement from all N
trials that ran, and a draw in which none finished has no best (its probability is reported as
``p_none``); ``E[best]`` and its 10-90% band are over the draws that have one. Trials not run yet
are left out of N (and counted as pending). The expected best is computed exactly from order
statistics: with finished scores sorted best first, the i-th is the best of a random k-subset
with probability C(N - i, k - 1) / C(N, k).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..results import CellSummary
from .text import higher_is_better, render

BAND = (0.1, 0.9)


@dataclass
class Trials:
    """The trials of one method (a variant and its axis values) for one metric."""

    label: str
    scores: list[tuple[CellSummary, float]] = field(default_factory=list)   # finished trials
    unfinished: list[CellSummary] = field(default_factory=list)             # diverged or failed
    pending: int = 0                                                         # not run yet

    @property
    def started(self) -> int:
        return len(self.scores) + len(self.unfinished)


def group_trials(summaries: list[CellSummary], metric: str) -> list[Trials]:
    """Trials per method, in the study's order."""
    groups: dict[str, Trials] = {}
    for s in summaries:
        if s.trial is None:
            continue
        label = s.variant + "".join(f", {a}={v}" for a, v in s.axis_values.items())
        group = groups.setdefault(label, Trials(label))
        stat = s.stat(metric)
        if stat is not None:
            group.scores.append((s, stat["median"]))
        elif s.seeds_done + s.seeds_failed:
            group.unfinished.append(s)
        else:
            group.pending += 1
    return list(groups.values())


def best_of_k(scores: list[float], started: int, k: int, lower_is_better: bool) -> dict[str, float]:
    """Exact distribution of the best of k trials drawn without replacement from ``started``
    trials, of which ``scores`` finished (the others count as worst)."""
    if not 1 <= k <= started:
        raise ValueError(f"budget k = {k} outside 1..{started}")
    ordered = sorted(scores, reverse=not lower_is_better)
    total = math.comb(started, k)
    probs = [math.comb(started - i, k - 1) / total for i in range(1, len(ordered) + 1)]
    p_some = sum(probs)
    if p_some == 0:
        return {"mean": math.nan, "low": math.nan, "high": math.nan, "p_none": 1.0}
    mean = sum(p * x for p, x in zip(probs, ordered)) / p_some
    return {"mean": mean, "low": _quantile(ordered, probs, p_some, BAND[0]),
            "high": _quantile(ordered, probs, p_some, BAND[1]), "p_none": 1.0 - p_some}


def _quantile(ordered: list[float], probs: list[float], p_some: float, q: float) -> float:
    """The q-quantile of the best score (best first: q = 0.1 is a lucky draw)."""
    cumulative = 0.0
    for p, x in zip(probs, ordered):
        cumulative += p / p_some
        if cumulative >= q - 1e-12:
            return x
    return ordered[-1]


def budget_curve(trials: Trials, lower_is_better: bool) -> list[tuple[int, dict[str, float]]]:
    return [(k, best_of_k([x for _, x in trials.scores], trials.started, k, lower_is_better))
            for k in range(1, trials.started + 1)]


def best_trial_table(summaries: list[CellSummary], metric: str, fmt: str = "markdown") -> str:
    """Per method: its best trial (median [min, max] over seeds) and that trial's hyperparameters,
    with how many trials finished, diverged or failed, and are pending."""
    better = max if higher_is_better(metric) else min
    header = ["method", f"best {metric}", "trial", "hyperparameters", "finished", "diverged/failed", "pending"]
    rows = []
    for group in group_trials(summaries, metric):
        if group.scores:
            cell, _ = better(group.scores, key=lambda item: item[1])
            stat = cell.stat(metric)
            value = f"{stat['median']:.4g} [{stat['min']:.4g}, {stat['max']:.4g}]"
            params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in cell.params.items())
            trial = str(cell.trial)
        else:
            value, params, trial = "none finished", "", ""
        rows.append([group.label, value, trial, params, str(len(group.scores)),
                     str(len(group.unfinished)), str(group.pending)])
    return render(header, rows, fmt)


def budget_table(summaries: list[CellSummary], metric: str, budgets: list[int],
                 fmt: str = "markdown") -> str:
    """Expected best score with a budget of k trials, E [10%, 90%], for each k in ``budgets``
    and k = N (all trials that ran)."""
    lower = not higher_is_better(metric)
    groups = group_trials(summaries, metric)
    ks = sorted({k for k in budgets if k > 0} | {max((g.started for g in groups), default=1)})
    header = ["method"] + [f"k={k}" for k in ks]
    rows = []
    for group in groups:
        row = [f"{group.label} (N={group.started})"]
        for k in ks:
            if k > group.started:
                row.append("")
                continue
            best = best_of_k([x for _, x in group.scores], group.started, k, lower)
            none = f", p(none finished)={best['p_none']:.2f}" if best["p_none"] > 0 else ""
            low, high = sorted((best["low"], best["high"]))   # numerically, for either direction
            row.append("no finished trial" if math.isnan(best["mean"]) else
                       f"{best['mean']:.4g} [{low:.4g}, {high:.4g}]{none}")
        rows.append(row)
    return render(header, rows, fmt)


def render_search(info: dict[str, Any], summaries: list[CellSummary], fmt: str = "markdown") -> str:
    """The search study's tables for every table metric (markdown headings like render_all)."""
    parts = [f"\nTrials: {info.get('trials')} drawn from the search space "
             f"({', '.join(f'{k}: {tuple(v)}' for k, v in info['search'].items())}); a trial's score "
             "is the median over its seeds; diverged and failed trials count as the worst score in "
             "the budgets (k trials drawn without replacement from the N that ran).\n"]
    for metric in info["table_metrics"]:
        parts.append(f"\n## {metric}: best trial per method\n\n" + best_trial_table(summaries, metric, fmt))
        parts.append(f"\n## {metric}: expected best of k trials, E [10%, 90%]\n\n"
                     + budget_table(summaries, metric, list(info.get("budgets", [1, 5, 10])), fmt))
    return "".join(parts)
