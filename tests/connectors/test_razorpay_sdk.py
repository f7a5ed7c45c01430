"""The official Razorpay Python SDK (``razorpay``, test-only) as the oracle of the
connector's requests, fixtures and signatures (issue 15).

For each flow the SDK performs the same operation against a loopback recorder (an HTTP
server on 127.0.0.1 that records the request and answers a fixture; the SDK's
``base_url`` points at it), and the connector's request for that flow must match it:
method, path, auth scheme and credentials, content type, and the body's fields with
their JSON types. The SDK passes bodies through as given, so the SDK's side of each
flow is the body its own documentation shows for the operation (``documents/*.md`` in
the SDK's repository, values ours). Where the connector sends a field the SDK's example
does not show, the field must be in ``EXTRA`` with the Razorpay API documentation that
names it; where the two disagree on a type, the pair is in ``DEVIATIONS`` with the
reason (docs/connectors/razorpay.md lists both). Every SDK request also passes the
fake's contract (testing/fakes/razorpay.py), so the fake cannot refuse what the SDK
sends nor accept fields the SDK does not know without saying so here.

The SDK has no response models (it returns ``response.json()``): the fixtures are the
documented entities, and the SDK's own error classification is checked on the error
fixtures. Webhook and callback signatures: what the SDK's ``utility`` accepts, the
connector accepts, and what it refuses (tampered body, wrong secret), the connector
refuses.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import msgspec
import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.razorpay import RazorpayConnector
from connector_service.domain.common import BrowserInfo, Customer
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    MandateCompleteData,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    RefundSyncData,
    StoredMandate,
    SyncData,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import Card, Netbanking, Upi
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod
from connector_service.testing.fakes.razorpay import check_request, route_of
from connector_service.testing.recorder import RouteRecorder
from connector_service.testing.recorder import body_shape as shared_body_shape
from tests.connectors.harness import drive, make_ctx, response

razorpay = pytest.importorskip("razorpay")
from razorpay.errors import BadRequestError, ServerError, SignatureVerificationError  # noqa: E402

SDK_VERSION = version("razorpay")
CONNECTOR = RazorpayConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "razorpay"
KEY_ID = "rzp_test_" + "Ab3De6Gh9Jk2Mn"  # shaped like a key; only for these tests
KEY_SECRET = "Qw4Er7Ty1Ui5Op8As2Df6Gh3"
WEBHOOK_SECRET = "whk-sdk-oracle-2c9d"
PID, OID = "pay_Q7kR2mVx9LpT4s", "order_Q7kQz1Hn5WcB3d"
CID, TID, RID = "cust_Q7kS9bWq4ZyX1e", "token_Q7kU6cVp2NtM8a", "rfnd_Q7kW4eYs1QvK9c"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


# --------------------------------------------------------------------------- the recorder

# route -> (HTTP status, fixture) the recorder answers with
ANSWERS: dict[tuple[str, str], tuple[int, str]] = {
    ("POST", "/v1/orders"): (200, "order_created"),
    ("GET", "/v1/orders"): (200, "orders_by_receipt"),
    ("GET", "/v1/orders/{}/payments"): (200, "order_payments"),
    ("POST", "/v1/payments/create/json"): (200, "payment_json_redirect"),
    ("POST", "/v1/payments/create/recurring"): (200, "payment_json_paid"),
    ("POST", "/v1/payments/create/upi"): (200, "upi_collect_created"),
    ("GET", "/v1/payments/{}"): (200, "payment_authorized"),
    ("POST", "/v1/payments/{}/capture"): (200, "payment_captured"),
    ("POST", "/v1/payments/{}/refund"): (200, "refund_processed"),
    ("GET", "/v1/payments/{}/refunds"): (200, "payment_refunds"),
    ("GET", "/v1/refunds/{}"): (200, "refund_processed"),
    ("POST", "/v1/customers"): (200, "customer_created"),
    ("DELETE", "/v1/customers/{}/tokens/{}"): (200, "token_deleted"),
    ("GET", "/v1/customers/{}/tokens/{}"): (200, "token_upi_confirmed"),
}


class Recorder(RouteRecorder):
    """The shared loopback recorder, answering this gateway's fixtures."""

    def __init__(self) -> None:
        super().__init__(ANSWERS, route_of, fixture, content_type="application/json")


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    try:
        yield rec
    finally:
        rec.close()


