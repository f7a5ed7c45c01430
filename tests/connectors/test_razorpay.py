"""Razorpay connector: requests built (checked against the fake's contract), fixtures
parsed, status / error / decline tables, gateway idempotency by receipt, 3-D Secure
callback, mandates, webhooks, scrub, metadata."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.razorpay import (
    DECLINE_MAP,
    PAYMENT_STATUS,
    REFUND_STATUS,
    RazorpayConnector,
)
from connector_service.domain.common import BrowserInfo, Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateCompleteData,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    RefundSyncData,
    StoredMandate,
    SyncData,
    WebhookEventType,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import Card, Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from connector_service.testing.fakes.razorpay import check_request
from connector_service.testing.spec import SpecViolation
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = RazorpayConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "razorpay"
BASE = "https://api.razorpay.com/v1"
KEY_ID = "rzp_test_" + "Xq7Lm2Vb9Nc4Tz"  # shaped like a key; only for these tests
KEY_SECRET = "Hs8dK2pQ9wE4rT6yU1iO3aZx"
WEBHOOK_SECRET = "whk-test-secret-5b1e"
PAN, CVC = "4111111111111111", "031"
KEY = "cs-0a1b2c3d4e"
EMAIL = "ada@example.com"
PHONE = "+919000090000"
BROWSER = BrowserInfo(ip_address="203.0.113.7", user_agent="Mozilla/5.0 (test)")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ok(name: str) -> Any:
    return response(200, fixture(name))


def bad(name: str, status: int = 400) -> Any:
    return response(status, fixture(name))


def ctx(idempotency_key: str | None = KEY, **options: str) -> Any:
    creds = {"key_id": KEY_ID, "key_secret": KEY_SECRET, "webhook_secret": WEBHOOK_SECRET}
    return make_ctx(CONNECTOR, creds, options, base_url=BASE, idempotency_key=idempotency_key)


def card(number: str = PAN) -> Card:
    return Card(number=Secret(number), exp_month=9, exp_year=2034, cvc=Secret(CVC))


def authorize(capture: CaptureMethod = CaptureMethod.MANUAL, **kw: Any) -> AuthorizeData:
    fields: dict[str, Any] = {
        "amount": 250000,
        "currency": "INR",
        "payment_method": card(),
        "capture_method": capture,
        "reference": "order-1042",
        "customer": Customer(email=EMAIL, phone=PHONE),
        "browser": BROWSER,
        "description": "Order 1042",
    }
    fields.update(kw)
    return AuthorizeData(**fields)


def payment_ref(amount: int = 250000, **meta: str) -> PaymentRef:
    return PaymentRef(
        account="razorpay-test",
        connector="razorpay",
        connector_payment_id="pay_Q7kR2mVx9LpT4s",
        amount=amount,
        currency="INR",
        capture_method="manual",
        meta={"order_id": "order_Q7kQz1Hn5WcB3d", **meta},
    )


def mandate_ref() -> MandateRef:
    return MandateRef(
        account="razorpay-test",
        connector="razorpay",
        connector_mandate_id="token_Q7kU6cVp2NtM8a",
        customer_id="cust_Q7kS9bWq4ZyX1e",
        currency="INR",
        meta={"email": "jane@example.com", "contact": PHONE},
    )


def body(request: HttpRequest) -> dict[str, Any]:
    assert request.body is not None
    decoded: dict[str, Any] = json.loads(request.body)
    return decoded


def checked(requests: list[HttpRequest]) -> list[HttpRequest]:
    """Every request passes the contract the fake applies (the SDK's shapes)."""
    for request in requests:
        check_request(request, KEY_ID, KEY_SECRET)
    return requests


def paths(requests: list[HttpRequest]) -> list[str]:
    return [f"{r.method} {r.url.removeprefix(BASE)}" for r in requests]


# --------------------------------------------------------------------------- metadata


def test_metadata_declares_cards_tokens_mandates_upi_and_netbanking() -> None:
    meta = CONNECTOR.meta
    assert meta.name == "razorpay" and meta.base_url_test == BASE
    assert {f.value for f in meta.flows} == {
        "authorize", "complete_authorize", "capture", "refund", "sync", "refund_sync",
        "setup_mandate", "complete_mandate", "revoke_mandate", "charge_mandate", "webhooks",
    }  # fmt: skip
    assert "void" not in {f.value for f in meta.flows}  # Razorpay has no void
    # UPI: test_razorpay_methods.py; netbanking: test_razorpay_netbanking.py
    assert {m.value for m in meta.payment_methods} == {
        "card", "token", "mandate", "upi", "netbanking",
    }  # fmt: skip
    assert set(meta.secret_fields) == {"key_id", "key_secret", "webhook_secret"}


# --------------------------------------------------------------------------- authorize


def test_authorize_manual_is_an_order_then_a_payment_read_back() -> None:
    requests, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=None),
        authorize(),
        [ok("order_created"), ok("payment_json_paid"), ok("payment_authorized")],
    )
    checked(requests)
    assert paths(requests) == [
        "POST /orders",
        "POST /payments/create/json",
        "GET /payments/pay_Q7kR2mVx9LpT4s",
    ]
    order, payment = body(requests[0]), body(requests[1])
    assert order == {
        "amount": 250000,
        "currency": "INR",
        "receipt": "order-1042",
        "payment_capture": False,
        "notes": {"merchant_reference": "order-1042"},
    }
    assert payment["order_id"] == "order_Q7kQz1Hn5WcB3d"
    assert payment["card"] == {
        "number": PAN, "expiry_month": 9, "expiry_year": 34, "cvv": CVC,
    }  # fmt: skip
    assert payment["email"] == EMAIL and payment["contact"] == PHONE
    assert payment["ip"] == "203.0.113.7" and payment["user_agent"] == "Mozilla/5.0 (test)"
    assert requests[0].headers["Authorization"].startswith("Basic ")
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.connector_payment_id == "pay_Q7kR2mVx9LpT4s"
    assert result.amount == 250000 and result.amount_captured is None
    assert result.card is not None and result.card.last4 == "1111" and result.card.brand == "visa"
    assert result.meta["order_id"] == "order_Q7kQz1Hn5WcB3d"
    assert result.reference == "order-1042"


