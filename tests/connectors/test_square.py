"""Square connector: contract (every built request against the vendored spec, fixtures
against its response schemas), parsing, status, error and decline tables, idempotency
keys, webhooks, scrub, metadata."""

from __future__ import annotations

import base64
import copy
import functools
import hashlib
import hmac
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.square import (
    CARD_STATUS,
    DECLINE_MAP,
    PAYMENT_STATUS,
    REFUND_STATUS,
    SquareConnector,
)
from connector_service.domain.common import Address, Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
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
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from connector_service.testing.fakes.square import SPEC, SquareFake, fix_spec
from connector_service.testing.spec import SpecViolation, spec_path, validate_request
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = SquareConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "square"
BASE = "https://connect.squareupsandbox.com"
TOKEN = "EAAA" + "l3Xq9ZsT0b" * 6  # shaped like a Square access token; only for these tests
SIGNATURE_KEY = "w8Hc2kQ4pZ1vN7yR5tL0aA"
HOOK_URL = "https://shop.example/hooks/square"
NONCE = "cnon:card-nonce-ok"
PID = "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY"
RID = f"{PID}_KkAkhdMsgzn59SM8A89WgKwekxLZY"
CARD_ID = "ccof:uIbfJXhXETSP197M3GB"
CUSTOMER_ID = "JDKYHBWT1D4F8MFH63DBMEN8Y4"
KEY = "cs-" + "0a1b2c3d4e" * 4  # the shape of the service's gateway key (43 characters)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(idempotency_key: str | None = KEY, **options: str) -> Any:
    creds = {"access_token": TOKEN, "webhook_signature_key": SIGNATURE_KEY}
    opts = {"webhook_notification_url": HOOK_URL, **options}
    return make_ctx(CONNECTOR, creds, opts, base_url=BASE, idempotency_key=idempotency_key)


def payment_ref(amount: int = 2000, capture: str = "manual") -> PaymentRef:
    return PaymentRef(
        account="square-test", connector="square", connector_payment_id=PID, amount=amount,
        currency="USD", capture_method=capture,
    )  # fmt: skip


def mandate_ref() -> MandateRef:
    return MandateRef(
        account="square-test", connector="square", connector_mandate_id=CARD_ID,
        customer_id=CUSTOMER_ID, currency="USD", meta={"customer_id": CUSTOMER_ID},
    )  # fmt: skip


def authorize(pm: Any = None, **kw: Any) -> AuthorizeData:
    base: dict[str, Any] = {
        "amount": 2000,
        "currency": "USD",
        "payment_method": pm or Token(token=NONCE),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "ORD-1001",
        "customer": Customer(email="jane@example.com"),
        "description": "order 1001",
    }
    return AuthorizeData(**(base | kw))


def setup(pm: Any = None, customer: Customer | None = None) -> MandateSetupData:
    return MandateSetupData(
        payment_method=pm or Token(token=NONCE), currency="USD", amount=0,
        customer=customer or Customer(id="shopper-42", email="jane@example.com",
                                      name="Jane Shopper"),
        reference="MAND-1",
    )  # fmt: skip


REFUND_REF = RefundRef(
    account="square-test", connector="square", connector_refund_id=RID,
    connector_payment_id=PID, amount=500, currency="USD",
)  # fmt: skip
ADDRESS = Address(line1="1 Main St", city="San Francisco", state="CA", postal_code="94103",
                  country="US", first_name="Jane", last_name="Shopper")  # fmt: skip

