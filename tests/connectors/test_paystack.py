"""Paystack connector: contract (vendored spec, requests and fixtures), parsing, status,
error and decline tables, webhooks, scrub, metadata."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.paystack import (
    PAYMENT_STATUS,
    REFUND_STATUS,
    PaystackConnector,
)
from connector_service.domain.common import Customer
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
    VoidData,
    WebhookEventType,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import ApplePay, Card, Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from connector_service.testing.spec import SpecViolation, spec_path, validate_request
from tests.connectors.harness import drive, make_ctx, response

WALLET = ApplePay(token=Secret("apple-pay-token"))  # a method this connector does not take

CONNECTOR = PaystackConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "paystack"
SPEC = "paystack/paystack.yaml"
BASE = "https://api.paystack.co"
SECRET = "sk_test_" + "3b9f0c2d8e" * 4  # shaped like a key; only for these tests
PAN, CVC = "4084084084084081", "731"
REF = "cs-7f3a9c2e1b"
EMAIL = "ada@example.com"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(idempotency_key: str | None = "cs-0a1b2c3d4e", **options: str) -> Any:
    return make_ctx(
        CONNECTOR, {"secret_key": SECRET}, options, base_url=BASE, idempotency_key=idempotency_key
    )


def card() -> Card:
    return Card(number=Secret(PAN), exp_month=9, exp_year=2034, cvc=Secret(CVC))


def payment_ref(amount: int = 250000) -> PaymentRef:
    return PaymentRef(
        account="paystack-test",
        connector="paystack",
        connector_payment_id=REF,
        amount=amount,
        currency="NGN",
        capture_method="automatic",
    )


def mandate_ref(**meta: str) -> MandateRef:
    return MandateRef(
        account="paystack-test",
        connector="paystack",
        connector_mandate_id="AUTH_8dfhjjdt",
        customer_id="CUS_xnxdt6s1zg1f4nx",
        currency="NGN",
        meta={"email": EMAIL, "reference": REF, **meta},
    )


def authorize(pm: Any = None, **kw: Any) -> AuthorizeData:
    base: dict[str, Any] = {
        "amount": 250000,
        "currency": "NGN",
        "payment_method": pm or card(),
        "capture_method": CaptureMethod.AUTOMATIC,
        "reference": "ORD-1001",
        "customer": Customer(email=EMAIL),
        "metadata": {"order": "1001"},
    }
    return AuthorizeData(**(base | kw))


def setup() -> MandateSetupData:
    return MandateSetupData(
        payment_method=card(), currency="NGN", amount=0, customer=Customer(email=EMAIL),
        reference="MAND-1",
    )  # fmt: skip


REFUND_REF = RefundRef(
    account="paystack-test", connector="paystack", connector_refund_id="15581137",
    connector_payment_id=REF, amount=50000, currency="NGN",
)  # fmt: skip
FLOW_CASES: dict[str, tuple[Flow, Any]] = {
    "authorize_card": (Flow.AUTHORIZE, authorize()),
    "authorize_token": (Flow.AUTHORIZE, authorize(Token(token="AUTH_8dfhjjdt"))),
    "charge_mandate": (Flow.AUTHORIZE, authorize(StoredMandate(ref=mandate_ref()))),
    "submit_pin": (
        Flow.COMPLETE_AUTHORIZE,
        CompleteAuthorizeData(payment=payment_ref(), params={"pin": "1234"}),
    ),
    "submit_otp": (
        Flow.COMPLETE_AUTHORIZE,
        CompleteAuthorizeData(payment=payment_ref(), params={"otp": "123456"}),
    ),
    "submit_phone": (
        Flow.COMPLETE_AUTHORIZE,
        CompleteAuthorizeData(payment=payment_ref(), params={"phone": "08012345678"}),
    ),
    "submit_birthday": (
        Flow.COMPLETE_AUTHORIZE,
        CompleteAuthorizeData(payment=payment_ref(), params={"birthday": "1990-05-16"}),
    ),
    "submit_address": (
        Flow.COMPLETE_AUTHORIZE,
        CompleteAuthorizeData(
            payment=payment_ref(),
            params={
                "address": "140 N 2ND ST",
                "city": "Stroudsburg",
                "state": "PA",
                "zip_code": "18360",
            },
        ),
    ),
    "complete_after_redirect": (
        Flow.COMPLETE_AUTHORIZE,
        CompleteAuthorizeData(payment=payment_ref(), params={"reference": REF}),
    ),
    "sync": (Flow.SYNC, SyncData(payment=payment_ref())),
    "refund": (
        Flow.REFUND,
        RefundData(payment=payment_ref(), amount=50000, reference="RF-1", reason="damaged"),
    ),
    "refund_sync": (Flow.REFUND_SYNC, RefundSyncData(refund=REFUND_REF)),
    "setup_mandate": (Flow.SETUP_MANDATE, setup()),
    "complete_mandate": (
        Flow.COMPLETE_MANDATE,
        MandateCompleteData(mandate=mandate_ref(), params={"otp": "123456"}),
    ),
    "revoke_mandate": (Flow.REVOKE_MANDATE, MandateRevokeData(mandate=mandate_ref())),
}


def first_request(flow: Flow, context: Any, data: Any) -> HttpRequest:
    return next(CONNECTOR.steps(flow, context, data))


def body_of(request: HttpRequest) -> dict[str, Any]:
    return json.loads(request.body or b"{}")


# --------------------------------------------------------------------------- metadata


def test_meta_flows_match_implementation_and_capture_void_are_absent() -> None:
    flows = {f.value for f in CONNECTOR.meta.flows}
    assert flows == {
        "authorize", "complete_authorize", "sync", "refund", "refund_sync", "setup_mandate",
        "charge_mandate", "complete_mandate", "revoke_mandate", "webhooks",
    }  # fmt: skip
    assert CONNECTOR.meta.currencies == {"NGN", "GHS", "ZAR", "KES", "USD"}
    assert CONNECTOR.meta.secret_fields == ("secret_key",)


@pytest.mark.parametrize(
    "flow, data",
    [
        (Flow.CAPTURE, CaptureData(payment=payment_ref(), amount=100, reference="c")),
        (Flow.VOID, VoidData(payment=payment_ref())),
    ],
)
def test_capture_and_void_are_not_supported(flow: Flow, data: Any) -> None:
    with pytest.raises(ServiceError) as err:
        first_request(flow, ctx(), data)
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.code == "flow_not_supported"


def test_manual_capture_is_not_supported_before_any_request() -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx(), authorize(capture_method=CaptureMethod.MANUAL))
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "capture_method"


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("case", sorted(FLOW_CASES))
def test_every_request_matches_the_spec(case: str) -> None:
    flow, data = FLOW_CASES[case]
    request = first_request(flow, ctx(), data)
    validate_request(SPEC, request, BASE)
    assert request.headers["Authorization"] == f"Bearer {SECRET}"


def test_validator_catches_a_broken_request() -> None:
    request = first_request(Flow.REVOKE_MANDATE, ctx(), MandateRevokeData(mandate=mandate_ref()))
    broken = HttpRequest(request.method, request.url, request.headers, b'{"code": "AUTH_x"}')
    with pytest.raises(SpecViolation):
        validate_request(SPEC, broken, BASE)


def test_card_charge_body() -> None:
    request = first_request(Flow.AUTHORIZE, ctx(), authorize())
    assert request.url == f"{BASE}/charge" and request.idempotent
    assert body_of(request) == {
        "email": EMAIL,
        "amount": 250000,  # kobo: the minor unit, as sent to us
        "currency": "NGN",
        "reference": "cs-0a1b2c3d4e",  # the gateway idempotency key: Paystack's dedup key
        "metadata": {"order": "1001", "merchant_reference": "ORD-1001"},
        "card": {"number": PAN, "cvv": CVC, "expiry_month": "09", "expiry_year": "2034"},
    }


def test_without_an_idempotency_key_each_attempt_gets_a_new_reference() -> None:
    first = body_of(first_request(Flow.AUTHORIZE, ctx(None), authorize()))["reference"]
    second = body_of(first_request(Flow.AUTHORIZE, ctx(None), authorize()))["reference"]
    assert first != second and first.startswith("cs-")
    # Still safe to re-send as is: the same bytes carry the same reference, refused twice.
    assert first_request(Flow.AUTHORIZE, ctx(None), authorize()).idempotent


def test_mandate_charge_answer_reads_the_reference_from_string_metadata() -> None:
    flow, data = FLOW_CASES["charge_mandate"]
    answer = [response(200, fixture("charge_authorization_success"))]
    result = drive(CONNECTOR, flow, ctx(), data, answer)[1]
    assert result.status is PaymentStatus.CAPTURED and result.amount == 99900
    assert result.connector_payment_id == "cs-mit-55aa" and result.reference == "SUB-77"


def test_mandate_charge_uses_charge_authorization_with_string_metadata() -> None:
    request = first_request(Flow.AUTHORIZE, ctx(), authorize(StoredMandate(ref=mandate_ref())))
    body = body_of(request)
    assert request.url == f"{BASE}/transaction/charge_authorization"
    assert body["authorization_code"] == "AUTH_8dfhjjdt" and body["email"] == EMAIL
    assert json.loads(body["metadata"]) == {"order": "1001", "merchant_reference": "ORD-1001"}


@pytest.mark.parametrize(
    "data, code, field",
    [
        (authorize(customer=None), "missing_field", "customer.email"),
        (authorize(currency="EUR"), "currency_not_supported", "currency"),
        (authorize(WALLET), "payment_method_not_supported",
         "payment_method.type"),
    ],
)  # fmt: skip
def test_bad_authorize_input_names_the_field(data: AuthorizeData, code: str, field: str) -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx(), data)
    assert (err.value.code, err.value.field) == (code, field)


def test_continuation_routes_each_param_to_its_submit_call() -> None:
    paths = {
        case: first_request(flow, ctx(), data).url.removeprefix(BASE)
        for case, (flow, data) in FLOW_CASES.items()
        if flow is Flow.COMPLETE_AUTHORIZE
    }
    assert paths == {
        "submit_pin": "/charge/submit_pin", "submit_otp": "/charge/submit_otp",
        "submit_phone": "/charge/submit_phone", "submit_birthday": "/charge/submit_birthday",
        "submit_address": "/charge/submit_address",
        "complete_after_redirect": f"/transaction/verify/{REF}",
    }  # fmt: skip
    flow, data = FLOW_CASES["submit_pin"]
    assert body_of(first_request(flow, ctx(), data)) == {"reference": REF, "pin": "1234"}


def test_an_incomplete_address_names_the_missing_param() -> None:
    data = CompleteAuthorizeData(payment=payment_ref(), params={"address": "1 Road", "city": "X"})
    with pytest.raises(ServiceError) as err:
        first_request(Flow.COMPLETE_AUTHORIZE, ctx(), data)
    assert err.value.code == "missing_field" and err.value.field == "params.state"


# --------------------------------------------------------------------------- fixtures = spec


@functools.cache
def _spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(spec_path(SPEC).read_text())
    return loaded


FIXTURE_SCHEMAS = {
    "charge_success": "ChargeCreateResponse", "charge_declined": "ChargeCreateResponse",
    "charge_insufficient_funds": "ChargeCreateResponse",
    "charge_send_pin": "ChargeCreateResponse", "charge_send_otp": "ChargeCreateResponse",
    "charge_open_url": "ChargeCreateResponse", "charge_not_reusable": "ChargeCreateResponse",
    "verify_success": "VerifyResponse", "verify_abandoned": "VerifyResponse",
    "verify_3ds_failed": "VerifyResponse",
    "charge_authorization_success": "ChargeAuthorizationResponse",
    "refund_pending": "RefundCreateResponse", "refund_processed": "RefundFetchResponse",
    "refund_failed": "RefundFetchResponse",
    "deactivate_ok": "CustomerDeactivateAuthorizationResponse",
    "error_duplicate_reference": "TransactionInitializeBadRequestModel",
    "error_invalid_key": "Error", "error_not_found": "Error", "error_over_refund": "Error",
    "error_fully_reversed": "Error",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FIXTURE_SCHEMAS))
def test_fixture_matches_the_spec_response_schema(name: str) -> None:
    schema = {"$ref": f"#/components/schemas/{FIXTURE_SCHEMAS[name]}", **_spec()}
    errors = [e.message for e in OAS30Validator(schema).iter_errors(fixture(name))]
    assert errors == []


def test_every_api_fixture_is_checked() -> None:
    names = {p.stem for p in FIXTURES.glob("*.json") if not p.stem.startswith("webhook_")}
    assert names == set(FIXTURE_SCHEMAS)


def test_a_fixture_off_the_schema_is_caught() -> None:
    broken = fixture("charge_success")
    broken["data"]["amount"] = "2500.00"
    schema = {"$ref": "#/components/schemas/ChargeCreateResponse", **_spec()}
    assert list(OAS30Validator(schema).iter_errors(broken))


# --------------------------------------------------------------------------- parsers


def parse_authorize(name: str, data: AuthorizeData | None = None, status: int = 200) -> Any:
    return drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data or authorize(),
                 [response(status, fixture(name))])[1]  # fmt: skip


def test_successful_charge_is_captured_with_card_and_ids() -> None:
    result = parse_authorize("charge_success")
    assert result.status is PaymentStatus.CAPTURED
    assert result.connector_payment_id == REF
    assert result.amount == result.amount_captured == 250000
    assert result.card.last4 == "4081" and result.card.brand == "visa"
    assert result.card.exp_month == 12 and result.card.exp_year == 2034
    assert result.meta == {"transaction_id": "4099260516"}
    assert result.reference == "ORD-1001"


def test_store_card_on_a_charge_returns_the_authorization_as_mandate() -> None:
    result = parse_authorize("charge_success", authorize(setup_future_usage=True))
    assert result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == "AUTH_8dfhjjdt"
    assert result.mandate.meta["email"] == EMAIL


@pytest.mark.parametrize(
    "name, ask",
    [("charge_send_pin", {"pin": ""}), ("charge_send_otp", {"otp": ""})],
)
def test_continuations_await_the_customer(name: str, ask: dict[str, str]) -> None:
    result = parse_authorize(name)
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action.type == "await_customer" and result.next_action.form == ask


def test_open_url_is_a_redirect() -> None:
    result = parse_authorize("charge_open_url")
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action.type == "redirect"
    assert result.next_action.url == "https://standard.paystack.co/bank/3ds/cs-7f3a9c2e1b"


def test_complete_after_redirect_reads_the_outcome() -> None:
    flow, data = FLOW_CASES["complete_after_redirect"]
    ok = drive(CONNECTOR, flow, ctx(), data, [response(200, fixture("verify_success"))])[1]
    assert ok.status is PaymentStatus.CAPTURED
    failed = drive(CONNECTOR, flow, ctx(), data, [response(200, fixture("verify_3ds_failed"))])[1]
    assert failed.status is PaymentStatus.FAILED
    assert failed.failure.code == "authentication_failed"


def test_sync_of_an_unknown_reference_is_unresolved_and_abandoned_is_pending() -> None:
    flow, data = FLOW_CASES["sync"]
    gone = drive(CONNECTOR, flow, ctx(), data, [response(404, fixture("error_not_found"))])[1]
    assert gone.status is PaymentStatus.UNRESOLVED
    waiting = drive(CONNECTOR, flow, ctx(), data, [response(200, fixture("verify_abandoned"))])[1]
    assert waiting.status is PaymentStatus.PROCESSING
    assert waiting.pending_reason == "awaiting_customer"


def test_unknown_status_is_processing_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    body = fixture("verify_success")
    body["data"]["status"] = "brand_new_status"
    flow, data = FLOW_CASES["sync"]
    with caplog.at_level(logging.WARNING):
        result = drive(CONNECTOR, flow, ctx(), data, [response(200, body)])[1]
    assert result.status is PaymentStatus.PROCESSING
    assert any(getattr(r, "status", None) == "brand_new_status" for r in caplog.records), (
        caplog.records
    )


@pytest.mark.parametrize("raw", sorted(PAYMENT_STATUS))
def test_every_mapped_status_parses(raw: str) -> None:
    body = fixture("verify_success")
    body["data"]["status"] = raw
    if raw == "open_url":
        body["data"]["url"] = "https://standard.paystack.co/bank/3ds/x"
    flow, data = FLOW_CASES["sync"]
    result = drive(CONNECTOR, flow, ctx(), data, [response(200, body)])[1]
    expected = PAYMENT_STATUS[raw]
    if raw == "pay_offline":
        expected = PaymentStatus.REQUIRES_ACTION
    assert result.status is expected and result.connector_status == raw


def test_refund_is_pending_then_synced() -> None:
    flow, data = FLOW_CASES["refund"]
    refund = drive(CONNECTOR, flow, ctx(), data, [response(200, fixture("refund_pending"))])[1]
    assert refund.status is RefundStatus.PENDING and refund.connector_refund_id == "15581137"
    assert refund.amount == 50000 and refund.meta == {"payment_reference": REF}
    flow, data = FLOW_CASES["refund_sync"]
    done = drive(CONNECTOR, flow, ctx(), data, [response(200, fixture("refund_processed"))])[1]
    assert done.status is RefundStatus.SUCCEEDED and done.amount == 50000
    failed = drive(CONNECTOR, flow, ctx(), data, [response(200, fixture("refund_failed"))])[1]
    assert failed.status is RefundStatus.FAILED and failed.failure is not None


def test_refund_status_table_has_no_unknowns() -> None:
    assert set(REFUND_STATUS) == {
        "pending", "processing", "needs-attention", "processed", "failed", "reversed"
    }  # fmt: skip


def test_setup_mandate_charges_then_refunds_the_verification() -> None:
    requests, mandate = drive(
        CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup(),
        [response(200, fixture("charge_success")), response(200, fixture("refund_pending"))],
    )  # fmt: skip
    assert [r.url.removeprefix(BASE) for r in requests] == ["/charge", "/refund"]
    assert body_of(requests[0])["amount"] == 5000  # NGN 50.00 verification charge
    assert body_of(requests[1]) == {
        "transaction": REF, "merchant_note": "card verification for a stored mandate"
    }  # fmt: skip
    for request in requests:
        validate_request(SPEC, request, BASE)
    assert mandate.status is MandateStatus.ACTIVE
    assert mandate.connector_mandate_id == "AUTH_8dfhjjdt"
    assert mandate.connector_customer_id == "CUS_xnxdt6s1zg1f4nx"
    assert mandate.meta == {"reference": REF, "email": EMAIL, "verification_refund_id": "15581137"}


def test_setup_mandate_whose_verification_refund_fails_stays_active_without_refund_id() -> None:
    """The card is stored either way; the unrefunded verification charge shows as no
    ``verification_refund_id`` (the operator refunds it by its reference)."""
    _, mandate = drive(
        CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup(),
        [response(200, fixture("charge_success")), response(400, fixture("error_over_refund"))],
    )  # fmt: skip
    assert mandate.status is MandateStatus.ACTIVE
    assert "verification_refund_id" not in mandate.meta and mandate.meta["reference"] == REF


def test_setup_mandate_not_reusable_fails_and_continuation_is_pending() -> None:
    _, failed = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup(),
                      [response(200, fixture("charge_not_reusable"))])  # fmt: skip
    assert failed.status is MandateStatus.FAILED and failed.connector_mandate_id is None
    _, pending = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup(),
                       [response(200, fixture("charge_send_otp"))])  # fmt: skip
    assert pending.status is MandateStatus.PENDING
    assert pending.next_action.type == "await_customer" and pending.meta["reference"] == REF


def test_revoke_mandate() -> None:
    flow, data = FLOW_CASES["revoke_mandate"]
    result = drive(CONNECTOR, flow, ctx(), data, [response(200, fixture("deactivate_ok"))])[1]
    assert result.status is MandateStatus.REVOKED
    assert result.connector_mandate_id == "AUTH_8dfhjjdt"


# --------------------------------------------------------------------------- decline / error maps


@pytest.mark.parametrize(
    "gateway_response, code, category",
    [
        ("Declined", "generic_decline", "soft"),
        ("Insufficient Funds", "insufficient_funds", "soft"),
        ("Do Not Honor", "do_not_honor", "soft"),
        ("Expired Card", "expired_card", "hard"),
        ("Lost Card", "lost_card", "hard"),
        ("Stolen Card", "stolen_card", "hard"),
        ("Incorrect PIN", "incorrect_pin", "soft"),
        ("Invalid OTP", "authentication_failed", "hard"),
        ("Transaction Not Permitted To Cardholder", "transaction_not_allowed", "hard"),
        ("Something the issuer made up", "generic_decline", "soft"),
    ],
)
def test_decline_table(gateway_response: str, code: str, category: str) -> None:
    body = fixture("charge_declined")
    body["data"]["gateway_response"] = gateway_response
    result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(), [response(200, body)])[1]
    assert result.status is PaymentStatus.FAILED
    assert result.failure.code == code, result.failure
    assert result.failure.category == category, result.failure
    assert result.failure.gateway.message == gateway_response


def test_a_decline_answered_with_400_is_still_a_result() -> None:
    body = fixture("charge_declined")
    body["status"] = False
    result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(), [response(400, body)])[1]
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id == REF


@pytest.mark.parametrize(
    "case, status, name, etype, code, field",
    [
        ("refund_sync", 400, "error_duplicate_reference", ErrorType.CONFLICT,
         "duplicate_reference", "reference"),
        ("authorize_card", 401, "error_invalid_key", ErrorType.CONNECTOR,
         "gateway_authentication_failed", None),
        ("refund", 400, "error_over_refund", ErrorType.INVALID_REQUEST, "invalid_amount",
         "amount"),
        ("refund", 400, "error_fully_reversed", ErrorType.CONFLICT, "payment_not_refundable",
         None),
        ("refund_sync", 404, "error_not_found", ErrorType.NOT_FOUND, "payment_not_found", None),
    ],
)  # fmt: skip
def test_error_table(
    case: str, status: int, name: str, etype: ErrorType, code: str, field: str | None
) -> None:
    flow, data = FLOW_CASES[case]
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, flow, ctx(), data, [response(status, fixture(name))])
    assert (err.value.type, err.value.code, err.value.field) == (etype, code, field)
    assert err.value.gateway is not None and err.value.gateway.http_status == status


def test_a_duplicate_reference_on_charge_reads_the_first_attempt() -> None:
    """Paystack's dedup refuses the reference twice; the retry's answer is the first
    attempt's outcome, read with verify (never a second charge, never a 409)."""
    requests, result = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(),
        [response(400, fixture("error_duplicate_reference")),
         response(200, fixture("verify_success"))],
    )  # fmt: skip
    assert [r.method for r in requests] == ["POST", "GET"]
    assert requests[1].url == f"{BASE}/transaction/verify/cs-0a1b2c3d4e"
    validate_request(SPEC, requests[1], BASE)
    assert result.status is PaymentStatus.CAPTURED and result.connector_payment_id == REF