def test_automatic_capture_is_the_orders_payment_capture() -> None:
    requests, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=None),
        authorize(CaptureMethod.AUTOMATIC),
        [ok("order_created"), ok("payment_json_paid"), ok("payment_captured")],
    )
    assert body(requests[0])["payment_capture"] is True
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 250000


def test_three_ds_is_a_redirect_with_the_callback_url() -> None:
    data = authorize(return_url="https://shop.example/return")
    requests, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=None),
        data,
        [ok("order_created"), ok("payment_json_redirect")],
    )
    assert body(checked(requests)[1])["callback_url"] == "https://shop.example/return"
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is not None and result.next_action.type == "redirect"
    assert result.next_action.url.endswith("/Q7kR2mVx9LpT4s/authenticate")
    assert result.connector_payment_id == "pay_Q7kR2mVx9LpT4s"
    assert result.meta == {"order_id": "order_Q7kQz1Hn5WcB3d"}


@pytest.mark.parametrize(
    ("fixture_name", "code", "category"),
    [
        ("error_declined", "insufficient_funds", "soft"),
        ("error_unknown_reason", "generic_decline", "soft"),
    ],
)
def test_a_decline_is_a_result_naming_the_failed_payment(
    fixture_name: str, code: str, category: str
) -> None:
    _, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=None),
        authorize(),
        [ok("order_created"), bad(fixture_name)],
    )
    assert result.status is PaymentStatus.FAILED
    assert result.connector_payment_id == "pay_Q7kR2mVx9LpT4s"
    assert result.failure is not None
    assert result.failure.code == code and result.failure.category.value == category


def test_an_error_without_a_payment_is_an_error() -> None:
    with pytest.raises(ServiceError) as err:
        drive(
            CONNECTOR,
            Flow.AUTHORIZE,
            ctx(idempotency_key=None),
            authorize(),
            [ok("order_created"), bad("error_invalid_amount")],
        )
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == "amount"


