"""Memorization: are generated images closer to the training images than new real images are?

For every generated image g, d(g) is the Euclidean distance to its nearest training image; for
every held-out real image t (the reference split, which the generator never saw), d(t) is the
same distance. A model that generalises produces images about as far from the training set as
new real images are; one that copies training images produces much closer ones. Two numbers:

    memorization_ratio = median_g d(g) / median_t d(t)       (about 1: no copying; 0: exact copies)
    novel_fraction = fraction of g with d(g) >= q-quantile of d(t)   (q = 0.01 by default)

``novel_fraction`` is about 1 - q for a model whose images are as novel as held-out real ones and
0 for a model that only copies. Both are higher-is-better, as tables assume for these names. Distances are in pixel space (uint8 / 255, flattened) by
default, or on a feature extractor's features (``extractor=``). The same nearest-neighbour search
gives the report's gallery of closest generated/training pairs (``closest_pairs``).
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from .feature_metrics import sample_count, uses_extractors

BLOCK_ROWS = 512


def flat_pixels(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N, C, H, W] -> float64 [N, C*H*W] in [0, 1]."""
    return images.reshape(len(images), -1).double() / 255.0


def nearest(queries: torch.Tensor, pool: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(distance, index) of each query's nearest row of ``pool``, in row blocks (float64)."""
    pool = pool.double()
    dists, index = [], []
    for block in queries.double().split(BLOCK_ROWS):
        best = torch.cdist(block, pool).argmin(dim=1)
        # cdist's matrix-product shortcut leaves ~1e-8 on exact copies: recompute the chosen pairs
        dists.append((block - pool[best]).norm(dim=1))
        index.append(best)
    return torch.cat(dists), torch.cat(index)


def memorization_scores(generated: torch.Tensor, train: torch.Tensor, held_out: torch.Tensor,
                        quantile: float = 0.01) -> dict[str, float]:
    """Both scores from flattened pixels or features [N, F] of the three sets."""
    if min(len(generated), len(train), len(held_out)) < 1:
        raise ValueError("memorization needs generated, training and held-out images")
    d_gen, _ = nearest(generated, train)
    d_held, _ = nearest(held_out, train)
    reference = d_held.median().item()
    if reference <= 0:
        raise ValueError("memorization: the median held-out image has an exact copy in the training "
                         "set (distance 0); the split is not held out")
    threshold = torch.quantile(d_held, quantile).item()
    return {"memorization_ratio": d_gen.median().item() / reference,
            "novel_fraction": (d_gen >= threshold).double().mean().item()}


def closest_pairs(generated: torch.Tensor, train: torch.Tensor, count: int = 8
                  ) -> list[tuple[int, int, float]]:
    """The ``count`` generated images nearest to a training image (pixel distance), as
    (generated index, training index, distance), closest first: the report's gallery."""
    dist, index = nearest(flat_pixels(generated), flat_pixels(train))
    order = dist.argsort()[:count]
    return [(int(i), int(index[i]), float(dist[i])) for i in order]


def _features(ctx, images: torch.Tensor, extractor: Any) -> torch.Tensor:
    if extractor is None:
        return flat_pixels(images)
    from ganbench.components import resolve
    model = resolve("feature_extractors", extractor, dataset=ctx.train, test_dataset=ctx.reference)
    return model.extract(images)[0].double()


def memorization(num_samples: int | None = None, extractor: Any = None, quantile: float = 0.01,
                 max_train_images: int | None = None) -> Callable[..., dict]:
    """Memorization: nearest-training-image distances of samples vs held-out real images.

    Results ``memorization_ratio``, ``novel_fraction``; ``extractor=None`` means pixel space."""
    if not 0 < quantile < 1:
        raise ValueError(f"memorization quantile must be in (0, 1), got {quantile}")

    def metric(ctx) -> dict[str, float]:
        if ctx.train is ctx.reference or ctx.train.images is ctx.reference.images:
            raise ValueError("memorization needs a training set and a held-out reference set; here they "
                             "are the same images (with `ganbench eval`, give B as a dataset split "
                             "such as 'shapes:test', whose train split is then the training set)")
        n = sample_count(num_samples, ctx)
        generated = ctx.samples(n)[0]
        train = ctx.train.images[:max_train_images] if max_train_images else ctx.train.images
        held_out = ctx.reference.images[:n]
        if generated.shape[1:] != train.shape[1:]:
            raise ValueError(f"memorization: generated images {tuple(generated.shape[1:])} and training "
                             f"images {tuple(train.shape[1:])} differ in shape")
        return memorization_scores(_features(ctx, generated, extractor), _features(ctx, train, extractor),
                                   _features(ctx, held_out, extractor), quantile)
    return uses_extractors(metric, extractor) if extractor is not None else metric
