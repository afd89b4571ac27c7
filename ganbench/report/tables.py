"""Paper-style tables from aggregated results: median [min, max] over seeds (tabulate)."""
from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

from ..results import CellSummary
from ..storage import atomic_write_text
from . import confidence
# LOWER_IS_BETTER and higher_is_better stay importable from here (plugins and tests use them)
from .text import FORMATS, LOWER_IS_BETTER, _latex_escape, higher_is_better, metric_label, render  # noqa: F401

def columns(info: dict[str, Any]) -> list[tuple[tuple[str, Any], ...]]:
    """Column keys: every combination of axis values (one empty key when there are no axes)."""
    combos: list[tuple[tuple[str, Any], ...]] = [()]
    for axis, values in info["axes"].items():
        combos = [c + ((axis, v),) for c in combos for v in values]
    return combos


def lookup(summaries: list[CellSummary], variant: str, column: tuple) -> CellSummary | None:
    """The cell of ``variant`` that applies to ``column`` (cells ignore axes they do not use)."""
    for s in summaries:
        if s.variant == variant and all(dict(column).get(a) == v for a, v in s.axis_values.items()):
            return s
    return None


# Number formatting (markdown, LaTeX and HTML alike): every number keeps at least SIG_DIGITS
# significant digits (0.0412, 3.20, 12.3; values >= 100 show all their integer digits, so 1234
# never becomes 1.23e+03), and all numbers of one metric share one number of decimals, the most
# any of them needs, so that they line up and compare: 12.35 and 3.20, not 12.3 and 3.2. Below
# 0.0001 digits are lost at MAX_DECIMALS, so a near-zero min of a KID spread cannot stretch the
# whole table. When the bold median would print like a different median, a digit is added
# (0.04001 vs 0.04002), so the reader can see why it is the best.
SIG_DIGITS = 3
MAX_DECIMALS = 6
# CSV is read by programs, not people: 6 significant digits keep everything a float32 metric
# holds that seeds could ever resolve, where the earlier .4g merged 0.04001 and 0.04002.
CSV_FORMAT = ".6g"


def decimals_for(value: float) -> int:
    """Decimals that show ``value`` with SIG_DIGITS significant digits (0 for |value| >= 100)."""
    if value == 0 or not math.isfinite(value):
        return 0                                  # no significant digits to keep
    needed = SIG_DIGITS - 1 - math.floor(math.log10(abs(value)))
    return min(MAX_DECIMALS, max(0, needed))


def printed_values(stat: dict[str, float] | None) -> list[float]:
    """The numbers a cell shows: its median, and [min, max] when there are several seeds."""
    if stat is None:
        return []
    return [stat["median"], stat["min"], stat["max"]] if stat["n"] > 1 else [stat["median"]]


def shared_decimals(stats: list[dict[str, float] | None], best: float | None = None) -> int:
    """One number of decimals for cells that must line up (see ``table_decimals``)."""
    return table_decimals([(stats, best)])


def table_decimals(column_stats: list[tuple[list[dict[str, float] | None], float | None]]) -> int:
    """Decimals shared by several columns, each given as (its cells' stats, its bold median or
    None): the most any of their numbers needs, plus what it takes for every bold median to print
    unlike the other medians of its column. Checked for all columns at the final precision, as
    one more digit can make two medians that differed at fewer look alike (0.04496 vs 0.04504)."""
    decimals = max((decimals_for(v) for stats, _ in column_stats for s in stats for v in printed_values(s)),
                   default=0)
    # 17 decimals tell apart any two distinct doubles of metric size; the cap ends the loop.
    while decimals < 17 and any(looks_alike(stats, best, decimals) for stats, best in column_stats):
        decimals += 1
    return decimals


def looks_alike(stats: list[dict[str, float] | None], best: float | None, decimals: int) -> bool:
    """Whether the bold median ``best`` prints like another, different median at ``decimals``."""
    if best is None or not math.isfinite(best):
        return False
    text = f"{best:.{decimals}f}"
    return any(s is not None and s["median"] != best and f"{s['median']:.{decimals}f}" == text
               for s in stats)


# A failure's reason in a table cell: its first line, cut to this many characters (the full
# reasons are in results.json and in the HTML report's status section).
REASON_CHARS = 60


def short_reason(failures: list[tuple[int, str]], fmt: str) -> str:
    """The first failed seed's reason, short and escaped for ``fmt`` (it is text from a plugin)."""
    lines = failures[0][1].strip().splitlines()
    reason = lines[0].strip() if lines else "unknown error"
    if len(reason) > REASON_CHARS or len(lines) > 1:
        reason = reason[:REASON_CHARS - 3].rstrip() + "..."
    if fmt == "latex":
        return _latex_escape(reason)
    if fmt == "html":
        return html.escape(reason)
    return reason.replace("|", "\\|") if fmt == "markdown" else reason


