"""Mollie's methods beyond cards through the service (a real service process against the
loopback fake, which checks every request against the documented contract): each
declared method is created, its next action followed (the fake's hosted checkout), the
payment settled by Mollie's webhook (``id=tr_...``, read back) or by sync, and refunded;
a bad input per method is a 4xx naming the field, sent nowhere."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector_service.testing.fakes.mollie import BOUNCING_IBAN
from connector_service.testing.profiles.mollie import PROFILE
from connector_service.testing.rig import Rig, open_rig

ACCEPTANCE = {
    "accepted_at": "2026-12-01T10:00:00Z", "ip_address": "203.0.113.7",
    "user_agent": "Mozilla/5.0",
}  # fmt: skip
ONLINE_WITHOUT_IP = {"accepted_at": "2026-12-01T10:00:00Z"}
APPLE_TOKEN = json.dumps({"paymentData": {"version": "EC_v1", "data": "ZTJlLWFwcGxlLXRva2Vu"}})


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("mollie-methods")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def pay(pm: dict[str, Any], amount: int = 1250, **extra: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR", "capture_method": "automatic",
            "payment_method": pm, "return_url": "https://shop.example/back", **extra}  # fmt: skip


def sent(rig: Rig, suffix: str) -> list[Any]:
    return [
        json.loads(r.body) if r.body else None
        for r in rig.fake.received
        if r.method == "POST" and urlsplit(r.url).path.endswith(suffix)
    ]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def customer_at_checkout(url: str, outcome: str) -> str:
    """The customer's browser at Mollie's hosted page: where it is sent back to."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(f"{url}?outcome={outcome}")
    except urllib.error.HTTPError as exc:
        assert exc.code == 302
        return str(exc.headers["Location"])
    raise AssertionError("the checkout did not send the customer back")


def hook(rig: Rig, pid: str) -> int:
    status, _, _ = rig.api.call(
        "POST", f"/v1/webhooks/mollie/{rig.account}", raw=f"id={pid}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip
    return status


@pytest.mark.parametrize(
    ("pm", "extra", "method"),
    [
        ({"type": "ideal", "bank": "INGBNL2A"}, {}, "ideal"),
        ({"type": "bancontact"}, {}, "bancontact"),
        ({"type": "eps"}, {}, "eps"),
        ({"type": "paypal"}, {}, "paypal"),
        ({"type": "przelewy24"}, {"customer": {"email": "jan@example.pl"}}, "przelewy24"),
    ],
)
def test_redirect_method_redirects_settles_by_webhook_and_refunds(
    rig: Rig, pm: dict[str, Any], extra: dict[str, Any], method: str
) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", pay(pm, **extra))
    assert created["status"] == "requires_action", created
    action = created["next_action"]
    assert action["type"] == "redirect" and "/__fake__/checkout/tr_" in action["url"]
    assert sent(rig, "/v2/payments")[-1]["method"] == method
    back = customer_at_checkout(action["url"], "pass")
    assert back == "https://shop.example/back"
    assert hook(rig, created["connector_payment_id"]) == 200
    settled = api.ok("GET", f"/v1/payments/{created['id']}")
    assert settled["status"] == "captured" and settled["amount_captured"] == 1250
    refund = api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 500})
    assert refund["status"] == "pending" and refund["amount"] == 500
    assert api.ok("GET", f"/v1/refunds/{refund['id']}")["status"] == "succeeded"


def test_a_declined_bank_redirect_fails(rig: Rig) -> None:
    created = rig.api.ok("POST", "/v1/payments", pay({"type": "ideal"}))
    customer_at_checkout(created["next_action"]["url"], "decline")
    synced = rig.api.ok("GET", f"/v1/payments/{created['id']}")
    assert synced["status"] == "failed"


def test_apple_pay_token_passes_through_and_is_paid(rig: Rig) -> None:
    created = rig.api.ok("POST", "/v1/payments", pay({"type": "apple_pay", "token": APPLE_TOKEN}))
    assert created["status"] == "captured" and created.get("next_action") is None
    assert rig.fake.wallet_tokens[-1] == APPLE_TOKEN
    refund = rig.api.ok("POST", f"/v1/payments/{created['id']}/refunds", {})
    assert refund["amount"] == 1250


