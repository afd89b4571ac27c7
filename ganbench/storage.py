"""Crash-safe files and the shared on-disk cache.

Every file ganbench writes goes to a temporary name in the same directory and is renamed into
place, so a reader sees the old file or the new one, never half of one; it gets the permissions
``open(path, "w")`` would give (0666 less the umask). Tensors are loaded with
``weights_only=True``: a checkpoint or cache file is never unpickled blindly.
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import secrets
from pathlib import Path
from typing import Any, Callable


def atomic_write_bytes(path: str | os.PathLike, data: bytes,
                       keep_previous: str | os.PathLike | None = None) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one, never half.

    The data goes to a temporary file in the same directory, is flushed to disk, then renamed
    over ``path``. With ``keep_previous``, the old ``path`` is renamed there first, and only once
    the new data is safely on disk (a failed write leaves both files as they were). On failure
    (e.g. disk full) the temporary file is removed and an OSError naming ``path`` is raised.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temporary(path)
    except OSError as err:
        raise _naming(err, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if keep_previous is not None and path.exists():
            os.replace(path, keep_previous)
        os.replace(tmp, path)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(err, OSError):
            raise _naming(err, path) from None
        raise
    _fsync_dir(path.parent)


def _create_temporary(path: Path) -> tuple[int, str]:
    """Create and open a new, empty temporary file beside ``path``: (descriptor, name).

    Unlike ``tempfile.mkstemp`` (always mode 0600, so colleagues could not read a study), the file
    is created with mode 0666 and the kernel applies the umask (and a folder's default ACL) at
    creation, exactly as for ``open(path, "w")``. Setting the mode at creation leaves no moment
    with the wrong one, and reading the umask (``os.umask`` sets it) would race other threads.
    O_EXCL refuses an existing name or symlink, as mkstemp does.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(path.parent))


def _naming(err: OSError, path: Path) -> OSError:
    """The same kind of OSError (so errno checks still work), with the file in its message."""
    if err.errno is None:
        return err
    return type(err)(err.errno, f"cannot write {path}: {err.strerror}")


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable across a power cut; not possible on every platform.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def atomic_torch_save(obj: Any, path: str | os.PathLike,
                      keep_previous: str | os.PathLike | None = None) -> None:
    import torch
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write_bytes(path, buf.getvalue(), keep_previous=keep_previous)


def safe_torch_load(path: str | os.PathLike, map_location: Any = "cpu") -> Any:
    """Load tensors and plain containers only (``weights_only=True``)."""
    import torch
    return torch.load(path, map_location=map_location, weights_only=True)


def cache_dir() -> Path:
    """Root of the shared cache (reference statistics, domain classifiers, pre-training)."""
    root = os.environ.get("GANBENCH_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "ganbench")
    return Path(root)


def key_hash(parts: dict[str, Any]) -> str:
    """A short stable hash of settings (sorted JSON), for cache file names."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def cached(namespace: str, parts: dict[str, Any], compute: Callable[[], Any],
           root: str | os.PathLike | None = None) -> Any:
    """Return the cached value for ``parts`` or compute, store and return it.

    Values are whatever ``torch.save`` stores with ``weights_only`` loading (tensors, dicts,
    lists, numbers, strings). A file lock makes concurrent writers compute it once.
    """
    from filelock import FileLock

    folder = Path(root) if root else cache_dir()
    folder = folder / namespace
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{key_hash(parts)}.pt"
    with FileLock(str(path) + ".lock"):
        if path.exists():
            try:
                return safe_torch_load(path)
            except Exception:
                path.unlink()  # corrupt or foreign: recompute rather than fail
        value = compute()
        atomic_torch_save(value, path)
        atomic_write_json(path.with_suffix(".json"), parts)
        return value
