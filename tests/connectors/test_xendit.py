"""Xendit connector: built requests (checked against the fake's contract), parsed
fixtures, status / decline / error maps, webhooks (token + read-back), scrub, metadata.
The official SDK comparisons are in test_xendit_sdk.py."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.xendit import (
    DECLINE_MAP,
    PAYMENT_STATUS,
    XenditConnector,
)
from connector_service.domain.common import (
    Address,
    AwaitCustomer,
    Customer,
    DisplayBankTransfer,
    DisplayQr,
    RedirectAction,
)
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
    WebhookEventType,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import (
    Card,
    Ewallet,
    PromptPay,
    Qris,
    Token,
    VirtualAccount,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from connector_service.testing.fakes.xendit import check_request
from connector_service.testing.spec import SpecViolation
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = XenditConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "xendit"
BASE = "https://api.xendit.co"
# shaped like Xendit's documented sample key: base64-like, with "+", "/" and "=="
KEY = "xnd_development_" + "O46JfOtygef9kMNsK+ZPGT/ZZ9b3ooF4w3Dn+R1k2fT/7GlCAN3jg=="
TOKEN = "cbt-unit-" + "7c1b2a3f4e5d6c7b8a9f"
PR = "pr-1fdaf346-dd2e-4b6c-b938-124c7167a822"
PM = "pm-6ff0b6f2-f5de-457f-b08f-bc98fbae485a"
RFD = "rfd-6f4a8b9d-93d2-4a83-8f76-1e3c2b1f0a55"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def raw(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def ctx(idempotency_key: str | None = "idem-123", **options: str) -> Any:
    return make_ctx(
        CONNECTOR,
        {"secret_key": KEY, "webhook_token": TOKEN},
        options,
        base_url=BASE,
        idempotency_key=idempotency_key,
    )


def body(request: HttpRequest) -> Any:
    return json.loads(request.body) if request.body else None


def checked(request: HttpRequest) -> HttpRequest:
    """The request meets the contract the fake enforces (the SDK's models)."""
    check_request(request, BASE + "/", KEY)
    return request


def card(number: str = "4111111111111111", cvc: str | None = "123") -> Card:
    return Card(
        number=Secret(number),
        exp_month=3,
        exp_year=2031,
        cvc=Secret(cvc) if cvc else None,
        holder_name="Juan Dela Cruz",
    )


def authorize(**kw: Any) -> AuthorizeData:
    fields: dict[str, Any] = {
        "amount": 1500050,
        "currency": "PHP",
        "payment_method": card(),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "order-1042",
        "return_url": "https://shop.example/return",
    } | kw
    return AuthorizeData(**fields)


def pref(amount: int = 1500050, currency: str = "PHP", capture: str = "manual") -> PaymentRef:
    return PaymentRef("xendit-test", "xendit", PR, amount, currency, capture)


def mref() -> MandateRef:
    return MandateRef(account="xendit-test", connector="xendit", connector_mandate_id=PM)


# --------------------------------------------------------------------------- requests


def test_authorize_request() -> None:
    request = checked(CONNECTOR.build_authorize(ctx(), authorize()))
    assert request.method == "POST" and request.url == f"{BASE}/payment_requests"
    assert request.headers["Authorization"].startswith("Basic ")
    assert request.headers["idempotency-key"] == "idem-123" and request.idempotent
    assert body(request) == {
        "reference_id": "order-1042",
        "amount": 15000.5,
        "currency": "PHP",
        "capture_method": "MANUAL",
        "payment_method": {
            "type": "CARD",
            "reusability": "ONE_TIME_USE",
            "card": {
                "channel_properties": {
                    "skip_three_d_secure": False,
                    "success_return_url": "https://shop.example/return",
                    "failure_return_url": "https://shop.example/return",
                },
                "card_information": {
                    "card_number": "4111111111111111",
                    "expiry_month": "03",
                    "expiry_year": "2031",
                    "cardholder_name": "Juan Dela Cruz",
                },
            },
        },
        "channel_properties": {"cvv": "123"},
    }


def test_automatic_capture_and_whole_rupiah() -> None:
    request = checked(
        CONNECTOR.build_authorize(
            ctx(None),
            authorize(amount=1000000, currency="IDR", capture_method=CaptureMethod.AUTOMATIC),
        )
    )
    sent = body(request)
    assert sent["capture_method"] == "AUTOMATIC" and sent["amount"] == 10000
    assert isinstance(sent["amount"], int) and "idempotency-key" not in request.headers
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), authorize(amount=1000050, currency="IDR"))
    assert err.value.code == "amount_precision_not_supported" and err.value.field == "amount"


def test_other_methods_and_setup_future_usage_are_not_supported() -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), authorize(payment_method=Token(token="tok_123")))
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "payment_method.type"
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), authorize(setup_future_usage=True))
    assert err.value.field == "setup_future_usage"
    pm = checked(CONNECTOR.build_authorize(ctx(), authorize(payment_method=Token(token=PM))))
    assert body(pm)["payment_method_id"] == PM and "payment_method" not in body(pm)


