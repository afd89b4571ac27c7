"""Signed distance functions of the `shapes` classes, and rendering them as anti-aliased masks.

Every shape lives in its own unit frame (it fits in a circle of radius about 1) and is placed in
the image by a pose (centre, scale, rotation). A signed distance d (negative inside) turns into
pixel coverage ``clip(0.5 - d_pixels, 0, 1)``: a one-pixel linear ramp across the edge, which
anti-aliases as well as 4x4 supersampling at a fraction of the cost. Everything is vectorised
over images: coordinates are float32 arrays [n, H, W], per-image parameters are arrays [n].

Each class takes two shape parameters in [0, 1] (``a`` and ``b``); ``ShapeClass`` maps them to
the geometric ranges that keep the class recognisable (e.g. an ellipse never gets round enough
to pass for a circle, a ring's hole never closes).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

Array = np.ndarray


def _col(values: Array) -> Array:
    """[n] -> [n, 1, 1] so per-image parameters broadcast over pixels."""
    return np.asarray(values, dtype=np.float32)[:, None, None]


def box_sdf(x: Array, y: Array, half_w: Array | float, half_h: Array | float) -> Array:
    qx = np.abs(x) - half_w
    qy = np.abs(y) - half_h
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    return outside + np.minimum(np.maximum(qx, qy), 0)


def polygon_sdf(x: Array, y: Array, vx: Array, vy: Array) -> Array:
    """Exact signed distance to a simple (possibly concave) polygon with vertices [n, V]:
    distance to the nearest edge, negative where a ray to +x crosses an odd number of edges."""
    dist2 = np.full(x.shape, np.inf, dtype=np.float32)
    inside = np.zeros(x.shape, dtype=bool)
    for i in range(vx.shape[1]):
        ax, ay = _col(vx[:, i]), _col(vy[:, i])
        ex, ey = _col(vx[:, i - 1]) - ax, _col(vy[:, i - 1]) - ay
        wx, wy = x - ax, y - ay
        t = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0, 1)
        dx, dy = wx - ex * t, wy - ey * t
        np.minimum(dist2, dx * dx + dy * dy, out=dist2)
        above, below_next, left = y >= ay, y < ay + ey, ex * wy > ey * wx
        inside ^= (above & below_next & left) | ~(above | below_next | left)
    return np.where(inside, -1, 1).astype(np.float32) * np.sqrt(dist2)


def _regular_vertices(n: int, radii: list[Array | float]) -> tuple[Array, Array]:
    """Vertices [n, V] at equal angles starting at +y, cycling through ``radii``."""
    count = len(radii)
    angles = np.pi / 2 + 2 * np.pi * np.arange(count) / count
    r = np.stack([np.broadcast_to(np.asarray(v, np.float32), (n,)) for v in radii], axis=1)
    return (r * np.cos(angles)).astype(np.float32), (r * np.sin(angles)).astype(np.float32)


# --- the classes' distance functions: (x, y, a, b) with a, b already in geometric units -------
def square(x, y, a, b):
    return box_sdf(x, y, 0.72, 0.72)


def rounded_square(x, y, corner, b):
    """Half-size 0.75; ``corner`` = corner radius as a fraction of the half-size."""
    r = _col(corner) * 0.75
    return box_sdf(x, y, 0.75 - r, 0.75 - r) - r


def circle(x, y, a, b):
    return np.hypot(x, y) - 0.82


def ellipse(x, y, aspect, b):
    """Semi-axes 0.95 and 0.95 * aspect. First-order distance (value / gradient norm), exact on
    the boundary, which is all an anti-aliased edge needs."""
    ry = 0.95 * _col(aspect)
    k0 = np.hypot(x / 0.95, y / ry)
    k1 = np.hypot(x / 0.95 ** 2, y / ry ** 2)
    return k0 * (k0 - 1) / np.maximum(k1, 1e-6)


def ring(x, y, inner, b):
    """Outer radius 0.88; ``inner`` = hole radius as a fraction of the outer radius."""
    ri = 0.88 * _col(inner)
    return np.abs(np.hypot(x, y) - (0.88 + ri) / 2) - (0.88 - ri) / 2


def triangle(x, y, a, b):
    vx, vy = _regular_vertices(len(a), [1.0, 1.0, 1.0])
    return polygon_sdf(x, y, vx, vy)


def arrowhead(x, y, notch, b):
    """The triangle with a notch cut into its back edge; the notch apex sits ``notch`` above it."""
    n = len(notch)
    tip, back = np.ones(n, np.float32), np.full(n, -0.5, np.float32)
    half = np.full(n, math.sqrt(3) / 2, np.float32)
    vx = np.stack([0 * tip, -half, 0 * tip, half], axis=1)
    vy = np.stack([tip, back, back + notch, back], axis=1)
    return polygon_sdf(x, y, vx, vy)


def plus(x, y, half_thickness, b):
    t = _col(half_thickness)
    return np.minimum(box_sdf(x, y, 0.92, t), box_sdf(x, y, t, 0.92))


def star(x, y, inner, b):
    """Five points at radius 1; the inner vertices at radius ``inner``."""
    vx, vy = _regular_vertices(len(inner), [1.0, inner] * 5)
    return polygon_sdf(x, y, vx, vy)


def crescent(x, y, bite, offset):
    """A disc of radius 0.85 minus a disc of radius ``bite * 0.85`` shifted by ``offset * 0.85``."""
    d_disc = np.hypot(x, y) - 0.85
    d_bite = np.hypot(x - _col(offset) * 0.85, y) - _col(bite) * 0.85
    return np.maximum(d_disc, -d_bite)


@dataclass(frozen=True)
class ShapeClass:
    name: str
    sdf: Callable[..., Array]
    a_range: tuple[float, float] = (0.0, 0.0)   # where uniform a in [0, 1] is mapped
    b_range: tuple[float, float] = (0.0, 0.0)

    def params(self, a: Array, b: Array) -> tuple[Array, Array]:
        lerp = lambda u, lo_hi: (lo_hi[0] + (lo_hi[1] - lo_hi[0]) * u).astype(np.float32)  # noqa: E731
        return lerp(a, self.a_range), lerp(b, self.b_range)


# Order = label ids. Close pairs: square/rounded_square, circle/ellipse, circle/ring,
# circle/crescent, triangle/arrowhead, plus/star.
CLASSES = (
    ShapeClass("square", square),
    ShapeClass("rounded_square", rounded_square, (0.35, 0.6)),
    ShapeClass("circle", circle),
    ShapeClass("ellipse", ellipse, (0.5, 0.72)),
    ShapeClass("ring", ring, (0.45, 0.62)),
    ShapeClass("triangle", triangle),
    ShapeClass("arrowhead", arrowhead, (0.3, 0.55)),
    ShapeClass("plus", plus, (0.24, 0.34)),
    ShapeClass("star", star, (0.4, 0.5)),
    ShapeClass("crescent", crescent, (0.75, 0.9), (0.45, 0.65)),
)
CLASS_NAMES = [c.name for c in CLASSES]


def pixel_grid(resolution: int) -> Array:
    """Pixel-centre coordinates in [-1, 1] (image frame: x to the right, y downwards)."""
    return ((np.arange(resolution, dtype=np.float32) + 0.5) / resolution * 2 - 1)


def render_coverage(labels: Array, a: Array, b: Array, cx: Array, cy: Array, scale: Array,
                    angle: Array, resolution: int, classes: tuple[ShapeClass, ...] = CLASSES) -> Array:
    """Anti-aliased coverage masks float32 [n, H, W] in [0, 1].

    ``a``/``b`` are uniform [0, 1] shape parameters (mapped per class), ``cx``/``cy`` the centre
    in image coordinates [-1, 1], ``scale`` the shape frame's unit in those coordinates, ``angle``
    the rotation in radians. ``classes`` maps label ids to shapes (``CLASSES`` of this module,
    or another set such as ``silhouette_geometry.CLASSES``).
    """
    grid = pixel_grid(resolution)
    gx, gy = grid[None, None, :], grid[None, :, None]
    out = np.empty((len(labels), resolution, resolution), dtype=np.float32)
    for k, cls in enumerate(classes):
        idx = np.flatnonzero(labels == k)
        if len(idx) == 0:
            continue
        cos, sin, s = _col(np.cos(angle[idx])), _col(np.sin(angle[idx])), _col(scale[idx])
        dx, dy = gx - _col(cx[idx]), gy - _col(cy[idx])
        x, y = (cos * dx + sin * dy) / s, (cos * dy - sin * dx) / s
        distance = cls.sdf(x, y, *cls.params(a[idx], b[idx]))
        pixels_per_unit = s * (resolution / 2)
        out[idx] = np.clip(0.5 - distance * pixels_per_unit, 0, 1)
    return out
