"""The outbox on SQLite and the real PostgreSQL: duplicates, claims and leases, results,
replays, and claims racing from several processes (SQLite) or instances (PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from connector_service.storage import Storage, open_outbox, open_storage
from connector_service.storage.outbox import (
    AttemptResult,
    NewEvent,
    Outcome,
    WebhookStore,
    delivery_id,
)


@pytest.fixture
async def opened(storage_url: str) -> AsyncIterator[tuple[Storage, WebhookStore]]:
    storage = open_storage(storage_url)
    await storage.open()
    yield storage, open_outbox(storage)
    await storage.close()


def event(i: int, endpoints: tuple[str, ...] = ("a", "b")) -> NewEvent:
    return NewEvent(
        id=f"evt_{i}",
        connector="sandbox",
        account="sandbox",
        connector_event_id=f"sbevt_{i}",
        type="payment.captured",
        payload=json.dumps({"id": f"evt_{i}"}).encode(),
        endpoints=endpoints,
    )


def ok(status: int | None = 200, error: str | None = None) -> AttemptResult:
    return AttemptResult(time.time(), status, 12.5, error)


async def test_schema_version_2_is_recorded(opened: tuple[Storage, WebhookStore]) -> None:
    storage, _ = opened
    # Opening again runs nothing twice (the migration is versioned).
    again = open_storage(storage_url_of(storage))
    await again.open()
    await again.close()
    store = open_outbox(storage)
    assert await store.list_events() == []


def storage_url_of(storage: Storage) -> str:
    path = getattr(storage, "path", None)
    return f"sqlite:///{path}" if path else str(getattr(storage, "dsn", ""))


async def test_record_is_idempotent_and_creates_deliveries(
    opened: tuple[Storage, WebhookStore],
) -> None:
    _, store = opened
    now = time.time()
    assert await store.record([event(1), event(2, ())], now) == [True, True]
    assert await store.record([event(1), event(3)], now) == [False, True]
    assert {e.id for e in await store.list_events()} == {"evt_1", "evt_2", "evt_3"}
    deliveries = await store.list_deliveries(event_id="evt_1")
    assert sorted(d.endpoint for d in deliveries) == ["a", "b"]
    assert all(d.status == "pending" and d.attempts == 0 for d in deliveries)
    assert await store.list_deliveries(event_id="evt_2") == []
    row = await store.get_event("evt_1")
    assert row is not None and json.loads(row.payload) == {"id": "evt_1"}
    assert (await store.stats())["a"].pending == 2


async def test_claims_lease_and_results(opened: tuple[Storage, WebhookStore]) -> None:
    _, store = opened
    now = time.time()
    await store.record([event(1), event(2)], now)
    first = await store.claim("w1", ["a"], 10, 30, now)
    assert sorted(c.event_id for c in first) == ["evt_1", "evt_2"]
    assert first[0].payload.startswith(b'{"id"')
    # Leased: nobody else gets them, for any endpoint not asked either.
    assert await store.claim("w2", ["a"], 10, 30, now) == []
    assert len(await store.claim("w2", ["b"], 10, 30, now)) == 2
    # The lease runs out (the worker died): another worker takes the delivery over.
    taken = await store.claim("w3", ["a"], 10, 30, now + 31)
    assert len(taken) == 2
    c1 = next(c for c in first if c.event_id == "evt_1")
    # The first worker reports a failure late: recorded, but it no longer decides.
    await store.finish(c1, "w1", ok(500, "HTTP 500"), Outcome.RETRY, next_attempt_at=now + 5,
                       step=1, now=now)  # fmt: skip
    d = (await store.list_deliveries(event_id="evt_1", endpoint="a"))[0]
    assert (d.status, d.attempts, d.step, d.lease_owner) == ("pending", 1, 0, "w3")
    # The owner's retry decision applies.
    t1 = next(c for c in taken if c.event_id == "evt_1")
    await store.finish(t1, "w3", ok(503, "HTTP 503"), Outcome.RETRY, next_attempt_at=now + 100,
                       step=1, now=now)  # fmt: skip
    d = (await store.list_deliveries(event_id="evt_1", endpoint="a"))[0]
    assert (d.status, d.attempts, d.step, d.lease_owner) == ("pending", 2, 1, None)
    assert d.next_attempt_at == pytest.approx(now + 100)
    assert await store.claim("w3", ["a"], 10, 30, now + 50) == []  # not due yet
    # A success counts even from a worker whose lease was lost.
    await store.finish(c1, "w1", ok(200), Outcome.SUCCEEDED, next_attempt_at=None, step=1, now=now)
    d = (await store.list_deliveries(event_id="evt_1", endpoint="a"))[0]
    assert (d.status, d.attempts, d.last_status_code) == ("succeeded", 3, 200)
    attempts = await store.list_attempts(delivery_id("evt_1", "a"))
    assert [(a.attempt, a.status_code, a.worker) for a in attempts] == [
        (1, 500, "w1"), (2, 503, "w3"), (3, 200, "w1"),
    ]  # fmt: skip
    assert attempts[0].error == "HTTP 500" and attempts[0].latency_ms == 12.5
    # ...and a late failure never re-queues a delivered event.
    await store.finish(t1, "w3", ok(500), Outcome.FAILED, next_attempt_at=None, step=2, now=now)
    d = (await store.list_deliveries(event_id="evt_1", endpoint="a"))[0]
    assert d.status == "succeeded"


async def test_failed_and_gone_then_replays(opened: tuple[Storage, WebhookStore]) -> None:
    _, store = opened
    now = time.time()
    await store.record([event(1), event(2)], now)
    claims = await store.claim("w", ["a", "b"], 10, 30, now)
    by = {(c.event_id, c.endpoint): c for c in claims}
    await store.finish(by["evt_1", "a"], "w", ok(500), Outcome.FAILED, next_attempt_at=None,
                       step=7, now=now)  # fmt: skip
    await store.finish(by["evt_1", "b"], "w", ok(410, "410 Gone"), Outcome.GONE,
                       next_attempt_at=None, step=0, now=now)  # fmt: skip
    assert set(await store.disabled_endpoints()) == {"b"}
    stats = await store.stats()
    assert (stats["a"].failed, stats["b"].failed) == (1, 1)
    assert (stats["a"].pending, stats["b"].pending) == (1, 1)  # evt_2 is still in flight
    assert await store.replay_failed("a", now) == 1
    d = (await store.list_deliveries(event_id="evt_1", endpoint="a"))[0]
    assert (d.status, d.step, d.attempts) == ("pending", 0, 1)  # history kept, new round
    # Replaying one event: re-queues delivered ones and creates missing ones.
    await store.finish(by["evt_2", "a"], "w", ok(200), Outcome.SUCCEEDED, next_attempt_at=None,
                       step=0, now=now)  # fmt: skip
    assert await store.replay_event("evt_2", ["a", "c"], now) == 2
    got = {d.endpoint: d.status for d in await store.list_deliveries(event_id="evt_2")}
    assert got == {"a": "pending", "b": "pending", "c": "pending"}
    assert await store.replay_event("evt_404", ["a"], now) == 0
    assert await store.enable_endpoint("b") is True
    assert await store.enable_endpoint("b") is False
    assert await store.disabled_endpoints() == {}


async def test_listing_filters_and_pages(opened: tuple[Storage, WebhookStore]) -> None:
    _, store = opened
    base = time.time()
    for i in range(5):
        await store.record([event(i, ("a",))], base + i)
    newest = await store.list_events(limit=2)
    assert [e.id for e in newest] == ["evt_4", "evt_3"]
    older = await store.list_events(limit=10, after=(newest[-1].received_at, newest[-1].id))
    assert [e.id for e in older] == ["evt_2", "evt_1", "evt_0"]
    assert await store.list_events(type="refund.succeeded") == []
    assert len(await store.list_deliveries(endpoint="a", status="pending", limit=3)) == 3


# ---------------------------------------------------------------------- racing claimers

_CLAIMER = """
import asyncio, json, os, sys, time
from connector_service.storage import open_storage
from connector_service.storage import open_outbox

