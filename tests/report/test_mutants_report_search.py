"""A search study's report pinned by hand (docs/guide.md, "Reading the results"): trials grouped
into finished / diverged-or-failed / pending, the exact best of k trials drawn without replacement
(diverged trials count as the worst; p_none is the chance that no drawn trial finished), its
10%-90% band, and the best-trial and budget tables with the default budgets 1, 5, 10 and k = N."""
import csv
import io
import itertools
import math

import pytest

from ganbench.report.search import (Trials, best_of_k, best_trial_table, budget_curve, budget_table,
                                    group_trials, render_search)
from ganbench.results import CellSummary


def trial(variant, t, fid=None, seeds=2, done=None, errors=0, params=None):
    """One trial cell: ``fid`` its seed values (finished), else diverged (done seeds, no values),
    crashed (``errors``) or pending (nothing done)."""
    values = {"fid": list(fid), "is": list(fid)} if fid else {}
    done = (len(fid) if fid else 0) if done is None else done
    return CellSummary(f"{variant}__trial-{t:03d}", variant, {}, seeds, seeds_done=done, values=values,
                       seed_errors={100 + i: "RuntimeError: boom" for i in range(errors)},
                       trial=t, params=params or {})


def rows_csv(text):
    return list(csv.reader(io.StringIO(text)))


# --- grouping -----------------------------------------------------------------------------------

def test_trials_are_grouped_into_finished_unfinished_and_pending():
    """A finished trial scores its median; a trial that diverged and/or crashed counts as
    unfinished (worst); one with nothing run yet is pending and is left out of N."""
    fixed = CellSummary("fixed", "fixed", {}, 2, seeds_done=2, values={"fid": [1.0, 1.0]})  # not a trial
    summaries = [fixed,
                 trial("a", 0, fid=[3.0, 5.0]),
                 trial("a", 1, done=1, errors=1),          # one seed diverged, one crashed
                 trial("a", 2, errors=2),                  # both crashed
                 trial("a", 3, done=2),                    # both diverged
                 trial("a", 4),                            # pending
                 trial("a", 5),                            # pending
                 trial("b", 0, fid=[7.0, 9.0])]
    a, b = group_trials(summaries, "fid")
    assert (a.label, b.label) == ("a", "b")
    assert [x for _, x in a.scores] == [4.0] and [c.trial for c in a.unfinished] == [1, 2, 3]
    assert a.pending == 2 and a.started == 4
    assert [x for _, x in b.scores] == [8.0] and b.unfinished == [] and b.pending == 0 and b.started == 1


def test_a_new_group_has_nothing_pending_and_started_counts_finished_plus_unfinished():
    """N (the trials that ran) = finished + unfinished, never fewer."""
    empty = Trials("x")
    assert (empty.pending, empty.started) == (0, 0)
    g = Trials("x", scores=[(None, 1.0), (None, 2.0)], unfinished=[None])
    assert g.started == 3


# --- best of k ----------------------------------------------------------------------------------

def test_no_finished_trial_has_no_best_and_p_none_one():
    """With every trial diverged, every draw has no finished trial: p_none = 1, mean nan."""
    best = best_of_k([], 3, 2, lower_is_better=True)
    assert best["p_none"] == 1.0 and math.isnan(best["mean"])
    assert math.isnan(best["low"]) and math.isnan(best["high"])


@pytest.mark.parametrize("k", [0, -1, 4])
def test_a_budget_outside_one_to_n_is_an_error(k):
    """k = 0 trials has no best; more trials than ran cannot be drawn without replacement."""
    with pytest.raises(ValueError, match=f"budget k = {k} outside 1..3"):
        best_of_k([1.0, 2.0], 3, k, lower_is_better=True)


def test_band_is_conditional_on_a_finished_draw():
    """k = 1 of 6 trials, 3 finished (1, 2, 3): given that the draw finished, the best is uniform
    over 1, 2, 3, so its 10% quantile is 1 and its 90% quantile 3; p_none = 1/2."""
    best = best_of_k([3.0, 1.0, 2.0], 6, 1, lower_is_better=True)
    assert (best["low"], best["high"]) == (1.0, 3.0)
    assert best["mean"] == pytest.approx(2.0) and best["p_none"] == pytest.approx(0.5)


def test_the_band_is_the_10_and_90_percent_quantiles_not_the_extremes():
    """k = 1 of 11 trials scored 0..10: each is drawn with probability 1/11 < 0.1, so the 10%
    quantile is the second best (1), the 90% quantile the 10th (9), matching brute force."""
    scores = [float(x) for x in range(11)]
    best = best_of_k(scores, 11, 1, lower_is_better=True)
    bests = sorted(scores)
    assert best["low"] == bests[math.ceil(0.1 * 11) - 1] == 1.0
    assert best["high"] == bests[math.ceil(0.9 * 11) - 1] == 9.0


def test_budget_curve_has_one_point_per_k_from_1_to_n():
    """The budget plot runs k = 1..N (N = trials that ran, pending left out)."""
    g = Trials("a", scores=[(None, 3.0), (None, 1.0)], unfinished=[None], pending=4)
    curve = budget_curve(g, lower_is_better=True)
    assert [k for k, _ in curve] == [1, 2, 3]
    # k = 1: mean of (3, 1) given finished = 2, p_none 1/3; k = 3: every trial drawn, best 1
    assert curve[0][1]["mean"] == pytest.approx(2.0) and curve[0][1]["p_none"] == pytest.approx(1 / 3)
    assert curve[2][1]["mean"] == 1.0 and curve[2][1]["p_none"] == 0.0


