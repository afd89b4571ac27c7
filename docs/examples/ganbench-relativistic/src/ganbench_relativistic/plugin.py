"""Entry point of ganbench-relativistic (the ``ganbench`` entry-point group names this module).

Components are registered by import string, so importing this module imports no torch and
``ganbench --help`` / ``ganbench plugins`` stay fast.
"""
from pathlib import Path

from ganbench.hookspecs import hookimpl

# The ganbench versions this plugin was written for; ganbench refuses to load it outside them.
GANBENCH_REQUIRES = ">=0.1,<0.2"


@hookimpl
def register_losses(register):
    register("relativistic_hinge", "ganbench_relativistic.losses:RelativisticHinge",
             summary="relativistic average hinge loss (RaHinge); G also sees real logits")


@hookimpl
def register_metrics(register):
    register("nearest_neighbour_distance", "ganbench_relativistic.metrics:NearestNeighbourDistance",
             summary="pixel distance of samples to the nearest training image, vs held-out reals")


@hookimpl
def gin_search_paths():
    # Makes `include 'relativistic/rel_hinge.gin'` work from any gin file.
    return [str(Path(__file__).resolve().parent / "gin")]
