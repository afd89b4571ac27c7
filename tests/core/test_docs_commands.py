"""Every `ganbench ...` command written in docs/*.md, README.md and gin comments parses with the
real argument parser (`ganbench.cli.build_parser()`), so a renamed option (`--gin_param` for
`--gin-param`) or a removed sub-command cannot linger in the docs.

What counts as a command: a line of a fenced code block (optionally after `$ `), an inline code
span, or a gin comment, that starts with `ganbench ` and a sub-command. Notation is read as a
reader would: `[...]` optional parts are included, `a|b` alternatives take the first, trailing
`# comments` and `...` are dropped, and UPPER_CASE placeholders (FILE, RUN_DIR, N) become a value.
An inline mention in prose (`ganbench run`, `ganbench eval --resize clean`) may leave out required
arguments; what it does show must exist and parse."""
from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from ganbench.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")), *sorted((REPO / "gin").rglob("*.gin")),
           *sorted((REPO / "benchmarks").glob("*.gin"))]
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*$")


def commands(path: Path) -> list[tuple[str, str, bool]]:
    """(where, command text, inline) for every ganbench command in ``path``."""
    text = path.read_text(encoding="utf-8")
    found = []
    lines = text.splitlines()
    if path.suffix == ".gin":
        for i, line in enumerate(lines, 1):
            comment = line.partition("#")[2].strip()
            for m in re.finditer(r"(?:^|`)(ganbench \w[^`]*)", comment):
                found.append((f"{path.name}:{i}", m.group(1), "`" in comment))
        return found
    fenced = False
    for i, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        stripped = line.strip()
        if fenced:
            stripped = stripped[2:] if stripped.startswith("$ ") else stripped
            if stripped.startswith("ganbench ") and not stripped.startswith("ganbench: "):
                found.append((f"{path.name}:{i}", stripped, False))
        else:
            for m in re.finditer(r"`(ganbench [^`]+)`", line):
                found.append((f"{path.name}:{i}", m.group(1), True))
    return found


def split_commands(found: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """`a ; b` and `a && b` are two commands; text after a wide gap (`cmd     (note)`) is prose."""
    out = []
    for where, text, inline in found:
        for part in re.split(r"\s*(?:;|&&)\s*", text):
            part = re.split(r"\s{2,}\(", part)[0].strip()
            if part.startswith("ganbench "):
                out.append((where, part, inline))
    return out


def normalise(command: str) -> list[str]:
    command = re.sub(r"\s#.*$", "", command)               # a trailing comment
    command = command.replace("[", " ").replace("]", " ").rstrip("\\ ")
    tokens = shlex.split(command)[1:]
    out = []
    for token in tokens:
        if token in ("...", "|") or token.endswith("..."):
            continue
        if "|" in token and not token.startswith(("'", '"')):
            token = token.split("|")[0]
        out.append("1" if PLACEHOLDER.match(token) else token)
    return out


ALL = split_commands([c for path in SOURCES for c in commands(path)])


def test_commands_were_found():
    assert len(ALL) > 20
    assert any("cache" in text for _, text, _ in ALL) and any("--train-on" in text for _, text, _ in ALL)


@pytest.mark.parametrize("where, text, inline", ALL, ids=[f"{w}" for w, _, _ in ALL])
def test_documented_command_parses(where, text, inline):
    parser = build_parser()
    argv = normalise(text)
    sub = parser._subparsers._group_actions[0].choices
    words = [a for a in argv if not a.startswith("-")]
    assert not words or words[0] in sub, f"{where}: `{text}`: unknown sub-command {words[:1]}"
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            parser.parse_args(argv)
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                message = err.getvalue().strip().splitlines()[-1]
                if inline and "the following arguments are required" in message:
                    return   # prose naming a command or option (`ganbench run`, `ganbench eval
                    # --resize clean`): what it shows exists and parses, the rest is elided
                pytest.fail(f"{where}: `{text}` does not parse: {message}")


def test_a_wrong_option_is_caught():
    with pytest.raises(SystemExit), contextlib.redirect_stderr(io.StringIO()):
        build_parser().parse_args(normalise("ganbench run FILE --gin_param 'x = 1'"))
