"""Square's profile: card data only as Web Payments SDK tokens (Square's documented
Sandbox test tokens), authorize then complete (partial: the amount is edited down
first), cancel, refunds answered ``PENDING`` and read back ``COMPLETED``, cards on file
as mandates, webhooks signed over the notification URL and the body (HMAC-SHA256,
base64, no timestamp)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from connector_service.testing.fakes.square import (
    LOCATION_ID,
    NONCES,
    NOTIFICATION_URL,
    OK_NONCE,
    SIGNATURE_KEY,
    SquareFake,
)
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    OptionsSample,
    SplitsSample,
    Webhooks,
    json_sent,
)

# Each token stands for Square's Sandbox Visa 4111 1111 1111 1111 (CVV 111).
VISA, CVV = "4111111111111111", "111"


def _card(token: str) -> Card:
    return Card(VISA, CVV, token=token)


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    p = fake.payments[payment["connector_payment_id"]]
    event = fake.event("payment.updated", "payment", p.id, fake.payment_doc(p))
    return json.dumps(event).encode()


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    mac = hmac.new(secret.encode(), NOTIFICATION_URL.encode() + body, hashlib.sha256).digest()
    return {"x-square-hmacsha256-signature": base64.b64encode(mac).decode()}, body


PROFILE = ConnectorProfile(
    connector="square",
    fake=SquareFake,
    account_credentials=lambda fake: fake.credentials,
    account_options=lambda fake: {
        "location_id": LOCATION_ID,
        "webhook_notification_url": NOTIFICATION_URL,
    },
    success=_card(OK_NONCE),
    soft_decline=Decline(_card("cnon:card-nonce-declined"), "generic_decline", "soft"),
    hard_decline=Decline(_card("cnon:card-nonce-rejected-expiration"), "invalid_expiry", "hard"),
    more_declines=(
        Decline(_card("cnon:card-nonce-rejected-cvv"), "incorrect_cvc", "soft"),
        Decline(_card("cnon:card-nonce-rejected-postalcode"), "invalid_payment_data", "hard"),
    ),
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
        }
    ),
    async_refunds=True,  # a refund is PENDING, then COMPLETED
    webhooks=Webhooks(
        SIGNATURE_KEY,
        _sample,
        _sign,
        lambda h, b: ({}, b),
        tolerance_seconds=None,  # Square signs no timestamp: replays are deduped by event_id
    ),
    idempotency_header=None,  # the body's idempotency_key (docs/connectors/square.md)
    options=OptionsSample(
        {"team_member_id": "TMoK_ogh6rH1o4dV"},
        json_sent("/v2/payments", ("team_member_id",), "TMoK_ogh6rH1o4dV"),
    ),
    splits=SplitsSample(
        "L88917AVBK2S5",  # a location id: Square pays no destinations, the app fee only
        json_sent("/v2/payments", ("app_fee_money", "amount"), 200),
        json_sent("/v2/refunds", ("app_fee_money", "amount"), 100),  # 500 of 1000 refunded
        fee_only=True,
    ),
    # The tokens too: the scrub masks them (source_id) wherever a transcript shows them.
    secrets=lambda fake: [fake.access_token, fake.signature_key, *NONCES],
    specs=("square/api.json",),
)
