"""Where gin files live, and that `include` finds each of them exactly once.

The reusable recipes (published model configs, dataset fragments) live in the top-level `gin/`
folder and reach gin's search path through the built-in plugin `recipes`; a plugin may still ship
fragments tied to it in its own `gin/` folder (the example plugin under docs/examples/ does).
Every `include` of the benchmarks resolves. (That the wheel ships them: test_packaging.py.)"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ganbench.plugins import get_plugins

REPO = Path(__file__).resolve().parents[2]
RECIPES = REPO / "gin"


def search_dirs() -> list[Path]:
    return [Path(p).resolve() for p in get_plugins().gin_paths()]


def reachable_fragments() -> dict[str, list[Path]]:
    """include path ('models/biggan32.gin') -> every search folder that holds it."""
    found: dict[str, list[Path]] = {}
    for folder in search_dirs():
        for path in sorted(folder.rglob("*.gin")):
            found.setdefault(path.relative_to(folder).as_posix(), []).append(folder)
    return found


def test_recipes_folder_is_on_the_search_path_through_the_recipes_plugin():
    plugins = get_plugins()
    recipes = plugins.infos["recipes"]
    assert recipes.builtin and recipes.errors == [] and recipes.components == []
    assert [Path(p).resolve() for p in recipes.gin_paths] == [RECIPES]
    for include in ("models/biggan32.gin", "models/sndcgan32.gin", "models/pggan32.gin",
                    "datasets/shapes32.gin", "datasets/silhouettes16.gin"):
        assert (RECIPES / include).is_file(), include


def test_recipes_folder_holds_only_recipes():
    # gin/ is data: the models/ and datasets/ recipes and a README, no code
    others = [p.relative_to(RECIPES).as_posix() for p in RECIPES.rglob("*")
              if p.is_file() and p.suffix != ".gin" and p.name != "README.md"]
    assert others == []
    assert {p.name for p in RECIPES.iterdir() if p.is_dir()} >= {"models", "datasets"}


def test_every_include_path_is_found_exactly_once():
    # a fragment in two search folders would make `include` depend on the plugins' load order
    found = reachable_fragments()
    assert {f"models/{p.name}" for p in (RECIPES / "models").glob("*.gin")} <= set(found)
    twice = {name: [str(d) for d in dirs] for name, dirs in found.items() if len(dirs) > 1}
    assert twice == {}
    assert len(search_dirs()) == len(set(search_dirs()))


def test_builtin_plugins_keep_no_copy_of_the_recipes():
    # a plugin's own gin folder only holds fragments tied to it, under a folder named after it
    for folder in sorted((REPO / "plugins").glob("*/gin")):
        assert not (folder / "models").exists() and not (folder / "datasets").exists(), folder


def test_every_benchmark_include_resolves():
    searched = search_dirs()
    for benchmark in sorted((REPO / "benchmarks").glob("*.gin")):
        for include in re.findall(r"^include '([^']+)'", benchmark.read_text(), re.M):
            places = [benchmark.parent / include] + [d / include for d in searched]
            assert any(p.is_file() for p in places), f"{benchmark.name}: include {include!r} not found"


def test_recipes_plugin_finds_the_wheel_layout_first_and_names_what_is_missing(tmp_path, monkeypatch):
    from ganbench_recipes import plugin
    wheel, checkout = tmp_path / "site" / "ganbench_recipes" / "gin", tmp_path / "repo" / "gin"
    monkeypatch.setattr(plugin, "_PLACES", (wheel, checkout))
    with pytest.raises(FileNotFoundError, match="reinstall ganbench"):
        plugin.recipes_folder()
    (checkout / "models").mkdir(parents=True)
    assert plugin.gin_search_paths() == [str(checkout)]
    (wheel / "models").mkdir(parents=True)
    assert plugin.gin_search_paths() == [str(wheel)]
