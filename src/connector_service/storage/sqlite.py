"""SQLite storage: the embedded, zero set-up default.

WAL mode lets readers run beside the one writer; ``BEGIN IMMEDIATE`` takes the write
lock up front so an ``update`` is atomic across worker processes sharing the file.

The single-statement key-value calls (``get``, ``put``, ``delete``) run on a second,
plain ``sqlite3`` connection in the event loop's own thread. Each takes tens of
microseconds; handing it to aiosqlite's thread and back cost ~0.15 ms of CPU per call
(the GIL hand-off between the two threads), which was most of the storage cost of a
payment. That connection never waits for a lock (``timeout=0``): when another process
holds the write lock, the call goes through aiosqlite instead, which waits off the loop.
Transactions (``update``, the outbox) stay on aiosqlite.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from typing import Any

import aiosqlite

from connector_service.storage.base import Storage, Updater
from connector_service.storage.migrations import MIGRATIONS


class SqliteStorage(Storage):
    name = "sqlite"

    def __init__(self, path: str) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._fast: sqlite3.Connection | None = None  # loop-thread connection, never waits
        self._lock = asyncio.Lock()

    async def open(self) -> None:
        db = await aiosqlite.connect(self.path, isolation_level=None, timeout=30)
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute("PRAGMA busy_timeout=30000")
        self._db = db
        await self._migrate()
        if self.path != ":memory:":  # a second connection to :memory: is another database
            fast = sqlite3.connect(self.path, isolation_level=None, timeout=0)
            fast.execute("PRAGMA synchronous=NORMAL")
            self._fast = fast

    async def _migrate(self) -> None:
        db = self._conn
        async with self._lock:
            await db.execute("BEGIN IMMEDIATE")
            try:
                await db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)"
                )
                cur = await db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
                row = await cur.fetchone()
                current = int(row[0]) if row else 0
                for version, sql, _ in MIGRATIONS:
                    if version > current:
                        for statement in filter(str.strip, sql.split(";")):
                            await db.execute(statement)
                        await db.execute("INSERT INTO schema_version VALUES (?)", (version,))
                await db.execute("COMMIT")
            except BaseException:
                await db.execute("ROLLBACK")
                raise

    @property
    def _conn(self) -> aiosqlite.Connection:
        if self._db is None:
            raise RuntimeError("storage is not open")
        return self._db

    def _now(self, sql: str, params: tuple[Any, ...]) -> list[Any] | None:
        """Run one statement on the loop-thread connection; None when it is busy (another
        process writes or checkpoints) or there is none, so the caller uses aiosqlite."""
        if self._fast is None:
            return None
        try:
            return self._fast.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return None
            raise

    async def close(self) -> None:
        if self._fast is not None:
            self._fast.close()
            self._fast = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def ping(self) -> None:
        await self._conn.execute("SELECT 1")

    async def get(self, ns: str, key: str) -> bytes | None:
        sql = (
            "SELECT value FROM kv WHERE ns = ? AND key = ? "
            "AND (expires_at IS NULL OR expires_at > ?)"
        )
        params = (ns, key, time.time())
        rows = self._now(sql, params)
        if rows is None:
            cur = await self._conn.execute(sql, params)
            rows = list(await cur.fetchall())
        return bytes(rows[0][0]) if rows else None

    async def put(self, ns: str, key: str, value: bytes, ttl: float | None = None) -> None:
        sql = (
            "INSERT INTO kv (ns, key, value, expires_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, "
            "expires_at = excluded.expires_at"
        )
        params = (ns, key, value, time.time() + ttl if ttl else None)
        async with self._lock:
            if self._now(sql, params) is None:
                await self._conn.execute(sql, params)

    async def delete(self, ns: str, key: str) -> None:
        sql, params = "DELETE FROM kv WHERE ns = ? AND key = ?", (ns, key)
        async with self._lock:
            if self._now(sql, params) is None:
                await self._conn.execute(sql, params)

    async def scan(self, ns: str, limit: int = 100) -> list[tuple[str, bytes]]:
        cur = await self._conn.execute(
            "SELECT key, value FROM kv WHERE ns = ? AND (expires_at IS NULL OR expires_at > ?) "
            "ORDER BY key LIMIT ?",
            (ns, time.time(), limit),
        )
        return [(str(k), bytes(v)) for k, v in await cur.fetchall()]

    async def update(
        self, ns: str, key: str, fn: Updater, ttl: float | None = None
    ) -> bytes | None:
        db = self._conn
        async with self._lock:
            await db.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()
                cur = await db.execute(
                    "SELECT value, expires_at FROM kv WHERE ns = ? AND key = ?", (ns, key)
                )
                row = await cur.fetchone()
                old = None
                expires = None
                if row and (row[1] is None or row[1] > now):
                    old, expires = bytes(row[0]), row[1]
                new = fn(old)
                if new is None:
                    await db.execute("DELETE FROM kv WHERE ns = ? AND key = ?", (ns, key))
                else:
                    await db.execute(
                        "INSERT INTO kv (ns, key, value, expires_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, "
                        "expires_at = excluded.expires_at",
                        (ns, key, new, now + ttl if ttl else expires),
                    )
                await db.execute("COMMIT")
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            return new
