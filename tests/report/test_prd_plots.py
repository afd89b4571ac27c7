"""The PRD curve in the HTML report (issue 21): a figure per PRD variant the runs computed, drawn
from each run's curve (recomputed from the run directory with the run's seed and cached), with
the run's own F_8 / F_1/8 in the legend; no figure when no run computed PRD."""
from __future__ import annotations

import json
import os

import pytest

from ganbench.report import html as report
from ganbench.report import prd_plots
from ganbench.results import seed_dir, write_done

PRECISION = [0.0, 0.4, 0.7, 0.9, 1.0]
RECALL = [1.0, 0.95, 0.8, 0.5, 0.0]


def study(tmp_path, metrics_per_cell, seeds=(0, 1)):
    """A study directory with one finished seed per cell (the last listed seed), the given metrics."""
    cells = [{"id": f"c{i}", "variant": f"v{i}", "axis_values": [["lr", 0.1 * (i + 1)]]}
             for i in range(len(metrics_per_cell))]
    for cell, metrics in zip(cells, metrics_per_cell):
        run_dir = seed_dir(tmp_path, cell["id"], seeds[-1])
        run_dir.mkdir(parents=True)
        write_done(run_dir, "done", metrics)
    return {"name": "s", "cells": cells, "seeds": list(seeds), "variants": [c["variant"] for c in cells],
            "axes": {}, "table_metrics": [], "extra_tables": []}


@pytest.fixture
def recomputed(monkeypatch):
    """prd_curve_for_run replaced by a recorder that returns a known curve per run."""
    import numpy as np
    from ganbench_metrics import run_tools
    calls = []

    def fake(run_dir, extractor="domain_classifier", num_samples=None, seed=0, save=True):
        calls.append((run_dir.parent.name, extractor, seed, save))
        shift = 0.1 * int(run_dir.parent.name[1:])
        return np.array(PRECISION) * (1 - shift), np.array(RECALL), {"prd_f8": 0.0, "prd_f1_8": 0.0}
    monkeypatch.setattr(run_tools, "prd_curve_for_run", fake)
    return calls


def lines(fig):
    import matplotlib.pyplot as plt
    (ax,) = fig.axes
    out = [(line.get_label(), list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()]
    plt.close(fig)
    return out


def test_the_figure_is_drawn_from_each_run_s_curve_and_values(tmp_path, recomputed):
    info = study(tmp_path, [{"prd_f8_domain": 0.81, "prd_f1_8_domain": 0.62, "fid": 3.0},
                            {"prd_f8_domain": 0.55, "prd_f1_8_domain": 0.44},
                            {"fid": 2.0}])                       # not scored with PRD: no curve
    figures, notes = prd_plots.prd_figures(tmp_path, info)
    assert notes == [] and [stem for stem, _ in figures] == ["prd_curve_domain"]
    drawn = lines(figures[0][1])
    assert [label for label, _, _ in drawn] == ["v0, lr=0.1 (F8 0.810, F1/8 0.620)",
                                               "v1, lr=0.2 (F8 0.550, F1/8 0.440)"]
    for i, (_, x, y) in enumerate(drawn):       # recall on x, precision on y, the run's numbers
        assert x == pytest.approx(RECALL) and y == pytest.approx([p * (1 - 0.1 * i) for p in PRECISION])
    # the run's seed (the k-means seed its metric used) and the extractor of the prd variant
    assert recomputed == [("c0", "domain_classifier", 1, False), ("c1", "domain_classifier", 1, False)]
    # cached next to the run's done file, and read from there the next time
    saved = json.loads((seed_dir(tmp_path, "c1", 1) / "prd_curve_domain_classifier.json").read_text())
    assert saved["recall"] == pytest.approx(RECALL)
    recomputed.clear()
    lines(prd_plots.prd_figures(tmp_path, info)[0][0][1])
    assert recomputed == []


def test_a_stale_cache_is_recomputed(tmp_path, recomputed):
    info = study(tmp_path, [{"prd_f8": 0.9, "prd_f1_8": 0.8}], seeds=(0,))
    run_dir = seed_dir(tmp_path, "c0", 0)
    cache = prd_plots.curve_path(run_dir, "inception_v3")
    cache.write_text(json.dumps({"precision": [0.5, 0.5], "recall": [0.1, 0.2]}))
    older = (run_dir / "done").stat().st_mtime - 10
    os.utime(cache, (older, older))                     # the run finished again after the cache
    (stem, fig), = prd_plots.prd_figures(tmp_path, info)[0]
    assert stem == "prd_curve" and lines(fig)[0][1] == pytest.approx(RECALL)
    assert recomputed == [("c0", "inception_v3", 0, False)]


def test_one_figure_per_prd_variant(tmp_path, recomputed):
    info = study(tmp_path, [{"prd_f8": 0.9, "prd_f1_8": 0.8, "prd_f8_clean": 0.7, "prd_f1_8_clean": 0.6}])
    figures, _ = prd_plots.prd_figures(tmp_path, info)
    assert [stem for stem, _ in figures] == ["prd_curve", "prd_curve_clean"]
    assert [e for _, e, _, _ in recomputed] == ["inception_v3", "inception_v3_clean"]
    for _, fig in figures:
        lines(fig)


def test_no_prd_metric_no_figure(tmp_path, recomputed):
    info = study(tmp_path, [{"fid": 3.0, "density": 0.9}])
    assert prd_plots.prd_figures(tmp_path, info) == ([], [])
    assert "prd_curve" not in report.plots_section(info, [], tmp_path) and recomputed == []


def test_the_report_embeds_the_figure_and_notes_a_run_it_cannot_read(tmp_path, monkeypatch, recomputed):
    info = study(tmp_path, [{"prd_f8_domain": 0.81, "prd_f1_8_domain": 0.62},
                            {"prd_f8_domain": 0.5, "prd_f1_8_domain": 0.5}])
    section = report.plots_section(info, [], tmp_path)
    assert section.count("<figure>") == 1 and "<figcaption>prd_curve_domain</figcaption>" in section
    assert "data:image/png;base64," in section

    from ganbench_metrics import run_tools

    def broken(run_dir, **kwargs):
        raise FileNotFoundError("no checkpoint.pt <here>")
    monkeypatch.setattr(run_tools, "prd_curve_for_run", broken)
    for cell in ("c0", "c1"):
        prd_plots.curve_path(seed_dir(tmp_path, cell, 1), "domain_classifier").unlink()
    section = report.plots_section(info, [], tmp_path)
    assert "<figure>" not in section
    assert "v0, lr=0.1: no prd_domain curve (FileNotFoundError: no checkpoint.pt &lt;here&gt;)" in section
