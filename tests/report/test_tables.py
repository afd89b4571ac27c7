"""LaTeX and HTML tables of the toy study and of hand-made results."""
from __future__ import annotations

import re

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
