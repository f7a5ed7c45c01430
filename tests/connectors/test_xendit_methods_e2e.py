"""Xendit's QR codes, e-wallets and virtual accounts through the service (a real service
process against the loopback fake, which checks every request against the contract
written from the SDK's models): each method is created, its next action shown or
followed (the QR string, the wallet's AUTH page, the account number; OVO waits for the
app), the customer pays (Xendit's test-mode simulate, or the AUTH page), the payment is
settled by the ``payment.succeeded`` callback (token, then read back) or by sync, and
refunded where Xendit refunds the channel; bad input is a 4xx naming the field, sent
nowhere."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector_service.testing.fakes.xendit import WEBHOOK_TOKEN
from connector_service.testing.profiles.xendit import PROFILE
from connector_service.testing.rig import Rig, open_rig

RETURN = "https://shop.example/xendit/back"


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("xendit-methods")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def pay(pm: dict[str, Any], amount: int, currency: str, **extra: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": currency, "capture_method": "automatic",
            "payment_method": pm, "return_url": RETURN, **extra}  # fmt: skip


def created_at_xendit(rig: Rig) -> Any:
    return next(
        json.loads(r.body)
        for r in reversed(rig.fake.received)
        if r.method == "POST" and urlsplit(r.url).path == "/payment_requests"
    )


def customer_pays(rig: Rig, prid: str) -> None:
    """Xendit's test-mode simulate (what the customer's bank or app does in production)."""
    auth = base64.b64encode(f"{rig.fake.secret_key}:".encode()).decode()
    request = urllib.request.Request(
        f"{rig.fake.base_url}/payment_requests/{prid}/payments/simulate",
        method="POST", headers={"Authorization": f"Basic {auth}"},
    )  # fmt: skip
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def customer_at_wallet(url: str, outcome: str) -> str:
    """The customer's browser at the e-wallet's AUTH page: where it is sent back to."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"{url}?outcome={outcome}")
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
        return str(exc.headers["Location"])
    raise AssertionError("the wallet page did not send the customer back")


def callback(rig: Rig, prid: str, event: str = "payment.succeeded") -> tuple[int, str]:
    body = rig.fake.callback(event, prid)
    status, _, _ = rig.api.call(
        "POST", f"/v1/webhooks/xendit/{rig.account}", raw=body,
        headers={"Content-Type": "application/json", "x-callback-token": WEBHOOK_TOKEN},
    )  # fmt: skip
    data = json.loads(body)["data"]
    return status, f"{event}:{data['id']}:{data['status']}"


def stored(rig: Rig, event_id: str) -> list[dict[str, Any]]:
    data = rig.api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    return [e for e in data if e["connector_event_id"] == event_id]


def test_qris_shows_the_qr_string_settles_by_callback_and_refunds(rig: Rig) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", pay({"type": "qris"}, 5000000, "IDR"))
    assert created["status"] == "requires_action", created
    action = created["next_action"]
    assert action["type"] == "display_qr" and action["payload"].startswith("000201")
    sent = created_at_xendit(rig)
    assert sent["amount"] == 50000 and sent["payment_method"]["qr_code"]["channel_code"] == "QRIS"
    prid = created["connector_payment_id"]
    customer_pays(rig, prid)
    status, event_id = callback(rig, prid)
    assert status == 200
    events = stored(rig, event_id)
    assert [e["type"] for e in events] == ["payment.captured"], events
    settled = api.ok("GET", f"/v1/payments/{created['id']}")
    assert settled["status"] == "captured" and settled["amount_captured"] == 5000000
    assert settled.get("next_action") is None
    refund = api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 1000000})
    assert refund["status"] == "succeeded" and refund["amount"] == 1000000


def test_promptpay_is_a_thai_qr_code(rig: Rig) -> None:
    created = rig.api.ok("POST", "/v1/payments", pay({"type": "promptpay"}, 35000, "THB"))
    assert created["next_action"]["type"] == "display_qr"
    assert created_at_xendit(rig)["payment_method"]["qr_code"]["channel_code"] == "PROMPTPAY"
    customer_pays(rig, created["connector_payment_id"])
    assert rig.api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "captured"


