"""Checkout.com connector: contract (official specs), parsing, webhooks, scrub, metadata."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.checkout import PAYMENT_STATUS, CheckoutConnector
from connector_service.domain.common import Address, BrowserInfo, Customer
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
from tests.contract.spec import SpecViolation
from tests.fakes.checkout import (
    CHANNEL,
    SECRET_ABC,
    SECRET_NAS,
    SPEC_BASE,
    check_request,
)

WALLET = ApplePay(token=Secret("apple-pay-token"))  # exchanged with a public key ctx() lacks

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
CONNECTOR = CheckoutConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "checkout"
PAN, CVC = "4242424242424242", "737"
WEBHOOK_SECRET = "whsec-5e1f0a7c-0b39-4e52-9a55-6f8d0e3c2b71"
WEBHOOK_AUTH = "70ed20ff-ba31-4ea3-b3ef-772f2be1cbdf"
PAY_ID = "pay_mbabizu24mvu3mela5njyhpit4"
SRC_ID = "src_wmlfc3zyhqzehihu7giusaaawu"
CUS_ID = "cus_y3oqhf46pyzuxjbcn2giaqnb44"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(key_type: str = "nas", idempotency_key: str | None = "idem-123", **options: str):
    creds = {
        "secret_key": SECRET_NAS if key_type == "nas" else SECRET_ABC,
        "webhook_secret": WEBHOOK_SECRET,
    }
    opts = {"key_type": key_type, **options}
    if key_type == "nas":
        opts.setdefault("processing_channel_id", CHANNEL)
    return make_ctx(CONNECTOR, creds, opts, base_url=SPEC_BASE, idempotency_key=idempotency_key)


def card(**kw: Any) -> Card:
    return Card(
        number=Secret(PAN),
        exp_month=12,
        exp_year=2030,
        cvc=Secret(CVC),
        holder_name="Bruce Wayne",
        **kw,
    )


def payment_ref(capture: str = "manual", currency: str = "USD", amount: int = 6540) -> PaymentRef:
    return PaymentRef(
        account="checkout-test",
        connector="checkout",
        connector_payment_id=PAY_ID,
        amount=amount,
        currency=currency,
        capture_method=capture,
    )


def mandate_ref(**kw: Any) -> MandateRef:
    return MandateRef(
        account="checkout-test",
        connector="checkout",
        connector_mandate_id=SRC_ID,
        customer_id=CUS_ID,
        currency="EUR",
        **kw,
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


FULL_AUTHORIZE = authorize(
    customer=Customer(
        email="bruce@wayne-enterprises.com", name="Bruce Wayne", ip_address="90.197.169.245"
    ),
    billing=Address(line1="1007 Mountain Drive", city="Gotham", postal_code="10001", country="US"),
    shipping=Address(
        line1="90 Tottenham Court Road", city="London", postal_code="W1T 4TJ", country="GB"
    ),
    browser=BrowserInfo(ip_address="2001:db8::1", user_agent="Mozilla/5.0"),
    return_url="https://shop.example/checkout/return",
    description="Set of 3 masks",
    metadata={"order": "5023"},
)

# Every request every flow sends.
FLOW_CASES: dict[str, tuple[Flow, Any]] = {
    "authorize_card_3ds": (Flow.AUTHORIZE, FULL_AUTHORIZE),
    "authorize_card_auto": (Flow.AUTHORIZE, authorize(capture_method=CaptureMethod.AUTOMATIC)),
    "authorize_store_card": (Flow.AUTHORIZE, authorize(setup_future_usage=True)),
    "authorize_frames_token": (
        Flow.AUTHORIZE,
        authorize(Token(token="tok_ubfj2q76miwundwlk72vxt2i7q", customer_id=CUS_ID)),
    ),
    "authorize_stored_source": (Flow.AUTHORIZE, authorize(Token(token=SRC_ID))),
    "charge_mandate": (
        Flow.AUTHORIZE,
        authorize(
            StoredMandate(ref=mandate_ref(network_transaction_id="489341065491658")),
            capture_method=CaptureMethod.AUTOMATIC,
        ),
    ),
    "complete_authorize": (
        Flow.COMPLETE_AUTHORIZE,
        CompleteAuthorizeData(
            payment=payment_ref(), params={"cko-session-id": "sid_y3oqhf46pyzuxjbcn2giaqnb44"}
        ),
    ),
    "sync": (Flow.SYNC, SyncData(payment=payment_ref())),
    "capture": (
        Flow.CAPTURE,
        CaptureData(
            payment=payment_ref(),
            amount=4000,
            reference="cs_5b0a1c6e2d3f4a5b6c7d8e9f",
            metadata={"k": "v"},
        ),
    ),
    "void": (Flow.VOID, VoidData(payment=payment_ref())),
    "refund": (
        Flow.REFUND,
        RefundData(payment=payment_ref(), amount=1000, reference="cs_0f1e2d3c4b5a69788796a5b4"),
    ),
    "refund_sync": (
        Flow.REFUND_SYNC,
        RefundSyncData(
            refund=RefundRef(
                account="checkout-test",
                connector="checkout",
                connector_refund_id="act_fd3h6evhpn3uxdoqbuu3lqnqbm",
                connector_payment_id=PAY_ID,
                amount=1000,
                currency="USD",
                meta={"action_id": "act_fd3h6evhpn3uxdoqbuu3lqnqbm", "payment_id": PAY_ID},
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
            customer=Customer(
                id="merchant-customer-77", email="selina@kyle.example", name="Selina Kyle"
            ),
            return_url="https://shop.example/mandates/return",
        ),
    ),
    "revoke_mandate": (Flow.REVOKE_MANDATE, MandateRevokeData(mandate=mandate_ref())),
}


def first_request(flow: Flow, context: Any, data: Any) -> HttpRequest:
    return next(CONNECTOR.steps(flow, context, data))


def body_of(request: HttpRequest) -> dict[str, Any]:
    return json.loads(request.body or b"{}")


# --------------------------------------------------------------------------- metadata


def test_meta_flows_match_implementation() -> None:
    assert CONNECTOR.meta.flows == CONNECTOR.implemented_flows()
    names = {f.name for f in CONNECTOR.meta.credential_fields}
    assert (
        names
        == set(CONNECTOR.meta.secret_fields)
        == {
            "secret_key",
            "webhook_secret",
            "webhook_authorization",
            "public_key",  # wallet tokens (checkout_methods.py)
        }
    )


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("key_type", ["nas", "abc"])
@pytest.mark.parametrize("case", sorted(FLOW_CASES))
def test_every_request_matches_the_official_spec(case: str, key_type: str) -> None:
    flow, data = FLOW_CASES[case]
    request = first_request(flow, ctx(key_type), data)
    check_request(request, key_type)  # swagger.json (+ NAS spec for nas), source, auth
    if request.method == "POST":
        assert request.headers["Cko-Idempotency-Key"] == "idem-123"
        assert request.idempotent
        body = body_of(request)
        if request.url.endswith("/payments"):
            assert ("processing_channel_id" in body) is (key_type == "nas")


def test_authorize_body_carries_card_3ds_customer_and_minor_units() -> None:
    body = body_of(first_request(Flow.AUTHORIZE, ctx(), FULL_AUTHORIZE))
    assert body["source"] == {
        "type": "card",
        "number": PAN,
        "expiry_month": 12,
        "expiry_year": 2030,
        "cvv": CVC,
        "name": "Bruce Wayne",
        "billing_address": {
            "address_line1": "1007 Mountain Drive",
            "city": "Gotham",
            "zip": "10001",
            "country": "US",
        },
    }
    assert body["amount"] == 6540 and body["currency"] == "USD" and body["capture"] is False
    assert body["3ds"] == {"enabled": True}
    assert body["success_url"] == body["failure_url"] == "https://shop.example/checkout/return"
    assert body["customer"] == {"email": "bruce@wayne-enterprises.com", "name": "Bruce Wayne"}
    assert body["payment_ip"] == "90.197.169.245"  # the IPv6 browser address is not sent
    assert body["processing_channel_id"] == CHANNEL
    assert "merchant_initiated" not in body and "payment_type" not in body


def test_mit_charge_uses_stored_source_and_previous_payment() -> None:
    _, data = FLOW_CASES["charge_mandate"]
    body = body_of(first_request(Flow.AUTHORIZE, ctx(), data))
    assert body["source"] == {"type": "id", "id": SRC_ID}
    assert body["merchant_initiated"] is True
    assert body["payment_type"] == "Recurring"
    assert body["previous_payment_id"] == "489341065491658"
    assert body["customer"] == {"id": CUS_ID}
    assert "3ds" not in body
    # without a scheme id the first payment's id is the previous payment
    no_ntid = authorize(
        StoredMandate(ref=mandate_ref(meta={"payment_id": "pay_aqw2hvt2rdvkhmszvq6dqlrmoa"}))
    )
    body = body_of(first_request(Flow.AUTHORIZE, ctx(mit_payment_type="Unscheduled"), no_ntid))
    assert body["previous_payment_id"] == "pay_aqw2hvt2rdvkhmszvq6dqlrmoa"
    assert body["payment_type"] == "Unscheduled"


def test_auth_header_per_key_type() -> None:
    _, data = FLOW_CASES["sync"]
    assert (
        first_request(Flow.SYNC, ctx("nas"), data).headers["Authorization"]
        == f"Bearer {SECRET_NAS}"
    )
    assert first_request(Flow.SYNC, ctx("abc"), data).headers["Authorization"] == SECRET_ABC


def test_nas_without_processing_channel_is_a_configuration_error() -> None:
    context = make_ctx(CONNECTOR, {"secret_key": SECRET_NAS}, {}, base_url=SPEC_BASE)
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, context, authorize())
    assert err.value.code == "missing_account_option"


def test_unknown_key_type_is_rejected() -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.SYNC, ctx("xyz"), FLOW_CASES["sync"][1])
    assert err.value.code == "invalid_account_option"


def test_validator_catches_broken_requests() -> None:
    good = first_request(Flow.AUTHORIZE, ctx(), authorize())
    check_request(good, "nas")
    body = body_of(good)
    broken_bodies = [
        {k: v for k, v in body.items() if k != "currency"},  # required field
        body | {"payment_type": "Sometimes"},  # enum
        body | {"amount": "6540"},  # type
        body | {"source": {"type": "card", "number": PAN}},  # source schema (discriminator)
        body | {"source": {"type": "id", "id": "not-a-source"}},  # source id pattern
    ]
    for broken in broken_bodies:
        request = HttpRequest(good.method, good.url, good.headers, json.dumps(broken).encode())
        with pytest.raises(SpecViolation):
            check_request(request, "nas")
    bad_path = HttpRequest("GET", f"{SPEC_BASE}/payments/12345", good.headers)
    with pytest.raises(SpecViolation):
        check_request(bad_path, "abc")
    no_bearer = HttpRequest(
        good.method, good.url, good.headers | {"Authorization": SECRET_NAS}, good.body
    )
    with pytest.raises(SpecViolation):
        check_request(no_bearer, "nas")
    no_key = HttpRequest(good.method, good.url, {"Content-Type": "application/json"}, good.body)
    with pytest.raises(SpecViolation):
        check_request(no_key, "abc")


def test_a_wallet_without_the_public_key_is_not_supported() -> None:
    """Checkout.com exchanges wallet tokens with the public key; ctx() has none."""
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx(), authorize(WALLET))
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "payment_method.type"


@pytest.mark.parametrize(
    ("currency", "minor", "sent"),
    [
        ("USD", 6540, 6540),
        ("JPY", 500, 500),
        ("ISK", 1200, 1200),
        ("CLP", 6500, 650000),
        ("KWD", 1230, 1230),
        ("BHD", 50000, 50000),
        ("UGX", 900, 900),
    ],
)
def test_amounts_follow_checkouts_currency_table(currency: str, minor: int, sent: int) -> None:
    body = body_of(first_request(Flow.AUTHORIZE, ctx(), authorize(amount=minor, currency=currency)))
    assert body["amount"] == sent
    raw = fixture("payment_authorized") | {"amount": sent, "currency": currency}
    _, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(),
        authorize(amount=minor, currency=currency),
        [response(201, raw)],
    )
    assert result.amount == minor


@pytest.mark.parametrize(
    ("currency", "minor", "code"),
    [("KWD", 1234, "amount_precision_not_supported"), ("USD", 1_000_000_000, "amount_too_large")],
)
def test_amounts_checkout_cannot_take_are_refused(currency: str, minor: int, code: str) -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx(), authorize(amount=minor, currency=currency))
    assert err.value.code == code and err.value.field == "amount"


def test_long_reference_is_refused_not_truncated() -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx(), authorize(reference="R" * 51))
    assert err.value.field == "reference"


# --------------------------------------------------------------------------- parsing

# (raw status, capture method, balances override, expected)
STATUS_CASES = [
    ("Pending", "manual", None, PaymentStatus.PROCESSING),
    ("Authorized", "manual", None, PaymentStatus.AUTHORIZED),
    ("Authorized", "automatic", None, PaymentStatus.PROCESSING),
    ("Card Verified", "manual", None, PaymentStatus.AUTHORIZED),
    (
        "Partially Captured",
        "manual",
        {"available_to_capture": 2540},
        PaymentStatus.PARTIALLY_CAPTURED,
    ),
    ("Captured", "manual", None, PaymentStatus.CAPTURED),
    ("Captured", "manual", {"available_to_capture": 2540}, PaymentStatus.PARTIALLY_CAPTURED),
    ("Paid", "automatic", None, PaymentStatus.CAPTURED),
    ("Partially Refunded", "automatic", None, PaymentStatus.CAPTURED),
    ("Refunded", "automatic", None, PaymentStatus.CAPTURED),
    ("Voided", "manual", None, PaymentStatus.VOIDED),
    ("Declined", "manual", None, PaymentStatus.FAILED),
    ("Canceled", "manual", None, PaymentStatus.FAILED),
    ("Cancelled", "manual", None, PaymentStatus.FAILED),
    ("Expired", "manual", None, PaymentStatus.FAILED),
    ("Retry Scheduled", "automatic", None, PaymentStatus.PROCESSING),
    ("Something New", "manual", None, PaymentStatus.PROCESSING),  # unknown: never success
]


def test_status_cases_cover_the_status_map() -> None:
    assert {c[0] for c in STATUS_CASES} >= set(PAYMENT_STATUS)


@pytest.mark.parametrize(("raw", "capture", "balances", "expected"), STATUS_CASES)
def test_sync_maps_every_status(
    raw: str, capture: str, balances: dict[str, int] | None, expected: PaymentStatus
) -> None:
    body = fixture("payment_get") | {"status": raw}
    if balances:
        body["balances"] = body["balances"] | balances
    data = SyncData(payment=payment_ref(capture))
    _, result = drive(CONNECTOR, Flow.SYNC, ctx(), data, [response(200, body)])
    assert result.status is expected
    assert result.connector_status == raw
    assert result.connector_payment_id == PAY_ID
    assert (result.failure is not None) is (expected is PaymentStatus.FAILED)


def test_authorized_payment() -> None:
    _, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(),
        authorize(),
        [response(201, fixture("payment_authorized"))],
    )
    assert result.status is PaymentStatus.AUTHORIZED
    assert result.amount == 6540 and result.amount_captured == 0
    assert result.network_transaction_id == "489341065491658"
    assert (
        result.card.brand == "visa" and result.card.last4 == "4242" and result.card.exp_year == 2030
    )
    assert result.meta == {"action_id": "act_mbabizu24mvu3mela5njyhpit4"}
    assert result.mandate is None


def test_auto_capture_authorization_is_processing_until_captured() -> None:
    data = authorize(capture_method=CaptureMethod.AUTOMATIC)
    _, result = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, fixture("payment_authorized"))]
    )
    assert result.status is PaymentStatus.PROCESSING
    assert result.pending_reason == "capture_pending"


def test_three_ds_pending_requires_action() -> None:
    _, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(),
        FULL_AUTHORIZE,
        [response(202, fixture("payment_pending_3ds"))],
    )
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert (
        result.next_action.url
        == "https://api.sandbox.checkout.com/3ds/pay_ok2ynq6ubn3ufmo6jsdfmdvy5q"
    )
    assert result.connector_payment_id == "pay_ok2ynq6ubn3ufmo6jsdfmdvy5q"


def test_store_card_on_authorize_returns_mandate() -> None:
    _, result = drive(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(),
        authorize(setup_future_usage=True),
        [response(201, fixture("payment_authorized"))],
    )
    assert result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == "src_nwd3m4in3hkuddfpjsaevunhdy"
    assert result.mandate.connector_customer_id == "cus_udst2tfldj6upmye2reztkmm4i"
    assert result.mandate.network_transaction_id == "489341065491658"


def test_soft_decline_with_recommendation_and_advice_code() -> None:
    data = authorize(amount=8105, currency="EUR")
    _, result = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, fixture("payment_declined_soft"))]
    )
    assert result.status is PaymentStatus.FAILED
    f = result.failure
    assert f.code == "insufficient_funds"
    assert f.category is DeclineCategory.RETRY_LATER  # recommendation_code 02 "try again later"
    assert f.advice_code == "24"
    assert f.gateway.code == "20051" and f.gateway.message == "Insufficient Funds"


def test_soft_decline_by_range_without_recommendation() -> None:
    body = fixture("payment_declined_soft") | {
        "response_code": "20005",
        "response_summary": "Declined - Do Not Honour",
        "processing": {},
    }
    _, result = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(), [response(201, body)])
    assert result.failure.code == "do_not_honor"
    assert result.failure.category is DeclineCategory.SOFT
    assert result.failure.advice_code is None


def test_hard_decline() -> None:
    data = authorize(amount=2500, currency="GBP")
    _, result = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, fixture("payment_declined_hard"))]
    )
    assert result.status is PaymentStatus.FAILED
    assert result.failure.code == "stolen_card"
    assert result.failure.category is DeclineCategory.HARD


def test_risk_decline_is_blocked_and_hard() -> None:
    data = authorize(amount=99900)
    _, result = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, fixture("payment_declined_risk"))]
    )
    assert result.failure.code == "blocked"
    assert result.failure.category is DeclineCategory.HARD
    assert result.failure.gateway.code == "40101"


def test_declined_payment_details_take_the_code_from_actions() -> None:
    data = SyncData(payment=payment_ref(currency="GBP", amount=2500))
    _, result = drive(
        CONNECTOR, Flow.SYNC, ctx("abc"), data, [response(200, fixture("payment_get_declined_abc"))]
    )
    assert result.status is PaymentStatus.FAILED
    assert result.failure.code == "expired_card" and result.failure.gateway.code == "20054"
    assert result.amount_captured is None  # ABC payments carry no balances


def test_capture_void_refund_are_accepted_not_done() -> None:
    _, cap = drive(
        CONNECTOR,
        Flow.CAPTURE,
        ctx(),
        FLOW_CASES["capture"][1],
        [response(202, fixture("capture_accepted"))],
    )
    assert cap.status is PaymentStatus.PROCESSING and cap.pending_reason == "capture_pending"
    assert cap.meta == {"action_id": "act_gefycn3jcvuupboxfmqrhk2aym"}
    _, void = drive(
        CONNECTOR,
        Flow.VOID,
        ctx(),
        FLOW_CASES["void"][1],
        [response(202, fixture("void_accepted"))],
    )
    assert void.status is PaymentStatus.PROCESSING and void.pending_reason == "void_pending"
    _, ref = drive(
        CONNECTOR,
        Flow.REFUND,
        ctx(),
        FLOW_CASES["refund"][1],
        [response(202, fixture("refund_accepted"))],
    )
    assert ref.status is RefundStatus.PENDING
    assert ref.connector_refund_id == "act_fd3h6evhpn3uxdoqbuu3lqnqbm" and ref.amount == 1000
    assert ref.meta == {"action_id": "act_fd3h6evhpn3uxdoqbuu3lqnqbm", "payment_id": PAY_ID}


@pytest.mark.parametrize(
    ("action_id", "expected", "amount"),
    [
        ("act_fd3h6evhpn3uxdoqbuu3lqnqbm", RefundStatus.SUCCEEDED, 1000),
        ("act_k3vh7m2bq4fk5ojupdxmhsdqcq", RefundStatus.FAILED, 500),
        ("act_notthereyet0000000000000000", RefundStatus.PENDING, None),
    ],
)
def test_refund_sync_matches_the_action(
    action_id: str, expected: RefundStatus, amount: int | None
) -> None:
    data = RefundSyncData(
        refund=RefundRef(
            account="a",
            connector="checkout",
            connector_refund_id=action_id,
            connector_payment_id=PAY_ID,
            amount=1000,
            currency="USD",
            meta={"action_id": action_id, "payment_id": PAY_ID},
        )
    )
    requests, result = drive(
        CONNECTOR, Flow.REFUND_SYNC, ctx(), data, [response(200, fixture("actions"))]
    )
    assert requests[0].url == f"{SPEC_BASE}/payments/{PAY_ID}/actions"
    assert result.status is expected and result.amount == amount
    assert result.connector_refund_id == action_id
    if expected is RefundStatus.FAILED:
        assert result.failure.code == "do_not_honor" and result.failure.gateway.code == "20005"


def test_setup_mandate_card_verified() -> None:
    _, data = FLOW_CASES["setup_mandate"]
    requests, result = drive(
        CONNECTOR, Flow.SETUP_MANDATE, ctx(), data, [response(201, fixture("card_verified"))]
    )
    body = body_of(requests[0])
    assert body["amount"] == 0 and body["capture"] is False and body["merchant_initiated"] is False
    assert body["customer"] == {
        "email": "selina@kyle.example",
        "name": "Selina Kyle",
    }  # own id not sent
    assert result.status is MandateStatus.ACTIVE
    assert result.connector_mandate_id == SRC_ID
    assert result.connector_customer_id == CUS_ID
    assert result.network_transaction_id == "MCC8CD0CR0514"
    assert result.meta == {"payment_id": "pay_aqw2hvt2rdvkhmszvq6dqlrmoa"}
    assert result.card.brand == "mastercard"


def test_setup_mandate_declined_and_pending() -> None:
    _, data = FLOW_CASES["setup_mandate"]
    declined = fixture("card_verified") | {
        "status": "Declined",
        "approved": False,
        "response_code": "20014",
        "response_summary": "Invalid Card Number",
    }
    _, result = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), data, [response(201, declined)])
    assert result.status is MandateStatus.FAILED and result.failure.code == "incorrect_number"
    _, result = drive(
        CONNECTOR, Flow.SETUP_MANDATE, ctx(), data, [response(202, fixture("payment_pending_3ds"))]
    )
    assert result.status is MandateStatus.PENDING and result.next_action is not None


def test_revoke_mandate() -> None:
    _, data = FLOW_CASES["revoke_mandate"]
    requests, result = drive(CONNECTOR, Flow.REVOKE_MANDATE, ctx(), data, [response(204)])
    assert requests[0].method == "DELETE" and requests[0].url.endswith(f"/instruments/{SRC_ID}")
    assert result.status is MandateStatus.REVOKED
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.REVOKE_MANDATE, ctx(), data, [response(404)])
    assert err.value.type is ErrorType.NOT_FOUND


@pytest.mark.parametrize(
    ("status", "body", "etype", "code", "field"),
    [
        (
            400,
            {"request_id": "r1", "error_type": "request_malformed"},
            ErrorType.INVALID_REQUEST,
            "gateway_rejected_request",
            None,
        ),
        (401, b"", ErrorType.CONNECTOR, "gateway_authentication_failed", None),
        (404, b"", ErrorType.NOT_FOUND, "resource_not_found", None),
        (409, "error_409", ErrorType.CONFLICT, "gateway_conflict", None),
        (
            422,
            "error_422",
            ErrorType.INVALID_REQUEST,
            "gateway_rejected_request",
            "payment_method.number",
        ),
        (422, "error_422_channel", ErrorType.CONNECTOR, "gateway_misconfigured", None),
        (429, "error_429", ErrorType.RATE_LIMITED, "gateway_rate_limited", None),
        (
            429,
            {"error_type": "duplicate_requests_detected"},
            ErrorType.CONFLICT,
            "duplicate_request",
            None,
        ),
        (500, b"", ErrorType.CONNECTOR, "gateway_error", None),
        (502, b"", ErrorType.CONNECTOR, "gateway_error", None),
        (503, b"", ErrorType.CONNECTOR, "gateway_unavailable", None),
    ],
)
def test_errors(status: int, body: Any, etype: ErrorType, code: str, field: str | None) -> None:
    payload = fixture(body) if isinstance(body, str) else body
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(), [response(status, payload)])
    assert err.value.type is etype and err.value.code == code and err.value.field == field
    assert err.value.gateway.http_status == status
    if isinstance(body, str) and body.startswith("error_422") and body != "error_422_channel":
        assert err.value.gateway.code == "card_number_invalid"


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("capture", "payment_not_capturable"),
        ("void", "payment_not_voidable"),
        ("refund", "payment_not_refundable"),
    ],
)
def test_actions_not_allowed_are_conflicts(case: str, code: str) -> None:
    flow, data = FLOW_CASES[case]
    with pytest.raises(ServiceError) as err:
        drive(CONNECTOR, flow, ctx(), data, [response(403)])
    assert err.value.type is ErrorType.CONFLICT and err.value.code == code


# --------------------------------------------------------------------------- webhooks


def signed(name: str, secret: str = WEBHOOK_SECRET) -> tuple[dict[str, str], bytes]:
    raw = (FIXTURES / f"{name}.json").read_bytes()
    sig = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {"cko-signature": sig, "content-type": "application/json"}, raw


def test_webhook_signature_accepted() -> None:
    headers, raw = signed("webhook_payment_captured")
    assert CONNECTOR.webhook_verify(ctx(), headers, raw) is True
    assert CONNECTOR.webhook_verify(
        ctx(), headers | {"cko-signature": headers["cko-signature"].upper()}, raw
    )


def test_webhook_signature_rejections() -> None:
    headers, raw = signed("webhook_payment_captured")
    assert (
        CONNECTOR.webhook_verify(ctx(), headers, raw.replace(b"4000", b"9000")) is False
    )  # tampered
    bad_headers, _ = signed("webhook_payment_captured", secret="another-secret")
    assert CONNECTOR.webhook_verify(ctx(), bad_headers, raw) is False  # wrong secret
    assert (
        CONNECTOR.webhook_verify(ctx(), {"content-type": "application/json"}, raw) is False
    )  # missing
    assert (
        CONNECTOR.webhook_verify(ctx(), headers | {"cko-signature": "zz"}, raw) is False
    )  # garbage
    no_secret = make_ctx(CONNECTOR, {"secret_key": SECRET_NAS}, {"processing_channel_id": CHANNEL})
    assert CONNECTOR.webhook_verify(no_secret, headers, raw) is False  # nothing to verify with


def test_webhook_authorization_header_when_configured() -> None:
    headers, raw = signed("webhook_payment_refunded")
    context = make_ctx(
        CONNECTOR,
        {
            "secret_key": SECRET_NAS,
            "webhook_secret": WEBHOOK_SECRET,
            "webhook_authorization": WEBHOOK_AUTH,
        },
    )
    assert CONNECTOR.webhook_verify(context, headers | {"authorization": WEBHOOK_AUTH}, raw) is True
    assert CONNECTOR.webhook_verify(context, headers | {"authorization": "guess"}, raw) is False
    assert CONNECTOR.webhook_verify(context, headers, raw) is False


def test_webhook_scheme_signs_no_timestamp() -> None:
    # Checkout.com signs the body only: an old delivery with a valid signature verifies
    # (replays are caught by the event id, which identify returns).
    headers, raw = signed("webhook_dispute_won")
    assert CONNECTOR.webhook_verify(ctx(), headers | {"date": "Mon, 01 Jan 2018 00:00:00 GMT"}, raw)
    assert CONNECTOR.webhook_identify(headers, raw).event_id == "evt_yx6dtmqyw3ruhdcu2wqnlsfa4e"


def test_webhook_identify() -> None:
    headers, raw = signed("webhook_payment_captured")
    identity = CONNECTOR.webhook_identify(headers, raw)
    assert identity.event_id == "evt_az5sblvku4ge3dwpztvyizgcau" and identity.account_hint is None
    assert CONNECTOR.webhook_identify({}, b"not json").event_id is None


def parse(name: str):
    headers, raw = signed(name)
    [event] = CONNECTOR.webhook_parse(headers, raw)
    return event


def test_webhook_payment_captured() -> None:
    event = parse("webhook_payment_captured")
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.connector_payment_id == PAY_ID and event.amount == 4000 and event.currency == "USD"
    assert event.payment.status is PaymentStatus.CAPTURED and event.payment.amount_captured == 4000
    assert event.occurred_at == "2024-05-14T10:30:49Z"


def test_webhook_payment_declined() -> None:
    event = parse("webhook_payment_declined")
    assert event.type is WebhookEventType.PAYMENT_FAILED
    assert event.payment.status is PaymentStatus.FAILED
    assert (
        event.payment.failure.code == "insufficient_funds"
        and event.payment.failure.advice_code == "24"
    )


def test_webhook_refunds() -> None:
    event = parse("webhook_payment_refunded")
    assert event.type is WebhookEventType.REFUND_SUCCEEDED
    assert event.refund.status is RefundStatus.SUCCEEDED
    assert (
        event.refund.connector_refund_id == "act_fd3h6evhpn3uxdoqbuu3lqnqbm"
        and event.refund.amount == 1000
    )
    assert event.refund.meta == {
        "action_id": "act_fd3h6evhpn3uxdoqbuu3lqnqbm",
        "payment_id": PAY_ID,
    }
    declined = parse("webhook_payment_refund_declined")
    assert declined.type is WebhookEventType.REFUND_FAILED
    assert (
        declined.refund.status is RefundStatus.FAILED
        and declined.refund.failure.code == "do_not_honor"
    )


def test_webhook_disputes() -> None:
    event = parse("webhook_dispute_evidence_required")
    assert event.type is WebhookEventType.DISPUTE_OPENED
    d = event.dispute
    assert (
        d.status is DisputeStatus.NEEDS_RESPONSE
        and d.connector_dispute_id == "dsp_rbhwd2qrg13uhrp2newf"
    )
    assert d.connector_payment_id == PAY_ID and d.amount == 6540 and d.reason == "10.4"
    assert d.evidence_due_by == "2024-06-21T00:00:00Z"
    won = parse("webhook_dispute_won")
    assert won.type is WebhookEventType.DISPUTE_WON and won.dispute.status is DisputeStatus.WON


@pytest.mark.parametrize(
    ("kind", "unified", "status"),
    [
        ("dispute_received", WebhookEventType.DISPUTE_OPENED, DisputeStatus.NEEDS_RESPONSE),
        (
            "dispute_evidence_submitted",
            WebhookEventType.DISPUTE_UPDATED,
            DisputeStatus.UNDER_REVIEW,
        ),
        ("dispute_canceled", WebhookEventType.DISPUTE_WON, DisputeStatus.WON),
        ("dispute_arbitration_lost", WebhookEventType.DISPUTE_LOST, DisputeStatus.LOST),
        ("dispute_expired", WebhookEventType.DISPUTE_LOST, DisputeStatus.LOST),
        ("dispute_accepted", WebhookEventType.DISPUTE_LOST, DisputeStatus.ACCEPTED),
        ("dispute_resolved", WebhookEventType.DISPUTE_LOST, DisputeStatus.ACCEPTED),
    ],
)
def test_webhook_dispute_lifecycle(
    kind: str, unified: WebhookEventType, status: DisputeStatus
) -> None:
    raw = json.dumps(fixture("webhook_dispute_won") | {"type": kind}).encode()
    [event] = CONNECTOR.webhook_parse({}, raw)
    assert event.type is unified and event.dispute.status is status
    assert event.dispute.connector_status == kind


def test_webhook_card_verified_is_a_mandate() -> None:
    event = parse("webhook_card_verified")
    assert event.type is WebhookEventType.MANDATE_ACTIVE
    assert (
        event.mandate.status is MandateStatus.ACTIVE
        and event.mandate.connector_mandate_id == SRC_ID
    )


def test_webhook_unknown_and_broken() -> None:
    raw = json.dumps(
        {"id": "evt_x", "type": "payment_void_declined", "data": {"id": PAY_ID}}
    ).encode()
    [event] = CONNECTOR.webhook_parse({}, raw)
    assert (
        event.type is WebhookEventType.UNKNOWN
        and event.connector_event_type == "payment_void_declined"
    )
    assert event.payment is None
    with pytest.raises(ServiceError):
        CONNECTOR.webhook_parse({}, b"[]")


# --------------------------------------------------------------------------- scrub


def test_scrub_exact() -> None:
    before = (
        "> POST https://api.sandbox.checkout.com/payments\n"
        f"> Authorization: Bearer {SECRET_NAS}\n"
        "> Cko-Idempotency-Key: idem-123\n"
        ">\n"
        f'{{"source":{{"type":"card","number":"{PAN}","expiry_month":12,"cvv":"{CVC}"}},'
        '"reference":"ORD-1","source_id":"src_wmlfc3zyhqzehihu7giusaaawu"}\n'
        f"key {SECRET_ABC} and webhook {WEBHOOK_SECRET} / {WEBHOOK_AUTH}\n"
        f"> Cko-Signature: 6b3f0c1e\n"
        '{"number":"4000000000000001"}'
    )
    after = (
        "> POST https://api.sandbox.checkout.com/payments\n"
        "> Authorization: [REDACTED]\n"
        "> Cko-Idempotency-Key: idem-123\n"
        ">\n"
        '{"source":{"type":"card","number":"[CARD]","expiry_month":12,"cvv":"[CVC]"},'
        '"reference":"ORD-1","source_id":"src_wmlfc3zyhqzehihu7giusaaawu"}\n'
        f"key [REDACTED] and webhook {WEBHOOK_SECRET} / {WEBHOOK_AUTH}\n"
        "> Cko-Signature: [REDACTED]\n"
        '{"number":"[CARD]"}'
    )
    assert CONNECTOR.scrub(before) == after
    # webhook secrets are not patterns: the executor removes literal credential values.


@pytest.mark.parametrize("key_type", ["nas", "abc"])
def test_no_secret_survives_any_flow_transcript(key_type: str) -> None:
    context = ctx(key_type)
    secrets = [PAN, CVC, SECRET_NAS if key_type == "nas" else SECRET_ABC]
    for case, (flow, data) in FLOW_CASES.items():
        request = first_request(flow, context, data)
        text = CONNECTOR.scrub(
            render_transcript(request, response(201, fixture("payment_authorized")))
        )
        for secret in secrets:
            assert secret not in text, (case, secret)
    assert "[CARD]" in CONNECTOR.scrub(
        render_transcript(first_request(Flow.AUTHORIZE, context, authorize()), None)
    )
