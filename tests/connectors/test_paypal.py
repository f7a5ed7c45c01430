"""PayPal connector: contract (official specs), parsing, errors, webhooks, scrub, metadata.

Round trips over loopback HTTP against the fake live in test_paypal_roundtrip.py.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from openapi_core import OpenAPI

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.paypal import (
    AUTHORIZATION_STATUS,
    CAPTURE_STATUS,
    DECLINE_MAP,
    ORDER_STATUS,
    REFUND_STATUS,
    PayPalConnector,
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
    DeclineCategory,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor.transcript import render_transcript
from tests.connectors.harness import drive, make_ctx, response
from tests.contract import spec as contract
from tests.contract.spec import SpecViolation
from tests.fakes.paypal import (
    CLIENT_ID,
    CLIENT_SECRET,
    SPEC_BASE,
    WEBHOOK_ID,
    WEBHOOKS_SPEC,
    check_request,
    check_token_request,
)

WALLET = ApplePay(token=Secret("apple-pay-token"))  # a method this connector does not take

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
C = PayPalConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "paypal"
PAN, CVC = "4111111111111111", "739"
TOKEN = "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYX"
ORDER, AUTH, CAP = "5O190127TN364715T", "0AW2184448108334S", "3C679366HH908993F"
CREDS = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def fx(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def ctx(key: str | None = "idem-123", token: str | None = TOKEN, **options: str) -> Any:
    return make_ctx(
        C,
        CREDS,
        {"webhook_id": WEBHOOK_ID, **options},
        base_url=SPEC_BASE,
        idempotency_key=key,
        access_token=token,
    )


def card(**kw: Any) -> Card:
    return Card(
        number=Secret(PAN),
        exp_month=12,
        exp_year=2030,
        cvc=Secret(CVC),
        holder_name=kw.pop("holder_name", "Jane Doe"),
        **kw,
    )


BILLING = Address(
    line1="2211 N First Street",
    city="San Jose",
    state="CA",
    postal_code="95131",
    country="US",
    first_name="Jane",
    last_name="Doe",
)


def authorize_data(**kw: Any) -> AuthorizeData:
    base: dict[str, Any] = {
        "amount": 10000,
        "currency": "USD",
        "payment_method": card(),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "order-1001",
    }
    return AuthorizeData(**(base | kw))


def payment(
    meta: dict[str, str] | None = None,
    method: str = "manual",
    pid: str = ORDER,
    amount: int = 10000,
) -> PaymentRef:
    return PaymentRef(
        account="paypal-test",
        connector="paypal",
        connector_payment_id=pid,
        amount=amount,
        currency="USD",
        capture_method=method,
        meta=meta or {},
    )


def mandate_ref(ntid: str | None = "483006241505117") -> MandateRef:
    return MandateRef(
        account="paypal-test",
        connector="paypal",
        connector_mandate_id="8kk8451t",
        customer_id="customer_4029352050",
        currency="USD",
        network_transaction_id=ntid,
    )


def body_of(request: HttpRequest) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(request.body or b"{}")
    return data


# --------------------------------------------------------------------------- metadata


def test_meta_flows_match_implementation() -> None:
    assert C.meta.flows == C.implemented_flows()
    assert C.meta.needs_access_token
    assert set(C.meta.secret_fields) == {f.name for f in C.meta.credential_fields}
    assert {"HUF", "JPY", "TWD", "USD", "EUR"} <= (C.meta.currencies or set())


# --------------------------------------------------------------------------- contract

FULL_AUTHORIZE = authorize_data(
    billing=BILLING,
    return_url="https://shop.example.com/return",
    description="Order 1001",
    statement_descriptor="TESTSTORE",
    setup_future_usage=True,
    customer=Customer(id="cus_1001", email="j@example.com"),
)
MIT = authorize_data(
    payment_method=StoredMandate(ref=mandate_ref()), capture_method=CaptureMethod.AUTOMATIC
)
COMPLETE = CompleteAuthorizeData(payment=payment(method="automatic"), params={"token": ORDER})
CAPTURE = CaptureData(payment=payment({"auth": AUTH}), amount=6000, reference="cap-2001")
VOID = VoidData(payment=payment({"auth": AUTH}))
REFUND = RefundData(
    payment=payment({"cap": CAP}, "automatic"),
    amount=2000,
    reference="rf-3001",
    reason="Returned item",
)
REFUND_SYNC = RefundSyncData(
    refund=RefundRef(
        account="paypal-test",
        connector="paypal",
        connector_refund_id="1JU08902781691411",
        connector_payment_id=ORDER,
        amount=2000,
        currency="USD",
        meta={"cap": CAP},
    )
)
SETUP_CARD = MandateSetupData(
    payment_method=card(),
    currency="USD",
    amount=0,
    billing=BILLING,
    customer=Customer(id="customer_4029352050"),
    reference="man-4001",
)
SETUP_TOKEN = MandateSetupData(
    payment_method=Token(token="8kk8451t"),
    currency="USD",
    amount=0,
    customer=Customer(id="c1"),
    reference="man-4002",
)
REVOKE = MandateRevokeData(mandate=mandate_ref())


def ok(status: int, name: str) -> Any:
    return response(status, fx(name))


# (name, flow, data, answers): every request of every flow, multi-step ones included.
CONTRACT_CASES: list[tuple[str, Flow, Any, list[Any]]] = [
    ("authorize-manual", Flow.AUTHORIZE, FULL_AUTHORIZE, [ok(201, "order_authorized")]),
    ("authorize-automatic", Flow.AUTHORIZE, authorize_data(capture_method=CaptureMethod.AUTOMATIC),
     [ok(201, "order_captured")]),
    ("authorize-explicit-call", Flow.AUTHORIZE, authorize_data(),
     [ok(201, "order_created"), ok(201, "order_authorized")]),
    ("authorize-vault-token", Flow.AUTHORIZE,
     authorize_data(payment_method=Token(token="8kk8451t")), [ok(201, "order_authorized")]),
    ("charge-mandate", Flow.AUTHORIZE, MIT, [ok(201, "order_captured")]),
    ("complete-authorize", Flow.COMPLETE_AUTHORIZE, COMPLETE,
     [ok(200, "order_approved_3ds"), ok(201, "order_captured")]),
    ("capture", Flow.CAPTURE, CAPTURE, [ok(201, "authorization_capture")]),
    ("capture-looks-up-authorization", Flow.CAPTURE,
     CaptureData(payment=payment(), amount=10000, reference="cap-2002"),
     [ok(200, "order_authorized"), ok(201, "authorization_capture")]),
    ("void", Flow.VOID, VOID, [ok(200, "authorization_voided")]),
    ("void-looks-up-authorization", Flow.VOID, VoidData(payment=payment()),
     [ok(200, "order_authorized"), response(204, b"")]),
    ("refund", Flow.REFUND, REFUND, [ok(201, "refund")]),
    ("refund-looks-up-capture", Flow.REFUND,
     RefundData(payment=payment(), amount=2000, reference="rf-3002"),
     [ok(200, "order_captured"), ok(201, "refund")]),
    ("sync", Flow.SYNC, SyncData(payment=payment()), [ok(200, "order_authorized")]),
    ("refund-sync", Flow.REFUND_SYNC, REFUND_SYNC, [ok(200, "refund")]),
    ("setup-mandate-card", Flow.SETUP_MANDATE, SETUP_CARD, [ok(201, "payment_token")]),
    ("setup-mandate-token", Flow.SETUP_MANDATE, SETUP_TOKEN, [ok(200, "payment_token")]),
    ("revoke-mandate", Flow.REVOKE_MANDATE, REVOKE, [response(204, b"")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "flow", "data", "answers"), CONTRACT_CASES, ids=[c[0] for c in CONTRACT_CASES]
)
def test_every_request_matches_the_official_spec(
    name: str, flow: Flow, data: Any, answers: list[Any]
) -> None:
    requests, result = drive(C, flow, ctx(), data, answers)
    assert len(requests) == len(answers)
    for request in requests:
        assert request.url.startswith(SPEC_BASE)
        check_request(request)
        assert request.idempotent
    assert result is not None


def test_authorize_body_carries_card_3ds_vaulting_and_major_units() -> None:
    data = FULL_AUTHORIZE
    (request,), _ = drive(C, Flow.AUTHORIZE, ctx(), data, [response(201, fx("order_authorized"))])
    assert request.method == "POST" and request.url == f"{SPEC_BASE}/v2/checkout/orders"
    assert request.headers["PayPal-Request-Id"] == "idem-123"
    assert request.headers["Prefer"] == "return=representation"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert body_of(request) == {
        "intent": "AUTHORIZE",
        "purchase_units": [{
            "reference_id": "order-1001", "invoice_id": "order-1001", "custom_id": "order-1001",
            "description": "Order 1001", "soft_descriptor": "TESTSTORE",
            "amount": {"currency_code": "USD", "value": "100.00"},
        }],
        "payment_source": {"card": {
            "number": PAN, "expiry": "2030-12", "security_code": CVC, "name": "Jane Doe",
            "billing_address": {"address_line_1": "2211 N First Street", "admin_area_2": "San Jose",
                                "admin_area_1": "CA", "postal_code": "95131", "country_code": "US"},
            "stored_credential": {"payment_initiator": "CUSTOMER", "payment_type": "UNSCHEDULED",
                                  "usage": "FIRST"},
            "attributes": {"verification": {"method": "SCA_WHEN_REQUIRED"},
                           "vault": {"store_in_vault": "ON_SUCCESS"},
                           "customer": {"id": "cus_1001"}},
            "experience_context": {"return_url": "https://shop.example.com/return",
                                   "cancel_url": "https://shop.example.com/return"},
        }},
    }  # fmt: skip


def test_automatic_capture_and_sca_always_option() -> None:
    data = authorize_data(capture_method=CaptureMethod.AUTOMATIC)
    (request,), _ = drive(
        C, Flow.AUTHORIZE, ctx(sca_method="SCA_ALWAYS"), data, [response(201, fx("order_captured"))]
    )
    body = body_of(request)
    assert body["intent"] == "CAPTURE"
    assert body["payment_source"]["card"]["attributes"] == {
        "verification": {"method": "SCA_ALWAYS"}
    }


def test_mit_charge_uses_vault_id_and_stored_credential() -> None:
    data = authorize_data(payment_method=StoredMandate(ref=mandate_ref()))
    (request,), result = drive(
        C,
        Flow.AUTHORIZE,
        ctx(mit_payment_type="RECURRING"),
        data,
        [response(201, fx("order_authorized"))],
    )
    assert body_of(request)["payment_source"] == {
        "card": {
            "vault_id": "8kk8451t",
            "stored_credential": {
                "payment_initiator": "MERCHANT",
                "payment_type": "RECURRING",
                "usage": "SUBSEQUENT",
                "previous_network_transaction_reference": {"id": "483006241505117"},
            },
        }
    }
    assert result.status is PaymentStatus.AUTHORIZED


def test_request_id_without_a_caller_key_is_fresh_per_request() -> None:
    first, _ = drive(
        C, Flow.AUTHORIZE, ctx(key=None), authorize_data(), [response(201, fx("order_authorized"))]
    )
    again, _ = drive(
        C, Flow.AUTHORIZE, ctx(key=None), authorize_data(), [response(201, fx("order_authorized"))]
    )
    other, _ = drive(
        C,
        Flow.AUTHORIZE,
        ctx(key=None),
        authorize_data(reference="order-1002"),
        [response(201, fx("order_authorized"))],
    )
    key = first[0].headers["PayPal-Request-Id"]
    # no caller key: a new request is a new attempt, even for the same reference
    assert key.startswith("cs-") and key != again[0].headers["PayPal-Request-Id"]
    assert key != other[0].headers["PayPal-Request-Id"]
    long_key = "k" * 200
    (req,), _ = drive(
        C,
        Flow.AUTHORIZE,
        ctx(key=long_key),
        authorize_data(),
        [response(201, fx("order_authorized"))],
    )
    assert len(req.headers["PayPal-Request-Id"]) <= 108
    check_request(req)


def test_explicit_authorize_call_when_order_waits() -> None:
    requests, result = drive(
        C,
        Flow.AUTHORIZE,
        ctx(),
        authorize_data(),
        [response(201, fx("order_created")), response(201, fx("order_authorized"))],
    )
    assert requests[1].url == f"{SPEC_BASE}/v2/checkout/orders/{ORDER}/authorize"
    assert requests[1].headers["PayPal-Request-Id"] == "idem-123-authorize"
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.meta == {"intent": "AUTHORIZE", "auth": AUTH}


def test_access_token_request_is_exact() -> None:
    request = C.build_access_token(ctx(token=None))
    assert request.method == "POST" and request.url == f"{SPEC_BASE}/v1/oauth2/token"
    expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.body == b"grant_type=client_credentials"
    check_token_request(request, CLIENT_ID, CLIENT_SECRET)
    with pytest.raises(SpecViolation):
        check_token_request(request, CLIENT_ID, "another-secret")
    token = C.parse_access_token(ctx(), None, response(200, fx("access_token")))
    assert token.token == fx("access_token")["access_token"] and token.expires_in == 31668


def test_access_token_rejected() -> None:
    with pytest.raises(ServiceError) as exc:
        C.parse_access_token(ctx(), None, response(401, fx("access_token_error")))
    assert exc.value.code == "gateway_authentication_failed"
    assert exc.value.gateway is not None and exc.value.gateway.code == "invalid_client"


def test_flows_need_the_access_token() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(C, Flow.SYNC, ctx(token=None), SyncData(payment=payment()), [response(200, {})])
    assert exc.value.code == "access_token_missing"


def test_webhook_verify_request_matches_spec_and_sends_the_event_verbatim() -> None:
    raw = (FIXTURES / "webhook_capture_completed.json").read_bytes()
    headers = _webhook_headers()
    request = C.webhook_verify(ctx(), headers, raw)
    assert isinstance(request, HttpRequest)
    assert request.url == f"{SPEC_BASE}/v1/notifications/verify-webhook-signature"
    check_request(request)
    sent = body_of(request)
    assert sent["webhook_event"] == json.loads(raw)
    assert raw.strip() in (request.body or b"")  # byte for byte, not re-serialised
    assert {k: sent[k] for k in sent if k != "webhook_event"} == {
        "auth_algo": "SHA256withRSA",
        "cert_url": headers["paypal-cert-url"],
        "transmission_id": headers["paypal-transmission-id"],
        "transmission_sig": headers["paypal-transmission-sig"],
        "transmission_time": headers["paypal-transmission-time"],
        "webhook_id": WEBHOOK_ID,
    }


def test_published_webhook_spec_marks_the_event_read_only() -> None:
    """Why the fake relaxes one schema: unpatched, even a correct request fails, and only
    with 'read-only' errors inside webhook_event."""
    raw_spec = json.loads(contract.spec_path(WEBHOOKS_SPEC).read_text())
    raw_spec["servers"] = [{"url": SPEC_BASE}]
    request = C.webhook_verify(
        ctx(), _webhook_headers(), (FIXTURES / "webhook_capture_completed.json").read_bytes()
    )
    assert isinstance(request, HttpRequest)
    with pytest.raises(Exception) as exc:
        OpenAPI.from_dict(raw_spec).validate_request(contract._Request(request, SPEC_BASE))
    errors = exc.value.__cause__.schema_errors  # type: ignore[union-attr]
    assert errors and all("read-only" in e.message and e.path[0] == "webhook_event" for e in errors)


def test_validator_catches_broken_requests() -> None:
    (good,), _ = drive(
        C, Flow.AUTHORIZE, ctx(), authorize_data(), [response(201, fx("order_authorized"))]
    )
    body = body_of(good)
    broken = [copy.deepcopy(body) for _ in range(4)]
    broken[0]["intent"] = "SALE"
    broken[1]["payment_source"]["card"]["expiry"] = "12/30"
    broken[2]["purchase_units"][0]["amount"]["value"] = "100,00"
    del broken[3]["purchase_units"]
    for bad in broken:
        with pytest.raises(SpecViolation):
            check_request(
                HttpRequest(good.method, good.url, good.headers, json.dumps(bad).encode())
            )
    no_bearer = {k: v for k, v in good.headers.items() if k != "Authorization"}
    with pytest.raises(SpecViolation, match="Bearer"):
        check_request(HttpRequest(good.method, good.url, no_bearer, good.body))
    with pytest.raises(SpecViolation):
        check_request(
            HttpRequest(
                "POST", f"{SPEC_BASE}/v2/checkout/orders/{ORDER}/refund", good.headers, b"{}"
            )
        )
    verify = C.webhook_verify(
        ctx(), _webhook_headers(), (FIXTURES / "webhook_capture_completed.json").read_bytes()
    )
    assert isinstance(verify, HttpRequest)
    without_id = {k: v for k, v in body_of(verify).items() if k != "webhook_id"}
    with pytest.raises(SpecViolation):
        check_request(
            HttpRequest("POST", verify.url, verify.headers, json.dumps(without_id).encode())
        )


def test_wallet_is_not_supported() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(
            C,
            Flow.AUTHORIZE,
            ctx(),
            authorize_data(payment_method=WALLET),
            [],
        )
    assert exc.value.type is ErrorType.NOT_SUPPORTED and exc.value.field == "payment_method.type"


@pytest.mark.parametrize(("currency", "minor", "value"), [
    ("USD", 1050, "10.50"), ("EUR", 5, "0.05"), ("JPY", 500, "500"), ("HUF", 150000, "1500"),
    ("TWD", 9900, "99"),
])  # fmt: skip
def test_amounts_follow_paypals_decimals(currency: str, minor: int, value: str) -> None:
    (request,), _ = drive(
        C,
        Flow.AUTHORIZE,
        ctx(),
        authorize_data(amount=minor, currency=currency),
        [response(201, fx("order_authorized"))],
    )
    assert body_of(request)["purchase_units"][0]["amount"] == {
        "currency_code": currency,
        "value": value,
    }


def test_fractional_huf_is_refused_and_huf_parses_back() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(C, Flow.AUTHORIZE, ctx(), authorize_data(amount=150050, currency="HUF"), [])
    assert exc.value.code == "invalid_amount" and exc.value.field == "amount"
    order = fx("order_authorized")
    order["purchase_units"][0]["amount"] = {"currency_code": "HUF", "value": "1500"}
    assert C.parse_sync(ctx(), SyncData(payment=payment()), response(200, order)).amount == 150000


def test_long_reference_is_refused_not_truncated() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(C, Flow.AUTHORIZE, ctx(), authorize_data(reference="r" * 128), [])
    assert exc.value.field == "reference"


# --------------------------------------------------------------------------- parsing


def _order(status: str, intent: str = "AUTHORIZE") -> dict[str, Any]:
    order = fx("order_created")
    order["status"], order["intent"] = status, intent
    return order


@pytest.mark.parametrize("raw", sorted(ORDER_STATUS))
def test_order_status_without_payments(raw: str) -> None:
    order = fx("order_payer_action_required") if raw == "PAYER_ACTION_REQUIRED" else _order(raw)
    result = C.parse_sync(ctx(), SyncData(payment=payment()), response(200, order))
    assert result.status is ORDER_STATUS[raw] and result.connector_status == raw
    assert result.status is not PaymentStatus.CAPTURED  # COMPLETED alone proves nothing
    if raw == "PAYER_ACTION_REQUIRED":
        assert result.next_action is not None and "helios" in result.next_action.url


@pytest.mark.parametrize("raw", sorted(AUTHORIZATION_STATUS))
def test_authorization_status(raw: str) -> None:
    order = fx("order_authorized")
    order["purchase_units"][0]["payments"]["authorizations"][0]["status"] = raw
    result = C.parse_sync(ctx(), SyncData(payment=payment()), response(200, order))
    assert result.status is AUTHORIZATION_STATUS[raw] and result.connector_status == raw
    assert result.connector_payment_id == ORDER and result.meta == {
        "intent": "AUTHORIZE",
        "auth": AUTH,
    }


@pytest.mark.parametrize("raw", sorted(CAPTURE_STATUS))
def test_capture_status(raw: str) -> None:
    order = fx("order_captured")
    order["purchase_units"][0]["payments"]["captures"][0]["status"] = raw
    result = C.parse_sync(
        ctx(), SyncData(payment=payment(method="automatic")), response(200, order)
    )
    assert result.status is CAPTURE_STATUS[raw] and result.connector_status == raw
    assert result.meta == {"intent": "CAPTURE", "cap": CAP}


@pytest.mark.parametrize("raw", sorted(REFUND_STATUS))
def test_refund_status(raw: str) -> None:
    refund = fx("refund") | {"status": raw}
    result = C.parse_refund_sync(ctx(), REFUND_SYNC, response(200, refund))
    assert result.status is REFUND_STATUS[raw] and result.connector_status == raw
    assert result.amount == 2000 and result.connector_refund_id == "1JU08902781691411"
    assert (result.failure is not None) == (REFUND_STATUS[raw] is RefundStatus.FAILED)


def test_unknown_statuses_are_pending_never_success() -> None:
    order = fx("order_authorized")
    order["purchase_units"][0]["payments"]["authorizations"][0]["status"] = "SOMETHING_NEW"
    assert (
        C.parse_sync(ctx(), SyncData(payment=payment()), response(200, order)).status
        is PaymentStatus.PROCESSING
    )
    assert (
        C.parse_sync(ctx(), SyncData(payment=payment()), response(200, _order("NEW"))).status
        is PaymentStatus.PROCESSING
    )
    refund = C.parse_refund_sync(
        ctx(), REFUND_SYNC, response(200, fx("refund") | {"status": "NEW"})
    )
    assert refund.status is RefundStatus.PENDING


def test_authorized_order_carries_ids_card_and_network_reference() -> None:
    result = C.parse_sync(ctx(), SyncData(payment=payment()), response(200, fx("order_authorized")))
    assert result.status is PaymentStatus.AUTHORIZED and result.amount == 10000
    assert result.network_transaction_id == "483006241505117"
    assert result.card is not None and (result.card.brand, result.card.last4) == ("visa", "1111")
    assert (result.card.exp_month, result.card.exp_year) == (12, 2030)


def test_captured_order_with_vaulted_card_returns_the_mandate() -> None:
    (_,), result = drive(
        C,
        Flow.AUTHORIZE,
        ctx(),
        authorize_data(setup_future_usage=True),
        [response(201, fx("order_captured"))],
    )
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 10000
    assert result.mandate is not None and result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == "8kk8451t"
    assert result.mandate.connector_customer_id == "customer_4029352050"
    assert result.mandate.network_transaction_id == "483006241505117"


def test_partial_capture_then_void_of_the_rest_is_captured() -> None:
    order = fx("order_authorized")
    pay = order["purchase_units"][0]["payments"]
    pay["authorizations"][0]["status"] = "VOIDED"
    pay["captures"] = [fx("authorization_capture")]
    result = C.parse_sync(ctx(), SyncData(payment=payment()), response(200, order))
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 6000
    assert result.meta == {"intent": "AUTHORIZE", "auth": AUTH, "cap": "7TK53561YB803214S"}


def test_three_ds_requires_action() -> None:
    (_,), result = drive(
        C,
        Flow.AUTHORIZE,
        ctx(),
        authorize_data(return_url="https://shop.example.com/r"),
        [response(201, fx("order_payer_action_required"))],
    )
    assert result.status is PaymentStatus.REQUIRES_ACTION and result.connector_payment_id == ORDER
    assert result.next_action is not None and result.next_action.type == "redirect"
    assert result.next_action.url.startswith("https://www.sandbox.paypal.com/webapps/helios")


def test_complete_authorize_waits_while_the_payer_has_not_finished() -> None:
    data = CompleteAuthorizeData(payment=payment(method="automatic"), params={})
    requests, result = drive(
        C, Flow.COMPLETE_AUTHORIZE, ctx(), data, [response(200, fx("order_payer_action_required"))]
    )
    assert len(requests) == 1 and result.status is PaymentStatus.REQUIRES_ACTION


def test_complete_authorize_after_failed_3ds_does_not_charge() -> None:
    order = fx("order_approved_3ds")
    order["payment_source"]["card"]["authentication_result"] = {
        "liability_shift": "NO",
        "three_d_secure": {"enrollment_status": "Y", "authentication_status": "N"},
    }
    requests, result = drive(
        C,
        Flow.COMPLETE_AUTHORIZE,
        ctx(),
        CompleteAuthorizeData(payment=payment(), params={}),
        [response(200, order)],
    )
    assert len(requests) == 1
    assert result.status is PaymentStatus.FAILED and result.failure.code == "authentication_failed"


def test_complete_authorize_captures_after_3ds() -> None:
    requests, result = drive(
        C,
        Flow.COMPLETE_AUTHORIZE,
        ctx(),
        COMPLETE,
        [response(200, fx("order_approved_3ds")), response(201, fx("order_captured"))],
    )
    assert requests[1].url == f"{SPEC_BASE}/v2/checkout/orders/{ORDER}/capture"
    assert result.status is PaymentStatus.CAPTURED and result.meta["cap"] == CAP


def test_capture_partial_and_full() -> None:
    (request,), result = drive(
        C, Flow.CAPTURE, ctx(), CAPTURE, [response(201, fx("authorization_capture"))]
    )
    assert request.url == f"{SPEC_BASE}/v2/payments/authorizations/{AUTH}/capture"
    assert body_of(request) == {
        "amount": {"currency_code": "USD", "value": "60.00"},
        "final_capture": True,  # the default: a partial capture releases the rest
        "invoice_id": "cap-2001",
    }
    assert result.status is PaymentStatus.PARTIALLY_CAPTURED and result.amount_captured == 6000
    assert result.meta == {"intent": "AUTHORIZE", "auth": AUTH, "cap": "7TK53561YB803214S"}
    full = CaptureData(
        payment=payment({"auth": AUTH}, amount=6000), amount=6000, reference="cap-2002"
    )
    (request,), result = drive(
        C, Flow.CAPTURE, ctx(), full, [response(201, fx("authorization_capture"))]
    )
    assert body_of(request)["final_capture"] is True and result.status is PaymentStatus.CAPTURED


def test_capture_of_an_auto_captured_payment_is_a_conflict() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(
            C,
            Flow.CAPTURE,
            ctx(),
            CaptureData(payment=payment(method="automatic"), amount=100, reference="c"),
            [response(200, fx("order_captured"))],
        )
    assert exc.value.type is ErrorType.CONFLICT and exc.value.code == "payment_not_capturable"


def test_void_answers() -> None:
    _, result = drive(C, Flow.VOID, ctx(), VOID, [response(200, fx("authorization_voided"))])
    assert result.status is PaymentStatus.VOIDED and result.connector_payment_id == ORDER
    requests, result = drive(
        C,
        Flow.VOID,
        ctx(),
        VoidData(payment=payment()),
        [response(200, fx("order_authorized")), response(204, b"")],
    )
    assert (
        requests[1].url.endswith(f"/authorizations/{AUTH}/void")
        and result.status is PaymentStatus.VOIDED
    )


def test_refund_picks_the_capture_with_enough_left() -> None:
    order = fx("order_authorized")
    first = fx("authorization_capture") | {
        "id": "CAPFIRST000000001",
        "amount": {"currency_code": "USD", "value": "30.00"},
    }
    second = fx("authorization_capture") | {
        "id": "CAPSECOND00000002",
        "amount": {"currency_code": "USD", "value": "70.00"},
    }
    refund = fx("refund") | {"amount": {"currency_code": "USD", "value": "25.00"}}
    refund["links"][1]["href"] = f"{SPEC_BASE}/v2/payments/captures/CAPFIRST000000001"
    order["purchase_units"][0]["payments"] |= {"captures": [first, second], "refunds": [refund]}
    data = RefundData(payment=payment(), amount=1000, reference="rf-3003")
    requests, result = drive(
        C, Flow.REFUND, ctx(), data, [response(200, order), response(201, fx("refund"))]
    )
    assert requests[1].url == f"{SPEC_BASE}/v2/payments/captures/CAPSECOND00000002/refund"
    assert body_of(requests[1]) == {
        "amount": {"currency_code": "USD", "value": "10.00"},
        "custom_id": "rf-3003",
    }
    assert result.status is RefundStatus.SUCCEEDED and result.meta == {"cap": "CAPSECOND00000002"}


def test_refund_without_capture_is_a_conflict() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(
            C,
            Flow.REFUND,
            ctx(),
            RefundData(payment=payment(), amount=100, reference="r"),
            [response(200, fx("order_authorized"))],
        )
    assert exc.value.code == "payment_not_refundable"


def test_sync_of_an_unresolved_payment_explains_the_recovery() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(C, Flow.SYNC, ctx(), SyncData(payment=payment(pid="")), [])
    assert exc.value.code == "not_supported" and "Idempotency-Key" in exc.value.message


def test_mandate_setup_and_revoke() -> None:
    (request,), result = drive(
        C, Flow.SETUP_MANDATE, ctx(), SETUP_CARD, [response(201, fx("payment_token"))]
    )
    body = body_of(request)
    assert body["customer"] == {"id": "customer_4029352050"}
    assert (
        body["payment_source"]["card"]["number"] == PAN
        and request.headers["PayPal-Request-Id"] == "idem-123"
    )
    assert result.status is MandateStatus.ACTIVE and result.connector_mandate_id == "8kk8451t"
    assert result.connector_customer_id == "customer_4029352050"
    assert result.network_transaction_id == "483006241505117"
    declined = fx("payment_token")
    declined["payment_source"]["card"]["verification"]["processor_response"]["response_code"] = (
        "5400"
    )
    result = C.parse_setup_mandate(ctx(), SETUP_CARD, response(201, declined))
    assert result.status is MandateStatus.FAILED and result.failure.code == "expired_card"
    (request,), result = drive(C, Flow.REVOKE_MANDATE, ctx(), REVOKE, [response(204, b"")])
    assert request.method == "DELETE" and result.status is MandateStatus.REVOKED
    _, gone = drive(C, Flow.REVOKE_MANDATE, ctx(), REVOKE, [response(404, fx("error_404"))])
    assert gone.status is MandateStatus.REVOKED and gone.connector_status == "NOT_FOUND"


# --------------------------------------------------------------------------- declines


def test_decline_map_covers_every_documented_processor_code() -> None:
    spec = json.loads(contract.spec_path("paypal/checkout_orders_v2.json").read_text())
    codes = set(
        spec["components"]["schemas"]["processor_response"]["properties"]["response_code"]["enum"]
    )
    assert codes - {"0000"} == set(DECLINE_MAP)


def test_soft_decline_with_advice_code() -> None:
    result = C.parse_sync(
        ctx(),
        SyncData(payment=payment(method="automatic")),
        response(200, fx("order_capture_declined")),
    )
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id == ORDER
    assert result.failure.code == "insufficient_funds" and result.failure.advice_code == "02"
    assert result.failure.category is DeclineCategory.RETRY_LATER
    assert result.failure.gateway.code == "5120" and result.mandate is None


def test_hard_decline() -> None:
    result = C.parse_sync(
        ctx(), SyncData(payment=payment()), response(200, fx("order_authorization_denied"))
    )
    assert result.status is PaymentStatus.FAILED and result.connector_status == "DENIED"
    assert (
        result.failure.code == "fraud_suspected" and result.failure.category is DeclineCategory.HARD
    )


@pytest.mark.parametrize(("code", "advice", "unified", "category"), [
    ("0500", None, "do_not_honor", DeclineCategory.SOFT),
    ("5400", None, "expired_card", DeclineCategory.HARD),
    ("1330", None, "incorrect_number", DeclineCategory.HARD),
    ("00N7", None, "incorrect_cvc", DeclineCategory.SOFT),
    ("PCNR", None, "authentication_required", DeclineCategory.SOFT),
    ("9520", None, "lost_card", DeclineCategory.HARD),
    ("9100", None, "try_again_later", DeclineCategory.RETRY_LATER),
    ("5120", "03", "insufficient_funds", DeclineCategory.HARD),
    ("XXXX", None, "generic_decline", DeclineCategory.SOFT),
])  # fmt: skip
def test_decline_codes(
    code: str, advice: str | None, unified: str, category: DeclineCategory
) -> None:
    order = fx("order_capture_declined")
    processor = order["purchase_units"][0]["payments"]["captures"][0]["processor_response"]
    processor["response_code"] = code
    processor.pop("payment_advice_code")
    if advice:
        processor["payment_advice_code"] = advice
    failure = C.parse_sync(ctx(), SyncData(payment=payment()), response(200, order)).failure
    assert failure is not None and (failure.code, failure.category, failure.advice_code) == (
        unified,
        category,
        advice,
    )


@pytest.mark.parametrize(
    "fixture", ["error_422_instrument_declined", "error_422_transaction_refused"]
)
def test_declined_order_action_is_a_result_with_the_order(fixture: str) -> None:
    _, result = drive(
        C,
        Flow.AUTHORIZE,
        ctx(),
        authorize_data(),
        [response(201, fx("order_created")), response(422, fx(fixture))],
    )
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id == ORDER
    assert result.failure.gateway.code == fx(fixture)["details"][0]["issue"]


def test_declined_before_any_order_is_an_error() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(
            C,
            Flow.AUTHORIZE,
            ctx(),
            authorize_data(),
            [response(422, fx("error_422_instrument_declined"))],
        )
    assert exc.value.code == "payment_declined" and exc.value.gateway.code == "INSTRUMENT_DECLINED"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(("status", "fixture", "etype", "code", "field"), [
    (400, "error_400", ErrorType.INVALID_REQUEST, "gateway_rejected_request",
     "payment_method.exp_month"),
    (401, "error_401", ErrorType.CONNECTOR, "gateway_authentication_failed", None),
    (403, "error_403", ErrorType.CONNECTOR, "gateway_permission_denied", None),
    (404, "error_404", ErrorType.NOT_FOUND, "resource_not_found", None),
    (409, "error_409", ErrorType.CONFLICT, "request_in_progress", None),
    (422, "error_422_duplicate_invoice", ErrorType.CONFLICT, "duplicate_reference", None),
    (422, "error_422_refund_exceeded", ErrorType.INVALID_REQUEST, "amount_too_large", None),
    (429, "error_429", ErrorType.RATE_LIMITED, "gateway_rate_limited", None),
    (500, "error_500", ErrorType.CONNECTOR, "gateway_error", None),
    (503, "error_503", ErrorType.CONNECTOR, "gateway_unavailable", None),
])  # fmt: skip
def test_errors(status: int, fixture: str, etype: ErrorType, code: str, field: str | None) -> None:
    with pytest.raises(ServiceError) as exc:
        C.parse_sync(ctx(), SyncData(payment=payment()), response(status, fx(fixture)))
    assert (exc.value.type, exc.value.code, exc.value.field) == (etype, code, field)
    assert exc.value.gateway is not None and exc.value.gateway.http_status == status


def test_capture_and_refund_errors_keep_paypals_issue() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(
            C,
            Flow.REFUND,
            ctx(),
            REFUND,
            [response(422, fx("error_422_refund_exceeded"))],
        )
    assert exc.value.gateway.code == "REFUND_AMOUNT_EXCEEDED"


# --------------------------------------------------------------------------- webhooks


CERT_URL = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77"
SIGNATURE = (
    "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh3s3boXB07VXCXUZy/UF"
    "zUlnGJn0wDugt7FlSvdKeIJenLRemUxYCPVoEZzg9VFNqOa48gMkvF+XTpxBeUx/kWy6B5cp7GkT2+pO"
    "owfRK7OaynuxUoKW3JcMWw272VKjLTtTAShncla7tGF+55rxyt2KNZIIqxNMJ48RDZheGU5w1npu9dZH"
    "nPgTXB9iomeVRoD8O/jhRpnKsGrDschyNdkeh81BJJMH4Ctc6lnCCquoP/GzCzz33MMsNdid7vL/NIWa"
    "CsekQpW26FpWPi/tfj8nLA=="
)


def _webhook_headers(when: dt.datetime | None = None) -> dict[str, str]:
    stamp = (when or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "paypal-auth-algo": "SHA256withRSA",
        "paypal-cert-url": CERT_URL,
        "paypal-transmission-id": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
        "paypal-transmission-sig": SIGNATURE,
        "paypal-transmission-time": stamp,
    }


@pytest.mark.parametrize("missing", sorted(_webhook_headers()))
def test_webhook_missing_header_is_rejected_without_a_call(missing: str) -> None:
    headers = {k: v for k, v in _webhook_headers().items() if k != missing}
    assert (
        C.webhook_verify(ctx(), headers, (FIXTURES / "webhook_capture_completed.json").read_bytes())
        is False
    )


def test_webhook_rejections_without_a_call() -> None:
    raw = (FIXTURES / "webhook_capture_completed.json").read_bytes()
    stale = _webhook_headers(dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert C.webhook_verify(ctx(), stale, raw) is False
    assert isinstance(C.webhook_verify(ctx(webhook_tolerance_seconds="0"), stale, raw), HttpRequest)
    assert (
        C.webhook_verify(ctx(), _webhook_headers() | {"paypal-transmission-time": "yesterday"}, raw)
        is False
    )
    assert C.webhook_verify(ctx(), _webhook_headers(), b"not json") is False
    no_id = make_ctx(C, CREDS, {}, base_url=SPEC_BASE, access_token=TOKEN)
    assert C.webhook_verify(no_id, _webhook_headers(), raw) is False


def test_webhook_verdict() -> None:
    assert C.parse_verify_webhook(ctx(), response(200, {"verification_status": "SUCCESS"})) is True
    assert C.parse_verify_webhook(ctx(), response(200, {"verification_status": "FAILURE"})) is False
    assert C.parse_verify_webhook(ctx(), response(400, fx("error_400"))) is False
    with pytest.raises(ServiceError) as exc:  # our token expired: not a verdict on the event
        C.parse_verify_webhook(ctx(), response(401, fx("error_401")))
    assert exc.value.code == "gateway_authentication_failed"


def _parse(name: str) -> Any:
    (event,) = C.webhook_parse({}, (FIXTURES / f"{name}.json").read_bytes())
    return event


def test_webhook_identify() -> None:
    identity = C.webhook_identify({}, (FIXTURES / "webhook_capture_completed.json").read_bytes())
    assert identity.event_id == "WH-58D329510W468432D-8HN650336L201105X"
    for garbage in (b"[]", b"not json", b'{"id": "WH-1"}', b'{"id": 1, "event_type": "X"}'):
        with pytest.raises(ServiceError) as err:
            C.webhook_identify({}, garbage)
        assert err.value.code == "invalid_webhook"


def test_webhook_payment_events() -> None:
    event = _parse("webhook_authorization_created")
    assert event.type is WebhookEventType.PAYMENT_AUTHORIZED and event.connector_payment_id == ORDER
    assert event.payment.status is PaymentStatus.AUTHORIZED and event.payment.meta == {"auth": AUTH}
    assert (event.amount, event.currency) == (10000, "USD")
    assert _parse("webhook_authorization_voided").payment.status is PaymentStatus.VOIDED
    event = _parse("webhook_capture_completed")
    assert (
        event.type is WebhookEventType.PAYMENT_CAPTURED and event.payment.amount_captured == 10000
    )
    assert event.connector_payment_id == ORDER and event.occurred_at == "2024-05-14T10:21:00.000Z"
    event = _parse("webhook_capture_denied")
    assert (
        event.type is WebhookEventType.CAPTURE_FAILED
        and event.payment.failure.code == "expired_card"
    )
    event = _parse("webhook_capture_pending")
    assert (
        event.type is WebhookEventType.PAYMENT_PROCESSING
        and event.payment.status is PaymentStatus.PROCESSING
    )
    event = _parse("webhook_order_completed")
    assert (
        event.type is WebhookEventType.PAYMENT_CAPTURED
        and event.payment.connector_payment_id == ORDER
    )
    event = _parse("webhook_order_approved")
    assert event.type is WebhookEventType.PAYMENT_PROCESSING


def test_webhook_refund_events() -> None:
    event = _parse("webhook_capture_refunded")
    assert event.type is WebhookEventType.REFUND_SUCCEEDED
    assert event.refund.connector_refund_id == "1JU08902781691411" and event.refund.amount == 2000
    assert event.refund.meta == {"cap": CAP}
    raw = json.loads((FIXTURES / "webhook_capture_refunded.json").read_bytes())
    raw["resource"]["status"] = "PENDING"
    (pending,) = C.webhook_parse({}, json.dumps(raw).encode())
    assert pending.type is WebhookEventType.REFUND_PENDING
    assert _parse("webhook_capture_reversed").type is WebhookEventType.REFUND_SUCCEEDED


def test_webhook_dispute_events() -> None:
    event = _parse("webhook_dispute_created")
    assert event.type is WebhookEventType.DISPUTE_OPENED
    assert (
        event.dispute.status is DisputeStatus.NEEDS_RESPONSE
        and event.dispute.connector_dispute_id == "PP-D-21412"
    )
    assert (event.dispute.amount, event.dispute.currency) == (10000, "USD")
    assert event.dispute.evidence_due_by == "2024-06-10T08:01:46.000Z"
    updated = _parse("webhook_dispute_updated")
    assert (
        updated.type is WebhookEventType.DISPUTE_UPDATED
        and updated.dispute.status is DisputeStatus.UNDER_REVIEW
    )
    resolved = _parse("webhook_dispute_resolved")
    assert (
        resolved.type is WebhookEventType.DISPUTE_WON
        and resolved.dispute.status is DisputeStatus.WON
    )
    raw = json.loads((FIXTURES / "webhook_dispute_resolved.json").read_bytes())
    raw["resource"]["dispute_outcome"]["outcome_code"] = "RESOLVED_BUYER_FAVOUR"
    (lost,) = C.webhook_parse({}, json.dumps(raw).encode())
    assert lost.type is WebhookEventType.DISPUTE_LOST and lost.dispute.status is DisputeStatus.LOST


def test_webhook_vault_and_unknown_events() -> None:
    event = _parse("webhook_vault_token_created")
    assert (
        event.type is WebhookEventType.MANDATE_ACTIVE
        and event.mandate.connector_mandate_id == "8kk8451t"
    )
    event = _parse("webhook_vault_token_deleted")
    assert (
        event.type is WebhookEventType.MANDATE_REVOKED
        and event.mandate.status is MandateStatus.REVOKED
    )
    event = _parse("webhook_unhandled")
    assert (
        event.type is WebhookEventType.UNKNOWN
        and event.connector_event_type == "BILLING.SUBSCRIPTION.CREATED"
    )


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    before = "\n".join(
        [
            "> POST https://api-m.sandbox.paypal.com/v1/oauth2/token",
            f"> Authorization: Basic {basic}",
            "> Content-Type: application/x-www-form-urlencoded",
            ">",
            f"grant_type=client_credentials&client_secret={CLIENT_SECRET}",
            "< 200 (12.0 ms)",
            "<",
            f'{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":32400}}',
            "> POST https://api-m.sandbox.paypal.com/v2/checkout/orders",
            f"> Authorization: Bearer {TOKEN}",
            ">",
            f'{{"payment_source":{{"card":{{"number":"{PAN}","expiry":"2030-12","security_code":"{CVC}",'
            f'"vault_id":"8kk8451t"}}}}}}',
            f"curl -H 'Authorization: Bearer {TOKEN}' -d client_secret={CLIENT_SECRET}",
        ]
    )
    after = "\n".join(
        [
            "> POST https://api-m.sandbox.paypal.com/v1/oauth2/token",
            "> Authorization: [REDACTED]",
            "> Content-Type: application/x-www-form-urlencoded",
            ">",
            "grant_type=client_credentials&client_secret=[REDACTED]",
            "< 200 (12.0 ms)",
            "<",
            '{"access_token":"[REDACTED]","token_type":"Bearer","expires_in":32400}',
            "> POST https://api-m.sandbox.paypal.com/v2/checkout/orders",
            "> Authorization: [REDACTED]",
            ">",
            '{"payment_source":{"card":{"number":"[CARD]","expiry":"[EXPIRY]","security_code":"[CVC]",'
            '"vault_id":"8kk8451t"}}}',
            "curl -H 'Authorization: Bearer [REDACTED]' -d client_secret=[REDACTED]",
        ]
    )
    assert C.scrub(before) == after


def test_no_secret_survives_any_flow_transcript() -> None:
    secrets = [
        PAN,
        CVC,
        TOKEN,
        CLIENT_SECRET,
        CLIENT_ID,
        "2030-12",
        base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode(),
    ]
    transcripts = []
    for _, flow, data, answers in CONTRACT_CASES:
        requests, _ = drive(C, flow, ctx(), data, answers)
        transcripts += [render_transcript(r, a) for r, a in zip(requests, answers, strict=True)]
    token_request = C.build_access_token(ctx(token=None))
    transcripts.append(render_transcript(token_request, response(200, fx("access_token"))))
    transcripts.append(
        render_transcript(
            C.webhook_verify(
                ctx(),
                _webhook_headers(),
                (FIXTURES / "webhook_capture_completed.json").read_bytes(),
            ),  # type: ignore[arg-type]
            response(200, {"verification_status": "SUCCESS"}),
        )
    )
    for raw in transcripts:
        clean = C.scrub(raw)
        for secret in [*secrets, fx("access_token")["access_token"]]:
            assert secret not in clean, (secret, clean)
    assert any(PAN in t for t in transcripts) and any(TOKEN in t for t in transcripts)