def test_a_keyed_authorize_finds_the_first_attempt_by_receipt() -> None:
    """A re-send after a lost answer: the order with the key as receipt exists and has
    a payment: that payment is the answer, nothing is created."""
    requests, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(),
        authorize(),
        [ok("orders_by_receipt"), ok("order_payments")],
    )
    assert paths(checked(requests)) == [
        f"GET /orders?receipt={KEY}",
        "GET /orders/order_Q7kQz1Hn5WcB3d/payments",
    ]
    assert result.status is PaymentStatus.AUTHORIZED  # the newest of the order's payments
    assert result.connector_payment_id == "pay_Q7kR2mVx9LpT4s"


def test_a_keyed_authorize_with_no_earlier_order_creates_one_with_the_key() -> None:
    requests, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(),
        authorize(),
        [
            ok("orders_empty"),
            ok("order_created"),
            ok("payment_json_paid"),
            ok("payment_authorized"),
        ],
    )
    assert body(checked(requests)[1])["receipt"] == KEY
    assert result.status is PaymentStatus.AUTHORIZED


def test_the_receipt_is_cut_to_40_characters() -> None:
    long_key = "cs-" + "a" * 40
    requests, _ = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=long_key),
        authorize(),
        [
            ok("orders_empty"),
            ok("order_created"),
            ok("payment_json_paid"),
            ok("payment_authorized"),
        ],
    )
    assert body(checked(requests)[1])["receipt"] == long_key[:40]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer": Customer(phone=PHONE)}, "customer.email"),
        ({"customer": Customer(email=EMAIL)}, "customer.phone"),
        ({"browser": None}, "browser.ip_address"),
        ({"browser": BrowserInfo(ip_address="203.0.113.7")}, "browser.user_agent"),
        ({"customer": Customer(email="a" * 35 + "@x.com", phone=PHONE)}, "customer.email"),
    ],
)
def test_missing_customer_fields_are_400s_naming_the_field(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.steps(Flow.AUTHORIZE, ctx(), authorize(**changes)).send(None)
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == field


def test_default_contact_option_stands_in_for_a_missing_phone() -> None:
    data = authorize(customer=Customer(email=EMAIL))
    requests, _ = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=None, default_contact="+919876543210"),
        data,
        [ok("order_created"), ok("payment_json_paid"), ok("payment_authorized")],
    )
    assert body(requests[1])["contact"] == "+919876543210"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"payment_method": Token(token="tok_x")}, "payment_method.type"),
        ({"setup_future_usage": True}, "setup_future_usage"),
    ],
)
def test_what_is_not_mapped_is_not_supported_before_any_call(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.steps(Flow.AUTHORIZE, ctx(), authorize(**changes)).send(None)
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == field


# --------------------------------------------------------------------------- 3DS callback


def _signed(order: str, pid: str, secret: str = KEY_SECRET) -> str:
    return hmac.new(secret.encode(), f"{order}|{pid}".encode(), hashlib.sha256).hexdigest()


def test_complete_checks_the_callback_signature_then_reads_the_payment() -> None:
    params = {
        "razorpay_payment_id": "pay_Q7kR2mVx9LpT4s",
        "razorpay_order_id": "order_Q7kQz1Hn5WcB3d",
        "razorpay_signature": _signed("order_Q7kQz1Hn5WcB3d", "pay_Q7kR2mVx9LpT4s"),
    }
    data = CompleteAuthorizeData(payment=payment_ref(), params=params)
    requests, result = drive(
        CONNECTOR, Flow.COMPLETE_AUTHORIZE, ctx(), data, [ok("payment_authorized")]
    )
    assert paths(checked(requests)) == ["GET /payments/pay_Q7kR2mVx9LpT4s"]
    assert result.status is PaymentStatus.AUTHORIZED


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"razorpay_signature": _signed("order_Q7kQz1Hn5WcB3d", "pay_Q7kR2mVx9LpT4s", "x")},
         "params.razorpay_signature"),
        ({"razorpay_payment_id": "pay_Other00000000"}, "params.razorpay_payment_id"),
        ({"razorpay_order_id": "order_Other0000000"}, "params.razorpay_order_id"),
    ],
)  # fmt: skip
def test_a_forged_callback_is_refused(params: dict[str, str], field: str) -> None:
    data = CompleteAuthorizeData(payment=payment_ref(), params=params)
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_complete_authorize(ctx(), data)
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == field


