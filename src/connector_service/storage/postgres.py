"""PostgreSQL storage, for several service instances behind a load balancer.

``update`` serialises writers of one key with a transaction-scoped advisory lock, which
also covers the key-does-not-exist-yet case that ``SELECT … FOR UPDATE`` cannot lock.
"""

from __future__ import annotations

import time
from typing import Any

import asyncpg

from connector_service.storage.base import Storage, Updater
from connector_service.storage.migrations import MIGRATIONS


class PostgresStorage(Storage):
    name = "postgresql"

    def __init__(self, dsn: str, *, min_size: int = 1, max_size: int = 10) -> None:
        self.dsn = dsn
        self._pool: Any = None
        self._sizes = (min_size, max_size)

    async def open(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.dsn, min_size=self._sizes[0], max_size=self._sizes[1]
        )
        await self._migrate()

    async def _migrate(self) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            # One migrator at a time across instances.
            await conn.execute("SELECT pg_advisory_xact_lock(7245001)")
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)"
            )
            current = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            for version, _, sql in MIGRATIONS:
                if version > current:
                    await conn.execute(sql)
                    await conn.execute("INSERT INTO schema_version VALUES ($1)", version)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def ping(self) -> None:
        await self._pool.fetchval("SELECT 1")

    async def get(self, ns: str, key: str) -> bytes | None:
        value = await self._pool.fetchval(
            "SELECT value FROM kv WHERE ns = $1 AND key = $2 "
            "AND (expires_at IS NULL OR expires_at > $3)",
            ns, key, time.time(),
        )  # fmt: skip
        return bytes(value) if value is not None else None

    async def put(self, ns: str, key: str, value: bytes, ttl: float | None = None) -> None:
        await self._pool.execute(
            "INSERT INTO kv (ns, key, value, expires_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value, "
            "expires_at = EXCLUDED.expires_at",
            ns, key, value, time.time() + ttl if ttl else None,
        )  # fmt: skip

    async def delete(self, ns: str, key: str) -> None:
        await self._pool.execute("DELETE FROM kv WHERE ns = $1 AND key = $2", ns, key)

    async def scan(self, ns: str, limit: int = 100) -> list[tuple[str, bytes]]:
        rows = await self._pool.fetch(
            "SELECT key, value FROM kv WHERE ns = $1 AND (expires_at IS NULL OR expires_at > $2) "
            "ORDER BY key LIMIT $3",
            ns, time.time(), limit,
        )  # fmt: skip
        return [(row["key"], bytes(row["value"])) for row in rows]

    async def update(
        self, ns: str, key: str, fn: Updater, ttl: float | None = None
    ) -> bytes | None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", f"{ns}\x1f{key}"
            )
            now = time.time()
            row = await conn.fetchrow(
                "SELECT value, expires_at FROM kv WHERE ns = $1 AND key = $2", ns, key
            )
            old = None
            expires = None
            if row is not None and (row["expires_at"] is None or row["expires_at"] > now):
                old, expires = bytes(row["value"]), row["expires_at"]
            new = fn(old)
            if new is not None and new == old:
                pass  # unchanged: no write
            elif new is None:
                await conn.execute("DELETE FROM kv WHERE ns = $1 AND key = $2", ns, key)
            else:
                await conn.execute(
                    "INSERT INTO kv (ns, key, value, expires_at) VALUES ($1, $2, $3, $4) "
                    "ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value, "
                    "expires_at = EXCLUDED.expires_at",
                    ns, key, new, now + ttl if ttl else expires,
                )  # fmt: skip
            return new
