"""Paper-style tables from aggregated results: median [min, max] over seeds (tabulate)."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from tabulate import tabulate

from ..results import CellSummary
from ..storage import atomic_write_text

FORMATS = {"markdown": "github", "latex": "latex_raw", "csv": None, "html": "unsafehtml"}
# (html: labels are escaped here, so tabulate must not escape the <b> of the best value again)
# Distances (and MS-SSIM, where lower means more diverse samples) are better when lower; scores
# (IS, accuracies, precision/recall, consistency) when higher.
LOWER_IS_BETTER = ("fid", "kid", "swd", "ms_ssim", "loss")


def higher_is_better(metric: str) -> bool:
    return not metric.startswith(LOWER_IS_BETTER)


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


def fmt_cell(summary: CellSummary | None, metric: str, bold: bool, fmt: str) -> str:
    if summary is None:
        return ""
    stat = summary.stat(metric)
    notes = []
    if summary.seeds_diverged:
        notes.append(f"{summary.seeds_diverged}/{summary.seeds_total} diverged")
    missing = summary.seeds_total - summary.seeds_done
    if missing:
        notes.append(f"{missing} not run")
    note = f" ({', '.join(notes)})" if notes else ""
    if stat is None:
        return ("n/a" + note) if summary.seeds_done else ("pending" + note)
    if fmt == "csv":
        return f"{stat['median']:.4g}"
    median = f"{stat['median']:.2f}"
    if bold:
        median = {"latex": f"\\textbf{{{median}}}", "html": f"<b>{median}</b>"}.get(fmt, f"**{median}**")
    spread = f"[{stat['min']:.2f}, {stat['max']:.2f}]" if stat["n"] > 1 else ""
    return f"{median} {spread}{note}".strip()


def metric_table(info: dict[str, Any], summaries: list[CellSummary], metric: str,
                 fmt: str = "markdown") -> str:
    """Rows = variants, columns = axis values; the best median per column is bold."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}; use one of {', '.join(FORMATS)}")
    cols = columns(info)
    variants = info.get("table_variants") or info["variants"]
    best = {}
    for col in cols:
        medians = [(s.stat(metric) or {}).get("median") for v in variants
                   if (s := lookup(summaries, v, col))]
        medians = [m for m in medians if m is not None]
        if medians:
            best[col] = max(medians) if higher_is_better(metric) else min(medians)
    header = [metric] + [", ".join(f"{a}={v}" for a, v in col) or "value" for col in cols]
    rows = []
    for variant in variants:
        row = [variant]
        for col in cols:
            s = lookup(summaries, variant, col)
            stat = s.stat(metric) if s else None
            is_best = stat is not None and col in best and stat["median"] == best[col] and len(variants) > 1
            row.append(fmt_cell(s, metric, is_best, fmt))
        rows.append(row)
    if fmt == "csv":
        return csv_text(header, rows)
    header, rows = escape_labels(header, rows, fmt)
    return tabulate(rows, headers=header, tablefmt=FORMATS[fmt]) + "\n"


def metrics_table(info: dict[str, Any], summaries: list[CellSummary], metrics: list[str],
                  fmt: str = "markdown", variants: list[str] | None = None,
                  where: dict[str, Any] | None = None) -> str:
    """One row per cell, one column per metric (e.g. the label-accuracy table). ``variants`` and
    ``where`` (axis values a cell must match on the axes it has) select the rows."""
    header = ["cell"] + list(metrics)
    rows = []
    for s in selected_cells(summaries, variants, where):
        label = s.variant + "".join(f", {a}={v}" for a, v in s.axis_values.items())
        rows.append([label] + [fmt_cell(s, m, False, fmt) for m in metrics])
    if fmt == "csv":
        return csv_text(header, rows)
    header, rows = escape_labels(header, rows, fmt)
    return tabulate(rows, headers=header, tablefmt=FORMATS[fmt]) + "\n"


def escape_labels(header: list[str], rows: list[list[str]], fmt: str) -> tuple[list[str], list[list[str]]]:
    """Escape the header and the row names (user text) for LaTeX or HTML; the cells are our own
    numbers and markup."""
    escape = {"latex": _latex_escape, "html": html.escape}.get(fmt)
    if escape is None:
        return header, rows
    return [escape(h) for h in header], [[escape(r[0])] + r[1:] for r in rows]


def selected_cells(summaries: list[CellSummary], variants: list[str] | None,
                   where: dict[str, Any] | None) -> list[CellSummary]:
    order = {v: i for i, v in enumerate(variants or [])}
    chosen = [s for s in summaries
              if (variants is None or s.variant in order)
              and all(s.axis_values.get(a, v) == v for a, v in (where or {}).items())]
    return sorted(chosen, key=lambda s: order.get(s.variant, 0)) if variants else chosen


def csv_text(header: list[str], rows: list[list[str]]) -> str:
    return "\n".join(",".join(_csv(x) for x in r) for r in [header] + rows) + "\n"


def _csv(value: str) -> str:
    return f'"{value}"' if "," in value or '"' in value else value


def _latex_escape(text: str) -> str:
    for char, repl in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("_", r"\_"),
                       ("#", r"\#"), ("$", r"\$"), ("{", r"\{"), ("}", r"\}")):
        text = text.replace(char, repl)
    return text


def render_all(info: dict[str, Any], summaries: list[CellSummary], fmt: str = "markdown") -> str:
    parts = [f"# {info['name']}\n", f"Median over seeds {info['seeds']} [min, max].\n"]
    for metric in info["table_metrics"]:
        parts.append(f"\n## {metric}\n\n" + metric_table(info, summaries, metric, fmt))
    for extra in info.get("extra_tables", []):
        parts.append(f"\n## {extra['title']}\n\n" + metrics_table(
            info, summaries, list(extra["metrics"]), fmt, extra.get("variants"), extra.get("where")))
    return "".join(parts)


def write_all(study_dir: Path, info: dict[str, Any], summaries: list[CellSummary]) -> None:
    atomic_write_text(study_dir / "tables.md", render_all(info, summaries, "markdown"))
    for metric in info["table_metrics"]:
        atomic_write_text(study_dir / f"table_{metric}.tex", metric_table(info, summaries, metric, "latex"))
        atomic_write_text(study_dir / f"table_{metric}.csv", metric_table(info, summaries, metric, "csv"))
