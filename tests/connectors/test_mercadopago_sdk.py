"""The official Mercado Pago Python SDK (``mercadopago``, test-only) as the oracle of the
connector's requests, fixtures and webhook signatures (issue 15).

For each flow the SDK performs the same operation against a loopback recorder (an HTTP
server on 127.0.0.1 that records the request and answers a fixture; the SDK's API base
URL, a class constant of its ``Config``, is pointed at it), and the connector's request
for that flow must match it: method, path, auth scheme and token, content type, the
``X-Idempotency-Key`` header, and the body's fields with their JSON types. The SDK passes
bodies through as given, so the SDK's side of each flow is the body Mercado Pago's API
reference shows for the operation (values ours). Where the connector sends a field the
example does not show, the field is in ``EXTRA`` with the reference that names it. Every
SDK request also passes the fake's contract (testing/fakes/mercadopago.py), so the fake
cannot refuse what the SDK sends.

The SDK has no response models (it returns the decoded JSON in ``response``): the
fixtures come back unchanged, and its typed errors (``raise_for_status``) classify the
error fixtures. Webhooks: the SDK's ``WebhookSignatureValidator`` and the connector agree
on every signature (good, tampered, wrong secret, stale, missing, no request id).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.mercadopago import (
    MercadoPagoConnector,
    MercadoPagoPaymentOptions,
    verify_signature,
)
from connector_service.domain.common import Address, Customer
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
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
)
from connector_service.domain.ids import DisputeRef, MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import Boleto, Card, Oxxo, Pix, Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod
from connector_service.testing.fakes.mercadopago import check_request, route_of, sign
from connector_service.testing.recorder import RouteRecorder
from connector_service.testing.recorder import body_shape as shared_body_shape
from tests.connectors.harness import drive, make_ctx, response

mercadopago = pytest.importorskip("mercadopago")
from mercadopago.config.config import Config  # noqa: E402
from mercadopago.errors.exceptions import (  # noqa: E402
    MPBadRequestError,
    MPNotFoundError,
    MPServerError,
)
from mercadopago.webhook.validator import (  # noqa: E402
    InvalidWebhookSignatureError,
    WebhookSignatureValidator,
)

SDK_VERSION = version("mercadopago")
CONNECTOR = MercadoPagoConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "mercadopago"
TOKEN = "TEST-1234567890123456-120312-0a1b2c3d4e5f60718293a4b5c6d7e8f9-192384756"  # a shape
WEBHOOK_SECRET = "sdk-oracle-whsec-5e1c"
PID, RID = "1325000001", "1325000101"
CID, CARD_ID = "1923840001-kM2rPq7Xw1YbZa", "9016294851"
CARD_TOKEN = "ff8080814c11e237014c1ff593b57b4d"
KEY = "cs-5f0e4c2b9a8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


# --------------------------------------------------------------------------- the recorder

# route -> fixture the recorder answers with (status 200, or 201 for a create)
ANSWERS: dict[tuple[str, str], tuple[int, str]] = {
    ("POST", "/v1/card_tokens"): (201, "card_token"),
    ("GET", "/v1/card_tokens/{}"): (200, "card_token"),
    ("GET", "/v1/payment_methods"): (200, "payment_methods"),
    ("POST", "/v1/payments"): (201, "payment_authorized"),
    ("GET", "/v1/payments/search"): (200, "payment_search"),
    ("GET", "/v1/payments/{}"): (200, "payment_authorized"),
    ("PUT", "/v1/payments/{}"): (200, "payment_approved"),
    ("POST", "/v1/payments/{}/refunds"): (201, "refund_approved"),
    ("GET", "/v1/payments/{}/refunds/{}"): (200, "refund_approved"),
    ("POST", "/v1/customers"): (201, "customer"),
    ("GET", "/v1/customers/search"): (200, "customer_search"),
    ("POST", "/v1/customers/{}/cards"): (201, "card_saved"),
    ("DELETE", "/v1/customers/{}/cards/{}"): (200, "card_saved"),
    ("GET", "/v1/customers/{}/cards"): (200, "customer_cards"),
    ("GET", "/v1/chargebacks/{}"): (200, "chargeback"),
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
def sdk(recorder: Recorder, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The SDK with its API base URL (``Config``'s class constant) on the recorder."""
    recorder.override = None
    monkeypatch.setattr(Config, "_Config__api_base_url", recorder.base)
    options = mercadopago.config.RequestOptions(access_token=TOKEN, max_retries=0)
    return mercadopago.SDK(TOKEN, request_options=options)


