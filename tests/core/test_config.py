"""gin glue: registered components resolve by @kind.name; mistakes name file and line."""
import gin
import pytest

from ganbench import config
from ganbench.config import ConfigError
from ganbench.hookspecs import hookimpl
from ganbench.plugins import get_plugins


def scaled_hinge(scale: float = 1.0):
    """A test loss factory whose parameter gin binds."""
    return ("scaled_hinge", scale)


class ScaledHingePlugin:
    @hookimpl
    def register_losses(self, register):
        register("scaled_hinge_for_test", scaled_hinge)


@pytest.fixture
def with_test_plugin():
    plugins = get_plugins()
    plugins.register(ScaledHingePlugin(), name="test_scaled_hinge")
    yield plugins
    plugins.unregister("test_scaled_hinge")


def test_registered_component_resolves_with_bindings(tmp_path, with_test_plugin):
    f = tmp_path / "exp.gin"
    f.write_text("Experiment.loss = @losses.scaled_hinge_for_test\n"
                 "losses.scaled_hinge_for_test.scale = 2.5\n")
    config.parse([f])
    from ganbench.config import Experiment
    exp = Experiment()
    assert exp.loss() == ("scaled_hinge", 2.5)


def test_builtin_components_are_configurable(tmp_path):
    f = tmp_path / "exp.gin"
    f.write_text("Experiment.loss = @losses.hinge\nExperiment.regularizers = [@regularizers.r1]\n")
    config.parse([f])
    from ganbench.config import Experiment
    exp = Experiment()
    import torch
    loss = exp.loss()
    # hinge D loss on fixed logits: relu(1 - 2) + relu(1 + 0.5) = 1.5
    assert loss.d_loss(torch.tensor([2.0]), torch.tensor([0.5])).item() == 1.5
    assert len(exp.regularizers) == 1


def test_unknown_component_lists_valid_names(tmp_path):
    f = tmp_path / "typo.gin"
    f.write_text("Experiment.steps = 3\nExperiment.loss = @losses.hingee\n")
    with pytest.raises(ConfigError) as err:
        config.parse([f])
    msg = str(err.value)
    assert "typo.gin:2" in msg and "unknown losses 'hingee'" in msg
    assert "Did you mean hinge" in msg and "non_saturating" in msg


def test_syntax_error_names_file_and_line(tmp_path):
    f = tmp_path / "broken.gin"
    f.write_text("Experiment.steps = 3\nExperiment.batch_size = = 4\n")
    with pytest.raises(ConfigError) as err:
        config.parse([f])
    assert "broken.gin" in str(err.value) and ":2" in str(err.value)


def test_unknown_parameter_is_reported(tmp_path):
    f = tmp_path / "param.gin"
    f.write_text("Experiment.stepz = 3\n")
    with pytest.raises(ConfigError) as err:
        config.parse([f])
    assert str(err.value).startswith(f"{f}:1: unknown parameter 'stepz' of Experiment. Did you mean steps")
    assert "Valid parameters of Experiment: " in str(err.value)


def test_range_errors_come_from_experiment():
    from ganbench.config import Experiment
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        Experiment(batch_size=0)
    with pytest.raises(ValueError, match="precision"):
        Experiment(precision="fp8")


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        config.parse([tmp_path / "nope.gin"])


def test_nested_include_is_found_next_to_the_file_that_names_it(tmp_path, monkeypatch):
    # study/base.gin includes 'leaf.gin' from its own folder; probe/top.gin, elsewhere, includes
    # study/base.gin by absolute path: leaf.gin must be found although it is next to neither the
    # top file nor the current directory.
    study, probe, elsewhere = tmp_path / "study", tmp_path / "probe", tmp_path / "cwd"
    for folder in (study, probe, elsewhere):
        folder.mkdir()
    (study / "leaf.gin").write_text("Experiment.steps = 77\n")
    (study / "base.gin").write_text("include 'leaf.gin'\nExperiment.batch_size = 5\n")
    top = probe / "top.gin"
    top.write_text(f'include "{study / "base.gin"}"\nExperiment.batch_size = 6\n')
    monkeypatch.chdir(elsewhere)
    config.parse([top])
    assert gin.query_parameter("Experiment.steps") == 77
    assert gin.query_parameter("Experiment.batch_size") == 6


def test_missing_nested_include_is_still_a_clear_error(tmp_path):
    (tmp_path / "base.gin").write_text("include 'no_such_leaf.gin'\n")
    top = tmp_path / "top.gin"
    top.write_text("include 'base.gin'\n")
    with pytest.raises(ConfigError) as err:
        config.parse([top])
    assert str(err.value).startswith(f"{tmp_path / 'base.gin'}:1 (included from {top}:1): "
                                     "included file 'no_such_leaf.gin' was not found in the gin search path")


def test_an_earlier_parse_does_not_shadow_the_includes_of_a_later_one(tmp_path):
    # Two studies in one process (a worker, a notebook) each include their own 'base.gin'.
    first, second = tmp_path / "first", tmp_path / "second"
    for folder, steps in ((first, 11), (second, 22)):
        folder.mkdir()
        (folder / "base.gin").write_text(f"Experiment.steps = {steps}\n")
        (folder / "top.gin").write_text("include 'base.gin'\n")
    config.parse([first / "top.gin"])
    assert gin.query_parameter("Experiment.steps") == 11
    config.parse([second / "top.gin"])
    assert gin.query_parameter("Experiment.steps") == 22