# Every request of every flow, with the answers that lead to the next one.
FLOW_CASES: dict[str, tuple[Flow, Any, list[str]]] = {
    "authorize_nonce": (
        Flow.AUTHORIZE,
        authorize(billing=ADDRESS, shipping=ADDRESS, statement_descriptor="SHOP 1001"),
        ["payment_approved"],
    ),
    "purchase": (
        Flow.AUTHORIZE,
        authorize(capture_method=CaptureMethod.AUTOMATIC),
        ["payment_completed"],
    ),
    "charge_mandate": (
        Flow.AUTHORIZE,
        authorize(StoredMandate(ref=mandate_ref())),
        ["payment_completed"],
    ),
    "capture_full": (
        Flow.CAPTURE,
        CaptureData(payment=payment_ref(), amount=2000, reference="c"),
        ["payment_completed"],
    ),
    "capture_partial": (
        Flow.CAPTURE,
        CaptureData(payment=payment_ref(), amount=1500, reference="c"),
        ["payment_updated_down", "payment_completed_partial"],
    ),
    "void": (Flow.VOID, VoidData(payment=payment_ref()), ["payment_canceled"]),
    "sync": (Flow.SYNC, SyncData(payment=payment_ref()), ["payment_approved"]),
    "refund": (
        Flow.REFUND,
        RefundData(payment=payment_ref(), amount=500, reference="RF-1", reason="damaged"),
        ["refund_pending"],
    ),
    "refund_sync": (Flow.REFUND_SYNC, RefundSyncData(refund=REFUND_REF), ["refund_completed"]),
    "setup_mandate": (Flow.SETUP_MANDATE, setup(), ["customer_created", "card_created"]),
    "setup_mandate_known_customer": (
        Flow.SETUP_MANDATE,
        setup(Token(token=NONCE, customer_id=CUSTOMER_ID)),
        ["card_created"],
    ),
    "revoke_mandate": (
        Flow.REVOKE_MANDATE,
        MandateRevokeData(mandate=mandate_ref()),
        ["card_disabled"],
    ),
}


def run(case: str, context: Any = None) -> tuple[list[HttpRequest], Any]:
    flow, data, answers = FLOW_CASES[case]
    return drive(CONNECTOR, flow, context or ctx(), data,
                 [response(200, fixture(a)) for a in answers])  # fmt: skip


def body_of(request: HttpRequest) -> dict[str, Any]:
    return json.loads(request.body or b"{}")


# --------------------------------------------------------------------------- metadata


def test_meta() -> None:
    flows = {f.value for f in CONNECTOR.meta.flows}
    assert flows == {
        "authorize", "capture", "void", "sync", "refund", "refund_sync", "setup_mandate",
        "charge_mandate", "revoke_mandate", "webhooks",
    }  # fmt: skip
    assert "complete_authorize" not in flows  # SCA is in the browser: no redirect to complete
    assert {m.value for m in CONNECTOR.meta.payment_methods} == {"token", "mandate"}
    assert CONNECTOR.meta.secret_fields == ("access_token", "webhook_signature_key")
    assert CONNECTOR.meta.base_url_test == BASE
    assert CONNECTOR.meta.base_url_live == "https://connect.squareup.com"


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("case", sorted(FLOW_CASES))
def test_every_request_of_every_flow_matches_the_spec(case: str) -> None:
    fake = SquareFake()  # its check(): the spec, unknown fields, Square-Version, key length
    fake.base_url = BASE
    requests, _ = run(case)
    for request in requests:
        fake.check(request)
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers["Square-Version"] == "2025-08-20"


def test_the_fake_catches_a_broken_request() -> None:
    fake = SquareFake()
    fake.base_url = BASE
    [request], _ = run("authorize_nonce")
    body = body_of(request)
    for broken in ({**body, "source": NONCE}, {**body, "idempotency_key": "k" * 46},
                   {k: v for k, v in body.items() if k != "source_id"},
                   {**body, "amount_money": {"amount": "20.00", "currency": "USD"}}):  # fmt: skip
        bad = HttpRequest("POST", request.url, request.headers, json.dumps(broken).encode())
        with pytest.raises(SpecViolation):
            fake.check(bad)
    no_version = {k: v for k, v in request.headers.items() if k != "Square-Version"}
    with pytest.raises(SpecViolation):
        fake.check(HttpRequest("POST", request.url, no_version, request.body))
    with pytest.raises(SpecViolation):  # a path the spec does not have
        validate_request(SPEC, HttpRequest("POST", f"{BASE}/v2/charges", {}, b"{}"), BASE)


@functools.cache
def _components(events: bool = False) -> dict[str, Any]:
    """The schemas the fake validates with; for webhook events (no API path reaches
    them, so the repaired spec drops them) the published document's own."""
    spec = json.loads(spec_path(SPEC).read_text())
    if not events:
        fix_spec(spec)
    return {"components": spec["components"]}


