"""Razorpay's UPI (issues 13 and 15): collect with a VPA (``await_customer``) and intent
(``display_qr`` of the ``upi://pay`` link) on an order, checked against the fake's
contract; the answers parsed from fixtures shaped after Razorpay's S2S UPI answers; the
settling webhook and sync; refund; a bad input per flow; the scrub of VPAs. Then the same
through the service against the contract-checking fake."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.connectors.capabilities import check_method
from connector_service.domain.common import AwaitCustomer, BrowserInfo, Customer, DisplayQr
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import AuthorizeData, Flow, WebhookEventType
from connector_service.domain.payment_methods import FieldError, PaymentMethodType, Upi
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.testing.fakes.razorpay import check_request
from connector_service.testing.profiles.razorpay import PROFILE
from connector_service.testing.rig import Rig, open_rig
from tests.connectors.harness import drive, response
from tests.connectors.razorpay_support import (
    BASE,
    BROWSER,
    CONNECTOR,
    FIXTURES,
    KEY_ID,
    KEY_SECRET,
    WEBHOOK_SECRET,
    ctx,
    fixture,
)

VPA = "gaurav.kumar@exampleupi"


def upi_auth(pm: Upi, **extra: Any) -> AuthorizeData:
    fields: dict[str, Any] = {
        "amount": 250000, "currency": "INR", "payment_method": pm,
        "capture_method": CaptureMethod.AUTOMATIC, "reference": "order-1042",
        "customer": Customer(email="ada@example.com", phone="+919000090000"),
        "browser": BROWSER,
    }  # fmt: skip
    return AuthorizeData(**(fields | extra))


def run(pm: Upi, answer: str) -> tuple[list[Any], Any]:
    return drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), upi_auth(pm),
        [response(200, fixture("order_created")), response(200, fixture(answer))],
    )  # fmt: skip


def test_declares_upi_in_india_in_rupees() -> None:
    support = CONNECTOR.meta.methods[PaymentMethodType.UPI]
    assert support.currencies == frozenset({"INR"}) and support.countries == frozenset({"IN"})
    with pytest.raises(ServiceError) as exc:
        check_method("Razorpay", CONNECTOR.meta.methods, PaymentMethodType.UPI, currency="USD")
    assert exc.value.field == "currency"


def test_collect_sends_the_vpa_and_waits_for_the_customer() -> None:
    requests, result = run(Upi(vpa=VPA), "upi_collect_created")
    for request in requests:
        check_request(request, KEY_ID, KEY_SECRET)
    assert [r.url.removeprefix(BASE) for r in requests] == ["/orders", "/payments/create/upi"]
    sent = json.loads(requests[1].body)
    assert sent["method"] == "upi" and sent["order_id"].startswith("order_")
    assert sent["upi"] == {"flow": "collect", "vpa": VPA, "expiry_time": "10"}
    assert (sent["ip"], sent["user_agent"]) == ("203.0.113.7", "Mozilla/5.0 (test)")
    assert json.loads(requests[0].body)["payment_capture"] is True
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert isinstance(result.next_action, AwaitCustomer)
    assert result.connector_payment_id == "pay_Q8uP1cQk3XvL7a"
    assert result.pending_reason == "awaiting_customer"


def test_intent_answers_the_upi_link_as_a_qr_payload() -> None:
    requests, result = run(Upi(), "upi_intent_created")
    check_request(requests[1], KEY_ID, KEY_SECRET)
    assert json.loads(requests[1].body)["upi"] == {"flow": "intent"}
    assert isinstance(result.next_action, DisplayQr)
    assert result.next_action.payload.startswith("upi://pay?pa=razorpay.merchant@icici")
    assert "am=2500.00" in result.next_action.payload


def test_a_created_upi_payment_stays_processing_until_settled() -> None:
    from connector_service.domain.flows import SyncData
    from connector_service.domain.ids import PaymentRef

    ref = PaymentRef("rp", "razorpay", "pay_Q8uP1cQk3XvL7a", 250000, "INR", "automatic")
    _, result = drive(
        CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref),
        [response(200, fixture("payment_upi_created"))],
    )  # fmt: skip
    assert result.status is PaymentStatus.PROCESSING and result.card is None


def test_the_upi_webhook_settles_it() -> None:
    raw = (FIXTURES / "webhook_upi_payment_captured.json").read_bytes()
    mac = hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"x-razorpay-signature": mac, "x-razorpay-event-id": "evt_Q8uQ2dRl4YwM8b"}
    assert CONNECTOR.webhook_verify(ctx(), headers, raw)
    [event] = CONNECTOR.webhook_parse(headers, raw)
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.payment is not None and event.payment.status is PaymentStatus.CAPTURED
    assert event.connector_payment_id == "pay_Q8uP1cQk3XvL7a" and event.payment.card is None


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"browser": None}, "browser.ip_address"),
        ({"browser": BrowserInfo(ip_address="203.0.113.7")}, "browser.user_agent"),
    ],
)
def test_bad_input_names_the_field(extra: dict[str, Any], field: str) -> None:
    with pytest.raises(ServiceError) as exc:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), upi_auth(Upi(vpa=VPA), **extra), [])
    assert exc.value.type is ErrorType.INVALID_REQUEST and exc.value.field == field
    with pytest.raises(FieldError) as field_exc:
        Upi(vpa="not-a-vpa")
    assert field_exc.value.field == "vpa"


def test_scrub_masks_the_vpa_exactly() -> None:
    before = '{"method":"upi","upi":{"flow":"collect","vpa":"gaurav.kumar@exampleupi"}}'
    after = '{"method":"upi","upi":{"flow":"collect","vpa":"[VPA]@exampleupi"}}'
    assert CONNECTOR.scrub(before) == after


# --------------------------------------------------------------------------- through the service


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("razorpay-upi")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def payment(pm: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "amount": 150000, "currency": "INR", "capture_method": "automatic", "payment_method": pm,
        "customer": {"email": "ada@example.com", "phone": "+919000090000"},
        "browser": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (test)"}, **extra,
    }  # fmt: skip


def test_collect_through_the_service_settles_and_refunds(rig: Rig) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", payment({"type": "upi", "vpa": VPA}))
    assert created["status"] == "requires_action", created
    assert created["next_action"]["type"] == "await_customer"
    pid = created["connector_payment_id"]
    assert api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "processing"
    rig.fake.customer_upi_app(pid)
    settled = api.ok("GET", f"/v1/payments/{created['id']}")
    assert settled["status"] == "captured", settled
    refund = api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 50000})
    assert refund["amount"] == 50000


def test_intent_through_the_service_and_a_declined_collect(rig: Rig) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", payment({"type": "upi"}))
    assert created["next_action"]["type"] == "display_qr"
    assert created["next_action"]["payload"].startswith("upi://pay?")
    rig.fake.customer_upi_app(created["connector_payment_id"])
    assert api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "captured"
    failing = api.ok("POST", "/v1/payments", payment({"type": "upi", "vpa": "failure@razorpay"}))
    rig.fake.customer_upi_app(failing["connector_payment_id"])
    assert api.ok("GET", f"/v1/payments/{failing['id']}")["status"] == "failed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (payment({"type": "upi", "vpa": "no-psp"}), "payment_method.vpa"),
        (payment({"type": "upi"}, currency="USD"), "currency"),
        (payment({"type": "upi"}, browser=None), "browser.ip_address"),
    ],
)
def test_bad_upi_input_is_a_4xx_naming_the_field(
    rig: Rig, body: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in body.items() if v is not None}
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body)
    assert 400 <= status < 500 and err["error"]["field"] == field, (status, err)
    assert rig.gateway_calls() == calls
