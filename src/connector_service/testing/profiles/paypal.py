"""PayPal's profile: OAuth via the fake, webhooks verified by PayPal's verify call."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from connector_service.testing.fakes.paypal import (
    CLIENT_ID,
    CLIENT_SECRET,
    SIGNING_KEY,
    THREE_DS_CARD,
    WEBHOOK_ID,
    PayPalFake,
    signature,
)
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    Disputes,
    OptionsSample,
    SplitsSample,
    ThreeDS,
    Webhooks,
    json_sent,
)
from connector_service.testing.profiles._browser import visit


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    order = payment["connector_payment_id"]
    status, _ = visit(
        f"{fake.base_url}/__fake__/payer-action/{order}",
        {"outcome": "Y" if passed else "N"},
        "POST",
    )
    assert status == 204
    return {"token": order}


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    event = {
        "id": "WH-CONFORMANCE000001",
        "event_version": "1.0",
        "create_time": "2024-05-14T10:20:35.000Z",
        "resource_type": "checkout-order",
        "event_type": "CHECKOUT.ORDER.COMPLETED",
        "summary": "order completed",
        "resource": fake.order_view(payment["connector_payment_id"]),
    }
    return json.dumps(event).encode()


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    tid = str(uuid.uuid4())
    stamp = dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "paypal-auth-algo": "SHA256withRSA",
        "paypal-cert-url": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42",
        "paypal-transmission-id": tid,
        "paypal-transmission-sig": signature(
            secret.encode(), tid, stamp, WEBHOOK_ID, json.loads(body)
        ),
        "paypal-transmission-time": stamp,
    }, body


def _strip(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    return {k: v for k, v in headers.items() if k != "paypal-transmission-sig"}, body


def _open_dispute(fake: Any, payment: dict[str, Any]) -> None:
    [capture_id] = fake.orders[payment["connector_payment_id"]]["captures"]
    fake.open_dispute(capture_id)


PROFILE = ConnectorProfile(
    connector="paypal",
    fake=PayPalFake,
    currency="USD",
    account_credentials=lambda fake: fake.credentials,
    account_options=lambda fake: fake.options,
    success=Card("4111111111111111", "739", "Jane Doe"),
    soft_decline=Decline(
        Card("4111111111111111", "739", "CCREJECT-REFUSED"), "do_not_honor", "soft"
    ),
    hard_decline=Decline(Card("4111111111111111", "739", "CCREJECT-SF"), "fraud_suspected", "hard"),
    more_declines=(
        Decline(
            Card("4111111111111111", "739", "CCREJECT-IF"), "insufficient_funds", "retry_later"
        ),
    ),
    flows=frozenset(
        {
            "authorize",
            "complete_authorize",
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
    three_ds=ThreeDS(
        Card(THREE_DS_CARD, "739", "Jane"), _complete, "https://shop.example/paypal/return"
    ),
    webhooks=Webhooks(SIGNING_KEY.decode(), _sample, _sign, _strip, tolerance_seconds=600),
    idempotency_header="PayPal-Request-Id",
    secrets=lambda fake: [CLIENT_ID, CLIENT_SECRET, *sorted(fake.tokens)],
    specs=("paypal/checkout_orders_v2.json",),
    disputes=Disputes(Card("4111111111111111", "739", "Jane Doe"), _open_dispute),
    options=OptionsSample(
        {"custom_id": "cf-custom-1"},
        json_sent("/v2/checkout/orders", ("purchase_units", 0, "custom_id"), "cf-custom-1"),
    ),
    splits=SplitsSample(
        "7KNGBPH2U58GQ",
        json_sent(
            "/v2/checkout/orders", ("purchase_units", 0, "payee", "merchant_id"), "7KNGBPH2U58GQ"
        ),
        json_sent(
            # a refund of 500 of 1000 returns half the platform fee of 300 (fee + unsplit)
            "/refund",
            ("payment_instruction", "platform_fees", 0, "amount", "value"),
            "1.50",
        ),
    ),
)
