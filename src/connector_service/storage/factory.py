"""Which backend serves a storage URL, and which outbox lives in a given storage.

The factories sit above every backend (``base``, ``outbox`` and the backends never import
them), so the backends depend on their interfaces and nothing depends back. The drivers
are imported when a URL needs them, so ``memory://`` never loads asyncpg or aiosqlite.
"""

from __future__ import annotations

from connector_service.storage.base import Storage
from connector_service.storage.outbox import MemoryOutbox, WebhookStore


def open_storage(url: str) -> Storage:
    """``memory://``, ``sqlite:///path/to.db`` (or ``sqlite://:memory:``), ``postgresql://…``."""
    if url.startswith("memory:"):
        from connector_service.storage.memory import MemoryStorage

        return MemoryStorage()
    if url.startswith("sqlite:"):
        from connector_service.storage.sqlite import SqliteStorage

        # sqlite:///relative.db, sqlite:////absolute.db, sqlite://:memory:
        rest = url.removeprefix("sqlite:")
        path = rest[3:] if rest.startswith("///") else rest.removeprefix("//")
        return SqliteStorage(path or ":memory:")
    if url.startswith(("postgres://", "postgresql://")):
        from connector_service.storage.postgres import PostgresStorage

        return PostgresStorage(url)
    raise ValueError(f"unsupported storage URL scheme in {url.split(':', 1)[0]!r}")


def open_outbox(storage: Storage) -> WebhookStore:
    """The outbox living in ``storage`` (same database, same connection)."""
    from connector_service.storage.memory import MemoryStorage

    if isinstance(storage, MemoryStorage):
        return MemoryOutbox()
    from connector_service.storage.sqlite import SqliteStorage

    if isinstance(storage, SqliteStorage):
        from connector_service.storage.outbox_sqlite import SqliteOutbox

        return SqliteOutbox(storage)
    from connector_service.storage.postgres import PostgresStorage

    if isinstance(storage, PostgresStorage):
        from connector_service.storage.outbox_postgres import PostgresOutbox

        return PostgresOutbox(storage)
    raise TypeError(f"no webhook outbox for {type(storage).__name__}")
