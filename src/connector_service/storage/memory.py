"""In-process storage for library mode and unit tests. Lost on exit, by design."""

from __future__ import annotations

import asyncio
import time

from connector_service.storage.base import Storage, Updater


class MemoryStorage(Storage):
    name = "memory"

    def __init__(self) -> None:
        self._data: dict[tuple[str, str], tuple[bytes, float | None]] = {}
        self._lock = asyncio.Lock()

    async def ping(self) -> None:
        return None

    def _live(self, ns: str, key: str) -> bytes | None:
        item = self._data.get((ns, key))
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= time.time():
            del self._data[(ns, key)]
            return None
        return value

    async def get(self, ns: str, key: str) -> bytes | None:
        return self._live(ns, key)

    async def put(self, ns: str, key: str, value: bytes, ttl: float | None = None) -> None:
        self._data[(ns, key)] = (value, time.time() + ttl if ttl else None)

    async def delete(self, ns: str, key: str) -> None:
        self._data.pop((ns, key), None)

    async def scan(self, ns: str, limit: int = 100) -> list[tuple[str, bytes]]:
        keys = sorted(k for (n, k) in list(self._data) if n == ns)
        out = []
        for key in keys:
            value = self._live(ns, key)
            if value is not None:
                out.append((key, value))
            if len(out) >= limit:
                break
        return out

    async def update(
        self, ns: str, key: str, fn: Updater, ttl: float | None = None
    ) -> bytes | None:
        async with self._lock:
            new = fn(self._live(ns, key))
            if new is None:
                self._data.pop((ns, key), None)
            else:
                old = self._data.get((ns, key))
                expires = time.time() + ttl if ttl else (old[1] if old else None)
                self._data[(ns, key)] = (new, expires)
            return new