@pytest.fixture
def sdk(recorder: Recorder) -> Any:
    recorder.override = None
    return razorpay.Client(auth=(KEY_ID, KEY_SECRET), base_url=recorder.base)


# --------------------------------------------------------------------------- shapes

# Keys whose values are free-form maps (their keys are data, not fields).
FREE_FORM = {"notes"}


def body_shape(request: HttpRequest) -> dict[str, str]:
    return shared_body_shape(request, free_form=frozenset(FREE_FORM))


# Fields the connector sends that the SDK's example for the operation does not show,
# each with the Razorpay API documentation that names it.
EXTRA: dict[str, dict[str, str]] = {
    "create order": {
        "payment_capture": "Orders API: payment_capture, boolean (the SDK's docstring: 0/1)",
    },
    "create token order": {
        "payment_capture": "Orders API: payment_capture, boolean; false: the authorization "
        "transaction is not captured",
    },
    "create payment (S2S JSON)": {
        "ip": "S2S JSON v2 cards: ip, mandatory",
        "user_agent": "S2S JSON v2 cards: user_agent, mandatory",
        "callback_url": "S2S JSON v2 cards: callback_url, where the customer returns",
        "description": "S2S JSON: description, optional",
        "notes": "S2S JSON: notes, optional (15 pairs of 256 characters)",
    },
    "create recurring authorization (S2S JSON)": {
        "ip": "S2S JSON v2 cards: ip, mandatory",
        "user_agent": "S2S JSON v2 cards: user_agent, mandatory",
        "notes": "S2S JSON: notes, optional",
        "customer_id": "Recurring payments, cards, authorization transaction: customer_id",
        "recurring": "Recurring payments, cards, authorization transaction: recurring",
    },
    "create netbanking payment (S2S JSON)": {
        "ip": "S2S JSON v2: ip, mandatory (all methods)",
        "user_agent": "S2S JSON v2: user_agent, mandatory (all methods)",
        "callback_url": "S2S JSON v2 netbanking: callback_url, where the bank returns the customer",
        "description": "S2S JSON: description, optional",
        "notes": "S2S JSON: notes, optional",
    },
    "create UPI collect payment (S2S)": {
        "callback_url": "S2S UPI: callback_url, optional",
        "notes": "S2S UPI: notes, optional",
    },
    "create UPI intent payment (S2S)": {
        "callback_url": "S2S UPI: callback_url, optional",
        "notes": "S2S UPI: notes, optional",
    },
    "create UPI token order": {
        "payment_capture": "Orders API: payment_capture, boolean; false: the authorization "
        "transaction is not captured",
    },
    "create UPI AutoPay authorization (S2S)": {
        "callback_url": "S2S UPI: callback_url, optional",
        "notes": "S2S UPI: notes, optional",
    },
    "create customer": {},
    "create recurring payment": {},
    "create UPI recurring payment": {"notes": "Create a recurring payment: notes, optional"},
    "capture": {},
    "refund": {},
}
# (operation, field) -> (the SDK example's type, the connector's type, why)
DEVIATIONS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("create payment (S2S JSON)", "card.cvv"): (
        "integer",
        "string",
        "the SDK's example sends an integer, which drops a leading zero (CVV 012); the "
        "card is sent as typed, a string",
    ),
    ("create recurring authorization (S2S JSON)", "card.cvv"): (
        "integer",
        "string",
        "as above",
    ),
    ("create recurring payment", "contact"): (
        "integer",
        "string",
        "the SDK's example sends 9123456789; its table (and the API docs) say string: "
        "a phone number keeps its + and leading zeros",
    ),
}


