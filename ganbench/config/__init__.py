"""Configuration: gin glue (``parse``), the root configurables of a run (``Experiment``) and of a
study (``Benchmark``), and the fingerprint of what a run was asked to compute.

Importing this package registers ``Experiment`` and ``Benchmark`` with gin.
"""
from ..errors import ConfigError, gin_location
from .benchmark import Benchmark, Cell, expand, slug
from .experiment import Experiment, experiment_summary
from .parse import describe_gin_error, full_config, operative_config, parse, register_configurables, search_path

__all__ = ["ConfigError", "gin_location", "Benchmark", "Cell", "expand", "slug", "Experiment",
           "experiment_summary", "describe_gin_error", "full_config", "operative_config", "parse",
           "register_configurables", "search_path"]
