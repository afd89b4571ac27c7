"""Kills mutants of ``ganbench/report/tables.py`` that tests/report/test_tables.py,
test_number_format.py and test_confidence.py let survive (`make mutation`, docs/testing.md):
a cell's notes (diverged, not run, failed), failure reasons cut and escaped per format, bold per
format, CSV quoting, table row selection, booktabs rules and the files write_all writes."""
from __future__ import annotations

import pytest

from ganbench.report import tables as T
from ganbench.report import text as X
from ganbench.results import CellSummary


def cell(values=None, total=3, done=None, diverged=0, seed_errors=None, metric_errors=None,
         variant="v", axes=None):
    values = {"fid": [1.0, 2.0, 4.0]} if values is None else values
    s = CellSummary("c", variant, axes or {}, total, seeds_done=total if done is None else done,
                    seeds_diverged=diverged, values=values, seed_errors=seed_errors or {},
                    metric_errors=metric_errors or {})
    s.seed_results = {i: sorted(values) for i in range(len(next(iter(values.values()), [])))}
    return s


def test_printed_values_and_decimals():
    assert T.printed_values(None) == []
    assert T.printed_values({"median": 2.0, "min": 1.0, "max": 3.0, "n": 2}) == [2.0, 1.0, 3.0]
    assert T.printed_values({"median": 2.0, "min": 2.0, "max": 2.0, "n": 1}) == [2.0]
    assert [T.decimals_for(v) for v in (0.0, float("inf"), 0.0412, 3.2, 12.3, 123.4, 1e-9)] == [0, 0, 4, 2, 1, 0, 6]
    assert (T.SIG_DIGITS, T.MAX_DECIMALS, T.CSV_FORMAT, T.REASON_CHARS) == (3, 6, ".6g", 60)


def test_better_direction_and_render_formats():
    assert not X.higher_is_better("fid_domain") and not X.higher_is_better("ms_ssim")
    assert X.higher_is_better("is_domain") and X.higher_is_better("label_accuracy_top1")
    rows = [["a_b <x>", "**1.0**"]]
    assert X.render(["row", "v"], rows, "csv") == "row,v\na_b <x>,**1.0**\n"
    assert "a\\_b <x>" in X.render(["row", "v"], rows, "latex")
    assert "\\toprule" in X.render(["row", "v"], rows, "latex")
    assert "a_b &lt;x&gt;" in X.render(["row", "v"], rows, "html")
    assert "a_b <x>" in X.render(["row", "v"], rows, "markdown")
    assert X.render(["r", "v"], [["x", "0.0400"]], "markdown").splitlines()[-1] == "| x   | 0.0400 |"


def test_short_reason_cuts_and_escapes():
    long = "E: " + "x" * 80
    assert T.short_reason([(0, long)], "markdown") == long[:57] + "..."
    assert T.short_reason([(0, "E: " + "y" * 57)], "markdown") == "E: " + "y" * 57   # exactly 60
    assert T.short_reason([(0, "first\nsecond")], "markdown") == "first..."
    assert T.short_reason([(0, "  \n")], "csv") == "unknown error"
    assert T.short_reason([(0, "a|b")], "markdown") == "a\\|b"
    assert T.short_reason([(0, "a|b")], "csv") == "a|b"
    assert T.short_reason([(0, "a_b <c>")], "latex") == "a\\_b <c>"
    assert T.short_reason([(0, "a_b <c>")], "html") == "a_b &lt;c&gt;"
    assert T.short_reason([(1, "one"), (2, "two")], "csv") == "one"


