"""The one registry of components, keyed by (kind, name): what exists, who registered it, its
factory, its gin configurable once gin knows it, and why it cannot be loaded when it cannot."""
from __future__ import annotations

import difflib
import importlib
import importlib.util
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import RegistryError
from ..interfaces import KINDS


@dataclass
class Component:
    kind: str
    name: str
    target: Callable[..., Any] | str   # the factory, or "module:attr" imported on first use
    plugin: str                        # name of the plugin that registered it
    summary: str = ""
    source: str = ""                   # "distribution version" of that plugin, when known
    # The gin-wrapped factory (set by ganbench.config), so `kind.name.param = ...` bindings apply
    # to components named by string too.
    configurable: Callable[..., Any] | None = field(default=None, repr=False)
    load_error: str = ""               # why load() failed, once it has
    _loaded: Callable[..., Any] | None = field(default=None, repr=False)

    def load(self) -> Callable[..., Any]:
        """The factory, importing it on first use."""
        if self.load_error:
            raise RegistryError(self.load_error)
        if self._loaded is None:
            if callable(self.target):
                self._loaded = self.target
            else:
                module, _, attr = self.target.partition(":")
                try:
                    obj: Any = importlib.import_module(module)
                    for part in attr.split("."):
                        obj = getattr(obj, part)
                except (ImportError, AttributeError) as err:
                    self.load_error = (f"{self.kind}.{self.name} ({self.origin}) points at {self.target!r}, "
                                       f"which cannot be imported: {type(err).__name__}: {err}")
                    raise RegistryError(self.load_error) from err
                if not callable(obj):
                    self.load_error = (f"{self.kind}.{self.name} ({self.origin}) points at {self.target!r}, "
                                       f"which is a {type(obj).__name__}, not a callable factory")
                    raise RegistryError(self.load_error)
                self._loaded = obj
        return self._loaded

    @property
    def origin(self) -> str:
        """Who registered it, for error messages: plugin name, distribution and version."""
        return f"plugin {self.plugin!r}" + (f" from {self.source}" if self.source else "")

    @property
    def description(self) -> str:
        if self.summary:
            return self.summary
        doc = getattr(self._loaded or (self.target if callable(self.target) else None), "__doc__", "")
        return (doc or "").strip().split("\n")[0]


class Registry:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], Component] = {}

    def add(self, kind: str, name: str, target: Callable[..., Any] | str, *, plugin: str,
            summary: str = "", source: str = "") -> Component:
        if kind not in KINDS:
            raise RegistryError(f"unknown component kind {kind!r}; kinds are {', '.join(KINDS)}")
        if not name or not name.replace("_", "").isalnum() or not name[0].isalpha():
            raise RegistryError(
                f"plugin {plugin!r} registered {kind} name {name!r}: names must be identifiers "
                "(letters, digits, underscores) so gin can refer to them")
        if not (callable(target) or (isinstance(target, str) and ":" in target)):
            raise RegistryError(
                f"plugin {plugin!r} registered {kind}.{name} with {target!r}: give a callable "
                "factory or an import string 'package.module:attribute'")
        key = (kind, name)
        if key in self._items:
            other = self._items[key].plugin
            raise RegistryError(
                f"{kind}.{name} is registered twice: by plugin {other!r} and by plugin {plugin!r}. "
                "Rename one of them; ganbench never replaces a component silently.")
        comp = Component(kind, name, target, plugin, summary, source)
        self._items[key] = comp
        return comp

    def get(self, kind: str, name: str) -> Component:
        try:
            return self._items[(kind, name)]
        except KeyError:
            raise RegistryError(unknown_message(kind, name, self.names(kind))) from None

    def find(self, kind: str, name: str) -> Component | None:
        return self._items.get((kind, name))

    def names(self, kind: str) -> list[str]:
        return sorted(n for k, n in self._items if k == kind)

    def components(self, kind: str | None = None, plugin: str | None = None) -> list[Component]:
        return [c for (k, _), c in sorted(self._items.items())
                if (kind is None or k == kind) and (plugin is None or c.plugin == plugin)]

    def remove_plugin(self, plugin: str) -> None:
        for key in [k for k, c in self._items.items() if c.plugin == plugin]:
            del self._items[key]


def missing_module(comp: Component) -> str | None:
    """Why ``comp``'s import string cannot work because its module does not exist, or None.

    Checked without running the module (only its parent packages run, and a plugin's own package
    is already imported by then), so a typo is reported when the plugin loads, not hours later
    when a run first uses the component, and ``ganbench plugins`` still imports no torch."""
    if callable(comp.target):
        return None
    module = comp.target.partition(":")[0]
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if found:
        return None
    return (f"{comp.kind}.{comp.name} points at {comp.target!r}, but module {module!r} cannot be "
            "found; fix the import string (using this component will fail)")


def _known_plugins() -> dict[str, Any]:
    """The index of well-known third-party plugin packages (data, not code): which package
    provides which component and which gin folder, so a missing one is named with its package."""
    import json
    from pathlib import Path
    return json.loads((Path(__file__).with_name("known_plugins.json")).read_text(encoding="utf-8"))


def missing_include_hint(path: str) -> str:
    """For a gin ``include`` that was not found: which plugin package ships it, if known."""
    package = _known_plugins()["gin_folders"].get(path.replace("\\", "/").split("/")[0])
    if not package:
        return (" If a plugin ships it, that plugin may be missing or not loaded: `ganbench plugins` "
                "lists those loaded.")
    return (f" {path!r} is shipped by the plugin package {package!r}, which is not installed or "
            f"not loaded: run `pip install {package}`.")


def unknown_message(kind: str, name: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(name, valid, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    package = _known_plugins()["components"].get(f"{kind}.{name}")
    if package:
        hint += (f" {kind}.{name} is provided by the plugin package {package!r}, which is not "
                 f"installed or not loaded: run `pip install {package}` (and check that "
                 "GANBENCH_LOAD_PLUGINS, if set, names its plugin).")
    return f"unknown {kind} {name!r}.{hint} Valid {kind}: {', '.join(valid) or '(none registered)'}."