def test_a_failed_authentication_reads_as_authentication_failed() -> None:
    data = CompleteAuthorizeData(payment=payment_ref(), params={"error[reason]": "x"})
    _, result = drive(CONNECTOR, Flow.COMPLETE_AUTHORIZE, ctx(), data, [ok("payment_failed")])
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None and result.failure.code == "authentication_failed"


# --------------------------------------------------------------------------- capture, refund


def test_capture_sends_the_whole_amount_and_currency() -> None:
    data = CaptureData(payment=payment_ref(), amount=250000, reference="cap-1")
    requests, result = drive(CONNECTOR, Flow.CAPTURE, ctx(), data, [ok("payment_captured")])
    assert paths(checked(requests)) == ["POST /payments/pay_Q7kR2mVx9LpT4s/capture"]
    assert body(requests[0]) == {"amount": 250000, "currency": "INR"}
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 250000


def test_a_partial_capture_is_not_supported() -> None:
    data = CaptureData(payment=payment_ref(), amount=100000, reference="cap-1")
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_capture(ctx(), data)
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "amount"


def test_capturing_twice_is_a_conflict() -> None:
    data = CaptureData(payment=payment_ref(), amount=250000, reference="cap-1")
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.CAPTURE, ctx(), data, [bad("error_already_captured")])
    assert err.value.type is ErrorType.CONFLICT and err.value.code == "payment_not_capturable"


def test_refund_is_partial_with_a_receipt_and_looks_for_an_earlier_one_when_keyed() -> None:
    data = RefundData(payment=payment_ref(), amount=50000, reference="refund-7", reason="damaged")
    requests, result = drive(
        CONNECTOR, Flow.REFUND, ctx(), data, [ok("orders_empty"), ok("refund_processed")]
    )
    assert paths(checked(requests)) == [
        "GET /payments/pay_Q7kR2mVx9LpT4s/refunds",
        "POST /payments/pay_Q7kR2mVx9LpT4s/refund",
    ]
    assert body(requests[1]) == {
        "amount": 50000,
        "speed": "normal",
        "receipt": KEY,
        "notes": {"merchant_reference": "refund-7", "reason": "damaged"},
    }
    assert result.status is RefundStatus.SUCCEEDED and result.amount == 50000
    assert result.connector_refund_id == "rfnd_Q7kW4eYs1QvK9c"


def test_a_keyed_refund_resent_finds_the_refund_made_first() -> None:
    data = RefundData(payment=payment_ref(), amount=50000, reference="refund-7")
    requests, result = drive(CONNECTOR, Flow.REFUND, ctx(), data, [ok("payment_refunds")])
    assert len(requests) == 1 and requests[0].method == "GET"
    assert result.connector_refund_id == "rfnd_Q7kW4eYs1QvK9c"


def test_over_refund_is_a_400_on_amount() -> None:
    data = RefundData(payment=payment_ref(), amount=999999, reference="r")
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.REFUND, ctx(None), data, [bad("error_over_refund")])
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == "amount"


@pytest.mark.parametrize(
    ("name", "status"),
    [("refund_processed", RefundStatus.SUCCEEDED), ("refund_pending", RefundStatus.PENDING),
     ("refund_failed", RefundStatus.FAILED)],
)  # fmt: skip
def test_refund_sync(name: str, status: RefundStatus) -> None:
    ref = RefundRef(
        account="razorpay-test", connector="razorpay", connector_refund_id="rfnd_Q7kW4eYs1QvK9c",
        connector_payment_id="pay_Q7kR2mVx9LpT4s", amount=50000, currency="INR",
    )  # fmt: skip
    requests, result = drive(
        CONNECTOR, Flow.REFUND_SYNC, ctx(), RefundSyncData(refund=ref), [ok(name)]
    )
    assert paths(checked(requests)) == ["GET /refunds/rfnd_Q7kW4eYs1QvK9c"]
    assert result.status is status
    assert (result.failure is not None) is (status is RefundStatus.FAILED)


