"""Entry point of the built-in plugin ganbench_augment (components are registered by import string)."""
from ganbench.hookspecs import hookimpl  # noqa: F401
