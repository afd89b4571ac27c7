"""Turning what gin hands over (a component name, a factory, or an instance) into a component.

Public: plugins call ``resolve`` to build components they take as arguments (an architecture
builds the normalizers it is given, a metric its feature extractor).
"""
from __future__ import annotations

from typing import Any


def resolve(kind: str, spec: Any, **kwargs: Any) -> Any:
    """Build a component of ``kind`` from ``spec``.

    ``spec`` may be a registered name (``"spectral_norm"``), a factory (what ``@normalizers.x``
    gives in gin), or None (returns None). Factories are called with ``kwargs``. A name resolves
    to the gin configurable, so ``normalizers.spectral_norm.power_iterations = 2`` applies to
    components named by string too.
    """
    if spec is None:
        return None
    if isinstance(spec, str):
        from .registry import get_registry
        component = get_registry().get(kind, spec)       # raises with the valid names
        spec = component.configurable or component.load()
    if callable(spec):
        return spec(**kwargs)
    raise TypeError(f"expected a {kind} name or factory, got {spec!r}")
