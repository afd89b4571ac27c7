"""Rows that do not vary along the plotted axis (Single label, Clustering) are horizontal lines,
like the reference row, instead of being left out."""
from ganbench.report.plots import metric_vs_axis
from ganbench.results import CellSummary


def cell(variant, value, **axes):
    return CellSummary(f"{variant}-{axes}", variant, dict(axes), 1, seeds_done=1, values={"fid_domain": [value]})


def test_rows_without_the_axis_are_horizontal_lines():
    info = {"axes": {"fraction": [0.05, 0.1, 0.2]}, "variants": ["BigGAN (100%)", "S2GAN", "Single label", "Clustering"]}
    summaries = [cell("BigGAN (100%)", 10.0), cell("Single label", 30.0), cell("Clustering", 25.0)]
    summaries += [cell("S2GAN", v, fraction=f) for f, v in ((0.05, 20.0), (0.1, 15.0), (0.2, 12.0))]
    fig = metric_vs_axis(info, summaries, {"metric": "fid_domain", "axis": "fraction", "reference": "BigGAN (100%)"})
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert set(lines) == {"BigGAN (100%) (all labels)", "S2GAN", "Single label", "Clustering"}
    for label, value in (("Single label", 30.0), ("Clustering", 25.0), ("BigGAN (100%) (all labels)", 10.0)):
        assert set(lines[label].get_ydata()) == {value}
    assert list(lines["Single label"].get_xdata()) == [0.05, 0.1, 0.2]
    assert lines["Single label"].get_color() != lines["Clustering"].get_color()
    assert list(lines["S2GAN"].get_ydata()) == [20.0, 15.0, 12.0]


def test_plot_spec_sets_the_x_scale():
    info = {"axes": {"images": [100, 500, 10000]}, "variants": ["baseline"]}
    summaries = [cell("baseline", v, images=n) for n, v in ((100, 50.0), (500, 25.0), (10000, 19.0))]
    spec = {"metric": "fid_domain", "axis": "images"}
    assert metric_vs_axis(info, summaries, spec).axes[0].get_xscale() == "linear"
    assert metric_vs_axis(info, summaries, {**spec, "xscale": "log"}).axes[0].get_xscale() == "log"
