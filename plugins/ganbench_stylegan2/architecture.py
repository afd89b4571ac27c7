"""The ``stylegan2`` architecture factory (gin: ``Experiment.architecture = @architectures.stylegan2``)."""
from __future__ import annotations

from .discriminator import Discriminator
from .generator import Generator

MIN_RESOLUTION, MAX_RESOLUTION = 8, 1024


def _check(resolution: int, **positive: int) -> None:
    if resolution & (resolution - 1) or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"architectures.stylegan2 supports power-of-two resolutions from "
                         f"{MIN_RESOLUTION} to {MAX_RESOLUTION}, got {resolution}")
    for name, value in positive.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"architectures.stylegan2.{name} must be a positive integer, got {value!r}")


def stylegan2(resolution: int, channels: int, num_classes: int, *, z_dim: int = 512,
              w_dim: int = 512, mapping_layers: int = 8, channel_base: int = 32768,
              channel_max: int = 512, style_mixing: float = 0.9, mapping_lr_mul: float = 0.01,
              w_avg_beta: float = 0.995, d_residual: bool = True, mbstd_group_size: int = 4,
              cmap_dim: int | None = None, d_mapping_layers: int = 8):
    """StyleGAN2 (Karras et al. 2020), config E/F: mapping network, modulated and demodulated
    convs with noise inputs from a constant, skip G, residual D, minibatch stddev, equalized LR.

    Defaults are config F's widths (channel_base 32768, channel_max 512: 512 feature maps up to
    64x64, then halving), z and w 512, an 8-layer mapping network with lr multiplier 0.01,
    style mixing 0.9, w_avg decay 0.995. At 32x32 and unconditional this is the network whose
    official summary reads G 21,523,475 and D 21,507,073 parameters. ``d_residual=False`` gives
    the plain D (StyleGAN2-ADA's CIFAR-10 config). Conditional (num_classes > 0) as in
    StyleGAN2-ADA: a label embedding joins z in the mapping network, and D scores
    ``<out(h), cmap(y)> / sqrt(cmap_dim)`` with cmap a ``d_mapping_layers``-layer mapping of the
    label (``cmap_dim`` None = D's width at 4x4).
    """
    _check(resolution, channels=channels, z_dim=z_dim, w_dim=w_dim, mapping_layers=mapping_layers,
           channel_base=channel_base, channel_max=channel_max, mbstd_group_size=mbstd_group_size,
           d_mapping_layers=d_mapping_layers)
    if not 0.0 <= style_mixing <= 1.0:
        raise ValueError(f"architectures.stylegan2.style_mixing is a probability, got {style_mixing}")
    if num_classes < 0:
        raise ValueError(f"architectures.stylegan2: num_classes must be >= 0, got {num_classes}")
    G = Generator(resolution, channels, num_classes, z_dim=z_dim, w_dim=w_dim,
                  mapping_layers=mapping_layers, channel_base=channel_base, channel_max=channel_max,
                  style_mixing=style_mixing, mapping_lr_mul=mapping_lr_mul, w_avg_beta=w_avg_beta)
    D = Discriminator(resolution, channels, num_classes, channel_base=channel_base,
                      channel_max=channel_max, residual=d_residual, mbstd_group_size=mbstd_group_size,
                      cmap_dim=cmap_dim, mapping_layers=d_mapping_layers, mapping_lr_mul=mapping_lr_mul)
    return G, D
