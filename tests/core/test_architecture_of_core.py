"""The core's architecture, checked: no import circle in ``ganbench/`` and no contract of a plugin
that is only in a ``hasattr``/``getattr`` (every optional member is declared in interfaces.py)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ganbench.interfaces import OPTIONAL_MEMBERS, optional

CORE = Path(__file__).resolve().parents[2] / "ganbench"


def module_name(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in CORE.rglob("*.py")}


def imported(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of ``ganbench`` that ``path`` imports anywhere (top level or inside functions),
    with the packages Python initialises on the way (``a.b.c`` runs ``a.b/__init__`` first)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                targets.add(child if child in known else base)
    result = set()
    for target in targets:
        parts = target.split(".")
        for i in range(2, len(parts) + 1):
            prefix = ".".join(parts[:i])
            # a module's own enclosing packages are already initialising: not a new edge
            if prefix in known and not name.startswith(prefix + ".") and prefix != name:
                result.add(prefix)
    return result


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_core_has_no_import_circle():
    known = modules()
    graph = {name: imported(path, name, set(known)) for name, path in known.items()}
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_planted_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


# getattr/hasattr on objects that are not plugin components (the core's own or the stdlib's)
NOT_COMPONENT_MEMBERS = {
    "__name__",        # a factory's name in summaries
    "_processes",      # concurrent.futures' worker processes, to terminate them on interrupt
    "cpu",             # TensorBoard images: a tensor or an array
    "class_names",     # ImageDataset.class_names (declared there)
    "__doc__",         # a factory's docstring, for `ganbench list`
    "GANBENCH_REQUIRES",   # a plugin module's version requirement (declared in hookspecs.py)
    "O_BINARY", "O_CLOEXEC",   # os flags that exist on some platforms only (storage)
}


def attribute_lookups(root: Path = CORE) -> list[tuple[str, str]]:
    """(file:line, name) of every hasattr/getattr with a literal attribute name under root."""
    found = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("hasattr", "getattr") and len(node.args) >= 2
                    and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
                found.append((f"{path.relative_to(root.parent)}:{node.lineno}", node.args[1].value))
    return found


def test_no_component_contract_lives_only_in_a_hasattr():
    """The core reads a component's optional members only through interfaces.optional."""
    undeclared = [(where, name) for where, name in attribute_lookups()
                  if name not in NOT_COMPONENT_MEMBERS and name not in OPTIONAL_MEMBERS]
    assert not undeclared, f"declare these in interfaces.OPTIONAL_MEMBERS or use optional(): {undeclared}"


def test_optional_refuses_an_undeclared_member_and_defaults_a_missing_one():
    class Loss:
        uses_real_logits_for_g = True
    assert optional(Loss(), "uses_real_logits_for_g", False) is True
    assert optional(object(), "uses_real_logits_for_g", False) is False
    with pytest.raises(KeyError, match="not a declared optional member"):
        optional(Loss(), "uses_fake_logits_for_d")