def fmt_cell(summary: CellSummary | None, metric: str, bold: bool, fmt: str,
             decimals: int | None = None, differs: bool = False) -> str:
    """One table cell: median [min, max] plus notes. ``decimals``: shared by the cell's column or
    metric (``shared_decimals``); None formats the cell on its own.

    Seeds that failed for this metric (crashed, or finished while the metric failed) are counted
    with the first one's reason: ``failed (3/3: ValueError: ...)`` when no seed has a value, or a
    note ``(1/3 failed: ...)`` beside the median of the others. A cell with a failure is never
    bold (``metric_table``)."""
    if summary is None:
        return ""
    stat = summary.stat(metric)
    failures = summary.failures(metric)
    notes = []
    if summary.seeds_diverged:
        notes.append(f"{summary.seeds_diverged}/{summary.seeds_total} diverged")
    missing = summary.seeds_total - summary.seeds_done - summary.seeds_failed
    if missing:
        notes.append(f"{missing} not run")
    if stat is None and failures:
        others = f"; {', '.join(notes)}" if notes else ""
        return f"failed ({len(failures)}/{summary.seeds_total}: {short_reason(failures, fmt)}{others})"
    if failures:   # last: the reason may hold commas of its own
        notes.append(f"{len(failures)}/{summary.seeds_total} failed: {short_reason(failures, fmt)}")
    note = f" ({', '.join(notes)})" if notes else ""
    if stat is None:
        return ("n/a" + note) if summary.seeds_done else ("pending" + note)
    if fmt == "csv":
        return f"{stat['median']:{CSV_FORMAT}}"
    d = shared_decimals([stat]) if decimals is None else decimals
    median = f"{stat['median']:.{d}f}"
    if bold and not failures:
        median = {"latex": f"\\textbf{{{median}}}", "html": f"<b>{median}</b>"}.get(fmt, f"**{median}**")
    if differs:   # resolved against the reference row (report/confidence.py)
        median += confidence.mark(fmt)
    spread = f" [{stat['min']:.{d}f}, {stat['max']:.{d}f}]" if stat["n"] > 1 else ""
    return f"{median}{spread}{note}"


def competes(summary: CellSummary | None, metric: str) -> bool:
    """Whether a cell's median may be bolded as the best: not while seeds are missing (not run
    yet, or failed for this metric): such a median is of the seeds that got through, which may be
    the easy ones (FID fails on degenerate samples), and one seed of three is no median at all.
    Diverged seeds are a result of the method (training blew up), not a gap in the data: the
    cell still competes, with "(k/n diverged)" beside its median. Every exclusion is noted in
    the cell, so a median over fewer seeds than requested is always marked."""
    stat = summary.stat(metric) if summary else None
    complete = summary is not None and summary.seeds_done + summary.seeds_failed >= summary.seeds_total
    return stat is not None and complete and not summary.failures(metric)


def best_medians(cols: list, variants: list[str], summaries: list[CellSummary],
                 metric: str) -> dict[tuple, float]:
    """The best median per column (lowest or highest, by metric), among the cells that compete."""
    best = {}
    for col in cols:
        medians = [(s.stat(metric) or {}).get("median") for v in variants
                   if competes(s := lookup(summaries, v, col), metric)]
        medians = [m for m in medians if m is not None]
        if medians:
            best[col] = max(medians) if higher_is_better(metric) else min(medians)
    return best


