"""`shapes`: the built-in procedural benchmark dataset (10 classes of coloured shapes), and the
renderer it shares with `silhouettes` (a ``ShapeSet`` says which classes, sizes and colours).

Generation is vectorised numpy: per-image pose, colours and background parameters are drawn
up front from a seeded generator (one stream per split, so the splits are independent and a
split does not change when the other's size does), then images are rendered in chunks.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ganbench.storage import cached

from .base import InMemoryImageDataset, check_resolution, check_split
from .shape_geometry import CLASSES, ShapeClass, pixel_grid, render_coverage

# Bump when the rendering changes, so cached arrays from an older generator are not reused.
GENERATOR_VERSION = 1
_SPLIT_STREAM = {"train": 0, "test": 1}
BACKGROUNDS = ("textured", "gradient", "plain")
_CHUNK = 256
_NOISE_GRID = 4          # control points per side of the smooth background noise
_MIN_CONTRAST = 0.45     # RGB distance between the shape colour and both background colours


@dataclass(frozen=True)
class ShapeSet:
    """A family of procedural classes: the shapes, the range of their size and their colours."""

    name: str
    classes: tuple[ShapeClass, ...]
    scale: tuple[float, float]          # the shape frame's unit, as a fraction of the half-image
    # Channel values of the shape and the background colours are drawn uniformly in these ranges
    # (fractions of full brightness); disjoint ranges give every image the same polarity.
    shape_values: tuple[float, float] = (0.0, 1.0)
    background_values: tuple[float, float] = (0.0, 1.0)

    @property
    def class_names(self) -> list[str]:
        return [c.name for c in self.classes]


SHAPES = ShapeSet("shapes", CLASSES, (0.45, 0.78))


def shapes(split: str = "train", resolution: int | None = None, num_train: int = 20000,
           num_test: int = 5000, seed: int = 0, cache: bool = True,
           max_rotation_degrees: float = 180.0, background: str = "textured") -> InMemoryImageDataset:
    """Procedural shapes: 10 classes of coloured shapes on textured backgrounds (default 32x32 RGB).

    Classes (label: name): 0 square, 1 rounded_square, 2 circle, 3 ellipse (aspect 0.5-0.72),
    4 ring (hole 45-62% of the radius), 5 triangle (equilateral), 6 arrowhead (a triangle with a
    notch in its back edge), 7 plus, 8 star (five points), 9 crescent. The close pairs (square vs
    rounded square, circle vs ellipse / ring / crescent, triangle vs arrowhead, plus vs star) make
    clustering on simple features imperfect while a small CNN separates them well.

    Every image draws a random pose (centre, size 45-78% of the frame, any rotation: no class
    turns into another under rotation), a random shape colour with a slight gradient, and a
    background mixing a linear gradient, stripes and smooth noise between two random colours,
    plus faint pixel noise. Classes are balanced. Fully determined by ``seed``; the train and
    test splits come from independent random streams. ``resolution`` (default 32) renders the
    same shapes at any size >= 8 (16, 32 and 64 are the intended ones). Generated arrays are
    cached under the ganbench cache (``GANBENCH_CACHE``) unless ``cache=False``.

    ``max_rotation_degrees`` bounds the rotation to [-max, +max] (180 = any orientation). With
    any orientation a rotation-prediction pretext task has nothing to learn (every rotation of
    an image is as likely as the image itself), so studies of rotation self-supervision want an
    upright prior, e.g. 20 degrees, like the canonical orientation of natural images.

    ``background = "plain"`` draws the same images with a flat background colour, a flat shape
    colour and no pixel noise: the class (the shape) is then most of what varies, which small
    models at short budgets can learn. ``"gradient"`` keeps the colour gradients and pixel noise
    but drops the stripes and smooth noise from the background.
    """
    return procedural_dataset(SHAPES, split, resolution, num_train, num_test, seed, cache,
                              max_rotation_degrees, background)


def procedural_dataset(shape_set: ShapeSet, split: str, resolution: int | None, num_train: int,
                       num_test: int, seed: int, cache: bool, max_rotation_degrees: float,
                       background: str) -> InMemoryImageDataset:
    """Check the arguments, then generate (or load from the cache) one split of ``shape_set``."""
    name = shape_set.name
    check_split(name, split)
    resolution = check_resolution(name, 32 if resolution is None else resolution, minimum=8)
    count = num_train if split == "train" else num_test
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValueError(f"datasets.{name}: num_{split} must be a positive integer, got {count!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"datasets.{name}: seed must be a non-negative integer, got {seed!r}")
    if not 0 <= max_rotation_degrees <= 180:
        raise ValueError(f"datasets.{name}: max_rotation_degrees must be in [0, 180], "
                         f"got {max_rotation_degrees!r}")
    if background not in BACKGROUNDS:
        raise ValueError(f"datasets.{name}: background must be one of {', '.join(BACKGROUNDS)}, "
                         f"got {background!r}")

    def compute() -> dict:
        images, labels = generate_shapes(count, resolution, seed, split, max_rotation_degrees,
                                         background, shape_set)
        return {"images": torch.from_numpy(images), "labels": torch.from_numpy(labels)}

    parts = {"version": GENERATOR_VERSION, "split": split, "count": count,
             "resolution": resolution, "seed": seed}
    if max_rotation_degrees != 180.0:   # keeps the cache keys of full-rotation data unchanged
        parts["max_rotation_degrees"] = float(max_rotation_degrees)
    if background != "textured":
        parts["background"] = background
    arrays = cached(f"datasets/{name}", parts, compute) if cache else compute()
    return InMemoryImageDataset(name, split, arrays["images"], arrays["labels"], shape_set.class_names)


def generate_shapes(count: int, resolution: int, seed: int, split: str = "train",
                    max_rotation_degrees: float = 180.0,
                    background: str = "textured",
                    shape_set: ShapeSet = SHAPES) -> tuple[np.ndarray, np.ndarray]:
    """Render ``count`` images: (uint8 [count, 3, R, R], int64 labels [count])."""
    stream = _SPLIT_STREAM[split]
    params = _draw_parameters(np.random.default_rng([seed, stream]), count, shape_set)
    # Other backgrounds use the same draws, so poses and colours match the textured images.
    if background == "plain":
        params["bg2"], params["fg_shade"] = params["bg1"], params["fg"]
        params["pixel_noise"] = np.zeros_like(params["pixel_noise"])
    elif background == "gradient":
        params["bg_weights"] = np.broadcast_to(np.float32([1, 0, 0]), params["bg_weights"].shape)
    if max_rotation_degrees < 180.0:
        # Map the drawn angle in [0, 2pi) linearly onto [-max, +max]: same draw order, so every
        # other property of each image stays the same as in the full-rotation data.
        fraction = params["angle"] / np.float32(2 * np.pi)
        params["angle"] = ((2 * fraction - 1) * np.deg2rad(max_rotation_degrees)).astype(np.float32)
    # Pixel noise has its own stream: its size depends on the resolution, and drawing it from
    # the parameter stream would make the shapes differ between resolutions.
    noise_rng = np.random.default_rng([seed, stream, 1])
    images = np.empty((count, 3, resolution, resolution), dtype=np.uint8)
    for start in range(0, count, _CHUNK):
        part = {k: v[start:start + _CHUNK] for k, v in params.items()}
        images[start:start + _CHUNK] = _render_chunk(part, resolution, noise_rng, shape_set.classes)
    return images, params["label"].astype(np.int64)


def _draw_parameters(rng: np.random.Generator, n: int, shape_set: ShapeSet) -> dict[str, np.ndarray]:
    """Every random choice of every image, as arrays with first dimension n (fixed draw order)."""
    f32 = np.float32
    labels = rng.permutation(np.arange(n) % len(shape_set.classes))
    scale = rng.uniform(*shape_set.scale, n).astype(f32)
    fg, bg1, bg2 = _draw_colours(rng, n, shape_set)
    weights = rng.dirichlet([1.0, 1.0, 1.0], n).astype(f32)   # gradient / stripes / noise mix
    return {
        "label": labels,
        "a": rng.random(n, dtype=f32), "b": rng.random(n, dtype=f32),
        "scale": scale,
        "angle": rng.uniform(0, 2 * np.pi, n).astype(f32),
        # centres keep the shape (radius <= scale) inside the frame, give or take a pixel
        "cx": (rng.uniform(-1, 1, n) * (1 - 0.95 * scale)).astype(f32),
        "cy": (rng.uniform(-1, 1, n) * (1 - 0.95 * scale)).astype(f32),
        "fg": fg, "fg_shade": np.clip(fg + rng.normal(0, 0.12, (n, 3)), 0, 1).astype(f32),
        "fg_direction": rng.uniform(0, 2 * np.pi, n).astype(f32),
        "bg1": bg1, "bg2": bg2, "bg_weights": weights,
        "bg_direction": rng.uniform(0, 2 * np.pi, n).astype(f32),
        "stripe_direction": rng.uniform(0, 2 * np.pi, n).astype(f32),
        "stripe_frequency": rng.uniform(3, 9, n).astype(f32),
        "stripe_phase": rng.uniform(0, 2 * np.pi, n).astype(f32),
        "noise_grid": rng.random((n, _NOISE_GRID, _NOISE_GRID), dtype=f32),
        "pixel_noise": rng.uniform(0, 0.08, n).astype(f32),
    }


def _draw_colours(rng: np.random.Generator, n: int,
                  shape_set: ShapeSet) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shape colour and two background colours, redrawn until the shape stands out."""
    def draw(count: int, values: tuple[float, float]) -> np.ndarray:
        low, high = np.float32(values[0]), np.float32(values[1])
        return (low + (high - low) * rng.random((count, 3), dtype=np.float32)).astype(np.float32)

    fg = draw(n, shape_set.shape_values)
    bg1 = draw(n, shape_set.background_values)
    bg2 = np.clip(bg1 + rng.normal(0, 0.2, (n, 3)), 0, 1).astype(np.float32)
    low = np.ones(n, dtype=bool)
    while low.any():
        low = np.minimum(np.linalg.norm(fg - bg1, axis=1), np.linalg.norm(fg - bg2, axis=1)) < _MIN_CONTRAST
        fg[low] = draw(int(low.sum()), shape_set.shape_values)
    return fg, bg1, bg2