async def main(url, owner, go):
    storage = open_storage(url)
    await storage.open()
    store = open_outbox(storage)
    print("ready", flush=True)
    while not os.path.exists(go):  # start together
        await asyncio.sleep(0.005)
    got, empty = [], 0
    while empty < 3:
        claims = await store.claim(owner, ["a"], 3, 600, time.time())
        got += [c.delivery_id for c in claims]
        empty = 0 if claims else empty + 1
        await asyncio.sleep(0.002)
    await storage.close()
    print(json.dumps(got), flush=True)

asyncio.run(main(*sys.argv[1:4]))
"""


async def _seed(url: str, n: int) -> None:
    storage = open_storage(url)
    await storage.open()
    await open_outbox(storage).record([event(i, ("a",)) for i in range(n)], time.time())
    await storage.close()


async def test_sqlite_claims_from_several_processes_never_overlap(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    n = 150
    await _seed(url, n)
    go = tmp_path / "go"
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", _CLAIMER, url, f"proc{i}", str(go),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        for i in range(3)
    ]  # fmt: skip
    for p in procs:
        assert p.stdout is not None
        assert (await p.stdout.readline()).strip() == b"ready"
    go.touch()
    outputs = [await asyncio.wait_for(p.communicate(), 60) for p in procs]
    claimed = [json.loads(out) for out, _ in outputs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    flat = [d for part in claimed for d in part]
    assert len(flat) == len(set(flat)) == n, [len(part) for part in claimed]
    assert sum(1 for part in claimed if part) >= 2, "the processes did not actually race"


async def test_postgres_claims_from_several_instances_never_overlap(pg_url: str) -> None:
    n = 200
    await _seed(pg_url, n)
    instances = [open_storage(pg_url) for _ in range(4)]
    for s in instances:
        await s.open()

    async def claimer(storage: Storage, owner: str) -> list[str]:
        store = open_outbox(storage)
        got: list[str] = []
        empty = 0
        while empty < 3:
            claims = await store.claim(owner, ["a"], 3, 600, time.time())
            got += [c.delivery_id for c in claims]
            empty = 0 if claims else empty + 1
        return got

    try:
        claimed = await asyncio.gather(*(claimer(s, f"i{k}") for k, s in enumerate(instances)))
    finally:
        for s in instances:
            await s.close()
    flat = [d for part in claimed for d in part]
    assert len(flat) == len(set(flat)) == n, [len(part) for part in claimed]
    assert sum(1 for part in claimed if part) >= 2
