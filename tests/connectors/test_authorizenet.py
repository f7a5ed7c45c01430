"""Authorize.net connector: built requests (checked against the fake's XSD-ordered
contract), parsed fixtures (with the gateway's byte-order mark), status / decline /
error maps, the duplicate-window read-back, webhooks, scrub, metadata. The official
SDK comparisons are in test_authorizenet_sdk.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.authorizenet import (
    ACH_RETURN_MAP,
    DECLINE_MAP,
    ECHECK_STATUS,
    PAYMENT_STATUS,
    REFUND_STATUS,
    AuthorizenetConnector,
    AuthorizenetPaymentOptions,
    AuthorizenetUserField,
)
from connector_service.connectors.base import HttpRequest, HttpResponse
from connector_service.domain.common import Customer
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    ListMandatesData,
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
from connector_service.domain.payment_methods import (
    AchDebit,
    ApplePay,
    Card,
    GooglePay,
    MandateAcceptance,
    PayPal,
    Token,
)
from connector_service.domain.secret import Secret
from connector_service.domain.splits import LineItem, Order
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from connector_service.testing.fakes.authorizenet import check_request
from connector_service.testing.spec import SpecViolation
from tests.connectors.harness import drive, make_ctx

CONNECTOR = AuthorizenetConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "authorizenet"
BASE = "https://apitest.authorize.net"
LOGIN, KEY = "5KP3u95bQpv", "346HZ32z3fP4hTG2"
SIGNATURE_KEY = "C1F3" * 32  # 128 hex digits, as the Merchant Interface shows it
PID = "40000012345"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def answer(name: str) -> HttpResponse:
    """A fixture as the gateway sends it: HTTP 200, a byte-order mark, the JSON."""
    raw = b"\xef\xbb\xbf" + json.dumps(fixture(name)).encode()
    return HttpResponse(200, {"content-type": "application/json; charset=utf-8"}, raw)


def ctx(idempotency_key: str | None = "idem-123", **options: str) -> Any:
    creds = {"api_login_id": LOGIN, "transaction_key": KEY, "webhook_secret": SIGNATURE_KEY}
    return make_ctx(CONNECTOR, creds, options, base_url=BASE, idempotency_key=idempotency_key)


def body(request: HttpRequest) -> Any:
    return json.loads(request.body) if request.body else None


def tx_request(request: HttpRequest) -> dict[str, Any]:
    doc: dict[str, Any] = body(request)["createTransactionRequest"]["transactionRequest"]
    return doc


def checked(request: HttpRequest) -> HttpRequest:
    check_request(request)
    return request


def card(number: str = "4111111111111111", cvc: str | None = "123") -> Card:
    return Card(number=Secret(number), exp_month=3, exp_year=2031, cvc=Secret(cvc) if cvc else None)


def authorize(**over: Any) -> AuthorizeData:
    fields: dict[str, Any] = {
        "amount": 1500,
        "currency": "USD",
        "payment_method": card(),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "ord-1001",
    }
    return AuthorizeData(**(fields | over))


def payment(**meta: str) -> PaymentRef:
    return PaymentRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_payment_id=PID,
        amount=1500,
        currency="USD",
        capture_method="manual",
        meta=meta or {"last4": "1111"},
    )


def run(flow: Flow, data: Any, *names: str, **ctx_kw: Any) -> tuple[list[HttpRequest], Any]:
    requests, result = drive(CONNECTOR, flow, ctx(**ctx_kw), data, [answer(n) for n in names])
    for request in requests:
        checked(request)
    return requests, result


# --------------------------------------------------------------------------- requests


def test_authorize_manual_is_auth_only_in_schema_order() -> None:
    data = authorize(
        customer=Customer(id="shopper-42", email="ellen@example.com", name="Ellen Johnson")
    )
    (request,), result = run(Flow.AUTHORIZE, data, "auth_only_approved")
    assert request.method == "POST" and request.url == f"{BASE}/xml/v1/request.api"
    assert request.headers["Content-Type"] == "application/json"
    assert "Authorization" not in request.headers
    inner = body(request)["createTransactionRequest"]
    assert inner["merchantAuthentication"] == {"name": LOGIN, "transactionKey": KEY}
    assert inner["refId"] == "idem-123"
    tx = inner["transactionRequest"]
    assert list(tx) == [
        "transactionType",
        "amount",
        "currencyCode",
        "payment",
        "order",
        "customer",
        "billTo",
        "transactionSettings",
    ]
    assert tx["transactionType"] == "authOnlyTransaction"
    assert tx["amount"] == "15.00" and tx["currencyCode"] == "USD"
    assert tx["payment"] == {
        "creditCard": {
            "cardNumber": "4111111111111111",
            "expirationDate": "2031-03",
            "cardCode": "123",
        }
    }
    assert tx["order"]["invoiceNumber"] == "ord-1001"
    assert tx["customer"] == {
        "type": "individual",
        "id": "shopper-42",
        "email": "ellen@example.com",
    }
    assert tx["billTo"] == {"firstName": "Ellen", "lastName": "Johnson"}
    assert tx["transactionSettings"] == {
        "setting": [{"settingName": "duplicateWindow", "settingValue": "120"}]
    }
    assert request.idempotent
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.connector_payment_id == PID
    assert result.network_transaction_id == "XNE4D6N2ZW8X6ZQ"
    assert result.card is not None and (result.card.brand, result.card.last4) == ("visa", "1111")
    assert result.meta["last4"] == "1111"  # what a refund will name


def test_automatic_capture_is_auth_capture() -> None:
    (request,), result = run(
        Flow.AUTHORIZE, authorize(capture_method=CaptureMethod.AUTOMATIC), "auth_capture_approved"
    )
    assert tx_request(request)["transactionType"] == "authCaptureTransaction"
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 1500


def test_long_keys_become_a_20_character_ref_id() -> None:
    key = "a-very-long-idempotency-key-from-the-service-0123456789"
    request = CONNECTOR.build_authorize(ctx(idempotency_key=key), authorize())
    ref = body(request)["createTransactionRequest"]["refId"]
    assert len(ref) == 20 and ref == hashlib.sha256(key.encode()).hexdigest()[:20]
    assert CONNECTOR.build_authorize(ctx(idempotency_key=key), authorize()).body == request.body
    plain = CONNECTOR.build_authorize(ctx(idempotency_key=None), authorize())
    assert "refId" not in body(plain)["createTransactionRequest"]


def test_duplicate_window_option() -> None:
    request = CONNECTOR.build_capture(
        ctx(duplicate_window="600"), CaptureData(payment=payment(), amount=500, reference="c")
    )
    assert tx_request(request)["transactionSettings"]["setting"][0]["settingValue"] == "600"
    with pytest.raises(ServiceError) as bad:
        CONNECTOR.build_capture(
            ctx(duplicate_window="99999"), CaptureData(payment=payment(), amount=1, reference="c")
        )
    assert bad.value.code == "invalid_account_option"


def test_accept_js_token_is_opaque_data() -> None:
    token = "eyJjb2RlIjoiNTBfMl8wNjAwMDUyN0JEODE4RjQxOUEyRjhGQkIxMkY0MzdGQjAxQUI0OEZGNzRE"
    request = checked(CONNECTOR.build_authorize(ctx(), authorize(payment_method=Token(token))))
    assert tx_request(request)["payment"] == {
        "opaqueData": {"dataDescriptor": "COMMON.ACCEPT.INAPP.PAYMENT", "dataValue": token}
    }


@pytest.mark.parametrize(
    ("wallet", "descriptor"),
    [(ApplePay, "COMMON.APPLE.INAPP.PAYMENT"), (GooglePay, "COMMON.GOOGLE.INAPP.PAYMENT")],
)
def test_wallet_tokens_are_opaque_data(wallet: type[ApplePay | GooglePay], descriptor: str) -> None:
    pm = wallet(token=Secret("eyJ2ZXJzaW9uIjoiRUNfdjEiLCJkYXRhIjoi"))
    request = checked(CONNECTOR.build_authorize(ctx(), authorize(payment_method=pm)))
    assert tx_request(request)["payment"] == {
        "opaqueData": {
            "dataDescriptor": descriptor,
            "dataValue": "eyJ2ZXJzaW9uIjoiRUNfdjEiLCJkYXRhIjoi",
        }
    }


def test_a_paypal_wallet_is_not_supported_naming_the_field() -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), authorize(payment_method=PayPal()))
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "payment_method.type"


def test_bad_currency_names_the_field() -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), authorize(currency="XYZ"))
    assert err.value.field == "currency"


def test_capture_is_prior_auth_capture_partial() -> None:
    (request,), result = run(
        Flow.CAPTURE,
        CaptureData(payment=payment(), amount=1050, reference="c"),
        "capture_approved",
    )
    tx = tx_request(request)
    assert (tx["transactionType"], tx["amount"], tx["refTransId"]) == (
        "priorAuthCaptureTransaction",
        "10.50",
        PID,
    )
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED and result.amount_captured == 1050
    _, full = run(
        Flow.CAPTURE,
        CaptureData(payment=payment(), amount=1500, reference="c"),
        "capture_approved",
    )
    assert full.status is PaymentStatus.CAPTURED


def test_capture_of_a_captured_payment_is_a_conflict() -> None:
    with pytest.raises(ServiceError) as err:
        run(
            Flow.CAPTURE,
            CaptureData(payment=payment(), amount=1, reference="c"),
            "already_captured",
        )
    assert err.value.type is ErrorType.CONFLICT and err.value.code == "payment_not_capturable"
    assert err.value.gateway is not None and err.value.gateway.code == "311"


def test_void() -> None:
    (request,), result = run(Flow.VOID, VoidData(payment=payment()), "void_approved")
    assert tx_request(request) == {
        "transactionType": "voidTransaction",
        "refTransId": PID,
        "transactionSettings": {
            "setting": [{"settingName": "duplicateWindow", "settingValue": "120"}]
        },
    }
    assert result.status is PaymentStatus.VOIDED


def test_refund_names_the_last_four_digits() -> None:
    (request,), result = run(
        Flow.REFUND,
        RefundData(payment=payment(), amount=400, reference="rf-1"),
        "refund_approved",
    )
    tx = tx_request(request)
    assert tx["transactionType"] == "refundTransaction" and tx["amount"] == "4.00"
    assert tx["payment"] == {"creditCard": {"cardNumber": "1111", "expirationDate": "XXXX"}}
    assert tx["refTransId"] == PID and tx["order"]["invoiceNumber"] == "rf-1"
    assert result.status is RefundStatus.SUCCEEDED
    assert result.connector_refund_id == "40000012399" and result.amount == 400


def test_refund_of_a_profile_payment_names_the_profile() -> None:
    ref = payment(customer_profile_id="527262", payment_profile_id="87936")
    request = checked(
        CONNECTOR.build_refund(ctx(), RefundData(payment=ref, amount=100, reference="r"))
    )
    tx = tx_request(request)
    assert "payment" not in tx
    assert tx["profile"] == {
        "customerProfileId": "527262",
        "paymentProfile": {"paymentProfileId": "87936"},
    }


def test_refund_without_card_digits_is_a_clear_conflict() -> None:
    ref = PaymentRef(
        account="a",
        connector="authorizenet",
        connector_payment_id=PID,
        amount=1,
        currency="USD",
        capture_method="manual",
    )
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_refund(ctx(), RefundData(payment=ref, amount=1, reference="r"))
    assert err.value.type is ErrorType.CONFLICT and err.value.code == "payment_not_refundable"


@pytest.mark.parametrize(
    ("name", "etype", "code"),
    [
        ("refund_unsettled", ErrorType.CONFLICT, "payment_not_refundable"),
        ("refund_exceeds", ErrorType.INVALID_REQUEST, "invalid_amount"),
    ],
)
def test_refund_errors(name: str, etype: ErrorType, code: str) -> None:
    with pytest.raises(ServiceError) as err:
        run(Flow.REFUND, RefundData(payment=payment(), amount=99999, reference="r"), name)
    assert (err.value.type, err.value.code) == (etype, code)


# --------------------------------------------------------------------------- sync


def test_sync_reads_transaction_details() -> None:
    (request,), result = run(Flow.SYNC, SyncData(payment=payment()), "details_authorized")
    assert body(request) == {
        "getTransactionDetailsRequest": {
            "merchantAuthentication": {"name": LOGIN, "transactionKey": KEY},
            "transId": PID,
        }
    }
    assert result.status is PaymentStatus.AUTHORIZED and result.amount == 1500
    assert result.reference == "ord-1001" and result.network_transaction_id == "XNE4D6N2ZW8X6ZQ"


def test_sync_of_a_partial_capture() -> None:
    _, result = run(Flow.SYNC, SyncData(payment=payment()), "details_partially_captured")
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED and result.amount_captured == 1050


def test_sync_of_a_declined_transaction() -> None:
    _, result = run(Flow.SYNC, SyncData(payment=payment()), "details_declined")
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None and result.failure.code == DeclineCode.GENERIC_DECLINE


def test_unknown_status_is_processing_never_success(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        _, result = run(Flow.SYNC, SyncData(payment=payment()), "details_unknown_status")
    assert result.status is PaymentStatus.PROCESSING
    assert "unknown gateway status" in caplog.text


def test_an_unresolved_payment_is_found_by_its_invoice_number() -> None:
    lost = PaymentRef(
        account="a",
        connector="authorizenet",
        connector_payment_id="",
        amount=1500,
        currency="USD",
        capture_method="manual",
        meta={"reference": "ord-1001"},
    )
    (request,), result = run(Flow.SYNC, SyncData(payment=lost), "unsettled_list")
    inner = body(request)["getUnsettledTransactionListRequest"]
    assert inner["sorting"] == {"orderBy": "submitTimeUTC", "orderDescending": "true"}
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == PID
    assert result.card is not None and result.card.last4 == "1111"
    other = PaymentRef(
        account="a",
        connector="authorizenet",
        connector_payment_id="",
        amount=1500,
        currency="USD",
        capture_method="manual",
        meta={"reference": "never-sent"},
    )
    _, missing = run(Flow.SYNC, SyncData(payment=other), "unsettled_list")
    assert missing.status is PaymentStatus.UNRESOLVED and not missing.connector_payment_id
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_sync(
            ctx(),
            SyncData(
                payment=PaymentRef(
                    account="a",
                    connector="authorizenet",
                    connector_payment_id="",
                    amount=1,
                    currency="USD",
                    capture_method="manual",
                )
            ),
        )
    assert err.value.http_status in (400, 409, 422)


def test_unknown_transaction_is_not_found() -> None:
    with pytest.raises(ServiceError) as err:
        run(Flow.SYNC, SyncData(payment=payment()), "not_found")
    assert err.value.type is ErrorType.NOT_FOUND


def test_refund_sync() -> None:
    refund = RefundRef(
        account="a",
        connector="authorizenet",
        connector_refund_id="40000012399",
        connector_payment_id="40000012346",
        amount=400,
        currency="USD",
    )
    _, result = run(Flow.REFUND_SYNC, RefundSyncData(refund=refund), "details_refund")
    assert result.status is RefundStatus.SUCCEEDED and result.amount == 400
    assert result.meta == {"payment_id": "40000012346"}


def test_status_maps_never_guess_success() -> None:
    assert PAYMENT_STATUS["authorizedPendingCapture"] is PaymentStatus.AUTHORIZED
    assert PAYMENT_STATUS["underReview"] is PaymentStatus.PROCESSING
    assert PAYMENT_STATUS["couldNotVoid"] is PaymentStatus.PROCESSING
    assert PAYMENT_STATUS["expired"] is PaymentStatus.VOIDED
    assert REFUND_STATUS["refundPendingSettlement"] is RefundStatus.SUCCEEDED
    assert REFUND_STATUS["voided"] is RefundStatus.FAILED


# --------------------------------------------------------------------------- declines, errors


@pytest.mark.parametrize(
    ("name", "code"),
    [("declined", DeclineCode.GENERIC_DECLINE), ("expired_card", DeclineCode.EXPIRED_CARD)],
)
def test_declines_are_results(name: str, code: DeclineCode) -> None:
    _, result = run(Flow.AUTHORIZE, authorize(), name)
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None and result.failure.code == code
    assert result.failure.gateway is not None
    assert (
        result.failure.gateway.code
        == fixture(name)["transactionResponse"]["errors"][0]["errorCode"]
    )


def test_held_for_review_is_processing() -> None:
    _, result = run(Flow.AUTHORIZE, authorize(), "held_for_review")
    assert result.status is PaymentStatus.PROCESSING and result.pending_reason == "under_review"


def test_decline_table() -> None:
    assert DECLINE_MAP["4"] is DeclineCode.PICKUP_CARD
    assert DECLINE_MAP["44"] is DeclineCode.INCORRECT_CVC
    assert DECLINE_MAP["250"] is DeclineCode.FRAUD_SUSPECTED


def test_a_transaction_error_is_an_error_not_a_decline() -> None:
    with pytest.raises(ServiceError) as err:
        run(Flow.AUTHORIZE, authorize(), "missing_field")
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.code == "invalid_field"


def test_bad_credentials_are_a_connector_error() -> None:
    with pytest.raises(ServiceError) as err:
        run(Flow.AUTHORIZE, authorize(), "auth_failed")
    assert err.value.type is ErrorType.CONNECTOR
    assert err.value.code == "gateway_authentication_failed"
    assert err.value.gateway is not None and err.value.gateway.code == "E00007"


def test_a_resend_in_the_duplicate_window_reads_the_original() -> None:
    requests, result = run(Flow.AUTHORIZE, authorize(), "duplicate", "details_authorized")
    assert [next(iter(body(r))) for r in requests] == [
        "createTransactionRequest",
        "getTransactionDetailsRequest",
    ]
    assert body(requests[1])["getTransactionDetailsRequest"]["transId"] == PID
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == PID


def test_a_resent_capture_or_void_is_a_conflict() -> None:
    with pytest.raises(ServiceError) as err:
        run(Flow.CAPTURE, CaptureData(payment=payment(), amount=1050, reference="c"), "duplicate")
    assert err.value.type is ErrorType.CONFLICT and err.value.code == "duplicate_request"
    with pytest.raises(ServiceError) as err:
        run(Flow.VOID, VoidData(payment=payment()), "duplicate")
    assert err.value.type is ErrorType.CONFLICT


def test_already_voided_is_a_conflict_even_when_approved() -> None:
    doc = fixture("void_approved")
    doc["transactionResponse"]["messages"] = [
        {"code": "310", "description": "This transaction has already been voided."}
    ]
    raw = b"\xef\xbb\xbf" + json.dumps(doc).encode()
    steps = CONNECTOR.steps(Flow.VOID, ctx(), VoidData(payment=payment()))
    next(steps)
    with pytest.raises(ServiceError) as err:
        steps.send(HttpResponse(200, {}, raw))
    assert err.value.type is ErrorType.CONFLICT and err.value.code == "payment_not_voidable"


def test_a_resent_refund_reads_the_original_refund() -> None:
    data = RefundData(payment=payment(), amount=400, reference="rf-1")
    requests, result = run(Flow.REFUND, data, "duplicate_refund", "details_refund")
    assert body(requests[1])["getTransactionDetailsRequest"]["transId"] == "40000012399"
    assert result.status is RefundStatus.SUCCEEDED and result.connector_refund_id == "40000012399"
    assert result.amount == 400


# --------------------------------------------------------------------------- mandates


def test_setup_mandate_creates_a_cim_profile() -> None:
    data = MandateSetupData(
        payment_method=card(),
        currency="USD",
        amount=0,
        reference="mdt-1",
        customer=Customer(id="shopper-42", email="jane@example.com", name="Jane Shopper"),
    )
    (request,), result = run(Flow.SETUP_MANDATE, data, "profile_created")
    inner = body(request)["createCustomerProfileRequest"]
    assert inner["validationMode"] == "liveMode"
    profile = inner["profile"]
    assert profile["merchantCustomerId"] == "shopper-42" and profile["email"] == "jane@example.com"
    assert list(profile["paymentProfiles"][0]) == [
        "customerType",
        "billTo",
        "payment",
        "defaultPaymentProfile",
    ]
    assert result.status is MandateStatus.ACTIVE
    assert (result.connector_mandate_id, result.connector_customer_id) == ("87936", "527262")
    assert result.card is not None and result.card.last4 == "1111"


def test_setup_mandate_declined_validation_is_a_failed_mandate() -> None:
    data = MandateSetupData(
        payment_method=card("4000000000000002"),
        currency="USD",
        amount=0,
        reference="m",
        customer=Customer(email="j@example.com"),
    )
    _, result = run(Flow.SETUP_MANDATE, data, "profile_declined")
    assert result.status is MandateStatus.FAILED
    assert result.failure is not None and result.failure.code == DeclineCode.GENERIC_DECLINE


def test_charge_mandate_uses_the_profile_as_merchant_initiated() -> None:
    ref = MandateRef(
        account="a",
        connector="authorizenet",
        connector_mandate_id="87936",
        customer_id="527262",
        network_transaction_id="XNE4D6N2ZW8X6ZQ",
    )
    data = authorize(
        payment_method=StoredMandate(ref=ref), capture_method=CaptureMethod.AUTOMATIC, amount=999
    )
    (request,), result = run(Flow.AUTHORIZE, data, "auth_capture_approved")
    tx = tx_request(request)
    assert tx["profile"] == {
        "customerProfileId": "527262",
        "paymentProfile": {"paymentProfileId": "87936"},
    }
    assert "payment" not in tx
    assert tx["processingOptions"] == {"isSubsequentAuth": "true"}
    assert tx["subsequentAuthInformation"] == {"originalNetworkTransId": "XNE4D6N2ZW8X6ZQ"}
    assert result.status is PaymentStatus.CAPTURED
    assert result.meta["payment_profile_id"] == "87936"


def test_setup_future_usage_creates_the_profile_with_the_payment() -> None:
    data = authorize(
        setup_future_usage=True,
        capture_method=CaptureMethod.AUTOMATIC,
        customer=Customer(email="jane@example.com"),
    )
    (request,), result = run(Flow.AUTHORIZE, data, "auth_capture_profile_created")
    tx = tx_request(request)
    assert tx["profile"] == {"createProfile": "true"}
    assert tx["processingOptions"] == {"isFirstSubsequentAuth": "true"}
    assert result.mandate is not None and result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == "87936"


def test_revoke_mandate_deletes_the_payment_profile() -> None:
    ref = MandateRef(
        account="a", connector="authorizenet", connector_mandate_id="87936", customer_id="527262"
    )
    (request,), result = run(Flow.REVOKE_MANDATE, MandateRevokeData(mandate=ref), "profile_deleted")
    inner = body(request)["deleteCustomerPaymentProfileRequest"]
    assert (inner["customerProfileId"], inner["customerPaymentProfileId"]) == ("527262", "87936")
    assert result.status is MandateStatus.REVOKED


def test_list_mandates_reads_the_profile_with_card_summaries() -> None:
    (request,), result = run(
        Flow.LIST_MANDATES, ListMandatesData(customer_id="527262"), "profile_read"
    )
    assert body(request)["getCustomerProfileRequest"] == {
        "merchantAuthentication": {"name": LOGIN, "transactionKey": KEY},
        "customerProfileId": "527262",
        "unmaskExpirationDate": "true",
    }
    assert [m.connector_mandate_id for m in result.methods] == ["87936", "87937"]
    first, second = result.methods
    assert first.status is MandateStatus.ACTIVE and first.connector_customer_id == "527262"
    assert first.card is not None
    assert (first.card.brand, first.card.last4, first.card.exp_year, first.card.exp_month) == (
        "visa",
        "1111",
        2031,
        3,
    )
    assert second.card is not None and second.card.brand == "mastercard"
    with pytest.raises(ServiceError) as err:
        run(Flow.LIST_MANDATES, ListMandatesData(customer_id="1"), "not_found")
    assert err.value.type is ErrorType.NOT_FOUND


def test_revoke_of_an_unknown_profile_is_not_found() -> None:
    ref = MandateRef(
        account="a", connector="authorizenet", connector_mandate_id="1", customer_id="2"
    )
    with pytest.raises(ServiceError) as err:
        run(Flow.REVOKE_MANDATE, MandateRevokeData(mandate=ref), "not_found")
    assert err.value.type is ErrorType.NOT_FOUND


# --------------------------------------------------------------------------- the contract


def test_the_fake_refuses_out_of_order_and_unknown_fields() -> None:
    request = CONNECTOR.build_void(ctx(), VoidData(payment=payment()))
    doc = body(request)
    tx = doc["createTransactionRequest"]["transactionRequest"]
    doc["createTransactionRequest"]["transactionRequest"] = dict(reversed(list(tx.items())))
    swapped = HttpRequest("POST", request.url, request.headers, json.dumps(doc).encode())
    with pytest.raises(SpecViolation, match="order"):
        check_request(swapped)
    tx["surprise"] = "x"
    odd = HttpRequest(
        "POST",
        request.url,
        request.headers,
        json.dumps(
            body(request)
            | {
                "createTransactionRequest": {
                    **doc["createTransactionRequest"],
                    "transactionRequest": tx,
                }
            }
        ).encode(),
    )
    with pytest.raises(SpecViolation, match="surprise"):
        check_request(odd)


# --------------------------------------------------------------------------- webhooks


def signed(raw: bytes, key: str = SIGNATURE_KEY) -> dict[str, str]:
    digest = hmac.new(key.encode(), raw, hashlib.sha512).hexdigest().upper()
    return {"x-anet-signature": f"sha512={digest}"}


WEBHOOK = (FIXTURES / "webhook_authcapture.json").read_bytes()


def test_webhook_verify_good_tampered_wrong_secret_missing() -> None:
    assert CONNECTOR.webhook_verify(ctx(), signed(WEBHOOK), WEBHOOK) is True
    lower = {"x-anet-signature": signed(WEBHOOK)["x-anet-signature"].lower()}
    assert CONNECTOR.webhook_verify(ctx(), lower, WEBHOOK) is True
    tampered = WEBHOOK.replace(b"40000012346", b"40000012347")
    assert CONNECTOR.webhook_verify(ctx(), signed(WEBHOOK), tampered) is False
    assert CONNECTOR.webhook_verify(ctx(), signed(WEBHOOK, "0" * 128), WEBHOOK) is False
    assert CONNECTOR.webhook_verify(ctx(), {}, WEBHOOK) is False
    digest = signed(WEBHOOK)["x-anet-signature"].removeprefix("sha512=")
    assert (
        CONNECTOR.webhook_verify(ctx(), {"x-anet-signature": f"sha256={digest}"}, WEBHOOK) is False
    )
    no_secret = make_ctx(CONNECTOR, {"api_login_id": LOGIN, "transaction_key": KEY}, base_url=BASE)
    assert CONNECTOR.webhook_verify(no_secret, signed(WEBHOOK), WEBHOOK) is False


def test_webhook_known_vector() -> None:
    """HMAC-SHA512 of the body under the key's text (not its hex-decoded bytes)."""
    raw = b'{"notificationId":"n-1"}'
    header = "sha512=" + hmac.new(b"KEY", raw, hashlib.sha512).hexdigest().upper()
    key_ctx = make_ctx(
        CONNECTOR,
        {"api_login_id": LOGIN, "transaction_key": KEY, "webhook_secret": "KEY"},
        base_url=BASE,
    )
    assert CONNECTOR.webhook_verify(key_ctx, {"x-anet-signature": header}, raw) is True