FIXTURE_SCHEMAS = {
    "payment_approved": "CreatePaymentResponse", "payment_completed": "CreatePaymentResponse",
    "payment_completed_partial": "CompletePaymentResponse",
    "payment_updated_down": "UpdatePaymentResponse",
    "payment_canceled": "CancelPaymentResponse", "payment_declined": "CreatePaymentResponse",
    "payment_completed_refunded": "GetPaymentResponse",
    "error_cvv_no_payment": "CreatePaymentResponse",
    "refund_pending": "RefundPaymentResponse", "refund_completed": "GetPaymentRefundResponse",
    "refund_rejected": "GetPaymentRefundResponse",
    "customer_created": "CreateCustomerResponse", "card_created": "CreateCardResponse",
    "card_disabled": "DisableCardResponse", "error_unauthorized": "CreatePaymentResponse",
    "error_refund_amount_invalid": "RefundPaymentResponse",
    "error_not_completable": "CompletePaymentResponse",
    "error_idempotency_key_reused": "CreatePaymentResponse",
    "error_not_found": "GetPaymentResponse", "error_card_declined_on_file": "CreateCardResponse",
    "webhook_payment_updated": "PaymentUpdatedEvent",
    "webhook_refund_updated": "RefundUpdatedEvent",
}  # fmt: skip


def _validator(schema: str) -> OAS30Validator:
    components = _components(schema.endswith("Event"))
    return OAS30Validator({"$ref": f"#/components/schemas/{schema}", **components})


@pytest.mark.parametrize("name", sorted(FIXTURE_SCHEMAS))
def test_fixture_matches_the_spec_response_schema(name: str) -> None:
    errors = [e.message for e in _validator(FIXTURE_SCHEMAS[name]).iter_errors(fixture(name))]
    assert errors == []


def test_every_fixture_is_checked() -> None:
    assert {p.stem for p in FIXTURES.glob("*.json")} == set(FIXTURE_SCHEMAS)


def test_a_fixture_off_the_schema_is_caught() -> None:
    broken = fixture("payment_completed")
    broken["payment"]["amount_money"]["amount"] = "20.00"
    assert list(_validator("CreatePaymentResponse").iter_errors(broken))


# --------------------------------------------------------------------------- builders


def test_authorize_body() -> None:
    [request], result = run("authorize_nonce")
    body = body_of(request)
    assert request.method == "POST" and request.url == f"{BASE}/v2/payments"
    assert request.idempotent
    assert body == {
        "source_id": NONCE, "idempotency_key": KEY,
        "amount_money": {"amount": 2000, "currency": "USD"}, "autocomplete": False,
        "reference_id": "ORD-1001", "note": "order 1001",
        "buyer_email_address": "jane@example.com", "statement_description_identifier": "SHOP 1001",
        "billing_address": {
            "address_line_1": "1 Main St", "locality": "San Francisco",
            "administrative_district_level_1": "CA", "postal_code": "94103", "country": "US",
            "first_name": "Jane", "last_name": "Shopper",
        },
        "shipping_address": body["shipping_address"],
    }  # fmt: skip
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == PID


def test_purchase_autocompletes_and_a_location_option_is_sent() -> None:
    flow, data, _ = FLOW_CASES["purchase"]
    request = next(CONNECTOR.steps(flow, ctx(location_id="L88917AVBK2S5"), data))
    assert body_of(request)["autocomplete"] is True
    assert body_of(request)["location_id"] == "L88917AVBK2S5"


def test_a_long_reference_is_kept_whole_in_the_note() -> None:
    reference = "R" * 41
    request = next(CONNECTOR.steps(Flow.AUTHORIZE, ctx(), authorize(reference=reference)))
    body = body_of(request)
    assert "reference_id" not in body and reference in body["note"]


def test_mandate_charge_pays_with_the_card_on_file_and_its_customer() -> None:
    [request], result = run("charge_mandate")
    body = body_of(request)
    assert body["source_id"] == CARD_ID and body["customer_id"] == CUSTOMER_ID
    assert body["autocomplete"] is False  # manual here; the conformance MIT is automatic
    assert result.status is PaymentStatus.CAPTURED


