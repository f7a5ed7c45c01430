"""Test support: ids with fact records for objects a test did not create through the API
(a gateway fake already holds them)."""

from __future__ import annotations

from connector_service.core.resources import MandateFacts, PaymentFacts, RefundFacts, Resources
from connector_service.domain.ids import Kind


async def seed_payment(
    res: Resources,
    account: str,
    connector: str,
    gateway_id: str,
    amount: int = 1000,
    currency: str = "EUR",
    capture_method: str = "manual",
    meta: dict[str, str] | None = None,
) -> str:
    pid = res.codec.make(Kind.PAYMENT, account, gateway_id)
    facts = PaymentFacts(connector, gateway_id, amount, currency, capture_method, meta=meta or {})
    await res.save(pid, facts)
    return pid


async def seed_refund(
    res: Resources,
    account: str,
    connector: str,
    gateway_id: str,
    payment_gateway_id: str,
    amount: int = 500,
    currency: str = "EUR",
) -> str:
    rid = res.codec.make(Kind.REFUND, account, gateway_id)
    pid = res.codec.make(Kind.PAYMENT, account, payment_gateway_id)
    await res.save(
        rid, RefundFacts(connector, gateway_id, payment_gateway_id, pid, amount, currency)
    )
    return rid


async def seed_mandate(
    res: Resources,
    account: str,
    connector: str,
    gateway_id: str,
    customer_id: str = "cus_1",
    currency: str = "EUR",
) -> str:
    mid = res.codec.make(Kind.MANDATE, account, gateway_id)
    await res.save(
        mid,
        MandateFacts(connector, gateway_id, "active", customer_id=customer_id, currency=currency),
    )
    return mid