def assert_same_request(
    operation: str, sdk_request: HttpRequest, ours: HttpRequest, required: set[str]
) -> None:
    """The connector's request against the SDK's for one operation."""
    sdk_url, our_url = urlsplit(sdk_request.url), urlsplit(ours.url)
    assert ours.method == sdk_request.method, operation
    assert route_of(our_url.path) == route_of(sdk_url.path), (operation, our_url.path)
    assert set(parse_qs(our_url.query)) == set(parse_qs(sdk_url.query)), operation
    sdk_headers = {k.lower(): v for k, v in sdk_request.headers.items()}
    our_headers = {k.lower(): v for k, v in ours.headers.items()}
    assert our_headers["authorization"] == sdk_headers["authorization"], operation  # Basic
    assert our_headers["authorization"].startswith("Basic ")
    if ours.body is not None:
        assert sdk_headers["content-type"].lower() == "application/json", operation
        assert our_headers["content-type"] == "application/json", operation
    sdk_shape, our_shape = body_shape(sdk_request), body_shape(ours)
    for field in sorted(set(sdk_shape) & set(our_shape)):
        wanted, got = sdk_shape[field], our_shape[field]
        if (operation, field) in DEVIATIONS:
            sdk_type, our_type, _ = DEVIATIONS[(operation, field)]
            assert (wanted, got) == (sdk_type, our_type), (operation, field)
        else:
            assert got == wanted, (operation, field, wanted, got)
    missing = {f for f in required if f not in our_shape}
    assert not missing, (operation, "required by the SDK's docs", missing)
    extra = {f.split(".")[0] for f in set(our_shape) - set(sdk_shape)}
    unexplained = extra - set(EXTRA.get(operation, {}))
    assert not unexplained, (operation, "fields the SDK's example lacks", unexplained)
    # the SDK's own request is one the fake's contract accepts
    check_request(sdk_request, KEY_ID, KEY_SECRET)


# --------------------------------------------------------------------------- connector side


def ctx(key: str | None = None) -> Any:
    creds = {"key_id": KEY_ID, "key_secret": KEY_SECRET, "webhook_secret": WEBHOOK_SECRET}
    return make_ctx(CONNECTOR, creds, base_url="https://api.razorpay.com/v1", idempotency_key=key)


BROWSER = BrowserInfo(
    ip_address="203.0.113.7",
    user_agent="Mozilla/5.0 (sdk oracle)",
    java_enabled=False,
    javascript_enabled=True,
    time_zone_offset=-330,
    color_depth=24,
    screen_width=1440,
    screen_height=900,
)


def card() -> Card:
    return Card(
        number=Secret("4386289407660153"),
        exp_month=11,
        exp_year=2030,
        cvc=Secret("100"),
        holder_name="Gaurav Kumar",
    )


def authorize_requests(
    capture: CaptureMethod = CaptureMethod.MANUAL, key: str | None = None
) -> list[HttpRequest]:
    data = AuthorizeData(
        amount=100,
        currency="INR",
        payment_method=card(),
        capture_method=capture,
        reference="receipt#1",
        customer=Customer(email="gaurav.kumar@example.com", phone="9000090000"),
        browser=BROWSER,
        description="Order 1",
        return_url="https://shop.example/return",
    )
    answers = [
        response(200, fixture("order_created")),
        response(200, fixture("payment_json_redirect")),
    ]
    if key:  # the look-up by receipt finds nothing first
        answers.insert(0, response(200, fixture("orders_empty")))
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(key), data, answers)
    return requests


def upi_requests(vpa: str | None) -> list[HttpRequest]:
    data = AuthorizeData(
        amount=200, currency="INR", payment_method=Upi(vpa=vpa),
        capture_method=CaptureMethod.AUTOMATIC, reference="receipt#2",
        customer=Customer(email="gaurav.kumar@example.com", phone="9000090000"),
        browser=BROWSER, description="Test flow", return_url="https://shop.example/return",
    )  # fmt: skip
    answer = "upi_collect_created" if vpa else "upi_intent_created"
    requests, _ = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data,
        [response(200, fixture("order_created")), response(200, fixture(answer))],
    )  # fmt: skip
    return requests


