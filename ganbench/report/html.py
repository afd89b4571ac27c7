"""A self-contained HTML report of a study: one ``report.html`` with every image embedded as a
base64 PNG data URI, so the single file can be mailed or attached to an issue.

Sections: status of the cells, the comparison tables (``tables``), the study's plots (``plots``,
and the PRD curves of runs scored with a ``prd`` metric, ``prd_plots``),
a grid of samples per cell from the same fixed latents (``samples``; rows = classes for
conditional models), the closest generated/training pairs of cells scored with the
``memorization`` metric (``memorization``), training curves (``curves``), each cell's operative
gin config and the versions used. All text taken from the study (names, configs, errors) is escaped.

    from ganbench.report.html import write_report
    write_report("runs/label_efficiency")      # -> runs/label_efficiency/report.html
"""
from __future__ import annotations

import base64
import datetime
import html
import json
import os
from pathlib import Path
from typing import Any

from ..results import CellSummary, load_results, read_done, read_study_manifest, seed_dir
from ..storage import atomic_write_text
from . import curves, plots, samples, tables
from .figures import figure_bytes

REPORT_FILE = "report.html"
SAMPLES_PER_ROW = 8          # columns of a sample grid; unconditional grids are 8 x 8
SAMPLE_SEED = 0              # the latents every cell's grid is drawn from
TILE_DISPLAY_PX = 48         # small images are shown enlarged (pixelated) to about this size

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; padding: 0 1.5em; max-width: 1200px; color: #222; }
h1 { border-bottom: 2px solid #444; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
th { background: #f0f0f0; }
img.plot { max-width: 100%; } img.samples { image-rendering: pixelated; }
figure { display: inline-block; margin: 0 1.5em 1.5em 0; vertical-align: top; }
figcaption { font-size: 0.85em; max-width: 560px; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
.note { color: #a40; }
"""


def write_report(study_dir: str | os.PathLike) -> Path:
    """Write ``<study>/report.html`` (tables, plots, samples, curves, configs, versions)."""
    study_dir = Path(study_dir)
    path = study_dir / REPORT_FILE
    atomic_write_text(path, render_report(study_dir))
    return path


def render_report(study_dir: Path) -> str:
    info = read_study_manifest(study_dir)
    summaries = load_results(study_dir)
    title = f"ganbench study: {info['name']}"
    sections = [
        ("status", "Cells", status_section(info, summaries)),
        ("data", "Data", data_section(study_dir, info)),
        ("tables", "Tables", tables_section(info, summaries)),
        ("plots", "Plots", plots_section(info, summaries, study_dir)),
        ("samples", "Samples", samples_section(study_dir, info)),
        ("more", "More results", more_results_section(info, summaries)),
        ("memorization", "Memorization", memorization_section(study_dir, info)),
        ("curves", "Training curves", curves_section(study_dir)),
        ("config", "Configuration", config_section(study_dir, info)),
        ("versions", "Versions", versions_section(study_dir, info)),
    ]
    toc = " · ".join(f'<a href="#{key}">{html.escape(name)}</a>' for key, name, _ in sections)
    body = "\n".join(f'<section id="{key}">\n<h2>{html.escape(name)}</h2>\n{content}\n</section>'
                     for key, name, content in sections)
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(title)}</h1>\n"
            f"<p>Generated {when} from <code>{html.escape(str(study_dir))}</code>. "
            f"Medians over seeds {html.escape(str(info['seeds']))}, [min, max] beside them.</p>\n"
            f"<nav>{toc}</nav>\n{body}\n</body>\n</html>\n")


def img_tag(png: bytes, alt: str, css_class: str, width: int | None = None) -> str:
    """An <img> carrying ``png`` inline as a data URI."""
    data = base64.b64encode(png).decode("ascii")
    size = f' width="{width}"' if width else ""
    return (f'<img class="{css_class}" alt="{html.escape(alt)}"{size} '
            f'src="data:image/png;base64,{data}">')


def status_section(info: dict[str, Any], summaries: list[CellSummary]) -> str:
    """Per cell: seeds finished, diverged and crashed, and every failure with its full reason
    (the tables show a shortened one)."""
    rows = [[s.variant + "".join(f", {a}={v}" for a, v in s.axis_values.items()),
             f"{s.seeds_done}/{s.seeds_total}", str(s.seeds_diverged), str(s.seeds_failed),
             failure_text(s)] for s in summaries]
    return html_table(["cell", "seeds finished", "seeds diverged", "seeds failed", "failures"], rows)


def data_section(study_dir: Path, info: dict[str, Any]) -> str:
    """The data the runs used (content keys of the splits, from each run's data.json) and the test
    accuracy of the domain classifier trained on it, which bounds the ``*_domain`` scores."""
    from ..config.fingerprint import data_facts
    facts = data_facts(study_dir, info)
    if not facts:
        return "<p>No run has recorded its data yet (data.json).</p>"
    items = []
    for fact in facts:
        extractors = fact.get("extractors") or {}
        accuracy = "; ".join(f"{name} test accuracy {v['test_accuracy']:.1%} on {v.get('test_images', '?')} "
                             "test images" for name, v in sorted(extractors.items())
                             if v.get("test_accuracy") is not None)
        text = (f"dataset {fact.get('dataset', '?')}: train split {fact.get('train')}, test split "
                f"{fact.get('test')} ({fact.get('runs', 0)} run(s))" + (f"; {accuracy}" if accuracy else ""))
        items.append(f"<li>{html.escape(text)}</li>")
    return ("<p>The data each run was made with (content keys of the splits, from the runs' "
            "data.json) and the classifier test accuracy, which bounds the *_domain scores:</p>\n"
            f"<ul>\n{chr(10).join(items)}\n</ul>")


def failure_text(summary: CellSummary) -> str:
    """Every crashed seed and every metric that failed in a finished seed, with the reason."""
    parts = [f"seed {seed} crashed: {reason} (traceback in {summary.cell_id}/seed-{seed}/error.txt)"
             for seed, reason in sorted(summary.seed_errors.items())]
    parts += [f"seed {seed}: metric {metric} failed: {reason}"
              for seed, errors in sorted(summary.metric_errors.items()) for metric, reason in errors.items()]
    return "; ".join(parts)


def html_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain table of text (every cell escaped)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>\n"
                   for row in rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>"


def tables_section(info: dict[str, Any], summaries: list[CellSummary]) -> str:
    parts = []
    for metric in info.get("table_metrics", []):
        if info.get("search"):   # one cell per trial: the best trial and the budget tables
            from .search import best_trial_table, budget_table
            parts.append(f"<h3>{html.escape(metric)}: best trial per method</h3>\n"
                         + best_trial_table(summaries, metric, "html")
                         + f"<h3>{html.escape(metric)}: expected best of k trials, E [10%, 90%]</h3>\n"
                         + budget_table(summaries, metric, list(info.get("budgets", [])), "html"))
            continue
        table, comparison = tables.metric_tables(info, summaries, metric, "html")
        parts.append(f"<h3>{html.escape(metric)}</h3>\n" + table)
        if comparison is not None:
            parts.append(f"<p>{html.escape(tables.confidence_note(info))}</p>\n" + comparison)
    for extra in info.get("extra_tables", []):
        parts.append(f"<h3>{html.escape(extra['title'])}</h3>\n" + tables.metrics_table(
            info, summaries, list(extra["metrics"]), "html", extra.get("variants"), extra.get("where")))
    return "\n".join(parts) or "<p>The study declares no tables (Benchmark.table_metrics).</p>"


def plots_section(info: dict[str, Any], summaries: list[CellSummary], study_dir: Path | None = None) -> str:
    """The study's declared plots (training-curve plots too, with ``study_dir``), its search plots
    and, for runs scored with a ``prd`` metric,
    the PRD curves (``prd_plots``; from the run directories, so only with ``study_dir``)."""
    from .prd_plots import prd_figures
    from .search_plots import search_figures
    figures = plots.study_figures(info, summaries) + search_figures(info, summaries)
    if study_dir is not None:
        figures += curves.curve_plot_figures(study_dir, info)
    prd, notes = prd_figures(study_dir, info) if study_dir is not None else ([], [])
    text = figures_html(figures + prd, "plot") + "".join(
        f'\n<p class="note">{html.escape(note)}</p>' for note in notes)
    return text or "<p>The study declares no plots (Benchmark.plots).</p>"


def curves_section(study_dir: Path) -> str:
    figures = curves.curve_figures(study_dir)
    return figures_html(figures, "plot") or "<p>No training log yet (metrics.jsonl).</p>"


def figures_html(figures: list[tuple[str, Any]], css_class: str) -> str:
    import matplotlib.pyplot as plt
    parts = []
    for stem, fig in figures:
        png = figure_bytes(fig, "png")
        plt.close(fig)
        parts.append(f"<figure>{img_tag(png, stem, css_class)}<figcaption>{html.escape(stem)}"
                     "</figcaption></figure>")
    return "\n".join(parts)


def first_finished_seed(study_dir: Path, info: dict[str, Any], cell: dict[str, Any]) -> Path | None:
    """The run directory of the cell's first seed that finished training (status done)."""
    for seed in info["seeds"]:
        run_dir = seed_dir(study_dir, cell["id"], seed)
        done = read_done(run_dir)
        if done and done.get("status") == "done":
            return run_dir
    return None


def sample_figure(run_dir: Path, label: str) -> str:
    """One cell's sample grid as a <figure>, or a note saying why there is none."""
    try:
        G, spec = samples.load(run_dir)
        classes = int(spec["num_classes"])
        n = SAMPLES_PER_ROW * (classes or SAMPLES_PER_ROW)
        images, columns = samples.sample_images(G, spec, n, seed=SAMPLE_SEED)
    except Exception as err:  # one unreadable run must not cost the whole report
        return (f'<p class="note">{html.escape(label)}: no samples ({html.escape(type(err).__name__)}: '
                f"{html.escape(str(err))})</p>")
    grid = samples.make_grid(images, columns)
    scale = max(1, round(TILE_DISPLAY_PX / int(spec["resolution"])))
    names = spec.get("class_names") or [str(i) for i in range(classes)]
    rows = (f"rows, top to bottom: {', '.join(names[:classes])}" if classes
            else "unconditional")
    truncation = spec.get("truncation")
    caption = (f"{label} ({run_dir.name}, step {spec.get('step')}; {rows}; "
               f"truncation {truncation if truncation is not None else 'off'})")
    return (f"<figure>{img_tag(samples.png_bytes(grid), label, 'samples', grid.shape[1] * scale)}"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def samples_section(study_dir: Path, info: dict[str, Any]) -> str:
    intro = (f"<p>Every grid uses the same latent vectors (seed {SAMPLE_SEED}) in the same "
             "positions, so tiles can be compared across cells; conditional models show one row "
             "per class with the latents shared between rows.</p>")
    parts = []
    for cell in info["cells"]:
        run_dir = first_finished_seed(study_dir, info, cell)
        label = curves.cell_label(cell)
        if run_dir is None:
            parts.append(f'<p class="note">{html.escape(label)}: no finished seed yet.</p>')
        else:
            parts.append(sample_figure(run_dir, label))
    return intro + "\n".join(parts)


MORE_RESULTS_COLUMNS = 6     # result columns per table of the "More results" section


def more_results_section(info: dict[str, Any], summaries: list[CellSummary]) -> str:
    """Every result of the runs that no declared table shows (e.g. density_domain and
    coverage_domain when a study adds density_coverage_domain to its metrics): one row per cell,
    medians with [min, max] over seeds, at most MORE_RESULTS_COLUMNS results per table, as
    preformatted text (the declared tables stay the report's only HTML tables)."""
    shown = set(info.get("table_metrics", []))
    for extra in info.get("extra_tables", []):
        shown.update(extra["metrics"])
    names = sorted({name for s in summaries for name in s.values} - shown)
    if not names:
        return "<p>Every result is in the tables above.</p>"
    return "\n".join("<pre>" + html.escape(tables.metrics_table(info, summaries, names[i:i + MORE_RESULTS_COLUMNS],
                                                                  "markdown")) + "</pre>"
                     for i in range(0, len(names), MORE_RESULTS_COLUMNS))


MEMORIZATION_PAIRS = 8       # generated/training pairs shown per cell


def memorization_figure(run_dir: Path, label: str, metrics: dict[str, Any]) -> str:
    """One cell's closest generated/training pairs (top row generated, bottom row its nearest
    training image) as a <figure>, or a note saying why there is none."""
    import torch
    try:
        from ganbench_metrics.run_tools import memorization_pairs_for_run
        generated, training, dists = memorization_pairs_for_run(run_dir, MEMORIZATION_PAIRS)
    except Exception as err:  # one unreadable run must not cost the whole report
        return (f'<p class="note">{html.escape(label)}: no gallery ({html.escape(type(err).__name__)}: '
                f"{html.escape(str(err))})</p>")
    grid = samples.make_grid(torch.cat([generated, training]), len(generated))
    scale = max(1, round(TILE_DISPLAY_PX / int(generated.shape[-1])))
    caption = (f"{label} ({run_dir.name}): memorization_ratio "
               f"{metrics.get('memorization_ratio', float('nan')):.3g}, novel_fraction "
               f"{metrics.get('novel_fraction', float('nan')):.3g}; pixel distances "
               + ", ".join(f"{d:.3g}" for d in dists))
    return (f"<figure>{img_tag(samples.png_bytes(grid), label, 'samples', grid.shape[1] * scale)}"
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def memorization_section(study_dir: Path, info: dict[str, Any]) -> str:
    """For cells whose metrics include ``memorization``: the generated images closest to a training
    image (of 500 drawn from the final checkpoint, uniform classes) above their nearest training image."""
    intro = ("<p>Top row: the generated images nearest to a training image (pixel distance); bottom "
             "row: that training image. A distance near 0 is a copy; memorization_ratio is the median "
             "generated-to-training distance over the median held-out-to-training distance (about 1: "
             "no copying; docs/metrics.md).</p>")
    parts = []
    for cell in info["cells"]:
        run_dir = first_finished_seed(study_dir, info, cell)
        metrics = (read_done(run_dir) or {}).get("metrics", {}) if run_dir else {}
        if "memorization_ratio" in metrics:
            parts.append(memorization_figure(run_dir, curves.cell_label(cell), metrics))
    if not parts:
        return ("<p>No cell was scored with the <code>memorization</code> metric (add "
                "<code>@metrics.memorization</code> to <code>Experiment.metrics</code>).</p>")
    return intro + "\n".join(parts)


def config_section(study_dir: Path, info: dict[str, Any]) -> str:
    parts = []
    for cell in info["cells"]:
        for seed in info["seeds"]:
            path = seed_dir(study_dir, cell["id"], seed) / "config.gin"
            if path.exists():
                parts.append(f"<details><summary>{html.escape(curves.cell_label(cell))} (seed {seed})</summary>"
                             f"<pre>{html.escape(path.read_text(encoding='utf-8'))}</pre></details>")
                break
        else:
            parts.append(f'<p class="note">{html.escape(curves.cell_label(cell))}: no config.gin yet.</p>')
    return "\n".join(parts)


def versions_section(study_dir: Path, info: dict[str, Any]) -> str:
    """Each distinct versions.json once, with the runs that used it (usually one for all)."""
    groups: dict[str, list[str]] = {}
    for cell in info["cells"]:
        for seed in info["seeds"]:
            path = seed_dir(study_dir, cell["id"], seed) / "versions.json"
            if path.exists():
                text = json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=2, sort_keys=True)
                groups.setdefault(text, []).append(f"{cell['id']}/seed-{seed}")
    if not groups:
        return "<p>No versions.json yet.</p>"
    return "\n".join(f"<p>Used by {html.escape(', '.join(runs))}:</p><pre>{html.escape(text)}</pre>"
                     for text, runs in groups.items())
