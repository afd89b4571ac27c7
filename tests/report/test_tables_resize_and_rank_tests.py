"""Tables: the Inception resize mode in every FID-family header (legacy as well as clean, issue
21), one rank test per cell shared by a metric's table and its comparison table, and the
survivors of `make mutation` in tables.py (docs/testing.md): a comparison table whose first
column has a missing cell, and write_all on a search study."""
from __future__ import annotations

import pytest

from ganbench.report import confidence
from ganbench.report import tables as T
from ganbench.report import text as X
from ganbench.report.search import best_trial_table, budget_table
from ganbench.results import CellSummary


def cell(values, variant, axes=None, total=3, trial=None, params=None):
    s = CellSummary("c", variant, axes or {}, total, seeds_done=total, values=values,
                    trial=trial, params=params or {})
    s.seed_results = {i: sorted(values) for i in range(total)}
    return s


# --- resize modes in headers ------------------------------------------------------------------

@pytest.mark.parametrize("name, mode", [
    ("fid", "legacy"), ("kid", "legacy"), ("kid_std", "legacy"), ("is", "legacy"), ("is_std", "legacy"),
    ("precision", "legacy"), ("recall", "legacy"), ("density", "legacy"), ("coverage", "legacy"),
    ("prd_f8", "legacy"), ("prd_f1_8", "legacy"), ("fid_intra", "legacy"), ("fid_intra_c3", "legacy"),
    ("fid_std", "legacy"), ("fid_min", "legacy"),                     # sample-set spread
    ("fid_clean", "clean"), ("kid_std_clean", "clean"), ("density_clean", "clean"),
    ("fid_intra_c3_clean", "clean"), ("fid_clean_std", "clean"), ("prd_f1_8_clean", "clean"),
    ("fid_domain", None), ("kid_std_domain", None), ("prd_f8_domain", None), ("fid_intra_c3_domain", None),
    ("swd_avg", None), ("ms_ssim", None), ("label_accuracy_top1", None), ("cas", None),
    ("memorization_ratio", None), ("class_consistency", None), ("fidelity", None),
])
def test_resize_mode_of_every_result_name(name, mode):
    assert X.resize_mode(name) == mode


def test_metric_label_marks_both_modes_except_in_csv():
    assert X.metric_label("fid", "markdown") == "fid (legacy resize)"
    assert X.metric_label("fid_clean", "latex") == "fid_clean (clean resize)"
    assert X.metric_label("fid_domain", "html") == "fid_domain"
    assert X.metric_label("fid", "csv") == "fid" and X.metric_label("fid_clean", "csv") == "fid_clean"


def _study(metric="fid", seeds=3, variants=("a", "b")):
    info = {"name": "s", "seeds": list(range(seeds)), "variants": list(variants), "axes": {},
            "table_metrics": [metric], "extra_tables": []}
    values = {"a": [1.0, 2.0, 3.0], "b": [7.0, 8.0, 9.0], "c": [4.0, 5.0, 6.0]}
    return info, [cell({metric: values[v][:seeds]}, v, total=seeds) for v in variants]


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_every_header_names_the_resize_mode(fmt):
    for metric, label in (("fid", "fid (legacy resize)"), ("fid_clean", "fid_clean (clean resize)")):
        label = X._latex_escape(label) if fmt == "latex" else label
        info, summaries = _study(metric)
        assert label in T.metric_table(info, summaries, metric, fmt)
        assert f"{label} vs a" in T.comparison_table(info, summaries, metric, fmt)
        assert label in T.metrics_table(info, summaries, [metric], fmt)
    info, summaries = _study("swd_avg")
    assert "resize" not in T.render_all(info, summaries, fmt)


def test_markdown_header_and_csv_header():
    info, summaries = _study("fid")
    assert T.metric_table(info, summaries, "fid").splitlines()[0].split("|")[1].strip() == "fid (legacy resize)"
    assert T.metric_table(info, summaries, "fid", "csv").splitlines()[0] == "fid,value"
    assert T.metrics_table(info, summaries, ["fid", "fid_clean"], "csv").splitlines()[0] == "cell,fid,fid_clean"


# --- one rank test per cell -------------------------------------------------------------------

