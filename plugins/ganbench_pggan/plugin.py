"""Entry point of the built-in plugin ganbench_pggan: registers its components by import string,
so loading this module imports no torch."""
from ganbench.hookspecs import hookimpl


@hookimpl
def register_architectures(register):
    register("pggan", "ganbench_pggan.architecture:pggan",
             summary="PGGAN: progressive growing, minibatch stddev, equalized LR, pixelnorm")


@hookimpl
def register_regularizers(register):
    register("drift", "ganbench_pggan.drift:Drift",
             summary="PGGAN drift penalty eps_drift * E[D(x_real)^2] on D")
