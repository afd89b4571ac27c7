"""gin glue: every registered component becomes a gin configurable before any file is parsed.

A component ``kind/name`` is configurable as ``kind.name``, so gin files read
``Experiment.loss = @losses.hinge`` and ``losses.hinge.margin = 1.0``. Parse errors are turned
into ``ConfigError`` naming the file and line, and unknown components list the valid names.
"""
from __future__ import annotations

import logging
import os
import re
import tokenize
from pathlib import Path
from typing import Iterable, Sequence

import gin

from .interfaces import KINDS
from .plugins import Plugins, get_plugins
from .registry import RegistryError, unknown_message

_registered: set[tuple[str, str]] = set()
_search_paths: set[str] = set()
_load_failures: dict[tuple[str, str], str] = {}
# (kind, name) -> the gin-wrapped factory, so components named by string still see their bindings
configurables: dict[tuple[str, str], object] = {}


class _QuietIncludeSearch(logging.Filter):
    """gin logs "Path not found" for every search path it tries before finding an include;
    that is expected noise, not an error a user should see."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Path not found")


logging.getLogger().addFilter(_QuietIncludeSearch())


class ConfigError(Exception):
    """A configuration mistake, with a message that says what, where and how to fix it."""


def register_configurables(plugins: Plugins | None = None) -> None:
    """Make every registry entry a gin configurable ``kind.name`` and add gin search paths."""
    plugins = plugins or get_plugins()
    for comp in plugins.registry.components():
        key = (comp.kind, comp.name)
        if key in _registered:
            continue
        try:
            factory = comp.load()
        except RegistryError as err:  # one component that cannot import must not hide the rest
            _load_failures[key] = str(err)
            plugins.report_error(comp.plugin, str(err))
            continue
        configurables[key] = gin.external_configurable(factory, name=comp.name, module=comp.kind)
        _registered.add(key)
    for path in [*plugins.gin_paths(), os.getcwd()]:
        add_search_path(path)
    # Core configurables (Experiment, Benchmark) register themselves on import.
    from . import grid, train  # noqa: F401


def add_search_path(path: str) -> None:
    if path not in _search_paths and os.path.isdir(path):
        gin.add_config_file_search_path(path)
        _search_paths.add(path)


def parse(files: Sequence[str | os.PathLike], bindings: Iterable[str] = (),
          plugins: Plugins | None = None) -> None:
    """Clear gin and parse ``files`` then ``bindings``; raise ConfigError on any mistake."""
    plugins = plugins or get_plugins()
    register_configurables(plugins)
    gin.clear_config()
    for f in files:
        if not Path(f).is_file():
            raise ConfigError(f"config file not found: {f}")
        add_search_path(str(Path(f).resolve().parent))   # includes relative to the including file
    try:
        gin.parse_config_files_and_bindings([str(f) for f in files], list(bindings),
                                            finalize_config=False)
    except Exception as err:  # gin raises many types; each becomes one readable message
        raise ConfigError(describe_gin_error(err, files, plugins)) from None


def describe_gin_error(err: Exception, files: Sequence[str | os.PathLike], plugins: Plugins) -> str:
    message = str(err).strip()
    match = re.search(r"No configurable matching (?:reference )?'@?([\w.]+?)\.(\w+)'", message)
    if match:
        kind, name = match.group(1).split("/")[-1], match.group(2)
        where = _location(message)
        if (kind, name) in _load_failures:
            return f"{where}{_load_failures[(kind, name)]}"
        if kind in KINDS:
            text = unknown_message(kind, name, plugins.registry.names(kind))
            return f"{where}{text} (`ganbench list {kind}` shows them; a plugin may be missing)"
    if isinstance(err, SyntaxError) and err.lineno:
        return f"{err.filename}:{err.lineno}: syntax error: {err.msg} (text: {(err.text or '').strip()!r})"
    if isinstance(err, tokenize.TokenError):
        line = err.args[1][0] if len(err.args) > 1 else "?"
        return f"{_files(files)}: syntax error near line {line}: {err.args[0]}"
    if isinstance(err, ImportError):
        return f"{_files(files)}: an `import` line failed: {err}"
    missing = re.search(r"Unable to open file: ([^.\s]+(?:\.gin)?)", message)
    if missing:
        from .registry import missing_include_hint
        return (f"{_location(message)}{_files(files)}: included file {missing.group(1)!r} was not found "
                f"in the gin search path (the plugins' gin folders, the including file's folder, the current directory)."
                f"{missing_include_hint(missing.group(1))}")
    return f"{type(err).__name__}: {message}"


def gin_location(text: str) -> str | None:
    """Where gin says an error is ("In file X, line N" -> ``X:N``; a ``-p`` binding -> its
    number), or None when the text names no place."""
    match = re.search(r"In file \"?'?([^\"',]+)\"?'?, line (\d+)", text)
    if match:
        return f"{match.group(1)}:{match.group(2)}"
    match = re.search(r"In bindings string line (\d+)", text)
    return f"command-line binding {match.group(1)}" if match else None


def _location(message: str) -> str:
    where = gin_location(message)
    return f"{where}: " if where else ""


def _files(files: Sequence[str | os.PathLike]) -> str:
    return ", ".join(str(f) for f in files) or "bindings"


def operative_config() -> str:
    """The gin configuration actually used so far (what every run directory records)."""
    return gin.operative_config_str()


def full_config() -> str:
    return gin.config_str()
