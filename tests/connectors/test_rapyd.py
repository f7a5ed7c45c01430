"""Rapyd connector: contract (vendored spec), signatures, parsing, declines, errors,
webhooks, scrub, metadata."""

from __future__ import annotations

import functools
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.rapyd import (
    DECLINE_MAP,
    PAYMENT_STATUS,
    RapydConnector,
    sign_request,
    verify_webhook,
    webhook_signature,
)
from connector_service.domain.common import Address, Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
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
from connector_service.testing.fakes.rapyd import SPEC, check_request, repair_rapyd_spec
from connector_service.testing.spec import SpecViolation, spec_path
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = RapydConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "rapyd"
BASE = "https://sandboxapi.rapyd.net"
PAN, CVC = "4111111111111111", "737"
# Test-only keys in Rapyd's shapes (20 and 80 hex characters); not real credentials.
ACCESS = "0D7E3A5C9B1F2E4D6A8C"
SECRET = "5f1e0a7c0b394e529a556f8d0e3c2b71" + "a3b4c5d6e7f809112233445566778899aabbccddeeff0011"
WEBHOOK_URL = "https://shop.example/rapyd/webhooks"
PAY_ID = "payment_6fa9bd1ef7e0bc5e1e3dd8d2a1c3b0f4"
CARD_ID = "card_1d9c5d3b0e8f4a2b9c7e6d5f4a3b2c1d"
CUS_ID = "cus_4b3a2c1d0e9f8a7b6c5d4e3f2a1b0c9d"
REFUND_ID = "refund_7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(idempotency_key: str | None = "idem-123", **options: str) -> Any:
    return make_ctx(
        CONNECTOR,
        {"access_key": ACCESS, "secret_key": SECRET},
        {"webhook_url": WEBHOOK_URL, **options},
        base_url=BASE,
        idempotency_key=idempotency_key,
    )


def card(number: str = PAN) -> Card:
    return Card(
        number=Secret(number), exp_month=3, exp_year=2031, cvc=Secret(CVC), holder_name="B Wayne"
    )


def payment_ref(capture: str = "manual", pid: str = PAY_ID, **meta: str) -> PaymentRef:
    return PaymentRef(
        account="rapyd-test",
        connector="rapyd",
        connector_payment_id=pid,
        amount=6540,
        currency="USD",
        capture_method=capture,
        meta=dict(meta),
    )


def mandate_ref() -> MandateRef:
    return MandateRef(
        account="rapyd-test",
        connector="rapyd",
        connector_mandate_id=CARD_ID,
        customer_id=CUS_ID,
        currency="USD",
    )


def authorize(pm: Any = None, **kw: Any) -> AuthorizeData:
    base: dict[str, Any] = {
        "amount": 6540,
        "currency": "USD",
        "payment_method": pm or card(),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "ORD-5023-4E89",
    }
    return AuthorizeData(**(base | kw))


