"""Unit tests of the AcmePay connector: no network, the gateway's answers from fixtures.

The shared conformance suite (``pytest --pyargs connector_service.testing.conformance
--connector acmepay``) drives every flow through the real service against the fake; these
tests pin the connector's own translation: the requests it builds, the fixtures it parses,
its status, decline and error tables, webhook verification and scrub.
"""

from __future__ import annotations

import json
import time
from importlib.resources import files
from typing import Any

import pytest
from connector_service.connectors.kit import hmac_sha256_hex
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import AuthorizeData, CaptureData, Flow, WebhookEventType
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.testing.harness import drive, make_ctx, response

from acmepay_connector.connector import AcmepayConnector
from acmepay_connector.fake import API_KEY, MERCHANT_ACCOUNT, WEBHOOK_SECRET

CONNECTOR = AcmepayConnector()
CTX = make_ctx(
    CONNECTOR,
    {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET},
    {"merchant_account": MERCHANT_ACCOUNT},
)


def fixture(name: str) -> Any:
    return json.loads((files("acmepay_connector") / "fixtures" / name).read_text())


def authorize_data(capture: CaptureMethod = CaptureMethod.MANUAL) -> AuthorizeData:
    card = Card(number=Secret("4242424242424242"), exp_month=12, exp_year=2034, cvc=Secret("123"))
    return AuthorizeData(
        amount=2000, currency="EUR", payment_method=card, capture_method=capture,
        reference="order-1042",
    )  # fmt: skip


def payment_ref() -> PaymentRef:
    return PaymentRef("acmepay-test", "acmepay", "pay_3f9c1a7e52b04d18", 2000, "EUR", "manual")


def test_flows_are_computed_from_the_methods() -> None:
    flows = {f.value for f in CONNECTOR.meta.flows}
    assert {"authorize", "capture", "void", "refund", "sync", "refund_sync"} <= flows
    assert "webhooks" in flows


def test_authorize_request_and_parse() -> None:
    requests, result = drive(
        CONNECTOR, Flow.AUTHORIZE, CTX, authorize_data(),
        [response(201, fixture("payment_authorized.json"))],
    )  # fmt: skip
    (request,) = requests
    assert request.method == "POST" and request.url.endswith("/v1/payments")
    assert request.headers["Authorization"] == f"Bearer {API_KEY}"
    assert request.headers["Idempotency-Key"] == "idem-123"
    body = json.loads(request.body or b"")
    assert body["amount"] == 2000 and body["currency"] == "EUR" and body["capture"] is False
    assert body["merchant_account"] == MERCHANT_ACCOUNT
    assert body["card"] == {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034,
                            "cvc": "123"}  # fmt: skip
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.connector_payment_id == "pay_3f9c1a7e52b04d18"
    assert result.card is not None and result.card.last4 == "4242"


def test_a_decline_is_a_failed_payment_with_the_unified_code() -> None:
    _, result = drive(
        CONNECTOR, Flow.AUTHORIZE, CTX, authorize_data(),
        [response(201, fixture("payment_declined.json"))],
    )  # fmt: skip
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None and result.failure.code == "insufficient_funds"
    assert result.failure.category is not None and result.failure.category.value == "soft"
    assert result.failure.gateway is not None
    assert result.failure.gateway.code == "insufficient_funds"


def test_an_unknown_status_is_pending_never_success() -> None:
    body = {**fixture("payment_authorized.json"), "status": "brand_new_status"}
    _, result = drive(CONNECTOR, Flow.AUTHORIZE, CTX, authorize_data(), [response(201, body)])
    assert result.status is PaymentStatus.PROCESSING


def test_a_gateway_error_maps_through_the_error_table() -> None:
    data = CaptureData(payment=payment_ref(), amount=2000, reference="cap-1")
    with pytest.raises(ServiceError) as caught:
        drive(CONNECTOR, Flow.CAPTURE, CTX, data,
              [response(409, fixture("error_not_capturable.json"))])  # fmt: skip
    assert caught.value.type is ErrorType.CONFLICT
    assert caught.value.code == "payment_not_capturable"


def _signed(body: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if at is None else at
    mac = hmac_sha256_hex(secret, f"{ts}.".encode() + body)
    return {"acmepay-signature": f"t={ts},v1={mac}"}


def test_webhook_verification() -> None:
    body = json.dumps(fixture("event_payment_captured.json")).encode()
    assert CONNECTOR.webhook_verify(CTX, _signed(body), body)
    assert not CONNECTOR.webhook_verify(CTX, _signed(body), body.replace(b"2000", b"2001", 1))
    assert not CONNECTOR.webhook_verify(CTX, _signed(body, WEBHOOK_SECRET + "x"), body)
    assert not CONNECTOR.webhook_verify(CTX, _signed(body, at=int(time.time()) - 3600), body)
    assert not CONNECTOR.webhook_verify(CTX, {}, body)


def test_webhook_parse() -> None:
    body = json.dumps(fixture("event_payment_captured.json")).encode()
    assert CONNECTOR.webhook_identify({}, body).event_id == "evt_1b3d5f7092a4c6e8"
    (event,) = CONNECTOR.webhook_parse({}, body)
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.connector_payment_id == "pay_3f9c1a7e52b04d18"
    assert event.payment is not None and event.payment.status is PaymentStatus.CAPTURED


def test_the_merchant_account_option_is_required() -> None:
    ctx = make_ctx(CONNECTOR, {"api_key": API_KEY})
    with pytest.raises(ServiceError) as caught:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx, authorize_data(), [])
    assert caught.value.code == "missing_account_option"


def test_scrub_before_and_after() -> None:
    transcript = (
        f"Authorization: Bearer {API_KEY}\n"
        '{"card":{"number":"4242424242424242","exp_month":12,"exp_year":2034,"cvc":"123"}}'
    )
    assert CONNECTOR.scrub(transcript) == (
        "Authorization: [REDACTED]\n"
        '{"card":{"number":"[CARD]","exp_month":12,"exp_year":2034,"cvc":"[CVC]"}}'
    )