def test_idempotency_keys_are_derived_per_call_and_fit_45_characters() -> None:
    requests, _ = run("setup_mandate")
    keys = [body_of(r)["idempotency_key"] for r in requests]
    again = [body_of(r)["idempotency_key"] for r in run("setup_mandate")[0]]
    assert keys == again  # a retried request repeats every key
    assert len(set(keys)) == 2 and all(len(k) <= 45 for k in keys)
    [capture_update, _complete] = run("capture_partial")[0]
    [refund] = run("refund")[0]
    derived = {body_of(capture_update)["idempotency_key"], body_of(refund)["idempotency_key"]}
    assert len(derived | set(keys) | {KEY}) == 5
    assert all(len(k) <= 45 for k in derived)
    fresh = [body_of(run("refund", ctx(None))[0][0])["idempotency_key"] for _ in range(2)]
    assert fresh[0] != fresh[1]  # no Idempotency-Key: a new refund each time


@pytest.mark.parametrize(
    "data, code, field",
    [
        (authorize(Card(number=Secret("4111111111111111"), exp_month=12, exp_year=2034,
                        cvc=Secret("111"))),
         "payment_method_not_supported", "payment_method"),
        (authorize(ApplePay(token=Secret("apple-pay-token"))), "payment_method_not_supported",
         "payment_method.type"),
        (authorize(setup_future_usage=True), "not_supported", "setup_future_usage"),
        (authorize(currency="NGN"), "currency_not_supported", "currency"),
    ],
)  # fmt: skip
def test_bad_authorize_input_names_the_field(data: AuthorizeData, code: str, field: str) -> None:
    with pytest.raises(ServiceError) as caught:
        next(CONNECTOR.steps(Flow.AUTHORIZE, ctx(), data))
    assert (caught.value.code, caught.value.field) == (code, field)


def test_a_raw_card_is_refused_with_a_422_before_any_request() -> None:
    card = Card(number=Secret("4111111111111111"), exp_month=12, exp_year=2034, cvc=Secret("111"))
    for flow, data in ((Flow.AUTHORIZE, authorize(card)), (Flow.SETUP_MANDATE, setup(card))):
        with pytest.raises(ServiceError) as caught:
            next(CONNECTOR.steps(flow, ctx(), data))
        assert caught.value.http_status == 422 and caught.value.type is ErrorType.NOT_SUPPORTED
        assert caught.value.field == "payment_method" and "cnon:" in caught.value.message


def test_full_capture_completes_only() -> None:
    [request], result = run("capture_full")
    assert request.url == f"{BASE}/v2/payments/{PID}/complete" and body_of(request) == {}
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 2000


def test_partial_capture_edits_the_amount_down_then_completes_that_version() -> None:
    [update, complete], result = run("capture_partial")
    assert update.method == "PUT" and update.url == f"{BASE}/v2/payments/{PID}"
    assert body_of(update)["payment"] == {"amount_money": {"amount": 1500, "currency": "USD"}}
    version = fixture("payment_updated_down")["payment"]["version_token"]
    assert body_of(complete) == {"version_token": version}
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED and result.amount_captured == 1500


def test_a_refused_amount_update_is_not_capturable_and_nothing_is_completed() -> None:
    flow, data, _ = FLOW_CASES["capture_partial"]
    with pytest.raises(ServiceError) as caught:
        drive(CONNECTOR, flow, ctx(), data, [response(400, fixture("error_not_completable"))])
    assert caught.value.type is ErrorType.CONFLICT
    assert caught.value.code == "payment_not_capturable"


def test_void_and_a_second_void_is_a_conflict() -> None:
    [request], result = run("void")
    assert request.url == f"{BASE}/v2/payments/{PID}/cancel" and request.body is None
    assert result.status is PaymentStatus.VOIDED
    with pytest.raises(ServiceError) as caught:
        drive(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=payment_ref()),
              [response(400, fixture("error_not_completable"))])  # fmt: skip
    assert (caught.value.http_status, caught.value.code) == (409, "payment_not_voidable")