# --- best-trial table ---------------------------------------------------------------------------

def _row(text, i):
    return [c.strip() for c in text.splitlines()[i].split("|")[1:-1]]


def test_best_trial_table_picks_the_best_trial_in_the_metrics_direction():
    """FID: the lowest median wins; IS: the highest. The trial's median [min, max], its
    hyperparameters (floats to 4 significant digits, ints as they are) and the finished,
    diverged/failed and pending counts; a method with no finished trial says so."""
    summaries = [trial("a", 0, fid=[3.0, 5.0], params={"lr": 1.23456e-4, "d_steps": 3}),
                 trial("a", 1, fid=[1.0, 2.0], params={"lr": 2.5e-4, "d_steps": 1}),
                 trial("a", 2, done=2),
                 trial("a", 3),
                 trial("b", 0, errors=2, params={"lr": 1e-3, "d_steps": 2})]
    text = best_trial_table(summaries, "fid", fmt="markdown")
    assert _row(text, 0) == ["method", "best fid", "trial", "hyperparameters", "finished", "diverged/failed",
                             "pending"]
    assert _row(text, 2) == ["a", "1.5 [1, 2]", "1", "lr=0.00025, d_steps=1", "2", "1", "1"]
    assert _row(text, 3) == ["b", "none finished", "", "", "0", "1", "0"]
    assert len(text.strip().splitlines()) == 4
    text = best_trial_table(summaries, "is", fmt="markdown")          # same values, higher wins
    assert _row(text, 2) == ["a", "4 [3, 5]", "0", "lr=0.0001235, d_steps=3", "2", "1", "1"]


# --- budget table -------------------------------------------------------------------------------

def _budget_study():
    """a: finished medians 1 and 3, one diverged, one pending (N = 3); b: one finished trial
    scoring 2 (N = 1); c: two diverged trials (N = 2)."""
    return [trial("a", 0, fid=[1.0, 1.0]), trial("a", 1, fid=[3.0, 3.0]), trial("a", 2, done=2), trial("a", 3),
            trial("b", 0, fid=[2.0, 2.0]),
            trial("c", 0, done=2), trial("c", 1, errors=1, done=0)]


def test_budget_table_is_the_exact_expected_best_with_its_band_and_p_none():
    """By hand for a (lower is better, scores 1, 3 and one worst): k = 1 -> E = 2 [1, 3],
    p_none = 1/3; k = 2 -> the best is 1 with probability 2/3, 3 with 1/3: E = 5/3 [1, 3];
    k = N = 3 -> 1. Budgets above a method's N are left empty; no finished trial says so."""
    table = rows_csv(budget_table(_budget_study(), "fid", [1, 2], fmt="csv"))
    assert table == [["method", "k=1", "k=2", "k=3"],
                     ["a (N=3)", "2 [1, 3], p(none finished)=0.33", "1.667 [1, 3]", "1 [1, 1]"],
                     ["b (N=1)", "2 [2, 2]", "", ""],
                     ["c (N=2)", "no finished trial", "no finished trial", ""]]


def test_budget_table_brute_force_check_of_the_k_2_cell():
    """Cross-check k = 2 of a against all 3 pairs: bests 1, 1, 3 (the pair without 1 is the 3 and
    the diverged trial), mean 5/3 — not the higher-is-better 7/3."""
    pairs = list(itertools.combinations([1.0, 3.0, math.inf], 2))
    assert sum(min(p) for p in pairs) / len(pairs) == pytest.approx(5 / 3)
    best = best_of_k([1.0, 3.0], 3, 2, lower_is_better=True)
    assert best["mean"] == pytest.approx(5 / 3) and best["p_none"] == 0.0


def test_budget_columns_are_the_positive_budgets_and_n():
    """Budgets <= 0 are dropped, k = N (the most trials any method ran) is always a column, and an
    empty study still has the k = 1 column."""
    header = rows_csv(budget_table(_budget_study(), "fid", [0, -1, 2], fmt="csv"))[0]
    assert header == ["method", "k=2", "k=3"]
    header = rows_csv(budget_table(_budget_study(), "fid", [1], fmt="csv"))[0]
    assert header == ["method", "k=1", "k=3"]
    assert rows_csv(budget_table([], "fid", [], fmt="csv")) == [["method", "k=1"]]
    assert rows_csv(budget_table([], "fid", [1], fmt="csv")) == [["method", "k=1"]]


def test_render_search_uses_the_default_budgets_1_5_10_and_n():
    """Without Benchmark.budgets the budget table has k = 1, 5, 10 and k = N."""
    info = {"trials": 4, "search": {"lr": ["log_uniform", 1e-4, 1e-3]}, "table_metrics": ["fid"]}
    text = render_search(info, _budget_study(), fmt="csv")
    budget = text.split("expected best of k trials, E [10%, 90%]")[1]
    assert budget.strip().splitlines()[0] == "method,k=1,k=3,k=5,k=10"
    assert "## fid: best trial per method" in text