# --------------------------------------------------------------------------- sync, statuses


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("payment_created", PaymentStatus.PROCESSING),
        ("payment_authorized", PaymentStatus.AUTHORIZED),
        ("payment_captured", PaymentStatus.CAPTURED),
        ("payment_refunded", PaymentStatus.CAPTURED),
        ("payment_released", PaymentStatus.VOIDED),
        ("payment_failed", PaymentStatus.FAILED),
        ("payment_unknown_status", PaymentStatus.PROCESSING),
    ],
)
def test_sync_statuses(name: str, status: PaymentStatus) -> None:
    requests, result = drive(
        CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()), [ok(name)]
    )
    assert paths(checked(requests)) == ["GET /payments/pay_Q7kR2mVx9LpT4s"]
    assert result.status is status


def test_an_unknown_status_is_logged_and_never_success(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        _, result = drive(
            CONNECTOR,
            Flow.SYNC,
            ctx(),
            SyncData(payment=payment_ref()),
            [ok("payment_unknown_status")],
        )
    assert result.status is PaymentStatus.PROCESSING
    logged = [r for r in caplog.records if r.getMessage() == "unknown gateway status"]
    assert [getattr(r, "status", None) for r in logged] == ["on_hold_for_review"]


def _unanswered(**meta: str) -> PaymentRef:
    return PaymentRef(
        account="razorpay-test", connector="razorpay", connector_payment_id="", amount=250000,
        currency="INR", capture_method="manual", meta=meta,
    )  # fmt: skip


def test_sync_without_a_payment_id_finds_the_order_by_its_receipt_then_its_payment() -> None:
    data = SyncData(payment=_unanswered(reference="order-1042"))
    requests, result = drive(
        CONNECTOR, Flow.SYNC, ctx(), data, [ok("orders_by_receipt"), ok("order_payments")]
    )
    assert paths(checked(requests)) == [
        "GET /orders?receipt=order-1042",
        "GET /orders/order_Q7kQz1Hn5WcB3d/payments",
    ]
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.connector_payment_id == "pay_Q7kR2mVx9LpT4s"


def test_sync_that_finds_no_order_or_no_payment_stays_unresolved() -> None:
    data = SyncData(payment=_unanswered(reference="order-1042"))
    _, result = drive(CONNECTOR, Flow.SYNC, ctx(), data, [ok("orders_empty")])
    assert result.status is PaymentStatus.UNRESOLVED
    data = SyncData(payment=_unanswered(order_id="order_Q7kQz1Hn5WcB3d"))
    requests, result = drive(CONNECTOR, Flow.SYNC, ctx(), data, [ok("orders_empty")])
    assert paths(requests) == ["GET /orders/order_Q7kQz1Hn5WcB3d/payments"]
    assert result.status is PaymentStatus.UNRESOLVED
    assert result.meta == {"order_id": "order_Q7kQz1Hn5WcB3d"}


def test_status_tables_have_no_success_for_the_unfinished() -> None:
    assert PAYMENT_STATUS["created"] is PaymentStatus.PROCESSING
    assert REFUND_STATUS["pending"] is RefundStatus.PENDING
    assert all(isinstance(v, PaymentStatus) for v in PAYMENT_STATUS.values())


def test_errors_map_to_unified_types() -> None:
    data = SyncData(payment=payment_ref())
    for name, status, kind in (
        ("error_not_found", 400, ErrorType.NOT_FOUND),
        ("error_auth", 401, ErrorType.CONNECTOR),
        ("error_server", 500, ErrorType.CONNECTOR),
    ):
        with pytest.raises(ServiceError) as err:
            drive(CONNECTOR, Flow.SYNC, ctx(), data, [bad(name, status)])
        assert err.value.type is kind, name


def test_decline_map_covers_the_documented_card_reasons() -> None:
    for reason in ("card_declined", "insufficient_funds", "card_expired", "authentication_failed",
                   "card_number_invalid", "payment_timed_out", "bank_technical_error"):  # fmt: skip
        assert reason in DECLINE_MAP, reason


# --------------------------------------------------------------------------- mandates


def setup_data(return_url: str | None = None) -> MandateSetupData:
    return MandateSetupData(
        payment_method=card(),
        currency="INR",
        amount=0,
        customer=Customer(email="jane@example.com", name="Jane Shopper", phone=PHONE),
        reference="mandate-9",
        browser=BROWSER,
        return_url=return_url,
    )


def test_setup_mandate_is_customer_token_order_and_recurring_payment() -> None:
    requests, result = drive(
        CONNECTOR,
        Flow.SETUP_MANDATE,
        ctx(),
        setup_data(),
        [
            ok("customer_created"),
            ok("order_token_created"),
            ok("payment_json_paid"),
            ok("payment_recurring_authorized"),
        ],
    )
    assert paths(checked(requests)) == [
        "POST /customers",
        "POST /orders",
        "POST /payments/create/json",
        "GET /payments/pay_Q7kR2mVx9LpT4s",
    ]
    order = body(requests[1])
    assert order["customer_id"] == "cust_Q7kS9bWq4ZyX1e" and order["method"] == "card"
    assert order["token"]["max_amount"] == 1500000 and order["token"]["frequency"] == "as_presented"
    assert order["payment_capture"] is False  # the authorization is released, not captured
    payment = body(requests[2])
    assert payment["recurring"] is True and payment["customer_id"] == "cust_Q7kS9bWq4ZyX1e"
    assert result.status is MandateStatus.ACTIVE
    assert result.connector_mandate_id == "token_Q7kU6cVp2NtM8a"
    assert result.connector_customer_id == "cust_Q7kS9bWq4ZyX1e"
    assert result.meta["email"] == "jane@example.com" and result.meta["contact"] == PHONE


def test_setup_mandate_needing_3ds_is_pending_then_completed() -> None:
    _, pending = drive(
        CONNECTOR,
        Flow.SETUP_MANDATE,
        ctx(),
        setup_data("https://shop.example/return"),
        [ok("customer_created"), ok("order_token_created"), ok("payment_json_redirect")],
    )
    assert pending.status is MandateStatus.PENDING and pending.next_action is not None
    ref = MandateRef(
        account="razorpay-test", connector="razorpay", connector_mandate_id="",
        customer_id="cust_Q7kS9bWq4ZyX1e", meta=pending.meta,
    )  # fmt: skip
    data = MandateCompleteData(mandate=ref, params={})
    requests, done = drive(
        CONNECTOR, Flow.COMPLETE_MANDATE, ctx(), data, [ok("payment_recurring_authorized")]
    )
    assert paths(requests) == ["GET /payments/pay_Q7kR2mVx9LpT4s"]
    assert done.status is MandateStatus.ACTIVE
    assert done.connector_mandate_id == "token_Q7kU6cVp2NtM8a"


def test_a_mandate_authorization_without_a_token_is_failed() -> None:
    _, result = drive(
        CONNECTOR,
        Flow.SETUP_MANDATE,
        ctx(),
        setup_data(),
        [ok("customer_created"), ok("order_token_created"), ok("payment_json_paid"),
         ok("payment_authorized")],
    )  # fmt: skip
    assert result.status is MandateStatus.FAILED and result.connector_mandate_id is None


def test_charge_mandate_is_an_order_and_a_recurring_payment() -> None:
    data = authorize(
        CaptureMethod.AUTOMATIC,
        amount=99900,
        payment_method=StoredMandate(ref=mandate_ref()),
        customer=None,
        browser=None,
    )
    requests, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=None),
        data,
        [ok("order_created"), ok("payment_json_paid"), ok("payment_mandate_charge")],
    )
    assert paths(checked(requests)) == [
        "POST /orders",
        "POST /payments/create/recurring",
        "GET /payments/pay_Q7kR2mVx9LpT4s",
    ]
    sent = body(requests[1])
    assert sent["token"] == "token_Q7kU6cVp2NtM8a" and sent["customer_id"] == "cust_Q7kS9bWq4ZyX1e"
    assert sent["recurring"] is True and sent["email"] == "jane@example.com"
    assert "card" not in sent and "ip" not in sent
    assert result.status is PaymentStatus.CAPTURED