def test_webhook_identify_and_parse_payment() -> None:
    assert CONNECTOR.webhook_identify({}, WEBHOOK).event_id == (
        "d0e8e7fe-c3e7-4add-a480-27bc5ce28a1e"
    )
    (event,) = CONNECTOR.webhook_parse({}, WEBHOOK)
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.connector_payment_id == "40000012346"
    assert event.payment is not None and event.payment.status is PaymentStatus.CAPTURED
    assert event.payment.reference == "ord-1001"
    assert event.connector_event_type == "net.authorize.payment.authcapture.created"


def test_webhook_parse_refund_and_profile_and_unknown() -> None:
    (refund,) = CONNECTOR.webhook_parse({}, (FIXTURES / "webhook_refund.json").read_bytes())
    assert refund.type is WebhookEventType.REFUND_SUCCEEDED
    assert refund.refund is not None and refund.refund.connector_refund_id == "40000012399"
    deleted = json.dumps(
        {
            "notificationId": "n-2",
            "eventType": "net.authorize.customer.paymentProfile.deleted",
            "payload": {
                "customerProfileId": 527262,
                "entityName": "customerPaymentProfile",
                "id": "87936",
            },
        }
    ).encode()
    (event,) = CONNECTOR.webhook_parse({}, deleted)
    assert event.type is WebhookEventType.MANDATE_REVOKED
    assert event.mandate is not None and event.mandate.connector_mandate_id == "87936"
    other = json.dumps(
        {
            "notificationId": "n-3",
            "eventType": "net.authorize.customer.created",
            "payload": {"id": "1"},
        }
    ).encode()
    assert CONNECTOR.webhook_parse({}, other)[0].type is WebhookEventType.UNKNOWN


