"""The plugin manager: inline plugins, duplicates, broken plugins, strict mode, version policy."""
import types

import pytest

from ganbench.hookspecs import hookimpl
from ganbench.plugins import PluginError, Plugins
from ganbench.registry import RegistryError


def focal(gamma: float = 2.0):
    """A made-up loss factory for the tests."""
    return ("focal", gamma)


class FocalPlugin:
    @hookimpl
    def register_losses(self, register):
        register("focal", focal, summary="focal loss")


def test_inline_plugin_registers_and_unregisters():
    plugins = Plugins()
    info = plugins.register(FocalPlugin(), name="focal_plugin")
    assert info.components == ["losses.focal"]
    assert plugins.registry.get("losses", "focal").load()(gamma=3.0) == ("focal", 3.0)
    assert plugins.plugin_of("losses", "focal") == "focal_plugin"
    plugins.unregister("focal_plugin")
    with pytest.raises(RegistryError, match="unknown losses 'focal'"):
        plugins.registry.get("losses", "focal")


def test_duplicate_name_names_both_plugins_and_keeps_the_first():
    plugins = Plugins()
    plugins.register(FocalPlugin(), name="first")
    info = plugins.register(FocalPlugin(), name="second")
    assert len(info.errors) == 1
    assert "'first'" in info.errors[0] and "'second'" in info.errors[0]
    assert plugins.registry.get("losses", "focal").plugin == "first"


class BrokenPlugin:
    @hookimpl
    def register_losses(self, register):
        register("fine_before_crash", focal)
        raise RuntimeError("boom")


def test_broken_plugin_is_reported_and_others_keep_working():
    plugins = Plugins()
    plugins.register(BrokenPlugin(), name="broken")
    plugins.register(FocalPlugin(), name="good")
    assert "boom" in plugins.errors()[0] and plugins.errors()[0].startswith("broken")
    # the broken plugin's partial registrations are rolled back; the good one works
    assert plugins.registry.names("losses") == ["focal"]


class MisspelledHook:
    @hookimpl
    def register_loses(self, register):  # typo: no such hook
        register("x", focal)


def test_misspelled_hook_fails_loudly_via_check_pending():
    plugins = Plugins()
    plugins.register(MisspelledHook(), name="typo")
    assert "register_loses" in plugins.errors()[0]
    assert not plugins.pm.has_plugin("typo")


def test_strict_mode_raises():
    plugins = Plugins(strict=True)
    with pytest.raises(PluginError, match="boom"):
        plugins.register(BrokenPlugin(), name="broken")


def test_version_requirement_is_enforced():
    too_new = types.SimpleNamespace(GANBENCH_REQUIRES=">=99", register_losses=FocalPlugin().register_losses)
    plugins = Plugins()
    plugins.register(too_new, name="needs_future")
    assert "needs ganbench >=99" in plugins.errors()[0]
    assert plugins.registry.names("losses") == []


def test_bad_names_and_targets_are_rejected():
    plugins = Plugins()
    with pytest.raises(RegistryError, match="identifiers"):
        plugins.registry.add("losses", "bad-name", focal, plugin="p")
    with pytest.raises(RegistryError, match="import string"):
        plugins.registry.add("losses", "ok", "not_an_import_string", plugin="p")
    with pytest.raises(RegistryError, match="unknown component kind"):
        plugins.registry.add("lossez", "ok", focal, plugin="p")


def test_unknown_name_suggests_close_matches():
    plugins = Plugins()
    plugins.register(FocalPlugin(), name="p")
    with pytest.raises(RegistryError, match="Did you mean focal"):
        plugins.registry.get("losses", "focall")


def test_builtins_load_through_entry_points(fresh_plugins):
    assert fresh_plugins.errors() == []
    assert {"gan", "datasets", "metrics", "label_efficiency", "pggan", "recipes", "executors"} <= set(fresh_plugins.infos)
    assert all(i.dist == "ganbench" for i in fresh_plugins.infos.values())
    assert "hinge" in fresh_plugins.registry.names("losses")


def test_env_var_limits_third_party_plugins(monkeypatch, fresh_plugins):
    # built-ins always load; an empty list means built-ins only
    monkeypatch.setenv("GANBENCH_LOAD_PLUGINS", "")
    plugins = Plugins()
    plugins.load_entry_points()
    assert all(i.builtin for i in plugins.infos.values())
    assert "executors" in plugins.infos
