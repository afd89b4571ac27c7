"""Registration of the datasets, and the dataset recipes under gin/datasets/."""
import subprocess
import sys
from pathlib import Path

import gin
import pytest
import torch

from ganbench import config
from ganbench.interfaces import ImageDataset
from ganbench.plugins import get_registry

NAMES = ["shapes", "fashion_mnist", "cifar10", "image_folder"]
FRAGMENTS = Path(__file__).resolve().parents[2] / "gin" / "datasets"


@pytest.mark.parametrize("name", NAMES)
def test_dataset_is_registered_with_a_documented_factory(name):
    component = get_registry().get("datasets", name)
    assert component.plugin == "datasets" and component.summary
    factory = component.load()
    summary = factory.__doc__.strip().split("\n")[0]
    assert summary.endswith(")") or summary.endswith(".")


def test_loading_the_plugin_module_imports_no_torch():
    code = "import sys, ganbench_datasets.plugin; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _parse(name):
    config.parse([str(FRAGMENTS / name)])
    return gin.query_parameter("Experiment.dataset")


@pytest.mark.parametrize("name,resolution", [("shapes32.gin", 32), ("shapes16.gin", 16)])
def test_shapes_fragments_build_the_dataset(name, resolution):
    reference = _parse(name)
    assert reference.configurable.name == "shapes"
    assert gin.query_parameter("datasets.shapes.num_train") == 20000
    ds = reference.scoped_configurable_fn(split="test", num_test=30, cache=False)
    gin.clear_config()
    assert isinstance(ds, ImageDataset) and ds.images.shape == (30, 3, resolution, resolution)


@pytest.mark.parametrize("name,dataset,resolution", [
    ("fashion_mnist32.gin", "fashion_mnist", 32), ("cifar10.gin", "cifar10", 32),
    ("image_folder128.gin", "image_folder", 128)])
def test_file_dataset_fragments_bind_their_parameters(name, dataset, resolution):
    reference = _parse(name)
    assert reference.configurable.name == dataset
    assert gin.query_parameter(f"datasets.{dataset}.resolution") == resolution
    assert gin.query_parameter(f"datasets.{dataset}.root")
    gin.clear_config()


def test_image_folder_fragment_builds_from_an_overridden_root(tmp_path):
    from PIL import Image
    for i in range(3):
        Image.new("RGB", (150, 200), (i * 80, 0, 0)).save(tmp_path / f"{i}.png")
    config.parse([str(FRAGMENTS / "image_folder128.gin")],
                 [f"datasets.image_folder.root = '{tmp_path}'", "datasets.image_folder.test_fraction = 0.0"])
    ds = gin.query_parameter("Experiment.dataset").scoped_configurable_fn(cache=False)
    gin.clear_config()
    assert ds.images.shape == (3, 3, 128, 128) and ds.images.dtype == torch.uint8
