"""Mollie connector: built requests (checked against the fake's contract), parsed
fixtures, status / decline / error maps, webhooks verified by fetching, scrub, metadata.
The official SDK comparisons are in test_mollie_sdk.py."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.mollie import (
    DECLINE_MAP,
    PAYMENT_STATUS,
    REFUND_STATUS,
    MollieConnector,
)
from connector_service.domain.common import Customer
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
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
    VoidData,
    WebhookEventType,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import Card, Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from connector_service.testing.fakes.mollie import check_request
from connector_service.testing.spec import SpecViolation
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = MollieConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "mollie"
BASE = "https://api.mollie.com/v2"
KEY = "test_" + "dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"  # Mollie's documented sample key shape
PID = "tr_5B8cwPMGnU6qLbRvo7qEZo"
TOKEN = "tkn_UqAvArS3gw"
CID, MID = "cst_8wmqcHMN4U", "mdt_h3gAaD5zP"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(idempotency_key: str | None = "idem-123", **options: str) -> Any:
    return make_ctx(
        CONNECTOR, {"api_key": KEY}, options, base_url=BASE, idempotency_key=idempotency_key
    )


def body(request: HttpRequest) -> Any:
    return json.loads(request.body) if request.body else None


def checked(request: HttpRequest) -> HttpRequest:
    """The request meets the contract the fake enforces (Mollie's documented fields)."""
    check_request(request, BASE + "/")
    return request


def authorize(**kw: Any) -> AuthorizeData:
    fields: dict[str, Any] = {
        "amount": 2000,
        "currency": "EUR",
        "payment_method": Token(token=TOKEN),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "order-12345",
        "return_url": "https://shop.example/return",
    } | kw
    return AuthorizeData(**fields)


def pref(amount: int = 2000, currency: str = "EUR") -> PaymentRef:
    return PaymentRef("mollie-test", "mollie", PID, amount, currency, "manual")


# --------------------------------------------------------------------------- requests


def test_authorize_request() -> None:
    request = checked(CONNECTOR.build_authorize(ctx(webhook_url="https://cs.example/wh"),
                                                authorize(metadata={"order": "1"})))  # fmt: skip
    assert (request.method, request.url) == ("POST", f"{BASE}/payments")
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == "idem-123" and request.idempotent
    assert body(request) == {
        "amount": {"currency": "EUR", "value": "20.00"},
        "description": "Payment order-12345",
        "metadata": {"order": "1", "reference": "order-12345"},
        "webhookUrl": "https://cs.example/wh",
        "captureMode": "manual",
        "method": "creditcard",
        "cardToken": TOKEN,
        "redirectUrl": "https://shop.example/return",
    }


def test_automatic_capture_sends_no_capture_mode_and_zero_decimal_currencies() -> None:
    request = checked(
        CONNECTOR.build_authorize(
            ctx(), authorize(capture_method=CaptureMethod.AUTOMATIC, currency="JPY", amount=1500)
        )
    )
    sent = body(request)
    assert "captureMode" not in sent and sent["amount"] == {"currency": "JPY", "value": "1500"}


def test_raw_cards_and_other_tokens_are_not_supported() -> None:
    card = Card(number=Secret("4543474002249996"), exp_month=12, exp_year=2034, cvc=Secret("123"))
    for pm in (card, Token(token="pm_123")):
        with pytest.raises(ServiceError) as err:
            CONNECTOR.build_authorize(ctx(), authorize(payment_method=pm))
        assert err.value.type is ErrorType.NOT_SUPPORTED
        assert err.value.field == "payment_method.type"


def test_mandate_charge_is_recurring_without_redirect() -> None:
    mandate = StoredMandate(ref=MandateRef("mollie-test", "mollie", MID, customer_id=CID))
    request = checked(
        CONNECTOR.build_authorize(
            ctx(), authorize(payment_method=mandate, capture_method=CaptureMethod.AUTOMATIC)
        )
    )
    sent = body(request)
    assert sent["sequenceType"] == "recurring" and sent["customerId"] == CID
    assert sent["mandateId"] == MID and "redirectUrl" not in sent and "cardToken" not in sent


def test_modification_requests() -> None:
    capture = checked(
        CONNECTOR.build_capture(ctx(), CaptureData(payment=pref(), amount=1500, reference="c1"))
    )
    assert (capture.method, capture.url) == ("POST", f"{BASE}/payments/{PID}/captures")
    assert body(capture) == {"amount": {"currency": "EUR", "value": "15.00"}, "description": "c1"}
    void = checked(CONNECTOR.build_void(ctx(), VoidData(payment=pref())))
    assert (void.method, void.url, void.body) == (
        "POST", f"{BASE}/payments/{PID}/release-authorization", None)  # fmt: skip
    refund = checked(
        CONNECTOR.build_refund(ctx(), RefundData(payment=pref(), amount=500, reference="r1"))
    )
    assert (refund.method, refund.url) == ("POST", f"{BASE}/payments/{PID}/refunds")
    assert body(refund) == {
        "amount": {"currency": "EUR", "value": "5.00"},
        "description": "r1",
        "metadata": {"reference": "r1"},
    }
    rsync = checked(CONNECTOR.build_refund_sync(
        ctx(), RefundSyncData(refund=RefundRef("mollie-test", "mollie", "re_4qqhO89gsT", PID,
                                               500, "EUR"))))  # fmt: skip
    assert (rsync.method, rsync.url) == ("GET", f"{BASE}/payments/{PID}/refunds/re_4qqhO89gsT")
    assert "Idempotency-Key" not in rsync.headers and rsync.idempotent
    sync = checked(CONNECTOR.build_sync(ctx(), SyncData(payment=pref())))
    assert (sync.method, sync.url) == ("GET", f"{BASE}/payments/{PID}")


def test_sync_without_a_gateway_id_is_not_supported() -> None:
    missing = PaymentRef("mollie-test", "mollie", "", 2000, "EUR", "manual")
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_sync(ctx(), SyncData(payment=missing))
    assert err.value.type is ErrorType.NOT_SUPPORTED


def test_the_fake_contract_refuses_undocumented_fields() -> None:
    request = CONNECTOR.build_authorize(ctx(), authorize())
    sent = body(request) | {"card_number": "4543474002249996"}
    bad = HttpRequest("POST", request.url, request.headers, json.dumps(sent).encode())
    with pytest.raises(SpecViolation):
        check_request(bad, BASE + "/")
    wrong_type = body(request) | {"amount": {"currency": "EUR", "value": 20}}
    with pytest.raises(SpecViolation):
        check_request(
            HttpRequest("POST", request.url, request.headers, json.dumps(wrong_type).encode()),
            BASE + "/",
        )


# --------------------------------------------------------------------------- parsing


def test_parse_authorized_paid_and_partially_captured() -> None:
    result = CONNECTOR.parse_authorize(
        ctx(), authorize(), response(201, fixture("payment_authorized"))
    )
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == PID
    assert result.amount == 2000 and result.reference == "order-12345"
    assert result.card is not None and (result.card.brand, result.card.last4) == ("visa", "9996")
    paid = CONNECTOR.parse_sync(
        ctx(), SyncData(payment=pref()), response(200, fixture("payment_paid"))
    )
    assert paid.status is PaymentStatus.CAPTURED and paid.amount_captured == 2000
    partial = CONNECTOR.parse_sync(
        ctx(), SyncData(payment=pref()), response(200, fixture("payment_paid_partially_captured"))
    )
    assert partial.status is PaymentStatus.PARTIALLY_CAPTURED and partial.amount_captured == 1500


def test_parse_3ds_redirect_then_complete() -> None:
    result = CONNECTOR.parse_authorize(
        ctx(), authorize(), response(201, fixture("payment_open_3ds"))
    )
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is not None and result.next_action.type == "redirect"
    assert result.next_action.url.startswith("https://www.mollie.com/checkout/")
    requests, done = drive(
        CONNECTOR, Flow.COMPLETE_AUTHORIZE, ctx(),
        CompleteAuthorizeData(payment=pref(), params={}),
        [response(200, fixture("payment_authorized"))],
    )  # fmt: skip
    assert requests[0].method == "GET" and requests[0].url == f"{BASE}/payments/{PID}"
    assert done.status is PaymentStatus.AUTHORIZED


def test_open_without_checkout_link_is_processing_never_success() -> None:
    doc = fixture("payment_open_3ds")
    del doc["_links"]["checkout"]
    result = CONNECTOR.parse_authorize(ctx(), authorize(), response(201, doc))
    assert (
        result.status is PaymentStatus.PROCESSING and result.pending_reason == "awaiting_customer"
    )


def test_declines_are_results() -> None:
    result = CONNECTOR.parse_authorize(ctx(), authorize(), response(201, fixture("payment_failed")))
    assert result.status is PaymentStatus.FAILED and result.failure is not None
    assert result.failure.code == "insufficient_funds" and result.failure.category == "soft"
    assert result.failure.gateway is not None
    assert result.failure.gateway.code == "insufficient_funds"
    expired = CONNECTOR.parse_sync(
        ctx(), SyncData(payment=pref()), response(200, fixture("payment_expired"))
    )
    assert expired.status is PaymentStatus.FAILED and expired.failure is not None
    assert expired.failure.code == "authentication_failed"


@pytest.mark.parametrize(
    ("reason", "code"),
    [("card_declined", "generic_decline"), ("possible_fraud", "fraud_suspected"),
     ("card_expired", "expired_card"), ("authentication_failed", "authentication_failed"),
     ("refused_by_issuer", "do_not_honor"), ("something_new", "generic_decline")],
)  # fmt: skip
def test_failure_reasons_map(reason: str, code: str) -> None:
    doc = fixture("payment_failed")
    doc["details"]["failureReason"] = reason
    result = CONNECTOR.parse_authorize(ctx(), authorize(), response(201, doc))
    assert result.failure is not None and result.failure.code == code


def test_decline_table_codes_are_unified_codes() -> None:
    assert set(DECLINE_MAP.values()) <= set(DeclineCode)
    assert DECLINE_MAP["insufficient_funds"] is DeclineCode.INSUFFICIENT_FUNDS


def test_unknown_status_is_processing_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="connector_service.connectors"):
        result = CONNECTOR.parse_sync(
            ctx(), SyncData(payment=pref()), response(200, fixture("payment_unknown_status"))
        )
    assert result.status is PaymentStatus.PROCESSING
    assert "unknown gateway status" in caplog.text
    assert "settled-somehow" not in PAYMENT_STATUS and "whatever" not in REFUND_STATUS


