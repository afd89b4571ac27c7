"""Kills mutants of ``ganbench/report/confidence.py`` that the other report tests let survive
(`make mutation`, docs/testing.md): the coverage of [min, max] at 0 seeds, the 2-seeds-a-side
bound of the rank test and of the seeds estimate (on each side), the switch from the exact to the
asymptotic U test at 40 seeds in all, and the floor of 3 seeds."""
from __future__ import annotations

import math
import statistics

import pytest
from scipy.stats import mannwhitneyu

from ganbench.report import confidence

Z = 1.6448536269514722 + 0.8416212335729143     # z_{1 - 0.10/2} + z_{0.80}


def test_median_coverage_at_zero_one_two_and_four_seeds():
    # 1 - 2 * 0.5**n: no seeds give no interval (0, not 1 - 2 = -1 and not 1), one seed a
    # degenerate [x, x] that contains the median with probability 0, 2 seeds 50%, 4 seeds 87.5%
    assert confidence.median_coverage(0) == 0.0
    assert confidence.median_coverage(1) == 0.0
    assert confidence.median_coverage(2) == 0.5
    assert confidence.median_coverage(4) == 0.875


def test_rank_test_runs_with_exactly_two_seeds_on_either_side():
    # 2 seeds against 3, fully separated: one split of the C(5, 2) = 10 has a the two lowest
    # ranks and one the two highest, two-sided p = 2 / 10; 2 is enough seeds on each side
    assert confidence.rank_test([1.0, 2.0], [3.0, 4.0, 5.0]) == pytest.approx(2 / math.comb(5, 2))
    assert confidence.rank_test([3.0, 4.0, 5.0], [1.0, 2.0]) == pytest.approx(2 / math.comb(5, 2))
    # 2 against 2: p = 2 / C(4, 2) = 1/3
    assert confidence.rank_test([1.0, 2.0], [3.0, 4.0]) == pytest.approx(2 / math.comb(4, 2))


def test_rank_test_refuses_a_single_reference_seed():
    # one seed on the reference side is no sample to rank against (scipy would answer p = 2/3)
    assert confidence.rank_test([1.0, 2.0], [3.0]) is None
    assert confidence.rank_test([1.0, 2.0, 4.0], [3.0]) is None


def test_rank_test_is_exact_up_to_40_seeds_in_all():
    # 20 against 20, fully separated: exact two-sided p = 2 / C(40, 20) = 1.45e-11, whereas the
    # normal approximation would give 6.8e-8 (4,700 times too large)
    a, b = [float(i) for i in range(20)], [100.0 + i for i in range(20)]
    p = confidence.rank_test(a, b)
    assert p == pytest.approx(2 / math.comb(40, 20), rel=1e-9)
    assert p == pytest.approx(mannwhitneyu(a, b, alternative="two-sided", method="exact").pvalue, rel=1e-12)


def test_rank_test_is_asymptotic_from_41_seeds_in_all():
    # 20 against 21, fully separated: U = 420, mean 210, sd sqrt(20 * 21 * 42 / 12) = sqrt(1470);
    # with the continuity correction two-sided p = erfc((210 - 0.5) / sqrt(1470) / sqrt(2)) = 4.65e-8
    # (the exact test would give 2 / C(41, 20) = 7.4e-12)
    a, b = [float(i) for i in range(20)], [100.0 + i for i in range(21)]
    expected = math.erfc((210 - 0.5) / math.sqrt(1470) / math.sqrt(2))
    assert confidence.rank_test(a, b) == pytest.approx(expected, rel=1e-9)
    assert confidence.rank_test(b, a) == pytest.approx(expected, rel=1e-9)
    assert expected > 1000 * 2 / math.comb(41, 20)


def test_seeds_to_resolve_with_two_seeds_on_either_side_by_hand():
    # [10, 14] (median 12, variance 8) against [13, 15, 17] (median 15, variance 4): gap 3,
    # pooled variance (8 * 1 + 4 * 2) / 3 = 16/3; n = 2 Z^2 (16/3) / 9 / (3/pi) = 7.67 -> 8 seeds
    expected = math.ceil(2 * Z ** 2 * (16 / 3) / 9 / (3 / math.pi))
    assert expected == 8
    assert confidence.seeds_to_resolve([10.0, 14.0], [13.0, 15.0, 17.0]) == expected
    assert confidence.seeds_to_resolve([13.0, 15.0, 17.0], [10.0, 14.0]) == expected


def test_seeds_to_resolve_needs_two_seeds_on_each_side():
    # one seed has no spread: no estimate (not a StatisticsError from the variance of one value)
    assert confidence.seeds_to_resolve([1.0], [1.0, 2.0, 3.0]) is None
    assert confidence.seeds_to_resolve([1.0, 2.0, 3.0], [1.0]) is None
    assert confidence.seeds_to_resolve([1.0], [2.0]) is None


def test_seeds_to_resolve_never_asks_for_fewer_than_three_seeds():
    # gap 100 in a spread of 1: n = 2 Z^2 / 100^2 / (3/pi) = 0.0013, so the floor of 3 seeds applies
    # (the fewest for which the exact two-sided U test can reach p = 0.10)
    n = 2 * Z ** 2 * (statistics.stdev([0.0, 1.0, 2.0]) / 100) ** 2 / (3 / math.pi)
    assert math.ceil(n) == 1
    assert confidence.seeds_to_resolve([0.0, 1.0, 2.0], [100.0, 101.0, 102.0]) == 3
