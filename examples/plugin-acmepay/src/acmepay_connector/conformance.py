"""AcmePay's conformance profile: what the shared suite needs to test this connector.

``pytest --pyargs connector_service.testing.conformance --connector acmepay`` finds it
through the ``connector_service.conformance`` entry point (or, inside the service's own
repository, ``connector_service.testing.profiles``).
"""

from __future__ import annotations

import json
import time
from typing import Any

from connector_service.connectors.kit import hmac_sha256_hex
from connector_service.testing.profile import Card, ConnectorProfile, Decline, Webhooks

from acmepay_connector.fake import (
    API_KEY,
    MERCHANT_ACCOUNT,
    SUCCESS_CARD,
    WEBHOOK_SECRET,
    AcmepayFake,
)


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    """A ``payment.captured`` event about ``payment``, as the gateway would send it."""
    event = {
        "id": "evt_conformance000001",
        "object": "event",
        "type": "payment.captured",
        "created": int(time.time()),
        "data": {"object": fake.payments[payment["connector_payment_id"]]},
    }
    return json.dumps(event).encode()


def _sign(body: bytes, secret: str, timestamp: int) -> tuple[dict[str, str], bytes]:
    mac = hmac_sha256_hex(secret, f"{timestamp}.".encode() + body)
    return {"Acmepay-Signature": f"t={timestamp},v1={mac}"}, body


PROFILE = ConnectorProfile(
    connector="acmepay",
    fake=AcmepayFake,
    account_credentials=lambda fake: {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET},
    account_options=lambda fake: {"merchant_account": MERCHANT_ACCOUNT},
    success=Card(SUCCESS_CARD, "123"),
    soft_decline=Decline(Card("4000000000009995", "123"), "insufficient_funds", "soft"),
    hard_decline=Decline(Card("4000000000000002", "123"), "stolen_card", "hard"),
    flows=frozenset({"authorize", "capture", "void", "refund", "sync", "refund_sync", "webhooks"}),
    webhooks=Webhooks(WEBHOOK_SECRET, _sample, _sign, lambda headers, body: ({}, body)),
    idempotency_header="Idempotency-Key",
    secrets=lambda fake: [API_KEY, WEBHOOK_SECRET],
)
