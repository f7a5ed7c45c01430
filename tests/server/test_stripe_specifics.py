"""Stripe, what only Stripe says: ids, the fake's intent states, the off-session request,
a refund beyond the balance naming ``amount``. The shared scenarios are the conformance
suite's (``pytest --pyargs connector_service.testing.conformance --connector stripe``)."""

from __future__ import annotations

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
