"""Xendit's profile: card payment requests in PHP (manual or automatic capture, one
partial capture), refunds that succeed at once, no void (the Payment Requests API has
none), 3-D Secure by the ``AUTH`` action's page, stored cards as reusable payment
methods (3-D Secure at set-up too), and webhooks carrying the static
``x-callback-token`` (no timestamp), verified by reading the payment request back."""

from __future__ import annotations

from typing import Any

from connector_service.testing.fakes.xendit import (
    SUCCESS_CARD,
    THREE_DS_CARD,
    WEBHOOK_TOKEN,
    XenditFake,
)
from connector_service.testing.profile import Card, ConnectorProfile, Decline, ThreeDS, Webhooks
from connector_service.testing.profiles._browser import visit

RETURN_URL = "https://shop.example/xendit/return"


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(payment["next_action"]["url"], {"outcome": "pass" if passed else "fail"})
    assert status == 302, status
    return params  # Xendit adds nothing to the return url: the object is read again


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    return bytes(fake.callback("payment.succeeded", payment["connector_payment_id"]))


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    return {"x-callback-token": secret}, body


def _strip(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    return {k: v for k, v in headers.items() if k.lower() != "x-callback-token"}, body


PROFILE = ConnectorProfile(
    connector="xendit",
    fake=XenditFake,
    account_credentials=lambda fake: fake.credentials,
    success=Card(SUCCESS_CARD, "123"),
    soft_decline=Decline(Card("4000000000000002", "123"), "generic_decline", "soft"),
    hard_decline=Decline(Card("4000000000000069", "123"), "expired_card", "hard"),
    more_declines=(
        Decline(Card("4000000000009995", "123"), "insufficient_funds", "soft"),
        Decline(Card("4000000000009979", "123"), "stolen_card", "hard"),
    ),
    currency="PHP",
    flows=frozenset(
        {
            "authorize",
            "complete_authorize",
            "capture",
            "refund",
            "sync",
            "refund_sync",
            "setup_mandate",
            "charge_mandate",
            "revoke_mandate",
            "complete_mandate",
        }
    ),
    three_ds=ThreeDS(Card(THREE_DS_CARD, "123"), _complete, RETURN_URL),
    mandate_three_ds=ThreeDS(Card(THREE_DS_CARD, "123"), _complete, RETURN_URL),
    webhooks=Webhooks(WEBHOOK_TOKEN, _sample, _sign, _strip, tolerance_seconds=None),
    idempotency_header="idempotency-key",
    secrets=lambda fake: [fake.secret_key, fake.webhook_token],
)
