"""gin glue: every registered component becomes a gin configurable before any file is parsed.

A component ``kind/name`` is configurable as ``kind.name``, so gin files read
``Experiment.loss = @losses.hinge`` and ``regularizers.r1.weight = 1.0``. Parse errors are turned
into ``ConfigError`` naming where (file and line, a variant's binding, a ``-p`` binding);
unknown components and parameters list the valid names. ``gin_parameters`` reads a factory's
gin parameters (what ``ganbench list --details`` shows).
"""
from __future__ import annotations

import difflib
import inspect
import logging
import os
import re
import tokenize
from dataclasses import dataclass
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


def _guard_gin_package_reader() -> None:
    """gin also reads ``include 'a/b.gin'`` as the file b.gin of a Python package ``a``; when a
    folder ``a`` without ``__init__.py`` is importable (a ``models/`` folder in the working
    directory under ``python -m`` or PYTHONPATH), its existence check crashes with a TypeError
    (a namespace package has no origin) instead of saying no. Answer "not there" then, so the
    include is searched for in the include folders as usual."""
    from gin import config as gin_config

    def guarded(check: Callable[[str], bool]) -> Callable[[str], bool]:
        def exists(path: str) -> bool:
            try:
                return check(path)
            except TypeError:
                return False
        _guarded_checks.add(exists)
        return exists

    gin_config._FILE_READERS[:] = [(reader, check if reader is open or check in _guarded_checks
                                    else guarded(check)) for reader, check in gin_config._FILE_READERS]


_guarded_checks: set = set()


_guard_gin_package_reader()


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
    return _walk_includes(files, plugins)[0]


def _walk_includes(files: Sequence[str | os.PathLike], plugins: Plugins) -> tuple[list[str], list[Path]]:
    """(the include search path, every file that parsing ``files`` reads, as found)."""
    folders = [*plugins.gin_paths(), os.getcwd()]
    seen: dict[Path, None] = {}
    for f in files:
        _add_include_folders(Path(f), folders, seen)
    return list(dict.fromkeys(f for f in folders if os.path.isdir(f))), list(seen)


def _add_include_folders(path: Path, folders: list[str], seen: dict[Path, None]) -> None:
    path = path.resolve()
    if path in seen:
        return
    seen[path] = None
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
          plugins: Plugins | None = None, *, variant: str | None = None,
          variant_bindings: Iterable[str] = ()) -> None:
    """Clear gin and parse ``files``, then ``variant_bindings`` (the bindings of the benchmark's
    variant ``variant``), then ``bindings`` (``-p`` options, which override the variant's).
    Raise ConfigError on any mistake, saying where it is: ``file:line``,
    ``FILE, variant 'x', binding N`` or ``command-line binding N``."""
    plugins = plugins or get_plugins()
    register_configurables(plugins)
    gin.clear_config()
    for f in files:
        if not Path(f).is_file():
            raise ConfigError(f"config file not found: {f}")
    folders, read = _walk_includes(files, plugins)
    _set_gin_search_path(folders)
    variant_bindings, bindings = list(variant_bindings), list(bindings)
    labels = binding_labels(files, variant, variant_bindings, bindings)
    try:
        gin.parse_config_files_and_bindings([str(f) for f in files], variant_bindings + bindings,
                                            finalize_config=False)
    except Exception as err:  # gin raises many types; each becomes one readable message
        raise ConfigError(describe_gin_error(err, files, plugins, labels)) from None
    _check_constructorless_bindings(files, read, variant_bindings + bindings, labels)


def binding_labels(files: Sequence[str | os.PathLike], variant: str | None,
                   variant_bindings: Sequence[str], bindings: Sequence[str]) -> list[str]:
    """What each line of the bindings string gin parses is called in messages (gin joins the
    bindings with newlines and reports "bindings string line N")."""
    origin = (f"{files[0]}, " if files else "") + (f"variant {variant!r}, " if variant is not None else "variant ")
    labels = []
    for prefix, group in ((f"{origin}binding", variant_bindings), ("command-line binding", bindings)):
        for number, text in enumerate(group, 1):
            labels += [f"{prefix} {number}"] * (text.count("\n") + 1)
    return labels


# What the core passes to each kind's factory itself (see hookspecs.py and the calls of
# ``components.resolve``); every other keyword argument of a factory is a gin parameter.
CORE_ARGUMENTS: dict[str, tuple[str, ...]] = {
    "architectures": ("resolution", "channels", "num_classes"),
    "datasets": ("split",),
    "feature_extractors": ("dataset", "test_dataset"),
    "executors": ("workers",),
}
REQUIRED = inspect.Parameter.empty   # the "default" of a parameter that has none


@dataclass
class GinParameters:
    parameters: dict[str, Any]        # name -> default (REQUIRED when there is none)
    core_arguments: list[str]         # passed by the core, not bound in gin
    var_keyword: bool = False         # takes **kwargs: any name is accepted
    error: str = ""                   # why the signature cannot be read


def gin_parameters(factory: Callable[..., Any], kind: str | None = None) -> GinParameters:
    """The parameters gin can bind on ``factory`` (for a class, its constructor's), with defaults."""
    core = CORE_ARGUMENTS.get(kind or "", ())
    if _inherits_object_constructor(factory):
        return GinParameters({}, list(core))
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError) as err:
        return GinParameters({}, list(core), error=f"its signature cannot be inspected ({err})")
    found: dict[str, Any] = {}
    var_keyword = False
    for p in signature.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            var_keyword = True
        elif p.name not in core and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            found[p.name] = p.default
    return GinParameters(found, list(core), var_keyword)