def test_capture_is_pending_then_read_back() -> None:
    data = CaptureData(payment=pref(), amount=1500, reference="c1")
    result = CONNECTOR.parse_capture(ctx(), data, response(201, fixture("capture_pending")))
    assert result.status is PaymentStatus.PROCESSING and result.pending_reason == "capture_pending"
    assert result.connector_payment_id == PID and result.meta["capture_id"].startswith("cpt_")
    done = CONNECTOR.parse_capture(ctx(), data, response(201, fixture("capture_succeeded")))
    assert done.status is PaymentStatus.PARTIALLY_CAPTURED and done.amount_captured == 1500


def test_void_is_accepted_then_read_back() -> None:
    result = CONNECTOR.parse_void(ctx(), VoidData(payment=pref()), response(202))
    assert result.status is PaymentStatus.PROCESSING and result.pending_reason == "void_pending"
    canceled = CONNECTOR.parse_sync(
        ctx(), SyncData(payment=pref()), response(200, fixture("payment_canceled"))
    )
    assert canceled.status is PaymentStatus.VOIDED


def test_refunds() -> None:
    data = RefundData(payment=pref(), amount=500, reference="r1")
    pending = CONNECTOR.parse_refund(ctx(), data, response(201, fixture("refund_pending")))
    assert pending.status is RefundStatus.PENDING and pending.amount == 500
    assert pending.connector_refund_id == "re_4qqhO89gsT" and pending.meta["payment_id"] == PID
    rref = RefundSyncData(
        refund=RefundRef("mollie-test", "mollie", "re_4qqhO89gsT", PID, 500, "EUR")
    )
    done = CONNECTOR.parse_refund_sync(ctx(), rref, response(200, fixture("refund_refunded")))
    assert done.status is RefundStatus.SUCCEEDED
    failed = CONNECTOR.parse_refund_sync(ctx(), rref, response(200, fixture("refund_failed")))
    assert failed.status is RefundStatus.FAILED and failed.failure is not None


