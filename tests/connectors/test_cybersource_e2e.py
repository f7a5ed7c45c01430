"""Cybersource through the service, on the real PostgreSQL: a create whose answer is
lost settles by a Transaction Search on its reference (Cybersource has no idempotency
key, so it is never sent again), and a webhook naming a capture's own id reaches the
payment it belongs to.

Between the service and the fake sits ``tests/fakes/lossy_proxy.py`` (see
test_unresolved_settles.py); the fake is told the host the service signed, since the
proxy rewrites ``Host``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pytest

from connector_service.domain.errors import ServiceError
from connector_service.library import ConnectorService
from connector_service.testing.fakes.cybersource import (
    WEBHOOK_SECRET,
    CybersourceFake,
    notification,
    webhook_headers,
)
from tests.fakes.lossy_proxy import LossyProxy
from tests.webhooks.gateways import service
from tests.webhooks.helpers import pg_schema

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")


@pytest.fixture
def pg(postgres_dsn: str) -> Iterator[str]:
    with pg_schema(postgres_dsn) as dsn:
        yield dsn


class Setup:
    def __init__(self, fake: CybersourceFake, proxy: LossyProxy, cs: ConnectorService) -> None:
        self.fake, self.proxy, self.cs = fake, proxy, cs

    def charges(self) -> int:
        return sum(1 for t in self.fake.transactions.values() if t["kind"] == "auth")

    async def create(self, reference: str, key: str | None = None) -> dict[str, Any]:
        payment = await self.cs.create_payment({
            "amount": 1000, "currency": "USD", "capture_method": "manual",
            "payment_method": {"type": "card", "number": "4111111111111111", "cvc": "123",
                               "exp_month": 12, "exp_year": 2034},
            "reference": reference, "account": "cybersource",
        }, idempotency_key=key)  # fmt: skip
        out: dict[str, Any] = msgspec.to_builtins(payment)
        return out

    async def get(self, payment_id: str) -> dict[str, Any]:
        out: dict[str, Any] = msgspec.to_builtins(await self.cs.get_payment(payment_id))
        return out


@pytest.fixture
async def s(pg: str, tmp_path: Path) -> AsyncIterator[Setup]:
    fake = CybersourceFake()
    url = await fake.start()
    proxy = await LossyProxy(url).start()
    fake.signed_host = urlsplit(proxy.url).netloc
    account = {"id": "cybersource", "connector": "cybersource", "credentials": fake.credentials,
               "base_url": proxy.url, "timeout_seconds": 5}  # fmt: skip
    cs = service(tmp_path, account, storage={"url": pg})
    await cs.start()
    try:
        yield Setup(fake, proxy, cs)
    finally:
        await cs.close()
        await proxy.stop()
        await fake.close()


async def test_a_lost_answer_settles_by_reference_and_is_never_charged_twice(s: Setup) -> None:
    reference = f"order-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", r"/pts/v2/payments$", "lose_answer")
    created = await s.create(reference)
    assert s.proxy.lost and created["status"] == "unresolved", created
    assert s.charges() == 1
    synced = await s.get(created["id"])
    assert synced["id"] == created["id"] and synced["status"] == "authorized", synced
    assert synced["connector_payment_id"] in s.fake.transactions
    captured = msgspec.to_builtins(await s.cs.capture(created["id"], {"amount": 600}))
    assert captured["status"] == "partially_captured" and captured["amount_captured"] == 600
    refund = msgspec.to_builtins(await s.cs.refund(created["id"], {"amount": 200}))
    assert refund["payment_id"] == created["id"] and refund["status"] == "pending", refund
    assert s.charges() == 1
    assert not s.fake.violations, s.fake.violations


async def test_a_search_that_finds_nothing_stays_unresolved(s: Setup) -> None:
    s.proxy.arm("POST", r"/pts/v2/payments$", "drop_request")
    created = await s.create(f"order-{uuid.uuid4().hex[:10]}")
    assert created["status"] == "unresolved" and s.charges() == 0
    synced = await s.get(created["id"])
    assert synced["status"] == "unresolved", synced
    assert s.charges() == 0


async def test_a_retry_with_the_same_key_is_not_sent_again(s: Setup) -> None:
    """Cybersource cannot deduplicate: the same create again (same key) is not re-sent;
    the service looks the payment up by its reference instead, and answers it."""
    reference = f"order-{uuid.uuid4().hex[:10]}"
    key = f"key-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", r"/pts/v2/payments$", "lose_answer")
    first = await s.create(reference, key)
    assert first["status"] == "unresolved" and s.charges() == 1
    again = await s.create(reference, key)  # settled by looking it up, not by re-sending
    assert again["id"] == first["id"] and again["status"] == "authorized", again
    assert again["connector_payment_id"], again
    assert s.charges() == 1  # never sent twice
    synced = await s.get(first["id"])
    assert synced["status"] == "authorized", synced


async def test_a_capture_webhook_names_the_capture_and_reaches_the_payment(s: Setup) -> None:
    created = await s.create(f"order-{uuid.uuid4().hex[:10]}")
    await s.cs.capture(created["id"])
    [capture_id] = [t["id"] for t in s.fake.transactions.values() if t["kind"] == "capture"]
    body = notification(capture_id, "payments.captures.accept")
    receiver = s.cs.runtime.webhooks.receiver
    reply = await receiver.receive("cybersource", "cybersource",
                                   webhook_headers(body, WEBHOOK_SECRET), body)  # fmt: skip
    assert reply.status == 200
    [event] = [e for e in await s.cs.runtime.webhooks.store.list_events()]
    payload = msgspec.json.decode(event.payload)
    assert payload["type"] == "payment.captured", payload
    assert payload["data"]["payment"]["id"] == created["id"], payload


async def test_a_refund_webhook_reaches_the_refund(s: Setup) -> None:
    created = await s.create(f"order-{uuid.uuid4().hex[:10]}")
    await s.cs.capture(created["id"])
    refund = msgspec.to_builtins(await s.cs.refund(created["id"], {"amount": 300}))
    body = notification(refund["connector_refund_id"], "payments.refunds.accept")
    receiver = s.cs.runtime.webhooks.receiver
    reply = await receiver.receive("cybersource", "cybersource",
                                   webhook_headers(body, WEBHOOK_SECRET), body)  # fmt: skip
    assert reply.status == 200
    [event] = list(await s.cs.runtime.webhooks.store.list_events())
    payload = msgspec.json.decode(event.payload)
    assert payload["type"] == "refund.succeeded", payload
    assert payload["data"]["refund"]["id"] == refund["id"], payload
    assert payload["data"]["refund"]["payment_id"] == created["id"], payload
    with pytest.raises(ServiceError) as refused:  # another key: refused, not stored
        await receiver.receive("cybersource", "cybersource",
                               webhook_headers(body, WEBHOOK_SECRET + "x"), body)  # fmt: skip
    assert refused.value.http_status == 401
    assert len(list(await s.cs.runtime.webhooks.store.list_events())) == 1
