"""Kills mutants of ``ganbench/config/benchmark.py`` (grid expansion and the Benchmark checks)
that tests/core/test_grid.py lets survive (`make mutation`, docs/testing.md): every rejection
with its reason, the limits that are still accepted, the defaults, and trial cells."""
from __future__ import annotations

import dataclasses

import pytest

from ganbench.config.benchmark import Benchmark, Cell, expand, mentioned_axes, slug
from ganbench.config.search import draw, gin_literal

V = {"a": []}


@pytest.fixture(autouse=True)
def no_gin_bindings():
    """Benchmark is gin-configurable: bindings an earlier test parsed (Benchmark.seeds = 1...)
    would fill the fields these tests leave at their defaults."""
    import gin
    gin.clear_config()
    yield


def test_defaults():
    fields = {f.name: f for f in dataclasses.fields(Benchmark)}
    b = Benchmark(variants=V)
    assert (b.seeds, b.trials, tuple(b.budgets)) == (3, 0, (1, 5, 10))
    assert fields["budgets"].default == (1, 5, 10)
    assert tuple(b.table_metrics) == ("fid_domain", "is_domain")
    assert b.seed_list() == [0, 1, 2]


@pytest.mark.parametrize("seeds", [0, [], [1, 1], [-1], [0, -2]])
def test_bad_seeds_are_rejected(seeds):
    with pytest.raises(ValueError, match="Benchmark.seeds"):
        Benchmark(variants=V, seeds=seeds)


@pytest.mark.parametrize("seeds, expected", [(1, [0]), ([0], [0]), ([3, 0], [3, 0])])
def test_smallest_good_seeds_are_accepted(seeds, expected):
    assert Benchmark(variants=V, seeds=seeds).seed_list() == expected


def test_an_axis_without_values_is_rejected_and_checked_for_every_axis():
    with pytest.raises(ValueError, match=r"axes\['b'\] has no values"):
        Benchmark(variants=V, axes={"a": [1], "b": []})
    with pytest.raises(ValueError, match=r"axes\['a'\] has no values"):
        Benchmark(variants=V, axes={"a": {}})


def test_a_variant_given_as_a_string_is_rejected():
    with pytest.raises(ValueError, match="must be a list of bindings"):
        Benchmark(variants={"a": [], "b": "x = 1"})


def test_variants_may_mention_search_parameters_but_nothing_else():
    Benchmark(variants={"a": ["x = {lr}"]}, search={"lr": ("uniform", 0.1, 0.2)}, trials=2)
    with pytest.raises(ValueError, match="neither an axis"):
        Benchmark(variants={"a": ["x = {lr}", "y = {other}"]}, search={"lr": ("uniform", 0.1, 0.2)}, trials=2)


@pytest.mark.parametrize("kw", [
    {"table_variants": ["a", "zz"]},
    {"extra_tables": [{"title": "t", "metrics": ["m"], "variants": ["a"]},
                      {"title": "u", "metrics": ["m"], "variants": ["zz"]}]},
    {"reference": "zz"},
])
def test_table_rows_and_reference_must_be_variants(kw):
    with pytest.raises(ValueError, match="'zz' is not a declared variant"):
        Benchmark(variants={"a": [], "b": []}, **kw)


def test_declared_table_rows_and_reference_are_accepted():
    b = Benchmark(variants={"a": [], "b": []}, table_variants=["b"], reference="a",
                  extra_tables=[{"title": "t", "metrics": ["m"], "variants": ["a", "b"]}, {"title": "u"}])
    assert b.reference == "a"


def test_search_parameter_clashing_with_an_axis_is_rejected():
    with pytest.raises(ValueError, match="both an axis and a search parameter"):
        Benchmark(variants={"a": ["x = {lr}"]}, axes={"lr": [1]}, search={"lr": ("uniform", 0.1, 0.2)}, trials=2)