def netbanking_requests() -> list[HttpRequest]:
    data = AuthorizeData(
        amount=200000, currency="INR", payment_method=Netbanking(bank="HDFC"),
        capture_method=CaptureMethod.AUTOMATIC, reference="receipt#3",
        customer=Customer(email="gaurav.kumar@example.com", phone="9000090000"),
        browser=BROWSER, description="Test flow", return_url="https://shop.example/return",
    )  # fmt: skip
    requests, _ = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data,
        [response(200, fixture("order_created")), response(200, fixture("netbanking_created"))],
    )  # fmt: skip
    return requests


def payment_ref() -> PaymentRef:
    return PaymentRef(
        account="razorpay-test", connector="razorpay", connector_payment_id=PID, amount=1000,
        currency="INR", capture_method="manual", meta={"order_id": OID},
    )  # fmt: skip


def sync_requests(pid: str = "", meta: dict[str, str] | None = None) -> list[HttpRequest]:
    ref = PaymentRef(
        account="razorpay-test", connector="razorpay", connector_payment_id=pid, amount=1000,
        currency="INR", capture_method="manual", meta=meta or {},
    )  # fmt: skip
    answer = response(200, fixture("payment_authorized" if pid else "order_payments"))
    requests, _ = drive(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref), [answer])
    return requests


def setup_requests() -> list[HttpRequest]:
    data = MandateSetupData(
        payment_method=card(),
        currency="INR",
        amount=100,
        customer=Customer(
            email="gaurav.kumar@example.com", name="Gaurav Kumar", phone="9123456780"
        ),
        reference="Receipt No. 1",
        browser=BROWSER,
    )
    answers = [
        response(200, fixture("customer_created")),
        response(200, fixture("order_token_created")),
        response(200, fixture("payment_json_paid")),
        response(200, fixture("payment_recurring_authorized")),
    ]
    requests, _ = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), data, answers)
    return requests


def autopay_requests() -> list[HttpRequest]:
    """The UPI AutoPay registration (customer, token order, authorization payment),
    then its completion (the payment, then the token)."""
    data = MandateSetupData(
        payment_method=Upi(), currency="INR", amount=100,
        customer=Customer(email="gaurav.kumar@example.com", name="Gaurav Kumar",
                          phone="9123456780"),
        reference="Receipt No. 1", browser=BROWSER, description="Test flow",
    )  # fmt: skip
    answers = [
        response(200, fixture("customer_created")),
        response(200, fixture("order_upi_token_created")),
        response(200, fixture("upi_mandate_intent_created")),
    ]
    requests, pending = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), data, answers)
    ref = MandateRef(
        account="razorpay-test", connector="razorpay", connector_mandate_id="",
        customer_id=CID, meta=pending.meta,
    )  # fmt: skip
    done, _ = drive(
        CONNECTOR, Flow.COMPLETE_MANDATE, ctx(), MandateCompleteData(mandate=ref, params={}),
        [response(200, fixture("payment_upi_autopay_authorized")),
         response(200, fixture("token_upi_confirmed"))],
    )  # fmt: skip
    return [*requests, *done]


def mandate() -> MandateRef:
    return MandateRef(
        account="razorpay-test", connector="razorpay", connector_mandate_id=TID,
        customer_id=CID, meta={"email": "gaurav.kumar@example.com", "contact": "9123456789"},
    )  # fmt: skip


def charge_requests(method: str = "card") -> list[HttpRequest]:
    ref = mandate()
    if method == "upi":  # a UPI AutoPay mandate: its set-up keeps the method in meta
        ref = msgspec.structs.replace(ref, meta={**ref.meta, "method": "upi"})
    data = AuthorizeData(
        amount=1000,
        currency="INR",
        payment_method=StoredMandate(ref=ref),
        capture_method=CaptureMethod.AUTOMATIC,
        reference="Receipt No. 2",
        description="Creating recurring payment for Gaurav Kumar",
    )
    answers = [
        response(200, fixture("order_created")),
        response(200, fixture("payment_json_paid")),
        response(200, fixture("payment_mandate_charge")),
    ]
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, answers)
    return requests