def test_mandate_charge_is_merchant_initiated() -> None:
    data = authorize(
        payment_method=StoredMandate(ref=mref()), capture_method=CaptureMethod.AUTOMATIC
    )
    request = checked(CONNECTOR.build_authorize(ctx(), data))
    sent = body(request)
    assert sent["payment_method_id"] == PM and sent["initiator"] == "MERCHANT"
    assert sent["channel_properties"] == {"cardonfile_type": "MERCHANT_UNSCHEDULED"}
    assert request.flow == Flow.CHARGE_MANDATE.value


def test_modification_requests() -> None:
    capture = checked(
        CONNECTOR.build_capture(ctx(), CaptureData(payment=pref(), amount=1000025, reference="c1"))
    )
    assert capture.url == f"{BASE}/payment_requests/{PR}/captures"
    assert body(capture) == {"capture_amount": 10000.25, "reference_id": "c1"}
    refund = checked(
        CONNECTOR.build_refund(
            ctx(), RefundData(payment=pref(), amount=250050, reference="r1", reason="duplicate")
        )
    )
    assert refund.url == f"{BASE}/refunds"
    assert body(refund) == {
        "payment_request_id": PR,
        "reference_id": "r1",
        "amount": 2500.5,
        "currency": "PHP",
        "reason": "DUPLICATE",
    }
    other = CONNECTOR.build_refund(
        ctx(), RefundData(payment=pref(), amount=1, reference="r2", reason="changed my mind")
    )
    assert body(other)["reason"] == "OTHERS"
    rsync = checked(
        CONNECTOR.build_refund_sync(
            ctx(), RefundSyncData(refund=RefundRef("a", "xendit", RFD, PR, 250050, "PHP"))
        )
    )
    assert rsync.method == "GET" and rsync.url == f"{BASE}/refunds/{RFD}" and rsync.body is None


def test_for_user_id_reaches_the_header() -> None:
    request = CONNECTOR.build_authorize(ctx(for_user_id="5f27a14a9bf05c73dd040bc9"), authorize())
    assert request.headers["for-user-id"] == "5f27a14a9bf05c73dd040bc9"


def test_the_fake_contract_refuses_unknown_fields_and_bad_auth() -> None:
    good = CONNECTOR.build_capture(ctx(), CaptureData(payment=pref(), amount=100, reference="c"))
    bad = HttpRequest("POST", good.url, good.headers, b'{"capture_amount":1,"amount":1}')
    with pytest.raises(SpecViolation):
        check_request(bad, BASE + "/")
    wrong_type = HttpRequest("POST", good.url, good.headers, b'{"capture_amount":"1"}')
    with pytest.raises(SpecViolation):
        check_request(wrong_type, BASE + "/")
    bearer = HttpRequest("POST", good.url, {"Authorization": f"Bearer {KEY}"}, good.body)
    with pytest.raises(SpecViolation):
        check_request(bearer, BASE + "/")


# --------------------------------------------------------------------------- parsers


def test_parse_authorized_and_captured() -> None:
    result = CONNECTOR.parse_authorize(
        ctx(), authorize(), response(201, fixture("payment_request_awaiting_capture"))
    )
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == PR
    assert result.amount == 1500050 and result.reference == "order-1042"
    assert result.card is not None and result.card.last4 == "1111"
    assert result.card.brand == "visa" and result.card.exp_year == 2030
    paid = CONNECTOR.parse_authorize(
        ctx(), authorize(), response(201, fixture("payment_request_succeeded"))
    )
    assert paid.status is PaymentStatus.CAPTURED and paid.amount_captured == 1500050


def test_sync_reads_the_captures_of_a_manual_payment() -> None:
    done = fixture("payment_request_awaiting_capture") | {"status": "SUCCEEDED"}
    requests, result = drive(
        CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref()),
        [response(200, done), response(200, fixture("captures_list"))],
    )  # fmt: skip
    assert [r.url for r in requests] == [
        f"{BASE}/payment_requests/{PR}",
        f"{BASE}/payment_requests/{PR}/captures",
    ]
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED
    assert result.amount_captured == 1000025
    requests, result = drive(
        CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref(capture="automatic")),
        [response(200, fixture("payment_request_succeeded"))],
    )  # fmt: skip
    assert len(requests) == 1 and result.status is PaymentStatus.CAPTURED


