"""The storage interface against every backend: memory, SQLite and the real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connector_service.storage import Storage, open_storage


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kv.db'}"
    else:
        url = request.getfixturevalue("postgres_dsn")
    store = open_storage(url)
    await store.open()
    yield store
    await store.close()


def ns() -> str:
    return "test-" + uuid.uuid4().hex[:8]


async def test_get_put_delete(storage: Storage) -> None:
    space = ns()
    assert await storage.get(space, "a") is None
    await storage.put(space, "a", b"1")
    assert await storage.get(space, "a") == b"1"
    await storage.put(space, "a", b"2")
    assert await storage.get(space, "a") == b"2"
    await storage.delete(space, "a")
    assert await storage.get(space, "a") is None
    await storage.ping()


async def test_ttl_expires(storage: Storage) -> None:
    space = ns()
    await storage.put(space, "t", b"x", ttl=0.2)
    assert await storage.get(space, "t") == b"x"
    await asyncio.sleep(0.3)
    assert await storage.get(space, "t") is None


async def test_update_is_atomic_under_concurrency(storage: Storage) -> None:
    space = ns()

    def incr(old: bytes | None) -> bytes:
        return str(int(old or b"0") + 1).encode()

    await asyncio.gather(*(storage.update(space, "n", incr) for _ in range(50)))
    assert await storage.get(space, "n") == b"50"


async def test_update_exception_leaves_value(storage: Storage) -> None:
    space = ns()
    await storage.put(space, "k", b"keep")

    def boom(old: bytes | None) -> bytes:
        raise ValueError("no")

    with pytest.raises(ValueError):
        await storage.update(space, "k", boom)
    assert await storage.get(space, "k") == b"keep"
    assert await storage.update(space, "k", lambda old: None) is None
    assert await storage.get(space, "k") is None


async def test_two_sqlite_connections_share_state(tmp_path: Path) -> None:
    """Two worker processes open the same file: an update by one is seen by the other."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    one, two = open_storage(url), open_storage(url)
    await one.open()
    await two.open()
    try:

        def incr(old: bytes | None) -> bytes:
            return str(int(old or b"0") + 1).encode()

        await asyncio.gather(*(s.update("ns", "n", incr) for s in (one, two) for _ in range(20)))
        assert await one.get("ns", "n") == b"40"
    finally:
        await one.close()
        await two.close()


def test_unknown_storage_url() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        open_storage("mysql://x")


async def test_scan_lists_live_keys_in_order(storage: Storage) -> None:
    space = ns()
    for key in ("c", "a", "b"):
        await storage.put(space, key, key.encode())
    await storage.put(space, "z", b"gone", ttl=0.01)
    await asyncio.sleep(0.05)
    assert await storage.scan(space) == [("a", b"a"), ("b", b"b"), ("c", b"c")]
    assert await storage.scan(space, limit=2) == [("a", b"a"), ("b", b"b")]
    assert await storage.scan(ns()) == []


async def test_a_shortened_reference_two_payments_share_finds_neither() -> None:
    """``Resources.remember_alias``: an alias names one unresolved payment, the same
    payment again, or, once a second one claims it, none (never the wrong one)."""
    from connector_service.core.resources import Resources
    from connector_service.domain.ids import IdCodec, Kind
    from connector_service.storage.memory import MemoryStorage

    res = Resources(IdCodec(b"k" * 32), MemoryStorage())
    await res.remember_alias(Kind.PAYMENT, "acct", "ref-tail", "pay_1")
    await res.remember_alias(Kind.PAYMENT, "acct", "ref-tail", "pay_1")
    assert await res.unsettled_by_reference(Kind.PAYMENT, "acct", "ref-tail") == "pay_1"
    await res.remember_alias(Kind.PAYMENT, "acct", "ref-tail", "pay_2")
    assert await res.unsettled_by_reference(Kind.PAYMENT, "acct", "ref-tail") is None
    await res.remember_alias(Kind.PAYMENT, "acct", "ref-tail", "pay_1")
    assert await res.unsettled_by_reference(Kind.PAYMENT, "acct", "ref-tail") is None
    assert await res.unsettled_by_reference(Kind.PAYMENT, "other", "ref-tail") is None
