"""The augment plugin registers its components, importable and documented, without torch."""
import subprocess
import sys

import pytest

from ganbench.plugins import get_registry
from ganbench_augment import plugin

TABLES = {"augmentations": plugin.AUGMENTATIONS, "regularizers": plugin.REGULARIZERS}


@pytest.mark.parametrize("kind,name", [(k, n) for k, t in TABLES.items() for n in t])
def test_component_loads_and_has_a_docstring(kind, name):
    component = get_registry().get(kind, name)
    assert component.plugin == "augment" and component.summary
    factory = component.load()
    assert factory.__doc__ and factory.__doc__.strip().split("\n")[0]


def test_the_expected_names_are_registered():
    assert set(plugin.AUGMENTATIONS) == {"diffaugment", "ada", "apa"}
    assert set(plugin.REGULARIZERS) == {"lecam", "cr", "bcr", "zcr"}


def test_loading_the_plugin_module_imports_no_torch():
    code = "import sys, ganbench_augment.plugin; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