def test_sync_without_a_gateway_id_looks_the_reference_up() -> None:
    ref = PaymentRef("xendit-test", "xendit", "", 1500050, "PHP", "manual",
                     meta={"reference": "order-1042"})  # fmt: skip
    requests, result = drive(
        CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref),
        [response(200, fixture("payment_requests_by_reference"))],
    )  # fmt: skip
    assert checked(requests[0]).url == f"{BASE}/payment_requests?reference_id=order-1042&limit=10"
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == PR
    _, none = drive(
        CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref),
        [response(200, fixture("payment_requests_none"))],
    )  # fmt: skip
    assert none.status is PaymentStatus.UNRESOLVED and none.connector_payment_id is None
    bare = PaymentRef("xendit-test", "xendit", "", 100, "PHP", "manual")
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=bare), [])
    assert err.value.field is not None


def test_parse_3ds_redirect_then_complete() -> None:
    result = CONNECTOR.parse_authorize(
        ctx(), authorize(), response(201, fixture("payment_request_requires_action"))
    )
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action is not None and result.next_action.type == "redirect"
    assert result.next_action.url == fixture("payment_request_requires_action")["actions"][0]["url"]
    data = CompleteAuthorizeData(payment=pref(), params={})
    request = CONNECTOR.build_complete_authorize(ctx(), data)
    assert request.method == "GET" and request.url == f"{BASE}/payment_requests/{PR}"
    done = CONNECTOR.parse_complete_authorize(
        ctx(), data, response(200, fixture("payment_request_awaiting_capture"))
    )
    assert done.status is PaymentStatus.AUTHORIZED


def test_requires_action_without_an_auth_url_is_processing_never_success() -> None:
    doc = fixture("payment_request_requires_action") | {"actions": []}
    result = CONNECTOR.parse_authorize(ctx(), authorize(), response(201, doc))
    assert result.status is PaymentStatus.PROCESSING and result.next_action is None


def test_declines_are_results() -> None:
    result = CONNECTOR.parse_authorize(
        ctx(), authorize(), response(201, fixture("payment_request_failed"))
    )
    assert result.status is PaymentStatus.FAILED and result.failure is not None
    assert result.failure.code == DeclineCode.INSUFFICIENT_FUNDS
    assert result.failure.gateway is not None
    assert result.failure.gateway.code == "INSUFFICIENT_BALANCE"
    as_error = CONNECTOR.parse_authorize(
        ctx(), authorize(), response(400, fixture("error_declined"))
    )
    assert as_error.status is PaymentStatus.FAILED and as_error.failure is not None
    assert as_error.failure.code == DeclineCode.GENERIC_DECLINE


@pytest.mark.parametrize(
    ("raw_code", "code"),
    [("CARD_DECLINED", "generic_decline"), ("EXPIRED_CARD", "expired_card"),
     ("INVALID_CVV", "incorrect_cvc"), ("STOLEN_CARD", "stolen_card"),
     ("SUSPECTED_FRAUDULENT", "fraud_suspected"), ("AUTHENTICATION_FAILED",
     "authentication_failed"), ("INACTIVE_OR_UNAUTHORIZED_CARD", "restricted_card"),
     ("DECLINED_BY_ISSUER", "do_not_honor"), ("SOMETHING_ELSE", "generic_decline")],
)  # fmt: skip
def test_failure_codes_map(raw_code: str, code: str) -> None:
    doc = fixture("payment_request_failed") | {"failure_code": raw_code}
    result = CONNECTOR.parse_authorize(ctx(), authorize(), response(201, doc))
    assert result.failure is not None and result.failure.code == code


def test_decline_table_codes_are_unified_codes() -> None:
    assert all(isinstance(code, DeclineCode) for code in DECLINE_MAP.values())


