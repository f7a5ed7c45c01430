"""Xendit end to end: the REST server (a real service process) against the loopback fake,
which checks every request against the contract written from the SDK's models. The
webhook checks drive the real receiver: the ``x-callback-token`` is checked, then the
payment request named is read back, and the event is read from what was read."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector_service.testing.client import Api
from connector_service.testing.fakes.xendit import SUCCESS_CARD, WEBHOOK_TOKEN
from connector_service.testing.profiles.xendit import PROFILE
from connector_service.testing.rig import Rig, open_rig


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("xendit-e2e")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def card_payment(amount: int, currency: str = "PHP", capture: str = "manual") -> Any:
    pm = {"type": "card", "number": SUCCESS_CARD, "cvc": "123", "exp_month": 12,
          "exp_year": 2034}  # fmt: skip
    return {"amount": amount, "currency": currency, "capture_method": capture,
            "payment_method": pm, "return_url": "https://shop.example/xendit/return"}  # fmt: skip


def sent(rig: Rig, method: str, suffix: str) -> list[Any]:
    return [
        json.loads(r.body) if r.body else None
        for r in rig.fake.received
        if r.method == method and urlsplit(r.url).path.endswith(suffix)
    ]


def events(api: Api, event_id: str) -> list[dict[str, Any]]:
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    return [e for e in data if e["connector_event_id"] == event_id]


def hook(api: Api, rig: Rig, body: bytes, token: str | None = WEBHOOK_TOKEN) -> int:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["x-callback-token"] = token
    status, _, _ = api.call("POST", f"/v1/webhooks/xendit/{rig.account}", raw=body, headers=headers)
    return status


def test_lifecycle_in_major_units(rig: Rig) -> None:
    api = rig.api
    auth = api.ok("POST", "/v1/payments", card_payment(150050))
    assert auth["status"] == "authorized" and auth["connector_payment_id"].startswith("pr-")
    created = sent(rig, "POST", "/payment_requests")[-1]
    assert created["amount"] == 1500.5 and created["capture_method"] == "MANUAL"
    assert created["channel_properties"] == {"cvv": "123"}
    captured = api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 100025})
    assert captured["status"] == "partially_captured" and captured["amount_captured"] == 100025
    assert sent(rig, "POST", "/captures")[-1]["capture_amount"] == 1000.25
    synced = api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["status"] == "partially_captured" and synced["amount_captured"] == 100025
    refund = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 25})
    assert refund["status"] == "succeeded" and refund["amount"] == 25
    assert sent(rig, "POST", "/refunds")[-1]["amount"] == 0.25
    assert api.ok("GET", f"/v1/refunds/{refund['id']}")["status"] == "succeeded"


def test_rupiah_with_sen_is_refused_and_never_sent(rig: Rig) -> None:
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", card_payment(1000050, "IDR"))
    assert status == 400 and err["error"]["field"] == "amount", err
    assert rig.gateway_calls() == calls
    whole = rig.api.ok("POST", "/v1/payments", card_payment(1000000, "IDR", "automatic"))
    assert whole["status"] == "captured"
    assert sent(rig, "POST", "/payment_requests")[-1]["amount"] == 10000


def test_void_is_not_supported_and_never_sent(rig: Rig) -> None:
    auth = rig.api.ok("POST", "/v1/payments", card_payment(5000))
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", f"/v1/payments/{auth['id']}/void", {})
    assert status == 422 and err["error"]["code"] == "not_supported", err
    assert rig.gateway_calls() == calls


def test_a_webhook_is_read_back_and_its_state_wins(rig: Rig) -> None:
    """The body says SUCCEEDED; the payment request is still AWAITING_CAPTURE: the stored
    event says authorized. A forged id, a wrong or missing token is a 401."""
    api, fake = rig.api, rig.fake
    auth = api.ok("POST", "/v1/payments", card_payment(7000))
    prid = auth["connector_payment_id"]
    doc = json.loads(fake.callback("payment.succeeded", prid))
    doc["data"]["status"] = "SUCCEEDED"
    body = json.dumps(doc).encode()
    assert hook(api, rig, body, token=WEBHOOK_TOKEN + "x") == 401
    assert hook(api, rig, body, token=None) == 401
    forged = body.replace(prid.encode(), b"pr-00000000-0000-4000-8000-000000000000")
    assert hook(api, rig, forged) == 401
    event_id = f"payment.succeeded:{doc['data']['id']}:SUCCEEDED"
    assert events(api, event_id) == []
    assert hook(api, rig, body) == 200
    stored = events(api, event_id)
    assert len(stored) == 1 and stored[0]["type"] == "payment.authorized", stored


@pytest.mark.parametrize("method", [{"type": "alipay"}, {"type": "wechat_pay"}])
def test_a_method_xendit_is_not_declared_for_is_refused_and_never_sent(
    rig: Rig, method: dict[str, Any]
) -> None:
    calls = rig.gateway_calls()
    body = card_payment(5000, "THB", "automatic") | {"payment_method": method}
    status, err, _ = rig.api.call("POST", "/v1/payments", body)
    assert status in (400, 422) and err["error"]["field"] == "payment_method.type", err
    assert rig.gateway_calls() == calls