def test_a_razorpay_card_token_with_its_customer_is_a_recurring_charge() -> None:
    token = Token(token="token_Q7kU6cVp2NtM8a", customer_id="cust_Q7kS9bWq4ZyX1e")
    data = authorize(CaptureMethod.AUTOMATIC, amount=99900, payment_method=token, browser=None)
    requests, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=None),
        data,
        [ok("order_created"), ok("payment_json_paid"), ok("payment_mandate_charge")],
    )
    sent = body(checked(requests)[1])
    assert requests[1].url.endswith("/payments/create/recurring")
    assert sent["token"] == token.token and sent["customer_id"] == token.customer_id
    assert sent["email"] == EMAIL and sent["contact"] == PHONE
    assert result.status is PaymentStatus.CAPTURED


def test_charge_mandate_manual_capture_is_not_supported() -> None:
    data = authorize(payment_method=StoredMandate(ref=mandate_ref()))
    with pytest.raises(ServiceError) as err:
        CONNECTOR.steps(Flow.AUTHORIZE, ctx(), data).send(None)
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "capture_method"


def test_revoke_deletes_the_token() -> None:
    data = MandateRevokeData(mandate=mandate_ref())
    requests, result = drive(CONNECTOR, Flow.REVOKE_MANDATE, ctx(), data, [ok("token_deleted")])
    assert paths(checked(requests)) == [
        "DELETE /customers/cust_Q7kS9bWq4ZyX1e/tokens/token_Q7kU6cVp2NtM8a"
    ]
    assert result.status is MandateStatus.REVOKED


