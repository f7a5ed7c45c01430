"""Adyen, what only Adyen says: modifications settle by the webhook Adyen sends next
(answered ``[accepted]``), raw refusal codes and advice, the redirect's shape, a
``redirectResult`` that works once, ContAuth charges. The shared scenarios are the
conformance suite's (``--connector adyen``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector_service.testing.profiles.adyen import PROFILE
from connector_service.testing.rig import Rig
from tests.server.specifics import payment, rig_fixture

rig = rig_fixture(PROFILE)


def deliver(rig: Rig, body: bytes) -> dict[str, Any]:
    """POST a notification as Adyen would; the event the service recorded."""
    url = f"/v1/webhooks/adyen/{rig.account}"
    status, reply, _ = rig.api.call(
        "POST", url, raw=body, headers={"Content-Type": "application/json"}
    )
    assert status == 200 and reply == "[accepted]", reply
    item = json.loads(body)["notificationItems"][0]["NotificationRequestItem"]
    wanted = f"{item['pspReference']}:{item['eventCode']}:{item['success']}"
    listed = rig.api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    [summary] = [e for e in listed if e["connector_event_id"] == wanted]
    return rig.api.ok("GET", f"/v1/admin/webhooks/events/{summary['id']}")


def test_capture_and_refunds_settle_by_webhook(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    auth = api.ok("POST", "/v1/payments", payment(rig, 10000))
    psp, pid = auth["connector_payment_id"], auth["id"]
    assert fake.payments[psp].manual and fake.payments[psp].status == "authorised"
    captured = api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 6000})
    assert captured["pending_reason"] == "awaiting_webhook"
    assert fake.payments[psp].captured == 6000 and fake.notifications[-1]["eventCode"] == "CAPTURE"
    event = deliver(rig, fake.webhook())
    assert event["type"] == "payment.captured"
    settled = event["event"]["data"]["payment"]
    assert settled["connector_payment_id"] == psp and settled["amount_captured"] == 6000
    for amount in (2000, 1500):
        refund = api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": amount})
        assert refund["pending_reason"] == "awaiting_webhook"
        assert fake.notifications[-1]["eventCode"] == "REFUND"
        assert fake.notifications[-1]["pspReference"] == refund["connector_refund_id"]
        event = deliver(rig, fake.webhook())
        assert event["type"] == "refund.succeeded", event
        refunded = event["event"]["data"]["refund"]
        assert refunded["connector_refund_id"] == refund["connector_refund_id"]
        assert refunded["status"] == "succeeded" and refunded["amount"] == amount
    assert fake.payments[psp].refunded == 3500


def test_purchase_and_void_at_the_gateway(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    purchase = api.ok("POST", "/v1/payments", payment(rig, 2500, "automatic"))
    assert b'"captureDelayHours":0' in (fake.received[-1].body or b"")
    assert fake.payments[purchase["connector_payment_id"]].status == "captured"
    auth = api.ok("POST", "/v1/payments", payment(rig, 4200))
    voided = api.ok("POST", f"/v1/payments/{auth['id']}/void", {"reason": "duplicate"})
    assert voided["pending_reason"] == "awaiting_webhook"
    assert fake.received[-1].url.endswith(f"/payments/{auth['connector_payment_id']}/cancels")
    assert fake.payments[auth["connector_payment_id"]].status == "cancelled"
    assert fake.notifications[-1]["eventCode"] == "CANCELLATION"


@pytest.mark.parametrize(("which", "raw", "advice"),
                         [("soft_decline", "12", None), ("hard_decline", "2", "03")])  # fmt: skip
def test_raw_refusal_codes_and_advice(rig: Rig, which: str, raw: str, advice: str | None) -> None:
    card = getattr(PROFILE, which).card
    declined = rig.api.ok("POST", "/v1/payments", payment(rig, 700, card=card))
    assert declined["failure"]["gateway"]["code"] == raw, declined
    if advice:  # Mastercard advice 03: do not try again
        assert declined["failure"]["advice_code"] == advice


@pytest.mark.parametrize(("capture", "expected"),
                         [("manual", "authorized"), ("automatic", "captured")])  # fmt: skip
def test_three_ds_redirect_and_a_redirect_result_works_once(
    rig: Rig, capture: str, expected: str
) -> None:
    assert PROFILE.three_ds is not None
    api, fake, url = rig.api, rig.fake, PROFILE.three_ds.return_url
    body = payment(rig, 3300, capture, card=PROFILE.three_ds.card, return_url=url)
    auth = api.ok("POST", "/v1/payments", body)
    action = auth["next_action"]
    assert action["method"] == "GET"
    assert action["url"].startswith(fake.base_url.removesuffix("/v71") + "/threeDS/redirect")
    assert url.encode() in (fake.received[-1].body or b"")  # where the shopper comes back
    params = {"redirectResult": fake.redirect_result_for(auth["connector_payment_id"])}
    done = api.ok("POST", f"/v1/payments/{auth['id']}/complete", {"params": params})
    assert done["status"] == expected
    status, err, _ = api.call("POST", f"/v1/payments/{auth['id']}/complete", {"params": params})
    assert status == 400 and err["error"]["type"] == "invalid_request", err


def test_mandate_is_a_stored_detail_charged_as_contauth(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": PROFILE.success.payment_method(),
        "customer": {"id": "shopper-42", "email": "jane@example.com"},
    })  # fmt: skip
    assert mandate["customer_id"] == "shopper-42"
    assert fake.stored[mandate["connector_mandate_id"]] == "shopper-42"
    mit = {"amount": 1999, "currency": "EUR", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured"
    sent = fake.received[-1].body or b""
    assert b'"shopperInteraction":"ContAuth"' in sent
    assert mandate["connector_mandate_id"].encode() in sent
    api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert mandate["connector_mandate_id"] not in fake.stored
