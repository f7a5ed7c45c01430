"""Checkout.com's profile (NAS account): captures, voids, refunds answer 202 (pending)."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from connector_service.testing.fakes.checkout import CheckoutFake, open_checkout_dispute
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

WEBHOOK_SECRET = "cko-conformance-signature-key"


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    status, params = visit(
        payment["next_action"]["url"], {"outcome": "success" if passed else "failure"}
    )
    assert status == 302 and params["cko-session-id"].startswith("sid_")
    return params


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    event = {
        "id": "evt_conformance000000000000001",
        "type": "payment_captured",
        "version": "1.0.33",
        "created_on": "2026-01-01T00:00:00Z",
        "data": {
            "id": payment["connector_payment_id"],
            "action_id": "act_conformance01",
            "amount": payment["amount"],
            "currency": payment["currency"],
            "response_code": "10000",
            "response_summary": "Approved",
            "processed_on": "2026-01-01T00:00:00Z",
        },
    }
    return json.dumps(event).encode()


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    return {"Cko-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}, body


def _open_dispute(fake: Any, payment: dict[str, Any]) -> None:
    open_checkout_dispute(fake, payment["connector_payment_id"])


PROFILE = ConnectorProfile(
    connector="checkout",
    fake=CheckoutFake,
    account_credentials=lambda fake: {**fake.credentials, "webhook_secret": WEBHOOK_SECRET},
    account_options=lambda fake: fake.options,
    success=Card("4242424242424242", "7319"),
    # the fake declines by amount (like Checkout.com's sandbox): 20xxx soft, 30xxx hard
    soft_decline=Decline(
        Card("4242424242424242", "7319", amount=5051), "insufficient_funds", "retry_later"
    ),
    hard_decline=Decline(Card("4242424242424242", "7319", amount=5043), "stolen_card", "hard"),
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
    async_modifications=True,
    three_ds=ThreeDS(
        Card("4242424242424242", "7319"), _complete, "https://shop.example/return?order=77"
    ),
    # A set-up with a return URL is challenged (3-D Secure) at the fake
    mandate_three_ds=ThreeDS(
        Card("5555555555554444", "6042"), _complete, "https://shop.example/return?order=77"
    ),
    webhooks=Webhooks(WEBHOOK_SECRET, _sample, _sign, lambda h, b: ({}, b), tolerance_seconds=None),
    idempotency_header="Cko-Idempotency-Key",
    secrets=lambda fake: [fake.secret, WEBHOOK_SECRET],
    specs=("checkout/swagger.json", "checkout/preview-crusoe-swagger.json"),
    extra={"purchase_pending": True},
    disputes=Disputes(Card("4242424242424242", "7319"), _open_dispute),
    options=OptionsSample(
        {"billing_descriptor": {"name": "CONFORMANCE", "city": "LONDON"}},
        json_sent("/payments", ("billing_descriptor", "city"), "LONDON"),
    ),
    splits=SplitsSample(
        "ent_rgyzti4x74xubmu72m6r3pvksa",
        json_sent("/payments", ("marketplace", "sub_entity_id"), "ent_rgyzti4x74xubmu72m6r3pvksa"),
        whole_only=True,  # no amount allocations in the specs: one sub-entity, whole payment
    ),
)
