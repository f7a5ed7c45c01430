"""Checkout.com's payment methods beyond cards through the service (REST) and the loopback
fake, which checks every request against the official specs: the created payment and its
next action, the customer paying on the method's page, the payment read back (a sync),
a refund (or its refusal where the method has none), and a bad input per method answered
4xx naming the field before any call."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector_service.testing.profiles.checkout import PROFILE
from connector_service.testing.rig import Rig
from tests.payment_methods.examples import example
from tests.server.specifics import rig_fixture

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
rig = rig_fixture(PROFILE)

APPLE = json.dumps(
    {"version": "EC_v1", "data": "t7GeajLB9skXB6QSWfEpPA4WPhD==", "signature": "MIAGCSqGSIb3",
     "header": {"transactionId": "3cee8967"}}
)  # fmt: skip
GOOGLE = json.dumps({"signature": "MEQCIH6Q", "protocolVersion": "ECv2", "signedMessage": "{}"})
SHOPPER = {"email": "jenny@example.com", "name": "Jenny Rosen"}

# name -> (payment_method, currency, country)
METHODS: dict[str, tuple[dict[str, Any], str, str]] = {
    "apple_pay": ({"type": "apple_pay", "token": APPLE}, "USD", "US"),
    "google_pay": ({"type": "google_pay", "token": GOOGLE}, "EUR", "DE"),
    "network_token": (example("network_token"), "EUR", "DE"),
    "paypal": (example("paypal"), "EUR", "DE"),
    "ideal": (example("ideal", bank="INGBNL2A"), "EUR", "NL"),
    "bancontact": (example("bancontact"), "EUR", "BE"),
    "eps": (example("eps", bank="BKAUATWW"), "EUR", "AT"),
    "przelewy24": (example("przelewy24"), "PLN", "PL"),
    "boleto": (example("boleto", expires_after_days=None), "BRL", "BR"),
    "alipay": (example("alipay"), "CNY", "CN"),
}
AT_ONCE = {"apple_pay", "google_pay", "network_token"}

# name -> (changes to the request body, the field the 4xx names)
BAD: dict[str, tuple[dict[str, Any], str]] = {
    "apple_pay": ({"payment_method": {"type": "apple_pay", "token": "opaque"}},
                  "payment_method.token"),
    "google_pay": ({"payment_method": {"type": "google_pay", "token": "%%"}},
                   "payment_method.token"),
    "network_token": ({"payment_method": example("network_token", eci=None)},
                      "payment_method.eci"),
    "paypal": ({"return_url": None}, "return_url"),
    "ideal": ({"payment_method": example("ideal", bank=None)}, "payment_method.bank"),
    "bancontact": ({"billing": {"country": "BE"}, "customer": {"email": "j@example.com"}},
                   "billing.first_name"),
    "eps": ({"payment_method": example("eps", bank="erste")}, "payment_method.bank"),
    "przelewy24": ({"customer": {"name": "Jenny Rosen"}}, "customer.email"),
    "boleto": ({"payment_method": example("boleto")}, "payment_method.expires_after_days"),
    "alipay": ({"currency": "BRL"}, "currency"),
}  # fmt: skip


def body(name: str, **changes: Any) -> dict[str, Any]:
    pm, currency, country = METHODS[name]
    out: dict[str, Any] = {
        "amount": 1000,
        "currency": currency,
        "capture_method": "automatic",
        "payment_method": pm,
        "billing": {"line1": "Main Street 1", "city": "Capital", "postal_code": "10115",
                    "country": country, "first_name": "Jenny", "last_name": "Rosen"},
        "customer": SHOPPER,
        "description": "Two pairs of socks",
        "return_url": "https://shop.example.com/return",
    }  # fmt: skip
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


@pytest.mark.parametrize("name", sorted(METHODS))
def test_method_end_to_end(rig: Rig, name: str) -> None:
    api, fake = rig.api, rig.fake
    # (a Google Pay card may need 3-D Secure: without a return_url none is asked for)
    created = api.ok("POST", "/v1/payments", body(name, return_url=None) if name == "google_pay"
                     else body(name))  # fmt: skip
    pid, cko_id = created["id"], created["connector_payment_id"]
    if name in AT_ONCE:  # a wallet token or a network token: a card payment
        assert created["status"] in ("processing", "captured"), created
        assert not created.get("next_action")
        assert fake.payments[cko_id].source["type"] == "card"
    else:
        assert created["status"] == "requires_action", created
        action = created["next_action"]
        assert action["type"] == "redirect" and action["url"].endswith(f"/apm/{cko_id}")
        still = api.ok("GET", f"/v1/payments/{pid}")
        assert still["status"] == "requires_action"
        fake.settle(cko_id)  # the customer paid on the method's page
    got = api.ok("GET", f"/v1/payments/{pid}")
    assert got["status"] == "captured" and got["amount_captured"] == 1000, got
    status, refund, _ = api.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 400})
    if name == "boleto":  # paid in cash: no refund through the scheme
        assert 400 <= status < 500 and refund["error"]["field"] == "id", refund
    else:
        assert status < 300 and refund["status"] == "pending", refund


def test_a_cancelled_redirect_fails(rig: Rig) -> None:
    created = rig.api.ok("POST", "/v1/payments", body("ideal"))
    rig.fake.settle(created["connector_payment_id"], paid=False)
    got = rig.api.ok("GET", f"/v1/payments/{created['id']}")
    assert got["status"] == "failed", got


def test_a_google_pay_card_may_be_authenticated(rig: Rig) -> None:
    created = rig.api.ok("POST", "/v1/payments", body("google_pay"))
    assert created["status"] == "requires_action", created
    assert "/3ds/" in created["next_action"]["url"]


def test_wallet_tokens_are_exchanged_with_the_public_key(rig: Rig) -> None:
    before = len(rig.fake.received)
    rig.api.ok("POST", "/v1/payments", body("apple_pay"))
    exchange, payment = rig.fake.received[before : before + 2]
    assert exchange.url.endswith("/tokens") and payment.url.endswith("/payments")
    assert rig.fake.public in exchange.headers["Authorization"]
    assert json.loads(payment.body or b"{}")["source"]["type"] == "token"


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_a_4xx_naming_the_field(rig: Rig, name: str) -> None:
    changes, field = BAD[name]
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body(name, **changes))
    assert 400 <= status < 500, err
    assert err["error"]["field"] == field, err
    assert rig.gateway_calls() == calls  # refused before any call to Checkout.com