NOTES = {"notes_key_1": "Tea, Earl Grey, Hot", "notes_key_2": "Tea, Earl Grey... decaf."}
CARD = {"number": "4386289407660153", "name": "Gaurav", "expiry_month": 11, "expiry_year": 30,
        "cvv": 100}  # fmt: skip
BROWSER_BLOCK = {"java_enabled": False, "javascript_enabled": False, "timezone_offset": 11,
                 "color_depth": 23, "screen_width": 23, "screen_height": 100}  # fmt: skip

# operation -> (what the SDK does, the connector's request, fields the SDK's docs mark *)
Case = tuple[Callable[[Any], Any], Callable[[], HttpRequest], set[str]]
CASES: dict[str, Case] = {
    # documents/order.md, "Create order"
    "create order": (
        lambda c: c.order.create(
            {
                "amount": 50000,
                "currency": "INR",
                "receipt": "receipt#1",
                "partial_payment": False,
                "notes": {"key1": "value3", "key2": "value2"},
            }
        ),
        lambda: authorize_requests()[0],
        {"amount", "currency"},
    ),
    # documents/order.md, "Fetch all orders" (receipt filter)
    "find orders by receipt": (
        lambda c: c.order.all({"receipt": "cs-0a1b2c3d4e"}),
        lambda: authorize_requests(key="cs-0a1b2c3d4e")[0],
        set(),
    ),
    # documents/order.md, "Fetch payments for an order"
    "payments of an order": (
        lambda c: c.order.payments(OID),
        lambda: sync_requests(meta={"order_id": OID})[0],
        set(),
    ),
    # documents/payment.md, "Create Payment Json"
    "create payment (S2S JSON)": (
        lambda c: c.payment.createPaymentJson(
            {
                "amount": 100,
                "currency": "INR",
                "contact": "9000090000",
                "email": "gaurav.kumar@example.com",
                "order_id": OID,
                "method": "card",
                "card": CARD,
                "authentication": {"authentication_channel": "browser"},
                "browser": BROWSER_BLOCK,
            }
        ),
        lambda: authorize_requests()[1],
        {"amount", "currency", "order_id", "email", "contact", "method", "card"},
    ),
    # S2S JSON v2 "Build Integration for Netbanking", 1.2 Create a Payment: the same
    # createPaymentJson with method netbanking and the bank's code instead of a card
    "create netbanking payment (S2S JSON)": (
        lambda c: c.payment.createPaymentJson(
            {
                "amount": 200000,
                "currency": "INR",
                "contact": "9000090000",
                "email": "gaurav.kumar@example.com",
                "order_id": OID,
                "method": "netbanking",
                "bank": "HDFC",
            }
        ),
        lambda: netbanking_requests()[1],
        {"amount", "currency", "order_id", "email", "contact", "method", "bank"},
    ),
    # documents/payment.md, "Fetch a payment"
    "fetch payment": (
        lambda c: c.payment.fetch(PID),
        lambda: sync_requests(pid=PID)[0],
        set(),
    ),
    # documents/payment.md, "Capture payment"
    "capture": (
        lambda c: c.payment.capture(PID, 1000, {"currency": "INR"}),
        lambda: CONNECTOR.build_capture(
            ctx(), CaptureData(payment=payment_ref(), amount=1000, reference="c")
        ),
        {"amount", "currency"},
    ),
    # documents/refund.md, "Create a normal refund" (amount typed integer, as its table)
    "refund": (
        lambda c: c.payment.refund(
            PID, {"amount": 100, "speed": "normal", "notes": NOTES, "receipt": "#Receipt No. 131"}
        ),
        lambda: drive(
            CONNECTOR,
            Flow.REFUND,
            ctx(),
            RefundData(payment=payment_ref(), amount=100, reference="#Receipt No. 131"),
            [response(200, fixture("refund_processed"))],
        )[0][0],
        set(),
    ),
    # documents/refund.md, "Fetch multiple refunds for a payment"
    "refunds of a payment": (
        lambda c: c.payment.fetch_multiple_refund(PID),
        lambda: drive(
            CONNECTOR,
            Flow.REFUND,
            ctx("cs-0a1b2c3d4e"),
            RefundData(payment=payment_ref(), amount=100, reference="r"),
            [response(200, fixture("payment_refunds"))],
        )[0][0],
        set(),
    ),
    # documents/refund.md, "Fetch particular refund"
    "fetch refund": (
        lambda c: c.refund.fetch(RID),
        lambda: CONNECTOR.build_refund_sync(
            ctx(),
            RefundSyncData(
                refund=RefundRef(
                    account="a",
                    connector="razorpay",
                    connector_refund_id=RID,
                    connector_payment_id=PID,
                    amount=100,
                    currency="INR",
                )
            ),
        ),
        set(),
    ),
    # documents/card.md, "Create customer"
    "create customer": (
        lambda c: c.customer.create(
            {
                "name": "Gaurav Kumar",
                "email": "gaurav.kumar@example.com",
                "contact": "9123456780",
                "fail_existing": "1",
                "notes": NOTES,
            }
        ),
        lambda: setup_requests()[0],
        {"name"},
    ),
    # documents/card.md, "Create Order" (recurring registration)
    "create token order": (
        lambda c: c.order.create(
            {
                "amount": 100,
                "currency": "INR",
                "customer_id": CID,
                "method": "card",
                "token": {"max_amount": 5000, "expire_at": 2709971120, "frequency": "monthly"},
                "receipt": "Receipt No. 1",
                "notes": NOTES,
            }
        ),
        lambda: setup_requests()[1],
        {"amount", "currency", "customer_id", "method"},
    ),
    # documents/payment.md "Create Payment Json" is the authorization transaction's call
    "create recurring authorization (S2S JSON)": (
        lambda c: c.payment.createPaymentJson(
            {
                "amount": 100,
                "currency": "INR",
                "contact": "9000090000",
                "email": "gaurav.kumar@example.com",
                "order_id": OID,
                "method": "card",
                "card": CARD,
                "authentication": {"authentication_channel": "browser"},
                "browser": BROWSER_BLOCK,
            }
        ),
        lambda: setup_requests()[2],
        {"amount", "currency", "order_id", "email", "contact", "method", "card"},
    ),
    # documents/card.md, "Create a recurring payment"
    "create recurring payment": (
        lambda c: c.payment.createRecurring(
            {
                "email": "gaurav.kumar@example.com",
                "contact": 9123456789,
                "amount": 1000,
                "currency": "INR",
                "order_id": OID,
                "customer_id": CID,
                "token": TID,
                "recurring": True,
                "description": "Creating recurring payment for Gaurav Kumar",
                "notes": NOTES,
            }
        ),
        lambda: charge_requests()[1],
        {
            "email",
            "contact",
            "amount",
            "currency",
            "order_id",
            "customer_id",
            "token",
            "recurring",
        },
    ),
    # documents/upi.md, "Create a recurring payment": recurring is the string "1" there
    "create UPI recurring payment": (
        lambda c: c.payment.createRecurring(
            {
                "email": "gaurav.kumar@example.com",
                "contact": "9123456789",
                "amount": 1000,
                "currency": "INR",
                "order_id": OID,
                "customer_id": CID,
                "token": TID,
                "recurring": "1",
                "description": "Creating recurring payment for Gaurav Kumar",
            }
        ),
        lambda: charge_requests("upi")[1],
        {
            "email",
            "contact",
            "amount",
            "currency",
            "order_id",
            "customer_id",
            "token",
            "recurring",
        },
    ),
    # documents/upi.md / payment.md "Create Payment (UPI, S2S)": collect with a VPA
    "create UPI collect payment (S2S)": (
        lambda c: c.payment.createUpi(
            {
                "amount": 200,
                "currency": "INR",
                "order_id": OID,
                "email": "gaurav.kumar@example.com",
                "contact": "9000090000",
                "method": "upi",
                "ip": "192.168.0.103",
                "user_agent": "Mozilla/5.0",
                "description": "Test flow",
                "upi": {"flow": "collect", "vpa": "gauravkumar@exampleupi", "expiry_time": "5"},
            }
        ),
        lambda: upi_requests("gaurav.kumar@exampleupi")[1],
        {"amount", "currency", "order_id", "email", "contact", "method", "upi", "ip", "user_agent"},
    ),
    # the same, intent flow (no VPA: the answer's link opens the customer's UPI app)
    "create UPI intent payment (S2S)": (
        lambda c: c.payment.createUpi(
            {
                "amount": 200,
                "currency": "INR",
                "order_id": OID,
                "email": "gaurav.kumar@example.com",
                "contact": "9000090000",
                "method": "upi",
                "ip": "192.168.0.103",
                "user_agent": "Mozilla/5.0",
                "description": "Test flow",
                "upi": {"flow": "intent"},
            }
        ),
        lambda: upi_requests(None)[1],
        {"amount", "currency", "order_id", "email", "contact", "method", "upi"},
    ),
    # documents/upi.md "Create order" (UPI AutoPay registration), with the API docs'
    # UPI token terms: the SDK's example is eMandate's (amount 0, token.auth_type
    # netbanking, its table says method emandate); the docs' UPI order takes amount >= 100
    # and token.frequency (as_presented / monthly)
    "create UPI token order": (
        lambda c: c.order.create(
            {
                "amount": 100,
                "currency": "INR",
                "method": "upi",
                "customer_id": CID,
                "receipt": "Receipt No. 1",
                "notes": NOTES,
                "token": {
                    "max_amount": 9999900,
                    "expire_at": 4102444799,
                    "frequency": "as_presented",
                    "notes": NOTES,
                },
            }
        ),
        lambda: autopay_requests()[1],
        {"amount", "currency", "method", "customer_id"},
    ),
    # documents/upi.md "Create an Authorization Payment" points to the API docs (recurring
    # payments, UPI, S2S): createUpi with customer_id and recurring "1" on the token order
    "create UPI AutoPay authorization (S2S)": (
        lambda c: c.payment.createUpi(
            {
                "amount": 100,
                "currency": "INR",
                "order_id": OID,
                "customer_id": CID,
                "email": "gaurav.kumar@example.com",
                "contact": "9123456780",
                "method": "upi",
                "recurring": "1",
                "ip": "192.168.0.103",
                "user_agent": "Mozilla/5.0",
                "description": "Test flow",
                "upi": {"flow": "intent"},
            }
        ),
        lambda: autopay_requests()[2],
        {
            "amount",
            "currency",
            "order_id",
            "customer_id",
            "email",
            "contact",
            "method",
            "recurring",
            "upi",
            "ip",
            "user_agent",
        },
    ),
    # documents/token.md "Fetch token by customer id and token id" (the completion)
    "fetch token": (
        lambda c: c.token.fetch(CID, TID),
        lambda: autopay_requests()[4],
        set(),
    ),
    # documents/token.md, "Delete token"
    "delete token": (
        lambda c: c.token.delete(CID, TID),
        lambda: CONNECTOR.build_revoke_mandate(ctx(), MandateRevokeData(mandate=mandate())),
        set(),
    ),
}