def test_a_declined_authorization_event_is_a_failure() -> None:
    raw = json.dumps(
        {
            "notificationId": "n-4",
            "eventType": "net.authorize.payment.authorization.created",
            "payload": {"responseCode": 2, "id": "4001", "entityName": "transaction"},
        }
    ).encode()
    (event,) = CONNECTOR.webhook_parse({}, raw)
    assert event.type is WebhookEventType.PAYMENT_FAILED
    assert event.payment is not None and event.payment.status is PaymentStatus.FAILED


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        b'{"eventType": "net.authorize.payment.void.created"}',
        b'{"notificationId": "n", "eventType": "net.authorize.payment.void.created",'
        b' "payload": {}}',
    ],
)
def test_a_verified_body_that_is_not_an_event_is_refused(raw: bytes) -> None:
    """(garbage amounts too: see test_garbage_amounts_are_refused)"""
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse({}, raw)
    assert err.value.type is ErrorType.INVALID_REQUEST


# --------------------------------------------------------------------------- scrub, metadata


def test_scrub_exact() -> None:
    before = (
        "> POST https://apitest.authorize.net/xml/v1/request.api\n"
        "> X-ANET-Signature: sha512=ABCDEF0123\n"
        ">\n"
        f'{{"merchantAuthentication":{{"name":"{LOGIN}","transactionKey":"{KEY}"}},'
        '"creditCard":{"cardNumber":"4111111111111111","expirationDate":"2031-03",'
        '"cardCode":"123"},"opaqueData":{"dataValue":"eyJjb2RlIjoi"},'
        '"refund":{"cardNumber":"1111"},"lineItem":{"name":"Golf shirt"},'
        '"bankAccount":{"accountType":"checking","routingNumber":"110000000",'
        '"accountNumber":"000123456789","nameOnAccount":"Jenny Rosen","echeckType":"WEB"},'
        '"masked":{"routingNumber":"XXXX0000","accountNumber":"XXXX6789"}}'
    )
    after = (
        "> POST https://apitest.authorize.net/xml/v1/request.api\n"
        "> X-ANET-Signature: [REDACTED]\n"
        ">\n"
        '{"merchantAuthentication":{"name":"[REDACTED]","transactionKey":"[REDACTED]"},'
        '"creditCard":{"cardNumber":"[REDACTED]","expirationDate":"2031-03",'
        '"cardCode":"[REDACTED]"},"opaqueData":{"dataValue":"[REDACTED]"},'
        '"refund":{"cardNumber":"[REDACTED]"},"lineItem":{"name":"Golf shirt"},'
        '"bankAccount":{"accountType":"checking","routingNumber":"[REDACTED]",'
        '"accountNumber":"[REDACTED]","nameOnAccount":"Jenny Rosen","echeckType":"WEB"},'
        '"masked":{"routingNumber":"[REDACTED]","accountNumber":"[REDACTED]"}}'
    )
    assert CONNECTOR.scrub(before) == after