def test_refund_body_and_pending_then_synced() -> None:
    [request], pending = run("refund")
    assert body_of(request) == {
        "idempotency_key": body_of(request)["idempotency_key"], "payment_id": PID,
        "amount_money": {"amount": 500, "currency": "USD"}, "reason": "damaged",
    }  # fmt: skip
    assert pending.status is RefundStatus.PENDING and pending.connector_refund_id == RID
    [get], done = run("refund_sync")
    assert get.method == "GET" and get.url == f"{BASE}/v2/refunds/{RID}"
    assert done.status is RefundStatus.SUCCEEDED and done.amount == 500


def test_setup_mandate_creates_the_customer_then_the_card_on_file() -> None:
    [customer, card], mandate = run("setup_mandate")
    assert customer.url == f"{BASE}/v2/customers"
    assert {k: v for k, v in body_of(customer).items() if k != "idempotency_key"} == {
        "email_address": "jane@example.com", "given_name": "Jane", "family_name": "Shopper",
        "reference_id": "shopper-42",
    }  # fmt: skip
    assert card.url == f"{BASE}/v2/cards"
    assert body_of(card)["source_id"] == NONCE
    assert body_of(card)["card"] == {
        "customer_id": CUSTOMER_ID, "reference_id": "MAND-1", "cardholder_name": "Jane Shopper",
    }  # fmt: skip
    assert mandate.status is MandateStatus.ACTIVE and mandate.connector_mandate_id == CARD_ID
    assert mandate.connector_customer_id == CUSTOMER_ID
    assert mandate.card.last4 == "1111" and mandate.card.brand == "visa"


def test_setup_mandate_needs_a_name_or_email() -> None:
    with pytest.raises(ServiceError) as caught:
        next(CONNECTOR.steps(Flow.SETUP_MANDATE, ctx(), setup(customer=Customer(id="x"))))
    assert caught.value.field == "customer.email"


def test_a_mandate_with_an_amount_is_not_supported() -> None:
    data = setup()
    data.amount = 100
    with pytest.raises(ServiceError) as caught:
        next(CONNECTOR.steps(Flow.SETUP_MANDATE, ctx(), data))
    assert (caught.value.http_status, caught.value.field) == (422, "amount")


def test_a_card_failing_verification_is_a_failed_mandate() -> None:
    _, result = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup(),
                      [response(200, fixture("customer_created")),
                       response(400, fixture("error_card_declined_on_file"))])  # fmt: skip
    assert result.status is MandateStatus.FAILED and result.failure.code == "incorrect_cvc"


def test_revoke_disables_the_card() -> None:
    [request], result = run("revoke_mandate")
    assert request.url == f"{BASE}/v2/cards/{CARD_ID.replace(':', '%3A')}/disable"
    assert result.status is MandateStatus.REVOKED and result.connector_mandate_id == CARD_ID


def test_sync_without_a_gateway_id_is_not_supported() -> None:
    ref = PaymentRef(account="square-test", connector="square", connector_payment_id="",
                     amount=2000, currency="USD", capture_method="manual")  # fmt: skip
    with pytest.raises(ServiceError) as caught:
        next(CONNECTOR.steps(Flow.SYNC, ctx(), SyncData(payment=ref)))
    assert caught.value.type is ErrorType.NOT_SUPPORTED


# --------------------------------------------------------------------------- parsers


def parse_authorize(name: str, status: int = 200) -> Any:
    return drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(),
                 [response(status, fixture(name))])[1]  # fmt: skip


def test_authorized_payment_has_card_and_reference() -> None:
    result = parse_authorize("payment_approved")
    assert result.status is PaymentStatus.AUTHORIZED and result.amount == 2000
    assert result.card.last4 == "1111" and result.card.exp_year == 2034
    assert result.reference == "ORD-1001" and result.connector_status == "APPROVED"


@pytest.mark.parametrize("status", [400, 402])
def test_a_decline_with_its_payment_is_a_result(status: int) -> None:
    result = parse_authorize("payment_declined", status)
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id == PID
    assert result.failure.code == "generic_decline" and result.failure.category == "soft"
    assert result.failure.gateway.code == "GENERIC_DECLINE"


