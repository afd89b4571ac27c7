"""Defaults written in the docs equal the code's: every `<!-- defaults: KIND.NAME -->` marker in
docs/*.md is followed by a table (| `param` | `default` | ...) or a line `Gin: `a=1, b=2``, and each
documented default must equal the registered factory's signature default (and, for tables, every
gin parameter must be documented)."""
from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

from ganbench.config.parse import REQUIRED, gin_parameters
from ganbench.registry import get_registry

DOCS = Path(__file__).resolve().parents[2] / "docs"
MARKER = re.compile(r"<!-- defaults: (\w+)\.(\w+) -->\n(.*?)(?:\n\n|\Z)", re.S)
ROW = re.compile(r"^\| `(\w+)` \| `([^`]*)` \|", re.M)
# The components whose defaults must be documented this way (more may be added anywhere).
REQUIRED_MARKERS = {("datasets", "image_folder"), ("feature_extractors", "domain_classifier")}


def documented() -> dict[tuple[str, str], tuple[str, dict[str, str], bool]]:
    """(kind, name) -> (file, {parameter: default text}, complete: is it a full table)."""
    found = {}
    for path in sorted(DOCS.rglob("*.md")):
        for match in MARKER.finditer(path.read_text(encoding="utf-8")):
            block = match.group(3)
            rows = dict(ROW.findall(block))
            complete = bool(rows)
            if not rows:
                gin = re.search(r"Gin: `([^`]*)`", block)
                assert gin, f"{path.name}: marker {match.group(1)}.{match.group(2)} has no table or Gin: line"
                rows = dict(item.split("=", 1) for item in re.split(r",\s*", gin.group(1).strip()))
                complete = True
            found[(match.group(1), match.group(2))] = (path.name, {k.strip(): v.strip() for k, v in rows.items()},
                                                       complete)
    return found


def test_required_components_have_documented_defaults():
    assert REQUIRED_MARKERS <= set(documented())


@pytest.mark.parametrize("kind, name", sorted(documented()))
def test_documented_defaults_equal_the_code(kind, name):
    file, docs, complete = documented()[(kind, name)]
    factory = get_registry().get(kind, name).load()
    info = gin_parameters(factory, kind)
    code = {n: d for n, d in info.parameters.items()}
    wrong = []
    for param, text in docs.items():
        assert param in code, f"{file}: {kind}.{name} has no gin parameter {param!r} (it has {sorted(code)})"
        value = ast.literal_eval(text)
        expected = None if code[param] is REQUIRED else code[param]
        if value != expected or type(value) is not type(expected) and not (
                isinstance(value, (int, float)) and isinstance(expected, (int, float))):
            wrong.append(f"{param}: docs {text}, code {expected!r}")
    assert not wrong, f"{file}: {kind}.{name} defaults differ from the code: {wrong}"
    if complete:
        missing = sorted(set(code) - set(docs))
        assert not missing, f"{file}: {kind}.{name} parameters not documented: {missing}"


def test_signature_is_what_gin_sees():
    """The check reads the same defaults `ganbench list --details` shows."""
    factory = get_registry().get("feature_extractors", "domain_classifier").load()
    assert inspect.signature(factory).parameters["epochs"].default == 10


def test_datasets_doc_has_the_worked_example_with_real_output():
    text = (DOCS / "datasets.md").read_text(encoding="utf-8")
    example = text.split("### Worked example", 1)[1]
    for needle in ("make setup", "my_study.gin", "Domain classifier test accuracy:", "| labels ",
                   "ganbench cache list", "different data", "--rerun-changed"):
        assert needle in example, needle
