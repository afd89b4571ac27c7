"""Configuration mistakes name where they are (file:line, a variant's binding, a command-line
binding) and how to fix them: close names and the valid parameters, the missing plugin."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ganbench import config
from ganbench.config import ConfigError
from ganbench.hookspecs import hookimpl
from ganbench.plugins import get_plugins


def margin_loss(margin: float = 1.0, *, scale: float = 1.0):
    """A test loss with gin parameters."""
    return ("margin_loss", margin, scale)


class MarginLossPlugin:
    @hookimpl
    def register_losses(self, register):
        register("margin_for_test", margin_loss)


@pytest.fixture
def margin_plugin():
    plugins = get_plugins()
    plugins.register(MarginLossPlugin(), name="test_margin_loss")
    yield plugins
    plugins.unregister("test_margin_loss")


def parse_error(files, bindings=(), **kwargs) -> str:
    with pytest.raises(ConfigError) as err:
        config.parse(files, bindings, **kwargs)
    return str(err.value)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# -- unknown parameter names
def test_misspelled_component_parameter_suggests_the_right_one(tmp_path, margin_plugin):
    f = write(tmp_path / "exp.gin", "Experiment.steps = 3\nlosses.margin_for_test.margn = 2.0\n")
    assert parse_error([f]) == (
        f"{f}:2: unknown parameter 'margn' of losses.margin_for_test. Did you mean margin? "
        "Valid parameters of losses.margin_for_test: margin, scale "
        "(`ganbench list losses margin_for_test --details` shows them with their defaults).")


def test_misspelled_experiment_parameter_lists_the_valid_ones(tmp_path):
    f = write(tmp_path / "exp.gin", "Experiment.stpes = 10\n")
    msg = parse_error([f])
    assert msg.startswith(f"{f}:1: unknown parameter 'stpes' of Experiment. Did you mean steps")
    assert "Valid parameters of Experiment: dataset, architecture, loss," in msg and "max_restarts." in msg
    assert "\n" not in msg


def test_a_parameter_of_a_component_that_takes_none_is_refused_with_its_line(tmp_path):
    # gin itself accepts any parameter of a class without a constructor (losses.hinge)
    f = write(tmp_path / "exp.gin", "Experiment.steps = 3\n\ntrain/losses.hinge.margn = 1.0\n")
    assert parse_error([f]) == (f"{f}:3: unknown parameter 'margn' of losses.hinge. "
                                "Valid parameters of losses.hinge: none, it takes no parameters.")
    msg = parse_error([], ["Experiment.steps = 3", "hinge.margin = 1.0"])
    assert msg.startswith("command-line binding 2: unknown parameter 'margin' of losses.hinge.")


# -- where a binding comes from
def test_variant_bindings_are_named_by_variant_and_number(tmp_path):
    f = write(tmp_path / "bench.gin", "Experiment.steps = 3\n")
    msg = parse_error([f], ["Experiment.batch_size = 8"], variant="biggan",
                      variant_bindings=["Experiment.g_betas = (0.5,\n 0.999)", "Experiment.stpes = 4"])
    assert msg.startswith(f"{f}, variant 'biggan', binding 2: unknown parameter 'stpes' of Experiment.")
    msg = parse_error([f], ["Experiment.batch_size = 8", "Experiment.bach_size = 8"], variant="biggan",
                      variant_bindings=["Experiment.steps = 4"])
    assert msg.startswith("command-line binding 2: unknown parameter 'bach_size' of Experiment. "
                          "Did you mean batch_size?")
    msg = parse_error([f], variant="biggan", variant_bindings=["Experiment.loss = @losses.hingee"])
    assert msg.startswith(f"{f}, variant 'biggan', binding 1: unknown losses 'hingee'. Did you mean hinge?")


def test_variant_bindings_come_before_command_line_ones(tmp_path):
    f = write(tmp_path / "bench.gin", "Experiment.steps = 3\n")
    config.parse([f], ["Experiment.steps = 5"], variant="v", variant_bindings=["Experiment.steps = 4"])
    import gin
    assert gin.query_parameter("Experiment.steps") == 5


def test_command_line_syntax_error_names_its_binding():
    msg = parse_error([], ["Experiment.steps = 3", "Experiment.steps = = 4"])
    assert msg.startswith("command-line binding 2: syntax error:") and "None:" not in msg


# -- missing includes
HINT = "If a plugin ships it, that plugin may be missing or not loaded: `ganbench plugins` lists those loaded."


def test_missing_include_names_the_file_once_with_the_plugin_hint(tmp_path):
    f = write(tmp_path / "top.gin", "Experiment.steps = 3\ninclude 'nowhere/thing.gin'\n")
    msg = parse_error([f])
    assert msg == (f"{f}:2: included file 'nowhere/thing.gin' was not found in the gin search path "
                   "(the current directory, the plugins' gin folders, the folders of the files being "
                   f"parsed). {HINT}")
    assert msg.count(str(f)) == 1 and msg.count("may be missing") == 1


def test_missing_nested_include_names_the_chain_of_files(tmp_path):
    (tmp_path / "sub").mkdir()
    base = write(tmp_path / "sub" / "base.gin", "include 'leaf.gin'\n")
    top = write(tmp_path / "top.gin", "Experiment.steps = 3\ninclude 'sub/base.gin'\n")
    msg = parse_error([top])
    assert msg.startswith(f"{base}:1 (included from {top}:2): included file 'leaf.gin' was not found")
    assert msg.count(HINT) == 1


def test_missing_include_with_dots_in_its_path_gets_the_same_message(tmp_path):
    (tmp_path / "my.dir").mkdir()
    f = write(tmp_path / "my.dir" / "x.gin", "include '../elsewhere/y.gin'\n")
    msg = parse_error([f])
    assert msg.startswith(f"{f}:1: included file '../elsewhere/y.gin' was not found") and msg.endswith(HINT)


def test_missing_include_of_a_known_plugin_says_what_to_install(tmp_path):
    msg = parse_error([], ["include 'relativistic/rel_hinge.gin'"])
    assert msg.startswith("command-line binding 1: included file 'relativistic/rel_hinge.gin' was not found")
    assert msg.count("pip install ganbench-relativistic") == 1


# -- through the command line: one line, exit 2
@pytest.mark.parametrize("text, expected", [
    ("Benchmark.variants = {'a': []}\nExperiment.stpes = 10\n",
     "bench.gin:2: unknown parameter 'stpes' of Experiment. Did you mean steps"),
    ("Benchmark.variants = {'a': []}\nlosses.hinge.margn = 1.0\n",
     "bench.gin:2: unknown parameter 'margn' of losses.hinge."),
    ("include 'nowhere/thing.gin'\n",
     f"bench.gin:1: included file 'nowhere/thing.gin' was not found in the gin search path"),
])
def test_cli_prints_one_line_and_exits_2(tmp_path, text, expected):
    write(tmp_path / "bench.gin", text)
    env = {k: v for k, v in os.environ.items() if k not in ("GANBENCH_STRICT", "GANBENCH_DEBUG")}
    env["GANBENCH_LOAD_PLUGINS"] = ""
    done = subprocess.run([sys.executable, "-m", "ganbench.cli", "run", "bench.gin", "--dry-run"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith(f"ganbench: error: {expected}"), done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_a_study_names_the_variant_binding_that_is_wrong(tmp_path):
    """Through the study's validation: the variant and its binding, once, not 'command-line'."""
    from ganbench import study
    from ganbench.errors import ConfigError
    f = tmp_path / "v.gin"
    f.write_text("include '%s'\nBenchmark.variants = {'x': ['Experiment.steps = 3', 'Experiment.stpes = 3']}\n"
                 % (Path(__file__).resolve().parents[1] / "e2e" / "tiny_study.gin"))
    _, _, cells, _ = study.plan(f, tmp_path / "runs")
    with pytest.raises(ConfigError) as err:
        study.validate(f, cells)
    assert str(err.value).startswith(f"{f}, variant 'x', binding 2: unknown parameter 'stpes' of Experiment.")
    assert "command-line" not in str(err.value) and str(err.value).count("variant 'x'") == 1


def test_include_with_an_importable_folder_of_that_name_is_searched_as_usual(tmp_path, monkeypatch):
    """gin reads include 'models/x.gin' as a package resource first; a folder `models` without
    __init__.py on sys.path used to crash that lookup with a TypeError."""
    from ganbench import config
    (tmp_path / "models").mkdir()
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "steps.gin").write_text("Experiment.steps = 7\n")
    bench = tmp_path / "b.gin"
    bench.write_text("include 'models/dcgan32.gin'\ninclude 'recipes/steps.gin'\n")
    monkeypatch.syspath_prepend(str(tmp_path))      # `models` is now an importable namespace package
    config.parse([bench], [])
    assert config.Experiment().steps == 7