def test_a_decline_without_a_payment_is_still_a_result() -> None:
    result = parse_authorize("error_cvv_no_payment", 402)
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id is None
    assert result.failure.code == "incorrect_cvc"


def test_sync_reads_a_partial_capture_against_the_authorization() -> None:
    _, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                      [response(200, fixture("payment_completed_partial"))])  # fmt: skip
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED and result.amount_captured == 1500
    _, full = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                    [response(200, fixture("payment_completed_refunded"))])  # fmt: skip
    assert full.status is PaymentStatus.CAPTURED and full.amount_captured == 2000


@pytest.mark.parametrize("raw", sorted(PAYMENT_STATUS))
def test_every_payment_status_parses(raw: str) -> None:
    doc = fixture("payment_approved")
    doc["payment"]["status"] = raw
    _, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                      [response(200, doc)])  # fmt: skip
    assert result.status is PAYMENT_STATUS[raw]


@pytest.mark.parametrize("raw", sorted(CARD_STATUS))
def test_card_details_status_is_read_when_the_payment_has_none(raw: str) -> None:
    doc = fixture("payment_approved")
    del doc["payment"]["status"]
    doc["payment"]["card_details"]["status"] = raw
    _, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                      [response(200, doc)])  # fmt: skip
    assert result.status is CARD_STATUS[raw]


def test_unknown_status_is_processing_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    doc = fixture("payment_completed")
    doc["payment"]["status"] = "SETTLING_SOMEDAY"
    with caplog.at_level(logging.WARNING):
        _, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
                          [response(200, doc)])  # fmt: skip
    assert result.status is PaymentStatus.PROCESSING
    assert any(getattr(r, "status", None) == "SETTLING_SOMEDAY" for r in caplog.records)
    refund = fixture("refund_completed")
    refund["refund"]["status"] = "WHATEVER"
    _, r = drive(CONNECTOR, Flow.REFUND_SYNC, ctx(), RefundSyncData(refund=REFUND_REF),
                 [response(200, refund)])  # fmt: skip
    assert r.status is RefundStatus.PENDING


@pytest.mark.parametrize("raw", sorted(REFUND_STATUS))
def test_every_refund_status_parses(raw: str) -> None:
    doc = fixture("refund_completed")
    doc["refund"]["status"] = raw
    _, result = drive(CONNECTOR, Flow.REFUND_SYNC, ctx(), RefundSyncData(refund=REFUND_REF),
                      [response(200, doc)])  # fmt: skip
    assert result.status is REFUND_STATUS[raw]
    assert (result.failure is not None) == (result.status is RefundStatus.FAILED)


# --------------------------------------------------------------------------- errors / declines


@pytest.mark.parametrize(
    "raw, code, category",
    [
        ("GENERIC_DECLINE", "generic_decline", "soft"),
        ("CVV_FAILURE", "incorrect_cvc", "soft"),
        ("ADDRESS_VERIFICATION_FAILURE", "invalid_payment_data", "hard"),
        ("INVALID_EXPIRATION", "invalid_expiry", "hard"),
        ("INSUFFICIENT_FUNDS", "insufficient_funds", "soft"),
        ("CARD_EXPIRED", "expired_card", "hard"),
        ("CARD_DECLINED_VERIFICATION_REQUIRED", "authentication_required", "soft"),
        ("TEMPORARY_ERROR", "try_again_later", "retry_later"),
        ("TRANSACTION_LIMIT", "limit_exceeded", "soft"),
    ],
)
def test_decline_table(raw: str, code: str, category: str) -> None:
    doc = fixture("payment_declined")
    doc["errors"][0]["code"] = raw
    result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(), [response(402, doc)])[1]
    assert (result.failure.code, result.failure.category) == (code, category)
    assert raw in DECLINE_MAP


