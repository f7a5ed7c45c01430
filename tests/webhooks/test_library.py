"""Library mode: the sandbox's webhooks go through the receive pipeline in-process (no
server), into the memory outbox, and out to the configured endpoint."""

from __future__ import annotations

from connector_service import ConnectorService
from tests.webhooks.helpers import ENDPOINT_SECRET, Receiver, verify_standard

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}


async def test_sandbox_events_are_delivered_in_library_mode(receiver: Receiver) -> None:
    config = {
        "webhooks": {"poll_interval_seconds": 0.05},
        "webhook_endpoints": [{"id": "app", "url": receiver.url, "secret": ENDPOINT_SECRET}],
    }
    async with ConnectorService(config) as cs:
        payment = await cs.create_payment({"amount": 2500, "currency": "EUR",
                                           "payment_method": CARD})  # fmt: skip
        await receiver.wait_for(lambda: len(receiver.accepted()) == 1)
    [delivery] = receiver.accepted()
    event = verify_standard(delivery)
    assert event["type"] == "payment.captured"
    assert event["data"]["payment"]["id"] == payment.id


async def test_without_endpoints_the_sandbox_sends_nothing() -> None:
    async with ConnectorService() as cs:
        await cs.create_payment({"amount": 2500, "currency": "EUR", "payment_method": CARD})
        await cs.runtime.sandbox.flush_webhooks()
        assert await cs.runtime.webhooks.store.list_events() == []
