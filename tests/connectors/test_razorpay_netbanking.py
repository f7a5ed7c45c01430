"""Razorpay netbanking (issue 15): the order, then the S2S JSON payment with ``method:
netbanking`` and the bank's code, whose ``redirect`` is the bank's login page; the
customer's signed return completes it, the webhook or a sync settles one that never came
back. Requests checked against the fake's contract, answers parsed from fixtures shaped
after Razorpay's; a bad input per field; then the same through the service against the
contract-checking fake (bank page, manual capture, refund, a cancel at the bank)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.connectors.capabilities import MethodFlow, check_method
from connector_service.domain.common import Customer, RedirectAction
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
from connector_service.domain.flows import AuthorizeData, Flow, SyncData, WebhookEventType
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Netbanking, PaymentMethodType
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.testing.fakes.razorpay import check_request
from connector_service.testing.profiles._browser import visit
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

RETURN = "https://shop.example/return"


def nb_auth(bank: str = "HDFC", **extra: Any) -> AuthorizeData:
    fields: dict[str, Any] = {
        "amount": 150000, "currency": "INR", "payment_method": Netbanking(bank=bank),
        "capture_method": CaptureMethod.AUTOMATIC, "reference": "order-2077",
        "customer": Customer(email="ada@example.com", phone="+919000090000"),
        "browser": BROWSER, "return_url": RETURN,
    }  # fmt: skip
    return AuthorizeData(**(fields | extra))


def run(data: AuthorizeData) -> tuple[list[Any], Any]:
    return drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data,
        [response(200, fixture("order_created")), response(200, fixture("netbanking_created"))],
    )  # fmt: skip


def test_declares_netbanking_in_india_in_rupees_with_manual_capture() -> None:
    support = CONNECTOR.meta.methods[PaymentMethodType.NETBANKING]
    assert support.flows == frozenset({MethodFlow.AUTHORIZE, MethodFlow.CAPTURE, MethodFlow.REFUND})
    assert support.currencies == frozenset({"INR"}) and support.countries == frozenset({"IN"})
    with pytest.raises(ServiceError) as exc:
        check_method(
            "Razorpay", CONNECTOR.meta.methods, PaymentMethodType.NETBANKING, currency="USD"
        )
    assert exc.value.field == "currency"


def test_the_payment_names_the_bank_and_answers_the_banks_page() -> None:
    requests, result = run(nb_auth("sbin"))
    for request in requests:
        check_request(request, KEY_ID, KEY_SECRET)
    assert [r.url.removeprefix(BASE) for r in requests] == ["/orders", "/payments/create/json"]
    sent = json.loads(requests[1].body)
    assert (sent["method"], sent["bank"]) == ("netbanking", "SBIN")  # Razorpay's code case
    assert "card" not in sent and "authentication" not in sent and "browser" not in sent
    assert (sent["ip"], sent["user_agent"], sent["callback_url"]) == (
        "203.0.113.7", "Mozilla/5.0 (test)", RETURN,
    )  # fmt: skip
    assert json.loads(requests[0].body)["payment_capture"] is True
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert isinstance(result.next_action, RedirectAction)
    assert result.next_action.url.endswith("/pay_Q9nB4kHd2WsR6e/authenticate")
    assert result.meta["order_id"] == fixture("order_created")["id"]


def test_manual_capture_keeps_the_order_uncaptured() -> None:
    requests, _ = run(nb_auth(capture_method=CaptureMethod.MANUAL))
    assert json.loads(requests[0].body)["payment_capture"] is False


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (nb_auth("HDFC BANK"), "payment_method.bank"),
        (nb_auth("12345"), "payment_method.bank"),
        (nb_auth(return_url=None), "return_url"),
        (nb_auth(browser=None), "browser.ip_address"),
        (nb_auth(customer=Customer(phone="+919000090000")), "customer.email"),
    ],
)
def test_bad_input_names_the_field_before_any_call(data: AuthorizeData, field: str) -> None:
    with pytest.raises(ServiceError) as exc:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [])
    assert exc.value.type is ErrorType.INVALID_REQUEST and exc.value.field == field


def test_a_sync_reads_the_settled_payment() -> None:
    ref = PaymentRef("rp", "razorpay", "pay_Q9nB4kHd2WsR6e", 150000, "INR", "automatic")
    _, result = drive(
        CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref),
        [response(200, fixture("payment_netbanking_captured"))],
    )  # fmt: skip
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 150000
    assert result.card is None


def test_the_failed_webhook_is_the_cancel_at_the_bank() -> None:
    raw = (FIXTURES / "webhook_netbanking_payment_failed.json").read_bytes()
    mac = hmac.new(WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    headers = {"x-razorpay-signature": mac, "x-razorpay-event-id": "evt_Q9nC5lIe3XtS7f"}
    assert CONNECTOR.webhook_verify(ctx(), headers, raw)
    [event] = CONNECTOR.webhook_parse(headers, raw)
    assert event.type is WebhookEventType.PAYMENT_FAILED
    assert event.payment is not None and event.payment.status is PaymentStatus.FAILED
    assert event.payment.failure is not None
    assert event.payment.failure.code == DeclineCode.TRY_AGAIN_LATER.value
    assert event.connector_payment_id == "pay_Q9nB4kHd2WsR6e"


# --------------------------------------------------------------------------- through the service


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("razorpay-netbanking")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def payment(bank: str = "HDFC", **extra: Any) -> dict[str, Any]:
    return {
        "amount": 150000, "currency": "INR", "capture_method": "automatic",
        "payment_method": {"type": "netbanking", "bank": bank}, "return_url": RETURN,
        "customer": {"email": "ada@example.com", "phone": "+919000090000"},
        "browser": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (test)"}, **extra,
    }  # fmt: skip


def test_the_bank_page_then_the_return_captures_and_refunds(rig: Rig) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", payment("ICIC"))
    assert created["status"] == "requires_action", created
    assert created["next_action"]["type"] == "redirect"
    pid = created["connector_payment_id"]
    assert rig.fake.payments[pid]["bank"] == "ICIC"
    assert api.ok("GET", f"/v1/payments/{created['id']}")["status"] == "processing"
    status, params = visit(created["next_action"]["url"], {"outcome": "success"})
    assert status == 302 and params["razorpay_payment_id"] == pid, params
    done = api.ok("POST", f"/v1/payments/{created['id']}/complete", {"params": params})
    assert done["status"] == "captured", done
    refund = api.ok("POST", f"/v1/payments/{created['id']}/refunds", {"amount": 40000})
    assert refund["amount"] == 40000 and refund["status"] == "succeeded"


def test_manual_capture_after_the_bank(rig: Rig) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", payment(capture_method="manual"))
    status, params = visit(created["next_action"]["url"], {"outcome": "success"})
    assert status == 302
    done = api.ok("POST", f"/v1/payments/{created['id']}/complete", {"params": params})
    assert done["status"] == "authorized", done
    captured = api.ok("POST", f"/v1/payments/{created['id']}/capture", {"amount": 150000})
    assert captured["status"] == "captured", captured


def test_a_cancel_at_the_bank_fails_it_by_sync(rig: Rig) -> None:
    api = rig.api
    created = api.ok("POST", "/v1/payments", payment("UTIB"))
    status, params = visit(created["next_action"]["url"], {"outcome": "failure"})
    assert status == 302 and params["error[reason]"] == "payment_cancelled", params
    failed = api.ok("GET", f"/v1/payments/{created['id']}")
    assert failed["status"] == "failed", failed
    assert failed["failure"]["code"] == "try_again_later", failed


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (payment("NOT A BANK"), "payment_method.bank"),
        (payment(currency="USD"), "currency"),
        (payment(return_url=None), "return_url"),
        ({**payment(), "payment_method": {"type": "netbanking"}}, "payment_method.bank"),
    ],
)
def test_bad_netbanking_input_is_a_4xx_naming_the_field(
    rig: Rig, body: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in body.items() if v is not None}
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/payments", body)
    assert 400 <= status < 500 and err["error"]["field"] == field, (status, err)
    assert rig.gateway_calls() == calls
