"""The example plugin ganbench-relativistic: its loss and metric values, and its registration
both in-process and through the installed distribution's entry point."""
from __future__ import annotations

import types
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from ganbench.plugins import Plugins


@pytest.fixture
def example(relativistic_site, monkeypatch):
    """The installed example package, importable in this process."""
    monkeypatch.syspath_prepend(str(relativistic_site))
    import ganbench_relativistic.losses as losses
    import ganbench_relativistic.metrics as metrics
    import ganbench_relativistic.plugin as plugin
    assert Path(plugin.__file__).is_relative_to(relativistic_site)   # the built copy, not the source
    return types.SimpleNamespace(losses=losses, metrics=metrics, plugin=plugin)


def test_relativistic_hinge_matches_hand_computed_values(example):
    # real r = [2, 0] (mean 1), fake f = [-1, 1] (mean 0), margin 1:
    # D: relu(1-(r-0)) = [0, 1] -> 0.5 ; relu(1+(f-1)) = [0, 1] -> 0.5          => 1.0
    # G: relu(1-(f-1)) = [3, 1] -> 2.0 ; relu(1+(r-0)) = [3, 1] -> 2.0          => 4.0
    loss = example.losses.RelativisticHinge()
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 1.0])
    assert loss.d_loss(real, fake).item() == pytest.approx(1.0)
    assert loss.g_loss(fake, real_logits=real).item() == pytest.approx(4.0)
    # margin 3: D: relu(3-[2,0]) = [1, 3] -> 2 ; relu(3+[-2,0]) = [1, 3] -> 2   => 4.0
    assert example.losses.RelativisticHinge(margin=3.0).d_loss(real, fake).item() == pytest.approx(4.0)


def test_relativistic_hinge_gradients_push_reals_above_average_fakes(example):
    loss = example.losses.RelativisticHinge()
    real = torch.tensor([0.0, 0.5], requires_grad=True)
    fake = torch.tensor([0.2, 0.1], requires_grad=True)
    loss.d_loss(real, fake).backward()
    # all four hinges active (batch n = 2): r_i enters its own hinge as -r_i/n and each of the
    # n fake hinges through -mean(r)/n, so dD/dr_i = -1/2 - 2 * (1/2 * 1/2) = -1; fakes: +1
    assert real.grad.tolist() == pytest.approx([-1.0, -1.0])
    assert fake.grad.tolist() == pytest.approx([1.0, 1.0])


def test_relativistic_hinge_refuses_missing_real_logits_and_bad_margin(example):
    loss = example.losses.RelativisticHinge()
    assert loss.uses_real_logits_for_g is True   # what makes the training loop pass real logits
    with pytest.raises(ValueError, match="needs the real logits"):
        loss.g_loss(torch.zeros(2))
    with pytest.raises(ValueError, match="margin must be > 0"):
        example.losses.RelativisticHinge(margin=0.0)


def test_nearest_neighbour_distances_match_scipy(example):
    gen = torch.Generator().manual_seed(0)
    queries = torch.randint(0, 256, (7, 3, 4, 4), dtype=torch.uint8, generator=gen)
    pool = torch.randint(0, 256, (11, 3, 4, 4), dtype=torch.uint8, generator=gen)
    ours = example.metrics.nearest_neighbour_distances(queries, pool, chunk=3).numpy()
    q = queries.reshape(7, -1).numpy() / 255.0
    p = pool.reshape(11, -1).numpy() / 255.0
    expected = cdist(q, p).min(axis=1) / np.sqrt(q.shape[1])
    np.testing.assert_allclose(ours, expected, rtol=1e-10)


def _context(fakes, train, reference):
    image = lambda rows: torch.tensor(rows, dtype=torch.uint8).reshape(len(rows), 1, 1, 2)
    return types.SimpleNamespace(samples=lambda n: (image(fakes)[:n], None), num_samples=len(fakes),
                                 train=types.SimpleNamespace(images=image(train)),
                                 reference=types.SimpleNamespace(images=image(reference)))


def test_nearest_neighbour_metric_on_hand_computed_images(example):
    # train {(0,0), (1,1)} on the 0..1 scale; the fake (0,1) is at RMS distance sqrt(1/2) from
    # both; the held-out real (0.2,0.2) is at RMS 0.2 from (0,0): ratio sqrt(1/2)/0.2 = 3.5355
    ctx = _context(fakes=[[0, 255]], train=[[0, 0], [255, 255]], reference=[[51, 51]])
    result = example.metrics.NearestNeighbourDistance()(ctx)
    assert result["nn_distance"] == pytest.approx(0.5 ** 0.5)
    assert result["nn_distance_ratio"] == pytest.approx(0.5 ** 0.5 / 0.2)


def test_nearest_neighbour_metric_flags_copied_training_images(example):
    ctx = _context(fakes=[[0, 0], [255, 255]], train=[[0, 0], [255, 255]], reference=[[51, 51]])
    assert example.metrics.NearestNeighbourDistance()(ctx) == {"nn_distance": 0.0, "nn_distance_ratio": 0.0}
    leaked = _context(fakes=[[0, 255]], train=[[0, 0]], reference=[[0, 0]])
    with pytest.raises(ValueError, match="held-out"):
        example.metrics.NearestNeighbourDistance()(leaked)


def test_plugin_module_registers_in_process_and_ships_its_gin_fragment(example):
    plugins = Plugins(strict=True)
    info = plugins.register(example.plugin, name="relativistic")
    assert info.components == ["losses.relativistic_hinge", "metrics.nearest_neighbour_distance"]
    loss = plugins.registry.get("losses", "relativistic_hinge").load()(margin=2.0)
    assert loss.margin == 2.0
    [gin_dir] = info.gin_paths
    fragment = Path(gin_dir) / "relativistic" / "rel_hinge.gin"
    assert "Experiment.loss = @losses.relativistic_hinge" in fragment.read_text()


def test_installed_distribution_loads_through_its_entry_point(example, clean_plugin_env):
    plugins = Plugins()
    plugins.load_entry_points()
    info = plugins.infos["relativistic"]
    assert (info.dist, info.version, info.builtin, info.errors) == ("ganbench-relativistic", "0.1.0", False, [])
    assert plugins.registry.get("metrics", "nearest_neighbour_distance").plugin == "relativistic"
    assert plugins.registry.get("losses", "relativistic_hinge").source == "ganbench-relativistic 0.1.0"
    # GANBENCH_LOAD_PLUGINS: empty = built-ins only; naming it loads it
    clean_plugin_env.setenv("GANBENCH_LOAD_PLUGINS", "")
    only_builtins = Plugins()
    only_builtins.load_entry_points()
    assert "relativistic" not in only_builtins.infos
    assert [i.name for i in only_builtins.skipped] == ["relativistic"]
    clean_plugin_env.setenv("GANBENCH_LOAD_PLUGINS", "relativistic")
    selected = Plugins()
    selected.load_entry_points()
    assert "relativistic_hinge" in selected.registry.names("losses")