@pytest.mark.parametrize(
    "flow, data, name, status, etype, code",
    [
        (Flow.AUTHORIZE, authorize(), "error_unauthorized", 401, ErrorType.CONNECTOR,
         "gateway_authentication_failed"),
        (Flow.AUTHORIZE, authorize(), "error_idempotency_key_reused", 400, ErrorType.CONFLICT,
         "duplicate_key"),
        (Flow.REFUND, FLOW_CASES["refund"][1], "error_refund_amount_invalid", 400,
         ErrorType.INVALID_REQUEST, "invalid_amount"),
        (Flow.SYNC, SyncData(payment=payment_ref()), "error_not_found", 404,
         ErrorType.NOT_FOUND, "payment_not_found"),
        (Flow.REFUND_SYNC, RefundSyncData(refund=REFUND_REF), "error_not_found", 404,
         ErrorType.NOT_FOUND, "refund_not_found"),
        (Flow.CAPTURE, FLOW_CASES["capture_full"][1], "error_not_completable", 400,
         ErrorType.CONFLICT, "payment_not_capturable"),
    ],
)  # fmt: skip
def test_error_table(
    flow: Flow, data: Any, name: str, status: int, etype: ErrorType, code: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        drive(CONNECTOR, flow, ctx(), data, [response(status, fixture(name))])
    assert (caught.value.type, caught.value.code) == (etype, code)
    assert caught.value.gateway is not None and caught.value.gateway.code


def test_over_refund_names_the_amount() -> None:
    with pytest.raises(ServiceError) as caught:
        drive(CONNECTOR, Flow.REFUND, ctx(), FLOW_CASES["refund"][1],
              [response(400, fixture("error_refund_amount_invalid"))])  # fmt: skip
    assert caught.value.http_status == 400 and caught.value.field == "amount"


def test_an_unknown_error_is_typed_by_http_status() -> None:
    body = {"errors": [{"category": "API_ERROR", "code": "INTERNAL_SERVER_ERROR"}]}
    with pytest.raises(ServiceError) as caught:
        drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=payment_ref()),
              [response(500, body)])  # fmt: skip
    assert caught.value.type is ErrorType.CONNECTOR


# --------------------------------------------------------------------------- webhooks


