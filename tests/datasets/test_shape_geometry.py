"""The shapes' geometry: distance functions against exact ones, mask areas against the
closed-form areas of each class's shape, and the pose (centre, scale, rotation)."""
import math

import numpy as np
import pytest

from ganbench_datasets import shape_geometry as g

RES = 256          # fine grid: the 1-pixel anti-aliasing ramp makes area errors ~1e-4
SCALE = 0.9        # shape frame unit in image coordinates ([-1, 1] across the image)


def area_of(sdf, *params):
    """Area (in shape units) of {sdf < 0}, from the anti-aliased coverage of one centred shape."""
    a, b = (np.array([p], np.float32) for p in (params + (0.0, 0.0))[:2])
    grid = g.pixel_grid(RES) / SCALE
    x, y = np.broadcast_to(grid[None, None, :], (1, RES, RES)), np.broadcast_to(grid[None, :, None], (1, RES, RES))
    coverage = np.clip(0.5 - sdf(x, y, a, b) * SCALE * RES / 2, 0, 1)
    pixel_area = (2 / RES / SCALE) ** 2
    return float(coverage.sum()) * pixel_area


def lens_area(r1, r2, d):
    """Area of the intersection of two discs (radii r1, r2, centres d apart; partial overlap)."""
    a1 = r1 ** 2 * math.acos((d * d + r1 * r1 - r2 * r2) / (2 * d * r1))
    a2 = r2 ** 2 * math.acos((d * d + r2 * r2 - r1 * r1) / (2 * d * r2))
    return a1 + a2 - 0.5 * math.sqrt((-d + r1 + r2) * (d + r1 - r2) * (d - r1 + r2) * (d + r1 + r2))


EXPECTED_AREAS = [
    ("square", g.square, (), 1.44 ** 2),
    ("rounded_square", g.rounded_square, (0.4,), 1.5 ** 2 - (4 - math.pi) * 0.3 ** 2),
    ("circle", g.circle, (), math.pi * 0.82 ** 2),
    ("ellipse", g.ellipse, (0.6,), math.pi * 0.95 * 0.57),
    ("ring", g.ring, (0.5,), math.pi * (0.88 ** 2 - 0.44 ** 2)),
    ("triangle", g.triangle, (), 3 * math.sqrt(3) / 4),
    ("arrowhead", g.arrowhead, (0.4,), 3 * math.sqrt(3) / 4 - math.sqrt(3) / 2 * 0.4),
    ("plus", g.plus, (0.3,), 2 * (1.84 * 0.6) - 0.6 ** 2),
    ("star", g.star, (0.45,), 5 * 0.45 * math.sin(math.radians(36))),
    ("crescent", g.crescent, (0.8, 0.5), math.pi * 0.85 ** 2 - lens_area(0.85, 0.68, 0.425)),
]


@pytest.mark.parametrize("name,sdf,params,expected", EXPECTED_AREAS, ids=[e[0] for e in EXPECTED_AREAS])
def test_each_class_mask_has_the_closed_form_area(name, sdf, params, expected):
    assert area_of(sdf, *params) == pytest.approx(expected, rel=2e-3)


def test_polygon_distance_equals_the_exact_box_distance():
    rng = np.random.default_rng(0)
    x, y = (rng.uniform(-2, 2, (1, 50, 50)).astype(np.float32) for _ in range(2))
    vx = np.array([[0.7, -0.7, -0.7, 0.7]], np.float32)       # a 1.4 x 1.4 square, either winding
    vy = np.array([[0.7, 0.7, -0.7, -0.7]], np.float32)
    expected = g.box_sdf(x, y, 0.7, 0.7)
    np.testing.assert_allclose(g.polygon_sdf(x, y, vx, vy), expected, atol=1e-5)
    np.testing.assert_allclose(g.polygon_sdf(x, y, vx[:, ::-1], vy[:, ::-1]), expected, atol=1e-5)


def test_concave_polygon_inside_test():
    # arrowhead with notch 0.5: the notch apex is at (0, 0); just below it is outside the shape,
    # just above it inside; a point beside the notch, in a barb, is inside.
    pts = np.array([[[0.0, -0.1, 0.5]]], np.float32), np.array([[[-0.1, 0.1, 0.0]]], np.float32)
    d = g.arrowhead(pts[0], pts[1], np.array([0.5], np.float32), None)[0, 0]
    assert d[0] == pytest.approx(0.1 * math.cos(math.atan(0.5 / (math.sqrt(3) / 2))), abs=1e-5)
    assert d[1] < 0 and d[2] < 0


def _render(label, angle=0.0, cx=0.0, cy=0.0, scale=0.5, a=0.5, b=0.5, res=64):
    arr = lambda v: np.array([v], np.float32)  # noqa: E731
    return g.render_coverage(np.array([label]), arr(a), arr(b), arr(cx), arr(cy), arr(scale), arr(angle), res)[0]


def test_pose_centre_and_scale():
    circle = g.CLASS_NAMES.index("circle")
    cov = _render(circle, cx=0.25, cy=-0.5, scale=0.4, res=128)
    rows, cols = np.indices(cov.shape)
    centre_x = (cov * (cols + 0.5)).sum() / cov.sum() / 128 * 2 - 1
    centre_y = (cov * (rows + 0.5)).sum() / cov.sum() / 128 * 2 - 1
    assert (centre_x, centre_y) == (pytest.approx(0.25, abs=1e-3), pytest.approx(-0.5, abs=1e-3))
    radius_px = 0.82 * 0.4 * 64
    assert cov.sum() == pytest.approx(math.pi * radius_px ** 2, rel=5e-3)


def test_rotation_turns_the_shape_and_keeps_its_area():
    ellipse = g.CLASS_NAMES.index("ellipse")
    flat = _render(ellipse)
    turned = _render(ellipse, angle=math.pi / 2)
    np.testing.assert_allclose(turned, flat.T, atol=1e-4)      # a quarter turn swaps the axes
    square = g.CLASS_NAMES.index("square")
    upright, diamond = _render(square, scale=0.4), _render(square, scale=0.4, angle=math.pi / 4)
    assert diamond.sum() == pytest.approx(upright.sum(), rel=0.02)   # corners lose a little
    width = lambda c: (c.max(axis=0) > 0.5).sum()  # noqa: E731
    assert width(diamond) / width(upright) == pytest.approx(math.sqrt(2), rel=0.05)


def test_parameter_ranges_keep_close_classes_apart():
    by_name = {c.name: c for c in g.CLASSES}
    assert max(by_name["ellipse"].a_range) < 0.8           # never round enough to be a circle
    assert 0 < min(by_name["ring"].a_range) and max(by_name["ring"].a_range) < 0.7   # a visible hole
    assert min(by_name["arrowhead"].a_range) >= 0.25       # a notch that survives 16x16
    assert min(by_name["rounded_square"].a_range) >= 0.3
    assert len(g.CLASS_NAMES) == len(set(g.CLASS_NAMES)) >= 10
