"""Gin fragments ship inside the plugin packages (so `pip install` users get them), and every
`include` of the repository's benchmarks resolves through the plugins' gin search paths."""
from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from ganbench.plugins import get_plugins

REPO = Path(__file__).resolve().parents[2]


def plugin_gin_dirs() -> list[Path]:
    return [Path(p) for p in get_plugins().gin_paths()]


def test_builtin_plugins_ship_their_fragments():
    dirs = {d.parent.name: d for d in plugin_gin_dirs() if d.parent.name.startswith("ganbench_")}
    assert {"ganbench_datasets", "ganbench_gan", "ganbench_pggan"} <= set(dirs)
    assert (dirs["ganbench_datasets"] / "datasets" / "shapes16.gin").is_file()
    assert (dirs["ganbench_gan"] / "models" / "biggan128.gin").is_file()
    assert (dirs["ganbench_pggan"] / "models" / "pggan32.gin").is_file()
    assert not list(REPO.glob("gin/**/*.gin"))   # none outside a package (a wheel would lose them)


def setuptools_glob_match(path: str, pattern: str) -> bool:
    """Glob as setuptools' package-data reads it: `*` stays within one path component."""
    parts, wanted = path.split("/"), pattern.split("/")
    return len(parts) == len(wanted) and all(fnmatch.fnmatchcase(a, b) for a, b in zip(parts, wanted))


def test_package_data_covers_every_fragment():
    # the line under [tool.setuptools.package-data], e.g.  "*" = ["*.gin", "gin/*/*.gin"]
    line = re.search(r'^"\*" = \[(.*)\]$', (REPO / "pyproject.toml").read_text(), re.M).group(1)
    patterns = re.findall(r'"([^"]+)"', line)
    fragments = sorted((REPO / "plugins").glob("*/gin/**/*.gin"))
    assert fragments
    for path in fragments:
        inside_package = path.relative_to(REPO / "plugins" / path.relative_to(REPO / "plugins").parts[0])
        assert any(setuptools_glob_match(inside_package.as_posix(), p) for p in patterns), path


def test_every_benchmark_include_resolves():
    searched = plugin_gin_dirs()
    for benchmark in sorted((REPO / "benchmarks").glob("*.gin")):
        for include in re.findall(r"^include '([^']+)'", benchmark.read_text(), re.M):
            places = [benchmark.parent / include] + [d / include for d in searched]
            assert any(p.is_file() for p in places), f"{benchmark.name}: include {include!r} not found"
