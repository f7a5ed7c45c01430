"""An event a gateway sends for a captured card and for a merely submitted bank debit
alike (``WebhookEvent.debit_not_settled``) is reported captured only for what is not a
bank debit: by the payment's method type, or by the connector's ``bank_debit`` meta for a
stored profile that turned out to hold a bank account."""

from __future__ import annotations

import pytest

from connector_service.core.resources import PaymentFacts, Resources
from connector_service.domain.flows import (
    BANK_DEBIT_META,
    PaymentResult,
    WebhookEvent,
    WebhookEventType,
)
from connector_service.domain.ids import IdCodec, Kind
from connector_service.domain.status import PaymentStatus
from connector_service.storage.memory import MemoryStorage
from connector_service.webhooks.events import build_event


async def event_for(method: str, meta: dict[str, str], flagged: bool = True) -> dict[str, str]:
    resources = Resources(IdCodec(b"k" * 32), MemoryStorage())
    payment_id = resources.codec.make(Kind.PAYMENT, "anet", "60001")
    await resources.save(
        payment_id,
        PaymentFacts(connector="authorizenet", connector_payment_id="60001", amount=1400,
                     currency="USD", capture_method="automatic", payment_method=method,
                     meta=meta),
    )  # fmt: skip
    ev = WebhookEvent(
        event_id="n-1",
        type=WebhookEventType.PAYMENT_CAPTURED,
        connector_event_type="net.authorize.payment.authcapture.created",
        connector_payment_id="60001",
        payment=PaymentResult(status=PaymentStatus.CAPTURED, connector_payment_id="60001",
                              amount_captured=1400),
        debit_not_settled=flagged,
    )  # fmt: skip
    doc = await build_event(ev, gateway_event_id="n-1", connector="authorizenet",
                            account="anet", livemode=False, resources=resources,
                            received_at=0.0)  # fmt: skip
    assert doc.data.payment is not None and doc.data.payment.id == payment_id
    return {"type": doc.type, "status": doc.data.payment.status.value}


@pytest.mark.parametrize(
    ("method", "meta", "flagged", "expected"),
    [
        ("card", {}, True, ("payment.captured", "captured")),
        ("ach_debit", {}, True, ("payment.processing", "processing")),
        ("mandate", {BANK_DEBIT_META: "1"}, True, ("payment.processing", "processing")),
        ("mandate", {}, True, ("payment.captured", "captured")),
        ("ach_debit", {}, False, ("payment.captured", "captured")),  # a settlement event
    ],
)
async def test_a_submitted_debit_is_processing_a_card_captured(
    method: str, meta: dict[str, str], flagged: bool, expected: tuple[str, str]
) -> None:
    got = await event_for(method, meta, flagged)
    assert (got["type"], got["status"]) == expected