@pytest.mark.parametrize("operation", sorted(CASES))
def test_the_connectors_request_is_the_sdks(recorder: Recorder, sdk: Any, operation: str) -> None:
    call, ours, required = CASES[operation]
    before = len(recorder.seen)
    answer = call(sdk)
    assert len(recorder.seen) == before + 1, "the SDK made one request to the recorder"
    assert isinstance(answer, dict)  # the SDK returns the decoded fixture, a plain dict
    assert_same_request(operation, recorder.last(), ours(), required)


def test_every_connector_flow_request_is_covered_by_an_sdk_case() -> None:
    """No request the connector can send escapes the oracle: every route it uses in
    these flows is one an SDK case recorded."""
    covered = set(ANSWERS)
    sent = [*authorize_requests(), *authorize_requests(key="cs-k"), *setup_requests(),
            *charge_requests(), *upi_requests("a.b@upi"), *upi_requests(None),
            *netbanking_requests(), *autopay_requests()]  # fmt: skip
    for request in sent:
        assert (request.method, route_of(urlsplit(request.url).path)) in covered, request.url


def test_a_mismatch_would_be_caught(recorder: Recorder, sdk: Any) -> None:
    """The comparison can fail: a field typed otherwise than the SDK's is refused."""
    sdk.payment.capture(PID, 1000, {"currency": "INR"})
    ours = CONNECTOR.build_capture(
        ctx(), CaptureData(payment=payment_ref(), amount=1000, reference="c")
    )
    wrong = HttpRequest(ours.method, ours.url, ours.headers, b'{"amount":"1000","currency":"INR"}')
    with pytest.raises(AssertionError):
        assert_same_request("capture", recorder.last(), wrong, {"amount"})


