"""What the wheel holds. pyproject.toml lists its packages (the recipes folder gin/ installs as
``ganbench_recipes.gin``, which ``packages.find`` cannot produce), so a new folder of Python files
must be added there: the editable install would still import it, the wheel would not."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:   # Python 3.10
    tomllib = pytest.importorskip("tomli")

REPO = Path(__file__).resolve().parents[2]


def setuptools_config() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]


def python_packages() -> set[str]:
    """Dotted names of every folder holding Python files: ganbench/... and plugins/<package>/..."""
    modules = [*(REPO / "ganbench").rglob("*.py"), *(REPO / "plugins").glob("*/**/*.py")]
    return {m.parent.relative_to(REPO if m.is_relative_to(REPO / "ganbench") else REPO / "plugins")
            .as_posix().replace("/", ".") for m in modules if "__pycache__" not in m.parts}


def test_every_python_package_is_listed_for_the_wheel():
    listed = set(setuptools_config()["packages"])
    missing = sorted(python_packages() - listed)
    assert missing == [], (f"add {missing} to [tool.setuptools] packages in pyproject.toml, "
                           "or the wheel lacks them")


def test_every_listed_package_has_a_folder():
    config = setuptools_config()
    for package in config["packages"]:
        assert (REPO / source_folder(package, config.get("package-dir", {}))).is_dir(), package


def test_package_data_ships_every_fragment():
    """Every .gin file under gin/ and plugins/ is package data of a listed package, matched the
    way setuptools matches package-data patterns (glob relative to the package's folder)."""
    setuptools = setuptools_config()
    package_dir, package_data = setuptools.get("package-dir", {}), setuptools["package-data"]
    shipped = set()
    for package in setuptools["packages"]:
        folder = REPO / source_folder(package, package_dir)
        for pattern in [*package_data.get("*", []), *package_data.get(package, [])]:
            shipped |= {(folder / f).resolve() for f in glob.glob(pattern, root_dir=folder, recursive=True)}
    fragments = sorted([*(REPO / "gin").rglob("*.gin"), *(REPO / "plugins").glob("*/**/*.gin")])
    assert len(fragments) >= 20
    assert [f for f in fragments if f.resolve() not in shipped] == []


def source_folder(package: str, package_dir: dict[str, str]) -> str:
    """The folder setuptools builds ``package`` from: the longest mapped prefix, else ``""``'s."""
    parts = package.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in package_dir:
            return "/".join([package_dir[prefix], *parts[cut:]])
    return "/".join([package_dir.get("", "."), *parts])


@pytest.mark.slow
def test_wheel_ships_the_recipes_and_include_finds_them(tmp_path):
    # build from a copy: building writes build/ and *.egg-info/ next to the sources
    source = tmp_path / "src"
    for name in ("ganbench", "plugins", "gin"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist"),
                    str(source)], check=True, capture_output=True, timeout=300)
    wheel = next((tmp_path / "dist").glob("ganbench-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for recipe in ("models/biggan32.gin", "models/pggan32.gin", "datasets/silhouettes16.gin"):
        assert f"ganbench_recipes/gin/{recipe}" in names
    assert "ganbench_recipes/plugin.py" in names

    site = tmp_path / "site"
    subprocess.run([*pip, "install", "-q", "--no-deps", "--no-index", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    (tmp_path / "run.gin").write_text("include 'models/biggan32.gin'\ninclude 'datasets/silhouettes16.gin'\n")
    code = ("import gin, ganbench; from ganbench import config; config.parse(['run.gin']); "
            "print(ganbench.__file__); print(gin.query_parameter('architectures.biggan.base_width'))")
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    where, width = done.stdout.split()
    assert Path(where).is_relative_to(site) and width == "64"
