"""Braintree through the REST server against the schema-validating, schema-executing fake.

What the conformance suite does not reach: several partial captures and refunds going to
the capture that holds the money, a void that is refused without a reverse once the
payment is captured, a refund before settlement refused as Braintree refuses it, a card
stored on a charge and charged merchant-initiated, and the log holding no card data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector_service.testing.client import Api
from connector_service.testing.e2e import assert_log_clean
from connector_service.testing.fakes.braintree import SUCCESS_CARD
from connector_service.testing.profiles.braintree import PROFILE
from connector_service.testing.rig import Rig, open_rig


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, Path(tmp_path_factory.mktemp("braintree-e2e"))) as rig:
        yield rig
        assert rig.fake.violations == []


@pytest.fixture
def api(rig: Rig) -> Api:
    return rig.api


def payment(amount: int = 10000, capture: str = "manual", **extra: Any) -> dict[str, Any]:
    return {
        "amount": amount, "currency": "USD", "capture_method": capture,
        "payment_method": {"type": "card", "number": SUCCESS_CARD, "exp_month": 12,
                           "exp_year": 2034, "cvc": "123"},
        **extra,
    }  # fmt: skip


def operations(rig: Rig) -> list[str]:
    return [name for name, _ in rig.fake.operations]


def test_partial_captures_are_children_and_refunds_go_to_each(rig: Rig, api: Api) -> None:
    auth = api.ok("POST", "/v1/payments", payment(10000))
    pid, gid = auth["id"], auth["connector_payment_id"]
    first = api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 6000, "final_capture": False})
    assert first["status"] == "partially_captured" and first["amount_captured"] == 6000
    second = api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 4000})
    assert second["id"] == pid and second["connector_payment_id"] == gid
    assert second["status"] == "captured" and second["amount_captured"] == 10000, second
    parent = rig.fake.transactions[gid]
    assert [c.amount for c in parent.children] == [6000, 4000]
    # 5000 fits the first capture only; 3500 then fits the second; 7000 fits none.
    r1 = api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 5000})
    r2 = api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 3500})
    assert [c.refunded for c in parent.children] == [5000, 3500]
    status, err, _ = api.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 1500})
    assert status == 400 and err["error"]["field"] == "amount", err
    for refund in (r1, r2):
        again = api.ok("GET", f"/v1/refunds/{refund['id']}")
        assert again["connector_refund_id"] == refund["connector_refund_id"]
        assert again["status"] == "succeeded"
    synced = api.ok("GET", f"/v1/payments/{pid}")
    assert synced["status"] == "captured" and synced["connector_payment_id"] == gid


def test_a_captured_payment_is_not_voided_and_no_reverse_is_sent(rig: Rig, api: Api) -> None:
    paid = api.ok("POST", "/v1/payments", payment(2500, "automatic"))
    before = operations(rig)
    status, err, _ = api.call("POST", f"/v1/payments/{paid['id']}/void", {})
    assert status == 409 and err["error"]["code"] == "payment_not_voidable", err
    sent = operations(rig)[len(before) :]
    assert sent == ["Transaction"], sent  # the read, never reverseTransaction
    assert rig.fake.transactions[paid["connector_payment_id"]].status != "VOIDED"


def test_a_refund_before_settlement_is_refused_like_braintree(rig: Rig, api: Api) -> None:
    rig.fake.settle_at_once = False
    try:
        paid = api.ok("POST", "/v1/payments", payment(1800, "automatic"))
        status, err, _ = api.call("POST", f"/v1/payments/{paid['id']}/refunds", {})
        assert status == 409 and err["error"]["code"] == "payment_not_refundable", err
        assert err["error"]["gateway"]["code"] == "91506", err
    finally:
        rig.fake.settle_at_once = True


def test_a_card_stored_on_a_charge_is_charged_merchant_initiated(rig: Rig, api: Api) -> None:
    paid = api.ok("POST", "/v1/payments", payment(
        1200, "automatic", setup_future_usage="off_session",
        customer={"id": "shopper-7", "email": "ada@example.com"},
    ))  # fmt: skip
    assert paid["status"] == "captured" and paid["mandate"]["status"] == "active", paid
    stored = rig.fake.transactions[paid["connector_payment_id"]].vaulted
    assert stored is not None and stored.usage == "MULTI_USE"
    vaulted = stored.id
    mit = {"amount": 800, "currency": "USD", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": paid["mandate"]["id"]}}  # fmt: skip
    charged = api.ok("POST", "/v1/payments", mit)
    assert charged["status"] == "captured", charged
    name, variables = rig.fake.operations[-1]
    assert name == "Charge" and variables["input"]["paymentMethodId"] == vaulted
    assert variables["input"]["transaction"]["paymentInitiator"] == "UNSCHEDULED"


def test_the_log_holds_no_card_data_or_keys(rig: Rig, api: Api) -> None:
    api.ok("POST", "/v1/payments", payment(900))
    log = assert_log_clean(
        rig.service, card_numbers=[SUCCESS_CARD], cvcs=["123"], secrets=rig.secrets()
    )
    assert "tokenizeCreditCard" in log  # the exchanges were logged (debug)
