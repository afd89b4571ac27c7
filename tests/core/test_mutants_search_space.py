"""Search spaces pinned to their definition (docs/guide.md, "Hyperparameter search"): each trial is
a point of a scrambled Sobol sequence seeded by the first 32 bits of SHA-256 of the space's
canonical JSON, mapped to each distribution by hand-checkable formulas (uniform low + u (high -
low), log-uniform in log space, int with inclusive bounds, choice by equal bins), and malformed
spaces are named errors before any training."""
import hashlib
import math
import warnings

import pytest
from scipy.stats import qmc

from ganbench.config.search import check_space, draw, evaluate, from_unit, space_seed

SPACE = {"lr": ("log_uniform", 1e-5, 1e-2), "beta1": ("choice", [0.0, 0.5, 0.9]),
         "d_steps": ("int", 1, 5), "gp": ("uniform", 0.1, 100.0), "d_lr": ("expr", "lr * 2")}
# the canonical text of SPACE: keys sorted at every level, tuples as lists
CANONICAL = ('{"beta1": ["choice", [0.0, 0.5, 0.9]], "d_lr": ["expr", "lr * 2"], "d_steps": ["int", 1, 5], '
             '"gp": ["uniform", 0.1, 100.0], "lr": ["log_uniform", 1e-05, 0.01]}')


def r4(x):
    """4 significant digits, as drawn floats are written into gin."""
    return float(f"{x:.4g}")


# --- the seed and the draws ---------------------------------------------------------------------

def test_space_seed_is_the_first_32_bits_of_sha256_of_the_canonical_space():
    """The seed fixes every trial of a study: a different hash slice or base would redraw (and
    retrain) every trial of an existing study after an upgrade."""
    digest = hashlib.sha256(CANONICAL.encode()).hexdigest()
    assert space_seed(SPACE) == int(digest[:8], 16) == 0xB3538D3A
    assert 0 <= space_seed(SPACE) < 2 ** 32


def test_equal_spaces_written_in_another_key_order_get_the_same_seed():
    """Nested mappings (a choice of dicts) are canonicalised too: the same space, written with its
    keys in another order, must draw the same trials (no spurious changed-configuration rerun)."""
    a = {"opt": ("choice", [{"name": "adam", "beta1": 0.5}, {"name": "rmsprop", "alpha": 0.9}])}
    b = {"opt": ("choice", [{"beta1": 0.5, "name": "adam"}, {"alpha": 0.9, "name": "rmsprop"}])}
    assert space_seed(a) == space_seed(b)
    assert draw(a, 4) == draw(b, 4)


def test_draws_are_the_scrambled_sobol_points_of_the_space_seed_mapped_by_hand():
    """Trial i is point i of scipy's scrambled Sobol sequence (dimensions = the sampled names in
    sorted order) seeded by space_seed, mapped by the distribution formulas."""
    units = qmc.Sobol(4, scramble=True, seed=0xB3538D3A).random(8)[:5]
    expected = []
    for u_beta1, u_steps, u_gp, u_lr in units:
        lr = r4(math.exp(math.log(1e-5) + u_lr * (math.log(1e-2) - math.log(1e-5))))
        expected.append({"beta1": [0.0, 0.5, 0.9][int(u_beta1 * 3)], "d_steps": 1 + int(u_steps * 5),
                         "gp": r4(0.1 + u_gp * 99.9), "lr": lr, "d_lr": r4(lr * 2)})
    assert draw(SPACE, 5) == expected
    # scrambled: the first trial is not the corner (every lower bound) of the space
    first = draw(SPACE, 1)[0]
    assert (first["lr"], first["gp"], first["d_steps"], first["beta1"]) != (1e-5, 0.1, 1, 0.0)