# --------------------------------------------------------------------------- errors


def test_error_map() -> None:
    data = RefundData(payment=pref(), amount=5000, reference="r1")
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_refund(ctx(), data, response(422, fixture("error_422_amount")))
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == "amount"
    assert err.value.gateway is not None and err.value.gateway.http_status == 422
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_capture(
            ctx(), CaptureData(payment=pref(), amount=1, reference="c"),
            response(422, fixture("error_422_not_capturable")),
        )  # fmt: skip
    assert err.value.type is ErrorType.CONFLICT and err.value.code == "payment_not_capturable"
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_void(
            ctx(), VoidData(payment=pref()), response(422, fixture("error_422_not_capturable"))
        )
    assert err.value.code == "payment_not_voidable"
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_sync(ctx(), SyncData(payment=pref()), response(404, fixture("error_404")))
    assert err.value.type is ErrorType.NOT_FOUND
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_sync(ctx(), SyncData(payment=pref()), response(401, fixture("error_401")))
    assert err.value.code == "gateway_authentication_failed"


# --------------------------------------------------------------------------- mandates


def setup_data(amount: int = 0) -> MandateSetupData:
    return MandateSetupData(
        payment_method=Token(token=TOKEN),
        currency="EUR",
        amount=amount,
        customer=Customer(id="shopper-42", email="jane@example.com", name="Jane Shopper"),
        reference="mandate-1",
        return_url="https://shop.example/return",
    )