def test_scrubbed_transcript_holds_no_secret() -> None:
    request = CONNECTOR.build_authorize(ctx(), authorize())
    text = CONNECTOR.scrub(render_transcript(request, answer("auth_only_approved")))
    for secret in (KEY, LOGIN, "4111111111111111"):
        assert secret not in text
    assert PID in text and '"cardCode": "123"' not in text


def test_metadata() -> None:
    meta = CONNECTOR.meta
    assert meta.name == "authorizenet"
    assert meta.secret_fields == ("api_login_id", "transaction_key", "webhook_secret")
    assert {f.value for f in meta.flows} == {
        "authorize",
        "capture",
        "void",
        "refund",
        "sync",
        "refund_sync",
        "setup_mandate",
        "revoke_mandate",
        "charge_mandate",
        "list_mandates",
        "webhooks",
    }
    assert {m.value for m in meta.payment_methods} == {
        "card",
        "token",
        "apple_pay",
        "google_pay",
        "mandate",
        "ach_debit",
    }
    assert meta.base_url_live == "https://api.authorize.net"


def test_setup_mandate_with_an_amount_is_not_supported() -> None:
    data = MandateSetupData(
        payment_method=card(),
        currency="USD",
        amount=100,
        reference="m",
        customer=Customer(email="j@example.com"),
    )
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_setup_mandate(ctx(), data)
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "amount"


