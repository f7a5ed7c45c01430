"""The sandbox connector's profile: no network, the documented test cards.

The sandbox gateway runs inside the service, so its 3-D Secure challenge page is one of
the service's own pages (``/sandbox/3ds/{id}``, server/sandbox_pages.py) and its
webhooks are signed ``Sandbox-Signature: t=…,v1=…`` with the account's
``webhook_secret`` (sandbox/webhooks.py).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from connector_service.sandbox import webhooks as scheme
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
)
from connector_service.testing.profiles._browser import visit

WEBHOOK_SECRET = "sandbox-conformance-webhook-secret"
RETURN_URL = "https://shop.example/sandbox/return"


def _complete(fake: Any, payment: dict[str, Any], passed: bool) -> dict[str, str]:
    """Press a button on the challenge page, as the customer's browser would."""
    result = "complete" if passed else "fail"
    status, params = visit(payment["next_action"]["url"], {}, "POST", form={"result": result})
    assert status == 303, status
    assert params["authentication"] == ("completed" if passed else "failed"), params
    assert params["sandbox_payment"] == payment["connector_payment_id"], params
    return params


def _sample(fake: Any, payment: dict[str, Any]) -> bytes:
    record = {
        "id": payment["connector_payment_id"],
        "object": "payment",
        "amount": payment["amount"],
        "currency": payment["currency"],
        "capture": True,
        "status": "captured",
        "amount_captured": payment["amount"],
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034},
    }
    event = {
        "id": f"sbevt_conformance{uuid.uuid4().hex[:12]}",
        "type": "payment.captured",
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": record},
    }
    return json.dumps(event).encode()


def _pay_voucher(fake: Any, payment: dict[str, Any]) -> None:
    """The customer pays at the store: the hosted voucher page's *Pay* button."""
    status, _ = visit(payment["next_action"]["url"], {}, "POST", form={"result": "approve"})
    assert status == 200, status


# Each voucher in its own country's currency (fields override the profile's EUR).
VOUCHERS = (
    Voucher({"type": "oxxo", "expires_after_days": 2}, _pay_voucher,
            {"currency": "MXN", "billing": {"country": "MX"}}),
    Voucher({"type": "boleto", "tax_id": "529.982.247-25"}, _pay_voucher,
            {"currency": "BRL", "billing": {"country": "BR"}}),
    Voucher({"type": "konbini"}, _pay_voucher, {"currency": "JPY", "billing": {"country": "JP"}}),
)  # fmt: skip


def _sign(body: bytes, secret: str, ts: int) -> tuple[dict[str, str], bytes]:
    return {scheme.HEADER: scheme.sign(secret, ts, body)}, body


PROFILE = ConnectorProfile(
    connector="sandbox",
    account_credentials=lambda fake: {"webhook_secret": WEBHOOK_SECRET},
    success=Card("4242424242424242", "123"),
    soft_decline=Decline(Card("4000000000000127", "123"), "incorrect_cvc", "soft"),
    hard_decline=Decline(Card("4000000000000002", "123"), "stolen_card", "hard"),
    flows=frozenset({"authorize", "capture", "void", "refund", "sync", "refund_sync"}),
    three_ds=ThreeDS(Card("4000000000003253", "123"), _complete, RETURN_URL),
    webhooks=Webhooks(
        WEBHOOK_SECRET,
        _sample,
        _sign,
        lambda h, b: ({}, b),
        tolerance_seconds=scheme.TOLERANCE_SECONDS,
    ),
    disputes=Disputes(Card("4000000000000259", "123")),
    options=OptionsSample({"descriptor_suffix": "CF", "risk_label": "low"}),  # no fake
    splits=SplitsSample("cf-destination-1"),  # balances: tests/options
    vouchers=VOUCHERS,  # an unpaid one expires after days: not played here
)
