"""``ganbench list``: the registered components; with ``--details``, each one's gin parameters
and their defaults (and, for architectures, G and D sizes). Without ``--details`` nothing is
imported beyond the plugin modules, so it stays fast and torch-free."""
from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(sub: Any) -> None:
    lst = sub.add_parser("list", help="list registered components (--details: their gin parameters)")
    lst.add_argument("kind", nargs="?", help="only this kind (architectures, losses, ...)")
    lst.add_argument("name", nargs="?", help="only this component of KIND")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--details", action="store_true",
                     help="each component's gin parameters with their defaults, the arguments "
                          "ganbench passes itself, and for architectures G and D parameter counts "
                          "(imports every factory)")
    lst.add_argument("--resolution", type=int, default=32, help="architecture sizes: at this resolution (default 32)")
    lst.add_argument("--num-classes", type=int, default=10,
                     help="architecture sizes: with this many classes (default 10; 0 = unconditional)")


def cmd_list(args: argparse.Namespace) -> int:
    from .interfaces import KINDS
    from .registry import get_registry
    registry = get_registry()
    if args.kind and args.kind not in KINDS:
        raise ValueError(f"unknown kind {args.kind!r}; kinds are {', '.join(KINDS)}")
    comps = [registry.get(args.kind, args.name)] if args.name else registry.components(args.kind)
    if args.details:
        rows = [details(c, args.resolution, args.num_classes) for c in comps]
        print(json.dumps(rows, indent=2) if args.json else render_details(rows, args.resolution, args.num_classes))
        return 0
    if args.json:
        print(json.dumps([{"kind": c.kind, "name": c.name, "plugin": c.plugin,
                           "summary": c.description} for c in comps], indent=2))
        return 0
    kind = None
    for c in comps:
        if c.kind != kind:
            kind = c.kind
            print(f"{kind}:")
        print(f"  {c.name:<24} {c.description}  [{c.plugin}]")
    return 0


def details(comp: Any, resolution: int, num_classes: int) -> dict[str, Any]:
    """One component as data: summary, gin parameters (name -> repr of the default, None when
    required), the core's own arguments, and whether any keyword is accepted (**kwargs)."""
    from .config.parse import REQUIRED, gin_parameters
    row: dict[str, Any] = {"kind": comp.kind, "name": comp.name, "plugin": comp.plugin}
    try:
        factory = comp.load()
    except Exception as err:  # one component that cannot import must not hide the others
        return {**row, "summary": comp.description, "error": str(err)}
    info = gin_parameters(factory, comp.kind)
    row.update(summary=comp.description,
               parameters={n: None if d is REQUIRED else repr(d) for n, d in info.parameters.items()},
               core_arguments=info.core_arguments, var_keyword=info.var_keyword)
    if info.error:
        row["error"] = info.error
    if comp.kind == "architectures":
        row.update(architecture_size(factory, resolution, num_classes))
    return row


def architecture_size(factory: Any, resolution: int, num_classes: int) -> dict[str, Any]:
    """G and D parameter counts of an architecture built with its default settings."""
    try:
        G, D = factory(resolution=resolution, channels=3, num_classes=num_classes)
    except Exception as err:  # e.g. a resolution the architecture does not support
        return {"build_error": f"{type(err).__name__}: {err}"}
    return {"G_params": sum(p.numel() for p in G.parameters()),
            "D_params": sum(p.numel() for p in D.parameters())}


def render_details(rows: list[dict[str, Any]], resolution: int, num_classes: int) -> str:
    lines, kind = [], None
    for row in rows:
        if row["kind"] != kind:
            kind = row["kind"]
            sizes = (f" (G/D sizes at {resolution}x{resolution}, {num_classes} classes, default settings)"
                     if kind == "architectures" else "")
            lines.append(f"{kind}{sizes}:")
        lines.append(f"  {row['kind']}.{row['name']}  [{row['plugin']}]  {row['summary']}".rstrip())
        lines += [f"      {line}" for line in _detail_lines(row)]
    return "\n".join(lines)


def _detail_lines(row: dict[str, Any]) -> list[str]:
    lines = []
    if row.get("core_arguments"):
        lines.append(f"core arguments (passed by ganbench, not gin): {', '.join(row['core_arguments'])}")
    for name, default in row.get("parameters", {}).items():
        lines.append(f"{name} = {'<required>' if default is None else default}")
    if row.get("var_keyword"):
        lines.append("**kwargs: takes any keyword, so its other gin parameters cannot be listed")
    if row.get("error"):
        lines.append(f"parameters cannot be listed: {row['error']}")
    elif not row.get("parameters") and not row.get("var_keyword"):
        lines.append("(no gin parameters)")
    if "G_params" in row:
        lines.append(f"size: G {row['G_params'] / 1e6:.3f}M, D {row['D_params'] / 1e6:.3f}M parameters")
    elif "build_error" in row:
        lines.append(f"size: not buildable: {row['build_error']}")
    return lines
