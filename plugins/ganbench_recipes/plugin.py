"""Entry point of the built-in plugin ganbench_recipes: the folder of reusable gin recipes
(``models/biggan32.gin``, ``datasets/silhouettes16.gin``, ...), so that
``include 'models/biggan32.gin'`` works from any gin file.

The recipes live in the repository's top-level ``gin/`` folder. pyproject.toml installs that
folder as the data package ``ganbench_recipes.gin``, so a wheel holds it next to this module; a
checkout (editable install, or ``plugins/`` on the path) reads it where it is.
"""
from pathlib import Path

from ganbench.hookspecs import hookimpl

_HERE = Path(__file__).resolve().parent
_PLACES = (_HERE / "gin",                 # installed from a wheel: site-packages/ganbench_recipes/gin
           _HERE.parents[1] / "gin")      # a checkout: plugins/ganbench_recipes/ -> <repo>/gin


def recipes_folder() -> Path:
    for folder in _PLACES:
        if (folder / "models").is_dir():
            return folder
    raise FileNotFoundError("the gin recipes folder is missing (looked in "
                            f"{', '.join(str(p) for p in _PLACES)}); reinstall ganbench")


@hookimpl
def gin_search_paths():
    return [str(recipes_folder())]