def test_every_sdk_status_is_mapped_and_none_unknown_is_success(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sdk_statuses = {"PENDING", "REQUIRES_ACTION", "CANCELED", "SUCCEEDED", "FAILED", "VOIDED",
                    "UNKNOWN", "AWAITING_CAPTURE", "EXPIRED"}  # fmt: skip
    assert set(PAYMENT_STATUS) == sdk_statuses
    assert PAYMENT_STATUS["UNKNOWN"] is PaymentStatus.PROCESSING
    with caplog.at_level(logging.WARNING, logger="connector_service.connectors"):
        result = CONNECTOR.parse_complete_authorize(
            ctx(),
            CompleteAuthorizeData(payment=pref(), params={}),
            response(200, fixture("payment_request_unknown_status")),
        )
    assert result.status is PaymentStatus.PROCESSING
    assert "unknown gateway status" in caplog.text


def test_partial_capture() -> None:
    result = CONNECTOR.parse_capture(
        ctx(),
        CaptureData(payment=pref(), amount=1000025, reference="c"),
        response(200, fixture("capture_partial")),
    )
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED
    assert result.amount_captured == 1000025 and result.amount == 1500050
    assert result.meta["capture_id"].startswith("cptr-")


def test_refunds() -> None:
    data = RefundData(payment=pref(), amount=250050, reference="r1")
    done = CONNECTOR.parse_refund(ctx(), data, response(201, fixture("refund_succeeded")))
    assert done.status is RefundStatus.SUCCEEDED and done.amount == 250050
    assert done.connector_refund_id == RFD
    sync = RefundSyncData(refund=RefundRef("a", "xendit", RFD, PR, 250050, "PHP"))
    pending = CONNECTOR.parse_refund_sync(ctx(), sync, response(200, fixture("refund_pending")))
    assert pending.status is RefundStatus.PENDING and pending.pending_reason == "refund_pending"
    failed = CONNECTOR.parse_refund_sync(ctx(), sync, response(200, fixture("refund_failed")))
    assert failed.status is RefundStatus.FAILED and failed.failure is not None


def test_error_map() -> None:
    data = RefundData(payment=pref(), amount=9_999_999, reference="r1")
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_refund(ctx(), data, response(400, fixture("error_over_refund")))
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == "amount"
    assert (
        err.value.gateway is not None and err.value.gateway.code == "MAXIMUM_REFUND_AMOUNT_REACHED"
    )
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_capture(
            ctx(), CaptureData(payment=pref(), amount=1, reference="c"),
            response(400, fixture("error_over_capture")),
        )  # fmt: skip
    assert err.value.code == "invalid_amount" and err.value.field == "amount"
    ineligible = {"error_code": "INELIGIBLE_TRANSACTION", "message": "cannot refund"}
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_refund(ctx(), data, response(400, ineligible))
    assert err.value.type is ErrorType.CONFLICT and err.value.code == "payment_not_refundable"
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref()),
              [response(404, fixture("error_not_found"))])  # fmt: skip
    assert err.value.type is ErrorType.NOT_FOUND
    unauthorized = {"error_code": "INVALID_API_KEY", "message": "API key format is invalid"}
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref()),
              [response(401, unauthorized)])  # fmt: skip
    assert err.value.code == "gateway_authentication_failed"
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref()),
              [response(500, fixture("error_server"))])  # fmt: skip
    assert err.value.type is not ErrorType.INVALID_REQUEST


# --------------------------------------------------------------------------- mandates


def setup_data(number: str = "4111111111111111") -> MandateSetupData:
    return MandateSetupData(
        payment_method=card(number),
        currency="PHP",
        amount=0,
        customer=Customer(email="juan@example.com"),
        reference="mandate-7",
        return_url="https://shop.example/return",
    )


def test_mandate_setup_is_a_reusable_payment_method() -> None:
    request = checked(CONNECTOR.build_setup_mandate(ctx(), setup_data()))
    assert request.url == f"{BASE}/v2/payment_methods"
    sent = body(request)
    assert sent["reusability"] == "MULTIPLE_USE" and sent["type"] == "CARD"
    assert sent["card"]["card_information"]["cvv"] == "123"
    assert sent["card"]["currency"] == "PHP"
    result = CONNECTOR.parse_setup_mandate(
        ctx(), setup_data(), response(201, fixture("payment_method_active"))
    )
    assert result.status is MandateStatus.ACTIVE and result.connector_mandate_id == PM
    assert result.card is not None and result.card.last4 == "1111"


def test_mandate_needing_3ds_is_pending_then_completed() -> None:
    pending = CONNECTOR.parse_setup_mandate(
        ctx(), setup_data(), response(201, fixture("payment_method_requires_action"))
    )
    assert pending.status is MandateStatus.PENDING and pending.next_action is not None
    data = MandateCompleteData(mandate=mref(), params={})
    request = CONNECTOR.build_complete_mandate(ctx(), data)
    assert request.method == "GET" and request.url == f"{BASE}/v2/payment_methods/{PM}"
    done = CONNECTOR.parse_complete_mandate(
        ctx(), data, response(200, fixture("payment_method_active"))
    )
    assert done.status is MandateStatus.ACTIVE
    failed = CONNECTOR.parse_setup_mandate(
        ctx(), setup_data(), response(201, fixture("payment_method_failed"))
    )
    assert failed.status is MandateStatus.FAILED and failed.failure is not None
    assert failed.failure.code == DeclineCode.EXPIRED_CARD


def test_revoke_mandate() -> None:
    data = MandateRevokeData(mandate=mref())
    request = checked(CONNECTOR.build_revoke_mandate(ctx(), data))
    assert request.url == f"{BASE}/v2/payment_methods/{PM}/expire" and body(request) == {}
    result = CONNECTOR.parse_revoke_mandate(
        ctx(), data, response(200, fixture("payment_method_expired"))
    )
    assert result.status is MandateStatus.REVOKED
    with pytest.raises(ServiceError):
        CONNECTOR.parse_revoke_mandate(ctx(), data, response(200, fixture("payment_method_active")))


# --------------------------------------------------------------------------- webhooks


