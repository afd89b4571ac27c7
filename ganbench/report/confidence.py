"""How sure a table is: the confidence of each cell's [min, max], a rank test of each row against
a reference row, and how many seeds would resolve a gap at the spread observed.

- **Interval of the median.** For n seeds, [min, max] contains the true median with probability
  1 - 2 / 2^n whatever the distribution (order statistics: the median is below every seed with
  probability 2^-n): 75% for 3 seeds, 87.5% for 4, 93.8% for 5.
- **Rank test.** Each row's seeds against the reference row's, per column: the two-sided exact
  Mann-Whitney U test (scipy). With 3 seeds against 3 the smallest two-sided p-value is 0.1
  (one seed order in ten has every seed of a row beat every seed of the other), so the level is
  ALPHA = 0.10: a mark means "every seed ordering this extreme has probability <= 0.10".
- **Seeds to resolve a gap.** With the gap between the two medians and the spread of the seeds
  (pooled standard deviation), the seeds per row that a two-sided test at ALPHA with 80% power
  needs: n = 2 (z_{1-ALPHA/2} + z_{0.8})^2 (s / gap)^2 / 0.955 (the Mann-Whitney test's
  efficiency relative to the t-test under normality), at least 3.
"""
from __future__ import annotations

import math
import statistics

ALPHA = 0.10
POWER = 0.8
MANN_WHITNEY_EFFICIENCY = 3 / math.pi   # asymptotic relative efficiency vs the t-test (normal data)


def median_coverage(n: int) -> float:
    """Probability that [min, max] of n independent seeds contains the population median."""
    return 1.0 - 2.0 * 0.5 ** n if n >= 1 else 0.0


def rank_test(values: list[float], reference: list[float]) -> float | None:
    """Two-sided exact Mann-Whitney U p-value, or None with fewer than 2 seeds on a side."""
    if len(values) < 2 or len(reference) < 2:
        return None
    from scipy.stats import mannwhitneyu
    method = "exact" if len(values) + len(reference) <= 40 else "asymptotic"
    return float(mannwhitneyu(values, reference, alternative="two-sided", method=method).pvalue)


def seeds_to_resolve(values: list[float], reference: list[float]) -> int | None:
    """Seeds per row for a two-sided test at ALPHA with POWER to detect the observed gap, or
    None when it cannot be estimated (fewer than 2 seeds a side, or no gap)."""
    if len(values) < 2 or len(reference) < 2:
        return None
    gap = abs(statistics.median(values) - statistics.median(reference))
    pooled = math.sqrt((statistics.variance(values) * (len(values) - 1) + statistics.variance(reference)
                        * (len(reference) - 1)) / (len(values) + len(reference) - 2))
    if gap == 0:
        return None
    z = statistics.NormalDist().inv_cdf
    n = 2 * (z(1 - ALPHA / 2) + z(POWER)) ** 2 * (pooled / gap) ** 2 / MANN_WHITNEY_EFFICIENCY
    return max(3, math.ceil(n))


def mark(fmt: str) -> str:
    """The mark of a row that differs from the reference at ALPHA."""
    return {"latex": r"$^\dagger$", "html": "&dagger;", "csv": ""}.get(fmt, "†")