@pytest.mark.parametrize("amount", ["12.00", -1, 1.505, None, True, [1]])
def test_garbage_amounts_are_refused(amount: Any) -> None:
    doc = json.loads(WEBHOOK)
    doc["payload"]["authAmount"] = amount
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse({}, json.dumps(doc).encode())
    assert err.value.code == "invalid_webhook" and err.value.field == "payload.authAmount"
    doc["payload"] = "not an object"
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse({}, json.dumps(doc).encode())


# --------------------------------------------------------------------------- options, order


def _order(**over: Any) -> Order:
    fields: dict[str, Any] = {
        "line_items": [
            LineItem(name="Golf shirt", quantity=2, unit_amount=500, tax_amount=80, sku="GS-1"),
            LineItem(
                name="A very long product name beyond 31 characters", quantity=1, unit_amount=300
            ),
        ],
        "shipping_amount": 120,
        "customer_reference": "PO-4471",
    }
    return Order(**(fields | over))


def test_order_is_level_2_and_3_data_in_schema_order() -> None:
    data = authorize(amount=1500, order=_order())
    request = checked(CONNECTOR.build_authorize(ctx(), data))
    tx = tx_request(request)
    assert tx["lineItems"] == {
        "lineItem": [
            {
                "itemId": "GS-1",
                "name": "Golf shirt",
                "quantity": "2",
                "unitPrice": "5.00",
                "taxable": "true",
                "taxAmount": "0.80",
            },
            {
                "itemId": "2",
                "name": "A very long product name beyond",
                "description": "A very long product name beyond 31 characters",
                "quantity": "1",
                "unitPrice": "3.00",
            },
        ]
    }
    assert tx["tax"] == {"amount": "0.80"} and tx["shipping"] == {"amount": "1.20"}
    assert tx["poNumber"] == "PO-4471"
    keys = list(tx)
    assert (
        keys.index("order")
        < keys.index("lineItems")
        < keys.index("tax")
        < keys.index("shipping")
        < keys.index("poNumber")
        < keys.index("transactionSettings")
    )


def test_order_limits_name_the_field() -> None:
    many = [LineItem(name=f"item {i}", quantity=1, unit_amount=10) for i in range(31)]
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), authorize(amount=310, order=Order(line_items=many)))
    assert (err.value.code, err.value.field) == ("invalid_order", "order.line_items")
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), authorize(order=_order(customer_reference="P" * 26)))
    assert err.value.field == "order.customer_reference"
    long_sku = [LineItem(name="x", quantity=1, unit_amount=1500, sku="S" * 32)]
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), authorize(order=Order(line_items=long_sku)))
    assert err.value.field == "order.line_items[0].sku"


