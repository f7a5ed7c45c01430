"""Mercado Pago end to end: the REST server (a real service process) against the loopback
fake, which checks every request against the contract of the official SDK and the API
reference. What only Mercado Pago does: the card token and BIN look-up before each
payment, numbers in major units, a customer found again by email, stored cards charged
by ``card_id``, and ``x-signature`` webhooks whose payment is read back."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector_service.testing.client import Api
from connector_service.testing.e2e import assert_log_clean
from connector_service.testing.fakes.mercadopago import (
    SUCCESS_CARD,
    VISA_CARD,
    WEBHOOK_SECRET,
    MercadoPagoFake,
    notification,
    sign,
)
from connector_service.testing.profiles.mercadopago import PROFILE
from connector_service.testing.rig import Rig, open_rig

CUSTOMER = {"email": "e2e@example.com", "name": "Bea Lima"}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("mercadopago-e2e")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def payment(amount: int, capture: str = "manual", number: str = SUCCESS_CARD, **extra: Any) -> Any:
    pm = {"type": "card", "number": number, "exp_month": 11, "exp_year": 2031, "cvc": "123",
          "holder_name": "APRO"}  # fmt: skip
    return {"amount": amount, "currency": "BRL", "capture_method": capture,
            "payment_method": pm, "customer": CUSTOMER, **extra}  # fmt: skip


def sent(rig: Rig, method: str, path: str) -> list[Any]:
    return [
        json.loads(r.body) if r.body else None
        for r in rig.fake.received
        if r.method == method and urlsplit(r.url).path == path
    ]


def hook(api: Api, rig: Rig, body: bytes, headers: dict[str, str]) -> int:
    status, _, _ = api.call(
        "POST", f"/v1/webhooks/mercadopago/{rig.account}", raw=body,
        headers={"Content-Type": "application/json", **headers},
    )  # fmt: skip
    return status


def test_lifecycle_in_major_unit_numbers(rig: Rig) -> None:
    api = rig.api
    auth = api.ok("POST", "/v1/payments", payment(2050, reference="e2e-1"))
    assert auth["status"] == "authorized" and auth["connector_payment_id"].isdigit()
    assert auth["payment_method"]["card"]["last4"] == SUCCESS_CARD[-4:]
    created = sent(rig, "POST", "/v1/payments")[-1]
    assert created["transaction_amount"] == 20.5 and created["capture"] is False
    assert created["payment_method_id"] == "master"  # 503175: Mercado Pago's, not "maestro"
    assert created["external_reference"] == "e2e-1"
    captured = api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 1525})
    assert captured["status"] == "partially_captured" and captured["amount_captured"] == 1525
    assert sent(rig, "PUT", f"/v1/payments/{auth['connector_payment_id']}")[-1] == {
        "capture": True, "transaction_amount": 15.25,
    }  # fmt: skip
    synced = api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["status"] == "partially_captured" and synced["amount_captured"] == 1525
    refund = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {})
    assert refund["amount"] == 1525 and refund["status"] == "succeeded"
    assert api.ok("GET", f"/v1/refunds/{refund['id']}")["amount"] == 1525


def test_a_visa_bin_is_paid_as_visa(rig: Rig) -> None:
    paid = rig.api.ok("POST", "/v1/payments", payment(900, "automatic", VISA_CARD))
    assert paid["status"] == "captured"
    assert sent(rig, "POST", "/v1/payments")[-1]["payment_method_id"] == "visa"


def test_no_payer_email_is_a_400_naming_it_and_nothing_is_sent(rig: Rig) -> None:
    body = payment(900)
    del body["customer"]
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body)
    assert status == 400 and err["error"]["field"] == "customer.email", err
    assert rig.gateway_calls() == calls


def test_the_callers_key_is_the_x_idempotency_key_of_each_step(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    first = api.ok("POST", "/v1/payments", payment(700), headers={"Idempotency-Key": "e2e-k1"})
    posts = [r for r in fake.received if r.method == "POST"][-2:]
    token_key, payment_key = (r.headers["X-Idempotency-Key"] for r in posts)
    assert payment_key.startswith("cs-") and token_key == payment_key + "-card-token"
    assert first["status"] == "authorized"


def test_webhook_signed_then_read_back_one_event_per_notification(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    auth = api.ok("POST", "/v1/payments", payment(3000))
    gid = auth["connector_payment_id"]
    api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    body = notification(gid, notification_id=77_000_000_001)
    headers = sign(body, WEBHOOK_SECRET, int(time.time()))
    assert hook(api, rig, body, headers) == 200
    assert hook(api, rig, body, headers) == 200  # a redelivery: stored once
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    mine = [e for e in data if e["connector_event_id"] == "77000000001"]
    assert len(mine) == 1 and mine[0]["type"] == "payment.captured", mine
    fetched = [r for r in fake.received if r.method == "GET" and r.url.endswith(f"/{gid}")]
    assert fetched, "the payment was read back to verify the notification"
    forged = notification("999999999", notification_id=77_000_000_002)
    assert hook(api, rig, forged, sign(forged, WEBHOOK_SECRET, int(time.time()))) == 401


def test_stored_cards_find_the_customer_again_and_charge_by_card_id(rig: Rig) -> None:
    api = rig.api
    pm = payment(0)["payment_method"]
    customer = {"id": "c-1", "email": "saved@example.com", "name": "Caio Reis"}
    setup = {"currency": "BRL", "payment_method": pm, "customer": customer}
    first = api.ok("POST", "/v1/mandates", setup)
    second = api.ok("POST", "/v1/mandates", setup)  # the same email: the same customer
    assert first["customer_id"] == second["customer_id"]
    assert first["connector_mandate_id"] != second["connector_mandate_id"]
    assert sent(rig, "GET", "/v1/customers/search"), "the existing customer was looked up"
    mit = {"amount": 800, "currency": "BRL", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": second["id"]}}  # fmt: skip
    charge = api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured" and charge["amount"] == 800
    assert sent(rig, "POST", "/v1/card_tokens")[-1] == {
        "card_id": second["connector_mandate_id"],
        "customer_id": second["customer_id"],
    }
    paid = sent(rig, "POST", "/v1/payments")[-1]
    assert paid["payer"]["type"] == "customer" and "three_d_secure_mode" not in paid


def test_the_log_holds_no_card_token_or_credential(rig: Rig) -> None:
    tokens = [t for t in rig.fake.tokens]
    assert len(tokens) >= 5
    log = assert_log_clean(
        rig.service, card_numbers=rig.card_numbers(), cvcs=rig.cvcs(), secrets=rig.secrets()
    )
    assert rig.fake.access_token not in log and WEBHOOK_SECRET not in log
    assert not [t for t in tokens if t in log]


def test_a_payment_that_stores_the_card_gives_a_chargeable_mandate(rig: Rig) -> None:
    api = rig.api
    body = payment(1200, "automatic", setup_future_usage="off_session",
                   customer={"email": "keep@example.com", "name": "Dora Alves"})  # fmt: skip
    paid = api.ok("POST", "/v1/payments", body)
    assert paid["status"] == "captured" and paid["mandate"]["status"] == "active", paid
    assert sent(rig, "POST", "/v1/payments")[-1]["payer"]["type"] == "customer"
    mit = {"amount": 800, "currency": "BRL", "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": paid["mandate"]["id"]}}  # fmt: skip
    charge = api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured" and charge["amount"] == 800


def test_a_chargeback_notification_opens_a_dispute_that_reads_back(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    paid = api.ok("POST", "/v1/payments", payment(4100, "automatic"))
    cid = fake.open_chargeback(paid["connector_payment_id"])
    body = notification(cid, notification_id=77_000_000_050, topic="topic_chargebacks_wh")
    assert hook(api, rig, body, sign(body, WEBHOOK_SECRET, int(time.time()))) == 200
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    (event,) = [e for e in data if e["connector_event_id"] == "77000000050"]
    assert event["type"] == "dispute.opened", event
    doc = api.ok("GET", f"/v1/admin/webhooks/events/{event['id']}")
    dispute = doc["event"]["data"]["dispute"]
    assert dispute["payment_id"] == paid["id"] and dispute["amount"] == 4100, dispute
    again = api.ok("GET", f"/v1/disputes/{dispute['id']}")
    assert again["status"] == "needs_response" and again["connector_dispute_id"] == cid
    assert again["reason"] == "fraudulent" and again["connector_reason"] == "fraud"


def test_a_pix_payment_shows_its_code_then_settles_by_webhook_and_refunds(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    body = {"amount": 1990, "currency": "BRL", "capture_method": "automatic",
            "payment_method": {"type": "pix", "expires_after_seconds": 1800},
            "customer": CUSTOMER}  # fmt: skip
    pending = api.ok("POST", "/v1/payments", body)
    assert pending["status"] == "requires_action", pending
    action = pending["next_action"]
    assert action["type"] == "display_qr" and action["payload"].startswith("000201")
    sent_body = sent(rig, "POST", "/v1/payments")[-1]
    assert sent_body["payment_method_id"] == "pix" and "token" not in sent_body
    gid = pending["connector_payment_id"]
    fake.pay_pix(gid)  # the customer pays from the bank app
    note = notification(gid, notification_id=77_000_000_090)
    assert hook(api, rig, note, sign(note, WEBHOOK_SECRET, int(time.time()))) == 200
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    (event,) = [e for e in data if e["connector_event_id"] == "77000000090"]
    assert event["type"] == "payment.captured", event
    paid = api.ok("GET", f"/v1/payments/{pending['id']}")
    assert paid["status"] == "captured" and paid["payment_method"]["type"] == "pix", paid
    refund = api.ok("POST", f"/v1/payments/{pending['id']}/refunds", {"amount": 990})
    assert refund["status"] == "succeeded" and refund["amount"] == 990
    manual = {**body, "capture_method": "manual"}
    calls = rig.gateway_calls()
    status, err, _ = api.call("POST", "/v1/payments", manual)
    assert status == 422 and err["error"]["field"] == "capture_method", err
    assert rig.gateway_calls() == calls


BILLING = {"line1": "Av. das Nações Unidas, 3003", "line2": "Bonfim", "city": "Osasco",
           "state": "SP", "postal_code": "06233-200", "country": "BR"}  # fmt: skip


def boleto(amount: int, **extra: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": "BRL", "capture_method": "automatic",
            "payment_method": {"type": "boleto", "tax_id": "191.191.191-00",
                               "expires_after_days": 3},
            "customer": CUSTOMER, "billing": BILLING, **extra}  # fmt: skip


def test_a_boleto_is_a_voucher_paid_days_later_then_refunded(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    pending = api.ok("POST", "/v1/payments", boleto(12990))
    assert pending["status"] == "requires_action", pending
    action = pending["next_action"]
    gid = pending["connector_payment_id"]
    assert action["type"] == "display_voucher" and f"/payments/{gid}/ticket" in action["url"]
    assert action["reference"].isdigit() and len(action["barcode"]) == 44, action
    assert action["expires_at"] and action["instructions_url"] == action["url"]
    created = sent(rig, "POST", "/v1/payments")[-1]
    assert created["payment_method_id"] == "bolbradesco" and "token" not in created
    assert created["payer"]["identification"] == {"type": "CPF", "number": "19119119100"}
    assert created["payer"]["address"]["street_number"] == "3003"
    assert api.ok("GET", f"/v1/payments/{pending['id']}")["status"] == "requires_action"
    fake.pay_voucher(gid)  # the customer pays it at a bank, days later
    note = notification(gid, notification_id=77_000_000_120)
    assert hook(api, rig, note, sign(note, WEBHOOK_SECRET, int(time.time()))) == 200
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    (event,) = [e for e in data if e["connector_event_id"] == "77000000120"]
    assert event["type"] == "payment.captured", event
    paid = api.ok("GET", f"/v1/payments/{pending['id']}")
    assert paid["status"] == "captured" and paid["amount_captured"] == 12990, paid
    assert paid["payment_method"]["type"] == "boleto"
    refund = api.ok("POST", f"/v1/payments/{pending['id']}/refunds", {"amount": 2990})
    assert refund["status"] == "succeeded" and refund["amount"] == 2990


def test_an_unpaid_boleto_fails_at_its_expiry_and_a_pending_one_can_be_cancelled(
    rig: Rig,
) -> None:
    api, fake = rig.api, rig.fake
    first = api.ok("POST", "/v1/payments", boleto(5000))
    fake.expire_voucher(first["connector_payment_id"])
    expired = api.ok("GET", f"/v1/payments/{first['id']}")
    assert expired["status"] == "failed" and expired["failure"]["code"] == "try_again_later"
    second = api.ok("POST", "/v1/payments", boleto(5100))
    voided = api.ok("POST", f"/v1/payments/{second['id']}/void", {})
    assert voided["status"] == "voided", voided
    assert sent(rig, "PUT", f"/v1/payments/{second['connector_payment_id']}")[-1] == {
        "status": "cancelled"
    }


def test_a_boleto_without_the_payers_address_is_a_400_naming_it_and_nothing_is_sent(
    rig: Rig,
) -> None:
    calls = rig.gateway_calls()
    for billing, field in (({**BILLING, "line2": None}, "billing.line2"),
                           ({k: v for k, v in BILLING.items() if k != "postal_code"},
                            "billing.postal_code")):  # fmt: skip
        body = boleto(900, billing={k: v for k, v in billing.items() if v is not None})
        status, err, _ = rig.api.call("POST", "/v1/payments", body)
        assert status == 400 and err["error"]["field"] == field, err
    manual = boleto(900, capture_method="manual")
    status, err, _ = rig.api.call("POST", "/v1/payments", manual)
    assert status == 422 and err["error"]["field"] == "capture_method", err
    assert rig.gateway_calls() == calls


class MexicoFake(MercadoPagoFake):
    """A seller on Mercado Pago's Mexican site (MLM: MXN), where OXXO is offered."""

    def __init__(self) -> None:
        super().__init__()
        self.currency = "MXN"