# --------------------------------------------------------------------------- responses


@pytest.mark.parametrize(
    ("fixture_name", "error"),
    [("error_declined", BadRequestError), ("error_not_found", BadRequestError),
     ("error_over_refund", BadRequestError), ("error_server", ServerError)],
)  # fmt: skip
def test_error_fixtures_are_errors_the_sdk_classifies(
    recorder: Recorder, sdk: Any, fixture_name: str, error: type[Exception]
) -> None:
    recorder.override = (400 if error is BadRequestError else 500, fixture(fixture_name))
    with pytest.raises(error) as raised:
        sdk.payment.fetch(PID)
    assert str(raised.value) == fixture(fixture_name)["error"]["description"]


@pytest.mark.parametrize(
    "name",
    ["payment_authorized", "payment_captured", "refund_processed", "order_created",
     "customer_created", "payment_json_redirect", "orders_by_receipt"],
)  # fmt: skip
def test_fixtures_come_back_from_the_sdk_unchanged(recorder: Recorder, sdk: Any, name: str) -> None:
    """The SDK has no response models: what it returns is the JSON as sent."""
    recorder.override = (200, fixture(name))
    assert sdk.payment.fetch(PID) == fixture(name)


# --------------------------------------------------------------------------- signatures


def _mac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _sdk_accepts(check: Callable[..., Any], *args: Any) -> bool:
    try:
        return bool(check(*args))
    except SignatureVerificationError:
        return False


