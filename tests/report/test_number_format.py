"""Numbers in tables: at least 3 significant digits, one number of decimals per metric (so cells
line up), a bold median never printed like another, the same text in markdown, LaTeX and HTML,
and 6 significant digits in CSV. Expected strings are written out by hand."""
from __future__ import annotations

import re

import pytest

from ganbench.report import tables
from ganbench.results import CellSummary

AXIS = "lr"


def summary(variant: str, values: dict[str, list[float]], lr: float | None = None) -> CellSummary:
    """A cell whose seeds all finished with these metric values (one value per seed)."""
    n = len(next(iter(values.values())))
    axis_values = {} if lr is None else {AXIS: lr}
    return CellSummary(f"{variant}-{lr}", variant, axis_values, n, seeds_done=n, values=values)


def study_info(variants: list[str], lrs: list[float] | None = None) -> dict:
    return {"name": "t", "axes": {AXIS: lrs} if lrs else {}, "variants": variants, "seeds": [0, 1, 2],
            "table_metrics": [], "extra_tables": []}


def cells(markdown: str) -> dict[str, list[str]]:
    """Row name -> its cells, from a tabulate github table (padding removed)."""
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in markdown.splitlines()[2:]]
    return {r[0]: r[1:] for r in rows}


def one_column(metric: str, values: dict[str, list[float]], fmt: str = "markdown") -> str:
    summaries = [summary(v, {metric: vals}) for v, vals in values.items()]
    return tables.metric_table(study_info(list(values)), summaries, metric, fmt)


def test_small_distinct_medians_keep_three_digits_and_the_best_is_bold():
    table = one_column("coverage", {"A": [0.0400, 0.0412, 0.0450], "B": [0.0437]})   # higher is better
    assert cells(table) == {"A": ["0.0412 [0.0400, 0.0450]"], "B": ["**0.0437**"]}


def test_one_column_shares_the_decimals_of_its_smallest_value():
    table = one_column("fid", {"A": [12.345], "B": [3.2]})                       # lower is better
    assert cells(table) == {"A": ["12.35"], "B": ["**3.20**"]}
    table = one_column("fid", {"A": [123.4, 130.0, 150.2], "B": [98.76]})
    assert cells(table) == {"A": ["130.0 [123.4, 150.2]"], "B": ["**98.8**"]}


def test_kid_sized_values_are_not_rounded_to_zero():
    table = one_column("kid", {"A": [0.0012], "B": [0.0031]})
    assert cells(table) == {"A": ["**0.00120**"], "B": ["0.00310"]}


def test_a_digit_is_added_when_the_best_would_print_like_another():
    table = one_column("fid", {"A": [0.04002], "B": [0.04001]})
    assert cells(table) == {"A": ["0.04002"], "B": ["**0.04001**"]}
    # equal medians are both best, and need no extra digit
    assert cells(one_column("fid", {"A": [0.5], "B": [0.5]})) == {"A": ["**0.500**"], "B": ["**0.500**"]}


def test_large_values_show_whole_integers_and_never_exponents():
    table = one_column("fid", {"A": [12345.6, 11000.4, 13000.0], "B": [250.7]})
    assert cells(table) == {"A": ["12346 [11000, 13000]"], "B": ["**251**"]}


def test_all_columns_of_a_metric_table_share_decimals():
    summaries = [summary("A", {"fid": [12.345]}, 0.1), summary("A", {"fid": [0.5]}, 0.2),
                 summary("B", {"fid": [20.0]}, 0.1), summary("B", {"fid": [0.25]}, 0.2)]
    table = tables.metric_table(study_info(["A", "B"], [0.1, 0.2]), summaries, "fid")
    assert cells(table) == {"A": ["**12.345**", "0.500"], "B": ["20.000", "**0.250**"]}


def test_latex_and_html_show_the_same_numbers_as_markdown():
    values = {"A": [0.04002], "B": [0.04001, 0.0398, 0.0412]}
    latex = one_column("fid", values, "latex")
    assert r"\textbf{0.04001} [0.03980, 0.04120]" in latex and "& 0.04002" in latex
    page = re.sub(r"\s+</td>", "</td>", one_column("fid", values, "html"))
    assert "<td><b>0.04001</b> [0.03980, 0.04120]</td>" in page and "<td>0.04002</td>" in page


def test_a_column_of_plain_numbers_is_not_reformatted_by_tabulate():
    # tabulate parses numeric strings and reprints them ("0.0400" -> "0.04") unless told not to
    page = one_column("fid", {"A": [0.04]}, "html")
    assert re.search(r"<td>0.0400\s*</td>", page)


def test_metrics_table_columns_have_their_own_decimals():
    summaries = [summary("A", {"fid": [12.345], "acc": [0.9]}), summary("B", {"fid": [3.2], "acc": [0.875]})]
    table = tables.metrics_table(study_info(["A", "B"]), summaries, ["fid", "acc"])
    assert cells(table) == {"A": ["12.35", "0.900"], "B": ["3.20", "0.875"]}


def test_csv_keeps_six_significant_digits():
    csv = one_column("fid", {"A": [0.04002], "B": [12.3456789], "C": [0.0012]}, "csv").splitlines()
    assert csv == ["fid,value", "A,0.04002", "B,12.3457", "C,0.0012"]


@pytest.mark.parametrize("value, decimals", [(0.0412, 4), (12.3, 1), (3.2, 2), (0.0012, 5), (250.0, 0),
                                             (12345.0, 0), (-0.5, 3), (0.0, 0), (float("nan"), 0),
                                             (1e-9, tables.MAX_DECIMALS)])
def test_decimals_for_three_significant_digits(value, decimals):
    assert tables.decimals_for(value) == decimals


def test_extra_digit_is_checked_in_every_column_at_the_final_precision():
    # 1.0449 and 1.0451 differ at 2 decimals but not at the 3 that 0.512 needs: 4 it is.
    column_x = ([{"median": 1.0449, "min": 1.0449, "max": 1.0449, "n": 1},
                 {"median": 1.0451, "min": 1.0451, "max": 1.0451, "n": 1}], 1.0449)
    column_y = ([{"median": 0.512, "min": 0.512, "max": 0.512, "n": 1}], None)
    assert tables.table_decimals([column_x, column_y]) == 4
