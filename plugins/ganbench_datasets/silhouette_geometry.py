"""Signed distance functions of the `silhouettes` classes: ten garment and accessory outlines.

Why a second class set: in `shapes` a class is a small outline on a class-independent background,
so most of what varies between images (pose, colours, background) says nothing about the class,
and at small budgets a conditional GAN gains nothing from labels. Here, as in Fashion-MNIST, the
class fixes the global layout of a large object (two legs, long sleeves, a handle, a heel), so
the class explains much of each image; close pairs (t-shirt / shirt, pullover / coat / shirt,
sneaker / ankle boot / sandal) keep clustering imperfect.

Same conventions as ``shape_geometry``: unit frame with x to the right and **y downwards** (the
image frame), the object fits in [-0.95, 0.95]^2, two per-image parameters ``a`` and ``b`` in
[0, 1] mapped to each class's range by ``ShapeClass``. Parts are combined with min (union) and
max(d, -d2) (cut).
"""
from __future__ import annotations

import numpy as np

from .shape_geometry import ShapeClass, _col, box_sdf, polygon_sdf

Array = np.ndarray


def _box(x: Array, y: Array, x0, x1, y0, y1) -> Array:
    """Axis-aligned box [x0, x1] x [y0, y1]; bounds are floats or per-image arrays [n]."""
    x0, x1, y0, y1 = (_col(np.broadcast_to(np.float32(v), x.shape[:1])) for v in (x0, x1, y0, y1))
    return box_sdf(x - (x0 + x1) / 2, y - (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2)


def _polygon(x: Array, y: Array, n: int, points: list[tuple]) -> Array:
    """Polygon from (x, y) vertices whose coordinates are floats or per-image arrays [n]."""
    vx = np.stack([np.broadcast_to(np.float32(px), (n,)) for px, _ in points], axis=1)
    vy = np.stack([np.broadcast_to(np.float32(py), (n,)) for _, py in points], axis=1)
    return polygon_sdf(x, y, vx, vy)


def _mirrored(x: Array, y: Array, n: int, points: list[tuple]) -> Array:
    """A polygon given for the right half (x >= 0) and its mirror image: both sleeves at once.
    A part that spans the middle must reach past x = 0 (e.g. to -0.1), or its edge there would
    draw a seam down the middle."""
    return _polygon(np.abs(x), y, n, points)


def _neck(x: Array, y: Array, depth: float) -> Array:
    """The V of a collar cut into the top edge at y = -0.68."""
    return _mirrored(x, y, x.shape[0], [(-0.1, -0.9), (0.2, -0.9), (0.2, -0.68), (0.0, -0.68 + depth),
                                        (-0.1, -0.68 + depth)])


def _top(x: Array, y: Array, torso: tuple, sleeve: list[tuple], neck_depth: float) -> Array:
    """The shared layout of the tops: a torso box (x0, x1, y0, y1), two sleeves (the right one's
    polygon, mirrored) and a V collar ``neck_depth`` deep."""
    body = np.minimum(_box(x, y, *torso), _mirrored(x, y, x.shape[0], sleeve))
    return np.maximum(body, -_neck(x, y, neck_depth))


def tshirt(x, y, sleeve, b):
    """Torso and short sleeves; ``sleeve`` = how far down the sleeve's cuff reaches."""
    return _top(x, y, (-0.45, 0.45, -0.68, 0.85), [(0.4, -0.68), (0.62, -0.62), (0.92, -0.3 + sleeve),
                                                   (0.72, -0.12 + sleeve), (0.42, -0.3)], 0.12)


def trouser(x, y, gap, flare):
    """Waistband and two legs separated by a gap below the crotch; legs widen by ``flare``."""
    n = len(gap)
    waist = _box(x, y, -0.42, 0.42, -0.92, -0.55)
    legs = _mirrored(x, y, n, [(gap, -0.55), (0.42, -0.55), (0.42 + flare, 0.92), (gap + 0.02, 0.92)])
    return np.minimum(waist, legs)


def pullover(x, y, cuff, b):
    """Torso with long sleeves hanging down along it; ``cuff`` = the sleeve's lowest point."""
    return _top(x, y, (-0.45, 0.45, -0.68, 0.8), [(0.4, -0.68), (0.66, -0.6), (0.92, cuff),
                                                  (0.66, cuff + 0.08), (0.45, -0.2)], 0.1)


def dress(x, y, hem, waist):
    """Narrow bodice widening into a skirt whose hem half-width is ``hem``."""
    n = len(hem)
    return _mirrored(x, y, n, [(-0.1, -0.92), (0.22, -0.92), (waist, -0.25), (hem, 0.92), (-0.1, 0.92)])


def coat(x, y, cuff, b):
    """A long pullover with a deep collar and a front opening down the middle."""
    body = _top(x, y, (-0.48, 0.48, -0.7, 0.92), [(0.42, -0.7), (0.68, -0.62), (0.94, cuff),
                                                  (0.68, cuff + 0.08), (0.48, -0.2)], 0.4)
    return np.maximum(body, -_box(x, y, -0.035, 0.035, -0.3, 0.95))   # the front opening


def sandal(x, y, strap_top, b):
    """A thin sole, a heel block and three straps reaching up to ``strap_top``."""
    n = len(strap_top)
    sole = _box(x, y, -0.92, 0.92, 0.38, 0.52)
    heel = _box(x, y, -0.92, -0.62, 0.2, 0.52)
    top = strap_top   # the first strap's top; the other two and the band step down from it
    straps = np.minimum(_box(x, y, -0.55, -0.43, top, 0.4), _box(x, y, -0.06, 0.06, top + 0.1, 0.4))
    straps = np.minimum(straps, _box(x, y, 0.43, 0.55, top + 0.2, 0.4))
    band = _polygon(x, y, n, [(-0.55, top), (0.55, top + 0.2), (0.55, top + 0.32), (-0.55, top + 0.12)])
    return np.minimum(np.minimum(sole, heel), np.minimum(straps, band))


def shirt(x, y, sleeve, b):
    """Like the t-shirt, with sleeves to the elbow and a deeper collar."""
    return _top(x, y, (-0.45, 0.45, -0.68, 0.88), [(0.4, -0.68), (0.64, -0.6), (0.92, sleeve),
                                                   (0.7, sleeve + 0.12), (0.44, -0.25)], 0.28)


def sneaker(x, y, collar, b):
    """Side view of a low shoe: heel at the left, rounded toe at the right, collar at ``collar``."""
    n = len(collar)
    upper = _polygon(x, y, n, [(-0.92, 0.55), (0.9, 0.55), (0.92, 0.3), (0.4, 0.05), (0.0, -0.02),
                               (-0.3, collar), (-0.9, collar)])
    return np.minimum(upper, np.hypot(x - 0.72, y - 0.36) - 0.2)


def bag(x, y, width, handle):
    """A box of half-width ``width`` with an arched handle of radius ``handle`` on top."""
    body = _box(x, y, -width, width, -0.2, 0.85)
    arch = np.abs(np.hypot(x, y + 0.2) - _col(handle)) - 0.07
    return np.minimum(body, np.maximum(arch, y + 0.2))


def ankle_boot(x, y, shaft, b):
    """Side view of a boot: a tall shaft up to ``shaft`` at the left, the foot to the right."""
    n = len(shaft)
    return _polygon(x, y, n, [(-0.75, shaft), (-0.1, shaft), (0.0, 0.08), (0.75, 0.25), (0.92, 0.45),
                              (0.92, 0.62), (-0.75, 0.62)])


# Order = label ids (the Fashion-MNIST order for the classes it shares, so confusions read alike).
CLASSES = (
    ShapeClass("tshirt", tshirt, (0.0, 0.12)),
    ShapeClass("trouser", trouser, (0.05, 0.1), (0.0, 0.08)),
    ShapeClass("pullover", pullover, (0.55, 0.75)),
    ShapeClass("dress", dress, (0.55, 0.8), (0.2, 0.3)),
    ShapeClass("coat", coat, (0.65, 0.85)),
    ShapeClass("sandal", sandal, (-0.2, 0.05)),
    ShapeClass("shirt", shirt, (0.05, 0.25)),
    ShapeClass("sneaker", sneaker, (-0.35, -0.15)),
    ShapeClass("bag", bag, (0.6, 0.8), (0.3, 0.45)),
    ShapeClass("ankle_boot", ankle_boot, (-0.9, -0.6)),
)
CLASS_NAMES = [c.name for c in CLASSES]
