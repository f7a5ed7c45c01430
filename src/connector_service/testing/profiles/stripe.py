"""Stripe's profile: the loopback fake (spec3-validated), Stripe's test cards."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any

from connector_service.testing.fakes.stripe import (
    API_KEY,
    SETUP_THREE_DS_CARD,
    THREE_DS_CARD,
    StripeFake,
)
from connector_service.testing.profile import (
    Card,
    ConnectorProfile,
    Decline,
    Disputes,
    OptionsSample,
    SplitsSample,
    ThreeDS,
    Voucher,
    Webhooks,
    form_sent,
)
from connector_service.testing.profiles._browser import visit

# Made per process: the conformance account's signing secret (never a committed literal).
WEBHOOK_SECRET = "whsec_" + secrets.token_hex(20)
RETURN_URL = "https://shop.example/stripe/return"


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(
        payment["next_action"]["url"], {"outcome": "succeed" if passed else "fail"}
    )
    assert status == 302 and params["payment_intent"] == payment["connector_payment_id"]
    return params


def _complete_setup(fake: Any, mandate: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(mandate["next_action"]["url"], {"outcome": "succeed"})
    assert status == 302 and params["setup_intent"].startswith("seti_"), params
    return params


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    event = {
        "id": "evt_conformance0000000001",
        "object": "event",
        "api_version": "2024-06-20",
        "created": int(time.time()),
        "livemode": False,
        "type": "payment_intent.succeeded",
        "data": {"object": fake.intents[payment["connector_payment_id"]]},
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
    }
    return json.dumps(event).encode()


def _pay_voucher(fake: Any, payment: dict[str, Any]) -> None:
    """The customer pays at the store: the fake's hosted voucher page, paid."""
    pi = payment["connector_payment_id"]
    status, _ = visit(f"{fake.base_url}/_fake/method/{pi}", {"outcome": "succeed"})
    assert status == 200, status


_PAYER = {"customer": {"id": "cf-shopper", "email": "jenny@example.com", "name": "Jenny Rosen"}}
VOUCHERS = (
    Voucher({"type": "oxxo", "expires_after_days": 2}, _pay_voucher,
            {"currency": "MXN", "billing": {"country": "MX"}, **_PAYER}),
    Voucher({"type": "konbini"}, _pay_voucher,
            {"currency": "JPY", "billing": {"country": "JP"}, **_PAYER}),
)  # fmt: skip


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={ts},v1={mac}"}, body


PROFILE = ConnectorProfile(
    connector="stripe",
    fake=StripeFake,
    account_credentials=lambda fake: {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET},
    success=Card("4242424242424242", "314"),
    soft_decline=Decline(Card("4000000000000002", "314"), "generic_decline", "soft"),
    hard_decline=Decline(Card("4000000000009987", "314"), "lost_card", "hard"),
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
            "complete_mandate",
        }
    ),
    more_declines=(Decline(Card("4000000000009995", "314"), "insufficient_funds", "retry_later"),),
    three_ds=ThreeDS(
        Card(THREE_DS_CARD, "314"),
        _complete,
        RETURN_URL,
        secret_params=("payment_intent_client_secret",),
    ),
    mandate_three_ds=ThreeDS(
        Card(SETUP_THREE_DS_CARD, "314"),
        _complete_setup,
        RETURN_URL,
        secret_params=("setup_intent_client_secret",),
    ),
    webhooks=Webhooks(WEBHOOK_SECRET, _sample, _sign, lambda h, b: ({}, b)),
    idempotency_header="Idempotency-Key",
    secrets=lambda fake: [API_KEY, WEBHOOK_SECRET],
    specs=("stripe/spec3.yaml",),
    disputes=Disputes(Card("4000000000000259", "314")),
    options=OptionsSample(
        {"transfer_group": "cf-group-1", "statement_descriptor_suffix": "CONFORMANCE"},
        lambda r: (
            r.method == "POST"
            and r.url.endswith("/v1/payment_intents")
            and b"transfer_group=cf-group-1" in (r.body or b"")
        ),
    ),
    splits=SplitsSample(
        "acct_1CfConformance00",
        form_sent("/v1/payment_intents", "transfer_data[destination]", "acct_1CfConformance00"),
        form_sent("/v1/refunds", "reverse_transfer", "true"),
    ),
    vouchers=VOUCHERS,  # an unpaid voucher's expiry is not played by the fake
)
