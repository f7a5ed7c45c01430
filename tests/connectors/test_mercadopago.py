"""Mercado Pago connector: built requests (checked against the fake's contract), parsed
fixtures, status / decline / error maps, BIN -> payment_method_id, idempotency keys,
webhooks (x-signature, then the payment read back), scrub, metadata. The official SDK
comparisons are in test_mercadopago_sdk.py."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.mercadopago import (
    DECLINE_MAP,
    PAYMENT_STATUS,
    REFUND_STATUS,
    MercadoPagoConnector,
    MercadoPagoPaymentOptions,
    PaymentMethod,
    _match_bin,
)
from connector_service.domain.common import Address, Customer, DisplayQr, DisplayVoucher
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    DisputeSyncData,
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
from connector_service.domain.ids import DisputeRef, MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import (
    Boleto,
    Card,
    Oxxo,
    PaymentMethodType,
    PayPal,
    Pix,
    Token,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    DisputeReason,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from connector_service.testing.fakes.mercadopago import PAYMENT_METHODS, check_request, sign
from connector_service.testing.spec import SpecViolation
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = MercadoPagoConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "mercadopago"
BASE = "https://api.mercadopago.com"
TOKEN = "TEST-4917226183504419-120312-9b2f6c1d8e4a7f3b5c0d2e1f4a6b8c9d-1923847561"
SECRET = "whsec-unit-3b9f"
PID, RID = "1325000001", "1325000101"
CID, CARD_ID = "1923840001-kM2rPq7Xw1YbZa", "9016294851"
CARD_TOKEN = "ff8080814c11e237014c1ff593b57b4d"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(key: str | None = "idem-123", secret: str | None = SECRET) -> Any:
    creds = {"access_token": TOKEN} | ({"webhook_secret": secret} if secret else {})
    return make_ctx(CONNECTOR, creds, base_url=BASE, idempotency_key=key)


def body(request: HttpRequest) -> Any:
    return json.loads(request.body) if request.body else None


def checked(request: HttpRequest) -> HttpRequest:
    """The request meets the contract the fake enforces."""
    check_request(request, TOKEN)
    return request


def card(number: str = "5031755734530604", holder: str | None = "APRO") -> Card:
    return Card(
        number=Secret(number), exp_month=11, exp_year=2030, cvc=Secret("123"), holder_name=holder
    )


def authorize(**kw: Any) -> AuthorizeData:
    values: dict[str, Any] = {
        "amount": 10050,
        "currency": "BRL",
        "payment_method": card(),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "order-1",
        "customer": Customer(email="comprador@example.com", name="Ana Souza"),
    }
    return AuthorizeData(**(values | kw))


def ref(amount: int = 10050, currency: str = "BRL") -> PaymentRef:
    return PaymentRef(
        account="mercadopago-test", connector="mercadopago", connector_payment_id=PID,
        amount=amount, currency=currency, capture_method="manual",
    )  # fmt: skip


def mandate() -> MandateRef:
    return MandateRef(
        account="mercadopago-test", connector="mercadopago", connector_mandate_id=CARD_ID,
        customer_id=CID, meta={"payment_method_id": "master", "email": "comprador@example.com"},
    )  # fmt: skip


def run_authorize(data: AuthorizeData, payment: str = "payment_authorized") -> Any:
    answers = [
        response(201, fixture("card_token")),
        response(200, fixture("payment_methods")),
        response(201, fixture(payment)),
    ]
    return drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, answers)


# --------------------------------------------------------------------------- authorize


def test_authorize_tokenizes_the_card_finds_its_method_then_pays() -> None:
    requests, result = run_authorize(authorize())
    token, methods, payment = (checked(r) for r in requests)
    assert (token.method, token.url) == ("POST", f"{BASE}/v1/card_tokens")
    assert body(token) == {
        "card_number": "5031755734530604", "expiration_month": 11, "expiration_year": 2030,
        "security_code": "123", "cardholder": {"name": "APRO"},
    }  # fmt: skip
    assert (methods.method, methods.url, methods.body) == (
        "GET",
        f"{BASE}/v1/payment_methods",
        None,
    )
    assert (payment.method, payment.url) == ("POST", f"{BASE}/v1/payments")
    assert body(payment) == {
        "transaction_amount": 100.5, "token": CARD_TOKEN, "description": "Payment order-1",
        "installments": 1, "payment_method_id": "master",
        "payer": {"email": "comprador@example.com", "first_name": "Ana", "last_name": "Souza"},
        "capture": False, "external_reference": "order-1", "three_d_secure_mode": "optional",
    }  # fmt: skip
    assert payment.headers["Authorization"] == f"Bearer {TOKEN}"
    # one key per step: re-sending any of them replays that step only
    assert token.headers["X-Idempotency-Key"] == "idem-123-card-token"
    assert payment.headers["X-Idempotency-Key"] == "idem-123"
    assert payment.idempotent and not methods.body
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.connector_payment_id == PID and result.amount == 10050
    assert result.card.brand == "mastercard" and result.card.last4 == "0604"
    assert result.reference == "order-1" and result.connector_status == "authorized:pending_capture"


def test_automatic_capture_is_captured_in_full() -> None:
    data = authorize(capture_method=CaptureMethod.AUTOMATIC)
    requests, result = run_authorize(data, "payment_approved")
    assert body(requests[2])["capture"] is True
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 10050


def test_a_browser_card_token_is_read_back_for_its_bin() -> None:
    data = authorize(payment_method=Token(token=CARD_TOKEN))
    answers = [
        response(200, fixture("card_token")),
        response(200, fixture("payment_methods")),
        response(201, fixture("payment_authorized")),
    ]
    requests, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, answers)
    assert (requests[0].method, requests[0].url) == ("GET", f"{BASE}/v1/card_tokens/{CARD_TOKEN}")
    assert body(requests[2])["token"] == CARD_TOKEN
    assert result.status is PaymentStatus.AUTHORIZED


def test_without_a_callers_key_a_fresh_one_is_sent_and_the_request_is_not_resent() -> None:
    data = authorize()
    answers = [
        response(201, fixture("card_token")),
        response(200, fixture("payment_methods")),
        response(201, fixture("payment_authorized")),
    ]
    first, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(key=None), data, answers)
    second, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(key=None), data, answers)
    keys = {first[2].headers["X-Idempotency-Key"], second[2].headers["X-Idempotency-Key"]}
    assert len(keys) == 2 and all(1 <= len(k) <= 64 for k in keys)
    assert not first[2].idempotent


def test_a_long_key_is_hashed_to_mercado_pagos_64_characters() -> None:
    long_key = "k" * 70
    request = CONNECTOR.build_capture(
        ctx(key=long_key), CaptureData(payment=ref(), amount=10050, reference="c")
    )
    sent = request.headers["X-Idempotency-Key"]
    assert len(sent) == 64 and sent != long_key[:64]
    again = CONNECTOR.build_capture(
        ctx(key=long_key), CaptureData(payment=ref(), amount=10050, reference="c")
    )
    assert again.headers["X-Idempotency-Key"] == sent  # the same key, the same hash


def test_a_payment_needs_the_payers_email() -> None:
    with pytest.raises(ServiceError) as err:
        run_authorize(authorize(customer=None))
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == "customer.email"


def test_a_method_it_does_not_take_is_not_supported_naming_the_field() -> None:
    data = authorize(payment_method=PayPal())
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [])
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "payment_method.type"


def test_a_bin_no_method_matches_is_not_supported() -> None:
    token = fixture("card_token") | {"first_six_digits": "999999"}
    answers = [response(201, token), response(200, fixture("payment_methods"))]
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(), answers)
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "payment_method.number"


@pytest.mark.parametrize(
    ("six", "method"),
    [("503175", "master"), ("545454", "master"), ("222300", "master"), ("423564", "visa"),
     ("506726", "elo"), ("636368", "elo"), ("451416", "elo"), ("375365", "amex"),
     ("999999", None), ("12", None)],
)  # fmt: skip
def test_the_bin_picks_the_payment_method_as_mercadopago_js_does(six: str, method: str) -> None:
    methods = msgspec.convert(PAYMENT_METHODS, list[PaymentMethod])
    assert _match_bin(methods, six) == method


def test_amounts_follow_the_currencys_decimals() -> None:
    clp = CONNECTOR.build_refund(
        ctx(), RefundData(payment=ref(5000, "CLP"), amount=1500, reference="r")
    )
    assert body(clp) == {"amount": 1500}  # CLP has no decimals
    brl = CONNECTOR.build_refund(ctx(), RefundData(payment=ref(), amount=1, reference="r"))
    assert body(brl) == {"amount": 0.01}
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_refund(ctx(), RefundData(payment=ref(1, "XXX"), amount=1, reference="r"))
    assert err.value.field == "currency"


def test_a_stored_card_is_tokenized_by_card_id_and_paid_as_the_customer() -> None:
    data = authorize(
        payment_method=StoredMandate(ref=mandate()),
        capture_method=CaptureMethod.AUTOMATIC,
        customer=None,
    )
    answers = [response(201, fixture("card_token")), response(201, fixture("payment_approved"))]
    requests, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, answers)
    token, payment = (checked(r) for r in requests)
    assert body(token) == {"card_id": CARD_ID, "customer_id": CID}
    sent = body(payment)
    assert sent["payer"] == {"type": "customer", "id": CID, "email": "comprador@example.com"}
    assert sent["payment_method_id"] == "master" and "three_d_secure_mode" not in sent
    assert result.status is PaymentStatus.CAPTURED


# --------------------------------------------------------------------------- modifications


def test_capture_partial_void_refund_and_syncs() -> None:
    capture = checked(
        CONNECTOR.build_capture(ctx(), CaptureData(payment=ref(), amount=6025, reference="c"))
    )
    assert (capture.method, capture.url) == ("PUT", f"{BASE}/v1/payments/{PID}")
    assert body(capture) == {"capture": True, "transaction_amount": 60.25}
    data = CaptureData(payment=ref(), amount=6025, reference="c")
    partial = CONNECTOR.parse_capture(
        ctx(), data, response(200, fixture("payment_partially_captured"))
    )
    assert partial.status is PaymentStatus.PARTIALLY_CAPTURED
    assert (partial.amount, partial.amount_captured) == (10050, 6025)
    void = checked(CONNECTOR.build_void(ctx(), VoidData(payment=ref())))
    assert (void.method, body(void)) == ("PUT", {"status": "cancelled"})
    voided = CONNECTOR.parse_void(
        ctx(), VoidData(payment=ref()), response(200, fixture("payment_cancelled"))
    )
    assert voided.status is PaymentStatus.VOIDED
    refund = checked(
        CONNECTOR.build_refund(ctx(), RefundData(payment=ref(), amount=2010, reference="r"))
    )
    assert (refund.url, body(refund)) == (f"{BASE}/v1/payments/{PID}/refunds", {"amount": 20.1})
    result = CONNECTOR.parse_refund(
        ctx(),
        RefundData(payment=ref(), amount=2010, reference="r"),
        response(201, fixture("refund_approved")),
    )
    assert result.status is RefundStatus.SUCCEEDED and result.amount == 2010
    assert result.connector_refund_id == RID and result.meta == {"payment_id": PID}
    rref = RefundRef(
        account="a", connector="mercadopago", connector_refund_id=RID,
        connector_payment_id=PID, amount=2010, currency="BRL",
    )  # fmt: skip
    rsync = CONNECTOR.build_refund_sync(ctx(), RefundSyncData(refund=rref))
    assert (rsync.method, rsync.url) == ("GET", f"{BASE}/v1/payments/{PID}/refunds/{RID}")
    pending = CONNECTOR.parse_refund_sync(
        ctx(), RefundSyncData(refund=rref), response(200, fixture("refund_in_process"))
    )
    assert pending.status is RefundStatus.PENDING and pending.pending_reason == "refund_pending"
    sync = CONNECTOR.build_sync(ctx(), SyncData(payment=ref()))
    assert (sync.method, sync.url, sync.idempotent) == ("GET", f"{BASE}/v1/payments/{PID}", True)


def test_a_capture_the_state_refuses_is_a_conflict() -> None:
    data = CaptureData(payment=ref(), amount=10050, reference="c")
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_capture(ctx(), data, response(400, fixture("error_not_capturable")))
    assert err.value.type is ErrorType.CONFLICT and err.value.code == "payment_not_capturable"
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_void(
            ctx(), VoidData(payment=ref()), response(400, fixture("error_not_capturable"))
        )
    assert err.value.code == "payment_not_voidable"


def test_an_over_refund_is_the_requests_fault() -> None:
    over = {"message": "The amount to refund is greater than what is left", "error":
            "bad_request", "status": 400, "cause": []}  # fmt: skip
    data = RefundData(payment=ref(), amount=99999, reference="r")
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_refund(ctx(), data, response(400, over))
    assert err.value.type is ErrorType.INVALID_REQUEST


def test_sync_without_an_id_or_a_reference_is_refused_without_a_call() -> None:
    empty = PaymentRef(
        account="a", connector="mercadopago", connector_payment_id="", amount=1,
        currency="BRL", capture_method="manual",
    )  # fmt: skip
    with pytest.raises(ServiceError) as err:
        CONNECTOR.build_sync(ctx(), SyncData(payment=empty))
    assert err.value.type is ErrorType.CONFLICT and err.value.http_status == 409


# --------------------------------------------------------------------------- parsing


def test_a_challenge_is_a_post_of_the_creq() -> None:
    _, result = run_authorize(authorize(), "payment_challenge")
    challenge = fixture("payment_challenge")["three_ds_info"]
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action.url == challenge["external_resource_url"]
    assert result.next_action.method == "POST"
    assert result.next_action.form == {"creq": challenge["creq"]}
    done = CONNECTOR.parse_complete_authorize(
        ctx(),
        CompleteAuthorizeData(payment=ref(), params={}),
        response(200, fixture("payment_authorized")),
    )
    assert done.status is PaymentStatus.AUTHORIZED
    request = CONNECTOR.build_complete_authorize(
        ctx(), CompleteAuthorizeData(payment=ref(), params={})
    )
    assert (request.method, request.url) == ("GET", f"{BASE}/v1/payments/{PID}")


def test_pending_challenge_without_its_info_is_processing_not_an_action() -> None:
    doc = fixture("payment_challenge") | {"three_ds_info": None}
    result = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref()), response(200, doc))
    assert result.status is PaymentStatus.PROCESSING and result.next_action is None


def test_a_rejected_payment_is_a_declined_result() -> None:
    _, result = run_authorize(authorize(), "payment_rejected")
    assert result.status is PaymentStatus.FAILED
    assert result.failure.code == DeclineCode.INSUFFICIENT_FUNDS.value
    assert result.failure.category == "soft"
    assert result.failure.gateway.code == "cc_rejected_insufficient_amount"


def test_in_process_is_processing_with_a_reason() -> None:
    result = CONNECTOR.parse_sync(
        ctx(), SyncData(payment=ref()), response(200, fixture("payment_in_process"))
    )
    assert result.status is PaymentStatus.PROCESSING and result.pending_reason


def test_an_unknown_status_is_processing_never_success() -> None:
    result = CONNECTOR.parse_sync(
        ctx(), SyncData(payment=ref()), response(200, fixture("payment_unknown_status"))
    )
    assert result.status is PaymentStatus.PROCESSING


def test_every_documented_status_is_mapped() -> None:
    assert set(PAYMENT_STATUS) == {
        "pending", "authorized", "in_process", "approved", "in_mediation", "rejected",
        "cancelled", "refunded", "charged_back",
    }  # fmt: skip
    assert set(REFUND_STATUS) == {"approved", "in_process", "authorized", "rejected", "cancelled"}


@pytest.mark.parametrize(
    ("detail", "code"),
    [("cc_rejected_bad_filled_security_code", "incorrect_cvc"),
     ("cc_rejected_bad_filled_date", "invalid_expiry"),
     ("cc_rejected_call_for_authorize", "do_not_honor"),
     ("cc_rejected_high_risk", "fraud_suspected"),
     ("cc_rejected_3ds_challenge", "authentication_failed"),
     ("cc_rejected_something_new", "generic_decline")],
)  # fmt: skip
def test_status_details_map_to_unified_declines(detail: str, code: str) -> None:
    doc = fixture("payment_rejected") | {"status_detail": detail}
    result = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref()), response(200, doc))
    assert result.failure.code == code
    assert detail in DECLINE_MAP or code == "generic_decline"


@pytest.mark.parametrize(
    ("status", "name", "kind", "code", "field"),
    [(400, "error_bad_request", ErrorType.INVALID_REQUEST, "invalid_field",
      "payment_method.token"),
     (404, "error_not_found", ErrorType.NOT_FOUND, "resource_not_found", None),
     (500, "error_server", ErrorType.CONNECTOR, None, None)],
)  # fmt: skip
def test_gateway_errors_are_typed(
    status: int, name: str, kind: ErrorType, code: str | None, field: str | None
) -> None:
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_sync(ctx(), SyncData(payment=ref()), response(status, fixture(name)))
    assert err.value.type is kind
    if code:
        assert err.value.code == code
    assert err.value.field == field


def test_a_wrong_token_is_a_configuration_error() -> None:
    doc = {"message": "invalid access token", "error": "unauthorized", "status": 401, "cause": []}
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_sync(ctx(), SyncData(payment=ref()), response(401, doc))
    assert err.value.type is ErrorType.CONNECTOR
    assert err.value.code == "gateway_authentication_failed"


# --------------------------------------------------------------------------- mandates


def setup_data(**kw: Any) -> MandateSetupData:
    values: dict[str, Any] = {
        "payment_method": card(),
        "currency": "BRL",
        "amount": 0,
        "customer": Customer(id="shopper-1", email="comprador@example.com", name="Ana Souza"),
        "reference": "m-1",
    }
    return MandateSetupData(**(values | kw))


def test_setup_saves_the_card_to_a_new_customer() -> None:
    answers = [
        response(201, fixture("card_token")),
        response(201, fixture("customer")),
        response(201, fixture("card_saved")),
    ]
    requests, result = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup_data(), answers)
    _token, customer, saved = (checked(r) for r in requests)
    assert body(customer) == {
        "email": "comprador@example.com", "first_name": "Ana", "last_name": "Souza",
        "description": "customer shopper-1",
    }  # fmt: skip
    assert saved.url == f"{BASE}/v1/customers/{CID}/cards"
    assert body(saved) == {"token": CARD_TOKEN}
    assert result.status is MandateStatus.ACTIVE
    assert (result.connector_mandate_id, result.connector_customer_id) == (CARD_ID, CID)
    assert result.meta == {"payment_method_id": "master", "email": "comprador@example.com"}
    assert result.card.last4 == "0604" and result.card.brand == "mastercard"


def test_setup_finds_the_customer_mercado_pago_already_has() -> None:
    answers = [
        response(201, fixture("card_token")),
        response(400, fixture("error_customer_exists")),
        response(200, fixture("customer_search")),
        response(201, fixture("card_saved")),
    ]
    requests, result = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup_data(), answers)
    assert requests[2].url == f"{BASE}/v1/customers/search?email=comprador%40example.com"
    checked(requests[2])
    assert result.connector_customer_id == CID


def test_setup_needs_an_email() -> None:
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup_data(customer=Customer(id="x")), [])
    assert err.value.field == "customer.email"


def test_revoke_deletes_the_card() -> None:
    request = checked(CONNECTOR.build_revoke_mandate(ctx(), MandateRevokeData(mandate=mandate())))
    assert (request.method, request.url) == ("DELETE", f"{BASE}/v1/customers/{CID}/cards/{CARD_ID}")
    result = CONNECTOR.parse_revoke_mandate(
        ctx(), MandateRevokeData(mandate=mandate()), response(200, fixture("card_saved"))
    )
    assert result.status is MandateStatus.REVOKED


# --------------------------------------------------------------------------- webhooks


def webhook(name: str = "webhook_payment_updated", ts: int | None = None) -> Any:
    raw = (FIXTURES / f"{name}.json").read_bytes()
    return sign(raw, SECRET, ts or int(time.time())), raw


def test_identify_reads_the_notification_id_without_secrets() -> None:
    headers, raw = webhook()
    identity = CONNECTOR.webhook_identify(headers, raw)
    assert identity.event_id == "123456789012" and identity.account_hint == "1923847561"
    assert CONNECTOR.webhook_identify({}, b"not json").event_id is None


def test_verify_good_then_fetch_the_payment() -> None:
    headers, raw = webhook()
    verdict = CONNECTOR.webhook_verify(ctx(), headers, raw)
    assert isinstance(verdict, HttpRequest)
    assert (verdict.method, verdict.url) == ("GET", f"{BASE}/v1/payments/{PID}")
    assert CONNECTOR.parse_verify_webhook(ctx(), response(200, fixture("payment_approved")))
    assert not CONNECTOR.parse_verify_webhook(ctx(), response(404, fixture("error_not_found")))
    with pytest.raises(ServiceError):
        CONNECTOR.parse_verify_webhook(ctx(), response(503, {}))


@pytest.mark.parametrize("case", ["tampered", "wrong secret", "stale", "missing", "no secret"])
def test_verify_refuses(case: str) -> None:
    headers, raw = webhook()
    account = ctx()
    if case == "tampered":
        raw = raw.replace(PID.encode(), b"1325000009", 1)
    elif case == "wrong secret":
        headers = sign(raw, SECRET + "x", int(time.time()))
    elif case == "stale":
        headers = sign(raw, SECRET, int(time.time()) - 301 - 60)
    elif case == "missing":
        headers = {"x-request-id": headers["x-request-id"]}
    else:
        account = ctx(secret=None)
    assert CONNECTOR.webhook_verify(account, headers, raw) is False


def test_a_non_payment_notification_is_verified_by_signature_and_kept_unknown() -> None:
    headers, raw = webhook("webhook_plan")
    assert CONNECTOR.webhook_verify(ctx(), headers, raw) is True
    events = CONNECTOR.webhook_parse(headers, raw)
    assert [(e.event_id, e.type) for e in events] == [("123456789099", WebhookEventType.UNKNOWN)]


def test_parse_fetched_is_the_payments_state() -> None:
    headers, raw = webhook()
    events = CONNECTOR.webhook_parse_fetched(
        headers, raw, response(200, fixture("payment_approved"))
    )
    (event,) = events
    assert event.event_id == "123456789012" and event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.connector_payment_id == PID and event.amount == 10050 and event.currency == "BRL"
    assert event.connector_event_type == "payment.updated:approved"
    assert event.payment.status is PaymentStatus.CAPTURED


def test_parse_fetched_refuses_another_payment_or_a_bad_amount() -> None:
    headers, raw = webhook()
    other = fixture("payment_approved") | {"id": 1325000002}
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse_fetched(headers, raw, response(200, other))
    assert err.value.field == "data.id"
    negative = fixture("payment_approved") | {"transaction_amount": -1}
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse_fetched(headers, raw, response(200, negative))
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse(headers, b'{"type": "payment"}')


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    before = (
        "> POST https://api.mercadopago.com/v1/card_tokens\n"
        f"> Authorization: Bearer {TOKEN}\n"
        ">\n"
        '{"card_number":"5031755734530604","security_code":"123",'
        f'"token":"{CARD_TOKEN}","note":"{TOKEN}",'
        '"payer":{"identification":{"type":"CPF","number":"19119119100"},"email":"a@b.co"}}'
    )
    after = (
        "> POST https://api.mercadopago.com/v1/card_tokens\n"
        "> Authorization: [REDACTED]\n"
        ">\n"
        '{"card_number":"[REDACTED]","security_code":"[REDACTED]",'
        '"token":"[REDACTED]","note":"[REDACTED]",'
        '"payer":{"identification":{"type":"CPF","number":"[REDACTED]"},"email":"a@b.co"}}'
    )
    assert CONNECTOR.scrub(before) == after


def test_a_scrubbed_transcript_holds_no_card_token_or_credential() -> None:
    requests, _ = run_authorize(authorize())
    for request in requests:
        text = CONNECTOR.scrub(render_transcript(request, response(201, fixture("card_token"))))
        assert TOKEN not in text and "5031755734530604" not in text
        assert '"security_code":"123"' not in text.replace(" ", "")
        assert CARD_TOKEN not in text.split("<")[0]  # the request side


# --------------------------------------------------------------------------- metadata


def test_metadata() -> None:
    meta = CONNECTOR.meta
    assert meta.name == "mercadopago"
    assert meta.secret_fields == ("access_token", "webhook_secret")
    assert {f.value for f in meta.flows} == {
        "authorize", "complete_authorize", "capture", "void", "refund", "sync", "refund_sync",
        "setup_mandate", "revoke_mandate", "charge_mandate", "list_mandates", "webhooks",
        "dispute_sync",
    }  # fmt: skip
    assert {m.value for m in meta.payment_methods} == {
        "card", "token", "mandate", "pix", "boleto", "oxxo",
    }  # fmt: skip
    assert meta.currencies and "BRL" in meta.currencies and "MXN" in meta.currencies


def test_the_fake_refuses_what_mercado_pago_would() -> None:
    requests, _ = run_authorize(authorize())
    payment = requests[2]
    unknown = json.dumps(body(payment) | {"amount": 100}).encode()
    with pytest.raises(SpecViolation):
        check_request(HttpRequest("POST", payment.url, payment.headers, unknown), TOKEN)
    keyless = {k: v for k, v in payment.headers.items() if k != "X-Idempotency-Key"}
    with pytest.raises(SpecViolation):
        check_request(HttpRequest("POST", payment.url, keyless, payment.body), TOKEN)


def test_scrub_masks_the_card_token_the_card_token_api_answers() -> None:
    before = (
        "> GET https://api.mercadopago.com/v1/card_tokens/x\n"
        f'< {{"id": "{CARD_TOKEN}", "last_four_digits": "0604"}}'
    )
    after = (
        "> GET https://api.mercadopago.com/v1/card_tokens/x\n"
        '< {"id": "[REDACTED]", "last_four_digits": "0604"}'
    )
    assert CONNECTOR.scrub(before) == after
    payment = f'> GET https://api.mercadopago.com/v1/payments/1\n< {{"id": "{CARD_TOKEN}"}}'
    assert CONNECTOR.scrub(payment) == payment  # ids elsewhere are not secrets


def unresolved() -> PaymentRef:
    return PaymentRef(
        account="mercadopago-test", connector="mercadopago", connector_payment_id="",
        amount=10050, currency="BRL", capture_method="manual", meta={"reference": "order 1&x"},
    )  # fmt: skip


def test_an_unresolved_payment_is_searched_by_its_external_reference() -> None:
    request = checked(CONNECTOR.build_sync(ctx(), SyncData(payment=unresolved())))
    assert request.method == "GET"
    assert request.url == (
        f"{BASE}/v1/payments/search?external_reference=order+1%26x&sort=date_created&criteria=desc"
    )
    older = fixture("payment_rejected") | {"date_created": "2026-12-03T08:00:00.000-04:00"}
    newer = fixture("payment_authorized") | {"id": 1325000009}
    found = {"paging": {"total": 2, "limit": 30, "offset": 0}, "results": [older, newer]}
    result = CONNECTOR.parse_sync(ctx(), SyncData(payment=unresolved()), response(200, found))
    assert result.status is PaymentStatus.AUTHORIZED and result.connector_payment_id == "1325000009"
    empty = {"paging": {"total": 0, "limit": 30, "offset": 0}, "results": []}
    none = CONNECTOR.parse_sync(ctx(), SyncData(payment=unresolved()), response(200, empty))
    assert none.status is PaymentStatus.UNRESOLVED and none.pending_reason == "not_found_at_gateway"


def test_a_fetched_payment_with_refunds_gives_one_event_per_refund() -> None:
    headers, raw = webhook()
    doc = fixture("payment_approved") | {
        "transaction_amount_refunded": 30.1,
        "refunds": [fixture("refund_approved"), fixture("refund_in_process")],
    }
    events = CONNECTOR.webhook_parse_fetched(headers, raw, response(200, doc))
    assert [(e.event_id, e.type) for e in events] == [
        ("123456789012", WebhookEventType.PAYMENT_CAPTURED),
        (f"{RID}:approved", WebhookEventType.REFUND_SUCCEEDED),
        ("1325000102:in_process", WebhookEventType.REFUND_PENDING),
    ]
    assert events[1].refund is not None and events[1].refund.amount == 2010
    assert events[2].amount == 1000 and events[2].connector_payment_id == PID


def test_setup_future_usage_saves_the_card_then_pays_with_it_as_the_customer() -> None:
    data = authorize(setup_future_usage=True, capture_method=CaptureMethod.AUTOMATIC)
    answers = [
        response(201, fixture("card_token")),
        response(201, fixture("customer")),
        response(201, fixture("card_saved")),
        response(201, fixture("card_token")),
        response(201, fixture("payment_approved")),
    ]
    requests, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, answers)
    paths = [(r.method, r.url.removeprefix(BASE)) for r in map(checked, requests)]
    assert paths == [
        ("POST", "/v1/card_tokens"), ("POST", "/v1/customers"),
        ("POST", f"/v1/customers/{CID}/cards"), ("POST", "/v1/card_tokens"),
        ("POST", "/v1/payments"),
    ]  # fmt: skip
    assert body(requests[3]) == {"card_id": CARD_ID, "customer_id": CID, "security_code": "123"}
    assert requests[3].headers["X-Idempotency-Key"] == "idem-123-saved-card-token"
    paid = body(requests[4])
    assert paid["payer"] == {"type": "customer", "id": CID, "email": "comprador@example.com"}
    assert paid["three_d_secure_mode"] == "optional"  # the customer is present
    assert result.status is PaymentStatus.CAPTURED
    assert result.mandate is not None and result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == CARD_ID


def test_setup_future_usage_needs_an_email_before_any_call() -> None:
    data = authorize(setup_future_usage=True, customer=Customer(name="No Mail"))
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [])
    assert err.value.field == "customer.email"


def test_the_customers_saved_cards_are_its_mandates() -> None:
    data = ListMandatesData(customer_id=CID)
    request = checked(CONNECTOR.build_list_mandates(ctx(), data))
    assert (request.method, request.url) == ("GET", f"{BASE}/v1/customers/{CID}/cards")
    listed = CONNECTOR.parse_list_mandates(ctx(), data, response(200, fixture("customer_cards")))
    (only,) = listed.methods
    assert only.connector_mandate_id == CARD_ID and only.connector_customer_id == CID
    assert only.status is MandateStatus.ACTIVE and only.meta == {"payment_method_id": "master"}
    assert only.card is not None and only.card.last4 == "0604" and only.card.exp_year == 2030
    with pytest.raises(ServiceError) as err:
        CONNECTOR.parse_list_mandates(ctx(), data, response(404, fixture("error_not_found")))
    assert err.value.type is ErrorType.NOT_FOUND


def test_an_unsigned_legacy_ipn_is_refused() -> None:
    raw = json.dumps({"resource": f"{BASE}/v1/payments/{PID}", "topic": "payment"}).encode()
    assert CONNECTOR.webhook_verify(ctx(), {}, raw) is False
    headers, _ = webhook()
    assert CONNECTOR.webhook_verify(ctx(), headers, raw) is False  # no data.id: another manifest


def test_a_payment_in_another_currency_than_the_sites_is_refused_before_any_call() -> None:
    account = make_ctx(CONNECTOR, {"access_token": TOKEN}, {"currency": "BRL"}, base_url=BASE)
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, account, authorize(currency="MXN"), [])
    assert err.value.code == "currency_not_supported" and err.value.field == "currency"
    requests, _ = drive(
        CONNECTOR, Flow.AUTHORIZE, account, authorize(),
        [response(201, fixture("card_token")), response(200, fixture("payment_methods")),
         response(201, fixture("payment_authorized"))],
    )  # fmt: skip
    assert len(requests) == 3


@pytest.mark.parametrize(
    "change",
    [{"status": 5}, {"id": "not-a-number"}, {"currency_id": "brl"}, {"transaction_amount": "1"},
     {"refunds": [{"id": "x"}]}],
)  # fmt: skip
def test_a_garbled_fetched_payment_is_a_clear_error_not_a_crash(change: dict[str, Any]) -> None:
    headers, raw = webhook()
    doc = fixture("payment_approved") | change
    with pytest.raises(ServiceError) as err:
        CONNECTOR.webhook_parse_fetched(headers, raw, response(200, doc))
    assert err.value.http_status == 400


def test_a_chargeback_is_a_dispute() -> None:
    ref = DisputeRef(
        account="mercadopago-test", connector="mercadopago",
        connector_dispute_id="234000062890459000",
    )  # fmt: skip
    request = checked(CONNECTOR.build_dispute_sync(ctx(), DisputeSyncData(dispute=ref)))
    assert (request.method, request.url) == ("GET", f"{BASE}/v1/chargebacks/234000062890459000")
    data = DisputeSyncData(dispute=ref)
    opened = CONNECTOR.parse_dispute_sync(ctx(), data, response(200, fixture("chargeback")))
    assert opened.status is DisputeStatus.NEEDS_RESPONSE and opened.connector_payment_id == PID
    assert (opened.amount, opened.currency) == (10050, "BRL")
    assert opened.unified_reason is DisputeReason.FRAUDULENT and opened.reason == "fraud"
    assert opened.evidence_due_by == "2026-12-20T23:59:59.000-04:00"
    assert opened.evidence_submitted is False
    # the docs also show amounts and flags as text: read the same
    covered = CONNECTOR.parse_dispute_sync(
        ctx(), data, response(200, fixture("chargeback_covered"))
    )
    assert covered.status is DisputeStatus.WON and covered.amount == 10843
    assert covered.connector_payment_id is None and covered.evidence_submitted is True
    lost = fixture("chargeback") | {"coverage_applied": False}
    assert CONNECTOR.parse_dispute_sync(ctx(), data, response(200, lost)).status is (
        DisputeStatus.LOST
    )
    review = fixture("chargeback") | {"documentation_status": "review_pending"}
    assert CONNECTOR.parse_dispute_sync(ctx(), data, response(200, review)).status is (
        DisputeStatus.UNDER_REVIEW
    )


def test_a_chargeback_notification_reads_the_chargeback() -> None:
    headers, raw = webhook("webhook_chargeback")
    verdict = CONNECTOR.webhook_verify(ctx(), headers, raw)
    assert isinstance(verdict, HttpRequest)
    assert verdict.url == f"{BASE}/v1/chargebacks/234000062890459000"
    (event,) = CONNECTOR.webhook_parse_fetched(headers, raw, response(200, fixture("chargeback")))
    assert event.type is WebhookEventType.DISPUTE_OPENED and event.event_id == "123456789077"
    assert event.dispute is not None and event.connector_payment_id == PID
    other = fixture("chargeback") | {"id": "999"}
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse_fetched(headers, raw, response(200, other))


def test_payment_options_are_create_payment_fields() -> None:
    options = MercadoPagoPaymentOptions(
        installments=6, issuer_id="24", binary_mode=True,
        payer_identification_type="cpf", payer_identification_number="12345678909",
    )  # fmt: skip
    data = authorize()
    data.options = options
    requests, _ = run_authorize(data)
    sent = body(checked(requests[2]))
    assert (sent["installments"], sent["issuer_id"], sent["binary_mode"]) == (6, "24", True)
    assert sent["payer"]["identification"] == {"type": "CPF", "number": "12345678909"}


def test_an_identification_needs_both_its_type_and_number() -> None:
    data = authorize()
    data.options = MercadoPagoPaymentOptions(payer_identification_type="CPF")
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [])
    assert err.value.field == "connector_options.mercadopago.payer_identification_number"


def test_splits_and_order_data_are_not_declared() -> None:
    assert CONNECTOR.meta.splits is None and CONNECTOR.meta.order is None


# --------------------------------------------------------------------------- Pix


def test_a_pix_payment_asks_for_no_card_and_shows_its_code() -> None:
    data = authorize(amount=1500, payment_method=Pix(), capture_method=CaptureMethod.AUTOMATIC)
    data.options = MercadoPagoPaymentOptions(
        payer_identification_type="CPF", payer_identification_number="12345678909"
    )
    requests, result = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, fixture("payment_pix_pending"))]
    )
    (request,) = map(checked, requests)
    assert body(request) == {
        "transaction_amount": 15, "description": "Payment order-1", "payment_method_id": "pix",
        "payer": {"email": "comprador@example.com", "first_name": "Ana", "last_name": "Souza",
                  "identification": {"type": "CPF", "number": "12345678909"}},
        "external_reference": "order-1",
    }  # fmt: skip
    qr = fixture("payment_pix_pending")["point_of_interaction"]["transaction_data"]
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert isinstance(result.next_action, DisplayQr)
    assert (
        result.next_action.payload == qr["qr_code"] and result.next_action.url == qr["ticket_url"]
    )
    assert result.next_action.image == "data:image/png;base64," + qr["qr_code_base64"]
    assert result.next_action.expires_at == "2026-12-04T08:12:05.000-04:00"
    paid = fixture("payment_pix_pending") | {
        "status": "approved", "status_detail": "accredited", "point_of_interaction": None,
    }  # fmt: skip
    synced = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref(1500)), response(200, paid))
    assert synced.status is PaymentStatus.CAPTURED and synced.amount_captured == 1500


def test_a_pix_expiry_is_its_date_of_expiration() -> None:
    data = authorize(payment_method=Pix(expires_after_seconds=600),
                     capture_method=CaptureMethod.AUTOMATIC)  # fmt: skip
    requests, _ = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, fixture("payment_pix_pending"))]
    )
    expires = body(requests[0])["date_of_expiration"]
    assert len(expires) == 29 and expires.endswith(".000+00:00")


def test_a_pix_payment_refuses_manual_capture_and_needs_an_email_before_any_call() -> None:
    manual = authorize(payment_method=Pix())
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), manual, [])
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "capture_method"
    anonymous = authorize(
        payment_method=Pix(), capture_method=CaptureMethod.AUTOMATIC, customer=None
    )
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), anonymous, [])
    assert err.value.field == "customer.email"


def test_pix_is_declared_for_brazil_in_reais() -> None:
    pix = CONNECTOR.meta.methods[PaymentMethodType.PIX]
    assert pix.countries == frozenset({"BR"}) and pix.currencies == frozenset({"BRL"})
    assert {f.value for f in pix.flows} == {"authorize", "refund"}


# --------------------------------------------------------------------------- Boleto, OXXO

BILLING = Address(
    line1="Av. das Nações Unidas, 3003", line2="Bonfim", city="Osasco", state="sp",
    postal_code="06233-200", country="BR",
)  # fmt: skip


def boleto(**kw: Any) -> AuthorizeData:
    values: dict[str, Any] = {
        "amount": 10050, "payment_method": Boleto(tax_id="191.191.191-00", expires_after_days=3),
        "capture_method": CaptureMethod.AUTOMATIC, "billing": BILLING,
    }  # fmt: skip
    return authorize(**(values | kw))


def oxxo(**kw: Any) -> AuthorizeData:
    values: dict[str, Any] = {
        "amount": 25000, "currency": "MXN", "payment_method": Oxxo(),
        "capture_method": CaptureMethod.AUTOMATIC,
    }  # fmt: skip
    return authorize(**(values | kw))


def test_a_boleto_names_its_payer_in_full_and_shows_its_voucher() -> None:
    pending = fixture("payment_boleto_pending")
    requests, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), boleto(), [response(201, pending)])
    (request,) = map(checked, requests)
    sent = body(request)
    expires = sent.pop("date_of_expiration")
    assert len(expires) == 29 and expires.endswith(".000+00:00")
    assert sent == {
        "transaction_amount": 100.5, "description": "Payment order-1",
        "payment_method_id": "bolbradesco",
        "payer": {"email": "comprador@example.com", "first_name": "Ana", "last_name": "Souza",
                  "identification": {"type": "CPF", "number": "19119119100"},
                  "address": {"zip_code": "06233200", "street_name": "Av. das Nações Unidas",
                              "street_number": "3003", "neighborhood": "Bonfim",
                              "city": "Osasco", "federal_unit": "SP"}},
        "external_reference": "order-1",
    }  # fmt: skip
    assert request.headers["X-Idempotency-Key"] == "idem-123"
    details = pending["transaction_details"]
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.connector_status == "pending:pending_waiting_payment"
    assert result.next_action == DisplayVoucher(
        url=details["external_resource_url"],
        reference="10050080",
        barcode=pending["barcode"]["content"],
        expires_at="2026-12-06T23:59:59.000-04:00",
        instructions_url=details["external_resource_url"],
    )
    assert result.card is None and result.amount == 10050 and result.amount_captured is None


def test_the_billing_names_win_and_a_cnpj_is_sent_as_one() -> None:
    named = replace_billing(first_name="Empresa", last_name="Exemplo Ltda")
    data = boleto(payment_method=Boleto(tax_id="11.222.333/0001-81"), billing=named)
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data,
                        [response(201, fixture("payment_boleto_pending"))])  # fmt: skip
    payer = body(checked(requests[0]))["payer"]
    assert payer["identification"] == {"type": "CNPJ", "number": "11222333000181"}
    assert (payer["first_name"], payer["last_name"]) == ("Empresa", "Exemplo Ltda")
    assert "date_of_expiration" not in body(requests[0])  # Mercado Pago's default (3 days)


def replace_billing(**kw: Any) -> Address:
    return msgspec.structs.replace(BILLING, **kw)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"billing": None}, "billing.line1"),
     ({"billing": "line2"}, "billing.line2"),
     ({"billing": "city"}, "billing.city"),
     ({"billing": "state"}, "billing.state"),
     ({"billing": "postal_code"}, "billing.postal_code"),
     ({"billing": {"line1": "Avenida Paulista"}}, "billing.line1"),
     ({"billing": {"state": "São Paulo"}}, "billing.state"),
     ({"billing": {"postal_code": "0623-320"}}, "billing.postal_code"),
     ({"customer": Customer(email="comprador@example.com")}, "billing.first_name"),
     ({"customer": Customer(name="Ana Souza")}, "customer.email"),
     ({"capture_method": CaptureMethod.MANUAL}, "capture_method"),
     ({"payment_method": Boleto(tax_id="19119119100", expires_after_days=31)},
      "payment_method.expires_after_days")],
)  # fmt: skip
def test_a_boleto_mercado_pago_would_refuse_is_refused_before_any_call(
    change: dict[str, Any], field: str
) -> None:
    billing = change.get("billing", BILLING)
    if isinstance(billing, str):  # one part left out
        billing = replace_billing(**{billing: None})
    elif isinstance(billing, dict):
        billing = replace_billing(**billing)
    data = boleto(**(change | {"billing": billing}))
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [])
    assert err.value.field == field, err.value
    manual = field == "capture_method"
    assert err.value.type is (ErrorType.NOT_SUPPORTED if manual else ErrorType.INVALID_REQUEST)


@pytest.mark.parametrize(
    ("line1", "street", "number"),
    [("Rua das Flores 12A", "Rua das Flores", "12A"),
     ("Rua Augusta, nº 500", "Rua Augusta", "500"),
     ("Av. Paulista,1578", "Av. Paulista", "1578"),
     ("Estrada Velha, s/n", "Estrada Velha", "S/N")],
)  # fmt: skip
def test_the_street_number_is_taken_off_line1(line1: str, street: str, number: str) -> None:
    data = boleto(billing=replace_billing(line1=line1))
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data,
                        [response(201, fixture("payment_boleto_pending"))])  # fmt: skip
    address = body(requests[0])["payer"]["address"]
    assert (address["street_name"], address["street_number"]) == (street, number)


def test_an_oxxo_voucher_is_its_reference_and_printable_page() -> None:
    pending = fixture("payment_oxxo_pending")
    data = oxxo(payment_method=Oxxo(expires_after_days=2))
    requests, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, pending)])
    (request,) = map(checked, requests)
    sent = body(request)
    assert sent.pop("date_of_expiration").endswith(".000+00:00")
    assert sent == {
        "transaction_amount": 250, "description": "Payment order-1", "payment_method_id": "oxxo",
        "payer": {"email": "comprador@example.com", "first_name": "Ana", "last_name": "Souza"},
        "external_reference": "order-1",
    }  # fmt: skip
    url = pending["transaction_details"]["external_resource_url"]
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert result.next_action == DisplayVoucher(
        url=url, reference="24308386", barcode=None,
        expires_at="2026-12-05T23:59:59.000-06:00", instructions_url=url,
    )  # fmt: skip


def test_an_oxxo_voucher_needs_an_email_and_is_never_held() -> None:
    for data, field in ((oxxo(customer=None), "customer.email"),
                        (oxxo(capture_method=CaptureMethod.MANUAL), "capture_method")):  # fmt: skip
        with pytest.raises(ServiceError) as err:
            drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [])
        assert err.value.field == field


def test_a_paid_voucher_is_captured_and_an_unpaid_one_fails_at_its_expiry() -> None:
    pending = fixture("payment_boleto_pending")
    paid = pending | {"status": "approved", "status_detail": "accredited"}
    synced = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref(10050)), response(200, paid))
    assert synced.status is PaymentStatus.CAPTURED and synced.amount_captured == 10050
    assert synced.next_action is None
    expired = pending | {"status": "cancelled", "status_detail": "expired"}
    failed = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref(10050)), response(200, expired))
    assert failed.status is PaymentStatus.FAILED and failed.next_action is None
    assert failed.failure is not None and failed.failure.gateway is not None
    assert failed.failure.gateway.code == "expired"
    assert failed.failure.code == DeclineCode.TRY_AGAIN_LATER.value
    cancelled = pending | {"status": "cancelled", "status_detail": "by_collector"}
    voided = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref(10050)), response(200, cancelled))
    assert voided.status is PaymentStatus.VOIDED  # the merchant cancelled it (a void)
    # a card authorization that expired uncaptured was released: a void, not a failure
    card_expired = fixture("payment_authorized") | {"status": "cancelled",
                                                    "status_detail": "expired"}  # fmt: skip
    released = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref()), response(200, card_expired))
    assert released.status is PaymentStatus.VOIDED


def test_a_voucher_without_its_page_is_processing_not_an_action() -> None:
    pending = fixture("payment_boleto_pending")
    bare = pending | {"transaction_details": pending["transaction_details"]
                      | {"external_resource_url": None}}  # fmt: skip
    result = CONNECTOR.parse_sync(ctx(), SyncData(payment=ref(10050)), response(200, bare))
    assert result.status is PaymentStatus.PROCESSING and result.next_action is None
    assert result.pending_reason == "awaiting_customer"


def test_a_voucher_notification_is_its_payments_state() -> None:
    headers, raw = webhook()
    pending = fixture("payment_boleto_pending")
    (waiting,) = CONNECTOR.webhook_parse_fetched(headers, raw, response(200, pending))
    assert waiting.type is WebhookEventType.PAYMENT_REQUIRES_ACTION
    paid = pending | {"status": "approved", "status_detail": "accredited"}
    (captured,) = CONNECTOR.webhook_parse_fetched(headers, raw, response(200, paid))
    assert captured.type is WebhookEventType.PAYMENT_CAPTURED and captured.amount == 10050
    expired = pending | {"status": "cancelled", "status_detail": "expired"}
    (failed,) = CONNECTOR.webhook_parse_fetched(headers, raw, response(200, expired))
    assert failed.type is WebhookEventType.PAYMENT_FAILED


def test_vouchers_are_declared_where_mercado_pago_offers_them() -> None:
    methods = CONNECTOR.meta.methods
    for pm, country, currency in ((PaymentMethodType.BOLETO, "BR", "BRL"),
                                  (PaymentMethodType.OXXO, "MX", "MXN")):  # fmt: skip
        support = methods[pm]
        assert support.countries == frozenset({country})
        assert support.currencies == frozenset({currency})
        assert {f.value for f in support.flows} == {"authorize", "refund"}


def test_the_fake_holds_a_boleto_to_its_payer_rules() -> None:
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), boleto(),
                        [response(201, fixture("payment_boleto_pending"))])  # fmt: skip
    good = requests[0]
    check_request(good, TOKEN)
    doc = body(good)
    del doc["payer"]["address"]["neighborhood"]
    with pytest.raises(SpecViolation):
        check_request(HttpRequest("POST", good.url, good.headers, json.dumps(doc).encode()), TOKEN)


def test_cop_amounts_are_whole_pesos_and_cents_are_refused_naming_amount() -> None:
    from connector_service.connectors.mercadopago import _amount

    assert _amount(1234500, "COP") == 12345
    with pytest.raises(ServiceError) as raised:
        _amount(1234550, "COP")
    assert raised.value.field == "amount"
    assert _amount(1050, "BRL") == 10.5
