"""SQLite's single-statement calls run in the loop thread and never wait for a lock:
while another process holds the write lock they go through aiosqlite (which waits off the
loop), so the loop keeps running and nothing is lost."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from connector_service.storage.sqlite import SqliteStorage


async def test_a_write_lock_held_elsewhere_neither_blocks_the_loop_nor_loses_the_write(
    tmp_path: Path,
) -> None:
    path = tmp_path / "s.db"
    storage = SqliteStorage(str(path))
    await storage.open()
    await storage.put("ns", "before", b"1")
    other = sqlite3.connect(path, isolation_level=None, timeout=0)  # "another process"
    other.execute("BEGIN IMMEDIATE")  # holds the write lock
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    tick_task = asyncio.create_task(ticker())
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, other.execute, "COMMIT")  # the other process lets go
    try:
        assert await storage.get("ns", "before") == b"1"  # WAL: reads are not blocked
        await storage.put("ns", "during", b"2")  # waits for the lock, off the loop
        await storage.delete("ns", "before")
    finally:
        tick_task.cancel()
        other.close()
    assert ticks >= 10  # the loop ran while the write waited (~30 ticks in 0.3 s)
    assert await storage.get("ns", "during") == b"2"
    assert await storage.get("ns", "before") is None
    await storage.close()
    # and the writes are in the file, seen by a fresh connection
    again = sqlite3.connect(path)
    assert again.execute("SELECT value FROM kv WHERE key = 'during'").fetchone() == (b"2",)
    again.close()


async def test_memory_databases_use_the_one_connection(tmp_path: Path) -> None:
    storage = SqliteStorage(":memory:")
    await storage.open()
    await storage.put("ns", "k", b"v", ttl=60)
    assert await storage.get("ns", "k") == b"v"
    assert storage._fast is None
    await storage.close()