def test_an_ewallet_redirects_to_its_page_and_is_refunded(rig: Rig) -> None:
    api = rig.api
    body = pay({"type": "ewallet", "provider": "gcash"}, 25050, "PHP")
    created = api.ok("POST", "/v1/payments", body)
    assert created["status"] == "requires_action", created
    action = created["next_action"]
    assert action["type"] == "redirect" and "/__fake__/auth/pr-" in action["url"]
    wallet = created_at_xendit(rig)["payment_method"]["ewallet"]
    assert wallet["channel_code"] == "GCASH"
    assert wallet["channel_properties"]["success_return_url"] == RETURN
    assert customer_at_wallet(action["url"], "pass") == RETURN
    settled = api.ok("GET", f"/v1/payments/{created['id']}")
    assert settled["status"] == "captured" and settled["amount_captured"] == 25050
    refund = api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 50})
    assert refund["status"] == "succeeded" and refund["amount"] == 50


def test_an_ewallet_the_customer_declines_fails(rig: Rig) -> None:
    body = pay({"type": "ewallet", "provider": "dana"}, 1000000, "IDR")
    created = rig.api.ok("POST", "/v1/payments", body)
    customer_at_wallet(created["next_action"]["url"], "fail")
    status, event_id = callback(rig, created["connector_payment_id"], "payment.failed")
    assert status == 200 and [e["type"] for e in stored(rig, event_id)] == ["payment.failed"]
    failed = rig.api.ok("GET", f"/v1/payments/{created['id']}")
    assert failed["status"] == "failed", failed
    assert failed["failure"]["code"] == "authentication_failed", failed


def test_ovo_waits_for_the_customer_in_the_app(rig: Rig) -> None:
    body = pay({"type": "ewallet", "provider": "ovo", "phone": "+628123456789"}, 2500000, "IDR")
    created = rig.api.ok("POST", "/v1/payments", body)
    assert created["status"] == "requires_action", created
    assert created["next_action"]["type"] == "await_customer"
    channel = created_at_xendit(rig)["payment_method"]["ewallet"]
    assert channel == {
        "channel_code": "OVO",
        "channel_properties": {"mobile_number": "+628123456789"},
    }
    customer_pays(rig, created["connector_payment_id"])
    assert rig.api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "captured"


def test_a_virtual_account_shows_the_transfer_and_is_not_refunded(rig: Rig) -> None:
    api = rig.api
    pm = {"type": "virtual_account", "bank": "BCA", "account_holder_name": "Toko Jenny",
          "expires_after_days": 2}  # fmt: skip
    created = api.ok("POST", "/v1/payments", pay(pm, 15000000, "IDR"))
    assert created["status"] == "requires_action", created
    action = created["next_action"]
    assert action["type"] == "display_bank_transfer" and action["bank"] == "BCA"
    assert action["account_number"].isdigit() and action["account_holder_name"] == "Toko Jenny"
    assert action["expires_at"]
    va = created_at_xendit(rig)["payment_method"]["virtual_account"]
    assert va["channel_properties"]["customer_name"] == "Toko Jenny"
    customer_pays(rig, created["connector_payment_id"])
    status, event_id = callback(rig, created["connector_payment_id"])
    assert status == 200 and [e["type"] for e in stored(rig, event_id)] == ["payment.captured"]
    assert api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "captured"
    calls = rig.gateway_calls()
    status, err, _ = api.call("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 100})
    assert status == 422 and err["error"]["code"] == "not_supported", err
    assert rig.gateway_calls() == calls


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (pay({"type": "qris"}, 5000000, "IDR", capture_method="manual"), "capture_method"),
        (pay({"type": "qris"}, 5000000, "PHP"), "currency"),
        (pay({"type": "ewallet", "provider": "gcash"}, 1000000, "IDR"), "currency"),
        (pay({"type": "ewallet", "provider": "ovo"}, 1000000, "IDR"), "payment_method.phone"),
        (pay({"type": "virtual_account", "bank": "BCA"}, 1000000, "IDR"),
         "payment_method.account_holder_name"),
        (pay({"type": "virtual_account", "bank": "NOPE", "account_holder_name": "A B"},
             1000000, "IDR"), "payment_method.bank"),
        (pay({"type": "qris"}, 5000050, "IDR"), "amount"),
    ],
)  # fmt: skip
def test_bad_input_per_method_is_a_4xx_naming_the_field(
    rig: Rig, body: dict[str, Any], field: str
) -> None:
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body)
    assert 400 <= status < 500, (status, err)
    assert err["error"]["field"] == field, err
    assert rig.gateway_calls() == calls
