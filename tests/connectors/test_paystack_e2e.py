"""Paystack through the REST server against the spec-validating loopback fake.

What the conformance suite does not reach: the PIN -> OTP continuation through
``POST /v1/payments/{id}/complete`` (one id throughout, secrets never logged), a wrong
PIN as a decline, the body reference as Paystack's duplicate guard, several partial
refunds read back, and a stored authorization charged and deactivated.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector_service.testing.client import Api
from connector_service.testing.e2e import assert_log_clean, gateway_key
from connector_service.testing.fakes.paystack import OTP, PIN, PIN_OTP_CARD, SUCCESS_CARD
from connector_service.testing.profiles.paystack import PROFILE
from connector_service.testing.rig import Rig, open_rig


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, Path(tmp_path_factory.mktemp("paystack-e2e"))) as rig:
        yield rig
        assert rig.fake.violations == []


@pytest.fixture
def api(rig: Rig) -> Api:
    return rig.api


def payment(number: str, amount: int = 150000, **extra: Any) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": "NGN",
        "capture_method": "automatic",
        "customer": {"email": "ada@example.com"},
        "payment_method": {
            "type": "card", "number": number, "exp_month": 12, "exp_year": 2034, "cvc": "408",
        },
        **extra,
    }  # fmt: skip


def test_pin_then_otp_continuation_keeps_one_id(rig: Rig, api: Api) -> None:
    created = api.ok("POST", "/v1/payments", payment(PIN_OTP_CARD, reference="ORD-PIN-1"))
    assert created["status"] == "requires_action", created
    assert created["next_action"]["type"] == "await_customer"
    assert created["next_action"]["form"] == {"pin": ""}
    pid, gid = created["id"], created["connector_payment_id"]
    otp = api.ok("POST", f"/v1/payments/{pid}/complete", {"params": {"pin": PIN}})
    assert otp["status"] == "requires_action" and otp["next_action"]["form"] == {"otp": ""}
    done = api.ok("POST", f"/v1/payments/{pid}/complete", {"params": {"otp": OTP}})
    assert done["status"] == "captured" and done["amount_captured"] == 150000, done
    assert {otp["id"], done["id"]} == {pid} and done["connector_payment_id"] == gid
    assert api.ok("GET", f"/v1/payments/{pid}")["status"] == "captured"
    assert rig.fake.charges[gid].steps == ["pin", "otp"]
    sent = [body for _, path, body in rig.fake.requests if path.startswith("/charge/submit_")]
    assert sent[-2:] == [{"reference": gid, "pin": PIN}, {"reference": gid, "otp": OTP}]
    log = assert_log_clean(
        rig.service, card_numbers=[PIN_OTP_CARD], cvcs=["408"], secrets=[rig.fake.secret, OTP]
    )
    assert "connector_service.transcript" in log  # exchanges were logged: the scan means it
    assert re.search(r"(?i)pin\W{0,8}" + PIN, log) is None


def test_wrong_pin_is_a_decline_result(api: Api) -> None:
    created = api.ok("POST", "/v1/payments", payment(PIN_OTP_CARD))
    done = api.ok("POST", f"/v1/payments/{created['id']}/complete", {"params": {"pin": "9999"}})
    assert done["status"] == "failed", done
    assert done["failure"]["code"] == "incorrect_pin"


def test_the_reference_sent_is_the_gateway_idempotency_key(rig: Rig, api: Api) -> None:
    key = f"e2e-{uuid.uuid4().hex[:12]}"
    status, first, _ = api.call(
        "POST", "/v1/payments", payment(SUCCESS_CARD), headers={"Idempotency-Key": key}
    )
    assert status == 201, first
    wanted = gateway_key(rig.account, key)
    assert first["connector_payment_id"] == wanted and wanted in rig.fake.charges
    # The merchant's own reference travels in metadata, not as Paystack's dedup key.
    ours = api.ok("POST", "/v1/payments", payment(SUCCESS_CARD, reference="ORD-DUP"))
    meta = rig.fake.charges[ours["connector_payment_id"]].metadata
    assert meta["merchant_reference"] == "ORD-DUP"


def test_several_partial_refunds_then_read_back(api: Api) -> None:
    paid = api.ok("POST", "/v1/payments", payment(SUCCESS_CARD, 90000))
    refunds = [
        api.ok("POST", f"/v1/payments/{paid['id']}/refunds", {"amount": amount})
        for amount in (10000, 20000, 30000)
    ]
    assert [r["status"] for r in refunds] == ["pending"] * 3
    assert len({r["connector_refund_id"] for r in refunds}) == 3
    status, err, _ = api.call("POST", f"/v1/payments/{paid['id']}/refunds", {"amount": 30001})
    assert status == 400 and err["error"]["field"] == "amount", err
    for refund in refunds:
        again = api.ok("GET", f"/v1/refunds/{refund['id']}")
        assert again["status"] == "succeeded" and again["amount"] == refund["amount"]


def test_stored_authorization_is_charged_then_deactivated(rig: Rig, api: Api) -> None:
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": "NGN", "customer": {"email": "ada@example.com"},
        "payment_method": payment(SUCCESS_CARD)["payment_method"],
    })  # fmt: skip
    code = mandate["connector_mandate_id"]
    assert mandate["status"] == "active" and code.startswith("AUTH_")
    mit = {"amount": 5000, "currency": "NGN", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured"
    paths = [path for _, path, _ in rig.fake.requests]
    assert paths[-1] == "/transaction/charge_authorization"
    assert api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")["status"] == "revoked"
    assert code in rig.fake.deactivated


def test_manual_capture_is_refused_before_the_gateway(rig: Rig, api: Api) -> None:
    calls = rig.gateway_calls()
    status, err, _ = api.call(
        "POST", "/v1/payments", payment(SUCCESS_CARD, capture_method="manual")
    )
    assert status == 422 and err["error"]["type"] == "not_supported", err
    assert rig.gateway_calls() == calls
