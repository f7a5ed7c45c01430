"""The delivery worker against a real loopback receiver, on SQLite and PostgreSQL: every
event arrives signed (verified with the ``standardwebhooks`` package) with a stable
webhook-id, through 500s, timeouts, refused connections and redirects; a 410 disables
the endpoint; an exhausted schedule leaves the delivery failed and replayable; every
attempt is recorded; two workers never send the same delivery."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from prometheus_client import REGISTRY
from standardwebhooks.webhooks import Webhook

from connector_service.config import (
    DEFAULT_RETRY_SCHEDULE,
    WebhookEndpoint,
    WebhooksConfig,
    load_config,
)
from connector_service.storage import Storage, open_outbox, open_storage
from connector_service.storage.outbox import NewEvent, WebhookStore, delivery_id
from connector_service.webhooks.admin import WebhookAdmin
from connector_service.webhooks.delivery import DeliveryWorker, next_delay
from tests.webhooks.helpers import (
    ENDPOINT_SECRET,
    OLD_ENDPOINT_SECRET,
    Delivery,
    Receiver,
    verify_standard,
)

FAST: dict[str, Any] = {
    "retry_schedule_seconds": [0.1, 0.2, 0.2],
    "jitter": 0.1,
    "timeout_seconds": 0.5,
    "connect_timeout_seconds": 0.5,
    "lease_seconds": 2.0,
    "poll_interval_seconds": 0.05,
}


def settings(**overrides: Any) -> WebhooksConfig:
    return msgspec.convert({**FAST, **overrides}, WebhooksConfig)


def endpoints(url: str, **extra: Any) -> dict[str, WebhookEndpoint]:
    config = load_config(
        data={"webhook_endpoints": [{"id": "shop", "url": url, "secret": ENDPOINT_SECRET, **extra}]}
    )
    return config.webhook_endpoints


@pytest.fixture
async def store(storage_url: str) -> AsyncIterator[WebhookStore]:
    storage = open_storage(storage_url)
    await storage.open()
    yield open_outbox(storage)
    await storage.close()


async def record(store: WebhookStore, n: int = 1, start: int = 0) -> list[str]:
    events = [
        NewEvent(
            id=f"evt_{i}",
            connector="sandbox",
            account="sandbox",
            connector_event_id=f"sbevt_{i}",
            type="payment.captured",
            payload=msgspec.json.encode({"id": f"evt_{i}", "type": "payment.captured"}),
            endpoints=("shop",),
        )
        for i in range(start, start + n)
    ]
    await store.record(events, time.time())
    return [e.id for e in events]


async def run_worker(
    store: WebhookStore, url: str, until: Any, *, within: float = 10.0, **overrides: Any
) -> DeliveryWorker:
    worker = DeliveryWorker(store, endpoints(url), settings(**overrides))
    await worker.start()
    try:
        deadline = time.monotonic() + within
        while not until():
            assert time.monotonic() < deadline, "timed out"
            await asyncio.sleep(0.02)
        await worker.drain()
    finally:
        await worker.stop()
    return worker


def statuses(receiver: Receiver) -> list[int]:
    return [d.status for d in receiver.deliveries]


async def test_retries_through_500s_with_a_stable_id_and_records_every_attempt(
    store: WebhookStore, receiver: Receiver
) -> None:
    async def flaky(n: int, d: Delivery) -> int:
        return 500 if n < 2 else 200

    receiver.behaviour = flaky
    [eid] = await record(store)
    await run_worker(store, receiver.url, lambda: receiver.accepted())
    assert statuses(receiver) == [500, 500, 200]
    assert {d.webhook_id for d in receiver.deliveries} == {eid}
    assert len({d.body for d in receiver.deliveries}) == 1
    for d in receiver.deliveries:
        assert verify_standard(d) == {"id": eid, "type": "payment.captured"}
        assert d.headers["content-type"] == "application/json"
    gaps = [b.at - a.at for a, b in zip(receiver.deliveries, receiver.deliveries[1:], strict=False)]
    assert gaps[0] >= 0.1 * 0.9 and gaps[1] >= 0.2 * 0.9  # the schedule, with jitter
    [d] = await store.list_deliveries(event_id=eid)
    assert (d.status, d.attempts, d.last_status_code) == ("succeeded", 3, 200)
    attempts = await store.list_attempts(delivery_id(eid, "shop"))
    assert [(a.status_code, a.error) for a in attempts] == [
        (500, "HTTP 500"), (500, "HTTP 500"), (200, None),
    ]  # fmt: skip
    assert all(a.latency_ms > 0 for a in attempts)


async def test_a_slow_receiver_times_out_then_gets_the_event(
    store: WebhookStore, receiver: Receiver
) -> None:
    async def slow_once(n: int, d: Delivery) -> int:
        if n == 0:
            await asyncio.sleep(1.5)  # beyond timeout_seconds = 0.5
        return 204

    receiver.behaviour = slow_once
    [eid] = await record(store)
    await run_worker(store, receiver.url, lambda: len(receiver.deliveries) >= 2)
    attempts = await store.list_attempts(delivery_id(eid, "shop"))
    assert attempts[0].status_code is None and attempts[0].error == "timed out after 0.5 s"
    # cut at the timeout, not when the receiver answered 1.5 s later (no wall-clock bound
    # on the whole run: worker start-up and the retry pause vary with the machine's load)
    assert 400 < attempts[0].latency_ms < 1450
    assert attempts[1].status_code == 204
    assert (await store.list_deliveries(event_id=eid))[0].status == "succeeded"


async def test_a_receiver_that_is_down_gets_every_event_once_it_is_up(
    store: WebhookStore,
) -> None:
    down = Receiver()  # not listening yet
    ids = await record(store, 3)
    worker = DeliveryWorker(store, endpoints(down.url), settings(
        retry_schedule_seconds=[0.1] * 20))  # fmt: skip
    await worker.start()
    try:
        deadline = time.monotonic() + 30
        while not (failed := await store.list_attempts(delivery_id(ids[0], "shop"))):
            assert time.monotonic() < deadline, "no attempt made while the receiver was down"
            await asyncio.sleep(0.05)
        assert failed[0].error is not None and "could not connect" in failed[0].error
        await down.start()
        await down.wait_for(lambda: len({d.webhook_id for d in down.accepted()}) == 3)
        await worker.drain()
    finally:
        await worker.stop()
        await down.stop()
    assert sorted(d.webhook_id for d in down.deliveries) == sorted(ids)


async def test_a_redirect_is_not_an_acknowledgement(
    store: WebhookStore, receiver: Receiver
) -> None:
    async def redirect_once(n: int, d: Delivery) -> int:
        return 302 if n == 0 else 200

    receiver.behaviour = redirect_once
    await record(store)
    await run_worker(store, receiver.url, lambda: receiver.accepted())
    assert statuses(receiver) == [302, 200]


async def test_410_disables_the_endpoint_until_enabled(
    store: WebhookStore, receiver: Receiver
) -> None:
    async def gone_once(n: int, d: Delivery) -> int:
        return 410 if n == 0 else 200

    receiver.behaviour = gone_once
    [first] = await record(store)
    eps = endpoints(receiver.url)
    worker = DeliveryWorker(store, eps, settings())
    await worker.start()
    try:
        await receiver.wait_for(lambda: len(receiver.deliveries) == 1)
        await worker.drain()
        [second] = await record(store, start=1)
        worker.wake()
        await asyncio.sleep(0.4)
        assert len(receiver.deliveries) == 1  # disabled: nothing more is sent
        [d] = await store.list_deliveries(event_id=first)
        assert (d.status, d.last_error) == ("failed", "410 Gone: the endpoint is disabled")
        admin = WebhookAdmin(store, eps)
        [view] = await admin.list_endpoints()
        assert view.disabled and view.pending == 1 and view.failed == 1
        assert await admin.enable("shop") is True
        await receiver.wait_for(lambda: [x.webhook_id for x in receiver.accepted()] == [second])
        assert await admin.replay_failed("shop") == 1
        await receiver.wait_for(lambda: len(receiver.accepted()) == 2)
        await worker.drain()
    finally:
        await worker.stop()
    assert [x.webhook_id for x in receiver.accepted()] == [second, first]


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_an_exhausted_schedule_fails_the_delivery_and_keeps_it_for_replay(
    store: WebhookStore, receiver: Receiver
) -> None:
    mode = {"status": 500}

    async def until_fixed(n: int, d: Delivery) -> int:
        return mode["status"]

    receiver.behaviour = until_fixed
    [eid] = await record(store)
    gave_up = _sample("cs_webhook_deliveries_failed_total", endpoint="shop")
    eps = endpoints(receiver.url)
    worker = DeliveryWorker(store, eps, settings(retry_schedule_seconds=[0.05, 0.05]))
    await worker.start()
    try:
        await receiver.wait_for(lambda: len(receiver.deliveries) == 3)
        await worker.drain()
        await asyncio.sleep(0.3)
        assert len(receiver.deliveries) == 3  # 1 + 2 retries, then it stops
        [d] = await store.list_deliveries(event_id=eid)
        assert (d.status, d.attempts) == ("failed", 3)
        assert _sample("cs_webhook_deliveries_failed_total", endpoint="shop") == gave_up + 1
        await worker._refresh_metrics(force=True)
        assert _sample("cs_webhook_failed", endpoint="shop") == 1
        assert _sample("cs_webhook_backlog", endpoint="shop") == 0
        mode["status"] = 200
        admin = WebhookAdmin(store, eps)
        assert await admin.replay_event(eid) == 1
        worker.wake()
        await receiver.wait_for(lambda: len(receiver.accepted()) == 1)
        await worker.drain()
    finally:
        await worker.stop()
    [d] = await store.list_deliveries(event_id=eid)
    assert (d.status, d.attempts) == ("succeeded", 4)
    assert {x.webhook_id for x in receiver.deliveries} == {eid}


async def test_secret_rotation_signs_for_old_and_new_secrets(
    store: WebhookStore, receiver: Receiver
) -> None:
    await record(store)
    worker = DeliveryWorker(
        store, endpoints(receiver.url, previous_secrets=[OLD_ENDPOINT_SECRET]), settings()
    )
    await worker.start()
    try:
        await receiver.wait_for(lambda: receiver.accepted())
    finally:
        await worker.stop()
    [d] = receiver.deliveries
    Webhook(ENDPOINT_SECRET).verify(d.body, d.headers)
    Webhook(OLD_ENDPOINT_SECRET).verify(d.body, d.headers)


async def test_two_workers_never_send_the_same_delivery(
    storage_url: str, receiver: Receiver
) -> None:
    async def slowish(n: int, d: Delivery) -> int:
        await asyncio.sleep(0.01)
        return 200

    receiver.behaviour = slowish
    instances: list[Storage] = [open_storage(storage_url) for _ in range(2)]
    for s in instances:
        await s.open()
    stores = [open_outbox(s) for s in instances]
    ids = await record(stores[0], 40)
    workers = [
        DeliveryWorker(st, endpoints(receiver.url), settings(batch_size=5, concurrency=4))
        for st in stores
    ]
    try:
        for w in workers:
            await w.start()
        await receiver.wait_for(lambda: len(receiver.deliveries) >= 40)
        for w in workers:
            await w.drain()
        await asyncio.sleep(0.2)  # anything sent twice would arrive by now
        senders = {
            a.worker for i in ids for a in await stores[0].list_attempts(delivery_id(i, "shop"))
        }
    finally:
        for w in workers:
            await w.stop()
        for s in instances:
            await s.close()
    sent = [d.webhook_id for d in receiver.deliveries]
    assert sorted(sent) == sorted(ids)  # each exactly once
    assert senders == {w.owner for w in workers}  # and both workers took part


def test_the_default_schedule_spans_about_three_days() -> None:
    schedule = list(DEFAULT_RETRY_SCHEDULE)
    assert schedule[:5] == [5, 300, 1800, 7200, 18000]
    assert 2.5 * 86400 < sum(schedule) < 3.5 * 86400
    assert next_delay(schedule, 0, 0.1, 0.0) == pytest.approx(4.5)
    assert next_delay(schedule, 0, 0.1, 0.999999) == pytest.approx(5.5, rel=1e-3)
    assert next_delay(schedule, len(schedule), 0.1, 0.5) is None
