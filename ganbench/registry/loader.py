"""The plugin manager: loads every entry point of the group ``ganbench`` into the registry.

Built-in plugins (entry points of the ``ganbench`` distribution) load first, so a third-party
plugin can never take a built-in name; then third-party plugins load in name order. Each plugin is
loaded and registered inside its own try/except, so a broken plugin is reported (name,
distribution, version, error) and the others keep working. A single bad component (duplicate
name, non-callable factory) is rejected on its own; one whose import string names a missing
module is reported but kept, so that using it fails with the import error.
``GANBENCH_STRICT=1`` (or ``ganbench --strict``) turns any plugin error into a failure.
``GANBENCH_LOAD_PLUGINS`` limits which third-party plugins load (comma-separated entry-point
names; empty = built-ins only).

Version policy: hook specs only grow (new optional arguments), so old plugins keep working. A
plugin states the ganbench versions it supports in its distribution's dependency
(``ganbench>=0.1,<0.2`` in pyproject.toml) and/or a module attribute ``GANBENCH_REQUIRES``; outside
them it is refused with a message saying which versions it needs.
"""
from __future__ import annotations

import difflib
import os
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable

import pluggy

from .. import __version__, hookspecs
from ..errors import PluginError, RegistryError
from ..interfaces import KINDS
from .components import Registry, missing_module

GROUP = "ganbench"
BUILTIN_DIST = "ganbench"


@dataclass
class PluginInfo:
    name: str
    dist: str = ""
    version: str = ""
    builtin: bool = False
    gin_paths: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The registry is the one record of which components exist; this is a view of it.
    registry: Registry | None = field(default=None, repr=False, compare=False)

    @property
    def components(self) -> list[str]:
        """``kind.name`` of every component this plugin registered."""
        if self.registry is None:
            return []
        return [f"{c.kind}.{c.name}" for c in self.registry.components(plugin=self.name)]

    @property
    def label(self) -> str:
        where = f" ({self.dist} {self.version})" if self.dist else ""
        return f"{self.name}{where}"

    @property
    def source(self) -> str:
        return f"{self.dist} {self.version}" if self.dist else ""


