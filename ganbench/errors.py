"""The errors ganbench reports to users, and how they are turned into one readable line.

Every mistake a user can make (a bad gin file, an unknown component, a broken plugin, an
unwritable folder) is one of these types or an ``OSError`` of the machine; the command line
prints them as ``ganbench: error: <one line>`` and exits 2 instead of showing a traceback.
"""
from __future__ import annotations

import errno
import re
from typing import Callable


class ConfigError(Exception):
    """A configuration mistake, with a message that says what, where and how to fix it."""


class RegistryError(Exception):
    """A component could not be registered or found; the message says how to fix it."""


class PluginError(Exception):
    """Raised in strict mode when any plugin failed to load or register."""


# Failures of the machine rather than of ganbench: a full disk, a read-only or missing folder.
USER_OS_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR,
                  errno.EISDIR, errno.ENOENT, errno.EEXIST}


def is_user_error(err: BaseException) -> bool:
    """True for mistakes of the user or the machine (shown as one line), False for bugs."""
    if isinstance(err, OSError) and err.errno in USER_OS_ERRNOS:
        return True
    return isinstance(err, (ConfigError, PluginError, RegistryError, FileNotFoundError,
                            PermissionError, ValueError, IsADirectoryError, NotADirectoryError))


def gin_location(text: str, binding_label: Callable[[int], str] | None = None) -> str | None:
    """Where gin says an error is ("In file X, line N" -> ``X:N``; "In bindings string line N"
    -> ``binding_label(N)``, by default ``command-line binding N``), or None when the text names
    no place."""
    match = re.search(r"In file \"?'?([^\"',]+)\"?'?, line (\d+)", text)
    if match:
        return f"{match.group(1)}:{match.group(2)}"
    match = re.search(r"In bindings string line (\d+)", text)
    if not match:
        return None
    return binding_label(int(match.group(1))) if binding_label else f"command-line binding {match.group(1)}"


def describe_error(err: BaseException) -> str:
    """One line: the message, with gin's extra lines folded in (its "In file X, line N" becomes
    a leading ``X:N:``, the offending text follows in parentheses, its call chain is dropped)."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    where, extra = [], []
    for line in lines[1:]:
        if line.startswith("In ") and (place := gin_location(line)):
            where.append(place)
        elif not line.startswith("In call to configurable"):
            extra.append(line)
    text = lines[0] + (f" ({'; '.join(extra)})" if extra else "")
    return f"{', '.join(where)}: {text}" if where else text
