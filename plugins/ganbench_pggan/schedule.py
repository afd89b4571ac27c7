"""The progressive-growing schedule: which resolution is trained, and how far its fade-in is.

The phase is a pure function of the number of training images seen so far, so a resumed run
(or a fresh model told the same ``images_seen``) is in exactly the same phase and alpha.

Timeline (PGGAN, Karras et al. 2018): stabilise at ``start_resolution`` for ``images_per_phase``
images; then, for each doubling, fade the new resolution in over ``fade_in_images`` (alpha
rising linearly from 0 to 1) and stabilise it for ``images_per_phase``. After the last
doubling the target resolution is trained for the rest of the run.
"""
from __future__ import annotations

from dataclasses import dataclass


def check_power_of_two(name: str, value: int, minimum: int = 4) -> None:
    """Raise a ValueError naming ``name`` unless ``value`` is a power of two >= ``minimum``."""
    if not isinstance(value, int) or value < minimum or value & (value - 1):
        raise ValueError(
            f"pggan: {name} must be a power of two >= {minimum} (e.g. 32, 64, 128), got {value!r}")


@dataclass(frozen=True)
class GrowthSchedule:
    """Maps ``images_seen`` to ``(resolution, alpha)``; a fixed schedule when start == target."""

    start_resolution: int
    target_resolution: int
    images_per_phase: int      # stabilisation images at each resolution
    fade_in_images: int        # images over which alpha rises 0 -> 1 after each doubling

    def __post_init__(self) -> None:
        check_power_of_two("start_resolution", self.start_resolution)
        check_power_of_two("resolution", self.target_resolution)
        if self.start_resolution > self.target_resolution:
            raise ValueError(
                f"pggan: start_resolution ({self.start_resolution}) exceeds the target resolution "
                f"({self.target_resolution}); lower architectures.pggan.start_resolution")
        for name in ("images_per_phase", "fade_in_images"):
            if getattr(self, name) < 0:
                raise ValueError(f"pggan: {name} must be >= 0, got {getattr(self, name)}")

    def phase(self, images_seen: int) -> tuple[int, float]:
        """The resolution being trained after ``images_seen`` images, and its fade-in alpha."""
        resolution = self.start_resolution
        remaining = images_seen - self.images_per_phase
        while resolution < self.target_resolution and remaining >= 0:
            resolution *= 2
            if remaining < self.fade_in_images:
                return resolution, remaining / self.fade_in_images
            remaining -= self.fade_in_images + self.images_per_phase
        return resolution, 1.0

    @property
    def images_to_full_resolution(self) -> int:
        """Images seen when the target resolution's fade-in has finished (0 if no growing)."""
        doublings = (self.target_resolution // self.start_resolution).bit_length() - 1
        if doublings == 0:
            return 0
        return doublings * (self.images_per_phase + self.fade_in_images)