@pytest.mark.parametrize("name", ["webhook_payment_captured", "webhook_refund_processed"])
def test_webhook_signatures_the_sdk_accepts_verify_and_tampered_ones_do_not(
    sdk: Any, name: str
) -> None:
    raw = (FIXTURES / f"{name}.json").read_bytes()
    good = _mac(WEBHOOK_SECRET, raw)
    cases = {
        "good": (raw, good, WEBHOOK_SECRET),
        "tampered": (raw.replace(b'"amount": ', b'"amount": 1', 1), good, WEBHOOK_SECRET),
        "wrong secret": (raw, _mac("another-secret", raw), WEBHOOK_SECRET),
    }
    for case, (body, signature, secret) in cases.items():
        by_sdk = _sdk_accepts(
            sdk.utility.verify_webhook_signature, body.decode(), signature, secret
        )
        headers = {"x-razorpay-signature": signature}
        by_us = CONNECTOR.webhook_verify(ctx(), headers, body)
        assert by_us is by_sdk, case
        assert by_us is (case == "good"), case


def test_callback_signatures_agree_with_the_sdk(sdk: Any) -> None:
    from connector_service.connectors.razorpay import _check_callback
    from connector_service.domain.errors import ServiceError

    good = _mac(KEY_SECRET, f"{OID}|{PID}".encode())
    for signature in (good, _mac("not-the-secret", f"{OID}|{PID}".encode())):
        params = {"razorpay_order_id": OID, "razorpay_payment_id": PID,
                  "razorpay_signature": signature}  # fmt: skip
        by_sdk = _sdk_accepts(sdk.utility.verify_payment_signature, dict(params))
        try:
            _check_callback(ctx(), PID, OID, params)
            by_us = True
        except ServiceError:
            by_us = False
        assert by_us is by_sdk is (signature == good)


def test_the_sdk_version_checked_is_recorded() -> None:
    major = int(SDK_VERSION.split(".")[0])
    assert major >= 2, SDK_VERSION  # docs/connectors/razorpay.md names the version
