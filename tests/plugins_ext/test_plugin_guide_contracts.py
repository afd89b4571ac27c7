"""docs/plugins.md documents the contracts a plugin codes against, derived from the code so that a
new field or member without documentation fails here: every ``Batch`` field, every
``EvalContext`` field and callable (with the implementation's parameter names), every
``OPTIONAL_MEMBERS`` entry, the ``Task``/``Executor`` protocols. Also: the guide's example code
runs, and the files and modules it names exist."""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from pathlib import Path

import pytest
import torch

from ganbench.evaluate.evaluation import Evaluation
from ganbench.interfaces import OPTIONAL_MEMBERS, Batch, EvalContext, Executor, Task

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "plugins.md"
# the first cell of a table row: `name` or `name(params)`
ROW = re.compile(r"^\| `(\w+)(?:\((.*?)\))?` \|(.*)$", re.M)


def guide() -> str:
    return GUIDE.read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of ``## Reference: <title>``, up to the next ``## `` heading."""
    parts = guide().split(f"\n## Reference: {title}\n", 1)
    assert len(parts) == 2, f"docs/plugins.md has no '## Reference: {title}' section"
    return parts[1].split("\n## ", 1)[0]


def rows(title: str) -> dict[str, tuple[str | None, list[str]]]:
    """name -> (documented parameters or None, the other cells) of the section's tables."""
    found = {}
    for match in ROW.finditer(section(title)):
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", match.group(3))][:-1]
        found[match.group(1)] = (match.group(2), cells)
    return found


def squash(text: str) -> str:
    return " ".join(text.split())


# ------------------------------------------------------------------------------- Batch
def test_every_batch_field_is_documented_and_nothing_else():
    documented = rows("Batch")
    fields = [f.name for f in dataclasses.fields(Batch)]
    missing = [name for name in fields if name not in documented]
    assert not missing, f"Batch fields not documented in docs/plugins.md 'Reference: Batch': {missing}"
    stale = sorted(set(documented) - set(fields))
    assert not stale, f"docs/plugins.md documents Batch fields that no longer exist: {stale}"


@pytest.mark.parametrize("name", [f.name for f in dataclasses.fields(Batch)])
def test_batch_field_says_what_it_holds_in_the_d_step_and_the_g_step(name):
    _, cells = rows("Batch")[name]
    assert len(cells) == 3 and all(cells), f"{name}: document its type, D step and G step"


# ------------------------------------------------------------------------ EvalContext
def evalcontext_fields() -> list[dataclasses.Field]:
    return list(dataclasses.fields(EvalContext))


def test_every_evalcontext_field_is_documented_and_nothing_else():
    documented = rows("EvalContext")
    names = [f.name for f in evalcontext_fields()]
    missing = [name for name in names if name not in documented]
    assert not missing, f"EvalContext fields not documented in 'Reference: EvalContext': {missing}"
    assert not set(documented) - set(names), sorted(set(documented) - set(names))


@pytest.mark.parametrize("field", [f for f in dataclasses.fields(EvalContext)], ids=lambda f: f.name)
def test_evalcontext_callables_are_documented_with_their_real_signature(field):
    params, cells = rows("EvalContext")[field.name]
    assert len(cells) == 2 and all(cells), f"{field.name}: document its type and meaning"
    is_callable = str(field.type).startswith("Callable")
    assert (params is not None) == is_callable, f"{field.name}: callables are documented as name(params)"
    if not is_callable:
        return
    documented = [p.split(":")[0].strip() for p in params.split(",") if p.strip()]
    # the annotation's arity, and the parameter names of what Evaluation.context passes
    arity = len(re.match(r"Callable\[\[(.*?)\]", str(field.type)).group(1).split(","))
    real = [p for p in inspect.signature(getattr(Evaluation, field.name)).parameters if p != "self"]
    assert len(documented) == arity == len(real), (field.name, documented, real)
    assert documented == real, f"{field.name}: docs name the parameters {documented}, the code {real}"
    assert "->" in cells[0], f"{field.name}: document the return type"


def test_evalcontext_documents_memoisation_and_caching():
    text = squash(section("EvalContext"))
    for phrase in ("Memoised", "memoised in memory per `(name, n)`", "cached on disk",
                   "not memoised"):
        assert phrase in text, phrase


# ------------------------------------------------------------------- optional members
def optional_sections() -> dict[str, str]:
    body = section("optional members")
    headings = list(re.finditer(r"^### `(\w+)`$", body, re.M))
    return {m.group(1): body[m.end():(headings[i + 1].start() if i + 1 < len(headings) else len(body))]
            for i, m in enumerate(headings)}