FLOW_CASES: dict[str, tuple[Flow, Any]] = {
    "authorize_card_3ds": (
        Flow.AUTHORIZE,
        authorize(
            return_url="https://shop.example/return",
            customer=Customer(email="bruce@wayne.example"),
            billing=Address(
                first_name="Bruce",
                last_name="Wayne",
                line1="1007 Mountain Drive",
                city="Gotham",
                postal_code="10001",
                country="US",
            ),
            description="Set of 3 masks",
            metadata={"order": "5023"},
        ),
    ),
    "authorize_card_auto": (Flow.AUTHORIZE, authorize(capture_method=CaptureMethod.AUTOMATIC)),
    "authorize_store_card": (Flow.AUTHORIZE, authorize(setup_future_usage=True)),
    "authorize_stored_card": (Flow.AUTHORIZE, authorize(Token(token=CARD_ID, customer_id=CUS_ID))),
    "charge_mandate": (
        Flow.AUTHORIZE,
        authorize(StoredMandate(ref=mandate_ref()), capture_method=CaptureMethod.AUTOMATIC),
    ),
    "complete_authorize": (
        Flow.COMPLETE_AUTHORIZE,
        CompleteAuthorizeData(payment=payment_ref(), params={}),
    ),
    "sync": (Flow.SYNC, SyncData(payment=payment_ref())),
    "sync_by_reference": (
        Flow.SYNC,
        SyncData(payment=payment_ref(pid="", reference="ORD-5023-4E89")),
    ),
    "capture": (
        Flow.CAPTURE,
        CaptureData(payment=payment_ref(), amount=4000, reference="cap-1"),
    ),
    "void": (Flow.VOID, VoidData(payment=payment_ref())),
    "refund": (
        Flow.REFUND,
        RefundData(payment=payment_ref(), amount=1000, reference="rf-1", reason="damaged"),
    ),
    "refund_sync": (
        Flow.REFUND_SYNC,
        RefundSyncData(
            refund=RefundRef(
                account="rapyd-test",
                connector="rapyd",
                connector_refund_id=REFUND_ID,
                connector_payment_id=PAY_ID,
                amount=1000,
                currency="USD",
            )
        ),
    ),
    "setup_mandate": (
        Flow.SETUP_MANDATE,
        MandateSetupData(
            payment_method=card(),
            currency="EUR",
            amount=0,
            reference="MANDATE-1",
            customer=Customer(id="merchant-77", email="selina@kyle.example", name="Selina Kyle"),
        ),
    ),
    "revoke_mandate": (Flow.REVOKE_MANDATE, MandateRevokeData(mandate=mandate_ref())),
}


def first_request(flow: Flow, data: Any, context: Any = None) -> HttpRequest:
    return next(CONNECTOR.steps(flow, context or ctx(), data))


def body_of(request: HttpRequest) -> dict[str, Any]:
    return json.loads(request.body or b"{}")


def run(flow: Flow, data: Any, status: int, body: Any) -> Any:
    return drive(CONNECTOR, flow, ctx(), data, [response(status, body)])[1]


# --------------------------------------------------------------------------- metadata


def test_meta_flows_and_secrets() -> None:
    assert CONNECTOR.meta.flows == CONNECTOR.implemented_flows()
    assert {f.value for f in CONNECTOR.meta.flows} == {
        "authorize", "complete_authorize", "capture", "void", "refund", "sync",
        "refund_sync", "setup_mandate", "revoke_mandate", "charge_mandate", "webhooks",
    }  # fmt: skip
    names = {f.name for f in CONNECTOR.meta.credential_fields}
    assert names == set(CONNECTOR.meta.secret_fields) == {"access_key", "secret_key"}


def test_complete_mandate_is_not_supported() -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.COMPLETE_MANDATE, None)
    assert err.value.type is ErrorType.NOT_SUPPORTED


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("case", sorted(FLOW_CASES))
def test_every_request_matches_the_spec(case: str) -> None:
    flow, data = FLOW_CASES[case]
    request = first_request(flow, data)
    check_request(request, BASE)  # the spec, plus salt / timestamp / compact-body rules
    headers = request.headers
    assert headers["access_key"] == ACCESS and 8 <= len(headers["salt"]) <= 16
    assert abs(int(headers["timestamp"]) - time.time()) < 60
    wanted = sign_request(
        request.method, request.url, request.body or b"", ACCESS, SECRET,
        salt=headers["salt"], timestamp=headers["timestamp"],
    )["signature"]  # fmt: skip
    assert headers["signature"] == wanted
    if request.method == "POST":
        assert headers["idempotency"] == "idem-123" and request.idempotent
    else:
        assert "idempotency" not in headers and request.body is None


