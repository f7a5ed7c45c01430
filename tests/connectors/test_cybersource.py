"""Cybersource connector unit tests: built requests and their HTTP Signature, parsed
fixtures, status / decline / error maps, TMS mandates, webhooks (good, tampered, wrong
secret, stale, missing), exact scrub. The official SDK comparisons are in
test_cybersource_sdk.py."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.cybersource import (
    DECLINE_MAP,
    PAYMENT_STATUS,
    TRANSACTION_STATUS,
    CybersourceConnector,
    commerce_indicator,
)
from connector_service.domain.common import Address, Customer
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    IncrementData,
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
    ApplePay,
    Card,
    CardBrand,
    GooglePay,
    NetworkToken,
    ThreeDsResult,
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
from connector_service.testing.fakes.cybersource import check_request, signature_of
from connector_service.testing.spec import SpecViolation
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = CybersourceConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "cybersource"
MERCHANT = "unit_merchant"
KEY_ID = "0b2d1f7a-4b3c-4d5e-8f90-1a2b3c4d5e6f"
SECRET = base64.b64encode(b"unit-test-shared-secret-32-bytes").decode()
WEBHOOK_KEY = base64.b64encode(b"unit-test-webhook-signature-key!").decode()
PID, CAP = "6950793928196286004807", "6950794054586290604806"
REV, RID = "6950794306136293004807", "6950794689146298404807"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx() -> Any:
    creds = {"merchant_id": MERCHANT, "key_id": KEY_ID, "shared_secret": SECRET,
             "webhook_secret": WEBHOOK_KEY}  # fmt: skip
    return make_ctx(CONNECTOR, creds, base_url="https://apitest.cybersource.com")


def card(number: str = "4111111111111111") -> Card:
    return Card(number=Secret(number), exp_month=3, exp_year=2031, cvc=Secret("123"))


def auth_data(capture: CaptureMethod = CaptureMethod.MANUAL, **extra: Any) -> AuthorizeData:
    return AuthorizeData(
        amount=10221, currency="USD", payment_method=extra.pop("payment_method", card()),
        capture_method=capture, reference="order-1", **extra,
    )  # fmt: skip


def ref(meta: dict[str, str] | None = None, amount: int = 10221) -> PaymentRef:
    return PaymentRef(
        account="cybersource-test", connector="cybersource", connector_payment_id=PID,
        amount=amount, currency="USD", capture_method="manual", meta=meta or {},
    )  # fmt: skip


def body(request: HttpRequest) -> Any:
    return json.loads(request.body or b"{}")


# --------------------------------------------------------------------------- metadata


def test_metadata() -> None:
    meta = CONNECTOR.meta
    assert meta.name == "cybersource" and meta.idempotency == "none"
    assert {f.value for f in meta.flows} == {
        "authorize", "capture", "void", "refund", "sync", "refund_sync", "setup_mandate",
        "charge_mandate", "revoke_mandate", "increment", "webhooks",
    }  # fmt: skip
    assert set(meta.secret_fields) == {"merchant_id", "key_id", "shared_secret", "webhook_secret"}


# --------------------------------------------------------------------------- requests


def test_authorize_builds_a_signed_card_request() -> None:
    request = CONNECTOR.build_authorize(ctx(), auth_data(customer=Customer(email="a@b.example")))
    assert request.method == "POST"
    assert request.url == "https://apitest.cybersource.com/pts/v2/payments"
    assert body(request) == {
        "clientReferenceInformation": {"code": "order-1"},
        "processingInformation": {"capture": False, "commerceIndicator": "internet"},
        "paymentInformation": {"card": {"number": "4111111111111111", "expirationMonth": "03",
                                        "expirationYear": "2031", "securityCode": "123"}},
        "orderInformation": {"amountDetails": {"totalAmount": "102.21", "currency": "USD"},
                             "billTo": {"email": "a@b.example"}},
    }  # fmt: skip
    assert not request.idempotent  # Cybersource deduplicates nothing: never re-sent
    check_request(request, MERCHANT)  # the fake's contract
    sent, expected = signature_of(request, SECRET) or ("", "?")
    assert sent == expected
    headers = request.headers
    assert headers["v-c-merchant-id"] == MERCHANT and headers["Date"].endswith("GMT")
    assert headers["Signature"].startswith(f'keyid="{KEY_ID}", algorithm="HmacSHA256", ')


def test_a_wrong_secret_or_changed_body_breaks_the_signature() -> None:
    request = CONNECTOR.build_authorize(ctx(), auth_data())
    other = base64.b64encode(b"not the shared secret").decode()
    sent, expected = signature_of(request, other) or ("", "")
    assert sent != expected
    changed = HttpRequest(request.method, request.url, request.headers, b'{"x":1}')
    with pytest.raises(SpecViolation, match="Digest"):
        check_request(changed, MERCHANT)


def test_shipping_descriptor_and_device_are_sent() -> None:
    data = auth_data(
        shipping=Address(first_name="Olivia", line1="1295 Charleston Rd", country="US"),
        statement_descriptor="Shop Example",
        customer=Customer(ip_address="203.0.113.7"),
    )
    sent = body(CONNECTOR.build_authorize(ctx(), data))
    assert sent["orderInformation"]["shipTo"] == {
        "firstName": "Olivia", "address1": "1295 Charleston Rd", "country": "US"
    }  # fmt: skip
    assert sent["merchantInformation"] == {"merchantDescriptor": {"name": "Shop Example"}}
    assert sent["deviceInformation"] == {"ipAddress": "203.0.113.7"}
    check_request(CONNECTOR.build_authorize(ctx(), data), MERCHANT)


def test_order_is_sent_as_level_3_data() -> None:
    order = Order(
        line_items=[LineItem(name="Widget", quantity=2, unit_amount=4960, tax_amount=100),
                    LineItem(name="Box", quantity=1, unit_amount=1, sku="B-1")],
        shipping_amount=200,
        customer_reference="PO-123",
    )  # fmt: skip
    data = auth_data(order=order)
    data.amount = 10221
    sent = body(CONNECTOR.build_authorize(ctx(), data))["orderInformation"]
    assert sent["lineItems"] == [
        {"productName": "Widget", "quantity": 2, "unitPrice": "49.60", "taxAmount": "1.00",
         "totalAmount": "99.20"},
        {"productName": "Box", "productSKU": "B-1", "quantity": 1, "unitPrice": "0.01",
         "totalAmount": "0.01"},
    ]  # fmt: skip
    assert sent["amountDetails"] == {"totalAmount": "102.21", "currency": "USD",
                                     "taxAmount": "1.00", "freightAmount": "2.00"}  # fmt: skip
    assert sent["invoiceDetails"] == {"purchaseOrderNumber": "PO-123"}
    check_request(CONNECTOR.build_authorize(ctx(), data), MERCHANT)
    assert CONNECTOR.meta.order is not None and CONNECTOR.meta.splits is None


def test_a_sale_captures_and_jpy_has_no_decimals() -> None:
    data = auth_data(CaptureMethod.AUTOMATIC)
    data.currency, data.amount = "JPY", 1000
    sent = body(CONNECTOR.build_authorize(ctx(), data))
    assert sent["processingInformation"]["capture"] is True
    assert sent["orderInformation"]["amountDetails"] == {"totalAmount": "1000", "currency": "JPY"}


def test_a_bad_shared_secret_is_a_clear_error() -> None:
    bad = make_ctx(CONNECTOR, {"merchant_id": MERCHANT, "key_id": KEY_ID,
                               "shared_secret": "not base64!"})  # fmt: skip
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.build_authorize(bad, auth_data())
    assert raised.value.code == "gateway_misconfigured" and "base64" in raised.value.message


def test_a_token_is_not_supported_naming_the_field() -> None:
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.build_authorize(ctx(), auth_data(payment_method=Token(token="tok_1")))
    assert raised.value.type is ErrorType.NOT_SUPPORTED
    assert raised.value.field == "payment_method.type"


# --------------------------------------------------------------------------- network tokens

VISA_TOKEN, MC_TOKEN, AMEX_TOKEN = "4895370012003478", "5204731600014792", "374245455400126"
TAVV = "AgAAAAAABk4DWZ4C28yUQAAAAAA="


def token(number: str = VISA_TOKEN, source: str = "network_token", eci: str | None = None,
          cryptogram: str = TAVV) -> NetworkToken:  # fmt: skip
    return NetworkToken(number=Secret(number), exp_month=12, exp_year=2033,
                        cryptogram=Secret(cryptogram), eci=eci, source=source)  # type: ignore[arg-type]  # fmt: skip


def test_a_network_token_is_a_tokenized_card_on_file() -> None:
    request = CONNECTOR.build_authorize(ctx(), auth_data(payment_method=token(eci="07")))
    sent = body(request)
    assert sent["paymentInformation"] == {"tokenizedCard": {
        "number": VISA_TOKEN, "expirationMonth": "12", "expirationYear": "2033",
        "cryptogram": TAVV, "type": "001", "transactionType": "3"}}  # fmt: skip
    # a card-on-file token: the TAVV in tokenizedCard, no wallet, no authentication block
    assert sent["processingInformation"] == {"capture": False, "commerceIndicator": "internet"}
    assert "consumerAuthenticationInformation" not in sent
    check_request(request, MERCHANT)


@pytest.mark.parametrize(
    ("pm", "solution", "indicator", "authentication"),
    [
        (token(source="apple_pay", eci="05"), "001", "vbv", {"cavv": TAVV}),
        (token(source="apple_pay", eci="07"), "001", "internet", {"cavv": TAVV}),
        (token(MC_TOKEN, source="google_pay"), "012", "spa",
         {"ucafAuthenticationData": TAVV, "ucafCollectionIndicator": "2"}),
        (token(AMEX_TOKEN, source="apple_pay", eci="05"), "001", "aesk", {"cavv": TAVV}),
    ],
)  # fmt: skip
def test_a_decrypted_wallet_token_names_its_wallet_and_authentication(
    pm: NetworkToken, solution: str, indicator: str, authentication: dict[str, str]
) -> None:
    request = CONNECTOR.build_authorize(ctx(), auth_data(payment_method=pm))
    sent = body(request)
    assert sent["processingInformation"] == {
        "capture": False, "commerceIndicator": indicator, "paymentSolution": solution}  # fmt: skip
    assert sent["paymentInformation"]["tokenizedCard"]["transactionType"] == "1"
    assert sent["consumerAuthenticationInformation"] == authentication
    check_request(request, MERCHANT)


def test_an_amex_40_byte_cryptogram_is_split_into_cavv_and_xid() -> None:
    block_a, block_b = bytes(range(20)), bytes(range(20, 40))
    whole = base64.b64encode(block_a + block_b).decode()
    pm = token(AMEX_TOKEN, source="apple_pay", eci="05", cryptogram=whole)
    sent = body(CONNECTOR.build_authorize(ctx(), auth_data(payment_method=pm)))
    b64 = base64.b64encode
    assert sent["consumerAuthenticationInformation"] == {
        "cavv": b64(block_a).decode(), "xid": b64(block_b).decode()}  # fmt: skip
    assert sent["paymentInformation"]["tokenizedCard"]["cryptogram"] == whole


def test_a_tokenized_card_answer_gives_the_card_summary() -> None:
    answer = {"id": PID, "status": "AUTHORIZED", "paymentInformation": {"tokenizedCard": {
        "prefix": "489537", "suffix": "3478", "expirationMonth": "12", "expirationYear": "2033",
        "type": "001"}}}  # fmt: skip
    data = auth_data(payment_method=token())
    result = CONNECTOR.parse_authorize(ctx(), data, response(201, answer))
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.card is not None and (result.card.brand, result.card.last4) == ("visa", "3478")


def test_a_missing_cryptogram_answer_names_our_field() -> None:
    answer = {"status": "INVALID_REQUEST", "reason": "MISSING_FIELD", "message": "missing",
              "details": [{"field": "paymentInformation.tokenizedCard.cryptogram",
                           "reason": "MISSING_FIELD"}]}  # fmt: skip
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.parse_authorize(ctx(), auth_data(), response(400, answer))
    assert raised.value.field == "payment_method.cryptogram"


# --------------------------------------------------------------------------- wallets (encrypted)

APPLE_TOKEN = '{"version":"EC_v1","data":"t7GeajLB9skXB6QSWfEpPA4WPhD==","signature":"MIAGCSqG"}'
GOOGLE_TOKEN = '{"signature":"MEQCIH6Q","protocolVersion":"ECv2","signedMessage":"{}"}'


def test_an_apple_pay_token_goes_for_cybersource_to_decrypt() -> None:
    request = CONNECTOR.build_authorize(
        ctx(), auth_data(payment_method=ApplePay(token=Secret(APPLE_TOKEN)))
    )
    sent = body(request)
    assert sent["paymentInformation"] == {
        "fluidData": {"descriptor": "RklEPUNPTU1PTi5BUFBMRS5JTkFQUC5QQVlNRU5U",
                      "value": base64.b64encode(APPLE_TOKEN.encode()).decode()},
        "tokenizedCard": {"transactionType": "1"},
    }  # fmt: skip
    # the ECI is in the token Cybersource decrypts: no commerce indicator of ours
    assert sent["processingInformation"] == {"capture": False, "paymentSolution": "001"}
    check_request(request, MERCHANT)


def test_a_google_pay_token_base64_as_given_and_a_bad_one_named() -> None:
    given = base64.b64encode(GOOGLE_TOKEN.encode()).decode()
    request = CONNECTOR.build_authorize(
        ctx(), auth_data(payment_method=GooglePay(token=Secret(given)))
    )
    sent = body(request)
    assert sent["paymentInformation"] == {"fluidData": {"value": given}}
    assert sent["processingInformation"] == {"capture": False, "paymentSolution": "012"}
    check_request(request, MERCHANT)
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.build_authorize(ctx(), auth_data(payment_method=GooglePay(token=Secret("%%"))))
    assert raised.value.field == "payment_method.token"


# --------------------------------------------------------------------------- external 3-D Secure

CAVV = "AAABBEg0VhI0VniQEjRWAAAAAAA="
DS_ID = "f25084f0-5b16-4c0a-ae5d-b24808a95e4b"


def authenticated(number: str, eci: str, version: str = "2.2.0") -> Card:
    ds_id = DS_ID if version.startswith("2") else None
    result = ThreeDsResult(authentication_value=Secret(CAVV), eci=eci, version=version,
                           ds_transaction_id=ds_id)  # fmt: skip
    return Card(number=Secret(number), exp_month=3, exp_year=2031, cvc=Secret("123"),
                three_ds=result)  # fmt: skip


def test_external_3ds_is_declared_for_cards() -> None:
    from connector_service.domain.payment_methods import PaymentMethodType

    assert CONNECTOR.meta.methods[PaymentMethodType.CARD].external_3ds


@pytest.mark.parametrize(
    ("number", "eci", "indicator", "values"),
    [
        ("4111111111111111", "05", "vbv", {"cavv": CAVV}),
        ("4111111111111111", "06", "vbv_attempted", {"cavv": CAVV}),
        ("5555555555554444", "02", "spa",
         {"ucafAuthenticationData": CAVV, "ucafCollectionIndicator": "2"}),
        ("5555555555554444", "01", "spa",
         {"ucafAuthenticationData": CAVV, "ucafCollectionIndicator": "1"}),
        ("378282246310005", "05", "aesk", {"cavv": CAVV}),
    ],
)  # fmt: skip
def test_external_3ds_results_go_in_consumer_authentication_information(
    number: str, eci: str, indicator: str, values: dict[str, str]
) -> None:
    request = CONNECTOR.build_authorize(ctx(), auth_data(payment_method=authenticated(number, eci)))
    sent = body(request)
    assert sent["processingInformation"]["commerceIndicator"] == indicator
    assert sent["consumerAuthenticationInformation"] == values | {
        "eciRaw": eci, "paSpecificationVersion": "2.2.0",
        "directoryServerTransactionId": DS_ID}  # fmt: skip
    assert sent["paymentInformation"]["card"]["number"] == number
    check_request(request, MERCHANT)


@pytest.mark.parametrize("eci", ["00", "06", "07"])
def test_a_mastercard_result_that_is_no_authentication_nor_attempt_is_refused(eci: str) -> None:
    """UCAF indicator 2 claims full authentication (ECI 02), 1 an attempt (ECI 01); ECI
    00 is "not authenticated" and 06 / 07 have values of their own: none is sent as 2."""
    data = auth_data(payment_method=authenticated("5555555555554444", eci))
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.build_authorize(ctx(), data)
    assert raised.value.type is ErrorType.INVALID_REQUEST
    assert raised.value.field == "payment_method.three_ds.eci"


def test_a_3ds_1_result_is_not_supported_naming_the_version() -> None:
    data = auth_data(payment_method=authenticated("4111111111111111", "05", "1.0.2"))
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.build_authorize(ctx(), data)
    assert raised.value.type is ErrorType.NOT_SUPPORTED
    assert raised.value.field == "payment_method.three_ds.version"


@pytest.mark.parametrize(
    ("brand", "eci", "indicator"),
    [
        (CardBrand.VISA, "05", "vbv"), (CardBrand.VISA, "06", "vbv_attempted"),
        (CardBrand.VISA, "07", "internet"), (CardBrand.VISA, None, "internet"),
        (CardBrand.MASTERCARD, "02", "spa"), (CardBrand.MASTERCARD, "01", "spa"),
        (CardBrand.MASTERCARD, "06", "spa"), (CardBrand.MASTERCARD, "00", "internet"),
        (CardBrand.MAESTRO, "02", "spa"), (CardBrand.AMEX, "06", "aesk_attempted"),
        (CardBrand.DISCOVER, "05", "dipb"), (CardBrand.DINERS, "05", "pb"),
        (CardBrand.JCB, "06", "js_attempted"), (CardBrand.UNIONPAY, "05", "up3ds"),
        (CardBrand.UNKNOWN, "05", "internet"),
    ],
)  # fmt: skip
def test_commerce_indicator_follows_the_payer_authentication_values(
    brand: CardBrand, eci: str | None, indicator: str
) -> None:
    assert commerce_indicator(brand, eci) == indicator


def test_an_unknown_currency_is_refused_naming_the_field() -> None:
    data = auth_data()
    data.currency = "XXY"
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.build_authorize(ctx(), data)
    assert raised.value.field == "currency"


def test_capture_void_refund_paths() -> None:
    cap = CONNECTOR.build_capture(ctx(), CaptureData(payment=ref(), amount=5000, reference="c"))
    assert cap.url.endswith(f"/pts/v2/payments/{PID}/captures")
    assert body(cap)["orderInformation"] == {
        "amountDetails": {"totalAmount": "50.00", "currency": "USD"}
    }
    reversal = CONNECTOR.build_void(ctx(), VoidData(payment=ref(), reason="duplicate"))
    assert reversal.url.endswith(f"/pts/v2/payments/{PID}/reversals")
    assert body(reversal)["reversalInformation"] == {
        "amountDetails": {"totalAmount": "102.21"},
        "reason": "duplicate",
    }
    void = CONNECTOR.build_void(ctx(), VoidData(payment=ref({"capture_id": CAP})))
    assert void.url.endswith(f"/pts/v2/captures/{CAP}/voids")
    refund_sale = CONNECTOR.build_refund(ctx(), RefundData(payment=ref(), amount=1000,
                                                           reference="r"))  # fmt: skip
    assert refund_sale.url.endswith(f"/pts/v2/payments/{PID}/refunds")
    refund_cap = CONNECTOR.build_refund(
        ctx(), RefundData(payment=ref({"capture_id": CAP}), amount=1000, reference="r")
    )
    assert refund_cap.url.endswith(f"/pts/v2/captures/{CAP}/refunds")
    for request in (cap, reversal, void, refund_sale, refund_cap):
        check_request(request, MERCHANT)


def test_sync_reads_the_latest_transaction() -> None:
    cases = [({}, PID), ({"capture_id": CAP}, CAP), ({"capture_id": CAP, "void_id": "9"}, "9"),
             ({"reversal_id": REV}, REV)]  # fmt: skip
    for meta, tid in cases:
        request = CONNECTOR.build_sync(ctx(), SyncData(payment=ref(meta)))
        assert request.method == "GET" and request.url.endswith(f"/tss/v2/transactions/{tid}")
        assert request.body is None and request.idempotent
        assert "Digest" not in request.headers
        check_request(request, MERCHANT)


def unresolved(meta: dict[str, str] | None = None) -> PaymentRef:
    return PaymentRef(account="a", connector="cybersource", connector_payment_id="",
                      amount=10221, currency="USD", capture_method="manual",
                      meta={"reference": 'TC50171_3'} if meta is None else meta)  # fmt: skip


def test_sync_without_an_id_searches_by_reference() -> None:
    request = CONNECTOR.build_sync(ctx(), SyncData(payment=unresolved()))
    assert request.method == "POST" and request.url.endswith("/tss/v2/searches")
    assert request.idempotent  # a search: safe to repeat
    assert body(request)["query"].startswith('clientReferenceInformation.code:"TC50171_3" AND ')
    check_request(request, MERCHANT)
    quoted = CONNECTOR.build_sync(ctx(), SyncData(payment=unresolved({"reference": 'a"b'})))
    assert body(quoted)["query"].startswith('clientReferenceInformation.code:"a\\"b" AND ')
    with pytest.raises(ServiceError) as raised:  # nothing to search by
        CONNECTOR.build_sync(ctx(), SyncData(payment=unresolved({})))
    assert raised.value.field is not None


def test_a_search_finds_the_latest_authorization_or_nothing() -> None:
    _, found = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=unresolved()),
                     [response(201, fixture("search_found"))])  # fmt: skip
    assert found.status is PaymentStatus.AUTHORIZED and found.connector_payment_id == PID
    assert found.amount == 10221 and found.reference == "TC50171_3"
    with pytest.raises(ServiceError) as raised:
        drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=unresolved()),
              [response(201, fixture("search_empty"))])  # fmt: skip
    assert raised.value.type is ErrorType.NOT_FOUND
    declined = fixture("search_found")
    declined["_embedded"]["transactionSummaries"] = declined["_embedded"]["transactionSummaries"][
        :1
    ]
    _, failed = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=unresolved()),
                      [response(201, declined)])  # fmt: skip
    assert failed.status is PaymentStatus.FAILED and failed.failure is not None


# --------------------------------------------------------------------------- parsers


def authorized(name: str, capture: CaptureMethod = CaptureMethod.MANUAL, status: int = 201) -> Any:
    _, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), auth_data(capture),
                      [response(status, fixture(name))])  # fmt: skip
    return result


def test_parse_authorized_and_sale() -> None:
    result = authorized("payment_authorized")
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == PID
    assert result.amount == 10221 and result.network_transaction_id == "123456789619999"
    assert result.reference == "TC50171_3"
    sale = authorized("payment_authorized", CaptureMethod.AUTOMATIC)
    assert sale.status is PaymentStatus.CAPTURED and sale.amount_captured == 10221


def test_a_decline_is_a_result() -> None:
    result = authorized("payment_declined")
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id == PID
    assert result.failure.code == "insufficient_funds" and result.failure.category == "soft"
    assert result.failure.gateway.code == "INSUFFICIENT_FUND"


def test_mastercard_advice_sets_the_category() -> None:
    result = authorized("payment_declined_advice")  # MAC 03: do not try again
    assert result.failure.code == "insufficient_funds" and result.failure.category == "hard"
    assert result.failure.advice_code == "03"


def test_review_and_unknown_statuses_are_never_success() -> None:
    review = authorized("payment_pending_review")
    assert review.status is PaymentStatus.PROCESSING and review.pending_reason
    unknown = authorized("payment_unknown_status")
    assert unknown.status is PaymentStatus.PROCESSING


def test_every_status_maps_and_none_unknown_is_success() -> None:
    documented = {"AUTHORIZED", "PARTIAL_AUTHORIZED", "AUTHORIZED_PENDING_REVIEW",
                  "AUTHORIZED_RISK_DECLINED", "PENDING_AUTHENTICATION", "PENDING_REVIEW",
                  "DECLINED", "INVALID_REQUEST"}  # fmt: skip
    assert documented == set(PAYMENT_STATUS)
    assert {"REVERSED", "VOIDED", "TRANSMITTED"} <= set(TRANSACTION_STATUS)


def test_decline_table_covers_the_documented_reasons() -> None:
    for raw, code in [("EXPIRED_CARD", DeclineCode.EXPIRED_CARD),
                      ("STOLEN_LOST_CARD", DeclineCode.STOLEN_CARD),
                      ("CVN_NOT_MATCH", DeclineCode.INCORRECT_CVC),
                      ("GENERAL_DECLINE", DeclineCode.GENERIC_DECLINE),
                      ("DECISION_PROFILE_REJECT", DeclineCode.FRAUD_SUSPECTED)]:  # fmt: skip
        assert DECLINE_MAP[raw] is code, raw


def test_parse_capture_partial_and_full() -> None:
    data = CaptureData(payment=ref(), amount=10221, reference="c")
    _, full = drive(
        CONNECTOR, Flow.CAPTURE, ctx(), data, [response(201, fixture("capture_pending"))]
    )
    assert full.status is PaymentStatus.CAPTURED and full.amount_captured == 10221
    assert full.meta == {"capture_id": CAP} and full.secondary_ids == [CAP]
    partial = fixture("capture_pending")
    partial["orderInformation"]["amountDetails"]["totalAmount"] = "50.00"
    data = CaptureData(payment=ref(), amount=5000, reference="c")
    _, result = drive(CONNECTOR, Flow.CAPTURE, ctx(), data, [response(201, partial)])
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED and result.amount_captured == 5000


def test_parse_reversal_and_void() -> None:
    _, reversed_ = drive(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=ref()),
                         [response(201, fixture("reversal_reversed"))])  # fmt: skip
    assert reversed_.status is PaymentStatus.VOIDED and reversed_.meta == {"reversal_id": REV}
    _, voided = drive(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=ref({"capture_id": CAP})),
                      [response(201, fixture("void_voided"))])  # fmt: skip
    assert voided.status is PaymentStatus.VOIDED and "void_id" in voided.meta


def test_parse_refund_pending_with_its_amount() -> None:
    data = RefundData(payment=ref(), amount=1000, reference="r")
    _, result = drive(
        CONNECTOR, Flow.REFUND, ctx(), data, [response(201, fixture("refund_pending"))]
    )
    assert result.status is RefundStatus.PENDING and result.connector_refund_id == RID
    assert result.amount == 1000 and result.pending_reason == "refund_pending"


@pytest.mark.parametrize(
    ("name", "meta", "status", "captured"),
    [("transaction_authorized", {}, PaymentStatus.AUTHORIZED, None),
     ("transaction_sale_transmitted", {}, PaymentStatus.CAPTURED, 10221),
     ("transaction_capture_pending", {"capture_id": CAP}, PaymentStatus.PARTIALLY_CAPTURED, 5000),
     ("transaction_reversed", {"reversal_id": REV}, PaymentStatus.VOIDED, None),
     ("transaction_declined", {}, PaymentStatus.FAILED, None)],
)  # fmt: skip
def test_parse_sync(
    name: str, meta: dict[str, str], status: PaymentStatus, captured: int | None
) -> None:
    _, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref(meta)),
                      [response(200, fixture(name))])  # fmt: skip
    assert result.status is status and result.connector_payment_id == PID
    assert result.amount_captured == captured
    if status is PaymentStatus.FAILED:
        assert result.failure.code == "expired_card" and result.failure.category == "hard"


def test_an_auth_record_pending_without_a_capture_is_processing() -> None:
    record = fixture("transaction_authorized")
    record["applicationInformation"]["status"] = "PENDING"
    _, result = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref()), [response(200, record)])
    assert result.status is PaymentStatus.PROCESSING


@pytest.mark.parametrize(
    ("name", "status"),
    [("transaction_refund_transmitted", RefundStatus.SUCCEEDED),
     ("transaction_refund_pending", RefundStatus.PENDING)],
)  # fmt: skip
def test_parse_refund_sync(name: str, status: RefundStatus) -> None:
    refund = RefundRef(account="a", connector="cybersource", connector_refund_id=RID,
                       connector_payment_id=PID, amount=1000, currency="USD")  # fmt: skip
    _, result = drive(CONNECTOR, Flow.REFUND_SYNC, ctx(), RefundSyncData(refund=refund),
                      [response(200, fixture(name))])  # fmt: skip
    assert result.status is status and result.amount == 1000


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("flow", "status", "name", "type_", "code", "field"),
    [(Flow.AUTHORIZE, 400, "error_missing_field", ErrorType.INVALID_REQUEST, "missing_field",
      "amount"),
     (Flow.CAPTURE, 400, "error_exceeds_auth", ErrorType.INVALID_REQUEST, "invalid_amount",
      "amount"),
     (Flow.VOID, 400, "error_already_reversed", ErrorType.CONFLICT, "payment_already_voided",
      None),
     (Flow.AUTHORIZE, 502, "error_server", ErrorType.CONNECTOR, "gateway_unavailable", None)],
)  # fmt: skip
def test_errors_are_typed(
    flow: Flow, status: int, name: str, type_: ErrorType, code: str, field: str | None
) -> None:
    data: Any = {
        Flow.AUTHORIZE: auth_data(),
        Flow.CAPTURE: CaptureData(payment=ref(), amount=99999, reference="c"),
        Flow.VOID: VoidData(payment=ref()),
    }[flow]
    with pytest.raises(ServiceError) as raised:
        drive(CONNECTOR, flow, ctx(), data, [response(status, fixture(name))])
    err = raised.value
    assert (err.type, err.code, err.field) == (type_, code, field)
    assert err.gateway is not None and err.gateway.code == fixture(name)["reason"]


def test_authentication_failure_is_a_connector_error() -> None:
    with pytest.raises(ServiceError) as raised:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), auth_data(),
              [response(401, {"response": {"rmsg": "Authentication Failed"}})])  # fmt: skip
    assert raised.value.code == "gateway_authentication_failed"


def test_a_refund_refused_by_state_is_a_conflict() -> None:
    answer = {"status": "INVALID_REQUEST", "reason": "INVALID_DATA",
              "message": "The transaction cannot be refunded."}  # fmt: skip
    data = RefundData(payment=ref(), amount=10, reference="r")
    with pytest.raises(ServiceError) as raised:
        drive(CONNECTOR, Flow.REFUND, ctx(), data, [response(400, answer)])
    assert raised.value.type is ErrorType.CONFLICT and raised.value.code == "payment_not_refundable"


# --------------------------------------------------------------------------- increment


def test_a_preauthorization_is_asked_for_incremental_authorization() -> None:
    sent = body(CONNECTOR.build_authorize(ctx(), auth_data(incremental_authorization=True)))
    assert sent["processingInformation"]["authorizationOptions"] == {"authIndicator": "0"}
    plain = body(CONNECTOR.build_authorize(ctx(), auth_data()))
    assert "authorizationOptions" not in plain["processingInformation"]


def test_increment_adds_the_difference_and_reads_the_outcome() -> None:
    data = IncrementData(payment=ref(), amount=12470, increment=2249, reference="inc-1")
    requests, raised = drive(CONNECTOR, Flow.INCREMENT, ctx(), data,
                             [response(201, fixture("increment_authorized"))])  # fmt: skip
    request = requests[0]
    assert request.method == "PATCH" and request.url.endswith(f"/pts/v2/payments/{PID}")
    assert body(request)["orderInformation"] == {
        "amountDetails": {"additionalAmount": "22.49", "currency": "USD"}
    }
    assert "Digest" in request.headers
    check_request(request, MERCHANT)
    assert raised.status is PaymentStatus.AUTHORIZED and raised.amount == 12470
    _, declined = drive(CONNECTOR, Flow.INCREMENT, ctx(), data,
                        [response(201, fixture("increment_declined"))])  # fmt: skip
    assert declined.status is PaymentStatus.AUTHORIZED and declined.amount == 10221
    assert declined.failure is not None and declined.failure.code == "insufficient_funds"
    refused = {"status": "INVALID_REQUEST", "reason": "INVALID_DATA",
               "message": "The authorization cannot be incremented."}  # fmt: skip
    with pytest.raises(ServiceError) as raised_err:
        drive(CONNECTOR, Flow.INCREMENT, ctx(), data, [response(400, refused)])
    assert raised_err.value.code == "payment_not_incrementable"


# --------------------------------------------------------------------------- mandates


def test_setup_mandate_creates_tms_tokens() -> None:
    data = MandateSetupData(payment_method=card(), currency="USD", amount=0,
                            customer=Customer(email="a@b.example"), reference="m-1")  # fmt: skip
    requests, mandate = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), data,
                              [response(201, fixture("payment_authorized_tokens"))])  # fmt: skip
    sent = body(requests[0])
    assert sent["processingInformation"]["actionList"] == ["TOKEN_CREATE"]
    assert sent["processingInformation"]["capture"] is False
    assert sent["orderInformation"]["amountDetails"]["totalAmount"] == "0.00"
    assert mandate.status is MandateStatus.ACTIVE
    assert mandate.connector_mandate_id == "F2B9D0F9A1B84D55E053AF598E0A4B5A"
    assert mandate.connector_customer_id == "F2B9CC8E9FCA5A47E053AF598E0A1C53"
    assert mandate.meta["network_txn_id"] == "123456789619999"


def test_setup_mandate_declined_or_without_tokens_fails() -> None:
    data = MandateSetupData(payment_method=card(), currency="USD", amount=0,
                            customer=Customer(), reference="m-1")  # fmt: skip
    for name in ("payment_declined", "payment_authorized"):
        _, mandate = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), data,
                           [response(201, fixture(name))])  # fmt: skip
        assert mandate.status is MandateStatus.FAILED and mandate.failure is not None, name


def test_authorize_with_setup_future_usage_returns_the_mandate() -> None:
    data = auth_data(setup_future_usage=True)
    _, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data,
                      [response(201, fixture("payment_authorized_tokens"))])  # fmt: skip
    assert result.mandate is not None and result.mandate.status is MandateStatus.ACTIVE


def mandate() -> MandateRef:
    return MandateRef(account="cybersource-test", connector="cybersource",
                      connector_mandate_id="PI1", customer_id="CU1",
                      meta={"network_txn_id": "123456789619999"})  # fmt: skip


def test_a_merchant_initiated_charge_uses_the_tokens_and_stored_credential_flags() -> None:
    data = auth_data(CaptureMethod.AUTOMATIC, payment_method=StoredMandate(ref=mandate()))
    sent = body(CONNECTOR.build_authorize(ctx(), data))
    assert sent["paymentInformation"] == {"customer": {"id": "CU1"},
                                          "paymentInstrument": {"id": "PI1"}}  # fmt: skip
    assert sent["processingInformation"]["authorizationOptions"] == {
        "initiator": {"type": "merchant", "storedCredentialUsed": True,
                      "merchantInitiatedTransaction": {
                          "previousTransactionId": "123456789619999"}},
    }  # fmt: skip


def test_a_charge_without_the_first_network_id_sends_no_empty_block() -> None:
    bare = MandateRef(account="a", connector="cybersource", connector_mandate_id="PI1",
                      customer_id="CU1")  # fmt: skip
    sent = body(CONNECTOR.build_authorize(ctx(), auth_data(payment_method=StoredMandate(ref=bare))))
    assert sent["processingInformation"]["authorizationOptions"] == {
        "initiator": {"type": "merchant", "storedCredentialUsed": True}
    }


def test_revoke_deletes_the_customer() -> None:
    data = MandateRevokeData(mandate=mandate())
    for status in (204, 404):  # already gone: revoked all the same
        requests, result = drive(CONNECTOR, Flow.REVOKE_MANDATE, ctx(), data,
                                 [response(status)])  # fmt: skip
        assert requests[0].method == "DELETE" and requests[0].url.endswith("/tms/v2/customers/CU1")
        assert result.status is MandateStatus.REVOKED
    with pytest.raises(ServiceError):
        drive(CONNECTOR, Flow.REVOKE_MANDATE, ctx(), data,
              [response(500, {"errors": [{"type": "serverError"}]})])  # fmt: skip


# --------------------------------------------------------------------------- webhooks


def signed(raw: bytes, key: str = WEBHOOK_KEY, at: float | None = None) -> dict[str, str]:
    import hashlib
    import hmac

    stamp = int((at if at is not None else time.time()) * 1000)
    mac = hmac.new(base64.b64decode(key), f"{stamp}.".encode() + raw, hashlib.sha256).digest()
    return {"v-c-signature": f"t={stamp};keyId=kid-1;sig={base64.b64encode(mac).decode()}"}


def test_webhook_verify_cases() -> None:
    raw = (FIXTURES / "webhook_payment_accept.json").read_bytes()
    other = base64.b64encode(b"another webhook signature key!!!").decode()
    cases = {
        "good": (signed(raw), raw, True),
        "tampered": (signed(raw), raw.replace(PID.encode(), b"6950793928196286004808"), False),
        "wrong secret": (signed(raw, other), raw, False),
        "stale": (signed(raw, at=time.time() - 600), raw, False),
        "missing": ({}, raw, False),
        "malformed": ({"v-c-signature": "t=abc;sig="}, raw, False),
    }
    for case, (headers, body_, expected) in cases.items():
        assert CONNECTOR.webhook_verify(ctx(), headers, body_) is expected, case
    no_key = make_ctx(CONNECTOR, {"merchant_id": MERCHANT})
    assert CONNECTOR.webhook_verify(no_key, signed(raw), raw) is False


def test_webhook_tolerance_is_an_account_option() -> None:
    raw = (FIXTURES / "webhook_payment_accept.json").read_bytes()
    old = signed(raw, at=time.time() - 3600)
    creds = {"merchant_id": MERCHANT, "webhook_secret": WEBHOOK_KEY}
    unchecked = make_ctx(CONNECTOR, creds, {"webhook_tolerance_seconds": "0"})
    assert CONNECTOR.webhook_verify(unchecked, old, raw) is True
    longer = make_ctx(CONNECTOR, creds, {"webhook_tolerance_seconds": "7200"})
    assert CONNECTOR.webhook_verify(longer, old, raw) is True
    assert CONNECTOR.webhook_verify(ctx(), old, raw) is False
    with pytest.raises(ServiceError) as raised:
        CONNECTOR.webhook_verify(make_ctx(CONNECTOR, creds, {"webhook_tolerance_seconds": "x"}),
                                 old, raw)  # fmt: skip
    assert raised.value.code == "invalid_account_option"


def test_webhook_identify_and_parse() -> None:
    raw = (FIXTURES / "webhook_payment_accept.json").read_bytes()
    identity = CONNECTOR.webhook_identify({}, raw)
    assert identity.event_id == "c7a8f2b1-0e11-4f7c-9a5d-3b2e1f0a9c88"
    [event] = CONNECTOR.webhook_parse({}, raw)
    assert event.type is WebhookEventType.PAYMENT_AUTHORIZED
    assert event.connector_payment_id == PID and event.payment is not None
    assert event.payment.status is PaymentStatus.AUTHORIZED
    [refund] = CONNECTOR.webhook_parse({}, (FIXTURES / "webhook_refund_accept.json").read_bytes())
    assert refund.type is WebhookEventType.REFUND_SUCCEEDED and refund.refund is not None
    assert refund.refund.connector_refund_id == RID


def test_webhook_unknown_type_and_malformed_body() -> None:
    doc = fixture("webhook_payment_accept")
    doc["eventType"] = "tms.networktoken.updated"
    [event] = CONNECTOR.webhook_parse({}, json.dumps(doc).encode())
    assert event.type is WebhookEventType.UNKNOWN and event.payment is None
    for bad in (b"not json", b'{"eventType": "payments.payments.accept"}'):
        with pytest.raises(ServiceError) as raised:
            CONNECTOR.webhook_parse({}, bad)
        assert raised.value.type is ErrorType.INVALID_REQUEST


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    before = (
        "> POST https://apitest.cybersource.com/pts/v2/payments\n"
        f'> Signature: keyid="{KEY_ID}", algorithm="HmacSHA256", headers="host date '
        'request-target digest v-c-merchant-id", signature="uVrEuL12r6Mre6HMiFhIFCeza/YQ="\n'
        ">\n"
        '{"paymentInformation":{"card":{"number":"4111111111111111","expirationMonth":"12",'
        '"securityCode":"123"}},"tokenizedCard":{"cryptogram":"AceY+igABPs3jdwNaDg3MAACAAA=",'
        '"number":"4895370012003478","expirationYear":"2033"},'
        '"consumerAuthenticationInformation":{"cavv":"AAABBEg0VhI0VniQEjRWAAAAAAA=",'
        '"xid":"MDAwMDAwMDAwMDAwMDAwMDAwMDE=","ucafAuthenticationData":"kAAAAAAAAAAAAAAAAAA=",'
        '"eciRaw":"05"},"fluidData":{"descriptor":"RklEPUNPTU1PTi5BUFBMRS5JTkFQUC5QQVlNRU5U",'
        '"value":"eyJ2ZXJzaW9uIjoiRUNfdjEifQ=="}}'
    )
    after = (
        "> POST https://apitest.cybersource.com/pts/v2/payments\n"
        f'> Signature: keyid="{KEY_ID}", algorithm="HmacSHA256", headers="host date '
        'request-target digest v-c-merchant-id", signature="[REDACTED]"\n'
        ">\n"
        '{"paymentInformation":{"card":{"number":"[REDACTED]","expirationMonth":"12",'
        '"securityCode":"[REDACTED]"}},"tokenizedCard":{"cryptogram":"[REDACTED]",'
        '"number":"[REDACTED]","expirationYear":"2033"},'
        '"consumerAuthenticationInformation":{"cavv":"[REDACTED]",'
        '"xid":"[REDACTED]","ucafAuthenticationData":"[REDACTED]",'
        '"eciRaw":"05"},"fluidData":{"descriptor":"RklEPUNPTU1PTi5BUFBMRS5JTkFQUC5QQVlNRU5U",'
        '"value":"[REDACTED]"}}'
    )
    assert CONNECTOR.scrub(before) == after