def test_webhook_identify_needs_no_secret() -> None:
    identity = CONNECTOR.webhook_identify({}, raw("callback_payment_succeeded"))
    assert identity.event_id == (
        "payment.succeeded:py-7a5c1e3b-2fd8-4d35-9b1e-2a7c1e0d9f34:SUCCEEDED"
    )
    assert CONNECTOR.webhook_identify({}, b"not json").event_id is None


def test_a_good_token_verifies_by_reading_the_named_object() -> None:
    request = CONNECTOR.webhook_verify(
        ctx(), {"x-callback-token": TOKEN}, raw("callback_payment_succeeded")
    )
    assert isinstance(request, HttpRequest) and request.method == "GET"
    assert request.url == f"{BASE}/payment_requests/{PR}"
    refund = CONNECTOR.webhook_verify(
        ctx(), {"x-callback-token": TOKEN}, raw("callback_refund_succeeded")
    )
    assert isinstance(refund, HttpRequest) and refund.url == f"{BASE}/refunds/{RFD}"
    good = response(200, fixture("payment_request_succeeded"))
    assert CONNECTOR.parse_verify_webhook(ctx(), good) is True
    assert CONNECTOR.parse_verify_webhook(ctx(), response(404, fixture("error_not_found"))) is False


def test_a_good_token_on_garbage_verifies_then_is_a_400() -> None:
    """The token proves the sender, not the content: garbage is refused when parsed."""
    for garbage in (b"not json", b"[]", b'{"event": "payment.succeeded"}',
                    b'{"event": "payment.succeeded", "data": {"id": "py-1"}}'):  # fmt: skip
        assert CONNECTOR.webhook_verify(ctx(), {"x-callback-token": TOKEN}, garbage) is True
        with pytest.raises(ServiceError) as err:
            CONNECTOR.webhook_parse({}, garbage)
        assert err.value.code == "invalid_webhook" and err.value.http_status == 400
    other = b'{"event": "invoice.paid", "data": {"id": "inv-1", "status": "PAID"}}'
    [event] = CONNECTOR.webhook_parse({}, other)
    assert event.type is WebhookEventType.UNKNOWN


@pytest.mark.parametrize("case", ["wrong token", "missing", "no account token", "not an event"])
def test_bad_webhooks_do_not_verify(case: str) -> None:
    headers = {"x-callback-token": TOKEN}
    body_ = raw("callback_payment_succeeded")
    context = ctx()
    if case == "wrong token":
        headers = {"x-callback-token": TOKEN + "x"}
    elif case == "missing":
        headers = {}
    elif case == "no account token":
        context = make_ctx(CONNECTOR, {"secret_key": KEY}, base_url=BASE)
    else:  # garbage with a wrong token
        body_, headers = b'{"event": "payment.succeeded"}', {"x-callback-token": "nope"}
    assert CONNECTOR.webhook_verify(context, headers, body_) is False


def test_a_tampered_id_is_not_this_accounts_object() -> None:
    """The token binds no body: changing the id is caught by the read-back (404)."""
    tampered = raw("callback_payment_succeeded").replace(PR.encode(), b"pr-00000000-forged", 1)
    request = CONNECTOR.webhook_verify(ctx(), {"x-callback-token": TOKEN}, tampered)
    assert isinstance(request, HttpRequest) and "pr-00000000-forged" in request.url
    assert CONNECTOR.parse_verify_webhook(ctx(), response(404, fixture("error_not_found"))) is False
    with pytest.raises(ServiceError):
        CONNECTOR.parse_verify_webhook(ctx(), response(503, fixture("error_server")))


def test_webhook_events() -> None:
    events = CONNECTOR.webhook_parse_fetched(
        {}, raw("callback_payment_succeeded"), response(200, fixture("payment_request_succeeded"))
    )
    assert len(events) == 1
    event = events[0]
    assert event.type is WebhookEventType.PAYMENT_CAPTURED and event.connector_payment_id == PR
    assert event.amount == 1500050 and event.currency == "PHP"
    fetched = CONNECTOR.webhook_parse_fetched(
        {}, raw("callback_payment_succeeded"),
        response(200, fixture("payment_request_awaiting_capture")),
    )  # fmt: skip
    # the state read wins over what the (unsigned) body says
    assert fetched[0].type is WebhookEventType.PAYMENT_AUTHORIZED
    assert fetched[0].payment is not None and fetched[0].payment.status is PaymentStatus.AUTHORIZED
    refund = CONNECTOR.webhook_parse_fetched(
        {}, raw("callback_refund_succeeded"), response(200, fixture("refund_pending"))
    )
    assert refund[0].type is WebhookEventType.REFUND_PENDING
    assert refund[0].refund is not None and refund[0].connector_payment_id == PR


def test_webhook_refuses_an_object_that_is_not_the_one_named() -> None:
    other = fixture("payment_request_succeeded") | {"id": "pr-someone-else"}
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse_fetched({}, raw("callback_payment_succeeded"), response(200, other))
    assert err.value.code == "invalid_webhook"


