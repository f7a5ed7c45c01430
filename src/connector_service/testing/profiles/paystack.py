"""Paystack's profile: one-step card charges (no capture/void), 3-D Secure by
``open_url``, refunds queued ``pending`` and read back ``processed``, webhooks signed
with the secret key (HMAC-SHA512, no timestamp)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from connector_service.testing.fakes.paystack import (
    CALLBACK_URL,
    SECRET_KEY,
    SUCCESS_CARD,
    THREE_DS_CARD,
    PaystackFake,
)
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    OptionsSample,
    ThreeDS,
    Webhooks,
    json_sent,
)
from connector_service.testing.profiles._browser import visit


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(
        payment["next_action"]["url"], {"outcome": "success" if passed else "failure"}
    )
    assert status == 302 and params["reference"] == payment["connector_payment_id"], params
    return params


def _complete_setup(fake: Any, mandate: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(mandate["next_action"]["url"], {"outcome": "success"})
    assert status == 302 and params["reference"], params
    return params


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    charge = fake.charges[payment["connector_payment_id"]]
    return json.dumps({"event": "charge.success", "data": fake._doc(charge)}).encode()


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    mac = hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()
    return {"x-paystack-signature": mac}, body


PROFILE = ConnectorProfile(
    connector="paystack",
    fake=PaystackFake,
    account_credentials=lambda fake: {"secret_key": fake.secret},
    success=Card(SUCCESS_CARD, "408"),
    soft_decline=Decline(Card("4000000000000002", "408"), "generic_decline", "soft"),
    hard_decline=Decline(Card("4000000000009987", "408"), "lost_card", "hard"),
    more_declines=(Decline(Card("4000000000009995", "408"), "insufficient_funds", "soft"),),
    currency="NGN",
    flows=frozenset(
        {
            "authorize",
            "complete_authorize",
            "refund",
            "sync",
            "refund_sync",
            "setup_mandate",
            "charge_mandate",
            "revoke_mandate",
            "complete_mandate",
        }
    ),
    async_modifications=True,  # refunds are queued: pending, then processed
    three_ds=ThreeDS(Card(THREE_DS_CARD, "408"), _complete, CALLBACK_URL),
    mandate_three_ds=ThreeDS(Card(THREE_DS_CARD, "408"), _complete_setup, CALLBACK_URL),
    webhooks=Webhooks(SECRET_KEY, _sample, _sign, lambda h, b: ({}, b), tolerance_seconds=None),
    idempotency_header=None,  # the body's reference is the dedup key (docs/connectors)
    secrets=lambda fake: [fake.secret],
    specs=("paystack/paystack.yaml",),
    # Paystack needs the customer's email on every charge.
    extra={"payment_fields": {"customer": {"email": "ada@example.com"}}},
    options=OptionsSample(
        {"device_id": "cf-device-1"}, json_sent("/charge", ("device_id",), "cf-device-1")
    ),
)