def test_validator_catches_broken_requests() -> None:
    good = first_request(Flow.AUTHORIZE, authorize())
    body = body_of(good)
    del body["complete_payment_url"]  # required by the spec
    broken = HttpRequest("POST", good.url, good.headers, json.dumps(body).encode())
    with pytest.raises(SpecViolation):
        check_request(broken, BASE)
    short_salt = HttpRequest("POST", good.url, {**good.headers, "salt": "abc"}, good.body)
    with pytest.raises(SpecViolation, match="salt"):
        check_request(short_salt, BASE)
    spaced = HttpRequest("POST", good.url, good.headers, json.dumps(body_of(good)).encode())
    with pytest.raises(SpecViolation, match="compact"):
        check_request(spaced, BASE)
    unsigned = {k: v for k, v in good.headers.items() if k != "signature"}
    with pytest.raises(SpecViolation):
        check_request(HttpRequest("POST", good.url, unsigned, good.body), BASE)


def test_authorize_body_card_3ds_and_major_units() -> None:
    flow, data = FLOW_CASES["authorize_card_3ds"]
    body = body_of(first_request(flow, data))
    assert body["amount"] == 65.4 and body["currency"] == "USD" and body["capture"] is False
    assert body["payment_method"] == {
        "type": "us_visa_card",  # the billing country, the card's network
        "fields": {
            "number": PAN, "expiration_month": "03", "expiration_year": "31",
            "cvv": CVC, "name": "B Wayne",
        },
    }  # fmt: skip
    assert body["payment_method_options"] == {"3d_required": True}
    assert body["complete_payment_url"] == body["error_payment_url"] == data.return_url
    assert body["merchant_reference_id"] == "ORD-5023-4E89"
    assert body["address"]["name"] == "Bruce Wayne" and body["address"]["line_1"]
    assert "receipt_email" not in body  # Rapyd would e-mail the customer a receipt


def test_card_type_country_falls_back_to_the_option() -> None:
    body = body_of(first_request(Flow.AUTHORIZE, authorize(card("5555555555554444"))))
    assert body["payment_method"]["type"] == "us_mastercard_card"
    context = ctx(card_country="DE")
    body = body_of(first_request(Flow.AUTHORIZE, authorize(card("378282246310005")), context))
    assert body["payment_method"]["type"] == "de_amex_card"
    assert "payment_method_options" not in body  # no return URL: no 3-D Secure asked


def test_mit_charge_names_customer_card_and_initiation_type() -> None:
    body = body_of(first_request(*FLOW_CASES["charge_mandate"]))
    assert body["customer"] == CUS_ID and body["payment_method"] == CARD_ID
    assert body["initiation_type"] == "unscheduled" and body["capture"] is True
    context = ctx(mit_initiation_type="recurring")
    _, data = FLOW_CASES["charge_mandate"]
    assert body_of(first_request(Flow.AUTHORIZE, data, context))["initiation_type"] == "recurring"
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, data, ctx(mit_initiation_type="weekly"))
    assert err.value.code == "invalid_account_option"


def test_other_payment_methods_are_not_supported() -> None:
    for pm in (ApplePay(token=Secret("apple-pay-token")), Token(token="tok_123")):
        with pytest.raises(ServiceError) as err:
            first_request(Flow.AUTHORIZE, authorize(pm))
        assert err.value.type is ErrorType.NOT_SUPPORTED
        assert err.value.field == "payment_method.type"


@pytest.mark.parametrize(
    ("currency", "minor", "sent"),
    [("USD", 6540, 65.4), ("USD", 6500, 65), ("JPY", 6540, 6540), ("KWD", 1234, 1.234)],
)
def test_amounts_are_major_units(currency: str, minor: int, sent: float) -> None:
    body = body_of(first_request(Flow.AUTHORIZE, authorize(amount=minor, currency=currency)))
    assert body["amount"] == sent


def test_empty_capture_body_is_not_sent() -> None:
    request = first_request(*FLOW_CASES["capture"])
    assert body_of(request) == {"amount": 40}


def test_long_reference_is_refused() -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, authorize(reference="r" * 256))
    assert err.value.code == "reference_too_long" and err.value.field == "reference"


# --------------------------------------------------------------------------- signatures

# Vectors computed with Rapyd's own Node.js sample algorithm
# (github.com/RapydPayments/rapyd-request-signatures, utilities.js: base64 of the hex
# HMAC-SHA256), independently of this module.
VECTOR_SECRET, VECTOR_ACCESS = "SECRETKEY0123", "ACCESSKEY01"


