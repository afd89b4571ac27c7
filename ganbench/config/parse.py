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
from typing import Any, Callable, Iterable, Sequence

import gin

from ..errors import ConfigError, RegistryError, gin_location
from ..interfaces import KINDS
from ..registry import Plugins, get_plugins, missing_include_hint, unknown_message

# `include 'file.gin'` at the start of a line (gin's include statement), single or double quotes
_INCLUDE = re.compile(r"""^\s*include\s+(['"])(.+?)\1""", re.MULTILINE)
# gin's registry of configurables is process-wide and refuses a name twice, so the wrapper made
# for (kind, name) is kept here and handed to every registry entry of that name (see Component).
_gin_wrappers: dict[tuple[str, str], Callable[..., Any]] = {}


class _QuietIncludeSearch(logging.Filter):
    """gin logs "Path not found" for every search path it tries before finding an include;
    that is expected noise, not an error a user should see."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Path not found")


logging.getLogger().addFilter(_QuietIncludeSearch())


def register_configurables(plugins: Plugins | None = None) -> None:
    """Make every registry entry a gin configurable ``kind.name`` (``Component.configurable``).
    The core's own configurables (Experiment, Benchmark) registered when this package loaded."""
    plugins = plugins or get_plugins()
    for comp in plugins.registry.components():
        key = (comp.kind, comp.name)
        if key not in _gin_wrappers:
            try:
                factory = comp.load()
            except RegistryError as err:  # one component that cannot import must not hide the rest
                plugins.report_error(comp.plugin, str(err))
                continue
            _gin_wrappers[key] = gin.external_configurable(factory, name=comp.name, module=comp.kind)
        comp.configurable = _gin_wrappers[key]


def search_path(files: Sequence[str | os.PathLike], plugins: Plugins) -> list[str]:
    """Where gin looks for included files while parsing ``files``: the plugins' gin folders,
    the current directory, then the folder of each file and of every file it includes,
    transitively, so an include is found relative to the file that names it."""
    folders = [*plugins.gin_paths(), os.getcwd()]
    seen: set[Path] = set()
    for f in files:
        _add_include_folders(Path(f), folders, seen)
    return list(dict.fromkeys(f for f in folders if os.path.isdir(f)))


def _add_include_folders(path: Path, folders: list[str], seen: set[Path]) -> None:
    path = path.resolve()
    if path in seen:
        return
    seen.add(path)
    folders.append(str(path.parent))
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return
    for _, name in _INCLUDE.findall(text):
        # gin tries the name as given (relative to the current directory), then each folder
        candidates = [Path(name), *(Path(folder) / name for folder in folders)]
        found = next((c for c in candidates if c.is_file()), None)
        if found is not None:    # one that is nowhere is left for gin to report
            _add_include_folders(found, folders, seen)


def _set_gin_search_path(folders: list[str]) -> None:
    """Replace gin's include search path. gin only appends to it (``add_config_file_search_path``),
    so folders of earlier parses in this process would otherwise stay, and be tried first."""
    prefixes = gin.config._LOCATION_PREFIXES   # gin keeps the path here; it has no public setter
    prefixes[:] = ["", *folders]


def parse(files: Sequence[str | os.PathLike], bindings: Iterable[str] = (),
          plugins: Plugins | None = None) -> None:
    """Clear gin and parse ``files`` then ``bindings``; raise ConfigError on any mistake."""
    plugins = plugins or get_plugins()
    register_configurables(plugins)
    gin.clear_config()
    for f in files:
        if not Path(f).is_file():
            raise ConfigError(f"config file not found: {f}")
    _set_gin_search_path(search_path(files, plugins))
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
        comp = plugins.registry.find(kind, name)
        if comp is not None and comp.load_error:
            return f"{where}{comp.load_error}"
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
        return (f"{_location(message)}{_files(files)}: included file {missing.group(1)!r} was not found "
                f"in the gin search path (the plugins' gin folders, the including file's folder, the current directory)."
                f"{missing_include_hint(missing.group(1))}")
    return f"{type(err).__name__}: {message}"


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
