"""``ganbench cache``: what the shared cache holds (``list``), how much space it takes (``size``)
and removing entries (``clear``), so nobody deletes cache folders by hand.

The cache root is ``ganbench.storage.cache_dir()`` (``GANBENCH_CACHE``, else
``$XDG_CACHE_HOME/ganbench`` or ``~/.cache/ganbench``). Each entry is a ``<kind>/<hash>.pt`` written
by ``storage.cached`` with a ``.json`` of the parts its key was made of beside it (dataset keys,
folders, settings), which is what ``list`` shows and what ``--dataset`` matches. Kinds:
``datasets/<name>`` (decoded or generated images), ``domain_classifier`` (weights),
``domain_classifier_accuracy``, ``reference_features`` (features of a reference split),
``label_efficiency`` (pre-trained labelers); plugins may add others.
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    cache = sub.add_parser("cache", help="list, measure or clear the shared cache (datasets, domain "
                           "classifiers, reference features, pre-trained labelers)")
    actions = cache.add_subparsers(dest="action", metavar="ACTION", required=True)
    for name, text in (("list", "one line per entry: kind, size, age, what it was made from"),
                       ("size", "total size per kind")):
        p = actions.add_parser(name, help=text)
        _filters(p)
        p.add_argument("--json", action="store_true")
    clear = actions.add_parser("clear", help="remove entries (--kind, --dataset, or --all) and "
                               "print what was removed; never asks")
    _filters(clear)
    clear.add_argument("--all", action="store_true", help="remove every entry")
    clear.add_argument("--dry-run", action="store_true", help="print what would be removed, remove nothing")


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--kind", action="append", metavar="KIND",
                        help="only this kind (datasets, datasets/image_folder, domain_classifier, "
                             "reference_features, label_efficiency, ...; repeatable)")
    parser.add_argument("--dataset", action="append", metavar="NAME",
                        help="only entries made from this dataset: a name (image_folder, shapes), "
                             "a key prefix (image_folder-train-r16) or a folder path (repeatable)")


@dataclass
class Entry:
    kind: str
    path: Path
    size: int
    modified: float
    parts: dict[str, Any] = field(default_factory=dict)

    def files(self) -> list[Path]:
        """The entry's files: the value, its parts (.json) and its lock."""
        return [p for p in (self.path, self.path.with_suffix(".json"), Path(str(self.path) + ".lock"))
                if p.exists()]

    def describe(self) -> str:
        """What the entry was made from, shortest first: dataset keys and folders, then settings."""
        data = [f"{k}={v}" for k, v in self.parts.items()
                if k in ("dataset", "test", "folder", "split", "method") and isinstance(v, (str, int))]
        other = [f"{k}={v}" for k, v in self.parts.items() if k not in ("dataset", "test", "folder", "split",
                                                                       "method", "files", "labels", "classes")
                 and isinstance(v, (str, int, float, bool)) and v is not None]
        return " ".join(data + other)

    def mentions(self, dataset: str) -> bool:
        if self.kind == f"datasets/{dataset}":
            return True
        return dataset in json.dumps(self.parts, default=str)


def entries(root: Path | None = None) -> list[Entry]:
    from .storage import cache_dir
    root = Path(root) if root else cache_dir()
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*.pt")):
        try:
            stat = path.stat()
        except FileNotFoundError:   # removed meanwhile
            continue
        parts_file = path.with_suffix(".json")
        try:
            parts = json.loads(parts_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            parts = {}
        size = stat.st_size + (parts_file.stat().st_size if parts_file.exists() else 0)
        found.append(Entry(path.parent.relative_to(root).as_posix(), path, size, stat.st_mtime,
                           parts if isinstance(parts, dict) else {}))
    return found


def select(found: list[Entry], kinds: list[str] | None, datasets: list[str] | None) -> list[Entry]:
    if kinds:
        found = [e for e in found if any(e.kind == k or e.kind.startswith(k.rstrip("/") + "/") for k in kinds)]
    if datasets:
        found = [e for e in found if any(e.mentions(d) for d in datasets)]
    return found


def human(size: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def age(seconds: float) -> str:
    seconds = max(0.0, time.time() - seconds)
    for unit, length in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= length:
            return f"{seconds / length:.0f}{unit} ago"
    return "just now"


def cmd_cache(args: argparse.Namespace) -> int:
    from .storage import cache_dir
    root = cache_dir()
    found = select(entries(root), args.kind, args.dataset)
    if args.action == "list":
        if args.json:
            print(json.dumps([{"kind": e.kind, "file": str(e.path), "bytes": e.size, "modified": e.modified,
                               "parts": e.parts} for e in found], indent=2))
            return 0
        print(f"cache: {root}")
        for e in found:
            print(f"{e.kind:<28} {human(e.size):>9}  {age(e.modified):>9}  {e.path.name}  {e.describe()}")
        print(f"{len(found)} entries, {human(sum(e.size for e in found))}")
        return 0
    if args.action == "size":
        totals: dict[str, list[int]] = {}
        for e in found:
            totals.setdefault(e.kind, [0, 0])
            totals[e.kind][0] += 1
            totals[e.kind][1] += e.size
        if args.json:
            print(json.dumps({k: {"entries": n, "bytes": b} for k, (n, b) in sorted(totals.items())}, indent=2))
            return 0
        print(f"cache: {root}")
        for kind, (n, size) in sorted(totals.items()):
            print(f"{kind:<28} {n:>6} entries  {human(size):>9}")
        print(f"{'total':<28} {len(found):>6} entries  {human(sum(e.size for e in found)):>9}")
        return 0
    # clear
    if not (args.all or args.kind or args.dataset):
        raise ValueError("ganbench cache clear removes nothing without --kind KIND, --dataset NAME or "
                         "--all (see `ganbench cache list` for what is there)")
    removed = 0
    for e in found:
        for path in e.files():
            if not args.dry_run:
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass
        removed += e.size
        print(f"{'would remove' if args.dry_run else 'removed'} {e.kind}/{e.path.name} "
              f"({human(e.size)}) {e.describe()}".rstrip())
    if not args.dry_run:
        for folder in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) \
                if root.is_dir() else []:
            try:
                folder.rmdir()   # only empty ones
            except OSError:
                pass
    print(f"{'would remove' if args.dry_run else 'removed'} {len(found)} entries, {human(removed)} from {root}")
    return 0
