"""Entry point of the built-in plugin ganbench_stylegan2 (components are registered by import string)."""
from ganbench.hookspecs import hookimpl  # noqa: F401