def with_key(key: str = KEY) -> Any:
    """The SDK's per-call options carrying the caller's idempotency key (its docs' way)."""
    options = mercadopago.config.RequestOptions(access_token=TOKEN, max_retries=0)
    options.custom_headers = {"x-idempotency-key": key}
    return options


# --------------------------------------------------------------------------- shapes

FREE_FORM = {"metadata"}  # values whose keys are data, not fields


def body_shape(request: HttpRequest) -> dict[str, str]:
    return shared_body_shape(request, free_form=frozenset(FREE_FORM), one_number=True)


# Fields the connector sends that the reference's example for the operation does not
# show, each with the part of Mercado Pago's API reference that names it.
EXTRA: dict[str, dict[str, str]] = {
    "create payment": {
        "three_d_secure_mode": "Create payment: three_d_secure_mode, 'optional' lets the "
        "issuer ask for a 3-D Secure challenge (3DS 2.0 guide)",
    },
    "create payment (stored card)": {},
    "create customer": {},
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
    assert our_headers["authorization"] == sdk_headers["authorization"] == f"Bearer {TOKEN}"
    if ours.method in ("POST", "PUT"):
        # the SDK sends a key on every call; the connector the caller's on every write
        assert sdk_headers["x-idempotency-key"] and our_headers["x-idempotency-key"], operation
    if ours.body is not None:
        assert sdk_headers["content-type"].lower() == "application/json", operation
        assert our_headers["content-type"] == "application/json", operation
    sdk_shape, our_shape = body_shape(sdk_request), body_shape(ours)
    for field in sorted(set(sdk_shape) & set(our_shape)):
        assert our_shape[field] == sdk_shape[field], (operation, field)
    missing = {f for f in required if f not in our_shape}
    assert not missing, (operation, "required by the reference", missing)
    extra = set(our_shape) - set(sdk_shape)
    unexplained = {f for f in extra if f.split(".")[0] not in EXTRA.get(operation, {})}
    assert not unexplained, (operation, "fields the reference's example lacks", unexplained)
    # the SDK's own request is one the fake's contract accepts
    check_request(sdk_request, TOKEN)


# --------------------------------------------------------------------------- connector side


def ctx(key: str | None = KEY) -> Any:
    creds = {"access_token": TOKEN, "webhook_secret": WEBHOOK_SECRET}
    return make_ctx(CONNECTOR, creds, base_url="https://api.mercadopago.com", idempotency_key=key)


def card() -> Card:
    return Card(
        number=Secret("5031755734530604"),
        exp_month=11,
        exp_year=2030,
        cvc=Secret("123"),
        holder_name="APRO",
    )


def authorize(pm: Any = None, capture: CaptureMethod = CaptureMethod.MANUAL) -> list[HttpRequest]:
    data = AuthorizeData(
        amount=10050,
        currency="BRL",
        payment_method=pm or card(),
        capture_method=capture,
        reference="order-1",
        customer=Customer(email="comprador@example.com", name="Ana Souza"),
        description="Order 1",
        statement_descriptor="MERCADOPAGO",
        metadata={"order": "1"},
    )
    if pm is None:  # with the options a Brazilian card payment carries
        data.options = MercadoPagoPaymentOptions(
            installments=1,
            binary_mode=False,
            payer_identification_type="CPF",
            payer_identification_number="12345678909",
        )
    if isinstance(pm, StoredMandate):
        answers = [response(201, fixture("card_token")), response(201, fixture("payment_approved"))]
    else:
        answers = [
            response(201 if pm is None else 200, fixture("card_token")),
            response(200, fixture("payment_methods")),
            response(201, fixture("payment_authorized")),
        ]
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, answers)
    return requests


def payment_ref() -> PaymentRef:
    return PaymentRef(
        account="mercadopago-test", connector="mercadopago", connector_payment_id=PID,
        amount=10050, currency="BRL", capture_method="manual",
    )  # fmt: skip


def unresolved() -> PaymentRef:
    return PaymentRef(
        account="mercadopago-test", connector="mercadopago", connector_payment_id="",
        amount=10050, currency="BRL", capture_method="manual", meta={"reference": "order-1"},
    )  # fmt: skip


def mandate() -> MandateRef:
    return MandateRef(
        account="mercadopago-test", connector="mercadopago", connector_mandate_id=CARD_ID,
        customer_id=CID, meta={"payment_method_id": "master", "email": "comprador@example.com"},
    )  # fmt: skip