def raw_webhook(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def signed(body: bytes, key: str = SIGNATURE_KEY, url: str = HOOK_URL) -> dict[str, str]:
    mac = hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()
    return {"x-square-hmacsha256-signature": base64.b64encode(mac).decode()}


def verify(headers: dict[str, str], body: bytes, context: Any = None) -> bool:
    result = CONNECTOR.webhook_verify(context or ctx(), headers, body)
    assert isinstance(result, bool)
    return result


def test_webhook_signature_good_tampered_wrong_secret_wrong_url_missing() -> None:
    body = raw_webhook("webhook_payment_updated")
    assert verify(signed(body), body)
    assert not verify(signed(body), body.replace(b'"amount": 2000', b'"amount": 2001', 1))
    assert not verify(signed(body, SIGNATURE_KEY + "x"), body)  # wrong secret
    assert not verify(signed(body, url=HOOK_URL + "/"), body)  # another notification URL
    assert not verify({}, body)  # missing
    assert not verify({"x-square-hmacsha256-signature": ""}, body)
    no_url = make_ctx(CONNECTOR, {"access_token": TOKEN, "webhook_signature_key": SIGNATURE_KEY},
                      {}, base_url=BASE)  # fmt: skip
    assert not verify(signed(body), body, no_url)  # not configured: nothing verifies
    no_key = make_ctx(CONNECTOR, {"access_token": TOKEN}, {"webhook_notification_url": HOOK_URL},
                      base_url=BASE)  # fmt: skip
    assert not verify(signed(body), body, no_key)


def test_webhook_scheme_signs_no_timestamp_so_stale_is_the_event_id() -> None:
    """Square signs the URL and the body only: an old delivery still verifies. What
    keeps a replay harmless is its event_id (stored once; the conformance webhook test
    delivers twice) and that payment state only moves forward."""
    body = raw_webhook("webhook_payment_updated")
    event = json.loads(body)
    event["created_at"] = "2020-01-01T00:00:00Z"  # years old
    old = json.dumps(event).encode()
    assert verify(signed(old), old)
    identity = CONNECTOR.webhook_identify(signed(old), old)
    assert identity.event_id == "6a8f5f28-54a1-4eb0-a98a-3111513fd4fc"
    assert identity.account_hint == "6SSW7HV8K2ST5"


def test_webhook_payment_updated() -> None:
    [event] = CONNECTOR.webhook_parse({}, raw_webhook("webhook_payment_updated"))
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.event_id == "6a8f5f28-54a1-4eb0-a98a-3111513fd4fc"
    assert event.connector_payment_id == PID and event.amount == 2000 and event.currency == "USD"
    assert event.payment.status is PaymentStatus.CAPTURED
    assert event.payment.reference == "ORD-1001"


def test_webhook_refund_updated() -> None:
    [event] = CONNECTOR.webhook_parse({}, raw_webhook("webhook_refund_updated"))
    assert event.type is WebhookEventType.REFUND_SUCCEEDED
    assert event.connector_payment_id == PID
    assert event.refund.connector_refund_id == RID and event.refund.amount == 500


def test_webhook_payment_states_map_to_event_types() -> None:
    base = json.loads(raw_webhook("webhook_payment_updated"))
    expected = {"APPROVED": WebhookEventType.PAYMENT_AUTHORIZED,
                "CANCELED": WebhookEventType.PAYMENT_VOIDED,
                "FAILED": WebhookEventType.PAYMENT_FAILED,
                "PENDING": WebhookEventType.PAYMENT_PROCESSING}  # fmt: skip
    for raw, etype in expected.items():
        event = copy.deepcopy(base)
        event["data"]["object"]["payment"]["status"] = raw
        [parsed] = CONNECTOR.webhook_parse({}, json.dumps(event).encode())
        assert parsed.type is etype, raw


def test_webhook_unknown_and_broken() -> None:
    other = {
        "merchant_id": "M",
        "type": "customer.created",
        "event_id": "e-1",
        "created_at": "2026-12-02T10:00:00Z",
        "data": {"type": "customer", "id": "C"},
    }
    [event] = CONNECTOR.webhook_parse({}, json.dumps(other).encode())
    assert event.type is WebhookEventType.UNKNOWN and event.payment is None
    assert event.connector_event_type == "customer.created"
    for broken in (b"[]", b"{}", b'{"type": "payment.updated", "event_id": "e"}', b"not json"):
        with pytest.raises(ServiceError):
            CONNECTOR.webhook_parse({}, broken)
    bad = json.loads(raw_webhook("webhook_payment_updated"))
    bad["data"]["object"]["payment"]["amount_money"]["amount"] = "20.00"
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse({}, json.dumps(bad).encode())


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    before = (
        "> POST https://connect.squareupsandbox.com/v2/payments\n"
        f"> Authorization: Bearer {TOKEN}\n"
        "> Square-Version: 2025-08-20\n"
        ">\n"
        f'{{"source_id":"{NONCE}","idempotency_key":"{KEY}","verification_token":"verf:CBAS"}}\n'
        f'{{"source_id":"{CARD_ID}","customer_id":"{CUSTOMER_ID}"}}\n'
        f"token {TOKEN} and nonce cnon:CBASEF667Xdo69NiVEeuHo in a message\n"
        '{"card":{"last_4":"1111","card_brand":"VISA"}}'
    )
    after = (
        "> POST https://connect.squareupsandbox.com/v2/payments\n"
        "> Authorization: [REDACTED]\n"
        "> Square-Version: 2025-08-20\n"
        ">\n"
        f'{{"source_id":"[REDACTED]","idempotency_key":"{KEY}",'
        '"verification_token":"[REDACTED]"}\n'
        f'{{"source_id":"[REDACTED]","customer_id":"{CUSTOMER_ID}"}}\n'
        "token [REDACTED] and nonce [REDACTED] in a message\n"
        '{"card":{"last_4":"1111","card_brand":"VISA"}}'
    )
    assert CONNECTOR.scrub(before) == after


def test_no_secret_survives_any_flow_transcript() -> None:
    secrets = [TOKEN, NONCE]
    for case in FLOW_CASES:
        requests, _ = run(case)
        for request in requests:
            text = CONNECTOR.scrub(
                render_transcript(request, response(200, fixture("card_created")))
            )
            for secret in secrets:
                assert secret not in text, (case, secret)
