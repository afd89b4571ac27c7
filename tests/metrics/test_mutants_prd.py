"""Kills the survivors of `make mutation --module prd` (docs/testing.md): the k-means internals
(k-means++ D^2 seeding and its uniform fallback, the Lloyd updates with empty and singleton
clusters, the convergence test and the 50-iteration cap), the published defaults of Sajjadi et
al. / Compare GAN (20 clusters, 1001 angles, 10 runs, beta 8), the per-run seed formula, the input
checks (each condition alone, the bounds on num_angles) and the clipping of the curve to [0, 1].

k-means++ picks are scripted where a test needs a given start (``scripted_seeding``): every
scripted pick has positive D^2 weight, so it is one the real sampler can make."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from ganbench_metrics.prd import f_beta, kmeans_labels, max_f_beta_pair, prd_curve, prd_from_histograms

ANGLES = np.linspace(1e-10, np.pi / 2 - 1e-10, 1001)


def scripted_seeding(monkeypatch, first, picks):
    """Make k-means++ start at point ``first`` and then pick ``picks``; returns the D^2 weights
    it was given, one tensor per pick."""
    seen, queue = [], list(picks)

    def randint(high, size, generator=None):
        return torch.tensor([first])

    def multinomial(weights, num_samples, generator=None):
        seen.append(weights.clone())
        pick = queue.pop(0)
        assert weights[pick] > 0          # a pick D^2 sampling can make
        return torch.tensor([pick])

    monkeypatch.setattr(torch, "randint", randint)
    monkeypatch.setattr(torch, "multinomial", multinomial)
    return seen


def line(*xs):
    return torch.tensor(xs, dtype=torch.float64)[:, None]


# --- k-means++ seeding -------------------------------------------------------------------------

def test_seeding_weights_are_squared_distances_to_the_nearest_centre(monkeypatch):
    # k-means++ samples the next centre with probability D(x)^2 (Arthur & Vassilvitskii), D the
    # distance to the nearest centre so far; small distances (sum of D^2 < 1) must not fall back
    # to uniform sampling.
    seen = scripted_seeding(monkeypatch, first=0, picks=[3, 2])
    kmeans_labels(line(0.0, 0.1, 0.4, 0.6), 3, seed=0)     # weights reach the sampler as float32
    assert len(seen) == 2
    # after the centre 0: D^2 = x^2
    torch.testing.assert_close(seen[0], torch.tensor([0.0, 0.01, 0.16, 0.36]))
    # after the centres 0 and 0.6: min(x^2, (x - 0.6)^2)
    torch.testing.assert_close(seen[1], torch.tensor([0.0, 0.01, 0.04, 0.0]))


def test_seeding_falls_back_to_uniform_when_every_point_is_a_centre():
    # Fewer distinct points than clusters (e.g. a mode-collapsed generator): all D^2 are 0 and
    # k-means++ must pick uniformly instead of failing on an all-zero distribution.
    labels = kmeans_labels(torch.full((4, 2), 3.0, dtype=torch.float64), 3, seed=0)
    assert labels.tolist() == [0, 0, 0, 0]
    two_points = torch.tensor([[0.0], [1.0]] * 5, dtype=torch.float64)
    f8, f1_8 = max_f_beta_pair(*prd_curve(two_points, two_points, num_clusters=3, num_runs=2))
    assert f8 == pytest.approx(1.0) and f1_8 == pytest.approx(1.0)     # identical sets


# --- Lloyd iterations --------------------------------------------------------------------------

def test_an_emptied_cluster_keeps_its_centre(monkeypatch):
    # Centres 30, 210, 0: labels [2, 0, 0, 1, 1, 1, 1]; means 70, 144, 0 -> [2, 2, 1, 1, 1, 1, 1]
    # (cluster 0 is emptied); means 70 (kept), 137.2, 15 -> the same labels, converged. An empty
    # cluster's centre moved to the origin would take the point 0 from cluster 2.
    scripted_seeding(monkeypatch, first=1, picks=[6, 0])
    labels = kmeans_labels(line(0, 30, 110, 121, 122, 123, 210), 3, seed=0)
    assert labels.tolist() == [2, 2, 1, 1, 1, 1, 1]


def test_a_singleton_cluster_moves_to_its_point(monkeypatch):
    # Centres 4, 5, 14: labels [0, 1, 1, 2, 2]; means 4, 7, 12 -> [0, 0, 1, 2, 2]; means 4.5, 9
    # (cluster 1 is now the single point 9), 12 -> [0, 0, 1, 1, 2]; means 4.5, 9.5, 14 -> the same,
    # converged. A singleton kept at its old centre 7 would stop at [0, 0, 1, 2, 2].
    scripted_seeding(monkeypatch, first=0, picks=[1, 4])
    assert kmeans_labels(line(4, 5, 9, 10, 14), 3, seed=0).tolist() == [0, 0, 1, 1, 2]


@pytest.mark.parametrize("seed", range(6))
def test_centres_are_cluster_means(seed):
    # {6, 7} and {10} is the only 2-means fixed point reachable from any start here; a centre that
    # is not the mean (e.g. the singleton 10 pulled to 5) would merge or oscillate.
    labels = kmeans_labels(line(6, 7, 10), 2, seed=seed).tolist()
    assert labels[0] == labels[1] != labels[2]


def lloyd_reference(x, centres, iterations):
    """Plain 1-D Lloyd: nearest centre, then each non-empty centre to its cluster mean."""
    labels = np.abs(x[:, None] - centres[None]).argmin(1)
    for _ in range(iterations):
        counts = np.bincount(labels, minlength=len(centres))
        sums = np.bincount(labels, weights=x, minlength=len(centres))
        centres = np.where(counts > 0, sums / np.maximum(counts, 1), centres)
        new = np.abs(x[:, None] - centres[None]).argmin(1)
        if (new == labels).all():
            break
        labels = new
    return labels


def test_lloyd_runs_at_most_50_iterations(monkeypatch):
    # Ten centres started at the ten leftmost of 100 slowly stretched grid points drift right a
    # little per iteration and need 55 iterations: the result is the one after exactly 50 (the
    # cap is part of the reproducible clustering), and 49 or 51 would give other labels.
    x = np.arange(100.0) * (1 + np.arange(100.0) / 1000)
    ref = {it: lloyd_reference(x, x[:10], it) for it in (49, 50, 51)}
    assert (ref[49] != ref[50]).any() and (ref[51] != ref[50]).any()
    scripted_seeding(monkeypatch, first=0, picks=range(1, 10))
    labels = kmeans_labels(torch.tensor(x)[:, None], 10, seed=0)
    assert labels.tolist() == ref[50].tolist()


# --- the histogram curve -----------------------------------------------------------------------

def test_num_angles_bounds_are_3_and_a_million():
    # Compare GAN's compute_prd accepts 3 <= num_angles <= 1e6, both ends included.
    q = p = np.array([0.5, 0.5])
    assert len(prd_from_histograms(q, p, num_angles=3)[0]) == 3
    assert len(prd_from_histograms(q, p, num_angles=1_000_000)[1]) == 1_000_000
    for bad in (2, 1_000_001):
        with pytest.raises(ValueError, match="num_angles"):
            prd_from_histograms(q, p, num_angles=bad)


def test_default_curves_have_1001_points():
    # The published resolution: 1001 angles in prd_from_histograms and prd_curve.
    q = p = np.array([0.5, 0.5])
    precision, recall = prd_from_histograms(q, p)
    assert precision.shape == recall.shape == (1001,)
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(20, 2, generator=gen)
    precision, recall = prd_curve(feats, feats + 0.1, num_runs=1)
    assert precision.shape == recall.shape == (1001,)


def test_rounding_above_one_is_clipped():
    # Histograms of counts / n: q = (9, 18, 1) / 28 and p = (1, 18, 9) / 28 give an unclipped
    # precision and recall of 1 + 2^-52 at the ends of the curve; they must stay probabilities.
    q, p = np.array([9, 18, 1]) / 28, np.array([1, 18, 9]) / 28
    slopes = np.tan(ANGLES)
    raw = np.minimum(p[None] * slopes[:, None], q[None]).sum(1)
    assert raw.max() > 1 and (raw / slopes).max() > 1
    precision, recall = prd_from_histograms(q, p)
    assert precision.max() == 1.0 and recall.max() == 1.0


def test_negative_values_are_clipped_to_zero():
    # Compare GAN clips both curves to [0, 1] whatever the inputs: a negative histogram entry
    # gives negative raw precision (and recall) at small slopes, reported as 0.
    q, p = np.array([-0.5, 0.5]), np.array([0.5, 0.5])
    precision, recall = prd_from_histograms(q, p)
    assert precision.min() == 0.0 and recall.min() == 0.0
    assert precision[0] == 0.0 and recall[0] == 0.0


# --- F_beta ------------------------------------------------------------------------------------

def test_f_beta_epsilon_is_added_to_the_denominator():
    # F_beta = (1 + b^2) p r / (b^2 p + r + 1e-10): near the ends of the curve (p, r -> 0) it stays
    # >= 0 and tends to 0; with b = 1, p = r = 1e-11: 2e-22 / 1.2e-10.
    assert f_beta(np.array(1e-11), np.array(1e-11), 1.0) == pytest.approx(2e-22 / 1.2e-10, rel=1e-9)


def test_default_betas_are_8_and_one_eighth():
    # Sajjadi et al. report F_8 (recall-weighted) and F_1/8 (precision-weighted): on the curve
    # (p, r) = (0.5, 1), (1, 0.25), F_8 peaks at the first point, F_1/8 at the second.
    precision, recall = np.array([0.5, 1.0]), np.array([1.0, 0.25])
    f8, f1_8 = max_f_beta_pair(precision, recall)
    assert f8 == pytest.approx(65 * 0.5 / (64 * 0.5 + 1), rel=1e-9)
    assert f1_8 == pytest.approx((1 + 1 / 64) * 0.25 / (1 / 64 + 0.25), rel=1e-9)


# --- prd_curve ---------------------------------------------------------------------------------

def reference_curve(real, fake, clusters, seeds, angles=1001):
    """Average over the given k-means seeds of the clipped PRD curve of the cluster histograms,
    the union ordered generated then real."""
    union = torch.cat([fake, real]).double()
    slopes = np.tan(np.linspace(1e-10, np.pi / 2 - 1e-10, angles))
    precisions, recalls = [], []
    for seed in seeds:
        labels = kmeans_labels(union, clusters, seed=seed).numpy()
        q = np.bincount(labels[:len(fake)], minlength=clusters) / len(fake)
        p = np.bincount(labels[len(fake):], minlength=clusters) / len(real)
        precision = np.minimum(p[None] * slopes[:, None], q[None]).sum(1)
        precisions.append(np.clip(precision, 0, 1))
        recalls.append(np.clip(precision / slopes, 0, 1))
    return np.mean(precisions, axis=0), np.mean(recalls, axis=0)


def features():
    gen = torch.Generator().manual_seed(3)
    return torch.randn(60, 2, generator=gen), torch.randn(60, 2, generator=gen) + 0.5


def test_prd_curve_defaults_average_ten_clusterings_of_twenty_clusters():
    # Compare GAN's defaults: 20 clusters, 10 runs (k-means seeds 0..9 for seed 0), 1001 angles.
    real, fake = features()
    expected = reference_curve(real, fake, 20, seeds=range(10))
    for got, want in zip(prd_curve(real, fake), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_prd_curve_run_seeds_are_seed_times_1000_plus_run():
    # The per-run k-means seed is seed * 1000 + run, so seed s reproduces runs s000, s001, ...
    real, fake = features()
    expected = reference_curve(real, fake, 4, seeds=[3000, 3001], angles=11)
    for got, want in zip(prd_curve(real, fake, num_clusters=4, num_angles=11, num_runs=2, seed=3), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_as_many_samples_as_clusters_is_enough():
    # k-means into k clusters needs k points: 3 real and 3 generated with 3 clusters is allowed.
    real = torch.tensor([[0.0], [1.0], [2.0]])
    precision, recall = prd_curve(real, real, num_clusters=3, num_angles=5, num_runs=1)
    assert precision.max() == pytest.approx(1.0) and recall.max() == pytest.approx(1.0)


@pytest.mark.parametrize("real, fake", [
    (torch.zeros(6, 2, 1), torch.zeros(6, 2)),     # real not [N, F] (its dim 1 still matches)
    (torch.zeros(6, 2), torch.zeros(6, 2, 1)),     # generated not [N, F] (dim 1 still matches)
    (torch.zeros(6, 2), torch.zeros(6, 3)),        # different F
])
def test_each_shape_check_alone_raises(real, fake):
    # Each of the three shape conditions refuses the input by itself (no IndexError, no silent run).
    with pytest.raises(ValueError, match="same F"):
        prd_curve(real, fake, num_clusters=2)