def test_the_contract_refuses_what_razorpay_would() -> None:
    request = CONNECTOR.build_capture(
        ctx(), CaptureData(payment=payment_ref(), amount=250000, reference="c")
    )
    extra = HttpRequest(request.method, request.url, request.headers, b'{"amount":1,"x":2}')
    with pytest.raises(SpecViolation):
        check_request(extra, KEY_ID, KEY_SECRET)
    with pytest.raises(SpecViolation):
        check_request(request, KEY_ID, "wrong-secret")


# --------------------------------------------------------------------------- webhooks


def signed(name: str, secret: str = WEBHOOK_SECRET) -> tuple[dict[str, str], bytes]:
    raw = (FIXTURES / f"{name}.json").read_bytes()
    mac = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"x-razorpay-signature": mac, "x-razorpay-event-id": "evt_Q7kZ3hBv6TyG7g"}, raw


def test_webhook_verify_good_tampered_wrong_secret_missing() -> None:
    headers, raw = signed("webhook_payment_captured")
    assert CONNECTOR.webhook_verify(ctx(), headers, raw)
    tampered = raw.replace(b"pay_Q7kR2mVx9LpT4s", b"pay_Q7kR2mVx9LpT4Z", 1)
    assert tampered != raw and not CONNECTOR.webhook_verify(ctx(), headers, tampered)
    wrong, _ = signed("webhook_payment_captured", secret="another-secret")
    assert not CONNECTOR.webhook_verify(ctx(), wrong, raw)
    assert not CONNECTOR.webhook_verify(ctx(), {}, raw)
    no_secret = make_ctx(CONNECTOR, {"key_id": KEY_ID, "key_secret": KEY_SECRET}, base_url=BASE)
    assert not CONNECTOR.webhook_verify(no_secret, headers, raw)


def test_webhook_stale_is_not_decided_by_time_the_scheme_signs_none() -> None:
    """Razorpay signs no timestamp and redelivers for up to a day with the same body, so
    an old event is not refused by age; a replay is the same event id, stored once."""
    headers, raw = signed("webhook_payment_captured")
    event = json.loads(raw)
    assert event["created_at"] < 1_800_000_000  # an old event, still verified
    assert CONNECTOR.webhook_verify(ctx(), headers, raw)
    assert CONNECTOR.webhook_identify(headers, raw).event_id == "evt_Q7kZ3hBv6TyG7g"


def test_webhook_identify_without_the_header_uses_type_entity_and_time() -> None:
    _, raw = signed("webhook_refund_processed")
    identity = CONNECTOR.webhook_identify({}, raw)
    assert identity.event_id == "refund.processed:rfnd_Q7kW4eYs1QvK9c:1764680200"


def test_webhook_parse_payment_captured() -> None:
    headers, raw = signed("webhook_payment_captured")
    [event] = CONNECTOR.webhook_parse(headers, raw)
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.connector_payment_id == "pay_Q7kR2mVx9LpT4s"
    assert event.payment is not None and event.payment.status is PaymentStatus.CAPTURED
    assert event.amount == 250000 and event.currency == "INR"


