"""Cybersource's profile: authorization then capture (partial allowed), authorization
reversals as voids, refunds answered ``PENDING`` and read back ``TRANSMITTED``, stored
cards as TMS tokens made by an authorization (``TOKEN_CREATE``) and charged
merchant-initiated, webhooks signed ``v-c-signature: t=<ms>;keyId=...;sig=...``. No
3-D Secure challenge (Cybersource's payer authentication is not built; cards
authenticated elsewhere are taken, see docs/connectors/cybersource.md) and no
idempotency key (Cybersource has none). Network tokens and wallet tokens are exercised
by tests/server/test_cybersource_methods.py on the same fake."""

from __future__ import annotations

from typing import Any

from connector_service.testing.fakes.cybersource import (
    SUCCESS_CARD,
    WEBHOOK_SECRET,
    CybersourceFake,
    notification,
    webhook_headers,
)
from connector_service.testing.profile import Card, ConnectorProfile, Decline, Webhooks


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    return notification(payment["connector_payment_id"])


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    return webhook_headers(body, secret, ts), body


PROFILE = ConnectorProfile(
    connector="cybersource",
    fake=CybersourceFake,
    account_credentials=lambda fake: fake.credentials,
    success=Card(SUCCESS_CARD, "123"),
    # the fake declines by card number, with Cybersource's errorInformation.reason
    soft_decline=Decline(Card("4000000000000002", "123"), "generic_decline", "soft"),
    hard_decline=Decline(Card("4000000000000069", "123"), "expired_card", "hard"),
    more_declines=(Decline(Card("4000000000009995", "123"), "insufficient_funds", "soft"),),
    currency="USD",
    flows=frozenset(
        {
            "authorize",
            "capture",
            "void",
            "refund",
            "sync",
            "refund_sync",
            "setup_mandate",
            "charge_mandate",
            "revoke_mandate",
            "increment",
            "webhooks",
        }
    ),
    async_refunds=True,
    webhooks=Webhooks(WEBHOOK_SECRET, _sample, _sign, lambda h, b: ({}, b), tolerance_seconds=300),
    idempotency_header=None,  # Cybersource honours no idempotency key
    secrets=lambda fake: [fake.shared_secret, WEBHOOK_SECRET],
)