def test_sync_without_a_gateway_reference_is_not_supported() -> None:
    unknown = PaymentRef(
        account="paystack-test", connector="paystack", connector_payment_id="", amount=1,
        currency="NGN", capture_method="automatic", meta={"reference": "ORD-1001"},
    )  # fmt: skip
    with pytest.raises(ServiceError) as err:
        first_request(Flow.SYNC, ctx(), SyncData(payment=unknown))
    assert err.value.type is ErrorType.NOT_SUPPORTED and "webhook" in err.value.message


def test_an_unknown_error_is_typed_by_http_status() -> None:
    flow, data = FLOW_CASES["refund"]
    body = {"status": False, "message": "Something new went wrong"}
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, flow, ctx(), data, [response(503, body)])
    assert err.value.type is ErrorType.CONNECTOR
    assert err.value.gateway.message == "Something new went wrong"


# --------------------------------------------------------------------------- webhooks


def raw_webhook(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def signed(body: bytes, key: str = SECRET) -> dict[str, str]:
    return {"x-paystack-signature": hmac.new(key.encode(), body, hashlib.sha512).hexdigest()}


def verify(headers: dict[str, str], body: bytes) -> bool:
    result = CONNECTOR.webhook_verify(ctx(), headers, body)
    assert isinstance(result, bool)
    return result


def test_webhook_signature_good_tampered_wrong_secret_missing() -> None:
    body = raw_webhook("webhook_charge_success")
    assert verify(signed(body), body)
    assert verify({"x-paystack-signature": signed(body)["x-paystack-signature"].upper()}, body)
    assert not verify(signed(body), body.replace(b"250000", b"250001", 1))  # tampered
    assert not verify(signed(body, SECRET + "x"), body)  # wrong secret
    assert not verify({}, body)  # missing
    assert not verify({"x-paystack-signature": ""}, body)
    no_key = make_ctx(CONNECTOR, {}, {}, base_url=BASE)
    assert CONNECTOR.webhook_verify(no_key, signed(body), body) is False


def test_webhook_scheme_signs_no_timestamp_so_stale_is_the_event_id() -> None:
    """Nothing in the signature dates it: a replayed old delivery verifies. What keeps
    a stale replay harmless is the event id (the same delivery is stored once, checked
    by the conformance webhook test) and that state only moves forward."""
    body = raw_webhook("webhook_charge_success")
    old = signed(body)
    assert verify(old, body) and verify(old, body)
    first = CONNECTOR.webhook_identify(old, body).event_id
    assert first == "charge.success:4099260516"
    assert CONNECTOR.webhook_identify(old, body).event_id == first


def test_webhook_charge_success() -> None:
    [event] = CONNECTOR.webhook_parse({}, raw_webhook("webhook_charge_success"))
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.connector_payment_id == REF and event.amount == 250000
    assert event.payment.status is PaymentStatus.CAPTURED
    assert event.payment.reference == "ORD-1001"


def test_webhook_refund_processed() -> None:
    [event] = CONNECTOR.webhook_parse({}, raw_webhook("webhook_refund_processed"))
    assert event.type is WebhookEventType.REFUND_SUCCEEDED
    assert event.event_id == "refund.processed:15581137"
    assert event.connector_payment_id == REF
    assert event.refund.status is RefundStatus.SUCCEEDED
    assert event.refund.connector_refund_id == "15581137" and event.refund.amount == 50000


def test_webhook_dispute_create() -> None:
    [event] = CONNECTOR.webhook_parse({}, raw_webhook("webhook_dispute_create"))
    assert event.type is WebhookEventType.DISPUTE_OPENED
    assert event.dispute.status is DisputeStatus.NEEDS_RESPONSE
    assert event.dispute.connector_payment_id == REF
    assert event.dispute.connector_dispute_id == "358950"


def test_webhook_unknown_and_broken() -> None:
    body = json.dumps({"event": "subscription.create", "data": {"id": 9}}).encode()
    [event] = CONNECTOR.webhook_parse({}, body)
    assert event.type is WebhookEventType.UNKNOWN and event.payment is None
    for broken in (b"[]", b"{}", b'{"event": "charge.success"}', b"not json"):
        with pytest.raises(ServiceError):
            CONNECTOR.webhook_parse({}, broken)
    bad_amount = json.dumps({"event": "charge.success", "data": {"id": 1, "amount": "25.00",
                                                                  "currency": "NGN"}})  # fmt: skip
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse({}, bad_amount.encode())


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    before = (
        "> POST https://api.paystack.co/charge/submit_pin\n"
        f"> Authorization: Bearer {SECRET}\n"
        ">\n"
        f'{{"reference":"{REF}","pin":"1234"}}\n'
        f'{{"reference":"{REF}","otp":"123456"}}\n'
        f'{{"card":{{"number":"{PAN}","cvv":"{CVC}","expiry_month":"09"}}}}\n'
        f"key {SECRET} in a message; form pin=1234&otp=654321\n"
        '{"authorization_code":"AUTH_8dfhjjdt","last4":"4081"}'
    )
    after = (
        "> POST https://api.paystack.co/charge/submit_pin\n"
        "> Authorization: [REDACTED]\n"
        ">\n"
        f'{{"reference":"{REF}","pin":"[REDACTED]"}}\n'
        f'{{"reference":"{REF}","otp":"[REDACTED]"}}\n'
        '{"card":{"number":"[REDACTED]","cvv":"[REDACTED]","expiry_month":"09"}}\n'
        "key [REDACTED] in a message; form pin=[REDACTED]&otp=[REDACTED]\n"
        '{"authorization_code":"AUTH_8dfhjjdt","last4":"4081"}'
    )
    assert CONNECTOR.scrub(before) == after


def test_no_secret_survives_any_flow_transcript() -> None:
    secrets = [PAN, CVC, SECRET, '"1234"', '"123456"']
    for case, (flow, data) in FLOW_CASES.items():
        request = first_request(flow, ctx(), data)
        text = CONNECTOR.scrub(render_transcript(request, response(200, fixture("charge_success"))))
        for secret in secrets:
            assert secret not in text, (case, secret)
