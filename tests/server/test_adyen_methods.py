"""Adyen's payment methods beyond cards through the service (REST) and the loopback fake,
which validates every request against the official spec: the created payment and its
next action, the shopper finishing (the return for redirects, Adyen's AUTHORISATION
webhook for the rest), the payment read back, a refund (or its refusal where the method
has none), and a bad input per method answered 4xx naming the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector_service.testing.profiles.adyen import PROFILE
from connector_service.testing.rig import Rig
from tests.payment_methods.examples import example
from tests.server.specifics import rig_fixture

rig = rig_fixture(PROFILE)

APPLE = json.dumps({"version": "EC_v1", "data": "3+f4oOTwPa6f1UZ6tG6Kb==", "signature": "MIAG",
                    "header": {"transactionId": "3cee89679130a4b2"}})  # fmt: skip
GOOGLE = json.dumps({"signature": "MEQCIH6Q", "protocolVersion": "ECv2", "signedMessage": "{}"})
SHOPPER = {"id": "shopper-42", "email": "jenny@example.com", "phone": "+442079460958"}


def address(country: str) -> dict[str, str]:
    return {"line1": "Main Street 1", "line2": "2", "city": "Capital", "postal_code": "10115",
            "country": country, "first_name": "Jenny", "last_name": "Rosen"}  # fmt: skip


# name -> (payment_method, currency, country, first status, next action, how it settles)
# "return": the shopper comes back from the redirect (/complete); "webhook": Adyen says so.
METHODS: dict[str, tuple[dict[str, Any], str, str, str, str | None, str]] = {
    "apple_pay": ({"type": "apple_pay", "token": APPLE}, "USD", "US", "captured", None, "now"),
    "google_pay": ({"type": "google_pay", "token": GOOGLE}, "EUR", "DE", "captured", None, "now"),
    "network_token": (example("network_token"), "EUR", "DE", "captured", None, "now"),
    "paypal": (example("paypal"), "EUR", "DE", "requires_action", "redirect", "return"),
    "ideal": (example("ideal"), "EUR", "NL", "requires_action", "redirect", "webhook"),
    "bancontact": (example("bancontact"), "EUR", "BE", "requires_action", "display_qr", "webhook"),
    "eps": (example("eps", bank="bankaustria"), "EUR", "AT", "requires_action", "redirect",
            "webhook"),
    "blik": (example("blik"), "PLN", "PL", "requires_action", "await_customer", "webhook"),
    "sepa_debit": (example("sepa_debit"), "EUR", "DE", "processing", None, "webhook"),
    "ach_debit": (example("ach_debit"), "USD", "US", "processing", None, "webhook"),
    "bacs_debit": (example("bacs_debit"), "GBP", "GB", "processing", None, "webhook"),
    "pix": (example("pix", expires_after_seconds=None), "BRL", "BR", "requires_action",
            "display_qr", "webhook"),
    "upi": (example("upi"), "INR", "IN", "requires_action", "await_customer", "webhook"),
    "upi_qr": (example("upi", vpa=None), "INR", "IN", "requires_action", "display_qr", "webhook"),
    "paynow": (example("paynow"), "SGD", "SG", "requires_action", "display_qr", "webhook"),
    "promptpay": (example("promptpay"), "THB", "TH", "requires_action", "display_qr", "webhook"),
    "boleto": (example("boleto"), "BRL", "BR", "requires_action", "display_voucher", "webhook"),
    "oxxo": (example("oxxo", expires_after_days=None), "MXN", "MX", "requires_action",
             "display_voucher", "webhook"),
    "konbini": (example("konbini"), "JPY", "JP", "requires_action", "display_voucher", "webhook"),
    "klarna": (example("klarna"), "EUR", "DE", "requires_action", "redirect", "return"),
    "afterpay_clearpay": (example("afterpay_clearpay"), "GBP", "GB", "requires_action",
                          "redirect", "return"),
    "affirm": (example("affirm"), "USD", "US", "requires_action", "redirect", "return"),
    "alipay": (example("alipay"), "CNY", "CN", "requires_action", "redirect", "webhook"),
    "wechat_pay": (example("wechat_pay"), "CNY", "CN", "requires_action", "display_qr",
                   "webhook"),
}  # fmt: skip
VOUCHERS = {"boleto", "oxxo", "konbini"}

# name -> (changes to the request body, the field the 4xx names)
BAD: dict[str, tuple[dict[str, Any], str]] = {
    "apple_pay": ({"payment_method": {"type": "apple_pay", "token": "opaque"}},
                  "payment_method.token"),
    "google_pay": ({"payment_method": {"type": "google_pay", "token": "%%"}},
                   "payment_method.token"),
    "network_token": ({"payment_method": example("network_token", eci="7")},
                      "payment_method.eci"),
    "paypal": ({"currency": "XYZ"}, "currency"),
    "ideal": ({"currency": "USD"}, "currency"),
    "bancontact": ({"billing": address("NL")}, "billing.country"),
    "eps": ({"payment_method": example("eps")}, "payment_method.bank"),
    "blik": ({"payment_method": example("blik", code="12345")}, "payment_method.code"),
    "sepa_debit": ({"payment_method": example("sepa_debit", iban="DE89370400440532013001")},
                   "payment_method.iban"),
    "ach_debit": ({"billing": {"country": "US"}}, "billing.line1"),
    "bacs_debit": ({"customer": {"id": "shopper-42"}}, "customer.email"),
    "pix": ({"payment_method": example("pix")}, "payment_method.expires_after_seconds"),
    "upi": ({"payment_method": example("upi", vpa="jenny")}, "payment_method.vpa"),
    "upi_qr": ({"currency": "USD"}, "currency"),
    "paynow": ({"currency": "MYR"}, "currency"),
    "promptpay": ({"billing": address("VN")}, "billing.country"),
    "boleto": ({"billing": {**address("BR"), "first_name": None, "last_name": None}},
               "billing.first_name"),
    "oxxo": ({"payment_method": example("oxxo")}, "payment_method.expires_after_days"),
    "konbini": ({"customer": {"email": "jenny@example.com"}}, "customer.phone"),
    "klarna": ({"billing": {"country": "DE"}}, "billing.line1"),
    "afterpay_clearpay": ({"customer": {"email": "jenny@example.com"}}, "customer.phone"),
    "affirm": ({"customer": {"phone": "+15555550100"}}, "customer.email"),
    "alipay": ({"currency": "BRL"}, "currency"),
    "wechat_pay": ({"currency": "BRL"}, "currency"),
}  # fmt: skip


def body(name: str, **changes: Any) -> dict[str, Any]:
    pm, currency, country, *_ = METHODS[name]
    out: dict[str, Any] = {
        "amount": 1000,
        "currency": currency,
        "capture_method": "automatic",
        "payment_method": pm,
        "billing": address(country),
        "customer": SHOPPER,
        "description": "Two pairs of socks",
        "return_url": "https://shop.example.com/return",
    }
    out.update(changes)
    if isinstance(out.get("billing"), dict):
        out["billing"] = {k: v for k, v in out["billing"].items() if v is not None}
    return out


def deliver(rig: Rig, raw: bytes) -> dict[str, Any]:
    """POST a notification as Adyen would; the event the service recorded (Adyen has no
    payment lookup: the webhook is how the service learns the outcome)."""
    status, reply, _ = rig.api.call(
        "POST", f"/v1/webhooks/adyen/{rig.account}", raw=raw,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert status == 200 and reply == "[accepted]", reply
    item = json.loads(raw)["notificationItems"][0]["NotificationRequestItem"]
    wanted = f"{item['pspReference']}:{item['eventCode']}:{item['success']}"
    listed = rig.api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    [summary] = [e for e in listed if e["connector_event_id"] == wanted]
    return rig.api.ok("GET", f"/v1/admin/webhooks/events/{summary['id']}")


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_end_to_end(rig: Rig, name: str) -> None:
    api, fake = rig.api, rig.fake
    _, _, _, first, action, settles = METHODS[name]
    created = api.ok("POST", "/v1/payments", body(name))
    assert created["status"] == first, created
    pid, psp = created["id"], created["connector_payment_id"]
    if action is None:
        assert "next_action" not in created or created["next_action"] is None
    else:
        assert created["next_action"]["type"] == action, created["next_action"]
    if settles == "return":  # the shopper approved on the page and came back
        params = {"params": {"redirectResult": fake.redirect_result_for(psp)}}
        done = api.ok("POST", f"/v1/payments/{pid}/complete", params)
        assert done["status"] == "captured", done
    elif settles == "webhook":  # the shopper paid / the debit was collected
        fake.settle(psp)
        assert fake.notifications[-1]["paymentMethod"] == fake.payments[psp].method
        event = deliver(rig, fake.webhook())
        assert event["type"] == "payment.captured", event
        settled = event["event"]["data"]["payment"]
        assert settled["id"] == pid and settled["status"] == "captured", settled
        assert settled["amount_captured"] == 1000
    status, refund, _ = api.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 400})
    if name in VOUCHERS:  # paid in cash: no refund through the scheme
        assert status == 422 or 400 <= status < 500, refund
        assert refund["error"]["field"] == "id", refund
    else:
        assert status < 300 and refund["pending_reason"] == "awaiting_webhook", refund
        assert fake.notifications[-1]["eventCode"] == "REFUND"


def test_a_bounced_debit_fails(rig: Rig) -> None:
    created = rig.api.ok("POST", "/v1/payments", body("sepa_debit"))
    rig.fake.settle(created["connector_payment_id"], success=False, reason="Refused")
    event = deliver(rig, rig.fake.webhook())
    assert event["type"] == "payment.failed", event
    assert event["event"]["data"]["payment"]["status"] == "failed"


def test_a_held_pay_later_payment_is_captured_later(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    created = api.ok("POST", "/v1/payments", body("klarna", capture_method="manual"))
    pid, psp = created["id"], created["connector_payment_id"]
    result = fake.redirect_result_for(psp)
    done = api.ok("POST", f"/v1/payments/{pid}/complete", {"params": {"redirectResult": result}})
    assert done["status"] == "authorized", done
    api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 1000})
    event = deliver(rig, fake.webhook())
    assert event["type"] == "payment.captured", event
    assert event["event"]["data"]["payment"]["amount_captured"] == 1000


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_4xx_naming_the_field(rig: Rig, name: str) -> None:
    changes, field = BAD[name]
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body(name, **changes))
    assert 400 <= status < 500, err
    assert err["error"]["field"] == field, err
    assert rig.gateway_calls() == calls  # refused before any call to Adyen
