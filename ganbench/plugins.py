"""The plugin manager: loads every entry point of the group ``ganbench`` into the registry.

Each plugin is loaded and registered inside its own try/except, so a broken plugin is reported
(name, distribution, version, error) and the others keep working. ``GANBENCH_STRICT=1`` (or
``ganbench --strict``) turns any plugin error into a failure. ``GANBENCH_LOAD_PLUGINS`` limits
which third-party plugins load (comma-separated entry-point names; empty = built-ins only).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from . import __version__, hookspecs
from .interfaces import KINDS
from .registry import Registry, RegistryError

GROUP = "ganbench"
BUILTIN_DIST = "ganbench"


class PluginError(Exception):
    """Raised in strict mode when any plugin failed to load or register."""


@dataclass
class PluginInfo:
    name: str
    dist: str = ""
    version: str = ""
    module: str = ""
    builtin: bool = False
    components: list[str] = field(default_factory=list)   # "kind.name"
    gin_paths: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        where = f" ({self.dist} {self.version})" if self.dist else ""
        return f"{self.name}{where}"


class Plugins:
    """A plugin manager plus the registry it fills. Use ``get_plugins()`` for the shared one."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.pm = pluggy.PluginManager("ganbench")
        self.pm.add_hookspecs(hookspecs)
        self.registry = Registry()
        self.infos: dict[str, PluginInfo] = {}

    # -- loading
    def load_entry_points(self) -> None:
        allowed = os.environ.get("GANBENCH_LOAD_PLUGINS")
        allowed_names = None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}
        for ep in sorted(metadata.entry_points(group=GROUP), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else ""
            builtin = dist == BUILTIN_DIST
            if not builtin and allowed_names is not None and ep.name not in allowed_names:
                continue
            info = PluginInfo(ep.name, dist, ep.dist.version if ep.dist else "", ep.value, builtin)
            try:
                module = ep.load()
            except Exception as err:  # a broken plugin must not break the others
                self._fail(info, f"import of {ep.value!r} failed: {type(err).__name__}: {err}")
                continue
            self.add(module, info)
        self._finish()

    def register(self, obj: Any, name: str) -> PluginInfo:
        """Register an in-process plugin object (a module or an instance with hookimpls)."""
        info = PluginInfo(name, module=getattr(obj, "__name__", type(obj).__name__))
        self.add(obj, info)
        self._finish()
        return info

    def unregister(self, name: str) -> None:
        if self.pm.has_plugin(name):
            self.pm.unregister(name=name)
        self.registry.remove_plugin(name)
        self.infos.pop(name, None)

    def add(self, obj: Any, info: PluginInfo) -> None:
        self.infos[info.name] = info
        problem = _version_problem(obj)
        if problem:
            self._fail(info, problem)
            return
        try:
            self.pm.register(obj, name=info.name)
            self.pm.check_pending()
        except Exception as err:
            if self.pm.has_plugin(info.name):
                self.pm.unregister(name=info.name)
            self._fail(info, f"invalid hook implementation: {err}")
            return
        try:
            self._collect(info)
        except Exception as err:
            self.registry.remove_plugin(info.name)
            info.components.clear()
            self.pm.unregister(name=info.name)
            self._fail(info, f"{type(err).__name__}: {err}")

    def _collect(self, info: PluginInfo) -> None:
        for kind in KINDS:
            for impl in self._impls(f"register_{kind}", info.name):
                def register(name: str, factory: Any, *, summary: str = "", _kind: str = kind) -> None:
                    self.registry.add(_kind, name, factory, plugin=info.name, summary=summary)
                    info.components.append(f"{_kind}.{name}")
                impl.function(register=register)
        for impl in self._impls("gin_search_paths", info.name):
            info.gin_paths.extend(str(p) for p in (impl.function() or []))

    def _impls(self, hook_name: str, plugin_name: str) -> list:
        hook = getattr(self.pm.hook, hook_name)
        return [i for i in hook.get_hookimpls() if i.plugin_name == plugin_name]

    def _fail(self, info: PluginInfo, message: str) -> None:
        info.errors.append(message)
        print(f"ganbench: plugin {info.label} failed to load: {message}", file=sys.stderr)

    def report_error(self, plugin: str, message: str) -> None:
        """Record an error found after loading (e.g. a component whose factory cannot import)."""
        info = self.infos.setdefault(plugin, PluginInfo(plugin))
        if message not in info.errors:
            self._fail(info, message)
            self._finish()

    def _finish(self) -> None:
        if self.strict and self.errors():
            raise PluginError("plugin errors (strict mode):\n" + "\n".join(self.errors()))

    # -- queries
    def errors(self) -> list[str]:
        return [f"{i.label}: {e}" for i in self.infos.values() for e in i.errors]

    def gin_paths(self) -> list[str]:
        return [p for i in self.infos.values() for p in i.gin_paths]

    def plugin_of(self, kind: str, name: str) -> str | None:
        key = f"{kind}.{name}"
        return next((i.name for i in self.infos.values() if key in i.components), None)


def _version_problem(obj: Any) -> str | None:
    """Plugins may declare ``GANBENCH_REQUIRES = ">=0.1,<0.2"``; refuse them outside it."""
    spec = getattr(obj, "GANBENCH_REQUIRES", None)
    if not spec:
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    try:
        if __version__ in SpecifierSet(spec):
            return None
    except InvalidSpecifier:
        return f"GANBENCH_REQUIRES={spec!r} is not a valid version specifier"
    return f"needs ganbench {spec}, but ganbench {__version__} is installed; upgrade one of them"


_shared: Plugins | None = None


def get_plugins(strict: bool | None = None) -> Plugins:
    """The process-wide plugin manager, loaded on first use."""
    global _shared
    if _shared is None:
        if strict is None:
            strict = os.environ.get("GANBENCH_STRICT", "") not in ("", "0")
        plugins = Plugins(strict=strict)
        plugins.load_entry_points()
        _shared = plugins
    return _shared


def get_registry() -> Registry:
    return get_plugins().registry


def reset() -> None:
    """Forget the shared manager (tests, or after installing a plugin in-process)."""
    global _shared
    _shared = None


__all__ = ["Plugins", "PluginInfo", "PluginError", "RegistryError", "get_plugins", "get_registry", "reset"]