def test_each_cell_is_rank_tested_once_per_metric(monkeypatch):
    calls = []
    real = confidence.rank_test

    def counting(values, reference):
        calls.append((tuple(values), tuple(reference)))
        return real(values, reference)
    monkeypatch.setattr(confidence, "rank_test", counting)
    info, summaries = _study("fid", variants=("a", "b", "c"))
    text = T.render_all(info, summaries)
    # b and c against a: two tests for the table and its comparison table together
    assert sorted(calls) == [((4.0, 5.0, 6.0), (1.0, 2.0, 3.0)), ((7.0, 8.0, 9.0), (1.0, 2.0, 3.0))]
    assert "p=0.10†" in text and text.count("†") >= 4        # marks in both tables, from one test
    calls.clear()
    from ganbench.report import html
    html.tables_section(info, summaries)
    assert len(calls) == 2


def test_shared_p_values_give_the_tables_computed_alone():
    info, summaries = _study("fid", variants=("a", "b", "c"))
    table, comparison = T.metric_tables(info, summaries, "fid", "markdown")
    assert table == T.metric_table(info, summaries, "fid") and comparison == T.comparison_table(info, summaries, "fid")
    p = T.rank_tests(info, summaries, "fid")
    assert set(p) == {("b", ()), ("c", ())} and p["b", ()] == pytest.approx(0.1)
    assert T.metric_tables(*_study("fid", seeds=1), "fid", "markdown")[1] is None
    assert T.metric_tables(*_study("fid", variants=("a",)), "fid", "markdown")[1] is None


def test_given_p_values_are_used_not_recomputed():
    info, summaries = _study("fid")
    table = T.metric_table(info, summaries, "fid", "markdown", {("b", ()): 0.5})
    assert "†" not in table
    comparison = T.comparison_table(info, summaries, "fid", "markdown", {("b", ()): 0.05})
    assert "p=0.05†" in comparison


# --- survivors of make mutation in tables.py -------------------------------------------------

def test_a_missing_first_cell_leaves_the_later_columns_of_the_comparison():
    """`continue` -> `break` on a column without a p-value would drop every later column."""
    info = {"name": "s", "seeds": [0, 1, 2], "variants": ["a", "b"], "axes": {"f": [1, 2, 3]},
            "table_metrics": ["fid"], "extra_tables": []}
    summaries = [cell({"fid": [1.0, 2.0, 3.0]}, "a", {"f": f}) for f in (1, 2, 3)]
    summaries += [cell({"fid": [7.0, 8.0, 9.0]}, "b", {"f": f}) for f in (2, 3)]   # no b at f=1
    row = T.comparison_table(info, summaries, "fid").splitlines()[-1].split("|")[1:-1]
    assert [c.strip() for c in row] == ["b", "", "p=0.10†", "p=0.10†"]


def _search_study():
    info = {"name": "s", "seeds": [0, 1], "variants": ["a", "b"], "axes": {}, "table_metrics": ["fid", "is"],
            "extra_tables": [], "cells": [], "benchmark": "s", "search": {"lr": ["log_uniform", 1e-4, 1e-3]},
            "trials": 3, "budgets": [1, 2]}
    summaries = [cell({"fid": [float(t + v), float(t + v + 1)], "is": [float(5 - t), 6.0]}, variant, total=2,
                      trial=t, params={"lr": 1e-4 * (t + 1)})
                 for v, variant in enumerate(info["variants"]) for t in range(3)]
    return info, summaries


def test_write_all_writes_the_search_tables_of_every_metric(tmp_path):
    info, summaries = _search_study()
    T.write_all(tmp_path, info, summaries)
    expected = ["tables.md"]
    for metric in ("fid", "is"):
        for fmt, ext in (("latex", "tex"), ("csv", "csv")):
            best = (tmp_path / f"search_best_{metric}.{ext}").read_text()
            assert best == best_trial_table(summaries, metric, fmt=fmt)
            budget = (tmp_path / f"search_budget_{metric}.{ext}").read_text()
            assert budget == budget_table(summaries, metric, [1, 2], fmt=fmt)
            assert "k=2" in budget and "k=3" in budget          # the study's budgets and k = N
            expected += [f"search_best_{metric}.{ext}", f"search_budget_{metric}.{ext}"]
    # no per-variant tables for a search study
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)
    assert (tmp_path / "tables.md").read_text() == T.render_all(info, summaries, "markdown")