def _render_chunk(p: dict[str, np.ndarray], resolution: int, noise_rng: np.random.Generator,
                  classes: tuple[ShapeClass, ...]) -> np.ndarray:
    """uint8 [n, 3, R, R].

    Every channel is a per-image weighted sum of the same five single-channel fields,
        background (1 - cov) + shape cov + noise
        = bg1 (1 - cov) + fg cov + (bg2 - bg1) mix (1 - cov) + (fg_shade - fg) shade cov + amp noise,
    so the colours form a small [3, 5] matrix per image and one batched matmul does the mixing:
    far fewer passes over full-size arrays than blending channel by channel.
    """
    n, pixels = len(p["label"]), resolution * resolution
    fields = np.empty((n, 5, pixels), dtype=np.float32)
    coverage = fields[:, 1]
    coverage[:] = render_coverage(p["label"], p["a"], p["b"], p["cx"], p["cy"], p["scale"],
                                  p["angle"], resolution, classes).reshape(n, pixels)
    np.subtract(1, coverage, out=fields[:, 0])
    np.multiply(_background_mix(p, resolution).reshape(n, pixels), fields[:, 0], out=fields[:, 2])
    np.multiply(_linear_ramp(p["fg_direction"], resolution).reshape(n, pixels), coverage, out=fields[:, 3])
    fields[:, 4] = noise_rng.random((n, pixels), dtype=np.float32)

    amplitude = 255 * p["pixel_noise"][:, None]
    # 255 scale, +0.5 so astype rounds, -amp/2 to centre the noise: constants added to both bg1
    # and fg pass through unchanged because the weights (1 - cov) and cov sum to one.
    offset = 0.5 - amplitude / 2
    colours = np.stack([255 * p["bg1"] + offset, 255 * p["fg"] + offset,
                        255 * (p["bg2"] - p["bg1"]), 255 * (p["fg_shade"] - p["fg"]),
                        np.broadcast_to(amplitude, (n, 3))], axis=2).astype(np.float32)   # [n, 3, 5]
    image = np.matmul(colours, fields)                                                   # [n, 3, pixels]
    return np.clip(image, 0, 255, out=image).astype(np.uint8).reshape(n, 3, resolution, resolution)


