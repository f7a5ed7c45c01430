"""Mercado Pago's unknown outcomes: a create whose answer was lost (``tests/fakes/
lossy_proxy`` between the service and the fake) is ``unresolved``; Mercado Pago can be
searched by our reference (``GET /v1/payments/search?external_reference=``), so a read
settles it under the id the service answered; a search that finds nothing leaves it
unresolved; the same request again is answered from Mercado Pago's replay of the
``X-Idempotency-Key``; a signed webhook settles it too. Never charged twice. In-process
(library mode) on the real PostgreSQL."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from connector_service.core import reconciler
from connector_service.library import ConnectorService
from connector_service.testing.fakes.mercadopago import (
    SUCCESS_CARD,
    WEBHOOK_SECRET,
    MercadoPagoFake,
    notification,
    sign,
)
from tests.fakes.lossy_proxy import LossyProxy
from tests.webhooks.gateways import service
from tests.webhooks.helpers import pg_schema


@pytest.fixture
def pg(postgres_dsn: str) -> Iterator[str]:
    with pg_schema(postgres_dsn) as dsn:
        yield dsn


class Setup:
    def __init__(self, fake: MercadoPagoFake, proxy: LossyProxy, cs: ConnectorService) -> None:
        self.fake, self.proxy, self.cs = fake, proxy, cs

    async def create(self, reference: str, key: str | None = None) -> dict[str, Any]:
        card = {"type": "card", "number": SUCCESS_CARD, "cvc": "123", "exp_month": 12,
                "exp_year": 2034, "holder_name": "APRO"}  # fmt: skip
        payment = await self.cs.create_payment({
            "amount": 1000, "currency": "BRL", "capture_method": "manual",
            "payment_method": card, "reference": reference, "account": "mercadopago",
            "customer": {"email": "jane@example.com"},
        }, idempotency_key=key)  # fmt: skip
        out: dict[str, Any] = msgspec.to_builtins(payment)
        return out

    async def get(self, payment_id: str) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(await self.cs.get_payment(payment_id))
        return out


@pytest.fixture
async def s(pg: str, tmp_path: Path) -> AsyncIterator[Setup]:
    fake = MercadoPagoFake()
    await fake.start()
    proxy = await LossyProxy(fake.base_url).start()
    account = {"id": "mercadopago", "connector": "mercadopago", "base_url": proxy.url,
               "timeout_seconds": 5, "credentials": fake.credentials}  # fmt: skip
    cs = service(tmp_path, account, storage={"url": pg})
    await cs.start()
    try:
        yield Setup(fake, proxy, cs)
    finally:
        await cs.close()
        await proxy.stop()
        await fake.close()
        assert fake.violations == [], fake.violations


async def test_a_lost_answer_is_found_by_its_reference(s: Setup) -> None:
    reference = f"order-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", r"/v1/payments$", "lose_answer")
    created = await s.create(reference)
    assert s.proxy.lost and created["status"] == "unresolved", created
    assert len(s.fake.payments) == 1  # Mercado Pago did make it
    pid = created["id"]
    storage = s.cs.runtime.storage
    assert await storage.get(reconciler.NS, pid) is not None
    synced = await s.get(pid)
    assert synced["id"] == pid and synced["status"] == "authorized", synced
    [gid] = list(s.fake.payments)
    assert synced["connector_payment_id"] == gid
    assert await storage.get(reconciler.NS, pid) is None  # settled: nothing to reconcile
    captured = msgspec.to_builtins(await s.cs.capture(pid))
    assert captured["id"] == pid and captured["status"] == "captured", captured
    refund = msgspec.to_builtins(await s.cs.refund(pid, {"amount": 400}))
    assert refund["payment_id"] == pid and refund["status"] == "succeeded", refund
    assert len(s.fake.payments) == 1  # settling never charged again


async def test_a_search_that_finds_nothing_stays_unresolved(s: Setup) -> None:
    s.proxy.arm("POST", r"/v1/payments$", "drop_request")
    created = await s.create(f"order-{uuid.uuid4().hex[:10]}")
    assert created["status"] == "unresolved", created
    synced = await s.get(created["id"])
    assert synced["status"] == "unresolved", synced
    assert s.fake.payments == {}
    assert await s.cs.runtime.storage.get(reconciler.NS, created["id"]) is not None


async def test_the_same_request_again_is_mercado_pagos_replay(s: Setup) -> None:
    reference, key = f"order-{uuid.uuid4().hex[:10]}", f"key-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", r"/v1/payments$", "lose_answer")
    first = await s.create(reference, key)
    assert first["status"] == "unresolved", first
    # the card token step is replayed too (the same key, its suffix): the same token
    again = await s.create(reference, key)
    assert again["id"] == first["id"] and again["status"] == "authorized", again
    assert len(s.fake.payments) == 1


async def test_a_signed_webhook_settles_it_under_the_id_the_service_gave(s: Setup) -> None:
    s.proxy.arm("POST", r"/v1/payments$", "lose_answer")
    created = await s.create(f"order-{uuid.uuid4().hex[:10]}")
    pid = created["id"]
    [gid] = list(s.fake.payments)
    body = notification(gid, notification_id=880_000_001)
    headers = sign(body, WEBHOOK_SECRET, int(time.time()))
    reply = await s.cs.runtime.webhooks.receiver.receive(
        "mercadopago", "mercadopago", headers, body
    )
    assert reply.status == 200
    [stored] = await s.cs.runtime.webhooks.store.list_events(limit=10)
    event = json.loads(stored.payload)
    assert event["type"] == "payment.authorized"
    assert event["data"]["payment"]["id"] == pid and event["connector_payment_id"] == gid
    synced = await s.get(pid)
    assert synced["status"] == "authorized" and synced["connector_payment_id"] == gid