def test_payment_options_map_to_their_fields() -> None:
    options = AuthorizenetPaymentOptions(
        po_number="PO-9",
        tax_exempt=True,
        user_fields=[AuthorizenetUserField(name="campaign", value="winter")],
    )
    data = authorize(order=_order())
    data.options = options
    tx = tx_request(checked(CONNECTOR.build_authorize(ctx(), data)))
    assert tx["poNumber"] == "PO-9"  # the option wins over order.customer_reference
    assert tx["taxExempt"] == "true"
    assert tx["userFields"] == {"userField": [{"name": "campaign", "value": "winter"}]}
    keys = list(tx)
    assert keys.index("taxExempt") < keys.index("poNumber") < keys.index("userFields")


def test_options_and_order_metadata() -> None:
    meta = CONNECTOR.meta
    assert meta.options is not None and meta.options.payment is AuthorizenetPaymentOptions
    assert meta.splits is None and meta.order is not None


# --------------------------------------------------------------------------- eChecks

ACCOUNT, ROUTING = "000123456789", "110000000"


def ach(**over: Any) -> AchDebit:
    fields: dict[str, Any] = {
        "account_number": Secret(ACCOUNT),
        "routing_number": ROUTING,
        "account_holder_name": "Jenny Rosen",
        "mandate_acceptance": MandateAcceptance(
            accepted_at="2026-12-03T10:00:00Z", ip_address="192.0.2.7", user_agent="Mozilla/5.0"
        ),
    }
    return AchDebit(**(fields | over))


def echeck_payment() -> PaymentRef:
    return PaymentRef(
        account="authorizenet-test",
        connector="authorizenet",
        connector_payment_id="40000012401",
        amount=1500,
        currency="USD",
        capture_method="automatic",
        meta={"method": "bankAccount"},
    )


def test_an_echeck_is_an_auth_capture_with_the_bank_account_in_schema_order() -> None:
    data = authorize(payment_method=ach(), capture_method=CaptureMethod.AUTOMATIC)
    (request,), result = run(Flow.AUTHORIZE, data, "echeck_approved")
    tx = tx_request(request)
    assert tx["transactionType"] == "authCaptureTransaction"
    assert list(tx["payment"]) == ["bankAccount"]
    bank = tx["payment"]["bankAccount"]
    assert list(bank) == [
        "accountType", "routingNumber", "accountNumber", "nameOnAccount", "echeckType"
    ]  # fmt: skip
    assert bank == {
        "accountType": "checking",
        "routingNumber": ROUTING,
        "accountNumber": ACCOUNT,
        "nameOnAccount": "Jenny Rosen",
        "echeckType": "WEB",
    }
    # the customer's online authorization came from this address
    assert tx["customerIP"] == "192.0.2.7"
    # taken in, not paid: it settles days later and may still be returned
    assert result.status is PaymentStatus.PROCESSING
    assert result.pending_reason == "settlement_pending"
    assert result.amount_captured is None
    assert result.connector_payment_id == "40000012401"
    assert result.card is None  # the payment shows ach_debit, not a card
    assert result.meta == {"method": "bankAccount", "bank_debit": "1"}


@pytest.mark.parametrize(
    ("account_type", "holder", "sent", "entry"),
    [
        ("checking", "individual", "checking", "WEB"),
        ("savings", "individual", "savings", "WEB"),
        ("checking", "company", "businessChecking", "CCD"),
    ],
)
def test_echeck_account_types_and_entry_classes(
    account_type: str, holder: str, sent: str, entry: str
) -> None:
    pm = ach(account_type=account_type, account_holder_type=holder)
    request = checked(
        CONNECTOR.build_authorize(
            ctx(), authorize(payment_method=pm, capture_method=CaptureMethod.AUTOMATIC)
        )
    )
    bank = tx_request(request)["payment"]["bankAccount"]
    assert (bank["accountType"], bank["echeckType"]) == (sent, entry)


def test_a_company_savings_account_is_refused_not_sent_as_a_consumer_debit() -> None:
    pm = ach(account_type="savings", account_holder_type="company")
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.build_authorize(
            ctx(), authorize(payment_method=pm, capture_method=CaptureMethod.AUTOMATIC)
        )
    assert raised.value.type is ErrorType.NOT_SUPPORTED
    assert raised.value.field == "payment_method.account_holder_type"


def test_the_name_on_the_account_is_cut_to_the_schemas_22_characters() -> None:
    pm = ach(account_holder_name="Bartholomew Montgomery-Fitzgerald")
    request = checked(
        CONNECTOR.build_authorize(
            ctx(), authorize(payment_method=pm, capture_method=CaptureMethod.AUTOMATIC)
        )
    )
    assert tx_request(request)["payment"]["bankAccount"]["nameOnAccount"] == (
        "Bartholomew Montgomery"
    )


def test_an_echeck_is_never_held() -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(
            ctx(), authorize(payment_method=ach(), capture_method=CaptureMethod.MANUAL)
        )
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "capture_method"
    assert err.value.code == "not_supported"


def test_the_declaration_refuses_a_held_echeck_before_the_connector() -> None:
    from connector_service.connectors.capabilities import check_method
    from connector_service.domain.payment_methods import PaymentMethodType

    meta = CONNECTOR.meta
    with pytest.raises(ServiceError) as err:
        check_method(meta.display_name, meta.methods, PaymentMethodType.ACH_DEBIT,
                     currency="USD", manual_capture=True)  # fmt: skip
    assert err.value.field == "capture_method"
    with pytest.raises(ServiceError) as err:
        check_method(meta.display_name, meta.methods, PaymentMethodType.ACH_DEBIT, currency="CAD")
    assert err.value.field == "currency"


def test_an_auth_only_with_a_bank_account_breaks_the_fakes_contract() -> None:
    request = CONNECTOR.build_authorize(
        ctx(), authorize(payment_method=ach(), capture_method=CaptureMethod.AUTOMATIC)
    )
    doc = body(request)
    doc["createTransactionRequest"]["transactionRequest"]["transactionType"] = "authOnlyTransaction"
    bad = HttpRequest(request.method, request.url, request.headers, json.dumps(doc).encode())
    with pytest.raises(SpecViolation, match="bankAccount"):
        check_request(bad)


def test_a_refused_account_number_is_a_400_naming_it() -> None:
    data = authorize(payment_method=ach(), capture_method=CaptureMethod.AUTOMATIC)
    with pytest.raises(ServiceError) as err:
        run(Flow.AUTHORIZE, data, "echeck_invalid_account")
    assert err.value.type is ErrorType.INVALID_REQUEST
    assert err.value.field == "payment_method.account_number"
    assert ACCOUNT not in str(err.value)


@pytest.mark.parametrize(
    ("name", "status", "captured", "pending"),
    [
        ("details_echeck_pending", PaymentStatus.PROCESSING, None, "settlement_pending"),
        ("details_echeck_settled", PaymentStatus.CAPTURED, 1500, None),
        ("details_echeck_returned", PaymentStatus.FAILED, None, None),
    ],
)
def test_an_echeck_sync_follows_settlement_and_returns(
    name: str, status: PaymentStatus, captured: int | None, pending: str | None
) -> None:
    _, result = run(Flow.SYNC, SyncData(payment=echeck_payment()), name)
    assert result.status is status
    assert result.amount_captured == captured
    assert result.pending_reason == pending
    assert result.card is None and result.meta["method"] == "bankAccount"
    if status is PaymentStatus.FAILED:
        assert result.failure.code == DeclineCode.INSUFFICIENT_FUNDS.value
        assert result.failure.gateway.code == "R01"


