"""Training curves: the rebuilt wall clock (hand-computed), de-duplication, written figures."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from ganbench.report import curves


def test_wall_time_is_rebuilt_from_window_throughput():
    train = [{"step": 2, "images_seen": 16, "images_per_s": 8.0},    # 16 images at 8/s: 2 s
             {"step": 4, "images_seen": 32, "images_per_s": 4.0},    # 16 more at 4/s: +4 s
             {"step": 6, "images_seen": 80, "images_per_s": 12.0}]   # 48 more at 12/s: +4 s
    assert curves.train_wall_seconds(train) == [2.0, 6.0, 10.0]


def test_relogged_steps_keep_the_last_record():
    records = [{"step": 2, "d_loss": 1.0}, {"step": 4, "d_loss": 9.0},   # diverged after step 4
               {"step": 4, "d_loss": 2.0}, {"step": 6, "d_loss": 3.0}]   # restarted from step 2
    assert [r["d_loss"] for r in curves.last_per_step(records)] == [1.0, 2.0, 3.0]


def test_curves_of_the_toy_study(toy_study):
    seeds = curves.read_curves(toy_study)
    assert [c.cell_id for c in seeds] == ["conditional__g_lr-0.0001", "conditional__g_lr-0.0002",
                                          "single-label-co"]
    assert seeds[2].label == "single <label> & co"
    assert seeds[0].label == "conditional, g_lr=0.0001"
    for c in seeds:
        assert [r["step"] for r in c.train] == [2, 4] and [r["step"] for r in c.evals] == [2, 4]
        # the clock rebuilt from throughput agrees with the loop's own train_seconds
        for train, evaluation in zip(c.train, c.evals):
            assert train["wall_seconds"] == pytest.approx(evaluation["train_seconds"], rel=0.05, abs=0.05)
    assert curves.eval_metrics(seeds) == ["swd_16", "swd_avg"]


def test_write_curves_makes_png_and_pdf_per_quantity(study_copy):
    paths = curves.write_curves(study_copy)
    names = sorted(p.name for p in paths)
    probe = ("d_logit_heldout", "d_logit_train", "d_sign_gap", "d_sign_heldout", "d_sign_train")
    assert names == sorted(f"{q}.{ext}" for q in ("d_loss", "g_loss", "swd_16", "swd_avg", *probe)
                           for ext in ("png", "pdf"))
    for path in paths:
        assert path.parent == study_copy / "curves"
        data = path.read_bytes()
        if path.suffix == ".pdf":
            assert data.startswith(b"%PDF")
        else:
            assert Image.open(io.BytesIO(data)).size == (1500, 540)   # 10 x 3.6 in at 150 dpi


def test_left_panel_is_images_seen_and_right_panel_wall_time(toy_study):
    seeds = curves.read_curves(toy_study)
    fig = curves.curve_figure(seeds, "swd_avg", "evals")
    by_images, by_time = fig.axes
    assert by_images.get_xlabel() == "training images seen"
    first = seeds[0].evals
    assert list(by_images.lines[0].get_xdata()) == [r["images_seen"] for r in first]
    assert list(by_time.lines[0].get_xdata()) == [r["train_seconds"] for r in first]
    assert list(by_images.lines[0].get_ydata()) == [r["swd_avg"] for r in first]


def _seed(cell, seed, seen, values, **axes):
    train = [{"step": i + 1, "images_seen": n, "ada_p": v} for i, (n, v) in enumerate(zip(seen, values))]
    return curves.SeedCurves(cell, f"{cell}", seed, train, axis_values=axes)


def test_training_curve_plot_is_the_median_over_seeds_of_the_matching_cells(monkeypatch, tmp_path):
    runs = [_seed("ada-100", 0, [32, 64, 96], [0.0, 0.1, 0.3], images=100),
            _seed("ada-100", 1, [32, 64, 96], [0.0, 0.2, 0.2], images=100),
            _seed("ada-100", 2, [32, 64], [0.1, 0.6], images=100),          # stopped early: 96 left out
            _seed("ada-500", 0, [32, 64, 96], [0.5, 0.5, 0.5], images=500)]
    fig = curves.median_curve_figure(runs, {"value": "ada_p", "where": {"images": 100}})
    (line,) = fig.axes[0].get_lines()
    assert list(line.get_xdata()) == [32, 64]
    assert list(line.get_ydata()) == [0.0, 0.2]                            # medians of 3 seeds
    assert line.get_label() == "ada-100"
    monkeypatch.setattr(curves, "read_curves", lambda study_dir: runs)
    info = {"plots": [{"kind": "training_curve", "value": "ada_p", "file": "ada_p_all"},
                      {"metric": "fid", "axis": "images"}]}
    (stem, fig), = curves.curve_plot_figures(tmp_path, info)
    assert stem == "ada_p_all" and len(fig.axes[0].get_lines()) == 2       # no `where`: both cells