def setup(existing: bool = False) -> list[HttpRequest]:
    data = MandateSetupData(
        payment_method=card(),
        currency="BRL",
        amount=0,
        customer=Customer(id="shopper-1", email="comprador@example.com", name="Ana Souza"),
        reference="mandate-1",
    )
    answers = [response(201, fixture("card_token"))]
    if existing:
        answers += [
            response(400, fixture("error_customer_exists")),
            response(200, fixture("customer_search")),
        ]
    else:
        answers.append(response(201, fixture("customer")))
    answers.append(response(201, fixture("card_saved")))
    requests, _ = drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), data, answers)
    return requests


def pix_request() -> HttpRequest:
    data = AuthorizeData(
        amount=1500, currency="BRL", payment_method=Pix(expires_after_seconds=3600),
        capture_method=CaptureMethod.AUTOMATIC, reference="order-1",
        customer=Customer(email="comprador@example.com", name="Ana Souza"),
        metadata={"order": "1"},
    )  # fmt: skip
    data.options = MercadoPagoPaymentOptions(
        payer_identification_type="CPF", payer_identification_number="12345678909"
    )
    requests, _ = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, fixture("payment_pix_pending"))]
    )
    return requests[0]


def voucher_request(pm: Boleto | Oxxo) -> HttpRequest:
    """A boleto (the payer in full, from the billing address) or an OXXO voucher."""
    boleto = isinstance(pm, Boleto)
    data = AuthorizeData(
        amount=10050 if boleto else 25000, currency="BRL" if boleto else "MXN",
        payment_method=pm, capture_method=CaptureMethod.AUTOMATIC, reference="order-1",
        customer=Customer(email="comprador@example.com", name="Ana Souza"),
        billing=Address(line1="Av. das Nações Unidas, 3003", line2="Bonfim", city="Osasco",
                        state="SP", postal_code="06233200", country="BR") if boleto else None,
        metadata={"order": "1"},
    )  # fmt: skip
    answer = fixture("payment_boleto_pending" if boleto else "payment_oxxo_pending")
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, [response(201, answer)])
    return requests[0]


def store_and_pay() -> list[HttpRequest]:
    data = AuthorizeData(
        amount=10050, currency="BRL", payment_method=card(),
        capture_method=CaptureMethod.AUTOMATIC, reference="order-1",
        customer=Customer(email="comprador@example.com", name="Ana Souza"),
        setup_future_usage=True,
    )  # fmt: skip
    names = ("card_token", "customer", "card_saved", "card_token", "payment_approved")
    answers = [response(201, fixture(n)) for n in names]
    requests, _ = drive(CONNECTOR, Flow.AUTHORIZE, ctx(), data, answers)
    return requests


PAYER = {"email": "test_user_123@testuser.com", "first_name": "Test", "last_name": "User",
         "identification": {"type": "CPF", "number": "95749019047"}}  # fmt: skip

