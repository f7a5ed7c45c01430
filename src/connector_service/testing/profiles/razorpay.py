"""Razorpay's profile: orders then S2S payments, capture of the whole amount only (no
partial capture, no void), refunds processed at once, 3-D Secure by a ``redirect``
next action and the callback URL, card mandates as customer tokens, webhooks signed
with the webhook's secret (hex HMAC-SHA256 of the body, no timestamp)."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from connector_service.testing.fakes.razorpay import (
    SUCCESS_CARD,
    THREE_DS_CARD,
    WEBHOOK_SECRET,
    RazorpayFake,
    webhook_headers,
)
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    OptionsSample,
    SplitsSample,
    ThreeDS,
    Webhooks,
    json_sent,
)
from connector_service.testing.profiles._browser import visit

CALLBACK_URL = "https://shop.example/razorpay/return"
# Razorpay needs the customer's email, phone, IP address and user agent on every card
# payment (S2S JSON: "send the customer's real ip, user_agent ... not placeholders").
CUSTOMER = {"email": "ada@example.com", "phone": "+919000090000"}
BROWSER = {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (conformance)"}


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(
        payment["next_action"]["url"], {"outcome": "success" if passed else "failure"}
    )
    assert status == 302, status
    if passed:
        assert params["razorpay_payment_id"] == payment["connector_payment_id"], params
    return params


def _complete_setup(fake: Any, mandate: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(mandate["next_action"]["url"], {"outcome": "success"})
    assert status == 302 and params["razorpay_signature"], params
    return params


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    entity = fake.payments[payment["connector_payment_id"]]
    event = {
        "entity": "event",
        "account_id": "acc_" + secrets.token_hex(7),
        "event": "payment.captured",
        "contains": ["payment"],
        "payload": {"payment": {"entity": entity}},
        "created_at": int(time.time()),
    }
    return json.dumps(event).encode()


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    # The event id is fixed per body, so a redelivery carries the same one.
    return webhook_headers(body, secret, event_id="evt_" + str(abs(hash(body)))[:14]), body


PROFILE = ConnectorProfile(
    connector="razorpay",
    fake=RazorpayFake,
    account_credentials=lambda fake: fake.credentials,
    account_options=lambda fake: {"default_contact": "+919000090000"},
    success=Card(SUCCESS_CARD, "123"),
    # the fake declines by card number, with Razorpay's error reasons
    soft_decline=Decline(Card("4000000000000002", "123"), "generic_decline", "soft"),
    hard_decline=Decline(Card("4000000000000069", "123"), "expired_card", "hard"),
    more_declines=(Decline(Card("4000000000009995", "123"), "insufficient_funds", "soft"),),
    currency="INR",
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
    three_ds=ThreeDS(Card(THREE_DS_CARD, "123"), _complete, CALLBACK_URL),
    mandate_three_ds=ThreeDS(Card(THREE_DS_CARD, "123"), _complete_setup, CALLBACK_URL),
    webhooks=Webhooks(WEBHOOK_SECRET, _sample, _sign, lambda h, b: ({}, b), tolerance_seconds=None),
    idempotency_header=None,  # the order's receipt carries the key (docs/connectors)
    options=OptionsSample(
        {"customer_id": "cust_Q7kS9bWq4ZyX1e"},
        json_sent("/payments/create/json", ("customer_id",), "cust_Q7kS9bWq4ZyX1e"),
    ),
    splits=SplitsSample(
        "acc_CPRsN1LkFccllA",
        json_sent("/orders", ("transfers", 0, "account"), "acc_CPRsN1LkFccllA"),
        json_sent("/refund", ("reverse_all",), True),
    ),
    secrets=lambda fake: [fake.key_id, fake.key_secret, WEBHOOK_SECRET],
    extra={
        "payment_fields": {"customer": CUSTOMER, "browser": BROWSER},
        "mandate_fields": {"browser": BROWSER},
        # Razorpay captures the whole authorized amount only ("should be equal to the
        # order amount"): the suite captures in full and checks a partial one is refused.
        "full_capture_only": True,
    },
)
