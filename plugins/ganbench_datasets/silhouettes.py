"""`silhouettes`: the built-in procedural dataset whose classes differ in global layout.

Rendered by the same pipeline as `shapes` (see ``shapes.generate_shapes``); only the classes and
the pose distribution differ: large, nearly upright objects that fill most of the frame.
"""
from __future__ import annotations

from .base import InMemoryImageDataset
from .shapes import ShapeSet, procedural_dataset
from .silhouette_geometry import CLASSES

# Bright objects on dark grounds, like Fashion-MNIST's: with both colours free (as in `shapes`), a
# small GAN spends its first thousand steps on colour and polarity and draws blobs (FID_domain ~40
# for conditional and unconditional alike after 1,200 steps, probe in docs/results/label_efficiency.md).
SILHOUETTES = ShapeSet("silhouettes", CLASSES, (0.8, 0.95), shape_values=(0.45, 1.0),
                       background_values=(0.0, 0.3))


def silhouettes(split: str = "train", resolution: int | None = None, num_train: int = 20000,
                num_test: int = 5000, seed: int = 0, cache: bool = True,
                max_rotation_degrees: float = 10.0, background: str = "gradient") -> InMemoryImageDataset:
    """Procedural garment silhouettes: 10 classes in Fashion-MNIST's order (default 32x32 RGB).

    Classes (label: name): 0 tshirt, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt,
    7 sneaker, 8 bag, 9 ankle_boot; each with one or two random proportions (sleeve length,
    leg gap, hem width, strap height, handle size, shaft height). Close groups (tshirt / shirt,
    pullover / coat / shirt, sneaker / ankle_boot / sandal) make clustering imperfect.

    Unlike `shapes`, the class fixes the global structure of a large object (80-95% of the frame,
    centre jittered by up to a quarter of the half-image), so labels carry much of the information
    in an image. Pose, colours and background stay random: rotation within
    ``max_rotation_degrees`` (default 10: nearly upright, so rotation prediction has something
    to learn), a random object colour with a slight gradient, and a ``background`` that is
    ``"gradient"`` (default: a linear gradient between two random colours, plus faint pixel
    noise), ``"textured"`` (adds stripes and smooth noise, as in `shapes`) or ``"plain"``.
    Determinism, splits, caching and ``resolution`` work as in `shapes`.
    """
    return procedural_dataset(SILHOUETTES, split, resolution, num_train, num_test, seed, cache,
                              max_rotation_degrees, background)