def test_request_signature_matches_rapyds_sample() -> None:
    headers = sign_request(
        "POST", "https://sandboxapi.rapyd.net/v1/payments?x=1", b'{"amount":10.5}',
        VECTOR_ACCESS, VECTOR_SECRET, salt="abcdefgh12", timestamp="1700000000",
    )  # fmt: skip
    assert headers["signature"] == (
        "NmJmZWI0YzlkZTA2NjQxY2EzODQwOTViOTRjODA3OWNkNTg4MzQ4MjJiNjFjY2Q3ZTczMjAwMTZmN2ZkNjRhOA=="
    )
    assert headers["access_key"] == VECTOR_ACCESS and headers["salt"] == "abcdefgh12"


def test_webhook_signature_matches_rapyds_formula() -> None:
    signature = webhook_signature(
        WEBHOOK_URL, "abcdefgh12", "1700000000", VECTOR_ACCESS, VECTOR_SECRET, b'{"id":"wh_1"}'
    )
    assert signature == (
        "ZmMyMmM2MDI4M2UxMTQwM2ZkNDY0ZmRjNTNmMzNkMTFiMzdmODVmYWRjOTRlZTk3ZDllMWQ1ZWVkMDZlZWE1OQ=="
    )


# --------------------------------------------------------------------------- fixtures

SCHEMAS = {
    "payment_": "inline_response_200_3",
    "payment_list": "inline_response_200_2",
    "refund_": "inline_response_200_32",
    "customer_": "inline_response_200_38",
    "payment_method_deleted": "inline_response_200_45",
    "error_": "inline_response_401",
}


@functools.cache
def _components() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.load(
        spec_path(SPEC).read_text(), getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    repair_rapyd_spec(spec)
    return dict(spec["components"])


def _validate(schema: str, value: Any) -> None:
    validator = OAS30Validator(
        {"$ref": f"#/components/schemas/{schema}", "components": _components()}
    )
    errors = [e.message for e in validator.iter_errors(value)]
    assert not errors, (schema, errors)


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_fixtures_have_the_specs_response_shapes(path: Path) -> None:
    body = json.loads(path.read_text())
    if path.stem.startswith("webhook_"):  # the envelope is not in the spec; its data is
        schema = "Refund" if body["type"].startswith("REFUND") else "Payment"
        _validate(schema, body["data"])
        return
    name = max((k for k in SCHEMAS if path.stem.startswith(k)), key=len)
    _validate(SCHEMAS[name], body)
    # and a broken fixture would be caught: a status that is not a string
    broken = {**body, "status": {**body["status"], "status": 7}}
    with pytest.raises(AssertionError):
        _validate(SCHEMAS[name], broken)


# --------------------------------------------------------------------------- parsers


def test_authorized_payment() -> None:
    result = run(Flow.AUTHORIZE, authorize(), 200, fixture("payment_authorized"))
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.connector_payment_id == PAY_ID and result.amount == 6540
    assert result.amount_captured is None and result.failure is None
    assert result.card.last4 == "1111" and result.card.brand == "visa"
    assert result.card.exp_year == 2030 and result.network_transaction_id == "489341065491658"


def test_captured_and_partially_captured() -> None:
    done = run(Flow.CAPTURE, FLOW_CASES["capture"][1], 200, fixture("payment_captured"))
    assert done.status is PaymentStatus.CAPTURED and done.amount_captured == 6540
    part = run(Flow.CAPTURE, FLOW_CASES["capture"][1], 200, fixture("payment_partially_captured"))
    assert part.status is PaymentStatus.PARTIALLY_CAPTURED
    assert part.amount_captured == 4000 and part.amount == 6540


def test_three_ds_requires_action() -> None:
    result = run(Flow.AUTHORIZE, FLOW_CASES["authorize_card_3ds"][1], 200, fixture("payment_3ds"))
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action.type == "redirect"
    assert result.next_action.url.startswith("https://sandboxcheckout.rapyd.net/")


def test_void_is_voided() -> None:
    result = run(Flow.VOID, FLOW_CASES["void"][1], 200, fixture("payment_canceled"))
    assert result.status is PaymentStatus.VOIDED and result.connector_status == "CAN"


def test_unknown_status_is_processing_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, "connector_service.connectors"):
        result = run(Flow.SYNC, FLOW_CASES["sync"][1], 200, fixture("payment_unknown_status"))
    assert result.status is PaymentStatus.PROCESSING and result.connector_status == "UND"
    assert any(getattr(r, "status", None) == "UND" for r in caplog.records)