def _inherits_object_constructor(factory: Any) -> bool:
    """A class that defines no constructor takes no parameters, but gin reads object's
    ``(*args, **kwargs)`` as "any", so it accepts every binding of such a class."""
    return inspect.isclass(factory) and not any(
        "__init__" in vars(base) or "__new__" in vars(base) for base in factory.__mro__[:-1])


def _check_constructorless_bindings(files: Sequence[str | os.PathLike], read: list[Path],
                                    bindings: list[str], labels: list[str]) -> None:
    """Refuse what gin let through: a parameter bound on a class that takes none."""
    # gin has no public view of its bindings: _CONFIG maps (scope, selector) -> {param: value}
    for (_, selector), values in gin.config._CONFIG.items():
        configurable = gin.config._REGISTRY.get_match(selector)
        if configurable is None or not _inherits_object_constructor(configurable.wrapped):
            continue
        for name in values:
            where = _find_binding(configurable.name, name, files, read, bindings, labels)
            raise ConfigError(unknown_parameter_message(selector, name, f"{where}: " if where else ""))


def _find_binding(configurable: str, name: str, files: Sequence[str | os.PathLike], read: list[Path],
                  bindings: list[str], labels: list[str]) -> str | None:
    """Where ``...configurable.name = `` is written: ``file:line`` or a binding's label."""
    pattern = re.compile(rf"^[ \t]*(?:[\w.]+/)*(?:[\w.]+\.)?{re.escape(configurable)}\.{name}[ \t]*=", re.M)
    given = {Path(f).resolve(): str(f) for f in files}
    for path in read:
        text = path.read_text(errors="replace") if path.is_file() else ""
        if match := pattern.search(text):
            return f"{given.get(path, path)}:{text.count(chr(10), 0, match.start()) + 1}"
    match = pattern.search("\n".join(bindings))
    return labels["\n".join(bindings).count("\n", 0, match.start())] if match else None


def unknown_parameter_message(selector: str, name: str, where: str = "") -> str:
    """``name`` is not a parameter of the gin configurable ``selector``: the close names and
    every valid one."""
    configurable = gin.config._REGISTRY.get_match(selector)
    kind, _, component = selector.partition(".")
    kind = kind if kind in KINDS and component else None
    valid = list(gin_parameters(configurable.wrapped, kind).parameters) if configurable else []
    close = difflib.get_close_matches(name, valid, n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    listing = (f" (`ganbench list {kind} {component} --details` shows them with their defaults)"
               if kind and valid else "")
    return (f"{where}unknown parameter {name!r} of {selector}.{hint} Valid parameters of {selector}: "
            f"{', '.join(valid) or 'none, it takes no parameters'}{listing}.")


def describe_gin_error(err: Exception, files: Sequence[str | os.PathLike], plugins: Plugins,
                       labels: Sequence[str] = ()) -> str:
    """One line for a gin parse error: where (innermost first), what, and how to fix it.
    ``labels`` names the lines of the bindings string (``binding_labels``)."""
    message = str(err).strip()
    head, places, text = _gin_parts(message, labels)
    where = (places[0] + (f" (included from {', '.join(places[1:])})" if len(places) > 1 else "") + ": "
             if places else "")
    match = re.search(r"No configurable matching (?:reference )?'@?([\w.]+?)\.(\w+)'", message)
    if match:
        kind, name = match.group(1).split("/")[-1], match.group(2)
        comp = plugins.registry.find(kind, name)
        if comp is not None and comp.load_error:
            return f"{where}{comp.load_error}"
        if kind in KINDS:
            text = unknown_message(kind, name, plugins.registry.names(kind))
            return f"{where}{text} (`ganbench list {kind}` shows them; a plugin may be missing)"
    match = re.search(r"Configurable '([\w./]+)' doesn't have a parameter named '(\w+)'", message)
    if match:
        return unknown_parameter_message(match.group(1), match.group(2), where)
    if isinstance(err, SyntaxError) and err.lineno:
        place = f"{err.filename}:{err.lineno}" if err.filename else _label(labels, err.lineno)
        return f"{place}: syntax error: {err.msg} (text: {(err.text or '').strip()!r})"
    if isinstance(err, tokenize.TokenError):
        line = err.args[1][0] if len(err.args) > 1 else "?"
        return f"{_files(files)}: syntax error near line {line}: {err.args[0]}"
    if isinstance(err, ImportError):
        return f"{where or _files(files) + ': '}an `import` line failed: {head}"
    missing = re.search(r"Unable to open file: (.+?)\. Searched config paths", message)
    if missing:
        return (f"{where or _files(files) + ': '}included file {missing.group(1)!r} was not found in the "
                "gin search path (the current directory, the plugins' gin folders, the folders "
                f"of the files being parsed).{missing_include_hint(missing.group(1))}")
    return f"{where}{type(err).__name__}: {head}" + (f" ({text})" if text else "")


def _gin_parts(message: str, labels: Sequence[str]) -> tuple[str, list[str], str]:
    """gin's message -> (its first line, the places it names, innermost first, and the text
    written at the innermost one)."""
    lines = [line.strip() for line in message.splitlines()]
    places: list[str] = []
    text = ""
    for line in lines[1:]:
        place = gin_location(line, lambda n: _label(labels, n)) if line.startswith("In ") else None
        if place:
            places.append(place)
        elif len(places) == 1 and not text and line.strip("^ "):
            text = line
    return (lines[0] if lines else ""), places, text


def _label(labels: Sequence[str], line: int) -> str:
    return labels[line - 1] if 0 < line <= len(labels) else f"command-line binding {line}"


def _files(files: Sequence[str | os.PathLike]) -> str:
    return ", ".join(str(f) for f in files) or "bindings"


def operative_config() -> str:
    """The gin configuration actually used so far (what every run directory records)."""
    return gin.operative_config_str()


def full_config() -> str:
    return gin.config_str()