def sepa(iban: str) -> dict[str, Any]:
    return {"type": "sepa_debit", "iban": iban, "account_holder_name": "Jan Jansen",
            "mandate_acceptance": ACCEPTANCE}  # fmt: skip


def test_sepa_debit_is_processing_until_collected_with_its_mandate(rig: Rig) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", pay(sepa("DE89 3704 0044 0532 0130 00")))
    assert created["status"] == "processing", created
    assert sent(rig, "/mandates")[-1]["consumerAccount"] == "DE89370400440532013000"
    mandate = created.get("mandate")
    assert mandate is not None and mandate["status"] == "active", created
    assert hook(rig, created["connector_payment_id"]) == 200
    assert api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "captured"
    refund = api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 250})
    assert refund["status"] == "pending"


def test_a_bounced_sepa_debit_fails(rig: Rig) -> None:
    created = rig.api.ok("POST", "/v1/payments", pay(sepa(BOUNCING_IBAN)))
    assert created["status"] == "processing"
    failed = rig.api.ok("GET", f"/v1/payments/{created['id']}")
    assert failed["status"] == "failed", failed


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (pay({"type": "ideal", "bank": "not-a-bic"}), "payment_method.bank"),
        (pay({"type": "bancontact"}, currency="USD"), "currency"),
        (pay({"type": "eps", "bank": "bankaustria"}), "payment_method.bank"),
        (pay({"type": "paypal"}, capture_method="manual"), "capture_method"),
        (pay({"type": "przelewy24"}), "customer.email"),
        (pay({"type": "apple_pay", "token": ""}), "payment_method.token"),
        (pay(sepa("NL55INGB0000000001")), "payment_method.iban"),
        (pay({**sepa("NL55INGB0000000000"), "mandate_acceptance": ONLINE_WITHOUT_IP}),
         "payment_method.mandate_acceptance.ip_address"),
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


KLARNA_ORDER = {
    "line_items": [{"name": "LEGO 4440", "quantity": 2, "unit_amount": 4000, "tax_amount": 1680}],
    "shipping_amount": 495,
}
KLARNA_BILLING = {"first_name": "Piet", "last_name": "Mondriaan", "line1": "Keizersgracht 126",
                  "postal_code": "1015 CW", "city": "Amsterdam", "country": "NL"}  # fmt: skip


def test_klarna_redirects_authorizes_then_captures_and_refunds(rig: Rig) -> None:
    api = rig.api
    body = pay({"type": "klarna"}, amount=10175, capture_method="manual", order=KLARNA_ORDER,
               billing=KLARNA_BILLING, customer={"email": "piet@example.nl"})  # fmt: skip
    created = api.ok("POST", "/v1/payments", body)
    assert created["status"] == "requires_action", created
    lines = sent(rig, "/v2/payments")[-1]["lines"]
    assert [line["type"] for line in lines] == ["physical", "shipping_fee"]
    customer_at_checkout(created["next_action"]["url"], "pass")
    assert hook(rig, created["connector_payment_id"]) == 200
    assert api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "authorized"
    captured = api.ok("POST", f"/v1/payments/{created['id']}/capture", {})
    assert captured["status"] == "processing"
    assert api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "captured"
    refund = api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 495})
    assert refund["amount"] == 495


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"order": None}, "order"), ({"billing": None}, "billing.first_name")],
)
def test_klarna_bad_input_is_a_4xx_naming_the_field(
    rig: Rig, changes: dict[str, Any], field: str
) -> None:
    body = pay({"type": "klarna"}, amount=10175, capture_method="manual", order=KLARNA_ORDER,
               billing=KLARNA_BILLING, customer={"email": "piet@example.nl"})  # fmt: skip
    body = {k: v for k, v in (body | changes).items() if v is not None}
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body)
    assert 400 <= status < 500 and err["error"]["field"] == field, (status, err)
    assert rig.gateway_calls() == calls