def test_mandate_setup_customer_first_payment_and_verification_refund() -> None:
    requests, mandate = drive(
        CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup_data(),
        [response(201, fixture("customer")), response(201, fixture("payment_first_paid")),
         response(201, fixture("refund_pending"))],
    )  # fmt: skip
    for request in requests:
        checked(request)
    assert [r.url for r in requests] == [
        f"{BASE}/customers", f"{BASE}/payments", f"{BASE}/payments/{PID}/refunds"]  # fmt: skip
    first = body(requests[1])
    assert first["sequenceType"] == "first" and first["customerId"] == CID
    assert first["amount"] == {"currency": "EUR", "value": "1.00"}
    assert len({r.headers["Idempotency-Key"] for r in requests}) == 3  # one key, one call
    assert mandate.status is MandateStatus.ACTIVE
    assert (mandate.connector_mandate_id, mandate.connector_customer_id) == (MID, CID)
    assert mandate.meta["verification_refund_id"] == "re_4qqhO89gsT"


def test_mandate_needing_3ds_is_pending_then_completed() -> None:
    _, pending = drive(
        CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup_data(1000),
        [response(201, fixture("customer")), response(201, fixture("payment_first_open"))],
    )  # fmt: skip
    assert pending.status is MandateStatus.PENDING and pending.connector_mandate_id is None
    assert pending.next_action is not None and pending.next_action.type == "redirect"
    ref = MandateRef("mollie-test", "mollie", "", customer_id=CID, meta=pending.meta)
    requests, done = drive(
        CONNECTOR, Flow.COMPLETE_MANDATE, ctx(), MandateCompleteData(mandate=ref, params={}),
        [response(200, fixture("payment_first_paid"))],
    )  # fmt: skip
    assert requests[0].url == f"{BASE}/payments/{PID}"
    assert done.status is MandateStatus.ACTIVE and done.connector_mandate_id == MID


