"""Failure isolation through real entry points: every way the broken fixture distributions fail
is reported with plugin name, distribution and version, the other plugins keep working, and
strict mode (GANBENCH_STRICT=1 or ``ganbench --strict``) makes any of it fatal."""
from __future__ import annotations

import sys

import pytest

from ganbench import cli
from ganbench.registry import loader as plugins_module
from ganbench.plugins import PluginError, Plugins

BROKEN = "ganbench-broken-example 0.3.1"


@pytest.fixture
def loaded(broken_site, relativistic_site, clean_plugin_env):
    """A manager that loaded built-ins, the broken fixtures and the good example plugin."""
    clean_plugin_env.syspath_prepend(str(relativistic_site))
    clean_plugin_env.syspath_prepend(str(broken_site))
    plugins = Plugins()
    plugins.load_entry_points()
    return plugins


def errors_of(plugins: Plugins, name: str) -> str:
    return "\n".join(plugins.infos[name].errors)


EXPECTED_ERRORS = {  # plugin -> what its error must say
    "raises_at_import": "RuntimeError: this plugin is broken on purpose",
    "misspelled_hook": "unknown hook 'register_loses' (did you mean register_losses?)",
    "newer_hook_args": "asks for argument(s) {'tags'}",
    "needs_future": "needs ganbench >=9.0, but ganbench 0.1.0 is installed",
    "duplicates": "losses.hinge is registered twice: by plugin 'gan' and by plugin 'duplicates'",
    "gan@ganbench-broken-example": "entry-point name 'gan' is already used by plugin gan (ganbench 0.1.0)",
}


@pytest.mark.parametrize("plugin, message", sorted(EXPECTED_ERRORS.items()))
def test_each_failure_is_reported_with_name_distribution_and_version(loaded, plugin, message):
    assert message in errors_of(loaded, plugin)
    labelled = [e for e in loaded.errors() if message in e]
    assert labelled and all(e.startswith(f"{plugin} ({BROKEN}): ") for e in labelled)


def test_refused_plugins_register_nothing(loaded):
    for name in ("raises_at_import", "misspelled_hook", "newer_hook_args", "needs_future",
                 "gan@ganbench-broken-example"):
        assert loaded.infos[name].components == [], name
    assert not loaded.pm.has_plugin("misspelled_hook")


def test_distribution_requiring_another_ganbench_is_refused_before_import(loaded):
    # its plugin module raises AssertionError if imported; the refusal must come first
    assert errors_of(loaded, "future_dist") == ("ganbench-future-example 2.0.0 needs ganbench>=5.0, "
                                                "but ganbench 0.1.0 is installed; upgrade one of them")
    assert "ganbench_future_example.plugin" not in sys.modules


def test_bad_components_are_rejected_one_by_one(loaded):
    registry = loaded.registry
    # a duplicate never replaces the built-in, and the plugin's other component survives
    assert registry.get("losses", "hinge").plugin == "gan"
    assert registry.get("losses", "broken_example_own_loss").load()(scale=2.0) == ("own_loss", 2.0)
    # bad_factories: a non-callable is refused, a missing module is reported at load time
    assert "regularizers.not_callable" not in loaded.infos["bad_factories"].components
    errors = errors_of(loaded, "bad_factories")
    assert "registered regularizers.not_callable with 42: give a callable factory" in errors
    assert "module 'ganbench_broken_example.nope' cannot be found" in errors
    assert registry.get("regularizers", "broken_example_fine").load()(weight=3.0) == ("fine", 3.0)


def test_check_components_finds_factories_that_cannot_be_used(loaded):
    problems = "\n".join(p for p in loaded.check_components() if "broken_example" in p)
    assert f"regularizers.missing_attribute (plugin 'bad_factories' from {BROKEN})" in problems
    assert "has no attribute 'nope'" in problems
    assert "regularizers.constant_target" in problems and "is a int, not a callable factory" in problems
    assert "cannot be imported" in errors_of(loaded, "bad_factories")