STATUS_CASES = [
    ("ACT", "pending_capture", "", PaymentStatus.AUTHORIZED),
    ("ACT", "3d_verification", "https://x.example/3ds", PaymentStatus.REQUIRES_ACTION),
    ("ACT", "3d_verification", "", PaymentStatus.PROCESSING),
    ("ACT", "pending_confirmation", "https://x.example/bank", PaymentStatus.REQUIRES_ACTION),
    ("ACT", "not_applicable", "", PaymentStatus.PROCESSING),
    ("CLO", "not_applicable", "", PaymentStatus.CAPTURED),
    ("CAN", "not_applicable", "", PaymentStatus.VOIDED),
    ("ERR", "not_applicable", "", PaymentStatus.FAILED),
    ("EXP", "not_applicable", "", PaymentStatus.FAILED),
    ("REV", "not_applicable", "", PaymentStatus.FAILED),
]


def test_status_cases_cover_the_status_map() -> None:
    assert {raw for raw, *_ in STATUS_CASES} == set(PAYMENT_STATUS)


@pytest.mark.parametrize(("raw", "action", "redirect", "expected"), STATUS_CASES)
def test_sync_maps_every_status(
    raw: str, action: str, redirect: str, expected: PaymentStatus
) -> None:
    body = fixture("payment_authorized")
    body["data"] |= {"status": raw, "next_action": action, "redirect_url": redirect}
    assert run(Flow.SYNC, FLOW_CASES["sync"][1], 200, body).status is expected


def test_sync_by_reference_picks_the_newest_and_unresolved_when_absent() -> None:
    data = FLOW_CASES["sync_by_reference"][1]
    request = first_request(Flow.SYNC, data)
    assert request.url.endswith("/v1/payments?merchant_reference_id=ORD-5023-4E89&limit=10")
    found = run(Flow.SYNC, data, 200, fixture("payment_list"))
    assert found.connector_payment_id == PAY_ID and found.status is PaymentStatus.CAPTURED
    absent = run(Flow.SYNC, data, 200, fixture("payment_list_empty"))
    assert absent.status is PaymentStatus.UNRESOLVED


def test_store_card_on_authorize_returns_the_mandate() -> None:
    result = run(
        Flow.AUTHORIZE, authorize(setup_future_usage=True), 200, fixture("payment_authorized")
    )
    assert result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == CARD_ID
    assert result.mandate.connector_customer_id == CUS_ID


# --------------------------------------------------------------------------- declines

DECLINE_CASES = [
    ("ERROR_CREATE_PAYMENT_INSUFFICIENT_FUNDS", "insufficient_funds", "soft"),
    ("ERROR_PAYMENT_METHOD_EXPIRED", "expired_card", "hard"),
    ("ERROR_3DS_AUTHENTICATION_FAILURE", "authentication_failed", "hard"),
    ("ERROR_CREATE_PAYMENT_CONTACT_BANK", "do_not_honor", "soft"),
    ("ERROR_CREATE_PAYMENT_ACCOUNT_UNAVAILABLE", "restricted_card", "hard"),
    ("ERROR_CREATE_PAYMENT_CUSTOMER_DISPUTE", "revocation_of_authorization", "hard"),
    ("ERROR_CREATE_PAYMENT_PAYER_DECEASED", "do_not_try_again", "hard"),
    (
        "ERROR_CREATE_PAYMENT_TRANSACTION_NOT_ALLOWED_FOR_THIS_TYPE_OF_ACCOUNT",
        "transaction_not_allowed",
        "hard",
    ),
    ("ERROR_AUTH_ONLY_IS_NOT_SUPPORTED", "transaction_not_allowed", "hard"),
]