@pytest.mark.parametrize(
    "doc",
    [[], {"event": "payment.succeeded"}, {"event": "", "data": {"id": "x"}},
     {"event": "payment.succeeded", "data": {"id": "py-1", "amount": "10", "currency": "PHP"}},
     {"event": "payment.succeeded", "data": {"id": "py-1", "amount": 1, "currency": "XXQ"}}],
)  # fmt: skip
def test_malformed_callbacks_are_400s_naming_the_field(doc: Any) -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse({}, json.dumps(doc).encode())
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.code == "invalid_webhook"


@pytest.mark.parametrize(("field", "value"), [("amount", "abc"), ("amount", -5), ("amount", 1.505),
                                              ("currency", "XYZ"), ("currency", 42)])  # fmt: skip
def test_a_named_callback_with_garbage_money_is_a_400_even_read_back(
    field: str, value: Any
) -> None:
    doc = fixture("callback_payment_succeeded")
    doc["data"][field] = value
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse_fetched(
            {}, json.dumps(doc).encode(), response(200, fixture("payment_request_succeeded"))
        )
    assert err.value.code == "invalid_webhook" and err.value.field == f"data.{field}"


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    basic = CONNECTOR.build_authorize(ctx(), authorize()).headers["Authorization"]
    before = (
        "> POST https://api.xendit.co/payment_requests\n"
        f"> Authorization: {basic}\n"
        f"> x-callback-token: {TOKEN}\n"
        ">\n"
        f'{{"card_number":"4111111111111111","cvv":"123","note":"key {KEY}",'
        '"expiry_month":"03","mobile_number": "+628123456789"}'
    )
    after = (
        "> POST https://api.xendit.co/payment_requests\n"
        "> Authorization: [REDACTED]\n"
        "> x-callback-token: [REDACTED]\n"
        ">\n"
        '{"card_number":"[CARD]","cvv":"[CVC]","note":"key [REDACTED]","expiry_month":"03",'
        '"mobile_number": "[REDACTED]"}'
    )
    assert CONNECTOR.scrub(before) == after


def test_scrubbed_transcript_holds_no_card_or_key() -> None:
    request = CONNECTOR.build_authorize(ctx(), authorize())
    answer = response(201, fixture("payment_request_awaiting_capture"))
    text = CONNECTOR.scrub(render_transcript(request, answer))
    assert KEY not in text and "4111111111111111" not in text and '"cvv": "123"' not in text
    assert PR in text


# --------------------------------------------------------------------------- metadata


def test_metadata() -> None:
    meta = CONNECTOR.meta
    assert meta.name == "xendit" and meta.secret_fields == ("secret_key", "webhook_token")
    assert {f.value for f in meta.flows} == {
        "authorize", "complete_authorize", "capture", "refund", "sync", "refund_sync",
        "setup_mandate", "complete_mandate", "revoke_mandate", "charge_mandate", "webhooks",
    }  # fmt: skip
    assert {m.value for m in meta.payment_methods} == {
        "card", "token", "mandate", "qris", "promptpay", "ewallet", "virtual_account",
    }  # fmt: skip
    assert meta.idempotency == "idempotency-key header"


def test_void_is_not_supported_without_a_gateway_call() -> None:
    from connector_service.domain.flows import VoidData

    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=pref()), [])
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.code == "flow_not_supported"


# ------------------------------------------------------- QR codes, e-wallets, virtual accounts


def channel(pm: Any, amount: int = 5000000, currency: str = "IDR", **kw: Any) -> AuthorizeData:
    return authorize(payment_method=pm, amount=amount, currency=currency,
                     capture_method=CaptureMethod.AUTOMATIC, **kw)  # fmt: skip


def test_qris_request_is_a_one_time_qr_code_with_its_expiry() -> None:
    sent = body(checked(CONNECTOR.build_authorize(ctx(), channel(Qris(expires_after_seconds=900)))))
    assert "capture_method" not in sent and sent["amount"] == 50000
    assert sent["payment_method"]["type"] == "QR_CODE"
    assert sent["payment_method"]["reusability"] == "ONE_TIME_USE"
    qr = sent["payment_method"]["qr_code"]
    assert qr["channel_code"] == "QRIS" and qr["channel_properties"]["expires_at"].endswith("Z")
    plain = body(CONNECTOR.build_authorize(ctx(), channel(Qris())))
    assert plain["payment_method"]["qr_code"] == {"channel_code": "QRIS"}
    prompt = body(checked(CONNECTOR.build_authorize(ctx(), channel(PromptPay(), 35000, "THB"))))
    assert prompt["payment_method"]["qr_code"] == {"channel_code": "PROMPTPAY"}
    assert prompt["amount"] == 350


