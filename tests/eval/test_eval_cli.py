"""`ganbench eval A B`: image sources (folder, .npz, dataset split) and the A-vs-B roles."""
import json

import numpy as np
import pytest
import torch

from ganbench import cli
from ganbench.evaluate.sources import load, metric_for
from ganbench.hookspecs import hookimpl
from ganbench.plugins import get_plugins


def mean_gap():
    """Test metric: mean pixel of the evaluated set minus mean pixel of the reference."""
    def metric(ctx):
        images, _ = ctx.samples(ctx.num_samples)
        return {"mean_gap": images.float().mean().item() - ctx.reference.images.float().mean().item()}
    return metric


class GapPlugin:
    @hookimpl
    def register_metrics(self, register):
        register("mean_gap_for_test", mean_gap)


@pytest.fixture
def gap_metric():
    plugins = get_plugins()
    plugins.register(GapPlugin(), name="test_gap_metric")
    yield
    plugins.unregister("test_gap_metric")


def write_npz(path, value, layout="nhwc"):
    images = np.full((6, 8, 8, 3), value, dtype=np.uint8)
    np.savez(path, images=images if layout == "nhwc" else images.transpose(0, 3, 1, 2))
    return path


def test_a_is_evaluated_against_reference_b(tmp_path, gap_metric, capsys):
    a = write_npz(tmp_path / "a.npz", 200)
    b = write_npz(tmp_path / "b.npz", 50, layout="nchw")
    assert cli.main(["eval", str(a), str(b), "--metric", "mean_gap_for_test", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"mean_gap": 150.0}


def test_folder_source_and_its_errors(tmp_path):
    from PIL import Image
    folder = tmp_path / "imgs"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(np.full((8, 8, 3), 10 * i, dtype=np.uint8)).save(folder / f"{i}.png")
    images = load(str(folder), 10).images
    assert images.shape == (3, 3, 8, 8) and images[2].float().mean().item() == 20.0
    Image.fromarray(np.zeros((4, 4, 3), dtype=np.uint8)).save(folder / "small.png")
    with pytest.raises(ValueError, match="resize"):
        load(str(folder), 10)
    with pytest.raises(FileNotFoundError, match="dataset split"):
        load(str(tmp_path / "missing.npz.nope"), 10)


def test_dataset_split_source_keeps_labels_and_train_split():
    from ganbench import config
    config.parse([], ["datasets.shapes.num_train = 20", "datasets.shapes.num_test = 10",
                      "datasets.shapes.resolution = 8"])
    data = load("shapes:test", 10)
    assert data.images.shape == (10, 3, 8, 8) and data.labels.shape == (10,)
    assert data.source_dataset.split == "train" and len(data.source_dataset.images) == 20


def test_domain_variants_are_chosen_by_extractor():
    names = ["fid", "fid_domain", "is_domain", "kid", "kid_domain"]
    assert metric_for("fid", "domain_classifier", names) == "fid_domain"
    assert metric_for("inception_score", "domain_classifier", names) == "is_domain"
    assert metric_for("fid", None, names) == "fid"
    with pytest.raises(ValueError, match="no domain-classifier variant"):
        metric_for("swd", "domain_classifier", names)
