"""Entry point of the built-in plugin ganbench_pggan: registers its components by import string,
so loading this module imports no torch."""
from pathlib import Path

from ganbench.hookspecs import hookimpl


@hookimpl
def register_architectures(register):
    register("pggan", "ganbench_pggan.architecture:pggan",
             summary="PGGAN: progressive growing, minibatch stddev, equalized LR, pixelnorm")


@hookimpl
def register_regularizers(register):
    register("drift", "ganbench_pggan.drift:Drift",
             summary="PGGAN drift penalty eps_drift * E[D(x_real)^2] on D")


@hookimpl
def gin_search_paths():
    # The gin fragments this plugin ships (models/pggan*.gin), so that `include 'models/pggan32.gin'`
    # works from any gin file, in a checkout and in an installed wheel alike.
    return [str(Path(__file__).resolve().parent / "gin")]