def test_draws_use_a_power_of_two_sobol_sample_so_scipy_does_not_warn():
    """Sobol points keep their balance only in powers of two (scipy warns otherwise): 3 or 5
    trials draw 4 or 8 points and keep the first ones."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(draw(SPACE, 3)) == 3
        assert len(draw(SPACE, 5)) == 5


def test_zero_trials_draw_nothing():
    """trials = 0 is an empty study, not log2(0)."""
    assert draw(SPACE, 0) == []
    assert draw(SPACE, -1) == []


# --- from_unit: the distribution formulas -------------------------------------------------------

def test_uniform_is_low_plus_u_times_the_width():
    """uniform(0.1, 100) at u = 0.5 is the midpoint 50.05; at u = 0.25, 25.075 -> 25.08."""
    assert from_unit(("uniform", 0.1, 100.0), 0.5) == 50.05
    assert from_unit(("uniform", 0.1, 100.0), 0.25) == 25.08
    assert from_unit(("uniform", 2.0, 4.0), 0.0) == 2.0


def test_int_has_equal_bins_over_the_inclusive_range():
    """int(1, 5) has 5 bins of width 0.2: u = 0.3 -> 2, 0.5 -> 3, 0.99 -> 5; the closed end
    u = 1.0 clamps to the upper bound, not past it."""
    spec = ("int", 1, 5)
    assert [from_unit(spec, u) for u in (0.0, 0.19, 0.2, 0.3, 0.5, 0.79, 0.8, 0.99)] == [1, 1, 2, 2, 3, 4, 5, 5]
    assert from_unit(spec, 1.0) == 5
    # a range through zero: int(-2, 2) has 5 bins too
    assert [from_unit(("int", -2, 2), u) for u in (0.0, 0.3, 0.5, 0.9, 1.0)] == [-2, -1, 0, 2, 2]


def test_choice_has_equal_bins_and_clamps_at_the_closed_end():
    """choice of 3 values: bins [0, 1/3), [1/3, 2/3), [2/3, 1); u = 1.0 gives the last value."""
    spec = ("choice", ["a", "b", "c"])
    assert [from_unit(spec, u) for u in (0.0, 0.33, 0.34, 0.66, 0.67, 0.999)] == ["a", "a", "b", "b", "c", "c"]
    assert from_unit(spec, 1.0) == "c"


def test_log_uniform_at_the_middle_is_the_geometric_mean():
    """log_uniform(1e-4, 1e-2) at u = 0.5 is sqrt(1e-4 * 1e-2) = 1e-3."""
    assert from_unit(("log_uniform", 1e-4, 1e-2), 0.5) == 1e-3


# --- derived parameters (expr) -------------------------------------------------------------------

def test_expressions_allow_unary_minus_and_reject_everything_else():
    """A TTUR-style derived value may negate (-x); calls, unknown names, %, and `not` are named
    ValueErrors, never evaluated or crashing."""
    assert evaluate("-lr * 2", {"lr": 0.25}) == -0.5
    assert evaluate("-(lr - 1) ** 2", {"lr": 3}) == -4
    for bad in ("abs(lr)", "other", "lr % 2", "not lr", "lr < 2", "~lr"):
        with pytest.raises(ValueError, match="only numbers, search parameters"):
            evaluate(bad, {"lr": 0.5})


def test_a_syntax_error_in_an_expression_is_a_named_error():
    """A typo in a derived parameter is reported before training as a ValueError, not a SyntaxError."""
    with pytest.raises(ValueError, match="'lr \\*' is not valid"):
        check_space({"lr": ("uniform", 0.0, 1.0), "x": ("expr", "lr *")})


# --- check_space: malformed spaces ---------------------------------------------------------------

@pytest.mark.parametrize("space, message", [
    ({"x": ()}, "expected \\(kind, ...\\)"),
    ({"x": 5}, "expected \\(kind, ...\\)"),
    ({"x": "uniform"}, "expected \\(kind, ...\\)"),
    ({"x": ("choice", [1, 2], [3])}, "non-empty list"),
    ({"x": ("choice", 5)}, "non-empty list"),
    ({"x": ("choice", "ab")}, "non-empty list"),
    ({"lr": ("uniform", 0.0, 1.0), "x": ("expr", "lr", "extra")}, "an expr needs one expression"),
    ({"x": ("expr", 5)}, "an expr needs one expression"),
    ({"x": ("uniform", 0.0, math.inf)}, "needs \\(low, high\\) numbers"),
    ({"x": ("uniform", 1.0, 2.0, 3.0)}, "needs \\(low, high\\) numbers"),
    ({"x": ("uniform", 1.0)}, "needs \\(low, high\\) numbers"),
    ({"x": ("uniform", "0", 1.0)}, "needs \\(low, high\\) numbers"),
    ({"x": ("uniform", 1.0, 1.0)}, "the range is empty"),
    ({"x": ("int", 3, 3)}, "the range is empty"),
])
def test_malformed_distributions_are_named_errors(space, message):
    """Each malformed spec is caught by its own check, with the message that names the fix."""
    with pytest.raises(ValueError, match=message):
        check_space(space)


def test_well_formed_spaces_pass():
    """The guide's example space and a range through zero with a negated expr are accepted."""
    check_space(SPACE)
    check_space({"x": ("choice", ("a",)), "y": ("int", -2, 2), "z": ("expr", "-y")})
