"""The ``pggan`` architecture factory (gin: ``Experiment.architecture = @architectures.pggan``)."""
from __future__ import annotations

from .networks import Discriminator, Generator, block_widths
from .schedule import GrowthSchedule


def pggan(resolution: int, channels: int, num_classes: int, *, z_dim: int = 128,
          base_width: int = 16, max_width: int = 256, progressive: bool = True,
          minibatch_stddev: bool = True, mbstd_group_size: int = 4, equalized_lr: bool = True,
          pixelnorm: bool = True, start_resolution: int = 4, images_per_phase: int = 800_000,
          fade_in_images: int = 800_000) -> tuple[Generator, Discriminator]:
    """PGGAN (Karras et al. 2018): progressive growing, minibatch stddev, equalized LR, pixelnorm.

    Each trick can be switched off for ablations. ``base_width`` is the channel count at the full
    resolution; it doubles at every halving up to ``max_width``. With ``progressive=True`` the
    networks train at ``start_resolution`` for ``images_per_phase`` images, then each doubling
    fades in over ``fade_in_images`` (alpha 0 -> 1) and is stabilised for ``images_per_phase``;
    the phase follows ``images_seen`` through ``on_train_step``. ``G.current_resolution`` and
    ``G.alpha`` (same on D) expose it; G reports both to the training log (``log_values``). With ``progressive=False`` both networks work
    at full resolution from the start. ``num_classes > 0`` concatenates a class embedding to z
    in G and adds a projection head to D.
    """
    for name, value in (("channels", channels), ("z_dim", z_dim), ("base_width", base_width),
                        ("max_width", max_width)):
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"pggan: {name} must be a positive integer, got {value!r}")
    if num_classes < 0:
        raise ValueError(f"pggan: num_classes must be >= 0, got {num_classes}")
    schedule = GrowthSchedule(start_resolution if progressive else resolution, resolution,
                              images_per_phase, fade_in_images)
    widths = block_widths(resolution, base_width, max_width)
    G = Generator(resolution, channels, num_classes, z_dim=z_dim, widths=widths,
                  schedule=schedule, pixelnorm=pixelnorm, equalized_lr=equalized_lr)
    D = Discriminator(resolution, channels, num_classes, widths=widths, schedule=schedule,
                      minibatch_stddev=minibatch_stddev, mbstd_group_size=mbstd_group_size,
                      equalized_lr=equalized_lr)
    return G, D
