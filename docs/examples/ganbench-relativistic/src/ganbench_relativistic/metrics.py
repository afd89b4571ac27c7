"""Nearest-neighbour distance: does the generator copy its training images?

For every generated image, the distance to its nearest training image, as the root-mean-square
pixel difference on a [0, 1] scale. The same is computed for held-out real images (the reference
split), which are new to the training set by construction, so the ratio

    nn_distance_ratio = mean NN distance of samples / mean NN distance of held-out reals

is about 1 for a generator that produces images as novel as fresh real data, and well below 1
for one that memorises (reproduces) training images. ``nn_distance`` alone is also reported.
"""
from __future__ import annotations

import torch
from torch import Tensor


def nearest_neighbour_distances(queries: Tensor, pool: Tensor, chunk: int = 256) -> Tensor:
    """For each uint8 image in ``queries`` [N, C, H, W], the RMS pixel difference (0..1 scale)
    to its nearest image in ``pool`` [M, C, H, W]; float64 [N]."""
    if queries.shape[1:] != pool.shape[1:]:
        raise ValueError(f"nearest_neighbour_distance: samples have shape {tuple(queries.shape[1:])} "
                         f"but training images have {tuple(pool.shape[1:])}; they must match")
    pixels = pool[0].numel()
    flat_pool = pool.reshape(len(pool), -1).double().div_(255.0)
    nearest = []
    for start in range(0, len(queries), chunk):   # chunks bound the [chunk, M] distance matrix
        block = queries[start:start + chunk].reshape(-1, pixels).double().div_(255.0)
        nearest.append(torch.cdist(block, flat_pool).min(dim=1).values)
    return torch.cat(nearest) / pixels ** 0.5


class NearestNeighbourDistance:
    """Pixel distance of samples to their nearest training image, relative to held-out real images."""

    def __init__(self, num_samples: int | None = None, max_train: int = 10000) -> None:
        if num_samples is not None and num_samples < 1:
            raise ValueError(f"metrics.nearest_neighbour_distance.num_samples must be >= 1 or None, "
                             f"got {num_samples!r}")
        if max_train < 1:
            raise ValueError(f"metrics.nearest_neighbour_distance.max_train must be >= 1, got {max_train!r}")
        self.num_samples = num_samples
        self.max_train = max_train   # the search is O(samples x train images); cap the pool

    def __call__(self, ctx) -> dict[str, float]:
        n = self.num_samples or ctx.num_samples
        fakes, _ = ctx.samples(n)
        train = ctx.train.images[: self.max_train].cpu()
        held_out = ctx.reference.images[:n].cpu()
        fake_distance = nearest_neighbour_distances(fakes.cpu(), train).mean().item()
        real_distance = nearest_neighbour_distances(held_out, train).mean().item()
        if real_distance == 0:
            raise ValueError("nearest_neighbour_distance: every held-out reference image is also in "
                             "the training set, so the ratio is undefined; evaluate against a "
                             "held-out split")
        return {"nn_distance": fake_distance, "nn_distance_ratio": fake_distance / real_distance}
