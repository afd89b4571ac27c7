"""``ganbench.plugins``: the plugin manager, under the import path earlier docs gave.

Plugin tests written against those docs (``from ganbench.plugins import Plugins, get_plugins``)
keep working; the code lives in ``ganbench.registry``.
"""
from .registry import PluginError, PluginInfo, Plugins, RegistryError, get_plugins, get_registry, reset

__all__ = ["Plugins", "PluginInfo", "PluginError", "RegistryError", "get_plugins", "get_registry", "reset"]