def test_every_optional_member_is_documented_and_nothing_else():
    documented = optional_sections()
    missing = [name for name in OPTIONAL_MEMBERS if name not in documented]
    assert not missing, f"OPTIONAL_MEMBERS not documented in 'Reference: optional members': {missing}"
    assert not set(documented) - set(OPTIONAL_MEMBERS), sorted(set(documented) - set(OPTIONAL_MEMBERS))


@pytest.mark.parametrize("name", sorted(OPTIONAL_MEMBERS))
def test_optional_member_says_who_default_and_when(name):
    text = optional_sections()[name]
    for part in ("- who:", "- default:", "- when:"):
        assert part in text, f"{name}: '{part}' missing"


def test_term_state_is_documented_as_checkpointed():
    text = squash(guide())
    assert "A term's state is checkpointed and restored on resume" in text
    assert "A term's state is checkpointed" in squash(guide().split("## 4.")[0])   # in section 3 too


# ---------------------------------------------------------------- Task and Executor
def test_task_and_executor_protocols_are_documented():
    documented = rows("Task and Executor")
    task_members = [*inspect.get_annotations(Task), "__call__"]
    executor_members = [name for name, _ in inspect.getmembers(Executor, inspect.isfunction)
                        if not name.startswith("_")]
    assert executor_members == ["run"]
    missing = [m for m in task_members + executor_members if m not in documented]
    assert not missing, f"not documented in 'Reference: Task and Executor': {missing}"
    documented_run = squash(documented["run"][1][0])
    for param in inspect.signature(Executor.run).parameters:
        if param != "self":
            assert f"{param}:" in documented_run, param
    text = section("Task and Executor")
    for status in ("done", "diverged", "skipped", "busy", "failed"):     # Task's docstring
        assert f"`{status}`" in text, status


# --------------------------------------------------------------------- the guide's code
def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", guide(), re.S)


def test_every_python_block_compiles():
    for block in python_blocks():
        compile(block, "docs/plugins.md", "exec")


def block_defining(name: str) -> dict:
    (block,) = [b for b in python_blocks() if f"class {name}" in b]
    namespace: dict = {}
    exec(compile(block, "docs/plugins.md", "exec"), namespace)
    return namespace


def test_guide_loss_example_runs():
    loss = block_defining("RelativisticHinge")["RelativisticHinge"]()
    real, fake = torch.tensor([2.0, 0.0]), torch.tensor([-1.0, 1.0])
    assert loss.uses_real_logits_for_g is True
    assert loss.d_loss(real, fake).item() == pytest.approx(1.0)     # see test_plugin_example.py
    assert loss.g_loss(fake, real_logits=real).item() == pytest.approx(4.0)


def test_guide_regularizer_example_runs_on_a_batch():
    term = block_defining("LogitPenalty")["LogitPenalty"](weight=0.5)
    term.setup(None, None, 0)
    batch = Batch(G=None, D=None, real=torch.zeros(2, 1, 2, 2), real_labels=None,
                  real_index=torch.arange(2), fake=torch.zeros(2, 1, 2, 2), fake_labels=None,
                  real_logits=torch.tensor([1.0, 3.0]))
    assert term.d_term(batch).item() == pytest.approx(0.5 * (1 + 9) / 2)
    assert term.g_term(batch) is None


# ------------------------------------------------------------- what the guide names
def test_files_the_guide_names_exist():
    for path in sorted(set(re.findall(r"`(ganbench/[\w/.]+)`", guide()))):
        assert (REPO / path).exists(), f"docs/plugins.md names {path}, which does not exist"


def test_modules_and_attributes_the_guide_names_exist():
    text = guide()
    dotted = set(re.findall(r"`(ganbench(?:\.\w+)+)[`(]", text))
    imports = set(re.findall(r"from (ganbench[\w.]*)\s+import (\w+)", text))
    dotted |= {f"{module}.{name}" for module, name in imports}
    assert "ganbench.plugins.Plugins" in dotted and "ganbench.components.resolve" in dotted
    for name in sorted(dotted):
        parts = name.split(".")
        for split in range(len(parts), 0, -1):     # the longest importable prefix, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:split]))
            except ImportError:
                continue
            for attr in parts[split:]:
                assert hasattr(obj, attr), f"docs/plugins.md names {name}, which does not exist"
                obj = getattr(obj, attr)
            break
        else:
            pytest.fail(f"docs/plugins.md names {name}, which cannot be imported")