def test_expiries_are_instants_that_far_from_now() -> None:
    """Xendit takes an instant: ``expires_after_*`` is added to the clock when the request
    is built (bounded by the clock read before and after, no timing involved)."""
    import calendar
    import time

    def instant(text: str) -> int:
        return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))

    before = int(time.time())
    qr = body(CONNECTOR.build_authorize(ctx(), channel(Qris(expires_after_seconds=900))))
    pm = VirtualAccount(bank="BNI", account_holder_name="A B", expires_after_days=3)
    va = body(CONNECTOR.build_authorize(ctx(), channel(pm)))
    after = int(time.time()) + 1
    at = instant(qr["payment_method"]["qr_code"]["channel_properties"]["expires_at"])
    assert before + 900 <= at <= after + 900
    at = instant(va["payment_method"]["virtual_account"]["channel_properties"]["expires_at"])
    assert before + 3 * 86400 <= at <= after + 3 * 86400


def test_qris_pending_is_a_qr_to_display_then_captured() -> None:
    doc = fixture("payment_request_qris_pending")
    result = CONNECTOR.parse_authorize(ctx(), channel(Qris()), response(201, doc))
    assert result.status is PaymentStatus.REQUIRES_ACTION
    action = result.next_action
    assert isinstance(action, DisplayQr)
    props = doc["payment_method"]["qr_code"]["channel_properties"]
    assert action.payload == props["qr_string"] and action.expires_at == props["expires_at"]
    assert action.image is None and action.url == ""
    paid = CONNECTOR.parse_complete_authorize(
        ctx(), CompleteAuthorizeData(payment=pref(), params={}),
        response(200, fixture("payment_request_qris_succeeded")),
    )  # fmt: skip
    assert paid.status is PaymentStatus.CAPTURED and paid.amount_captured == 5000000
    assert paid.next_action is None
    expired = doc | {"status": "EXPIRED"}
    gone = CONNECTOR.parse_authorize(ctx(), channel(Qris()), response(200, expired))
    assert gone.status is PaymentStatus.FAILED and gone.next_action is None


def test_a_qr_code_without_its_string_is_processing_never_success() -> None:
    doc = fixture("payment_request_qris_pending")
    doc["payment_method"]["qr_code"]["channel_properties"] = None
    result = CONNECTOR.parse_authorize(ctx(), channel(Qris()), response(201, doc))
    assert result.status is PaymentStatus.PROCESSING and result.next_action is None


def test_ewallet_request_maps_the_provider_and_return_urls() -> None:
    sent = body(checked(CONNECTOR.build_authorize(
        ctx(), channel(Ewallet(provider="gcash"), 25050, "PHP"))))  # fmt: skip
    wallet = sent["payment_method"]["ewallet"]
    assert sent["payment_method"]["type"] == "EWALLET" and wallet["channel_code"] == "GCASH"
    assert wallet["channel_properties"] == {
        "success_return_url": "https://shop.example/return",
        "failure_return_url": "https://shop.example/return",
    }
    assert sent["amount"] == 250.5
    ovo = body(checked(CONNECTOR.build_authorize(
        ctx(), channel(Ewallet(provider="ovo", phone="+628123456789")))))  # fmt: skip
    assert ovo["payment_method"]["ewallet"] == {
        "channel_code": "OVO", "channel_properties": {"mobile_number": "+628123456789"},
    }  # fmt: skip


@pytest.mark.parametrize(
    ("provider", "currency"),
    [("gcash", "IDR"), ("ovo", "PHP"), ("momo", "IDR"), ("truemoney", "PHP")],
)
def test_an_ewallet_in_a_currency_xendit_does_not_take_it_in_is_refused(
    provider: str, currency: str
) -> None:
    pm = Ewallet(provider=provider, phone="+628123456789")  # type: ignore[arg-type]
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), channel(pm, 100000, currency))
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "currency"


def test_every_ewallet_provider_is_an_sdk_channel_code() -> None:
    from connector_service.connectors.xendit import EWALLETS
    from connector_service.domain.payment_methods import EwalletProvider
    from connector_service.testing.fakes.xendit import EWALLET_CHANNELS

    assert set(EWALLETS) == set(EwalletProvider.__args__)  # type: ignore[attr-defined]
    assert {code for code, _ in EWALLETS.values()} <= EWALLET_CHANNELS


