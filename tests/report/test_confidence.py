"""Stated confidence in every table: the [min, max] coverage, the rank test against the reference
row (checked against scipy and by hand), the seeds-to-resolve hint, and booktabs LaTeX."""
from __future__ import annotations

import itertools
import math

import pytest
from scipy.stats import mannwhitneyu

from ganbench.report import confidence, tables
from ganbench.results import seed_dir, summarize, write_done


def test_min_max_coverage_of_the_median_by_hand():
    assert confidence.median_coverage(3) == 0.75          # 1 - 2 / 8
    assert confidence.median_coverage(5) == 1 - 2 / 32


def test_rank_test_equals_scipy_and_a_hand_count():
    a, b = [16.0, 15.5, 16.6], [21.2, 19.2, 28.7]       # every seed of a beats every seed of b
    p = confidence.rank_test(a, b)
    assert p == mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue
    # by hand: of the C(6, 3) = 20 equally likely splits of the 6 ranks, one gives a all three lowest
    # ranks and one all three highest: two-sided p = 2 / 20
    assert p == pytest.approx(2 / math.comb(6, 3))
    assert confidence.rank_test([1.0, 3.0, 5.0], [2.0, 4.0, 6.0]) > 0.5
    assert confidence.rank_test([1.0], [2.0, 3.0]) is None


def test_seeds_to_resolve_by_hand():
    a, b = [10.0, 12.0, 14.0], [13.0, 15.0, 17.0]        # gap 3, both sds 2: pooled 2
    z = 1.6448536269514722 + 0.8416212335729143           # z_0.95 + z_0.80
    expected = math.ceil(2 * z ** 2 * (2 / 3) ** 2 / (3 / math.pi))
    assert confidence.seeds_to_resolve(a, b) == expected == 6     # 2 * 6.18 * 4/9 / 0.955 = 5.75
    assert confidence.seeds_to_resolve([1.0, 1.0], [1.0, 1.0]) is None


def study(tmp_path):
    for cell, values in {"a": [16.0, 15.5, 16.6], "b": [21.2, 19.2, 28.7], "c": [15.0, 17.0, 16.2]}.items():
        for seed, value in enumerate(values):
            write_done(seed_dir(tmp_path, cell, seed), "done", {"fid": value})
    cells = [{"id": c, "variant": c.upper(), "axis_values": []} for c in "abc"]
    info = {"name": "t", "axes": {}, "variants": ["A", "B", "C"], "seeds": [0, 1, 2],
            "table_metrics": ["fid"], "extra_tables": [], "reference": "A"}
    return info, summarize(tmp_path, cells, [0, 1, 2])


def test_tables_mark_resolved_rows_and_say_how_sure_they_are(tmp_path):
    info, summaries = study(tmp_path)
    md = tables.metric_table(info, summaries, "fid")
    row_b = next(line for line in md.splitlines() if line.startswith("| B"))
    row_c = next(line for line in md.splitlines() if line.startswith("| C"))
    assert "21.2†" in row_b and "†" not in row_c               # B resolved (p = 0.1), C is not
    assert "\\dagger" in tables.metric_table(info, summaries, "fid", "latex")
    assert "&dagger;" in tables.metric_table(info, summaries, "fid", "html")
    text = tables.render_all(info, summaries)
    assert "75.0% confidence interval of the median" in text
    comparison = tables.comparison_table(info, summaries, "fid")
    assert "p=0.10†" in comparison and "p=1.00 (~214 seeds)" in comparison   # a gap of 0.2 in a spread of 0.9


def test_latex_tables_use_booktabs_rules(tmp_path):
    info, summaries = study(tmp_path)
    latex = tables.metric_table(info, summaries, "fid", "latex")
    assert "\\hline" not in latex
    assert [line for line in latex.splitlines() if "rule" in line] == ["\\toprule", "\\midrule", "\\bottomrule"]
