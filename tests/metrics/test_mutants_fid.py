"""Kills mutants of ``plugins/ganbench_metrics/fid.py`` that tests/metrics/test_fid.py lets
survive (`make mutation`, docs/testing.md): the input checks one condition at a time, the
singular-product fallback (TTUR's 1e-6 offset) and the imaginary-part tolerance, reached by
replacing scipy's sqrtm with one that returns what a bad case would."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from ganbench_metrics import fid
from ganbench_metrics.fid import frechet_distance, gaussian_statistics


def test_two_samples_are_enough_one_is_not():
    mu, sigma = gaussian_statistics(np.array([[0.0], [2.0]]))
    assert mu.tolist() == [1.0] and sigma.tolist() == 2.0
    for bad in (np.zeros((1, 5)), np.zeros(5), np.zeros((1, 1)), np.zeros((3, 2, 2))):
        with pytest.raises(ValueError, match="N >= 2"):
            gaussian_statistics(bad)


def test_each_shape_disagreement_is_refused():
    eye2, eye3 = np.eye(2), np.eye(3)
    cases = [
        (np.zeros(2), eye2, np.zeros(3), eye2),   # only the means differ
        (np.zeros(2), eye2, np.zeros(2), eye3),   # only the covariances differ
        (np.zeros(2), eye3, np.zeros(2), eye3),   # covariances do not match the means
    ]
    for case in cases:
        with pytest.raises(ValueError, match="disagree in shape"):
            frechet_distance(*case)


def test_constants():
    assert fid.IMAGINARY_TOLERANCE == 1e-3 and fid.SINGULAR_OFFSET == 1e-6


def test_non_finite_root_retries_with_offset_covariances(monkeypatch):
    real_sqrtm = scipy.linalg.sqrtm
    calls = []

    def sqrtm(m):
        calls.append(m)
        return np.full_like(m, np.inf) if len(calls) == 1 else real_sqrtm(m)

    monkeypatch.setattr(scipy.linalg, "sqrtm", sqrtm)
    s1 = np.array([[2.0, 0.5], [0.5, 1.0]])
    s2 = np.array([[1.0, 0.0], [0.0, 3.0]])
    value = frechet_distance(np.zeros(2), s1, np.ones(2), s2)
    offset = 1e-6 * np.eye(2)
    np.testing.assert_array_equal(calls[1], (s1 + offset) @ (s2 + offset))
    expected = 2 + np.trace(s1) + np.trace(s2) - 2 * np.trace(real_sqrtm((s1 + offset) @ (s2 + offset)).real)
    assert value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("imag, fails", [(1e-3, False), (5e-4, False), (2e-3, True), (0.5, True)])
def test_imaginary_diagonal_tolerance(monkeypatch, imag, fails):
    root = np.diag([1.0 + 1j * imag, 2.0 + 0j])
    monkeypatch.setattr(scipy.linalg, "sqrtm", lambda m: root)
    args = (np.zeros(2), np.eye(2), np.zeros(2), np.eye(2))
    if fails:
        with pytest.raises(ValueError, match="imaginary"):
            frechet_distance(*args)
    else:
        assert frechet_distance(*args) == pytest.approx(2 + 2 - 2 * 3.0)