def test_cell_notes():
    assert T.fmt_cell(None, "fid", False, "markdown") == ""
    assert T.fmt_cell(cell(), "fid", False, "markdown") == "2.00 [1.00, 4.00]"
    assert T.fmt_cell(cell(), "fid", True, "markdown") == "**2.00** [1.00, 4.00]"
    assert T.fmt_cell(cell(), "fid", True, "latex") == "\\textbf{2.00} [1.00, 4.00]"
    assert T.fmt_cell(cell(), "fid", True, "html") == "<b>2.00</b> [1.00, 4.00]"
    assert T.fmt_cell(cell(), "fid", True, "csv") == "2"
    assert T.fmt_cell(cell({"fid": [3.0]}), "fid", False, "markdown", decimals=3) == "3.000"
    assert T.fmt_cell(cell(diverged=1), "fid", False, "markdown") == "2.00 [1.00, 4.00] (1/3 diverged)"
    # 3 requested, 1 done, 1 crashed: 1 not run
    crashed = cell({"fid": [2.0]}, done=1, seed_errors={2: "Boom: x"})
    assert T.fmt_cell(crashed, "fid", True, "markdown") == "2.00 (1 not run, 1/3 failed: Boom: x)"
    nothing = cell({}, done=0, seed_errors={0: "Boom: x", 1: "Boom: y"})
    assert T.fmt_cell(nothing, "fid", False, "markdown") == "failed (2/3: Boom: x; 1 not run)"
    all_failed = cell({}, done=0, total=2, seed_errors={0: "Boom: x", 1: "Boom: y"})
    assert T.fmt_cell(all_failed, "fid", False, "markdown") == "failed (2/2: Boom: x)"
    assert T.fmt_cell(cell({}, done=2), "fid", False, "markdown") == "n/a (1 not run)"
    assert T.fmt_cell(cell({}, done=0), "fid", False, "markdown") == "pending (3 not run)"


def test_competes():
    assert T.competes(cell(), "fid")
    assert not T.competes(None, "fid")
    assert not T.competes(cell({"fid": [2.0]}, done=1), "fid")
    assert T.competes(cell({"fid": [2.0]}, done=1, total=2, seed_errors={1: "E: x"}), "fid") is False
    assert T.competes(cell(diverged=1), "fid")


def test_csv_quoting():
    assert X._csv("plain") == "plain"
    for raw, quoted in (("a,b", '"a,b"'), ('say "hi"', '"say ""hi"""'), ("a\nb", '"a\nb"'), ("a\rb", '"a\rb"')):
        assert X._csv(raw) == quoted
    assert X.csv_text(["h", "x,y"], [["1", "2"]]) == 'h,"x,y"\n1,2\n'


def test_latex_escape_in_one_pass():
    assert X._latex_escape("\\_{}~^&%#$") == ("\\textbackslash{}\\_\\{\\}\\textasciitilde{}"
                                                "\\textasciicircum{}\\&\\%\\#\\$")


def test_selected_cells_keep_the_requested_order_and_filter():
    a = cell(variant="a", axes={"f": 1})
    b = cell(variant="b", axes={"f": 2})
    c = cell(variant="c", axes={"f": 1})
    assert T.selected_cells([a, b, c], None, None) == [a, b, c]
    assert T.selected_cells([a, b, c], ["c", "a"], None) == [c, a]
    assert T.selected_cells([a, b, c], None, {"f": 1}) == [a, c]
    assert T.selected_cells([a, b, c], ["b", "c"], {"f": 1}) == [c]
    assert T.selected_cells([a, b, c], None, {"other": 3}) == [a, b, c]


def test_booktabs_rules():
    latex = "\\begin{tabular}{ll}\n\\hline\n a & b \\\\\n\\hline\n 1 & 2 \\\\\n\\hline\n\\end{tabular}"
    assert X.booktabs(latex).splitlines()[1:6:2] == ["\\toprule", "\\midrule", "\\bottomrule"]
    two = "\\hline\nx\n\\hline"
    assert X.booktabs(two) == "\\toprule\nx\n\\midrule\n"


def test_write_all_writes_markdown_latex_and_csv(tmp_path):
    info = {"name": "s", "seeds": [0, 1, 2], "variants": ["a", "b"], "axes": {}, "table_metrics": ["fid"],
            "extra_tables": [], "cells": [], "benchmark": "s"}
    summaries = [cell(variant="a"), cell({"fid": [3.0, 5.0, 6.0]}, variant="b")]
    T.write_all(tmp_path, info, summaries)
    assert (tmp_path / "tables.md").read_text() == T.render_all(info, summaries, "markdown")
    assert (tmp_path / "table_fid.tex").read_text() == T.metric_table(info, summaries, "fid", "latex")
    assert (tmp_path / "table_fid.csv").read_text() == T.metric_table(info, summaries, "fid", "csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table_fid.csv", "table_fid.tex", "tables.md"]


def _stat(m):
    return {"median": m, "min": m, "max": m, "n": 1}


