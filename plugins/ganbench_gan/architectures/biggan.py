"""BigGAN (Brock et al., 2019): the residual GAN of resnet.py with BigGAN's conditioning.

What BigGAN adds to SAGAN: one class embedding shared by all generator blocks, a hierarchical
latent (z is split into one chunk for the input layer and one per block, each block's
conditional BN sees [shared embedding, its z chunk]), orthogonal init, and published widths.
"""
from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from ..conditioning import check_resolution, class_vector
from .resnet import D_WIDTHS, G_WIDTHS, RESOLUTIONS, build_residual_gan


class SharedEmbeddingConditioner(nn.Module):
    """(z, y) -> (first z chunk, [cat(shared(y), z chunk i) for each block]).

    ``shared`` is a bias-free linear map of the one-hot (or soft) label, i.e. a class embedding.
    Each block's conditional BN maps this vector to its gains and biases with its own linear
    layers. Without hierarchy all of z goes to the input layer and blocks see only shared(y).
    """

    def __init__(self, z_dim: int, num_classes: int, num_blocks: int, shared_dim: int,
                 hierarchical: bool) -> None:
        super().__init__()
        slots = num_blocks + 1 if hierarchical else 1
        if hierarchical and z_dim % slots:
            raise ValueError(f"architectures.biggan.z_dim={z_dim} must split evenly into {slots} "
                             f"chunks (input layer + {num_blocks} blocks); use e.g. {20 * slots}")
        self.num_classes, self.num_blocks, self.hierarchical = num_classes, num_blocks, hierarchical
        self.chunk = z_dim // slots
        self.shared = nn.Linear(num_classes, shared_dim, bias=False) if num_classes else None
        self.input_dim = self.chunk
        self.cond_dim = (shared_dim if num_classes else 0) + (self.chunk if hierarchical else 0)
        if self.cond_dim == 0:
            raise ValueError("an unconditional, non-hierarchical biggan has nothing to condition "
                             "its batch norms on; set hierarchical=True or num_classes > 0")

    def forward(self, z: Tensor, y: Tensor | None) -> tuple[Tensor, list[Tensor]]:
        chunks = list(z.split(self.chunk, dim=1))
        parts = []
        if self.shared is not None:
            parts.append(self.shared(class_vector(y, self.num_classes).to(z.dtype)))
        if not self.hierarchical:
            return z, [parts[0]] * self.num_blocks
        conds = [torch.cat(parts + [c], dim=1) for c in chunks[1:]]
        return chunks[0], conds


def biggan(resolution: int, channels: int, num_classes: int, *, z_dim: int = 120,
           base_width: int = 96, shared_dim: int = 128, hierarchical: bool = True,
           attention_resolution: int | None = None,
           g_normalizers: Any = ("spectral_norm", "conditional_batch_norm"),
           d_normalizers: Any = ("spectral_norm",), init: str = "ortho"):
    """BigGAN: shared class embedding, hierarchical z, conditional BN, projection D; 16-128 px.

    Defaults are the published 128x128 model: ch = base_width = 96, z_dim 120 (six chunks of
    20), shared embedding 128, attention at 64x64 (default resolution // 2; 0 disables),
    spectral norm in G and D, orthogonal init.
    """
    check_resolution("biggan", resolution, RESOLUTIONS)
    g_widths = [m * base_width for m in G_WIDTHS[resolution]]
    d_widths, d_downs = D_WIDTHS[resolution]
    conditioner = SharedEmbeddingConditioner(z_dim, num_classes, len(g_widths) - 1, shared_dim,
                                             hierarchical)
    return build_residual_gan(
        "biggan", resolution, channels, num_classes, g_widths=g_widths,
        d_widths=[m * base_width for m in d_widths], d_downs=d_downs, z_dim=z_dim,
        attention_resolution=attention_resolution, g_normalizers=g_normalizers,
        d_normalizers=d_normalizers, init=init, conditioner=conditioner)
