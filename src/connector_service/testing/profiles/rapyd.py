"""Rapyd's profile: captures, voids and card refunds answer with their outcome at once;
requests and webhooks are signed with the access and secret keys."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from connector_service.testing.fakes.rapyd import ACCESS_KEY, SECRET_KEY, RapydFake, webhook_headers
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

# The URL configured for webhooks in Rapyd's Client Portal: part of what is signed.
WEBHOOK_URL = "https://shop.example/rapyd/webhooks"


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(
        payment["next_action"]["url"], {"outcome": "success" if passed else "failure"}
    )
    assert status == 302, status
    return params


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    major = payment["amount"] / 100
    event = {
        "id": "wh_" + secrets.token_hex(16),
        "type": "PAYMENT_COMPLETED",
        "data": {
            "id": payment["connector_payment_id"],
            "amount": major,
            "original_amount": major,
            "currency_code": payment["currency"],
            "status": "CLO",
            "next_action": "not_applicable",
            "captured": True,
            "paid": True,
            "merchant_reference_id": payment.get("reference", ""),
        },
        "trigger_operation_id": "5c4a0d1e-8d44-4c5e-9b0c-1f6a3f0b6b2e",
        "status": "NEW",
        "created_at": int(time.time()),
    }
    return json.dumps(event, separators=(",", ":")).encode()


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    return webhook_headers(body, WEBHOOK_URL, ACCESS_KEY, secret, ts), body


PROFILE = ConnectorProfile(
    connector="rapyd",
    fake=RapydFake,
    account_credentials=lambda fake: fake.credentials,
    account_options=lambda fake: {"webhook_url": WEBHOOK_URL, "card_country": "de"},
    success=Card("4111111111111111", "123"),
    # the fake declines by amount, with Rapyd's Create Payment error codes
    soft_decline=Decline(
        Card("4111111111111111", "123", amount=5051), "insufficient_funds", "soft"
    ),
    hard_decline=Decline(Card("4111111111111111", "123", amount=5043), "expired_card", "hard"),
    more_declines=(Decline(Card("5555555555554444", "123", amount=5005), "do_not_honor", "soft"),),
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
        Card("4111111111111111", "123"), _complete, "https://shop.example/return?order=77"
    ),
    webhooks=Webhooks(SECRET_KEY, _sample, _sign, lambda h, b: ({}, b), tolerance_seconds=300),
    idempotency_header="idempotency",
    secrets=lambda fake: [fake.access_key, fake.secret],
    specs=("rapyd/rapyd-openapi.yaml",),
    options=OptionsSample(
        {"receipt_email": "cf@example.com"},
        json_sent("/v1/payments", ("receipt_email",), "cf@example.com"),
    ),
)
