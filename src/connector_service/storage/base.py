"""The storage interface.

The service is stateless for payment data; what it keeps is small and keyed: idempotency
records, cached gateway access tokens, circuit-breaker state and the sandbox gateway's
ledger. A namespaced key-value store with an atomic read-modify-write covers all of
them. ``update`` runs its function while holding the row's lock, so two workers (or two
instances on PostgreSQL) can never both apply a change to the same key.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

Updater = Callable[[bytes | None], bytes | None]


class Storage(abc.ABC):
    """Async key-value store with TTLs and atomic updates."""

    name: str = "abstract"

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Connect and run migrations."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise if the backend cannot serve requests (used by ``/ready``)."""

    @abc.abstractmethod
    async def get(self, ns: str, key: str) -> bytes | None: ...

    @abc.abstractmethod
    async def put(self, ns: str, key: str, value: bytes, ttl: float | None = None) -> None: ...

    @abc.abstractmethod
    async def delete(self, ns: str, key: str) -> None: ...

    @abc.abstractmethod
    async def scan(self, ns: str, limit: int = 100) -> list[tuple[str, bytes]]:
        """Up to ``limit`` live (key, value) pairs of a namespace, in key order."""

    @abc.abstractmethod
    async def update(
        self, ns: str, key: str, fn: Updater, ttl: float | None = None
    ) -> bytes | None:
        """Atomically replace the value with ``fn(old)``; ``None`` from ``fn`` deletes it.
        An exception from ``fn`` leaves the value unchanged and propagates. Returns the new
        value."""
