"""Admin keys see only their accounts: events, deliveries, replays, endpoints and circuit
breakers of other accounts are invisible (a foreign event is a 404, like an unknown one),
filtered in the storage query so pages stay full. An admin key with no accounts sees all."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from connector_service.config import hash_key, load_config
from connector_service.runtime import Runtime
from connector_service.storage import Storage, open_outbox, open_storage
from connector_service.storage.outbox import AttemptResult, NewEvent, Outcome, WebhookStore
from tests.observability.asgi import AsgiClient, running
from tests.webhooks.helpers import ENDPOINT_SECRET

A, B = "sbx-a", "sbx-b"


def event(i: int, account: str, endpoints: tuple[str, ...]) -> NewEvent:
    return NewEvent(
        id=f"evt_{account}_{i}",
        connector="sandbox",
        account=account,
        connector_event_id=f"sbevt_{account}_{i}",
        type="payment.captured",
        payload=json.dumps({"id": f"evt_{account}_{i}", "account": account}).encode(),
        endpoints=endpoints,
    )


async def record_interleaved(store: WebhookStore, n: int = 4) -> None:
    """Events of A and B, alternating in time, each to its own endpoint and to 'all';
    every delivery then failed, so each can be replayed."""
    for i in range(n):
        for account, own in ((A, "ep-a"), (B, "ep-b")):
            await store.record([event(i, account, (own, "all"))], time.time())
    claims = await store.claim("w", ["ep-a", "ep-b", "all"], 100, 60, time.time())
    for c in claims:
        await store.finish(
            c, "w", AttemptResult(time.time(), 500, 1.0, "boom"), Outcome.FAILED,
            next_attempt_at=None, step=1, now=time.time(),
        )  # fmt: skip


@pytest.fixture
async def opened(storage_url: str) -> AsyncIterator[tuple[Storage, WebhookStore]]:
    storage = open_storage(storage_url)
    await storage.open()
    yield storage, open_outbox(storage)
    await storage.close()


async def test_storage_filters_by_account_in_the_query(
    opened: tuple[Storage, WebhookStore],
) -> None:
    _, store = opened
    await record_interleaved(store)
    # A page of 3 holds 3 of A's events, not the 1-2 left after filtering a mixed page.
    page = await store.list_events(limit=3, accounts=[A])
    assert [e.account for e in page] == [A, A, A]
    assert [e.id for e in page] == [f"evt_{A}_{i}" for i in (3, 2, 1)]
    rest = await store.list_events(limit=3, accounts=[A], after=(page[-1].received_at, page[-1].id))
    assert [e.id for e in rest] == [f"evt_{A}_0"]
    assert len(await store.list_events(limit=100)) == 8
    assert await store.list_events(accounts=[]) == []

    deliveries = await store.list_deliveries(limit=3, accounts=[A])
    assert len(deliveries) == 3 and all(d.event_id.startswith(f"evt_{A}") for d in deliveries)
    shared = await store.list_deliveries(endpoint="all", limit=100, accounts=[B])
    assert sorted(d.event_id for d in shared) == [f"evt_{B}_{i}" for i in range(4)]

    stats = await store.stats(accounts=[A])
    assert stats["all"].failed == 4 and stats["ep-a"].failed == 4 and "ep-b" not in stats
    assert (await store.stats())["all"].failed == 8
    assert await store.replay_failed("all", time.time(), accounts=[A]) == 4
    left = await store.list_deliveries(endpoint="all", status="failed", limit=100)
    assert sorted(d.event_id for d in left) == [f"evt_{B}_{i}" for i in range(4)]


def cfg(storage_url: str) -> Any:
    endpoint = {"secret": ENDPOINT_SECRET, "url": "http://127.0.0.1:9/hook"}
    return load_config(data={
        "storage": {"url": storage_url},
        "reconciler": {"enabled": False},
        "webhooks": {"deliver": False},
        "accounts": [{"id": A, "connector": "sandbox"}, {"id": B, "connector": "sandbox"}],
        "webhook_endpoints": [
            {"id": "ep-a", "accounts": [A], **endpoint},
            {"id": "ep-b", "accounts": [B], **endpoint},
            {"id": "all", **endpoint},
        ],
        "callers": [
            {"id": "admin-a", "key_sha256": hash_key("key-admin-a"), "accounts": [A],
             "admin": True},
            {"id": "ops", "key_sha256": hash_key("key-ops"), "accounts": [], "admin": True},
            {"id": "ops-star", "key_sha256": hash_key("key-ops-star"), "admin": True},
        ],
    })  # fmt: skip


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[tuple[AsgiClient, Runtime]]:
    config = cfg(f"sqlite:///{tmp_path / 'scope.db'}")
    runtime = Runtime(config)
    async with running(config, runtime) as client:
        await record_interleaved(runtime.webhooks.admin.store)
        yield client, runtime


def as_(key: str) -> dict[str, str]:
    return {"authorization": f"Bearer {key}"}


async def test_admin_key_lists_and_reads_only_its_accounts(
    admin: tuple[AsgiClient, Runtime],
) -> None:
    c, _ = admin
    a = as_("key-admin-a")
    listed = (await c.request("GET", "/v1/admin/webhooks/events?limit=3", headers=a)).json()
    assert [e["account"] for e in listed["data"]] == [A, A, A] and listed["has_more"] is True
    foreign = await c.request("GET", f"/v1/admin/webhooks/events?account={B}", headers=a)
    assert foreign.json()["data"] == []
    theirs = await c.request("GET", f"/v1/admin/webhooks/events/evt_{B}_0", headers=a)
    assert theirs.status == 404 and theirs.json()["error"]["code"] == "event_not_found"
    assert B not in theirs.text
    mine = await c.request("GET", f"/v1/admin/webhooks/events/evt_{A}_0", headers=a)
    assert mine.status == 200 and mine.json()["event"]["account"] == A
    deliveries = await c.request("GET", "/v1/admin/webhooks/deliveries?limit=500", headers=a)
    assert deliveries.json()["data"]
    assert all(d["event_id"].startswith(f"evt_{A}") for d in deliveries.json()["data"])


async def test_admin_key_replays_only_its_accounts(admin: tuple[AsgiClient, Runtime]) -> None:
    c, _ = admin
    a = as_("key-admin-a")
    path = f"/v1/admin/webhooks/events/evt_{B}_1/replay"
    refused = await c.request("POST", path, {}, headers=a)
    assert refused.status == 404 and refused.json()["error"]["code"] == "event_not_found"
    to_b = await c.request(
        "POST", f"/v1/admin/webhooks/events/evt_{A}_1/replay", {"endpoint": "ep-b"}, headers=a
    )
    assert to_b.status == 404 and to_b.json()["error"]["code"] == "endpoint_not_found"
    ok = await c.request("POST", f"/v1/admin/webhooks/events/evt_{A}_1/replay", {}, headers=a)
    assert ok.status == 200 and ok.json()["queued"] == 2  # ep-a and all
    replayed = await c.request("POST", "/v1/admin/webhooks/endpoints/all/replay-failed", headers=a)
    assert replayed.json()["queued"] == 3  # A's other three; B's four stay failed
    hidden = await c.request("POST", "/v1/admin/webhooks/endpoints/ep-b/replay-failed", headers=a)
    assert hidden.status == 404


async def test_admin_key_sees_only_its_endpoints_and_breakers(
    admin: tuple[AsgiClient, Runtime],
) -> None:
    c, _ = admin
    a = as_("key-admin-a")
    endpoints = (await c.request("GET", "/v1/admin/webhooks/endpoints", headers=a)).json()
    by_id = {e["id"]: e for e in endpoints["data"]}
    assert set(by_id) == {"ep-a", "all"}
    assert by_id["all"]["failed"] == 4 and by_id["ep-a"]["accounts"] == [A]
    shared = await c.request("POST", "/v1/admin/webhooks/endpoints/all/enable", headers=a)
    assert shared.status == 403 and shared.json()["error"]["code"] == "endpoint_shared"
    own = await c.request("POST", "/v1/admin/webhooks/endpoints/ep-a/enable", headers=a)
    assert own.status == 200
    breakers = (await c.request("GET", "/v1/admin/breakers", headers=a)).json()["data"]
    assert [b["account"] for b in breakers] == [A]


@pytest.mark.parametrize("key", ["key-ops", "key-ops-star"])
async def test_admin_key_without_accounts_sees_all(
    admin: tuple[AsgiClient, Runtime], key: str
) -> None:
    c, _ = admin
    ops = as_(key)
    listed = (await c.request("GET", "/v1/admin/webhooks/events?limit=500", headers=ops)).json()
    assert {e["account"] for e in listed["data"]} == {A, B} and len(listed["data"]) == 8
    assert (
        await c.request("GET", f"/v1/admin/webhooks/events/evt_{B}_0", headers=ops)
    ).status == 200
    endpoints = (await c.request("GET", "/v1/admin/webhooks/endpoints", headers=ops)).json()
    assert {e["id"] for e in endpoints["data"]} == {"ep-a", "ep-b", "all"}
    breakers = (await c.request("GET", "/v1/admin/breakers", headers=ops)).json()["data"]
    assert sorted(b["account"] for b in breakers) == [A, B]
    enabled = await c.request("POST", "/v1/admin/webhooks/endpoints/all/enable", headers=ops)
    assert enabled.status == 200
