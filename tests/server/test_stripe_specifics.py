"""Stripe, what only Stripe says: ids, the fake's intent states, the off-session request,
a refund beyond the balance naming ``amount``. The shared scenarios are the conformance
suite's (``pytest --pyargs connector_service.testing.conformance --connector stripe``)."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from connector_service.testing.profiles.stripe import PROFILE
from connector_service.testing.rig import Rig
from tests.server.specifics import payment, rig_fixture

rig = rig_fixture(PROFILE)


def test_intent_states_and_ids_through_capture_refund_and_void(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    auth = api.ok("POST", "/v1/payments", payment(rig, 2000))
    intent = auth["connector_payment_id"]
    assert intent.startswith("pi_") and fake.intents[intent]["status"] == "requires_capture"
    api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 1500})
    refund = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 900})
    assert refund["connector_refund_id"].startswith("re_")
    status, err, _ = api.call("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 601})
    assert status == 400 and err["error"]["field"] == "amount", err
    purchase = api.ok("POST", "/v1/payments", payment(rig, 2500, "automatic"))
    assert fake.intents[purchase["connector_payment_id"]]["status"] == "succeeded"
    other = api.ok("POST", "/v1/payments", payment(rig, 4200))
    api.ok("POST", f"/v1/payments/{other['id']}/void", {})
    assert fake.intents[other["connector_payment_id"]]["status"] == "canceled"
    declined = api.ok("POST", "/v1/payments", payment(rig, 700, card=PROFILE.hard_decline.card))
    assert declined["connector_payment_id"].startswith("pi_")


def test_three_ds_redirects_to_the_gateway(rig: Rig) -> None:
    assert PROFILE.three_ds is not None
    body = payment(rig, 3300, card=PROFILE.three_ds.card, return_url=PROFILE.three_ds.return_url)
    auth = rig.api.ok("POST", "/v1/payments", body)
    assert auth["next_action"]["url"].startswith(rig.fake.base_url)


def test_mandate_is_a_customer_payment_method_charged_off_session(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": PROFILE.success.payment_method(),
        "customer": {"id": "shopper-42", "email": "jenny@example.com", "name": "Jenny Rosen"},
    })  # fmt: skip
    assert mandate["connector_mandate_id"].startswith("pm_")
    assert mandate["customer_id"] in fake.customers
    mit = {"amount": 999, "currency": "EUR", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    api.ok("POST", "/v1/payments", mit)
    sent = fake.received[-1]
    assert sent.url.endswith("/v1/payment_intents") and b"off_session=true" in (sent.body or b"")
    api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert mandate["connector_mandate_id"] in fake.detached


def test_the_log_has_the_payment_intent_exchanges(rig: Rig) -> None:
    rig.api.ok("POST", "/v1/payments", payment(rig, 1100))
    assert "/v1/payment_intents" in rig.service.logs()


def _customer_step(base_url: str, path: str) -> int:
    """The customer's part at the fake (a bank page, a scan, a paid voucher): its status,
    without following a redirect back to the shop."""
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_methods_beyond_cards_through_the_api(rig: Rig) -> None:
    """The REST API end to end: the declaration in GET /v1/connectors, a bank redirect
    settled by a sync, a voucher that cannot be refunded, a detail Stripe requires."""
    api, fake = rig.api, rig.fake
    listed = api.call("GET", "/v1/connectors")[1]
    items = listed if isinstance(listed, list) else listed["data"]
    stripe = next(c for c in items if c["name"] == "stripe")
    ideal = next(m for m in stripe["methods"] if m["type"] == "ideal")
    assert ideal == {"type": "ideal", "flows": ["authorize", "refund"],
                     "countries": ["NL"], "currencies": ["EUR"]}  # fmt: skip
    customer = {"id": "shopper-42", "email": "jenny@example.com", "name": "Jenny Rosen"}
    body = {"amount": 1500, "currency": "EUR", "capture_method": "automatic",
            "payment_method": {"type": "ideal", "bank": "ing"}, "customer": customer,
            "billing": {"country": "NL"},
            "return_url": "https://shop.example.com/return"}  # fmt: skip
    started = api.ok("POST", "/v1/payments", body)
    assert started["status"] == "requires_action" and started["next_action"]["type"] == "redirect"
    pi = started["connector_payment_id"]
    assert fake.intents[pi]["payment_method_types"] == ["ideal"]
    assert _customer_step(fake.base_url, f"/_fake/method/{pi}?outcome=succeed") == 302
    settled = api.ok("GET", f"/v1/payments/{started['id']}")
    assert settled["status"] == "captured"
    api.ok("POST", f"/v1/payments/{started['id']}/refunds", {"amount": 500})

    voucher = api.ok("POST", "/v1/payments", {
        "amount": 15000, "currency": "MXN", "capture_method": "automatic",
        "payment_method": {"type": "oxxo", "expires_after_days": 2}, "customer": customer,
        "billing": {"country": "MX"},
    })  # fmt: skip
    assert voucher["next_action"]["type"] == "display_voucher"
    assert voucher["next_action"]["reference"]
    status, err, _ = api.call("POST", f"/v1/payments/{voucher['id']}/refunds", {"amount": 100})
    assert status == 422 and err["error"]["code"] == "not_supported", err

    status, err, _ = api.call("POST", "/v1/payments", {
        "amount": 5000, "currency": "PLN", "capture_method": "automatic",
        "payment_method": {"type": "przelewy24"}, "customer": {"id": "shopper-44"},
        "billing": {"country": "PL"}, "return_url": "https://shop.example.com/return",
    })  # fmt: skip
    assert status == 400 and err["error"]["field"] == "customer.email", err
