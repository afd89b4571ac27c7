"""LaTeX and HTML tables of the toy study and of hand-made results."""
from __future__ import annotations

import re

import pytest

from ganbench.report import tables
from ganbench.results import read_study_manifest, seed_dir, summarize, write_done
from ganbench.results import load_results


def test_latex_table_is_balanced_with_one_row_per_variant(toy_study):
    info = read_study_manifest(toy_study)
    latex = tables.metric_table(info, load_results(toy_study), "swd_avg", "latex")
    assert latex.count("{") == latex.count("}")
    assert latex.count(r"\begin{tabular}") == 1 and latex.count(r"\end{tabular}") == 1
    body = [line for line in latex.splitlines() if line.rstrip().endswith(r"\\")]
    assert len(body) == 1 + len(info["variants"])              # header + one row per variant
    assert body[2].strip().startswith(r"single <label> \& co")         # & would split the row
    assert r"g\_lr=0.0001" in body[0]                           # _ would start a subscript
    assert len(re.findall(r"\\textbf\{", latex)) == 2           # one best value per column


def test_html_table_escapes_names_and_bolds_the_best(tmp_path):
    cells = [{"id": "a", "variant": "A <b>", "axis_values": []},
             {"id": "b", "variant": "B & C", "axis_values": []}]
    for cell, fid in (("a", 3.0), ("b", 5.0)):
        write_done(seed_dir(tmp_path, cell, 0), "done", {"fid": fid})
    info = {"name": "t", "axes": {}, "variants": ["A <b>", "B & C"], "seeds": [0],
            "table_metrics": ["fid"], "extra_tables": []}
    summaries = summarize(tmp_path, cells, [0])
    page = re.sub(r"\s+</t([dh])>", r"</t\1>", tables.metric_table(info, summaries, "fid", "html"))
    assert "<td>A &lt;b&gt;</td>" in page and "<td>B &amp; C</td>" in page
    assert "<td><b>3.00</b></td>" in page and "<td>5.00</td>" in page   # lower FID is better
    extra = tables.metrics_table(info, summaries, ["fid"], "html")
    assert "A &lt;b&gt;" in extra and "A <b>" not in extra


def _two_variant_table(tmp_path, metric, better, worse):
    """A hand-made one-seed study in which variant "better" scores ``better`` and "worse" ``worse``;
    returns {variant: its markdown row}."""
    cells = [{"id": "b", "variant": "better", "axis_values": []},
             {"id": "w", "variant": "worse", "axis_values": []}]
    for cell, value in (("b", better), ("w", worse)):
        write_done(seed_dir(tmp_path, cell, 0), "done", {metric: value})
    info = {"name": "t", "axes": {}, "variants": ["better", "worse"], "seeds": [0],
            "table_metrics": [metric], "extra_tables": []}
    table = tables.metric_table(info, summarize(tmp_path, cells, [0]), metric, "markdown")
    return {line.split("|")[1].strip(): line for line in table.splitlines()
            if line.split("|")[1].strip() in ("better", "worse")}


@pytest.mark.parametrize("metric", ["fid", "fid_domain", "kid", "kid_domain", "swd_avg", "swd_16",
                                    "ms_ssim"])
def test_lower_is_better_metrics_bold_the_smallest_median(tmp_path, metric):
    """For distances (and MS-SSIM) the bold best is the minimum, not the maximum."""
    rows = _two_variant_table(tmp_path, metric, better=2.0, worse=7.0)
    assert "**2" in rows["better"] and "**" not in rows["worse"], rows


@pytest.mark.parametrize("metric", ["is_domain", "precision", "recall_domain", "label_accuracy_top1",
                                    "class_consistency"])
def test_higher_is_better_metrics_bold_the_largest_median(tmp_path, metric):
    """For scores the bold best is the maximum."""
    rows = _two_variant_table(tmp_path, metric, better=7.0, worse=2.0)
    assert "**7" in rows["better"] and "**" not in rows["worse"], rows
