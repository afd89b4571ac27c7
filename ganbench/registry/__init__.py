"""Plugin loading and the one registry of components.

``loader`` loads every entry point of the group ``ganbench`` (built-ins first, each plugin in its
own try/except) and fills the ``Registry`` of ``components``; ``get_plugins()`` is the shared
manager of this process.
"""
from ..errors import PluginError, RegistryError
from .components import Component, Registry, missing_include_hint, missing_module, unknown_message
from .loader import PluginInfo, Plugins, get_plugins, get_registry, reset

__all__ = ["Component", "Registry", "RegistryError", "PluginError", "PluginInfo", "Plugins",
           "get_plugins", "get_registry", "reset", "missing_include_hint", "missing_module",
           "unknown_message"]