def test_decline_cases_cover_the_decline_map() -> None:
    assert {raw for raw, *_ in DECLINE_CASES} == set(DECLINE_MAP)


@pytest.mark.parametrize(("raw", "code", "category"), DECLINE_CASES)
def test_declines_are_results(raw: str, code: str, category: str) -> None:
    body = fixture("payment_declined")
    body["status"] |= {"error_code": raw, "response_code": raw}
    body["data"] |= {"error_code": raw, "failure_code": raw}
    result = run(Flow.AUTHORIZE, authorize(), 400, body)
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id == PAY_ID
    assert result.failure.code == code and result.failure.category.value == category
    assert result.failure.gateway.code == raw


def test_decline_without_the_payment_is_still_a_result() -> None:
    body = {"status": fixture("payment_declined")["status"]}
    result = run(Flow.AUTHORIZE, authorize(), 400, body)
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id is None
    assert result.failure.code == "insufficient_funds"


def test_unknown_decline_code_is_a_generic_decline() -> None:
    body = fixture("payment_declined")
    body["data"] |= {"error_code": "ERROR_NEW_REASON", "failure_code": "ERROR_NEW_REASON"}
    result = run(Flow.AUTHORIZE, authorize(), 400, body)
    assert result.status is PaymentStatus.FAILED and result.failure.code == "generic_decline"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("flow_case", "status", "name", "etype", "code", "field"),
    [
        ("capture", 400, "error_capture", ErrorType.CONFLICT, "payment_not_capturable", None),
        ("void", 400, "error_cancel", ErrorType.CONFLICT, "payment_not_voidable", None),
        ("sync", 400, "error_get_payment", ErrorType.NOT_FOUND, "resource_not_found", None),
        (
            "authorize_card_auto",
            401,
            "error_unauthenticated",
            ErrorType.CONNECTOR,
            "gateway_authentication_failed",
            None,
        ),
        (
            "authorize_card_auto",
            400,
            "error_payment_method_type",
            ErrorType.INVALID_REQUEST,
            "gateway_rejected_request",
            "payment_method.type",
        ),
        (
            "refund",
            400,
            "error_missing_parameters",
            ErrorType.INVALID_REQUEST,
            "gateway_rejected_request",
            None,
        ),
        (
            "refund",
            400,
            "error_unknown",
            ErrorType.INVALID_REQUEST,
            "gateway_rejected_request",
            None,
        ),
        ("sync", 500, "error_unknown", ErrorType.CONNECTOR, "gateway_error", None),
    ],
)
def test_errors(
    flow_case: str, status: int, name: str, etype: ErrorType, code: str, field: str | None
) -> None:
    flow, data = FLOW_CASES[flow_case]
    with pytest.raises(ServiceError) as err:
        run(flow, data, status, fixture(name))
    assert (err.value.type, err.value.code, err.value.field) == (etype, code, field)
    assert err.value.gateway is not None and err.value.gateway.code


def test_error_envelope_with_http_200_is_an_error() -> None:
    body = fixture("error_capture")
    with pytest.raises(ServiceError) as err:
        run(Flow.CAPTURE, FLOW_CASES["capture"][1], 200, body)
    assert err.value.code == "payment_not_capturable"


# --------------------------------------------------------------------------- refunds, mandates


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("refund_completed", RefundStatus.SUCCEEDED),
        ("refund_pending", RefundStatus.PENDING),
        ("refund_rejected", RefundStatus.FAILED),
    ],
)
def test_refund_and_refund_sync(name: str, status: RefundStatus) -> None:
    for flow in ("refund", "refund_sync"):
        result = run(*FLOW_CASES[flow], 200, fixture(name))
        assert result.status is status and result.connector_refund_id == REFUND_ID
        assert result.amount == 1000 and result.meta["payment_id"] == PAY_ID
        assert (result.failure is not None) is (status is RefundStatus.FAILED)