class Plugins:
    """A plugin manager plus the registry it fills. Use ``get_plugins()`` for the shared one."""

    def __init__(self, strict: bool = False) -> None:
        self.strict = strict
        self.pm = pluggy.PluginManager("ganbench")
        self.pm.add_hookspecs(hookspecs)
        self.registry = Registry()
        self.infos: dict[str, PluginInfo] = {}
        self.skipped: list[PluginInfo] = []    # installed but excluded by GANBENCH_LOAD_PLUGINS

    # -- loading
    def load_entry_points(self) -> None:
        allowed = _allowed_plugins()
        # Built-ins first: on a name clash the third-party plugin is the one rejected.
        entry_points = sorted(metadata.entry_points(group=GROUP),
                              key=lambda ep: (_dist_name(ep) != BUILTIN_DIST, ep.name))
        for ep in entry_points:
            info = PluginInfo(ep.name, _dist_name(ep), ep.dist.version if ep.dist else "",
                              builtin=_dist_name(ep) == BUILTIN_DIST, registry=self.registry)
            if not info.builtin and allowed is not None and ep.name not in allowed:
                self.skipped.append(info)
                continue
            if info.name in self.infos:
                self._name_clash(info)
                continue
            problem = _requirement_problem(ep.dist) if not info.builtin else None
            if problem:
                self.infos[info.name] = info
                self._fail(info, problem)
                continue
            try:
                module = ep.load()
            except Exception as err:  # a broken plugin must not break the others
                self.infos[info.name] = info
                self._fail(info, f"import of {ep.value!r} failed: {type(err).__name__}: {err}")
                continue
            self.add(module, info)
        self._warn_unknown_allowed(allowed)
        self._finish()

    def register(self, obj: Any, name: str) -> PluginInfo:
        """Register an in-process plugin object (a module or an instance with hookimpls)."""
        if name in self.infos:
            raise ValueError(f"a plugin named {name!r} is already registered "
                             f"({self.infos[name].label}); unregister it first or pick another name")
        info = PluginInfo(name, registry=self.registry)
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
            self._fail(info, _hook_problem(err))
            return
        try:
            self._collect(info)
        except Exception as err:  # the plugin's own hook raised: roll back all it registered
            self.registry.remove_plugin(info.name)
            self.pm.unregister(name=info.name)
            self._fail(info, f"a hook raised {type(err).__name__}: {err}")

    def _collect(self, info: PluginInfo) -> None:
        for kind in KINDS:
            for impl in self._impls(f"register_{kind}", info.name):
                impl.function(register=self._registrar(kind, info))
        for impl in self._impls("gin_search_paths", info.name):
            info.gin_paths.extend(str(p) for p in (impl.function() or []))

    def _registrar(self, kind: str, info: PluginInfo) -> Callable[..., None]:
        """The ``register`` callable handed to one plugin's ``register_<kind>`` hook. A bad
        component is reported and skipped; the plugin's other components stay."""
        def register(name: str, factory: Any, *, summary: str = "") -> None:
            try:
                comp = self.registry.add(kind, name, factory, plugin=info.name, summary=summary,
                                         source=info.source)
            except RegistryError as err:
                self._fail(info, str(err))
                return
            problem = missing_module(comp)
            if problem:  # kept, so using it names the import error instead of "unknown name"
                self._fail(info, problem)
        return register

    def _impls(self, hook_name: str, plugin_name: str) -> list:
        hook = getattr(self.pm.hook, hook_name)
        return [i for i in hook.get_hookimpls() if i.plugin_name == plugin_name]

    def _name_clash(self, info: PluginInfo) -> None:
        """Two distributions chose the same entry-point name; keep the first, report the second."""
        other = self.infos[info.name]
        message = (f"entry-point name {info.name!r} is already used by plugin {other.label}; "
                   f"rename the entry point in {info.dist or 'its'} pyproject.toml")
        info.name = f"{info.name}@{info.dist}"
        self.infos[info.name] = info
        self._fail(info, message)

    def _warn_unknown_allowed(self, allowed: set[str] | None) -> None:
        known = {i.name for i in [*self.infos.values(), *self.skipped]}
        for name in sorted((allowed or set()) - known):
            print(f"ganbench: GANBENCH_LOAD_PLUGINS names {name!r}, but no installed plugin has "
                  f"that name; installed: {', '.join(sorted(known))}", file=sys.stderr)

    def _fail(self, info: PluginInfo, message: str) -> None:
        info.errors.append(message)
        print(f"ganbench: plugin {info.label}: error: {message}", file=sys.stderr)

    def report_error(self, plugin: str, message: str) -> None:
        """Record an error found after loading (e.g. a component whose factory cannot import)."""
        info = self.infos.setdefault(plugin, PluginInfo(plugin, registry=self.registry))
        if message not in info.errors:
            self._fail(info, message)
            self._finish()

    def check_components(self) -> list[str]:
        """Import every registered factory (this imports torch) and report those that cannot be
        imported or are not callable; returns their messages."""
        problems = []
        for comp in self.registry.components():
            try:
                comp.load()
            except RegistryError as err:
                problems.append(str(err))
                self.report_error(comp.plugin, str(err))
        return problems

    def _finish(self) -> None:
        if self.strict and self.errors():
            raise PluginError("plugin errors (strict mode):\n" + "\n".join(self.errors()) +
                              "\nFix or uninstall the plugin, exclude it with GANBENCH_LOAD_PLUGINS, "
                              "or run without --strict / GANBENCH_STRICT to load the others.")

    # -- queries
    def errors(self) -> list[str]:
        return [f"{i.label}: {e}" for i in self.infos.values() for e in i.errors]

    def gin_paths(self) -> list[str]:
        return [p for i in self.infos.values() for p in i.gin_paths]

    def plugin_of(self, kind: str, name: str) -> str | None:
        comp = self.registry.find(kind, name)
        return comp.plugin if comp else None


