"""Start-up checks shared by ``serve``, ``config check --connect`` and the operators'
tools: each answers *why* something cannot be used, as one line, or None.

They exist so that a start-up failure is a sentence naming the cause, not a traceback
from deep inside a driver (an unreachable PostgreSQL used to print 64 lines).
"""

from __future__ import annotations

import asyncio
import os
import socket


def shown_url(url: str) -> str:
    """A storage URL without its credentials (user and password precede the ``@``)."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…@{rest.rsplit('@', 1)[-1]}"


def sqlite_path(url: str) -> str | None:
    """The file of a ``sqlite:///…`` URL (None for ``:memory:`` or another scheme)."""
    if not url.startswith("sqlite:"):
        return None
    rest = url.removeprefix("sqlite:")
    path = rest[3:] if rest.startswith("///") else rest.removeprefix("//")
    return None if path in ("", ":memory:") else path


def missing_sqlite(url: str) -> str | None:
    """Why a command that only reads or replays should not open ``url``: a SQLite file
    that does not exist would be created empty, silently showing nothing (typically a
    relative path run from another directory)."""
    path = sqlite_path(url)
    if path is None or os.path.exists(path):
        return None
    return (
        f"storage {url}: no database at {os.path.abspath(path)} "
        "(run from the service's directory, pass --storage with an absolute path, "
        "or create it with `connector-service migrate`)"
    )


async def _reach_postgres(url: str, seconds: float) -> None:
    import asyncpg

    async with asyncio.timeout(seconds + 1):
        conn = await asyncpg.connect(url, timeout=seconds)
        await conn.close()


def storage_unreachable(url: str, timeout: float = 10.0) -> str | None:
    """Try to reach the storage without changing it (no file created, no migration)."""
    if url.startswith(("postgresql://", "postgres://")):
        try:
            asyncio.run(_reach_postgres(url, timeout))
        except (OSError, TimeoutError) as exc:
            return f"storage {shown_url(url)}: cannot connect ({_reason(exc)})"
        except Exception as exc:  # asyncpg's own errors: authentication, unknown database
            return f"storage {shown_url(url)}: {type(exc).__name__}: {_reason(exc)}"
        return None
    path = sqlite_path(url)
    if path is not None:
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            return f"storage {url}: the directory {folder} does not exist"
        target = path if os.path.exists(path) else folder
        if not os.access(target, os.R_OK | os.W_OK):
            return f"storage {url}: {target} is not readable and writable by this user"
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text or type(exc).__name__


def port_in_use(host: str, port: int) -> str | None:
    """Whether ``host:port`` can be listened on (as uvicorn will, with SO_REUSEADDR)."""
    if port == 0:
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
    return None
