"""Entry point of the built-in plugin ganbench_stylegan2: registers its components by import
string, so loading this module imports no torch."""
from ganbench.hookspecs import hookimpl


@hookimpl
def register_architectures(register):
    register("stylegan2", "ganbench_stylegan2.architecture:stylegan2",
             summary="StyleGAN2 (config E/F): mapping net, modulated convs, skip G, residual D")


@hookimpl
def register_regularizers(register):
    register("path_length", "ganbench_stylegan2.path_length:PathLengthPenalty",
             summary="StyleGAN2 path-length penalty E[(||J_w^T y|| - a)^2] on G, lazy")
