"""The model recipes under gin/models/ parse, bind real parameters, and build their models."""
from pathlib import Path

import gin
import pytest
import torch

from ganbench import config

MODELS = Path(__file__).resolve().parents[2] / "gin" / "models"
OURS = sorted(p for p in MODELS.glob("*.gin") if not p.name.startswith("pggan"))   # PGGAN's: tests/pggan/


def _parse(path):
    config.parse([str(path)])
    return lambda name: gin.query_parameter(name)


def test_every_architecture_has_a_32_and_a_128_fragment():
    names = {p.stem for p in OURS}
    for arch in ("dcgan", "sndcgan", "resnet_cifar", "sagan", "biggan", "biggan_deep"):
        assert {f"{arch}32", f"{arch}128"} <= names


@pytest.mark.parametrize("path", OURS, ids=lambda p: p.name)
def test_fragment_builds_its_architecture(path):
    query = _parse(path)
    architecture = query("Experiment.architecture")
    resolution = 128 if path.stem.endswith("128") else 32
    assert path.stem.startswith(architecture.configurable.name)
    with torch.device("meta"):        # shapes only: full-size models without memory or init cost
        G, D = architecture.scoped_configurable_fn(resolution=resolution, channels=3, num_classes=10)
    x = torch.empty(2, 3, resolution, resolution, device="meta")
    assert G(torch.empty(2, G.z_dim, device="meta"), torch.zeros(2, dtype=torch.long, device="meta")).shape == x.shape
    assert D(x, torch.zeros(2, dtype=torch.long, device="meta")).shape == (2,)
    gin.clear_config()


def test_biggan128_is_the_published_configuration():
    query = _parse(MODELS / "biggan128.gin")
    assert query("Experiment.batch_size") == 2048
    assert query("Experiment.loss").configurable.name == "hinge"
    assert (query("Experiment.g_lr"), query("Experiment.d_lr")) == (1e-4, 5e-4)
    assert query("Experiment.d_steps") == 2
    assert tuple(query("Experiment.g_betas")) == tuple(query("Experiment.d_betas")) == (0.0, 0.999)
    assert query("Experiment.ema_decay") == 0.9999
    g_norms = [r.configurable.name for r in query("architectures.biggan.g_normalizers")]
    d_norms = [r.configurable.name for r in query("architectures.biggan.d_normalizers")]
    assert "spectral_norm" in g_norms and "spectral_norm" in d_norms
    with torch.device("meta"):
        G, D = query("Experiment.architecture").scoped_configurable_fn(
            resolution=128, channels=3, num_classes=1000)
    count = lambda m: sum(p.numel() for p in m.parameters())
    assert round(count(G) / 1e6, 1) == 70.4 and round(count(D) / 1e6, 1) == 88.0
    gin.clear_config()