def test_echeck_statuses_differ_from_cards_only_before_settlement() -> None:
    differ = {k for k in PAYMENT_STATUS if PAYMENT_STATUS[k] is not ECHECK_STATUS[k]}
    assert differ == {"capturedPendingSettlement"}
    assert ECHECK_STATUS["returnedItem"] is PaymentStatus.FAILED


@pytest.mark.parametrize(
    ("code", "unified"),
    [
        ("R01", DeclineCode.INSUFFICIENT_FUNDS),
        ("R02", DeclineCode.DO_NOT_TRY_AGAIN),
        ("R03", DeclineCode.INCORRECT_NUMBER),
        ("R10", DeclineCode.REVOCATION_OF_AUTHORIZATION),
        ("R16", DeclineCode.BLOCKED),
        ("R99", DeclineCode.GENERIC_DECLINE),
    ],
)
def test_ach_return_codes(code: str, unified: DeclineCode) -> None:
    from connector_service.connectors import kit

    assert kit.decline_of(ACH_RETURN_MAP, code, default=DeclineCode.GENERIC_DECLINE) is unified


def test_an_echeck_refund_names_the_account_as_the_gateway_shows_it() -> None:
    data = RefundData(payment=echeck_payment(), amount=500, reference="rf-e1")
    (details, request), result = run(Flow.REFUND, data, "details_echeck_settled", "refund_approved")
    assert body(details)["getTransactionDetailsRequest"]["transId"] == "40000012401"
    tx = tx_request(request)
    assert tx["transactionType"] == "refundTransaction"
    assert tx["refTransId"] == "40000012401"
    assert tx["payment"] == {
        "bankAccount": {
            "accountType": "checking",
            "routingNumber": "XXXX0000",
            "accountNumber": "XXXX6789",
            "nameOnAccount": "Jenny Rosen",
        }
    }
    assert result.status is RefundStatus.SUCCEEDED and result.amount == 500


def test_an_echeck_refund_without_the_account_in_the_details_is_a_conflict() -> None:
    data = RefundData(payment=echeck_payment(), amount=500, reference="rf-e2")
    with pytest.raises(ServiceError) as err:
        run(Flow.REFUND, data, "details_authorized")
    assert err.value.code == "payment_not_refundable"


def test_an_unsettled_echeck_is_voided() -> None:
    (request,), result = run(Flow.VOID, VoidData(payment=echeck_payment()), "void_approved")
    assert tx_request(request) == {
        "transactionType": "voidTransaction",
        "refTransId": "40000012401",
        "transactionSettings": tx_request(request)["transactionSettings"],
    }
    assert result.status is PaymentStatus.VOIDED


def test_an_echeck_transcript_holds_no_account_number() -> None:
    data = authorize(payment_method=ach(), capture_method=CaptureMethod.AUTOMATIC)
    request = CONNECTOR.build_authorize(ctx(), data)
    text = CONNECTOR.scrub(render_transcript(request, answer("echeck_approved")))
    assert ACCOUNT not in text and ROUTING not in text
    assert "Jenny Rosen" in text and "40000012401" in text


def test_a_stored_profile_answered_as_an_echeck_is_processing_too() -> None:
    """A payment profile holding a bank account (made in the Merchant Interface) is an
    eCheck when charged: the answer's accountType says so."""
    ref = MandateRef(account="a", connector="authorizenet", connector_mandate_id="87936",
                     customer_id="527262")  # fmt: skip
    data = authorize(payment_method=StoredMandate(ref=ref), capture_method=CaptureMethod.AUTOMATIC)
    _, result = run(Flow.AUTHORIZE, data, "echeck_approved")
    assert result.status is PaymentStatus.PROCESSING
    assert result.pending_reason == "settlement_pending"
    assert result.meta == {
        "customer_profile_id": "527262",
        "payment_profile_id": "87936",
        "method": "bankAccount",
        "bank_debit": "1",
    }
    # and a card profile stays captured
    _, card_result = run(Flow.AUTHORIZE, data, "auth_capture_approved")
    assert card_result.status is PaymentStatus.CAPTURED


def test_a_resent_echeck_is_the_original_debit_read_back() -> None:
    data = authorize(payment_method=ach(), capture_method=CaptureMethod.AUTOMATIC)
    (_, details), result = run(Flow.AUTHORIZE, data, "duplicate", "details_echeck_pending")
    assert "getTransactionDetailsRequest" in body(details)
    assert result.status is PaymentStatus.PROCESSING
    assert result.pending_reason == "settlement_pending"
    assert result.meta == {"method": "bankAccount", "bank_debit": "1"}


# --------------------------------------------------------------------------- stored eChecks


def bank_mandate(**meta: str) -> MandateRef:
    return MandateRef(
        account="a",
        connector="authorizenet",
        connector_mandate_id="87950",
        customer_id="527270",
        meta=meta or {"method": "bankAccount", "bank_debit": "1"},
    )


def ach_setup(pm: AchDebit | None = None) -> MandateSetupData:
    return MandateSetupData(
        payment_method=pm or ach(),
        currency="USD",
        amount=0,
        reference="mdt-ach-1",
        customer=Customer(id="shopper-77", email="jenny@example.com", name="Jenny Rosen"),
    )


def test_a_bank_account_mandate_is_a_cim_profile_with_the_bank_account_in_schema_order() -> None:
    (request,), result = run(Flow.SETUP_MANDATE, ach_setup(), "profile_created_bank_account")
    inner = body(request)["createCustomerProfileRequest"]
    assert list(inner) == ["merchantAuthentication", "refId", "profile", "validationMode"]
    profile = inner["profile"]
    assert profile["description"] == "Stored bank account (mdt-ach-1)"
    (payment_profile,) = profile["paymentProfiles"]
    assert list(payment_profile) == ["customerType", "billTo", "payment", "defaultPaymentProfile"]
    assert payment_profile["customerType"] == "individual"
    assert payment_profile["payment"] == {
        "bankAccount": {
            "accountType": "checking",
            "routingNumber": ROUTING,
            "accountNumber": ACCOUNT,
            "nameOnAccount": "Jenny Rosen",
            "echeckType": "WEB",
        }
    }
    assert list(payment_profile["payment"]["bankAccount"]) == [
        "accountType", "routingNumber", "accountNumber", "nameOnAccount", "echeckType"
    ]  # fmt: skip
    # a bank account has no zero-amount authorization to void: format checks only
    assert inner["validationMode"] == "testMode"
    assert result.status is MandateStatus.ACTIVE
    assert (result.connector_mandate_id, result.connector_customer_id) == ("87950", "527270")
    assert result.card is None
    # its charges are bank debits: the core's events read this mark
    assert result.meta == {"method": "bankAccount", "bank_debit": "1"}