def _directional(direction: np.ndarray, resolution: int,
                 scale: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """``scale * (cos(direction) x + sin(direction) y)`` as its x part [n, 1, R] and y part
    [n, R, 1], which broadcast to [n, R, R] when added."""
    grid = pixel_grid(resolution)
    scale = np.broadcast_to(np.asarray(scale, np.float32), direction.shape)
    x_part = (scale * np.cos(direction))[:, None, None] * grid[None, None, :]
    y_part = (scale * np.sin(direction))[:, None, None] * grid[None, :, None]
    return x_part.astype(np.float32), y_part.astype(np.float32)


def _linear_ramp(direction: np.ndarray, resolution: int, weight: np.ndarray | float = 1.0) -> np.ndarray:
    """``weight`` times a ramp [n, R, R] in [0, 1]: 0.5 at the centre, rising along ``direction``."""
    weight = np.broadcast_to(np.asarray(weight, np.float32), direction.shape)
    x_part, y_part = _directional(direction, resolution, weight * np.float32(0.5 / np.sqrt(2)))
    return (x_part + 0.5 * weight[:, None, None]) + y_part


def _background_mix(p: dict[str, np.ndarray], resolution: int) -> np.ndarray:
    """[n, R, R] in [0, 1]: how far the background is from colour bg1 towards bg2; a weighted
    blend of a linear gradient, sinusoidal stripes and smooth noise."""
    grid = pixel_grid(resolution)
    w_ramp, w_stripes, w_smooth = p["bg_weights"].T
    # w * (0.5 + 0.5 sin(a + b)) with a along x and b along y, expanded as
    # sin a cos b + cos a sin b so that sines are taken on [n, R] vectors only.
    a, b = _directional(p["stripe_direction"], resolution, p["stripe_frequency"])
    a = a + p["stripe_phase"][:, None, None]
    half = (0.5 * w_stripes)[:, None, None]
    mix = _linear_ramp(p["bg_direction"], resolution, w_ramp)
    mix += half
    mix += (half * np.sin(a)) * np.cos(b)
    mix += (half * np.cos(a)) * np.sin(b)
    # Smooth noise: bilinear interpolation of a coarse random grid, as two small matmuls.
    points = np.linspace(-1, 1, _NOISE_GRID, dtype=np.float32)
    hat = np.maximum(0, 1 - np.abs(grid[:, None] - points[None, :]) / (points[1] - points[0]))
    mix += hat @ (p["noise_grid"] * w_smooth[:, None, None]) @ hat.T
    return mix