@pytest.mark.parametrize("trials", [0, -1, 2.0, "3"])
def test_search_needs_a_positive_integer_number_of_trials(trials):
    with pytest.raises(ValueError, match="Benchmark.trials"):
        Benchmark(variants={"a": ["x = {lr}"]}, search={"lr": ("uniform", 0.1, 0.2)}, trials=trials)


def test_one_trial_is_enough():
    b = Benchmark(variants={"a": ["x = {lr}"]}, search={"lr": ("uniform", 0.1, 0.2)}, trials=1)
    assert len(b.trial_points()) == 1


def test_unused_search_parameters_are_rejected_unless_a_used_expression_derives_from_them():
    with pytest.raises(ValueError, match=r"\['beta'\] appear in no variant"):
        Benchmark(variants={"a": ["x = {lr}"]}, trials=2,
                  search={"lr": ("uniform", 0.1, 0.2), "beta": ("uniform", 0.1, 0.2)})
    # lr is used only through d_lr, an expression a variant mentions
    b = Benchmark(variants={"a": ["x = {d_lr}"]}, trials=2,
                  search={"lr": ("uniform", 0.1, 0.2), "d_lr": ("expr", "lr * 2")})
    assert [set(p) for p in b.trial_points()] == [{"lr", "d_lr"}] * 2
    # an expression no variant mentions does not make its inputs used
    with pytest.raises(ValueError, match=r"\['d_lr', 'lr'\] appear in no variant"):
        Benchmark(variants={"a": ["x = {g}"]}, trials=2,
                  search={"g": ("uniform", 0.1, 0.2), "lr": ("uniform", 0.1, 0.2), "d_lr": ("expr", "lr * 2")})


def test_search_parameters_in_string_variants_do_not_hide_the_string_error():
    with pytest.raises(ValueError, match="must be a list of bindings"):
        Benchmark(variants={"a": ["x = {lr}"], "b": "y = {lr}"}, search={"lr": ("uniform", 0.1, 0.2)}, trials=2)


def test_trial_cells_carry_their_drawn_values():
    space = {"lr": ("uniform", 0.1, 0.2)}
    b = Benchmark(variants={"fixed": ["y = 1"], "s": ["x = {lr}", "k = {f}"]}, axes={"f": [1, 2]},
                  search=space, trials=2)
    cells = expand(b)
    assert [c.id for c in cells] == ["fixed", "s__f-1__trial-000", "s__f-1__trial-001",
                                     "s__f-2__trial-000", "s__f-2__trial-001"]
    points = draw(space, 2)
    assert cells[0].trial is None and cells[0].params == ()
    assert cells[2].trial == 1 and dict(cells[2].params) == {"lr": points[1]["lr"]}
    assert cells[2].bindings == (f"x = {gin_literal(points[1]['lr'])}", "k = 1")
    assert cells[4].bindings == (f"x = {gin_literal(points[1]['lr'])}", "k = 2")
    assert dict(cells[4].axis_values) == {"f": 2}
    assert b.trial_points() == points
    assert Benchmark(variants=V).trial_points() == []


def test_cell_id_pads_the_trial_number():
    assert Cell("A b", (("x", 0.5),), (), trial=7).id == "a-b__x-0.5__trial-007"
    assert Cell("A b", (), (), trial=None).id == "a-b"
    assert Cell("v", (), (), trial=0).id == "v__trial-000"


def test_slug_and_mentioned_axes():
    assert slug("  ..Hello, World!..  ") == "hello-world"
    assert slug("!!!") == "x"
    assert slug("a.b_c-d") == "a.b_c-d"
    assert mentioned_axes(["{a} {b}", "{a} {{c}} {d}"]) == ["a", "b", "d"]


def test_cells_are_frozen_and_hashable():
    cell = Cell("v", (("x", 1),), ("a = 1",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        cell.variant = "w"
    assert len({cell, Cell("v", (("x", 1),), ("a = 1",))}) == 1