def _dist_name(ep: metadata.EntryPoint) -> str:
    return ep.dist.name if ep.dist else ""


def _allowed_plugins() -> set[str] | None:
    allowed = os.environ.get("GANBENCH_LOAD_PLUGINS")
    return None if allowed is None else {n.strip() for n in allowed.split(",") if n.strip()}


def _hook_problem(err: Exception) -> str:
    """A readable reason why pluggy refused a plugin's hook implementations."""
    text = str(err)
    unknown = re.search(r"unknown hook '(\w+)'", text)
    if unknown:
        hooks = sorted(n for n in dir(hookspecs) if n.startswith(("register_", "gin_")))
        close = difflib.get_close_matches(unknown.group(1), hooks, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return (f"implements unknown hook {unknown.group(1)!r}{hint}; "
                f"ganbench {__version__} has: {', '.join(hooks)}")
    extra = re.search(r"for hook '(\w+)'.*?Argument\(s\) (\{.*?\}) are declared", text, re.S)
    if extra:
        return (f"hook {extra.group(1)} asks for argument(s) {extra.group(2)} that ganbench "
                f"{__version__} does not provide; the plugin was written for a newer ganbench "
                "(hook specs only grow): upgrade ganbench")
    return f"invalid hook implementation: {text}"


def _requirement_problem(dist: metadata.Distribution | None) -> str | None:
    """Refuse a distribution whose declared ``ganbench`` dependency excludes this version."""
    requires = (dist.requires or []) if dist else []
    if not any("ganbench" in r.lower() for r in requires):
        return None   # the common case stays free of the packaging import (start-up time)
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name
    for text in requires:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if canonicalize_name(req.name) != BUILTIN_DIST:
            continue
        if req.marker and not req.marker.evaluate({"extra": ""}):
            continue   # only needed for an extra (e.g. its tests)
        if not req.specifier.contains(__version__, prereleases=True):
            return (f"{dist.name} {dist.version} needs ganbench{req.specifier}, but ganbench "
                    f"{__version__} is installed; upgrade one of them")
    return None


def _version_problem(obj: Any) -> str | None:
    """Plugins may declare ``GANBENCH_REQUIRES = ">=0.1,<0.2"``; refuse them outside it."""
    spec = getattr(obj, "GANBENCH_REQUIRES", None)
    if not spec:
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    try:
        if SpecifierSet(spec).contains(__version__, prereleases=True):
            return None
    except InvalidSpecifier:
        return f"GANBENCH_REQUIRES={spec!r} is not a valid version specifier"
    return f"needs ganbench {spec}, but ganbench {__version__} is installed; upgrade one of them"


_shared: Plugins | None = None


def _strict_from_env() -> bool:
    return os.environ.get("GANBENCH_STRICT", "") not in ("", "0")


def get_plugins(strict: bool | None = None) -> Plugins:
    """The process-wide plugin manager, loaded on first use. Asking for strict mode (argument or
    GANBENCH_STRICT) after it was loaded leniently still fails on the errors already recorded."""
    global _shared
    if strict is None:
        strict = _strict_from_env()
    if _shared is None:
        plugins = Plugins(strict=strict)
        plugins.load_entry_points()
        _shared = plugins
    elif strict and not _shared.strict:
        _shared.strict = True
        _shared._finish()
    return _shared


def get_registry() -> Registry:
    return get_plugins().registry


def reset() -> None:
    """Forget the shared manager (tests, or after installing a plugin in-process)."""
    global _shared
    _shared = None


__all__ = ["Plugins", "PluginInfo", "PluginError", "RegistryError", "get_plugins", "get_registry", "reset"]