def test_webhook_parse_payment_failed() -> None:
    headers, raw = signed("webhook_payment_failed")
    [event] = CONNECTOR.webhook_parse(headers, raw)
    assert event.type is WebhookEventType.PAYMENT_FAILED
    assert event.payment is not None and event.payment.failure is not None
    assert event.payment.failure.code == "generic_decline"


def test_webhook_parse_refund_dispute_token_and_unknown() -> None:
    [refund] = CONNECTOR.webhook_parse(*signed("webhook_refund_processed"))
    assert refund.type is WebhookEventType.REFUND_SUCCEEDED
    assert refund.refund is not None and refund.refund.connector_refund_id == "rfnd_Q7kW4eYs1QvK9c"
    assert refund.connector_payment_id == "pay_Q7kR2mVx9LpT4s" and refund.amount == 50000
    [dispute] = CONNECTOR.webhook_parse(*signed("webhook_dispute_created"))
    assert dispute.type is WebhookEventType.DISPUTE_OPENED
    assert dispute.dispute is not None and dispute.dispute.status is DisputeStatus.NEEDS_RESPONSE
    assert dispute.dispute.connector_dispute_id == "disp_Q7kX8fZt3RwJ6d"
    [token] = CONNECTOR.webhook_parse(*signed("webhook_token_confirmed"))
    assert token.type is WebhookEventType.MANDATE_ACTIVE
    assert (
        token.mandate is not None and token.mandate.connector_mandate_id == "token_Q7kU6cVp2NtM8a"
    )
    [other] = CONNECTOR.webhook_parse(*signed("webhook_settlement"))
    assert other.type is WebhookEventType.UNKNOWN
    assert other.connector_event_type == "settlement.processed"


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"{}",
        b'{"event":"payment.captured"}',
        b'{"event":"payment.captured","payload":[]}',
        b'{"event":"payment.captured","payload":{"payment":{"entity":'
        b'{"id":"pay_1","amount":"12","currency":"INR"}}}}',
    ],
)
def test_webhook_parse_refuses_what_is_not_an_event(raw: bytes) -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse({}, raw)
    assert err.value.type is ErrorType.INVALID_REQUEST


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    sig = _signed("order_Q7kQz1Hn5WcB3d", "pay_Q7kR2mVx9LpT4s")
    before = (
        "> POST https://api.razorpay.com/v1/payments/create/json\n"
        "> Authorization: Basic cnpwX3Rlc3RfWHE3TG0yVmI5TmM0VHo6SHM4ZEsycFE5d0U0clQ2eVUxaU8zYVp4\n"
        ">\n"
        f'{{"card":{{"number":"{PAN}","expiry_month":9,"expiry_year":34,"cvv":"{CVC}"}}}}\n'
        f'{{"razorpay_payment_id":"pay_Q7kR2mVx9LpT4s","razorpay_signature":"{sig}"}}\n'
        f"key {KEY_ID} in a message\n"
        '{"access_token":"rzp-oauth-token-1","token_type":"Bearer"}\n'
        '{"card":{"last4":"1111","network":"Visa"}}'
    )
    after = (
        "> POST https://api.razorpay.com/v1/payments/create/json\n"
        "> Authorization: [REDACTED]\n"
        ">\n"
        '{"card":{"number":"[CARD]","expiry_month":9,"expiry_year":34,"cvv":"[CVC]"}}\n'
        '{"razorpay_payment_id":"pay_Q7kR2mVx9LpT4s","razorpay_signature":"[REDACTED]"}\n'
        "key [REDACTED] in a message\n"
        '{"access_token":"[REDACTED]","token_type":"Bearer"}\n'
        '{"card":{"last4":"1111","network":"Visa"}}'
    )
    assert PAN in before and CVC in before and KEY_ID in before  # the before is real
    assert CONNECTOR.scrub(before) == after


def test_no_secret_survives_a_flow_transcript() -> None:
    requests, _ = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(idempotency_key=None),
        authorize(),
        [ok("order_created"), ok("payment_json_paid"), ok("payment_authorized")],
    )
    for request in requests:
        text = CONNECTOR.scrub(render_transcript(request, ok("payment_authorized")))
        for secret in (PAN, f'"{CVC}"', KEY_SECRET, KEY_ID):
            assert secret not in text, secret