def test_the_other_plugins_keep_working(loaded):
    assert loaded.infos["relativistic"].errors == []
    assert loaded.registry.get("losses", "relativistic_hinge").plugin == "relativistic"
    assert all(i.builtin for i in loaded.infos.values() if i.dist == "ganbench")
    assert "hinge" in loaded.registry.names("losses") and "inprocess" in loaded.registry.names("executors")


def test_strict_mode_fails_on_load(broken_site, clean_plugin_env):
    clean_plugin_env.syspath_prepend(str(broken_site))
    with pytest.raises(PluginError, match="raises_at_import .*broken on purpose"):
        Plugins(strict=True).load_entry_points()


def test_load_plugins_env_var_excludes_broken_plugins(broken_site, relativistic_site, clean_plugin_env):
    clean_plugin_env.syspath_prepend(str(relativistic_site))
    clean_plugin_env.syspath_prepend(str(broken_site))
    clean_plugin_env.setenv("GANBENCH_LOAD_PLUGINS", "relativistic, duplicates")
    plugins = Plugins()
    plugins.load_entry_points()
    third_party = sorted(i.name for i in plugins.infos.values() if not i.builtin)
    assert third_party == ["duplicates", "relativistic"]
    assert "raises_at_import" in {i.name for i in plugins.skipped}


def test_cli_plugins_lists_versions_components_and_errors(ganbench_cli, broken_site, relativistic_site):
    done = ganbench_cli(["plugins"], sites=[broken_site, relativistic_site])
    assert done.returncode == 1, done.stderr           # errors exist, but the command works
    lines = done.stdout.splitlines()
    assert any(l.split()[:4] == ["relativistic", "ganbench-relativistic", "0.1.0", "ok"] for l in lines)
    assert any(l.split()[:4] == ["raises_at_import", "ganbench-broken-example", "0.3.1", "ERROR"] for l in lines)
    assert "error: import of 'ganbench_broken_example.raises_at_import' failed" in done.stdout
    assert f"plugin needs_future ({BROKEN}): error: needs ganbench >=9.0" in done.stderr


@pytest.mark.parametrize("how", ["flag", "env"])
def test_cli_strict_mode_is_fatal(ganbench_cli, broken_site, how):
    args, env = (["--strict", "list"], {}) if how == "flag" else (["list"], {"GANBENCH_STRICT": "1"})
    done = ganbench_cli(args, sites=[broken_site], env=env)
    assert done.returncode == 2
    assert "ganbench: error: plugin errors (strict mode)" in done.stderr
    assert "Traceback" not in done.stderr
    lenient = ganbench_cli(["list", "losses"], sites=[broken_site])
    assert lenient.returncode == 0 and "broken_example_own_loss" in lenient.stdout


def test_cli_strict_flag_applies_even_if_plugins_were_already_loaded(broken_site, clean_plugin_env, capsys):
    # cli.main may run in a process that already loaded plugins leniently (a notebook, a test):
    # --strict must still fail on the errors recorded then.
    clean_plugin_env.syspath_prepend(str(broken_site))
    clean_plugin_env.setenv("GANBENCH_STRICT", "0")   # recorded, so cli.main's "1" is undone after
    saved = plugins_module._shared
    plugins_module.reset()
    try:
        assert plugins_module.get_plugins().errors()           # lenient: loads, records errors
        assert cli.main(["plugins"]) == 1
        assert cli.main(["--strict", "plugins"]) == 2
        assert "plugin errors (strict mode)" in capsys.readouterr().err
    finally:
        plugins_module._shared = saved


def test_registering_a_taken_plugin_name_in_process_is_refused(relativistic_site, clean_plugin_env):
    clean_plugin_env.syspath_prepend(str(relativistic_site))
    import ganbench_relativistic.plugin as example
    plugins = Plugins()
    plugins.register(example, name="relativistic")
    with pytest.raises(ValueError, match="'relativistic' is already registered"):
        plugins.register(example, name="relativistic")
    assert plugins.infos["relativistic"].components == ["losses.relativistic_hinge",
                                                        "metrics.nearest_neighbour_distance"]
