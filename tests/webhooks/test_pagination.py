"""One pagination style for every list: ``cursor`` in, ``has_more`` + ``next_cursor`` out.

Why: issue 17 item 8 — the admin event list paged by ``before`` (a time, which skips or
repeats rows sharing a timestamp), deliveries could not page at all, and ``GET
/v1/connectors`` documented a cursor it refused. Pages are keyset queries on (time, id)
in every backend (``storage/keyset.py``), with the admin key's account scope in the same
query, so a page is full and every row comes exactly once.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from connector_service.storage import open_outbox, open_storage
from connector_service.storage.keyset import BadCursor, decode_cursor, encode_cursor
from connector_service.storage.outbox import NewEvent, WebhookStore
from connector_service.webhooks.admin import EVENTS, WebhookAdmin
from tests.observability.asgi import AsgiClient
from tests.webhooks.helpers import pg_schema
from tests.webhooks.test_admin_scope import A, B, admin, as_  # noqa: F401

N = 25


def _event(i: int, account: str) -> NewEvent:
    return NewEvent(
        id=f"evt_{account}_{i:02d}", connector="sandbox", account=account,
        connector_event_id=f"sb_{account}_{i}", type="payment.captured",
        payload=json.dumps({"i": i}).encode(), endpoints=("ep",),
    )  # fmt: skip


@pytest.fixture(params=["memory", "sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WebhookStore]:
    with ExitStack() as stack:
        if request.param == "memory":
            url = "memory://"
        elif request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'pages.db'}"
        else:  # the real PostgreSQL, in a schema of its own
            url = stack.enter_context(pg_schema(request.getfixturevalue("postgres_dsn")))
        storage = open_storage(url)
        await storage.open()
        yield open_outbox(storage)
        await storage.close()


async def _record(store: WebhookStore) -> None:
    """N events of A and N of B; groups of three share one timestamp, so a page boundary
    falls inside a tie (where paging by time alone repeats or skips rows)."""
    base = time.time()
    for i in range(N):
        for account in (A, B):
            await store.record([_event(i, account)], base + i // 3)


async def test_paging_returns_every_event_and_delivery_exactly_once(store: WebhookStore) -> None:
    await _record(store)
    wa = WebhookAdmin(store, {})
    seen: list[str] = []
    sizes: list[int] = []
    cursor: str | None = None
    while True:
        page, cursor = await wa.list_events(cursor=cursor, limit=10, scope=[A])
        seen += [e.id for e in page]
        sizes.append(len(page))
        if cursor is None:
            break
    assert sizes == [10, 10, 5]
    assert sorted(seen) == sorted(f"evt_{A}_{i:02d}" for i in range(N))
    assert len(set(seen)) == N  # none twice
    assert seen == sorted(seen, reverse=True)  # newest first, across pages

    got: list[str] = []
    cursor = None
    while True:
        views, cursor = await wa.list_deliveries(cursor=cursor, limit=10, scope=[B])
        got += [d.event_id for d in views]
        if cursor is None:
            break
    assert sorted(got) == sorted(f"evt_{B}_{i:02d}" for i in range(N)) and len(set(got)) == N


async def test_a_page_that_ends_the_list_has_no_cursor(store: WebhookStore) -> None:
    await _record(store)
    page, cursor = await WebhookAdmin(store, {}).list_events(limit=2 * N)
    assert len(page) == 2 * N and cursor is None


def test_cursors_are_opaque_and_tied_to_their_list() -> None:
    cursor = encode_cursor(EVENTS, (1712345678.123456, "evt_x"))
    assert "evt_x" not in cursor and "1712" not in cursor
    assert decode_cursor(EVENTS, cursor) == (1712345678.123456, "evt_x")
    for bad in ("", "yesterday", "%%%", encode_cursor("deliveries", (1.0, "d"))):
        with pytest.raises(BadCursor):
            decode_cursor(EVENTS, bad)


async def _get(c: AsgiClient, path: str) -> Any:
    reply = await c.request("GET", path, headers=as_("key-ops"))
    return reply.status, reply.json()


async def test_rest_pages_by_cursor_and_refuses_a_bad_one(admin: Any) -> None:  # noqa: F811
    c, _ = admin  # 4 events of A and 4 of B (test_admin_scope.record_interleaved)
    ids: list[str] = []
    path = "/v1/admin/webhooks/events?limit=3"
    while True:
        status, body = await _get(c, path)
        assert status == 200, body
        ids += [e["id"] for e in body["data"]]
        assert body["has_more"] is (body["next_cursor"] is not None)
        if not body["has_more"]:
            break
        path = f"/v1/admin/webhooks/events?limit=3&cursor={body['next_cursor']}"
    assert len(ids) == len(set(ids)) == 8
    status, body = await _get(c, "/v1/admin/webhooks/deliveries?limit=5")
    assert status == 200 and len(body["data"]) == 5 and body["next_cursor"]
    events_cursor = encode_cursor(EVENTS, (time.time(), "evt_z"))
    for path in (
        "/v1/admin/webhooks/events?cursor=yesterday",
        f"/v1/admin/webhooks/deliveries?cursor={events_cursor}",  # another list's cursor
        "/v1/connectors?cursor=abc",
    ):
        status, body = await _get(c, path)
        assert status == 400, (path, body)
        assert body["error"]["field"] == "cursor" and body["error"]["code"] == "invalid_cursor"
    status, body = await _get(c, "/v1/admin/webhooks/events?before=2024-01-01T00:00:00Z")
    assert status == 400 and "before" in body["error"]["message"]  # the old style is gone
    status, body = await _get(c, "/v1/connectors")
    assert status == 200 and body["has_more"] is False and body["next_cursor"] is None