def test_revoke_mandate() -> None:
    ref = MandateRef("mollie-test", "mollie", MID, customer_id=CID)
    request = checked(CONNECTOR.build_revoke_mandate(ctx(), MandateRevokeData(mandate=ref)))
    assert (request.method, request.url) == ("DELETE", f"{BASE}/customers/{CID}/mandates/{MID}")
    result = CONNECTOR.parse_revoke_mandate(ctx(), MandateRevokeData(mandate=ref), response(204))
    assert result.status is MandateStatus.REVOKED and result.connector_mandate_id == MID
    with pytest.raises(ServiceError):
        CONNECTOR.parse_revoke_mandate(
            ctx(), MandateRevokeData(mandate=ref), response(404, fixture("error_404"))
        )


# --------------------------------------------------------------------------- webhooks

HOOK = f"id={PID}".encode()


def test_webhook_is_verified_by_fetching_the_named_payment() -> None:
    verdict = CONNECTOR.webhook_verify(ctx(), {}, HOOK)
    assert isinstance(verdict, HttpRequest)
    assert (verdict.method, verdict.url) == ("GET", f"{BASE}/payments/{PID}?embed=refunds")
    assert verdict.headers["Authorization"] == f"Bearer {KEY}"
    assert CONNECTOR.parse_verify_webhook(ctx(), response(200, fixture("payment_paid"))) is True


@pytest.mark.parametrize(
    "case",
    ["tampered", "wrong key", "missing", "garbage", "two ids"],
)
def test_bad_webhooks_do_not_verify(case: str) -> None:
    if case == "tampered":  # an id the account cannot read
        assert CONNECTOR.parse_verify_webhook(ctx(), response(404, fixture("error_404"))) is False
    elif case == "wrong key":  # another account's key reads nothing of it
        assert CONNECTOR.parse_verify_webhook(ctx(), response(401, fixture("error_401"))) is False
    else:
        raw = {"missing": b"id=", "garbage": b"\xff\xfe", "two ids": HOOK + b"&id=tr_x"}[case]
        assert CONNECTOR.webhook_verify(ctx(), {}, raw) is False


def test_stale_has_no_meaning_but_an_outage_is_not_a_rejection() -> None:
    # No timestamp is signed: what is read is the payment's state *now*, never a replayed
    # old body. A Mollie outage must be retried (503), not answered "not verified".
    with pytest.raises(ServiceError):
        CONNECTOR.parse_verify_webhook(ctx(), response(503, {"status": 503}))


def test_webhook_event_from_the_fetched_payment() -> None:
    identity = CONNECTOR.webhook_identify({}, HOOK)
    assert identity.event_id == PID
    events = CONNECTOR.webhook_parse_fetched({}, HOOK, response(200, fixture("payment_paid")))
    (event,) = events
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.event_id == f"{PID}:paid:20.00:0.00:-"
    assert event.connector_payment_id == PID and event.amount == 2000
    assert event.payment is not None and event.payment.reference == "order-12345"
    later = CONNECTOR.webhook_parse_fetched(
        {}, HOOK, response(200, fixture("payment_paid_partially_captured"))
    )
    assert later[0].event_id != event.event_id  # a new state is a new event


def test_webhook_refuses_a_payment_that_is_not_the_one_named() -> None:
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse_fetched({}, b"id=tr_other1", response(200, fixture("payment_paid")))
    bad = fixture("payment_paid") | {"amount": {"currency": "EUR", "value": "20.001"}}
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse_fetched({}, HOOK, response(200, bad))
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse({}, HOOK)


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    before = (
        "> POST https://api.mollie.com/v2/payments\n"
        f"> Authorization: Bearer {KEY}\n"
        ">\n"
        f'{{"cardToken":"{TOKEN}","note":"key {KEY}","number":"4543474002249996","cvc":"123"}}'
    )
    after = (
        "> POST https://api.mollie.com/v2/payments\n"
        "> Authorization: [REDACTED]\n"
        ">\n"
        '{"cardToken":"[REDACTED]","note":"key [REDACTED]","number":"[CARD]","cvc":"[CVC]"}'
    )
    assert CONNECTOR.scrub(before) == after


