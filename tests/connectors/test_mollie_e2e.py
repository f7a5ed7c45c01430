"""Mollie end to end: the REST server (a real service process) against the loopback fake,
which checks every request against the documented contract. The webhook checks drive the
real receiver: an ``id=tr_...`` body is verified by fetching the payment, and the event
is read from what was fetched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector_service.testing.client import Api
from connector_service.testing.e2e import assert_log_clean
from connector_service.testing.fakes.mollie import SUCCESS_CARD, MollieFake
from connector_service.testing.profiles.mollie import PROFILE
from connector_service.testing.rig import Rig, open_rig


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("mollie-e2e")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def token_payment(fake: MollieFake, amount: int, capture: str = "manual", **extra: Any) -> Any:
    token = fake.tokenize({"number": SUCCESS_CARD, "cvc": "123"})
    return {"amount": amount, "currency": "EUR", "capture_method": capture,
            "payment_method": {"type": "token", "token": token}, **extra}  # fmt: skip


def sent(rig: Rig, method: str, suffix: str) -> list[Any]:
    return [
        json.loads(r.body) if r.body else None
        for r in rig.fake.received
        if r.method == method and urlsplit(r.url).path.endswith(suffix)
    ]


def events(api: Api, gid: str) -> list[dict[str, Any]]:
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    return [e for e in data if e["connector_event_id"].startswith(f"{gid}:")]


def hook(api: Api, rig: Rig, body: bytes) -> int:
    status, _, _ = api.call(
        "POST",
        f"/v1/webhooks/mollie/{rig.account}",
        raw=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    return status


def test_lifecycle_in_decimal_strings_with_one_id(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    auth = api.ok("POST", "/v1/payments", token_payment(fake, 2050, reference="e2e-1"))
    assert auth["status"] == "authorized" and auth["connector_payment_id"].startswith("tr_")
    created = sent(rig, "POST", "/v2/payments")[-1]
    assert created["amount"] == {"currency": "EUR", "value": "20.50"}
    assert created["captureMode"] == "manual" and created["cardToken"].startswith("tkn_")
    captured = api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 1525})
    assert captured["status"] == "processing" and captured["id"] == auth["id"]
    assert sent(rig, "POST", "/captures")[-1]["amount"] == {"currency": "EUR", "value": "15.25"}
    synced = api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["status"] == "partially_captured" and synced["amount_captured"] == 1525
    refund = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {})
    assert refund["amount"] == 1525 and refund["status"] == "pending"
    assert api.ok("GET", f"/v1/refunds/{refund['id']}")["status"] == "succeeded"


def test_a_full_card_number_is_not_supported_and_never_sent(rig: Rig) -> None:
    calls = rig.gateway_calls()
    pm = {"type": "card", "number": SUCCESS_CARD, "cvc": "123", "exp_month": 12, "exp_year": 2034}
    status, err, _ = rig.api.call(
        "POST", "/v1/payments",
        {"amount": 100, "currency": "EUR", "capture_method": "automatic", "payment_method": pm},
    )  # fmt: skip
    assert status == 422 and err["error"]["type"] == "not_supported", err
    assert err["error"]["field"] == "payment_method.type"
    assert rig.gateway_calls() == calls


def test_the_callers_key_is_mollies_idempotency_key(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    body = token_payment(fake, 700, "automatic")
    first = api.ok("POST", "/v1/payments", body, headers={"Idempotency-Key": "e2e-key-1"})
    keys = [r.headers.get("Idempotency-Key") for r in fake.received if r.method == "POST"]
    assert keys[-1] and keys[-1] != "e2e-key-1"  # derived per account, never the raw key
    assert first["status"] == "captured"


def test_webhook_verified_by_fetching_then_one_event_per_state(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    auth = api.ok("POST", "/v1/payments", token_payment(fake, 3000))
    gid = auth["connector_payment_id"]
    body = f"id={gid}".encode()
    assert hook(api, rig, body) == 200
    (first,) = events(api, gid)
    assert first["type"] == "payment.authorized"
    assert first["connector_event_id"] == f"{gid}:authorized:0.00:-:-"
    assert hook(api, rig, body) == 200  # a retry of the same state: stored once
    assert len(events(api, gid)) == 1
    api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert hook(api, rig, body) == 200  # Mollie calls again: the payment is now paid
    types = sorted(e["type"] for e in events(api, gid))
    assert types == ["payment.authorized", "payment.captured"], types
    refund = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 500})
    assert hook(api, rig, body) == 200  # the refund's status change calls it too
    api.ok("GET", f"/v1/refunds/{refund['id']}")  # Mollie settles the refund meanwhile
    assert hook(api, rig, body) == 200
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    mine = [e for e in data if e["connector_event_id"].startswith(refund["connector_refund_id"])]
    assert sorted(e["type"] for e in mine) == ["refund.pending", "refund.succeeded"], mine
    for summary in mine:  # one refund, one id: the one the refund call answered
        doc = api.ok("GET", f"/v1/admin/webhooks/events/{summary['id']}")
        assert doc["event"]["data"]["refund"]["id"] == refund["id"], doc


def test_forged_webhooks_are_refused_and_store_nothing(rig: Rig) -> None:
    api = rig.api
    before = len(api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"])
    for body in (b"id=tr_doesnotexist1", b"id=", b"id=cst_8wmqcHMN4U", b"nonsense"):
        assert hook(api, rig, body) in (400, 401), body
    assert len(api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]) == before


def test_the_log_holds_no_key_card_or_token(rig: Rig) -> None:
    tokens = list(rig.fake.issued)
    assert len(tokens) >= 3  # the checks above sent card tokens
    log = assert_log_clean(
        rig.service, card_numbers=rig.card_numbers(), cvcs=rig.cvcs(), secrets=rig.secrets()
    )
    assert rig.fake.api_key not in log
    assert not [t for t in tokens if t in log]


def test_a_payment_that_stores_the_card_gives_a_chargeable_mandate(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    body = token_payment(fake, 1200, "automatic", setup_future_usage="off_session",
                         customer={"email": "jane@example.com"})  # fmt: skip
    paid = api.ok("POST", "/v1/payments", body)
    assert paid["status"] == "captured" and paid["mandate"]["status"] == "active", paid
    assert sent(rig, "POST", "/v2/payments")[-1]["sequenceType"] == "first"
    mit = {"amount": 800, "currency": "EUR", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": paid["mandate"]["id"]}}  # fmt: skip
    charge = api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured" and charge["amount"] == 800
    recurring = sent(rig, "POST", "/v2/payments")[-1]
    assert recurring["sequenceType"] == "recurring" and recurring["mandateId"].startswith("mdt_")