def test_ewallet_answers_redirect_or_wait_for_the_app() -> None:
    doc = fixture("payment_request_ewallet_requires_action")
    result = CONNECTOR.parse_authorize(
        ctx(), channel(Ewallet(provider="gcash")), response(201, doc)
    )
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert isinstance(result.next_action, RedirectAction)
    assert result.next_action.url == doc["actions"][0]["url"]  # WEB before the DEEPLINK
    deeplink_only = doc | {"actions": doc["actions"][1:]}
    app = CONNECTOR.parse_authorize(ctx(), channel(Ewallet(provider="gcash")),
                                    response(201, deeplink_only))  # fmt: skip
    assert isinstance(app.next_action, RedirectAction)
    assert app.next_action.url.startswith("gcash://")
    ovo = CONNECTOR.parse_authorize(
        ctx(), channel(Ewallet(provider="ovo", phone="+628123456789")),
        response(201, fixture("payment_request_ovo_pending")),
    )  # fmt: skip
    assert ovo.status is PaymentStatus.REQUIRES_ACTION
    assert isinstance(ovo.next_action, AwaitCustomer) and "OVO" in (ovo.next_action.message or "")
    failed = doc | {"status": "FAILED", "failure_code": "USER_DID_NOT_AUTHORIZE_THE_PAYMENT"}
    declined = CONNECTOR.parse_authorize(ctx(), channel(Ewallet(provider="gcash")),
                                         response(200, failed))  # fmt: skip
    assert declined.status is PaymentStatus.FAILED and declined.failure is not None
    assert declined.failure.code == DeclineCode.AUTHENTICATION_FAILED


def test_virtual_account_request_names_the_holder() -> None:
    pm = VirtualAccount(bank="bca", account_holder_name="Toko Jenny", expires_after_days=2)
    sent = body(checked(CONNECTOR.build_authorize(ctx(), channel(pm))))
    va = sent["payment_method"]["virtual_account"]
    assert sent["payment_method"]["type"] == "VIRTUAL_ACCOUNT" and va["channel_code"] == "BCA"
    assert va["channel_properties"]["customer_name"] == "Toko Jenny"
    assert va["channel_properties"]["expires_at"].endswith("Z")
    by_customer = body(
        CONNECTOR.build_authorize(
            ctx(), channel(VirtualAccount(bank="BNI"), customer=Customer(name="Ahmad Gunawan"))
        )
    )
    assert by_customer["payment_method"]["virtual_account"]["channel_properties"] == {
        "customer_name": "Ahmad Gunawan"
    }
    by_billing = body(
        CONNECTOR.build_authorize(
            ctx(),
            channel(
                VirtualAccount(bank="BRI"), billing=Address(first_name="Siti", last_name="Rahayu")
            ),
        )
    )
    assert by_billing["payment_method"]["virtual_account"]["channel_properties"] == {
        "customer_name": "Siti Rahayu"}  # fmt: skip


def test_virtual_account_without_a_name_or_at_an_unknown_bank_is_a_4xx() -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), channel(VirtualAccount(bank="BCA")))
    assert err.value.code == "missing_field"
    assert err.value.field == "payment_method.account_holder_name"
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(
            ctx(), channel(VirtualAccount(bank="HDFC", account_holder_name="A B"))
        )
    assert err.value.field == "payment_method.bank" and "BCA" in err.value.message
    with pytest.raises(ServiceError) as err:  # a Vietnamese bank, rupiah
        CONNECTOR.build_authorize(
            ctx(), channel(VirtualAccount(bank="BIDV", account_holder_name="A B"))
        )
    assert err.value.field == "payment_method.bank"


def test_virtual_account_pending_is_a_bank_transfer_to_display() -> None:
    doc = fixture("payment_request_va_pending")
    pm = VirtualAccount(bank="BCA", account_holder_name="Toko Jenny")
    result = CONNECTOR.parse_authorize(ctx(), channel(pm), response(201, doc))
    assert result.status is PaymentStatus.REQUIRES_ACTION
    action = result.next_action
    props = doc["payment_method"]["virtual_account"]["channel_properties"]
    assert isinstance(action, DisplayBankTransfer)
    assert (action.bank, action.account_number) == ("BCA", props["virtual_account_number"])
    assert action.account_holder_name == "Toko Jenny" and action.expires_at == props["expires_at"]
    assert action.url == ""
    paid = CONNECTOR.parse_authorize(
        ctx(), channel(pm), response(200, doc | {"status": "SUCCEEDED"})
    )
    assert paid.status is PaymentStatus.CAPTURED and paid.next_action is None


def test_a_channel_payment_needs_no_capture_read_on_sync() -> None:
    doc = fixture("payment_request_qris_succeeded")
    requests, result = drive(
        CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref(5000000, "IDR", "automatic")),
        [response(200, doc)],
    )  # fmt: skip
    assert len(requests) == 1 and result.status is PaymentStatus.CAPTURED


def test_the_fake_contract_refuses_a_channel_payment_with_a_card_field() -> None:
    request = CONNECTOR.build_authorize(ctx(), channel(Qris()))
    doc = body(request)
    doc["payment_method"]["card"] = {"channel_properties": {}}
    bad = HttpRequest(request.method, request.url, request.headers, json.dumps(doc).encode())
    with pytest.raises(SpecViolation):
        check_request(bad, BASE + "/", KEY)
    doc = body(request) | {"capture_method": "MANUAL"}
    manual = HttpRequest(request.method, request.url, request.headers, json.dumps(doc).encode())
    with pytest.raises(SpecViolation):
        check_request(manual, BASE + "/", KEY)