def test_decimals_stop_at_17():
    import math
    tiny = 0.01
    assert T.table_decimals([([_stat(tiny), _stat(math.nextafter(tiny, 1))], tiny)]) == 17
    one = 0.1
    assert T.table_decimals([([_stat(one), _stat(math.nextafter(one, 1))], one)]) == 17
    assert T.table_decimals([([_stat(1.25), _stat(1.26)], 1.25)]) == 2


def _study(seeds, variants=("a", "b"), table_variants=None, extra_tables=()):
    info = {"name": "s", "seeds": list(range(seeds)), "variants": list(variants), "axes": {},
            "table_metrics": ["fid"], "extra_tables": list(extra_tables)}
    if table_variants is not None:
        info["table_variants"] = table_variants
    values = {"a": [1.0, 2.0, 3.0][:seeds], "b": [7.0, 8.0, 9.0][:seeds], "c": [4.0, 5.0, 6.0][:seeds]}
    summaries = [cell({"fid": values[v]}, total=seeds, variant=v) for v in variants]
    return info, summaries


def test_comparison_only_with_several_rows_and_seeds():
    info, summaries = _study(3)
    text = T.render_all(info, summaries)
    assert "fid (legacy resize) vs a" in text and "confidence" in text
    for info, summaries in (_study(1), _study(3, variants=("a",)), _study(3, table_variants=["b"])):
        assert ") vs a" not in T.render_all(info, summaries)
    info, summaries = _study(2)
    assert "fid (legacy resize) vs a" in T.render_all(info, summaries)


def test_comparison_table_cells():
    info, summaries = _study(3, variants=("a", "b", "c"))
    table = T.comparison_table(info, summaries, "fid")
    lines = table.splitlines()
    assert lines[0].split("|")[1].strip() == "fid (legacy resize) vs a" and lines[0].split("|")[2].strip() == "value"
    # 3 seeds against 3, fully separated: p = 0.10, the smallest possible, marked, no seed estimate
    assert "p=0.10" in lines[2] and "seeds)" not in lines[2]
    # a missing cell gives an empty entry
    info, summaries = _study(3, variants=("a", "b", "c"))
    table = T.comparison_table(info, summaries[:2], "fid")
    assert table.splitlines()[-1].split("|")[2].strip() == ""
    assert not T.differs_from_reference(info, summaries[:2], "fid", "c", ())
    assert T.differs_from_reference(info, summaries, "fid", "b", ())
    assert not T.differs_from_reference(info, summaries, "fid", "a", ())


def test_overlapping_rows_get_a_seed_estimate():
    info = {"name": "s", "seeds": [0, 1, 2], "variants": ["a", "b"], "axes": {}, "table_metrics": ["fid"]}
    summaries = [cell({"fid": [1.0, 3.0, 5.0]}, variant="a"), cell({"fid": [2.0, 4.0, 6.0]}, variant="b")]
    row = T.comparison_table(info, summaries, "fid").splitlines()[-1]
    assert "p=" in row and "seeds)" in row


def test_extra_tables_are_rendered_in_order():
    info, summaries = _study(3, extra_tables=[{"title": "First", "metrics": ["fid"]},
                                              {"title": "Second", "metrics": ["fid"], "variants": ["b"]}])
    text = T.render_all(info, summaries)
    assert text.index("## First") < text.index("## Second")
    assert text.split("## Second")[1].count("| b ") == 1 and "| a " not in text.split("## Second")[1]


def test_no_numbers_need_no_decimals_and_two_seeds_show_a_spread():
    assert T.table_decimals([([None], None)]) == 0
    assert T.table_decimals([([], None)]) == 0
    assert T.fmt_cell(cell({"fid": [1.0, 3.0]}, total=2), "fid", False, "markdown") == "2.00 [1.00, 3.00]"


def test_reference_row():
    assert T.reference_row({"variants": ["a", "b"]}) == "a"
    assert T.reference_row({"variants": ["a", "b"], "table_variants": ["b", "a"]}) == "b"
    assert T.reference_row({"variants": ["a", "b"], "reference": "b"}) == "b"
    assert T.reference_row({"variants": []}) is None


def test_a_resolved_row_is_marked_in_the_comparison():
    from ganbench.report import confidence
    info, summaries = _study(3)
    row = T.comparison_table(info, summaries, "fid").splitlines()[-1]
    assert f"p=0.10{confidence.mark('markdown')}" in row