def test_refund_body() -> None:
    body = body_of(first_request(*FLOW_CASES["refund"]))
    assert body == {
        "payment": PAY_ID, "amount": 10, "currency": "USD",
        "merchant_reference_id": "rf-1", "reason": "damaged",
    }  # fmt: skip


def test_setup_mandate_stores_the_card_on_a_customer() -> None:
    flow, data = FLOW_CASES["setup_mandate"]
    body = body_of(first_request(flow, data))
    assert body["name"] == "Selina Kyle" and body["email"] == "selina@kyle.example"
    assert body["payment_method"]["type"] == "us_visa_card"
    result = run(flow, data, 200, fixture("customer_with_card"))
    assert result.status is MandateStatus.ACTIVE
    assert (result.connector_mandate_id, result.connector_customer_id) == (CARD_ID, CUS_ID)
    assert result.card.last4 == "1111"
    pending = run(flow, data, 200, fixture("customer_card_needs_3ds"))
    assert pending.status is MandateStatus.PENDING and pending.next_action.url


def test_revoke_mandate() -> None:
    flow, data = FLOW_CASES["revoke_mandate"]
    request = first_request(flow, data)
    assert request.method == "DELETE"
    assert request.url == f"{BASE}/v1/customers/{CUS_ID}/payment_methods/{CARD_ID}"
    result = run(flow, data, 200, fixture("payment_method_deleted"))
    assert result.status is MandateStatus.REVOKED
    body = fixture("payment_method_deleted")
    body["data"]["deleted"] = False
    with pytest.raises(ServiceError):
        run(flow, data, 200, body)


# --------------------------------------------------------------------------- webhooks


def signed(name: str, **over: Any) -> tuple[dict[str, str], bytes]:
    body = json.dumps(fixture(name), separators=(",", ":")).encode()
    salt, ts = over.get("salt", "k3j4h5g6f7d8"), str(over.get("ts", int(time.time())))
    secret = over.get("secret", SECRET)
    sig = webhook_signature(over.get("url", WEBHOOK_URL), salt, ts, ACCESS, secret, body)
    return {"salt": salt, "timestamp": ts, "signature": sig}, body


def test_webhook_verify_good_tampered_wrong_secret_stale_missing() -> None:
    headers, body = signed("webhook_payment_completed")
    assert CONNECTOR.webhook_verify(ctx(), headers, body) is True
    tampered = body.replace(PAY_ID.encode(), PAY_ID[:-1].encode() + b"0")
    assert CONNECTOR.webhook_verify(ctx(), headers, tampered) is False
    wrong = signed("webhook_payment_completed", secret=SECRET + "x")[0]
    assert CONNECTOR.webhook_verify(ctx(), wrong, body) is False
    stale = signed("webhook_payment_completed", ts=int(time.time()) - 301)[0]
    assert CONNECTOR.webhook_verify(ctx(), stale, body) is False
    other_url = signed("webhook_payment_completed", url="https://evil.example/hook")[0]
    assert CONNECTOR.webhook_verify(ctx(), other_url, body) is False
    for missing in ("salt", "timestamp", "signature"):
        partial = {k: v for k, v in headers.items() if k != missing}
        assert CONNECTOR.webhook_verify(ctx(), partial, body) is False, missing
    unconfigured = make_ctx(CONNECTOR, {"access_key": ACCESS, "secret_key": SECRET}, {})
    assert CONNECTOR.webhook_verify(unconfigured, headers, body) is False


def test_webhook_timestamp_tolerance_both_sides() -> None:
    headers, body = signed("webhook_payment_completed", ts=1_700_000_000)
    common = {"url": WEBHOOK_URL, "access_key": ACCESS, "secret_key": SECRET}
    assert verify_webhook(headers, body, **common, tolerance_seconds=300, now=1_700_000_300)
    assert not verify_webhook(headers, body, **common, tolerance_seconds=300, now=1_700_000_301)
    assert not verify_webhook(headers, body, **common, tolerance_seconds=300, now=1_699_999_699)


