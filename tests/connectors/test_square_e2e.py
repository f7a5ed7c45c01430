"""Square through the REST server against the spec-validating loopback fake.

What the conformance suite does not reach: a raw card refused with a 422 before any
call, the partial capture's amount edit on the gateway's own ledger, the derived
``idempotency_key`` in the bodies Square received (and a retry after a lost answer
replayed by Square), refunds beyond what is left, and a card on file charged with its
customer, then disabled.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector_service.testing.client import Api
from connector_service.testing.e2e import gateway_key
from connector_service.testing.fakes.square import OK_NONCE
from connector_service.testing.profiles.square import PROFILE
from connector_service.testing.rig import Rig, open_rig


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, Path(tmp_path_factory.mktemp("square-e2e"))) as rig:
        yield rig
        assert rig.fake.violations == []


@pytest.fixture
def api(rig: Rig) -> Api:
    return rig.api


def payment(amount: int = 5000, capture: str = "manual", **extra: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD", "capture_method": capture,
            "payment_method": {"type": "token", "token": OK_NONCE}, **extra}  # fmt: skip


def test_a_raw_card_is_a_422_and_square_is_not_called(rig: Rig, api: Api) -> None:
    calls = rig.gateway_calls()
    card = {"type": "card", "number": "4111111111111111", "exp_month": 12, "exp_year": 2034,
            "cvc": "111"}  # fmt: skip
    for path, body in (
        ("/v1/payments", payment(payment_method=card)),
        ("/v1/mandates", {"currency": "USD", "payment_method": card,
                          "customer": {"email": "jane@example.com"}}),
    ):  # fmt: skip
        status, err, _ = api.call("POST", path, body)
        assert status == 422 and err["error"]["type"] == "not_supported", err
        assert err["error"]["field"].startswith("payment_method"), err
    assert rig.gateway_calls() == calls


def test_partial_capture_edits_the_amount_then_completes(rig: Rig, api: Api) -> None:
    auth = api.ok("POST", "/v1/payments", payment(5000, reference="ORD-SQ-1"))
    gid = auth["connector_payment_id"]
    assert rig.fake.payments[gid].reference_id == "ORD-SQ-1"
    captured = api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 3200})
    assert captured["status"] == "partially_captured" and captured["amount_captured"] == 3200
    p = rig.fake.payments[gid]
    assert (p.status, p.amount) == ("COMPLETED", 3200)
    methods = [m for m, path, _ in rig.fake.requests if path.startswith(f"/v2/payments/{gid}")]
    assert methods[-2:] == ["PUT", "POST"]  # UpdatePayment, then CompletePayment
    refunds = [api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": a})
               for a in (1000, 1200)]  # fmt: skip
    assert {r["status"] for r in refunds} == {"pending"}
    status, err, _ = api.call("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 1001})
    assert status == 400 and err["error"]["field"] == "amount", err
    rest = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 1000})
    assert rig.fake.payments[gid].refunded == 3200 and rest["amount"] == 1000
    for r in refunds:
        assert api.ok("GET", f"/v1/refunds/{r['id']}")["status"] == "succeeded"


def test_the_idempotency_key_travels_in_the_body_and_square_replays(rig: Rig, api: Api) -> None:
    key = f"sq-{uuid.uuid4().hex[:12]}"
    first = api.ok("POST", "/v1/payments", payment(1234), headers={"Idempotency-Key": key})
    _, _, body = rig.fake.requests[-1]
    assert body is not None and body["idempotency_key"] == gateway_key(rig.account, key)
    assert len(body["idempotency_key"]) <= 45
    before = len(rig.fake.payments)
    # The same body again at Square (as after a lost answer): Square replays its payment.
    slot = ("/v2/payments", body["idempotency_key"])
    assert rig.fake.keys[slot][2]["payment"]["id"] == first["connector_payment_id"]
    assert len(rig.fake.payments) == before


def test_a_card_on_file_is_charged_with_its_customer_then_disabled(rig: Rig, api: Api) -> None:
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": "USD", "payment_method": {"type": "token", "token": OK_NONCE},
        "customer": {"id": "shopper-7", "email": "jane@example.com", "name": "Jane Shopper"},
    })  # fmt: skip
    card_id = mandate["connector_mandate_id"]
    card = rig.fake.cards[card_id]
    customer = rig.fake.customers[card["customer_id"]]
    assert customer["reference_id"] == "shopper-7" and customer["given_name"] == "Jane"
    charge = api.ok("POST", "/v1/payments", {
        "amount": 700, "currency": "USD", "capture_method": "automatic",
        "payment_method": {"type": "mandate", "mandate_id": mandate["id"]},
    })  # fmt: skip
    assert charge["status"] == "captured"
    _, _, body = rig.fake.requests[-1]
    assert body is not None
    assert (body["source_id"], body["customer_id"]) == (card_id, card["customer_id"])
    api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert rig.fake.cards[card_id]["enabled"] is False
