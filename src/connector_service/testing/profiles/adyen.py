"""Adyen's profile: modifications are answered ``received`` and settle by webhook only."""

from __future__ import annotations

import json
from typing import Any

from connector_service.testing.fakes.adyen import (
    API_KEY,
    HMAC_KEY,
    MERCHANT,
    THREE_DS_CARD,
    AdyenFake,
    notification,
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


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    return {"redirectResult": fake.redirect_result_for(payment["connector_payment_id"])}


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    psp = payment["connector_payment_id"]
    item = {
        "amount": {"currency": payment["currency"], "value": payment["amount"]},
        "eventCode": "AUTHORISATION",
        "eventDate": "2026-01-01T01:00:00+01:00",
        "merchantAccountCode": MERCHANT,
        "merchantReference": fake.payments[psp].reference,
        "paymentMethod": "visa",
        "pspReference": psp,
        "reason": "",
        "success": "true",
        "additionalData": {},
    }
    return json.dumps(
        {"live": "false", "notificationItems": [{"NotificationRequestItem": item}]}
    ).encode()


def _items(body: bytes) -> list[dict[str, Any]]:
    return [n["NotificationRequestItem"] for n in json.loads(body)["notificationItems"]]


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    try:
        bytes.fromhex(secret)
    except ValueError:
        secret = "00" * 32  # a well-formed key that is not the account's
    return {}, notification(*_items(body), hex_key=secret)


def _strip(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
    items = _items(body)
    for item in items:
        item["additionalData"].pop("hmacSignature", None)
    wrapped = [{"NotificationRequestItem": i} for i in items]
    return headers, json.dumps({"live": "false", "notificationItems": wrapped}).encode()


PROFILE = ConnectorProfile(
    connector="adyen",
    fake=AdyenFake,
    account_credentials=lambda fake: {"api_key": API_KEY, "webhook_secret": HMAC_KEY},
    account_options=lambda fake: {"merchant_account": MERCHANT},
    success=Card("4111111145551142", "737", holder="Jane Shopper"),
    soft_decline=Decline(
        Card("4111111145551142", "737", "NOT_ENOUGH_BALANCE"), "insufficient_funds", "soft"
    ),
    hard_decline=Decline(Card("4111111145551142", "737", "DECLINED"), "generic_decline", "hard"),
    flows=frozenset(
        {
            "authorize",
            "complete_authorize",
            "capture",
            "void",
            "refund",
            "setup_mandate",
            "charge_mandate",
            "revoke_mandate",
        }
    ),
    async_modifications=True,
    settles_by="webhook",
    # Adyen accepts any refund ("received") and reports a refused one by webhook
    rejects_over_refund=False,
    three_ds=ThreeDS(
        Card(THREE_DS_CARD, "737", "Jane Shopper"), _complete, "https://shop.example/adyen/return"
    ),
    webhooks=Webhooks(HMAC_KEY, _sample, _sign, _strip, tolerance_seconds=None),
    idempotency_header="Idempotency-Key",
    idempotency_key=lambda key, flow: {"authorize": "pay-", "capture": "cap-"}[flow] + key,
    secrets=lambda fake: [API_KEY, HMAC_KEY],
    specs=("adyen/CheckoutService-v71.json",),
    extra={"three_ds_can_fail": False},
    options=OptionsSample(
        {"merchant_order_reference": "cf-order-1"},
        json_sent("/payments", ("merchantOrderReference",), "cf-order-1"),
    ),
    splits=SplitsSample(
        "BA00000000000000000000001",
        json_sent("/payments", ("splits", 0, "account"), "BA00000000000000000000001"),
        json_sent("/refunds", ("splits", 0, "account"), "BA00000000000000000000001"),
    ),
)
