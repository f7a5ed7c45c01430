"""Mollie's unknown outcomes: a create whose answer was lost (``tests/fakes/lossy_proxy``
between the service and the fake) is ``unresolved``; Mollie cannot be searched by our
reference, so a read says ``not_supported``, and the payment settles either by the same
request again (Mollie replays its answer to the same ``Idempotency-Key``) or by
Mollie's webhook (``id=tr_...``, verified by fetching; the payment echoes our reference
in ``metadata``) — under the id the service answered, never charged twice. In-process
(library mode) on the real PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from connector_service.core import reconciler
from connector_service.domain.errors import ServiceError
from connector_service.library import ConnectorService
from connector_service.testing.fakes.mollie import SUCCESS_CARD, MollieFake
from tests.fakes.lossy_proxy import LossyProxy
from tests.webhooks.gateways import service
from tests.webhooks.helpers import pg_schema


@pytest.fixture
def pg(postgres_dsn: str) -> Iterator[str]:
    with pg_schema(postgres_dsn) as dsn:
        yield dsn


class Setup:
    def __init__(self, fake: MollieFake, proxy: LossyProxy, cs: ConnectorService) -> None:
        self.fake, self.proxy, self.cs = fake, proxy, cs

    def token(self) -> str:
        return self.fake.tokenize({"number": SUCCESS_CARD, "cvc": "123"})

    async def create(
        self, reference: str, key: str | None = None, token: str | None = None
    ) -> dict[str, Any]:
        token = token or self.token()
        payment = await self.cs.create_payment({
            "amount": 1000, "currency": "EUR", "capture_method": "manual",
            "payment_method": {"type": "token", "token": token}, "reference": reference,
            "account": "mollie", "return_url": "https://shop.example/return",
        }, idempotency_key=key)  # fmt: skip
        out: dict[str, Any] = msgspec.to_builtins(payment)
        return out


@pytest.fixture
async def s(pg: str, tmp_path: Path) -> AsyncIterator[Setup]:
    fake = MollieFake()
    await fake.start()
    proxy = await LossyProxy(fake.base_url).start()
    account = {"id": "mollie", "connector": "mollie", "base_url": proxy.url,
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


async def test_the_same_request_again_settles_it_from_mollies_replay(s: Setup) -> None:
    reference, key = f"order-{uuid.uuid4().hex[:10]}", f"key-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", r"/v2/payments", "lose_answer")
    token = s.token()
    first = await s.create(reference, key, token)
    assert s.proxy.lost and first["status"] == "unresolved", first
    assert len(s.fake.payments) == 1  # Mollie did make it
    with pytest.raises(ServiceError) as caught:
        await s.cs.get_payment(first["id"])
    assert caught.value.http_status == 422 and caught.value.type.value == "not_supported"
    # The same request (its card token was used up by the first, lost, attempt): Mollie
    # answers the repeated Idempotency-Key with its first answer instead of refusing it.
    again = await s.create(reference, key, token)
    assert again["id"] == first["id"], (first, again)
    assert again["status"] == "authorized" and again["connector_payment_id"], again
    assert len(s.fake.payments) == 1  # replayed, not charged again


async def test_mollies_webhook_settles_it_under_the_id_the_service_gave(s: Setup) -> None:
    reference = f"order-{uuid.uuid4().hex[:10]}"
    s.proxy.arm("POST", r"/v2/payments", "lose_answer")
    created = await s.create(reference)
    assert created["status"] == "unresolved", created
    pid = created["id"]
    storage = s.cs.runtime.storage
    assert await storage.get(reconciler.NS, pid) is not None
    [gid] = list(s.fake.payments)
    body = f"id={gid}".encode()
    receiver = s.cs.runtime.webhooks.receiver
    reply = await receiver.receive("mollie", "mollie", {}, body)
    assert reply.status == 200
    [stored] = await s.cs.runtime.webhooks.store.list_events(limit=10)
    event = json.loads(stored.payload)
    assert event["type"] == "payment.authorized"
    assert event["data"]["payment"]["id"] == pid and event["connector_payment_id"] == gid
    assert await storage.get(reconciler.NS, pid) is None  # settled: nothing to reconcile
    synced = msgspec.to_builtins(await s.cs.get_payment(pid))
    assert synced["id"] == pid and synced["connector_payment_id"] == gid
    assert synced["status"] == "authorized"
    assert len(s.fake.payments) == 1