def test_webhook_payment_completed() -> None:
    headers, body = signed("webhook_payment_completed")
    assert CONNECTOR.webhook_identify(headers, body).event_id.startswith("wh_")
    [event] = CONNECTOR.webhook_parse(headers, body)
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.connector_payment_id == PAY_ID and event.amount == 6540
    assert event.payment.status is PaymentStatus.CAPTURED and event.currency == "USD"
    assert event.occurred_at == "1733130100"


def test_webhook_payment_failed_and_refund() -> None:
    [failed] = CONNECTOR.webhook_parse({}, signed("webhook_payment_failed")[1])
    assert failed.type is WebhookEventType.PAYMENT_FAILED
    assert failed.payment.failure.code == "authentication_failed"
    [refund] = CONNECTOR.webhook_parse({}, signed("webhook_refund_completed")[1])
    assert refund.type is WebhookEventType.REFUND_SUCCEEDED
    assert refund.connector_payment_id == PAY_ID and refund.refund.amount == 1000
    assert refund.refund.status is RefundStatus.SUCCEEDED


def test_webhook_unknown_and_garbage() -> None:
    event = fixture("webhook_payment_completed") | {"type": "PAYMENT_DISPUTE_CREATED"}
    [parsed] = CONNECTOR.webhook_parse({}, json.dumps(event).encode())
    assert parsed.type is WebhookEventType.UNKNOWN and parsed.payment is None
    for garbage in (
        b"[]",
        b"not json",
        json.dumps({"id": "wh_1", "type": "PAYMENT_COMPLETED"}).encode(),
        json.dumps(fixture("webhook_payment_completed") | {"id": ""}).encode(),
        json.dumps(
            {**fixture("webhook_payment_completed"), "data": {"id": PAY_ID, "amount": "ten"}}
        ).encode(),
        json.dumps(
            {**fixture("webhook_payment_completed"), "data": {"id": PAY_ID, "currency_code": "XX"}}
        ).encode(),
    ):
        with pytest.raises(ServiceError) as err:
            CONNECTOR.webhook_parse({}, garbage)
        assert err.value.code == "invalid_webhook", garbage


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    before = (
        "> POST https://sandboxapi.rapyd.net/v1/payments\n"
        f"> access_key: {ACCESS}\n"
        "> salt: k3j4h5g6f7d8\n"
        "> signature: NmJmZWI0YzlkZTA2NjQx\n"
        "> idempotency: idem-123\n"
        ">\n"
        f'{{"payment_method":{{"type":"us_visa_card","fields":{{"number":"{PAN}",'
        f'"expiration_month":"03","cvv":"{CVC}"}}}},"merchant_reference_id":"ORD-1"}}\n'
        '{"number":"4000000000000001"}'
    )
    after = (
        "> POST https://sandboxapi.rapyd.net/v1/payments\n"
        "> access_key: [REDACTED]\n"
        "> salt: k3j4h5g6f7d8\n"
        "> signature: [REDACTED]\n"
        "> idempotency: idem-123\n"
        ">\n"
        '{"payment_method":{"type":"us_visa_card","fields":{"number":"[CARD]",'
        '"expiration_month":"03","cvv":"[CVC]"}},"merchant_reference_id":"ORD-1"}\n'
        '{"number":"[CARD]"}'
    )
    assert CONNECTOR.scrub(before) == after


def test_no_secret_survives_any_flow_transcript() -> None:
    for case, (flow, data) in FLOW_CASES.items():
        request = first_request(flow, data)
        text = CONNECTOR.scrub(render_transcript(request, response(200, fixture("payment_3ds"))))
        # The CVC as a value (quoted): three bare digits also turn up in the random salt
        # and the Unix timestamp every signed request carries.
        for secret in (PAN, f'"{CVC}"', ACCESS, SECRET, request.headers["signature"]):
            assert secret not in text, (case, secret)