def test_scrubbed_transcript_holds_no_key_or_token() -> None:
    request = CONNECTOR.build_authorize(ctx(), authorize())
    text = CONNECTOR.scrub(render_transcript(request, response(201, fixture("payment_open_3ds"))))
    assert KEY not in text and TOKEN not in text and PID in text


# --------------------------------------------------------------------------- metadata


def test_metadata() -> None:
    meta = CONNECTOR.meta
    assert meta.name == "mollie" and meta.secret_fields == ("api_key",)
    assert {f.value for f in meta.flows} == {
        "authorize", "complete_authorize", "capture", "void", "refund", "sync", "refund_sync",
        "setup_mandate", "complete_mandate", "revoke_mandate", "charge_mandate", "webhooks",
    }  # fmt: skip
    assert {m.value for m in meta.payment_methods} == {
        "token",
        "mandate",
        "apple_pay",
        "paypal",
        "ideal",
        "bancontact",
        "eps",
        "przelewy24",
        "sepa_debit",
        "klarna",
    }  # fmt: skip (the methods beyond cards: test_mollie_methods.py)


def test_setup_future_usage_makes_a_customer_and_a_first_payment() -> None:
    data = authorize(
        setup_future_usage=True, capture_method=CaptureMethod.AUTOMATIC,
        customer=Customer(email="jane@example.com"),
    )  # fmt: skip
    requests, result = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data,
        [response(201, fixture("customer")), response(201, fixture("payment_first_paid"))],
    )  # fmt: skip
    for request in requests:
        checked(request)
    assert [r.url for r in requests] == [f"{BASE}/customers", f"{BASE}/payments"]
    first = body(requests[1])
    assert first["sequenceType"] == "first" and first["customerId"] == CID
    assert first["cardToken"] == TOKEN
    assert result.status is PaymentStatus.CAPTURED
    assert result.mandate is not None and result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == MID
    assert result.mandate.connector_customer_id == CID
    _, pending = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data,
        [response(201, fixture("customer")), response(201, fixture("payment_first_open"))],
    )  # fmt: skip
    assert pending.status is PaymentStatus.REQUIRES_ACTION
    assert pending.mandate is not None and pending.mandate.status is MandateStatus.PENDING
    assert pending.mandate.meta["payment_id"] == PID


def test_webhook_refund_events_from_the_embedded_refunds() -> None:
    doc = fixture("payment_paid") | {
        "amountRefunded": {"value": "5.00", "currency": "EUR"},
        "_embedded": {"refunds": [fixture("refund_pending"),
                                  fixture("refund_refunded") | {"id": "re_2"}]},
    }  # fmt: skip
    events = CONNECTOR.webhook_parse_fetched({}, HOOK, response(200, doc))
    assert [e.type for e in events] == [
        WebhookEventType.PAYMENT_CAPTURED,
        WebhookEventType.REFUND_PENDING,
        WebhookEventType.REFUND_SUCCEEDED,
    ]
    assert [e.event_id for e in events[1:]] == ["re_4qqhO89gsT:pending", "re_2:refunded"]
    assert events[2].refund is not None and events[2].refund.amount == 500
    assert all(e.connector_payment_id == PID for e in events)
    bad = doc | {"_embedded": {"refunds": [fixture("refund_pending") | {
        "amount": {"value": "five", "currency": "EUR"}}]}}  # fmt: skip
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse_fetched({}, HOOK, response(200, bad))


def test_an_authorization_that_expired_is_released_not_declined() -> None:
    doc = fixture("payment_authorized") | {"status": "expired"}
    result = CONNECTOR.parse_sync(ctx(), SyncData(payment=pref()), response(200, doc))
    assert result.status is PaymentStatus.VOIDED and result.failure is None