# operation -> (what the SDK does, the connector's request, fields the reference requires)
Case = tuple[Callable[[Any], Any], Callable[[], HttpRequest], set[str]]
CASES: dict[str, Case] = {
    # card_token.create: what MercadoPago.js sends (Card Token API)
    "create card token": (
        lambda s: s.card_token().create(
            {
                "card_number": "4235647728025682",
                "expiration_month": 11,
                "expiration_year": 2030,
                "security_code": "123",
                "cardholder": {"name": "APRO"},
            },
            with_key(),
        ),
        lambda: authorize()[0],
        {"card_number", "expiration_month", "expiration_year"},
    ),
    "read card token": (
        lambda s: s.card_token().get(CARD_TOKEN),
        lambda: authorize(Token(token=CARD_TOKEN))[0],
        set(),
    ),
    "list payment methods": (
        lambda s: s.payment_methods().list_all(),
        lambda: authorize()[1],
        set(),
    ),
    # payment.create: the reference's "Create payment" example (card fields)
    "create payment": (
        lambda s: s.payment().create(
            {
                "transaction_amount": 58.8,
                "token": CARD_TOKEN,
                "description": "Payment for product",
                "installments": 1,
                "payment_method_id": "master",
                "payer": PAYER,
                "capture": False,
                "external_reference": "MP0001",
                "statement_descriptor": "MercadoPago",
                "metadata": {"order": "1"},
                "binary_mode": False,
            },
            with_key(),
        ),
        lambda: authorize()[2],
        {"transaction_amount", "token", "payment_method_id", "payer.email", "installments"},
    ),
    # a stored card: its token by card_id, then a payment of the customer
    "card token of a stored card": (
        lambda s: s.card_token().create({"card_id": CARD_ID, "customer_id": CID}, with_key()),
        lambda: authorize(StoredMandate(ref=mandate()), CaptureMethod.AUTOMATIC)[0],
        {"card_id"},
    ),
    "card token of a saved card, customer present": (
        lambda s: s.card_token().create(
            {"card_id": CARD_ID, "customer_id": CID, "security_code": "123"}, with_key()
        ),
        lambda: store_and_pay()[3],
        {"card_id"},
    ),
    "create payment (stored card)": (
        lambda s: s.payment().create(
            {
                "transaction_amount": 58.8,
                "token": CARD_TOKEN,
                "description": "Payment for product",
                "installments": 1,
                "payment_method_id": "master",
                "payer": {"type": "customer", "id": CID, "email": "test_user_123@testuser.com"},
                "capture": True,
                "external_reference": "MP0001",
                "statement_descriptor": "MercadoPago",
                "metadata": {"order": "1"},
            },
            with_key(),
        ),
        lambda: authorize(StoredMandate(ref=mandate()), CaptureMethod.AUTOMATIC)[1],
        {"transaction_amount", "token", "payment_method_id", "payer.type", "payer.id"},
    ),
    "search payments by external_reference": (
        lambda s: s.payment().search(
            {"external_reference": "MP0001", "sort": "date_created", "criteria": "desc"}
        ),
        lambda: CONNECTOR.build_sync(ctx(), SyncData(payment=unresolved())),
        set(),
    ),
    # the reference's Pix example (Checkout API > Pix): no card fields
    "create payment (pix)": (
        lambda s: s.payment().create(
            {
                "transaction_amount": 100,
                "description": "Título do produto",
                "payment_method_id": "pix",
                "payer": {
                    "email": "test@test.com",
                    "first_name": "Test",
                    "last_name": "User",
                    "identification": {"type": "CPF", "number": "19119119100"},
                },
                "external_reference": "MP0001",
                "date_of_expiration": "2026-12-04T08:12:05.000-04:00",
                "metadata": {"order": "1"},
            },
            with_key(),
        ),
        lambda: pix_request(),
        {"transaction_amount", "payment_method_id", "payer.email"},
    ),
    # the reference's boleto example (Checkout API > Boleto: the payer's identification
    # and the six address fields Mercado Pago requires since 2024), with the due date of
    # "Expiration date of cash payment"
    "create payment (boleto)": (
        lambda s: s.payment().create(
            {
                "transaction_amount": 100,
                "description": "Título do produto",
                "payment_method_id": "bolbradesco",
                "payer": {
                    "email": "test@test.com",
                    "first_name": "Test",
                    "last_name": "User",
                    "identification": {"type": "CPF", "number": "19119119100"},
                    "address": {
                        "zip_code": "06233200",
                        "street_name": "Av. das Nações Unidas",
                        "street_number": "3003",
                        "neighborhood": "Bonfim",
                        "city": "Osasco",
                        "federal_unit": "SP",
                    },
                },
                "external_reference": "MP0001",
                "date_of_expiration": "2026-12-06T23:59:59.000-04:00",
                "metadata": {"order": "1"},
            },
            with_key(),
        ),
        lambda: voucher_request(Boleto(tax_id="19119119100", expires_after_days=3)),
        {
            "transaction_amount",
            "payment_method_id",
            "payer.email",
            "payer.first_name",
            "payer.last_name",
            "payer.identification.type",
            "payer.identification.number",
            "payer.address.zip_code",
            "payer.address.street_name",
            "payer.address.street_number",
            "payer.address.neighborhood",
            "payer.address.city",
            "payer.address.federal_unit",
        },
    ),
    # the reference's cash example (Checkout API > Other payment methods, Mexico)
    "create payment (oxxo)": (
        lambda s: s.payment().create(
            {
                "transaction_amount": 250,
                "description": "Product Title",
                "payment_method_id": "oxxo",
                "payer": {
                    "email": "test_user_19653727@testuser.com",
                    "first_name": "Test",
                    "last_name": "User",
                },
                "external_reference": "MP0001",
                "date_of_expiration": "2026-12-05T23:59:59.000-06:00",
                "metadata": {"order": "1"},
            },
            with_key(),
        ),
        lambda: voucher_request(Oxxo(expires_after_days=2)),
        {"transaction_amount", "payment_method_id", "payer.email"},
    ),
    "get payment": (
        lambda s: s.payment().get(PID),
        lambda: CONNECTOR.build_sync(ctx(), SyncData(payment=payment_ref())),
        set(),
    ),
    "capture": (
        lambda s: s.payment().capture(PID, 60.25, with_key()),
        lambda: CONNECTOR.build_capture(
            ctx(), CaptureData(payment=payment_ref(), amount=6025, reference="c")
        ),
        {"capture"},
    ),
    "cancel": (
        lambda s: s.payment().update(PID, {"status": "cancelled"}, with_key()),
        lambda: CONNECTOR.build_void(ctx(), VoidData(payment=payment_ref())),
        {"status"},
    ),
    "refund": (
        lambda s: s.refund().create(PID, {"amount": 20.1}, with_key()),
        lambda: CONNECTOR.build_refund(
            ctx(), RefundData(payment=payment_ref(), amount=2010, reference="r")
        ),
        set(),
    ),
    "get refund": (
        lambda s: s.refund().get(PID, RID),
        lambda: CONNECTOR.build_refund_sync(
            ctx(),
            RefundSyncData(
                refund=RefundRef(
                    account="a",
                    connector="mercadopago",
                    connector_refund_id=RID,
                    connector_payment_id=PID,
                    amount=2010,
                    currency="BRL",
                )
            ),
        ),
        set(),
    ),
    "create customer": (
        lambda s: s.customer().create(
            {
                "email": "jhon@doe.com",
                "first_name": "Jhon",
                "last_name": "Doe",
                "description": "Customer description",
            },
            with_key(),
        ),
        lambda: setup()[1],
        {"email"},
    ),
    "search customers": (
        lambda s: s.customer().search({"email": "jhon@doe.com"}),
        lambda: setup(existing=True)[2],
        set(),
    ),
    "save card": (
        lambda s: s.card().create(CID, {"token": CARD_TOKEN}, with_key()),
        lambda: setup()[2],
        {"token"},
    ),
    "list cards": (
        lambda s: s.card().list_all(CID),
        lambda: CONNECTOR.build_list_mandates(ctx(), ListMandatesData(customer_id=CID)),
        set(),
    ),
    "get chargeback": (
        lambda s: s.chargeback().get("234000062890459000"),
        lambda: CONNECTOR.build_dispute_sync(
            ctx(),
            DisputeSyncData(
                dispute=DisputeRef(
                    account="a", connector="mercadopago", connector_dispute_id="234000062890459000"
                )
            ),
        ),
        set(),
    ),
    "delete card": (
        lambda s: s.card().delete(CID, CARD_ID),
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
    assert answer["status"] < 300, answer
    assert_same_request(operation, recorder.last(), ours(), required)


def test_every_connector_flow_request_is_covered_by_an_sdk_case() -> None:
    """No request the connector can send escapes the oracle: every route it uses in
    these flows is one an SDK case recorded."""
    covered = set(ANSWERS)
    sent = [*authorize(), *authorize(Token(token=CARD_TOKEN)), *setup(), *setup(existing=True),
            *authorize(StoredMandate(ref=mandate()), CaptureMethod.AUTOMATIC),
            *store_and_pay(), pix_request(), voucher_request(Boleto(tax_id="19119119100")),
            voucher_request(Oxxo())]  # fmt: skip
    for request in sent:
        assert (request.method, route_of(urlsplit(request.url).path)) in covered, request.url


def test_a_mismatch_would_be_caught(recorder: Recorder, sdk: Any) -> None:
    """The comparison can fail: an amount sent as a string is refused."""
    sdk.payment().capture(PID, 60.25, with_key())
    ours = CONNECTOR.build_capture(
        ctx(), CaptureData(payment=payment_ref(), amount=6025, reference="c")
    )
    wrong = HttpRequest(
        ours.method, ours.url, ours.headers, b'{"capture":true,"transaction_amount":"60.25"}'
    )
    with pytest.raises(AssertionError):
        assert_same_request("capture", recorder.last(), wrong, {"capture"})


def test_amounts_are_numbers_in_major_units() -> None:
    body = json.loads(authorize()[2].body or b"")
    assert body["transaction_amount"] == 100.5 and isinstance(body["transaction_amount"], float)
    whole = CONNECTOR.build_refund(
        ctx(), RefundData(payment=payment_ref(), amount=2000, reference="r")
    )
    assert json.loads(whole.body or b"") == {"amount": 20}


# --------------------------------------------------------------------------- responses


@pytest.mark.parametrize(
    ("fixture_name", "status", "error"),
    [("error_bad_request", 400, MPBadRequestError), ("error_customer_exists", 400,
      MPBadRequestError), ("error_not_capturable", 400, MPBadRequestError),
     ("error_not_found", 404, MPNotFoundError), ("error_server", 500, MPServerError)],
)  # fmt: skip
def test_error_fixtures_are_errors_the_sdk_classifies(
    recorder: Recorder, sdk: Any, fixture_name: str, status: int, error: type[Exception]
) -> None:
    recorder.override = (status, fixture(fixture_name))
    answer = sdk.payment().get(PID)
    assert answer["status"] == status and answer["response"] == fixture(fixture_name)
    with pytest.raises(error):
        answer.raise_for_status()


@pytest.mark.parametrize(
    "name",
    ["payment_authorized", "payment_approved", "payment_rejected", "payment_challenge",
     "payment_cancelled", "refund_approved", "card_token", "customer", "card_saved",
     "payment_methods", "customer_search", "payment_search", "customer_cards", "chargeback",
     "chargeback_covered", "payment_pix_pending", "payment_boleto_pending",
     "payment_oxxo_pending"],
)  # fmt: skip
def test_fixtures_come_back_from_the_sdk_unchanged(recorder: Recorder, sdk: Any, name: str) -> None:
    """The SDK has no response models: what it returns is the JSON as sent."""
    recorder.override = (200, fixture(name))
    answer = sdk.payment().get(PID)
    answer.raise_for_status()
    assert answer["response"] == fixture(name)


# --------------------------------------------------------------------------- signatures


def _sdk_accepts(header: str | None, request_id: str | None, data_id: str, **kw: Any) -> bool:
    try:
        WebhookSignatureValidator.validate(
            header, request_id, data_id, WEBHOOK_SECRET, tolerance_seconds=300, **kw
        )
    except InvalidWebhookSignatureError:
        return False
    return True


def test_webhook_signatures_the_sdk_accepts_verify_and_the_others_do_not() -> None:
    raw = (FIXTURES / "webhook_payment_updated.json").read_bytes()
    now = int(time.time())
    good = sign(raw, WEBHOOK_SECRET, now)
    tampered = raw.replace(PID.encode(), b"1325000002", 1)
    cases: dict[str, tuple[bytes, dict[str, str]]] = {
        "good": (raw, good),
        "tampered": (tampered, good),
        "wrong secret": (raw, sign(raw, WEBHOOK_SECRET + "x", now)),
        "stale": (raw, sign(raw, WEBHOOK_SECRET, now - 900)),
        "missing": (raw, {"x-request-id": good["x-request-id"]}),
        "another request id": (raw, {**good, "x-request-id": "0f1e2d3c-other"}),
    }
    for case, (body, headers) in cases.items():
        data_id = json.loads(body)["data"]["id"]
        by_sdk = _sdk_accepts(headers.get("x-signature"), headers.get("x-request-id"), data_id)
        verdict = CONNECTOR.webhook_verify(ctx(), headers, body)
        # a good payment notification goes on to read the payment it names
        by_us = isinstance(verdict, HttpRequest) or verdict is True
        assert by_us is by_sdk is (case == "good"), case
        if by_us:
            assert isinstance(verdict, HttpRequest)
            assert verdict.method == "GET" and verdict.url.endswith(f"/v1/payments/{PID}")


def test_a_signature_without_a_request_id_agrees_with_the_sdk() -> None:
    """The SDK leaves a missing part out of the manifest; so does the connector."""
    ts = str(int(time.time()))
    from connector_service.connectors.kit import hmac_sha256_hex

    mac = hmac_sha256_hex(WEBHOOK_SECRET, f"id:{PID};ts:{ts};".encode())
    header = f"ts={ts},v1={mac}"
    assert _sdk_accepts(header, None, PID)
    assert verify_signature(header, None, PID, WEBHOOK_SECRET)
    assert not verify_signature(header, "some-request", PID, WEBHOOK_SECRET)


def test_the_sdk_version_checked_is_recorded() -> None:
    major, minor = (int(p) for p in SDK_VERSION.split(".")[:2])
    assert (major, minor) >= (3, 6), SDK_VERSION  # docs/connectors/mercadopago.md names it
