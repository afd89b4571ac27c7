"""The plugin registers every component under its documented name, and each factory loads."""

import pytest

from ganbench.plugins import Plugins

LABELERS = ["clustering", "full", "random", "s2gan", "s2gan_co", "single", "subset"]


@pytest.fixture(scope="module")
def registry():
    plugins = Plugins()
    plugins.load_entry_points()
    info = plugins.infos["label_efficiency"]
    assert not info.errors, info.errors
    return plugins.registry


def test_plugin_module_imports_no_torch_of_its_own():
    import importlib
    source = importlib.util.find_spec("ganbench_label_efficiency.plugin").origin
    text = open(source).read()
    assert "import torch" not in text and "from torch" not in text


def test_components_are_registered_and_load(registry):
    names = {c.name for c in registry.components("labelers") if c.plugin == "label_efficiency"}
    assert names == set(LABELERS)
    assert registry.get("regularizers", "rotation_ss").plugin == "label_efficiency"
    for kind, name in [("labelers", n) for n in LABELERS] + [("regularizers", "rotation_ss")]:
        factory = registry.get(kind, name).load()
        summary = (factory.__doc__ or "").strip().split("\n")[0]
        assert summary, f"{kind}.{name} needs a docstring summary"
        component = factory()
        assert hasattr(component, "setup") and hasattr(component, "d_term") and hasattr(component, "g_term")
        if kind == "labelers":
            assert all(hasattr(component, m) for m in ("prepare", "train_index", "real_labels",
                                                       "sample_fake_labels", "predict", "describe"))