@pytest.fixture(scope="module")
def mexico(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    profile = dataclasses.replace(PROFILE, fake=MexicoFake, currency="MXN")
    with open_rig(profile, tmp_path_factory.mktemp("mercadopago-e2e-mx")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def test_an_oxxo_voucher_is_paid_at_a_store_then_settles_by_webhook(mexico: Rig) -> None:
    api, fake = mexico.api, mexico.fake
    body = {"amount": 25000, "currency": "MXN", "capture_method": "automatic",
            "payment_method": {"type": "oxxo", "expires_after_days": 2},
            "customer": CUSTOMER, "billing": {"country": "MX"}}  # fmt: skip
    pending = api.ok("POST", "/v1/payments", body)
    assert pending["status"] == "requires_action", pending
    action = pending["next_action"]
    assert action["type"] == "display_voucher" and "barcode" not in action, action
    gid = pending["connector_payment_id"]
    assert (
        action["reference"]
        == fake.payments[gid]["transaction_details"]["payment_method_reference_id"]
    )
    created = sent(mexico, "POST", "/v1/payments")[-1]
    assert created["payment_method_id"] == "oxxo" and created["transaction_amount"] == 250
    assert created["date_of_expiration"].endswith(".000+00:00")
    fake.pay_voucher(gid)
    note = notification(gid, notification_id=77_000_000_130)
    assert hook(api, mexico, note, sign(note, WEBHOOK_SECRET, int(time.time()))) == 200
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    (event,) = [e for e in data if e["connector_event_id"] == "77000000130"]
    assert event["type"] == "payment.captured", event
    assert api.ok("GET", f"/v1/payments/{pending['id']}")["status"] == "captured"
    too_long = {**body, "payment_method": {"type": "oxxo", "expires_after_days": 45}}
    calls = mexico.gateway_calls()
    status, err, _ = api.call("POST", "/v1/payments", too_long)
    assert status == 400 and err["error"]["field"] == "payment_method.expires_after_days", err
    assert mexico.gateway_calls() == calls
