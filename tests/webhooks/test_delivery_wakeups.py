"""The delivery worker claims while work remains and sleeps only when idle.

A backlog bigger than the worker's concurrency must drain back to back, never one
concurrency-sized batch per poll interval (that was 16 deliveries per second with the
defaults); an idle worker must wake when its own process records events, and on
PostgreSQL when *another instance* does (``LISTEN``/``NOTIFY``). Each test sets the poll
interval to 60 s and gives the worker 20 s: a worker that waited for its poll would not
make it, so the tests fail on the behaviour, not on a speed threshold.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from connector_service.storage import Storage, open_outbox, open_storage
from connector_service.storage.outbox import WebhookStore
from connector_service.webhooks.delivery import DeliveryWorker
from tests.webhooks.helpers import Receiver
from tests.webhooks.test_delivery import endpoints, record, settings

IDLE_POLL = 60.0  # the longest poll the config allows
WITHIN = 20.0


async def wait_until(done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WITHIN
    while not done():
        assert time.monotonic() < deadline, "the worker waited for its poll interval"
        await asyncio.sleep(0.02)


async def started(store: WebhookStore, url: str, **overrides: object) -> DeliveryWorker:
    worker = DeliveryWorker(
        store, endpoints(url), settings(poll_interval_seconds=IDLE_POLL, **overrides)
    )
    await worker.start()
    return worker


async def test_a_backlog_larger_than_the_concurrency_drains_back_to_back(
    storage_url: str, receiver: Receiver
) -> None:
    storage = open_storage(storage_url)
    await storage.open()
    store = open_outbox(storage)
    ids = await record(store, 60)
    worker = await started(store, receiver.url, concurrency=4, batch_size=50)
    try:
        await wait_until(lambda: len(receiver.deliveries) >= 60)
        await worker.drain()
    finally:
        await worker.stop()
        await storage.close()
    assert sorted(d.webhook_id for d in receiver.deliveries) == sorted(ids)


async def test_an_idle_worker_wakes_when_its_process_records_events(
    storage_url: str, receiver: Receiver
) -> None:
    storage = open_storage(storage_url)
    await storage.open()
    store = open_outbox(storage)
    worker = await started(store, receiver.url)
    try:
        await asyncio.sleep(0.2)  # the first claim found nothing: the worker is idle
        ids = await record(store, 3)
        worker.wake()  # what the receiver's on_recorded hook does
        await wait_until(lambda: len(receiver.deliveries) >= 3)
    finally:
        await worker.stop()
        await storage.close()
    assert sorted(d.webhook_id for d in receiver.deliveries) == sorted(ids)


async def test_another_instance_wakes_an_idle_worker_through_notify(
    pg_url: str, receiver: Receiver
) -> None:
    instances: list[Storage] = [open_storage(pg_url) for _ in range(2)]
    for s in instances:
        await s.open()
    delivering, receiving = (open_outbox(s) for s in instances)
    worker = await started(delivering, receiver.url)
    try:
        await asyncio.sleep(0.2)  # idle
        ids = await record(receiving, 3)  # no wake() in this process: only NOTIFY can tell
        await wait_until(lambda: len(receiver.deliveries) >= 3)
        await worker.drain()
        failed = await receiving.stats()
    finally:
        await worker.stop()
        for s in instances:
            await s.close()
    assert sorted(d.webhook_id for d in receiver.deliveries) == sorted(ids)
    assert all(s.pending == 0 for s in failed.values())


async def test_stores_without_notifications_listen_to_nothing() -> None:
    storage = open_storage("memory://")
    await storage.open()
    calls: list[int] = []
    stop = await open_outbox(storage).listen(lambda: calls.append(1))
    await stop()
    await storage.close()
    assert calls == []
