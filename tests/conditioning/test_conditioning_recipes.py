"""The recipes under gin/conditioning/ parse after a model recipe, bind real parameters, and build
the term of their method with its published settings."""
from pathlib import Path

import gin
import pytest

from ganbench import config

RECIPES = Path(__file__).resolve().parents[2] / "gin" / "conditioning"
EXPECTED = {   # recipe -> (registered term or None, {attribute: value} of the built term)
    "projection": (None, {}),
    "acgan": ("acgan", dict(weight=1.0, g_weight=1.0, projection=False)),
    "tac": ("tac", dict(weight=1.0, twin_weight=1.0, g_twin_weight=1.0, projection=False)),
    "contragan": ("contragan_2c", dict(weight=1.0, temperature=1.0, embed_dim=512, projection=False)),
    "reacgan": ("d2d_ce", dict(weight=0.5, temperature=0.5, positive_margin=0.98, negative_margin=0.02,
                               embed_dim=512, projection=False)),
}


def _study(tmp_path, recipe):
    path = tmp_path / "study.gin"
    path.write_text(f"include 'models/dcgan32.gin'\ninclude 'conditioning/{recipe}.gin'\n")
    return path


def test_there_is_one_recipe_per_method():
    assert {p.stem for p in RECIPES.glob("*.gin")} == set(EXPECTED)


@pytest.mark.parametrize("recipe", sorted(EXPECTED))
def test_recipe_builds_its_term(tmp_path, recipe):
    name, attributes = EXPECTED[recipe]
    config.parse([str(_study(tmp_path, recipe))])
    try:
        terms = gin.query_parameter("Experiment.regularizers")
        assert [t.configurable.name for t in terms] == ([name] if name else [])
        for ref in terms:
            term = ref.scoped_configurable_fn()
            assert {a: getattr(term, a) for a in attributes} == attributes
    finally:
        gin.clear_config()


def test_a_bad_binding_fails_naming_it(tmp_path):
    config.parse([str(_study(tmp_path, "reacgan"))], ["regularizers.d2d_ce.temperature = 0.0"])
    try:
        (ref,) = gin.query_parameter("Experiment.regularizers")
        with pytest.raises(ValueError, match=r"regularizers\.d2d_ce\.temperature"):
            ref.scoped_configurable_fn()
    finally:
        gin.clear_config()