def metric_table(info: dict[str, Any], summaries: list[CellSummary], metric: str,
                 fmt: str = "markdown", p_values: dict[tuple[str, tuple], float | None] | None = None) -> str:
    """Rows = variants, columns = axis values; the best median per column is bold. The whole
    table is one metric, so all its numbers share one number of decimals. ``p_values``: the
    ``rank_tests`` of this metric when the caller already has them (the comparison table uses
    the same ones), else computed here."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}")
    cols = columns(info)
    variants = info.get("table_variants") or info["variants"]
    bolding = len(variants) > 1
    best = best_medians(cols, variants, summaries, metric) if bolding else {}
    stats = {(v, col): s.stat(metric) if (s := lookup(summaries, v, col)) else None
             for v in variants for col in cols}
    decimals = table_decimals([([stats[v, col] for v in variants], best.get(col)) for col in cols])
    header = [metric_label(metric, fmt)] + [", ".join(f"{a}={v}" for a, v in col) or "value" for col in cols]
    p_values = rank_tests(info, summaries, metric) if p_values is None else p_values
    rows = []
    for variant in variants:
        row = [variant]
        for col in cols:
            stat = stats[variant, col]
            cell = lookup(summaries, variant, col)
            is_best = col in best and competes(cell, metric) and stat["median"] == best[col]
            row.append(fmt_cell(cell, metric, is_best, fmt, decimals,
                                differs=resolved(p_values.get((variant, col)))))
        rows.append(row)
    return render(header, rows, fmt)


def reference_row(info: dict[str, Any]) -> str | None:
    """The row others are tested against: ``Benchmark.reference``, else the first table row."""
    rows = info.get("table_variants") or info["variants"]
    return info.get("reference") or (rows[0] if rows else None)


def seed_values(summaries: list[CellSummary], metric: str, variant: str, col: tuple) -> list[float]:
    """The per-seed values of ``metric`` in the cell of ``variant`` at ``col`` ([] when no cell)."""
    cell = lookup(summaries, variant, col)
    return cell.values.get(metric, []) if cell else []


def rank_tests(info: dict[str, Any], summaries: list[CellSummary], metric: str
               ) -> dict[tuple[str, tuple], float | None]:
    """The rank test of every (row, column) cell against the reference row's cell in that column,
    computed once per table and shared by ``metric_table`` (its mark) and ``comparison_table``:
    the p-value, or None (a missing cell, or fewer than 2 seeds a side). The reference row itself
    is not tested."""
    reference = reference_row(info)
    cols = columns(info)
    return {(variant, col): confidence.rank_test(seed_values(summaries, metric, variant, col),
                                                  seed_values(summaries, metric, reference, col))
            for variant in info.get("table_variants") or info["variants"] if variant != reference
            for col in cols}


def resolved(p: float | None) -> bool:
    """Whether a rank test's p-value marks the row as differing from the reference (at ALPHA)."""
    return p is not None and p <= confidence.ALPHA + 1e-12


def differs_from_reference(info: dict[str, Any], summaries: list[CellSummary], metric: str,
                           variant: str, col: tuple) -> bool:
    reference = reference_row(info)
    if variant == reference:
        return False
    return resolved(confidence.rank_test(seed_values(summaries, metric, variant, col),
                                         seed_values(summaries, metric, reference, col)))


def comparison_table(info: dict[str, Any], summaries: list[CellSummary], metric: str,
                     fmt: str = "markdown", p_values: dict[tuple[str, tuple], float | None] | None = None) -> str:
    """Each row against the reference row, per column: the exact Mann-Whitney p-value and, when
    it does not resolve the gap, the seeds per row that would (at the spread observed).
    ``p_values``: as for ``metric_table``."""
    reference = reference_row(info)
    cols = columns(info)
    p_values = rank_tests(info, summaries, metric) if p_values is None else p_values
    header = ([f"{metric_label(metric, fmt)} vs {reference}"]
              + [", ".join(f"{a}={v}" for a, v in col) or "value" for col in cols])
    rows = []
    for variant in info.get("table_variants") or info["variants"]:
        if variant == reference:
            continue
        row = [variant]
        for col in cols:
            p = p_values.get((variant, col))
            if p is None:
                row.append("")
                continue
            need = (confidence.seeds_to_resolve(seed_values(summaries, metric, variant, col),
                                                seed_values(summaries, metric, reference, col))
                    if p > confidence.ALPHA else None)
            row.append(f"p={p:.2f}" + (confidence.mark(fmt) if resolved(p) else "")
                       + (f" (~{need} seeds)" if need else ""))
        rows.append(row)
    return render(header, rows, fmt)


def metric_tables(info: dict[str, Any], summaries: list[CellSummary], metric: str, fmt: str
                  ) -> tuple[str, str | None]:
    """The metric's table and, when the study has several rows and several seeds, its comparison
    table (None otherwise), both from one ``rank_tests`` of each cell."""
    p_values = rank_tests(info, summaries, metric)
    table = metric_table(info, summaries, metric, fmt, p_values)
    if len(info.get("table_variants") or info["variants"]) > 1 and len(info["seeds"]) > 1:
        return table, comparison_table(info, summaries, metric, fmt, p_values)
    return table, None