@pytest.mark.parametrize(
    ("option", "sent"), [("liveMode", "testMode"), ("testMode", "testMode"), ("none", "none")]
)
def test_a_bank_account_is_validated_for_format_at_most(option: str, sent: str) -> None:
    request = checked(CONNECTOR.build_setup_mandate(ctx(validation_mode=option), ach_setup()))
    assert body(request)["createCustomerProfileRequest"]["validationMode"] == sent
    # a card keeps the option as given
    card_setup = MandateSetupData(
        payment_method=card(),
        currency="USD",
        amount=0,
        reference="m",
        customer=Customer(email="j@example.com"),
    )
    card_request = CONNECTOR.build_setup_mandate(ctx(validation_mode=option), card_setup)
    assert body(card_request)["createCustomerProfileRequest"]["validationMode"] == option


def test_a_company_checking_account_is_stored_as_a_business_ccd_profile() -> None:
    pm = ach(account_type="checking", account_holder_type="company")
    request = checked(CONNECTOR.build_setup_mandate(ctx(), ach_setup(pm)))
    (payment_profile,) = body(request)["createCustomerProfileRequest"]["profile"]["paymentProfiles"]
    assert payment_profile["customerType"] == "business"
    bank = payment_profile["payment"]["bankAccount"]
    assert (bank["accountType"], bank["echeckType"]) == ("businessChecking", "CCD")
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_setup_mandate(
            ctx(), ach_setup(ach(account_type="savings", account_holder_type="company"))
        )
    assert err.value.type is ErrorType.NOT_SUPPORTED
    assert err.value.field == "payment_method.account_holder_type"


def test_a_bank_profile_breaks_the_fakes_contract_when_too_long() -> None:
    """The fake checks a stored bank account's facets as it checks a debit's."""
    request = CONNECTOR.build_setup_mandate(ctx(), ach_setup())
    doc = body(request)
    bank = doc["createCustomerProfileRequest"]["profile"]["paymentProfiles"][0]["payment"]
    bank["bankAccount"]["routingNumber"] = "1100000001"
    bad = HttpRequest(request.method, request.url, request.headers, json.dumps(doc).encode())
    with pytest.raises(SpecViolation, match="routingNumber"):
        check_request(bad)


def test_a_bank_account_mandate_is_charged_as_an_echeck() -> None:
    data = authorize(
        payment_method=StoredMandate(ref=bank_mandate()), capture_method=CaptureMethod.AUTOMATIC
    )
    # the gateway's answer does not need to say eCheck: the mandate's mark does
    (request,), result = run(Flow.AUTHORIZE, data, "auth_capture_approved")
    tx = tx_request(request)
    assert tx["transactionType"] == "authCaptureTransaction"
    assert tx["profile"] == {
        "customerProfileId": "527270",
        "paymentProfile": {"paymentProfileId": "87950"},
    }
    # the card networks' stored-credential flags are not sent for a bank account
    assert "processingOptions" not in tx and "subsequentAuthInformation" not in tx
    assert result.status is PaymentStatus.PROCESSING
    assert result.pending_reason == "settlement_pending"
    assert result.amount_captured is None and result.card is None
    assert result.meta == {
        "customer_profile_id": "527270",
        "payment_profile_id": "87950",
        "method": "bankAccount",
        "bank_debit": "1",
    }


def test_a_bank_account_mandate_is_never_held() -> None:
    data = authorize(payment_method=StoredMandate(ref=bank_mandate()))  # manual
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_authorize(ctx(), data)
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "capture_method"
    # a card mandate may still be held
    card_ref = bank_mandate(last4="1111")
    checked(CONNECTOR.build_authorize(ctx(), authorize(payment_method=StoredMandate(ref=card_ref))))


def test_setup_future_usage_on_an_echeck_stores_the_bank_account_with_the_debit() -> None:
    data = authorize(
        payment_method=ach(),
        capture_method=CaptureMethod.AUTOMATIC,
        setup_future_usage=True,
        customer=Customer(id="shopper-77", email="jenny@example.com"),
    )
    (request,), result = run(Flow.AUTHORIZE, data, "echeck_profile_created")
    tx = tx_request(request)
    assert list(tx["payment"]) == ["bankAccount"]
    assert tx["profile"] == {"createProfile": "true"}
    keys = list(tx)
    assert keys.index("payment") < keys.index("profile") < keys.index("order")
    assert "processingOptions" not in tx  # isFirstSubsequentAuth is a card's
    assert result.status is PaymentStatus.PROCESSING
    assert result.pending_reason == "settlement_pending"
    mandate = result.mandate
    assert mandate is not None and mandate.status is MandateStatus.ACTIVE
    assert (mandate.connector_mandate_id, mandate.connector_customer_id) == ("87950", "527270")
    assert mandate.card is None
    assert mandate.meta == {"method": "bankAccount", "bank_debit": "1"}


def test_a_card_saved_with_a_payment_has_no_bank_mark() -> None:
    data = authorize(setup_future_usage=True, capture_method=CaptureMethod.AUTOMATIC,
                     customer=Customer(email="jane@example.com"))  # fmt: skip
    _, result = run(Flow.AUTHORIZE, data, "auth_capture_profile_created")
    assert result.mandate is not None and result.mandate.meta == {}


def test_a_listed_bank_account_profile_has_no_card_summary_and_is_a_bank_debit() -> None:
    _, result = run(
        Flow.LIST_MANDATES, ListMandatesData(customer_id="527262"), "profile_read_bank_account"
    )
    cards = [m for m in result.methods if m.card is not None]
    (bank,) = [m for m in result.methods if m.card is None]
    assert bank.connector_mandate_id == "87950"
    assert bank.meta == {"method": "bankAccount", "bank_debit": "1"}
    assert all(m.meta == {} for m in cards) and len(cards) == 2


def test_scrub_exact_of_a_bank_account_profile_request() -> None:
    request = CONNECTOR.build_setup_mandate(ctx(), ach_setup())
    assert request.body is not None
    before = request.body.decode()
    assert before == (
        f'{{"createCustomerProfileRequest":{{"merchantAuthentication":{{"name":"{LOGIN}",'
        f'"transactionKey":"{KEY}"}},"refId":"idem-123","profile":{{"merchantCustomerId":'
        '"shopper-77","description":"Stored bank account (mdt-ach-1)","email":'
        '"jenny@example.com","paymentProfiles":[{"customerType":"individual","billTo":'
        '{"firstName":"Jenny","lastName":"Rosen"},"payment":{"bankAccount":{"accountType":'
        f'"checking","routingNumber":"{ROUTING}","accountNumber":"{ACCOUNT}","nameOnAccount":'
        '"Jenny Rosen","echeckType":"WEB"}},"defaultPaymentProfile":"true"}]},'
        '"validationMode":"testMode"}}'
    )
    assert CONNECTOR.scrub(before) == (
        '{"createCustomerProfileRequest":{"merchantAuthentication":{"name":"[REDACTED]",'
        '"transactionKey":"[REDACTED]"},"refId":"idem-123","profile":{"merchantCustomerId":'
        '"shopper-77","description":"Stored bank account (mdt-ach-1)","email":'
        '"jenny@example.com","paymentProfiles":[{"customerType":"individual","billTo":'
        '{"firstName":"Jenny","lastName":"Rosen"},"payment":{"bankAccount":{"accountType":'
        '"checking","routingNumber":"[REDACTED]","accountNumber":"[REDACTED]","nameOnAccount":'
        '"Jenny Rosen","echeckType":"WEB"}},"defaultPaymentProfile":"true"}]},'
        '"validationMode":"testMode"}}'
    )
