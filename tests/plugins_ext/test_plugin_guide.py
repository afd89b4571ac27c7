"""docs/plugins.md documents every hook with its exact signature and docstring (as datasette
checks its plugin hooks), and the ``register`` callable as the plugin manager really passes it."""
from __future__ import annotations

import __future__
import inspect
import re
from pathlib import Path

import pytest

from ganbench import hookspecs
from ganbench.plugins import PluginInfo, Plugins

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
HEADING = re.compile(r"^### `(\w+)(\(.*\) -> .+)`$", re.M)


def hook_specs() -> dict[str, object]:
    return {name: fn for name, fn in vars(hookspecs).items()
            if callable(fn) and hasattr(fn, "ganbench_spec")}


def signature_text(fn) -> str:
    """``(register: Register) -> None``: annotations as written in hookspecs.py."""
    sig = inspect.signature(fn)   # hookspecs uses postponed annotations, so these are the source text
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"({params}) -> {sig.return_annotation}"


def documented_hooks() -> dict[str, tuple[str, str]]:
    """hook name -> (signature, text under its heading) from the guide's reference section."""
    text = GUIDE.read_text(encoding="utf-8")
    reference = text.split("\n## Reference: hooks\n", 1)
    assert len(reference) == 2, "docs/plugins.md has no '## Reference: hooks' section"
    body = reference[1].split("\n## ", 1)[0]     # up to the next reference section
    matches = list(HEADING.finditer(body))
    sections = {}
    for match, following in zip(matches, matches[1:] + [None]):
        end = following.start() if following else len(body)
        sections[match.group(1)] = (match.group(2), body[match.end():end])
    return sections


def squash(text: str) -> str:
    return " ".join(text.split())


def test_every_hook_is_documented_and_nothing_else():
    assert set(documented_hooks()) == set(hook_specs())


@pytest.mark.parametrize("name", sorted(hook_specs()))
def test_hook_signature_and_docstring_match_the_guide(name):
    signature, text = documented_hooks()[name]
    fn = hook_specs()[name]
    assert signature == signature_text(fn), f"docs/plugins.md: {name} signature differs from hookspecs.py"
    assert squash(inspect.getdoc(fn)) in squash(text), f"docs/plugins.md: {name} docstring differs"


def test_documented_register_signature_is_the_real_one():
    match = re.search(r"`(register\(name.*?\) -> None)`", GUIDE.read_text(encoding="utf-8"))
    assert match, "docs/plugins.md does not state the register callable's signature"
    namespace: dict = {}
    flags = __future__.annotations.compiler_flag   # parse the annotations without evaluating them
    exec(compile(f"def {match.group(1)}: pass", "docs/plugins.md", "exec", flags=flags), namespace)
    documented = inspect.signature(namespace["register"]).parameters.values()
    real = inspect.signature(Plugins()._registrar("losses", PluginInfo("doc"))).parameters.values()
    assert [(p.name, p.kind, p.default) for p in documented] == [(p.name, p.kind, p.default) for p in real]


def test_guide_examples_name_the_example_package_files():
    # the guide walks through docs/examples/ganbench-relativistic; its paths must exist
    text = GUIDE.read_text(encoding="utf-8")
    example = GUIDE.parent / "examples" / "ganbench-relativistic"
    for relative in ("pyproject.toml", "src/ganbench_relativistic/plugin.py",
                     "src/ganbench_relativistic/gin/relativistic/rel_hinge.gin"):
        assert (example / relative).is_file(), relative
    assert "include 'relativistic/rel_hinge.gin'" in text
    assert "[project.entry-points.ganbench]" in text