def confidence_note(info: dict[str, Any]) -> str:
    n = len(info["seeds"])
    return (f"[min, max] over {n} seeds is a {100 * confidence.median_coverage(n):.1f}% confidence "
            f"interval of the median (exact, order statistics). {confidence.mark('markdown')} = differs "
            f"from {reference_row(info)!r} (two-sided exact Mann-Whitney U, p <= {confidence.ALPHA:.2f}; "
            "with 3 seeds against 3, 0.10 is the smallest p any ordering can reach). "
            "\"~k seeds\": seeds per row that would resolve the gap at the spread observed "
            f"(80% power).\n")


def metrics_table(info: dict[str, Any], summaries: list[CellSummary], metrics: list[str],
                  fmt: str = "markdown", variants: list[str] | None = None,
                  where: dict[str, Any] | None = None) -> str:
    """One row per cell, one column per metric (e.g. the label-accuracy table). ``variants`` and
    ``where`` (axis values a cell must match on the axes it has) select the rows."""
    header = ["cell"] + [metric_label(m, fmt) for m in metrics]
    cells = selected_cells(summaries, variants, where)
    # Each column is one metric: its numbers share one number of decimals (nothing is bold here).
    decimals = {m: shared_decimals([s.stat(m) for s in cells]) for m in metrics}
    rows = []
    for s in cells:
        label = s.variant + "".join(f", {a}={v}" for a, v in s.axis_values.items())
        rows.append([label] + [fmt_cell(s, m, False, fmt, decimals[m]) for m in metrics])
    return render(header, rows, fmt)


def selected_cells(summaries: list[CellSummary], variants: list[str] | None,
                   where: dict[str, Any] | None) -> list[CellSummary]:
    order = {v: i for i, v in enumerate(variants or [])}
    chosen = [s for s in summaries
              if (variants is None or s.variant in order)
              and all(s.axis_values.get(a, v) == v for a, v in (where or {}).items())]
    return sorted(chosen, key=lambda s: order.get(s.variant, 0)) if variants else chosen


def render_all(info: dict[str, Any], summaries: list[CellSummary], fmt: str = "markdown") -> str:
    parts = [f"# {info['name']}\n", f"Median over seeds {info['seeds']} [min, max].\n"]
    if info.get("search"):   # one cell per trial: the search tables replace the per-variant ones
        from .search import render_search
        parts.append(render_search(info, summaries, fmt))
    else:
        for metric in info["table_metrics"]:
            table, comparison = metric_tables(info, summaries, metric, fmt)
            parts.append(f"\n## {metric}\n\n" + table)
            if comparison is not None:
                parts.append("\n" + confidence_note(info) + "\n" + comparison)
    for extra in info.get("extra_tables", []):
        parts.append(f"\n## {extra['title']}\n\n" + metrics_table(
            info, summaries, list(extra["metrics"]), fmt, extra.get("variants"), extra.get("where")))
    parts += [f"\n{line}\n" for line in accuracy_lines(info.get("data_facts", []))]
    return "".join(parts)


def accuracy_lines(facts: list[dict[str, Any]]) -> list[str]:
    """One line per data-trained extractor (domain classifier) and data the study's runs used:
    its test accuracy, which bounds what ``*_domain`` scores and class consistency can show
    (``fingerprint.data_facts``: the runs' data.json)."""
    lines = []
    for fact in facts:
        for name, values in sorted((fact.get("extractors") or {}).items()):
            accuracy = values.get("test_accuracy")
            if accuracy is None:
                continue
            lines.append(f"{name.replace('_', ' ').capitalize()} test accuracy: {accuracy:.1%} on "
                         f"{values.get('test_images', '?')} test images ({fact.get('test')}; trained on "
                         f"{fact.get('train')}; {fact.get('runs', 0)} run(s)).")
    return lines


def write_all(study_dir: Path, info: dict[str, Any], summaries: list[CellSummary]) -> None:
    from ..config.fingerprint import data_facts
    info = {**info, "data_facts": data_facts(study_dir, info)}
    atomic_write_text(study_dir / "tables.md", render_all(info, summaries, "markdown"))
    if info.get("search"):
        from .search import best_trial_table, budget_table
        for metric in info["table_metrics"]:
            for name, table in (("best", best_trial_table), ("budget", budget_table)):
                for fmt, ext in (("latex", "tex"), ("csv", "csv")):
                    args = (summaries, metric) + ((list(info.get("budgets", [])),) if name == "budget" else ())
                    atomic_write_text(study_dir / f"search_{name}_{metric}.{ext}", table(*args, fmt=fmt))
        return
    for metric in info["table_metrics"]:
        atomic_write_text(study_dir / f"table_{metric}.tex", metric_table(info, summaries, metric, "latex"))
        atomic_write_text(study_dir / f"table_{metric}.csv", metric_table(info, summaries, metric, "csv"))
