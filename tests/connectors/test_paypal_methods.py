"""PayPal: every payment method beyond cards that the connector declares, one case each.

For each method: the order request validated against PayPal's Orders v2 spec (through the
fake's ``check_request``), the ``payment_source`` object and the fields the spec requires
of it; the parsed answer with its next action (realistic answers under
``fixtures/paypal/methods/``, validated against the spec's ``order``, ``capture``,
``authorization`` and webhook ``event`` schemas); the settling webhook and sync (and the
reversed approval of a bank payment); the refund; and one bad input naming the field. A
round trip over loopback HTTP against the fake then drives each method to settled.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import msgspec
import pytest

from connector_service.connectors.base import ConnectorContext, HttpRequest
from connector_service.connectors.capabilities import MethodFlow, check_method
from connector_service.connectors.paypal import APM_SOURCE, PAYPAL_METHODS, PayPalConnector
from connector_service.domain.common import (
    Address,
    AwaitCustomer,
    BrowserInfo,
    Customer,
    RedirectAction,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AccessToken,
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    RefundData,
    SyncData,
    WebhookEventType,
)
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import (
    ApplePay,
    Bancontact,
    Blik,
    Card,
    Eps,
    GooglePay,
    Ideal,
    Klarna,
    MandateAcceptance,
    NetworkToken,
    PaymentMethodType,
    PayPal,
    Przelewy24,
    SepaDebit,
    ThreeDsResult,
    type_of,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus, RefundStatus
from connector_service.executor import Executor
from connector_service.testing.spec import validate_component
from tests.connectors.harness import drive, make_ctx, response
from tests.fakes.paypal import CLIENT_ID, CLIENT_SECRET, SPEC_BASE, PayPalFake, check_request

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
C = PayPalConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "paypal"
ORDERS = "paypal/checkout_orders_v2.json"
PAYMENTS = "paypal/payments_payment_v2.json"
WEBHOOKS = "paypal/notifications_webhooks_v1.json"
TOKEN = "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYX"
RETURN_URL = "https://shop.example.com/checkout/return"
ORDER, CAP = "8RU61172JS455403V", "2GG279541U471931P"
CRYPTOGRAM = "AgAAAAAABk4DWZ4C28yUQAAAAAA="  # 28 characters, base64 of 20 bytes

JENNY = Customer(id="shopper-42", email="jenny@example.com", name="Jenny Rosen")
NAMELESS = Customer(id="shopper-43", email="jenny@example.com")
NO_EMAIL = Customer(id="shopper-44", name="Jenny Rosen")
DPAN = "4895370012003478"


def token(**kw: Any) -> NetworkToken:
    values: dict[str, Any] = {
        "number": Secret(DPAN),
        "exp_month": 12,
        "exp_year": 2033,
        "cryptogram": Secret(CRYPTOGRAM),
        "eci": "05",
        "source": "google_pay",
    }
    values.update(kw)
    return NetworkToken(**values)


@dataclass
class Case:
    pm: Any
    currency: str
    country: str
    value: str  # the amount in PayPal's major units
    source: dict[str, Any]  # the payment_source object expected (subset, nested)
    action: type | None  # the next action's class; None: authorized at once
    bad: tuple[dict[str, Any], str]  # changes to the payment -> the field the 4xx names
    amount: int = 1500


CASES: dict[PaymentMethodType, Case] = {
    PaymentMethodType.PAYPAL: Case(
        PayPal(), "EUR", "DE", "15.00",
        {"paypal": {"email_address": "jenny@example.com", "experience_context": {
            "return_url": RETURN_URL, "cancel_url": RETURN_URL, "user_action": "PAY_NOW"}}},
        RedirectAction, ({"return_url": None}, "return_url"),
    ),
    PaymentMethodType.IDEAL: Case(
        Ideal(bank="INGBNL2A"), "EUR", "NL", "15.00",
        {"ideal": {"name": "Jenny Rosen", "country_code": "NL", "bic": "INGBNL2A",
                   "experience_context": {"return_url": RETURN_URL, "cancel_url": RETURN_URL}}},
        RedirectAction, ({"payment_method": Ideal(bank="ing")}, "payment_method.bank"),
    ),
    PaymentMethodType.BANCONTACT: Case(
        Bancontact(), "EUR", "BE", "15.00",
        {"bancontact": {"name": "Jenny Rosen", "country_code": "BE"}},
        RedirectAction, ({"customer": NAMELESS}, "customer.name"),
    ),
    PaymentMethodType.EPS: Case(
        Eps(), "EUR", "AT", "15.00", {"eps": {"name": "Jenny Rosen", "country_code": "AT"}},
        RedirectAction, ({"billing": None}, "billing.country"),
    ),
    PaymentMethodType.BLIK: Case(
        Blik(code=Secret("777123")), "PLN", "PL", "50.00",
        {"blik": {"name": "Jenny Rosen", "country_code": "PL", "email": "jenny@example.com",
                  "level_0": {"auth_code": "777123"},
                  "experience_context": {"consumer_ip": "203.0.113.7"}}},
        AwaitCustomer, ({"currency": "EUR"}, "currency"), amount=5000,
    ),
    PaymentMethodType.PRZELEWY24: Case(
        Przelewy24(), "PLN", "PL", "50.00",
        {"p24": {"name": "Jenny Rosen", "email": "jenny@example.com", "country_code": "PL"}},
        RedirectAction, ({"customer": NO_EMAIL}, "customer.email"), amount=5000,
    ),
    PaymentMethodType.NETWORK_TOKEN: Case(
        token(), "USD", "US", "100.00",
        {"card": {"network_token": {"number": DPAN, "expiry": "2033-12", "cryptogram": CRYPTOGRAM,
                                    "eci_flag": "FULLY_AUTHENTICATED_TRANSACTION"}}},
        None, ({"payment_method": token(cryptogram=Secret("A" * 40))}, "payment_method.cryptogram"),
        amount=10000,
    ),
}  # fmt: skip
METHODS = sorted(CASES, key=lambda m: m.value)
IDS = [m.value for m in METHODS]


def ctx(base_url: str = SPEC_BASE, key: str | None = "idem-123") -> ConnectorContext:
    return make_ctx(
        C, {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}, base_url=base_url,
        idempotency_key=key, access_token=TOKEN,
    )  # fmt: skip


def data(method: PaymentMethodType, **changes: Any) -> AuthorizeData:
    case = CASES[method]
    values: dict[str, Any] = {
        "amount": case.amount,
        "currency": case.currency,
        "payment_method": case.pm,
        "capture_method": CaptureMethod.AUTOMATIC,
        "reference": "order-2002",
        "description": "Order 2002",
        "customer": JENNY,
        "billing": Address(country=case.country, city="Springfield", line1="1 Main St"),
        "browser": BrowserInfo(ip_address="203.0.113.7", user_agent="Mozilla/5.0 (X11)"),
        "return_url": RETURN_URL,
    }
    values.update(changes)
    return AuthorizeData(**values)


def body(request: HttpRequest) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(request.body or b"{}")
    return loaded


def fixture(method: PaymentMethodType) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / "methods" / f"{method.value}.json").read_text())
    return loaded


def contains(whole: Any, part: Any) -> bool:
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(
            k in whole and contains(whole[k], v) for k, v in part.items()
        )
    return bool(whole == part)


def checked(payment: AuthorizeData) -> list[HttpRequest]:
    """The core's declaration check, then the connector's first request."""
    check_method(
        C.meta.display_name, C.meta.methods, type_of(payment.payment_method),
        payment_method=payment.payment_method, currency=payment.currency,
        country=payment.billing.country if payment.billing else None,
        manual_capture=payment.capture_method is CaptureMethod.MANUAL,
    )  # fmt: skip
    steps = C.steps(Flow.AUTHORIZE, ctx(), payment)
    return [next(steps)]


def payment_ref(method: PaymentMethodType, pid: str = ORDER, **meta: str) -> PaymentRef:
    return PaymentRef(
        account="paypal-test", connector="paypal", connector_payment_id=pid,
        amount=CASES[method].amount, currency=CASES[method].currency,
        capture_method="automatic", meta=meta,
    )  # fmt: skip


# --------------------------------------------------------------------------- declaration


def test_declares_exactly_the_methods_tested_here() -> None:
    beyond_cards = set(PAYPAL_METHODS) - {
        PaymentMethodType.CARD, PaymentMethodType.TOKEN, PaymentMethodType.MANDATE
    }  # fmt: skip
    assert beyond_cards == set(CASES)
    assert C.meta.payment_methods == frozenset(PAYPAL_METHODS)
    with open_spec() as spec:
        sources = spec["components"]["schemas"]["payment_source"]["properties"]
    assert set(APM_SOURCE.values()) | {"paypal", "card", "apple_pay"} <= set(sources)
    # The spec's google_pay request object is empty: no token can be passed through.
    assert PaymentMethodType.GOOGLE_PAY not in PAYPAL_METHODS


class open_spec:
    def __enter__(self) -> dict[str, Any]:
        from connector_service.testing.spec import spec_path

        loaded: dict[str, Any] = json.loads(spec_path(ORDERS).read_text())
        return loaded

    def __exit__(self, *exc: object) -> None:
        return None


# --------------------------------------------------------------------------- requests


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_request_matches_the_spec(method: PaymentMethodType) -> None:
    (request,) = checked(data(method))
    check_request(request)
    sent = body(request)
    case = CASES[method]
    assert request.url == f"{SPEC_BASE}/v2/checkout/orders"
    assert request.headers["PayPal-Request-Id"]
    assert contains(sent["payment_source"], case.source), sent["payment_source"]
    assert list(sent["payment_source"]) == list(case.source)  # one source, that one
    unit = sent["purchase_units"][0]
    assert unit["amount"] == {"currency_code": case.currency, "value": case.value}
    assert unit["custom_id"] == "order-2002"
    if method in APM_SOURCE:  # PayPal captures a bank payment once it is approved
        assert sent["intent"] == "CAPTURE"
        assert sent["processing_instruction"] == "ORDER_COMPLETE_ON_PAYMENT_APPROVAL"
    else:
        assert "processing_instruction" not in sent


def test_paypal_wallet_and_network_token_can_be_held_for_capture() -> None:
    for method in (PaymentMethodType.PAYPAL, PaymentMethodType.NETWORK_TOKEN):
        (request,) = checked(data(method, capture_method=CaptureMethod.MANUAL))
        check_request(request)
        assert body(request)["intent"] == "AUTHORIZE"


def test_decrypted_apple_pay_token_goes_as_apple_pay() -> None:
    pm = token(source="apple_pay", eci="07", cryptogram=Secret("A" * 44), holder_name="Jenny R")
    (request,) = checked(data(PaymentMethodType.NETWORK_TOKEN, payment_method=pm))
    check_request(request)
    decrypted = body(request)["payment_source"]["apple_pay"]["decrypted_token"]
    assert decrypted["tokenized_card"] == {
        "number": DPAN, "expiry": "2033-12", "name": "Jenny R",
        "billing_address": {"address_line_1": "1 Main St", "admin_area_2": "Springfield",
                            "country_code": "US"},
    }  # fmt: skip
    assert decrypted["payment_data"] == {"cryptogram": "A" * 44, "eci_indicator": "07"}
    assert decrypted["payment_data_type"] == "3DSECURE"


@pytest.mark.parametrize(
    ("number", "eci", "flag"),
    [
        (DPAN, "06", "ATTEMPTED_AUTHENTICATION_TRANSACTION"),
        (DPAN, "07", "NON_3D_SECURE_TRANSACTION"),
        ("5555555555554444", "02", "MASTERCARD_FULLY_AUTHENTICATED_TRANSACTION"),
        ("5555555555554444", "00", "MASTERCARD_NON_3D_SECURE_TRANSACTION"),
        (DPAN, None, None),
    ],
)
def test_eci_flag_names_the_authentication(number: str, eci: str | None, flag: str | None) -> None:
    pm = token(number=Secret(number), eci=eci)
    (request,) = checked(data(PaymentMethodType.NETWORK_TOKEN, payment_method=pm))
    check_request(request)
    assert body(request)["payment_source"]["card"]["network_token"].get("eci_flag") == flag


def test_saving_a_method_beyond_cards_is_refused() -> None:
    with pytest.raises(ServiceError) as refused:
        checked(data(PaymentMethodType.IDEAL, setup_future_usage=True))
    assert refused.value.type is ErrorType.NOT_SUPPORTED
    assert refused.value.field == "setup_future_usage"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_bad_input_names_the_field(method: PaymentMethodType) -> None:
    changes, wanted = CASES[method].bad
    with pytest.raises(ServiceError) as failed:
        checked(data(method, **changes))
    assert failed.value.type in (ErrorType.INVALID_REQUEST, ErrorType.NOT_SUPPORTED)
    assert failed.value.field == wanted


@pytest.mark.parametrize("method", sorted(APM_SOURCE, key=lambda m: m.value), ids=lambda m: m.value)
def test_bank_methods_cannot_be_held_for_capture(method: PaymentMethodType) -> None:
    with pytest.raises(ServiceError) as failed:
        checked(data(method, capture_method=CaptureMethod.MANUAL))
    assert failed.value.type is ErrorType.NOT_SUPPORTED and failed.value.field == "capture_method"


@pytest.mark.parametrize(
    ("pointer", "field"),
    [
        ("/payment_source/blik/level_0/auth_code", "payment_method.code"),
        ("/payment_source/p24/email", "customer.email"),
        ("/payment_source/ideal/country_code", "billing.country"),
        ("/payment_source/card/network_token/cryptogram", "payment_method.cryptogram"),
    ],
)
def test_gateway_field_errors_name_our_field(pointer: str, field: str) -> None:
    error = {
        "name": "UNPROCESSABLE_ENTITY",
        "message": "The requested action could not be performed.",
        "debug_id": "7c1b0e4f1a2d3",
        "details": [{"field": pointer, "issue": "INVALID_PARAMETER_VALUE",
                     "description": "The value of a field is invalid.", "location": "body"}],
    }  # fmt: skip
    method = PaymentMethodType.BLIK
    with pytest.raises(ServiceError) as failed:
        drive(C, Flow.AUTHORIZE, ctx(), data(method), [response(422, error)])
    assert failed.value.field == field


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_fixtures_match_the_spec(method: PaymentMethodType) -> None:
    for key, item in fixture(method).items():
        if "event_type" in item:
            validate_component(WEBHOOKS, "event", item)
            resource = {"capture": "capture-2", "authorization": "authorization-2"}
            if item["resource_type"] in resource:
                validate_component(PAYMENTS, resource[item["resource_type"]], item["resource"])
        else:
            validate_component(ORDERS, "order", item)
            assert item["id"] == ORDER, key


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_answer_and_next_action(method: PaymentMethodType) -> None:
    answer = fixture(method)["answer"]
    requests, result = drive(C, Flow.AUTHORIZE, ctx(), data(method), [response(201, answer)])
    assert len(requests) == 1
    expected = CASES[method].action
    assert result.connector_payment_id == ORDER and result.amount == CASES[method].amount
    if expected is None:  # a network token: authorized at once, like a card
        assert result.status is PaymentStatus.AUTHORIZED and result.next_action is None
        assert result.card.last4 == "3478" and result.meta["auth"]
        return
    assert result.status is PaymentStatus.REQUIRES_ACTION
    action = result.next_action
    assert isinstance(action, expected)
    if isinstance(action, RedirectAction):
        links = {link["rel"]: link["href"] for link in answer["links"]}
        assert action.url == links["payer-action"] and action.method == "GET"
    else:
        assert isinstance(action, AwaitCustomer) and action.url == "" and action.message
    wire = msgspec.json.decode(msgspec.json.encode(action))
    assert wire["type"] == action.type


def test_apple_pay_answer_carries_the_card() -> None:
    answer = fixture(PaymentMethodType.NETWORK_TOKEN)["apple_pay_answer"]
    pm = token(source="apple_pay")
    _, result = drive(
        C, Flow.AUTHORIZE, ctx(), data(PaymentMethodType.NETWORK_TOKEN, payment_method=pm),
        [response(201, answer)],
    )  # fmt: skip
    assert result.status is PaymentStatus.AUTHORIZED and result.card.last4 == "3478"


# --------------------------------------------------------------------------- settling


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_settling_webhook_and_sync(method: PaymentMethodType) -> None:
    fx = fixture(method)
    (event,) = C.webhook_parse({}, json.dumps(fx["settled"]).encode())
    assert event.connector_payment_id == ORDER
    assert event.amount == CASES[method].amount and event.currency == CASES[method].currency
    assert event.payment is not None
    if method is PaymentMethodType.NETWORK_TOKEN:
        assert event.type is WebhookEventType.PAYMENT_AUTHORIZED
        assert event.payment.status is PaymentStatus.AUTHORIZED
        return
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.payment.status is PaymentStatus.CAPTURED
    synced = C.parse_sync(
        ctx(), SyncData(payment=payment_ref(method)), response(200, fx["completed"])
    )
    assert synced.status is PaymentStatus.CAPTURED
    assert synced.amount_captured == CASES[method].amount and synced.meta["cap"] == CAP
    if "failed" in fx:  # the approval reversed: the bank payment did not go through
        (failed,) = C.webhook_parse({}, json.dumps(fx["failed"]).encode())
        assert failed.type is WebhookEventType.PAYMENT_FAILED
        assert failed.connector_payment_id == ORDER
        assert failed.payment is not None and failed.payment.status is PaymentStatus.FAILED
        assert failed.payment.failure is not None
        assert failed.payment.failure.code == "payment_approval_reversed"


def test_bank_payment_back_from_its_page_is_not_captured_by_us() -> None:
    """PayPal completes it (ORDER_COMPLETE_ON_PAYMENT_APPROVAL): an APPROVED order read
    on the customer's return stays processing, no capture call is made."""
    approved = fixture(PaymentMethodType.IDEAL)["answer"] | {"status": "APPROVED"}
    data_ = CompleteAuthorizeData(payment=payment_ref(PaymentMethodType.IDEAL), params={})
    requests, result = drive(C, Flow.COMPLETE_AUTHORIZE, ctx(), data_, [response(200, approved)])
    assert [r.method for r in requests] == ["GET"]
    assert result.status is PaymentStatus.PROCESSING


def test_paypal_wallet_back_from_approval_is_captured() -> None:
    fx = fixture(PaymentMethodType.PAYPAL)
    data_ = CompleteAuthorizeData(payment=payment_ref(PaymentMethodType.PAYPAL), params={})
    requests, result = drive(
        C, Flow.COMPLETE_AUTHORIZE, ctx(), data_,
        [response(200, fx["approved"]), response(201, fx["completed"])],
    )  # fmt: skip
    assert [r.url.rsplit("/", 1)[-1] for r in requests] == [ORDER, "capture"]
    for request in requests:
        check_request(request)
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 1500


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_refund(method: PaymentMethodType) -> None:
    assert MethodFlow.REFUND in PAYPAL_METHODS[method].flows
    refund = json.loads((FIXTURES / "refund.json").read_text())
    payment = payment_ref(method, cap=CAP)
    requests, result = drive(
        C, Flow.REFUND, ctx(), RefundData(payment=payment, amount=500, reference="refund-1"),
        [response(201, refund)],
    )  # fmt: skip
    (request,) = requests
    check_request(request)
    assert request.url.endswith(f"/v2/payments/captures/{CAP}/refund")
    assert body(request)["amount"]["currency_code"] == CASES[method].currency
    assert result.status is RefundStatus.SUCCEEDED


# --------------------------------------------------------------------------- scrub


def test_scrub_masks_blik_codes_tokens_and_cryptograms_exactly() -> None:
    before = (
        '{"payment_source":{"blik":{"name":"Jenny Rosen","level_0":{"auth_code":"777123"}}},'
        f'"card":{{"network_token":{{"number":"{DPAN}","expiry":"2033-12",'
        f'"cryptogram":"{CRYPTOGRAM}","eci_flag":"FULLY_AUTHENTICATED_TRANSACTION"}}}}}}'
    )
    after = (
        '{"payment_source":{"blik":{"name":"Jenny Rosen","level_0":{"auth_code":"[REDACTED]"}}},'
        '"card":{"network_token":{"number":"[CARD]","expiry":"[EXPIRY]",'
        '"cryptogram":"[REDACTED]","eci_flag":"FULLY_AUTHENTICATED_TRANSACTION"}}}'
    )
    assert C.scrub(before) == after


# --------------------------------------------------------------------------- round trips


@pytest.fixture
async def fake() -> AsyncIterator[PayPalFake]:
    server = PayPalFake()
    await server.start()
    yield server
    assert server.violations == [], server.violations  # every request met the spec
    await server.close()


@pytest.fixture
async def executor() -> AsyncIterator[Executor]:
    transcripts: list[str] = []
    ex = Executor(transcript_sink=transcripts.append)
    yield ex
    await ex.close()
    assert transcripts
    for text in transcripts:  # no BLIK code, token number or cryptogram in a transcript
        for secret in ('"777123"', DPAN, CRYPTOGRAM):
            assert secret not in text


async def session(ex: Executor, fake: PayPalFake, key: str | None) -> ConnectorContext:
    c = make_ctx(C, fake.credentials, fake.options, base_url=fake.base_url, idempotency_key=key)
    access: AccessToken = await ex.run(C, Flow.ACCESS_TOKEN, c, None)
    return dataclasses.replace(c, access_token=Secret(access.token))


@pytest.mark.parametrize("method", METHODS, ids=IDS)
async def test_round_trip_against_the_fake(
    method: PaymentMethodType, fake: PayPalFake, executor: Executor
) -> None:
    c = await session(executor, fake, f"k-{method.value}")
    started = await executor.run(C, Flow.AUTHORIZE, c, data(method))
    pid = started.connector_payment_id or ""
    expected = CASES[method].action
    if expected is None:
        assert started.status is PaymentStatus.CAPTURED  # automatic capture: one step
    else:
        assert started.status is PaymentStatus.REQUIRES_ACTION
        assert isinstance(started.next_action, expected)
        approve = f"{fake.base_url}/__fake__/approve/{pid}?outcome=Y"  # the payer approves
        async with aiohttp.ClientSession() as http, http.post(approve) as page:
            assert page.status == 204
        done = await executor.run(
            C, Flow.COMPLETE_AUTHORIZE, c,
            CompleteAuthorizeData(payment=payment_ref(method, pid, **started.meta), params={}),
        )  # fmt: skip
        assert done.status is PaymentStatus.CAPTURED
    synced = await executor.run(C, Flow.SYNC, c, SyncData(payment=payment_ref(method, pid)))
    assert synced.status is PaymentStatus.CAPTURED
    assert synced.amount_captured == CASES[method].amount
    refund = await executor.run(
        C, Flow.REFUND, c,
        RefundData(payment=payment_ref(method, pid, **synced.meta), amount=500, reference="r-1"),
    )  # fmt: skip
    assert refund.status is RefundStatus.SUCCEEDED and refund.amount == 500


async def test_declined_bank_approval_voids_the_order(fake: PayPalFake, executor: Executor) -> None:
    c = await session(executor, fake, None)
    started = await executor.run(C, Flow.AUTHORIZE, c, data(PaymentMethodType.IDEAL))
    pid = started.connector_payment_id or ""
    decline = f"{fake.base_url}/__fake__/approve/{pid}?outcome=N"
    async with aiohttp.ClientSession() as http, http.post(decline) as page:
        assert page.status == 204
    synced = await executor.run(
        C, Flow.SYNC, c, SyncData(payment=payment_ref(PaymentMethodType.IDEAL, pid))
    )
    assert synced.status is PaymentStatus.VOIDED


async def test_network_token_held_then_captured(fake: PayPalFake, executor: Executor) -> None:
    c = await session(executor, fake, None)
    method = PaymentMethodType.NETWORK_TOKEN
    held = await executor.run(
        C, Flow.AUTHORIZE, c, data(method, capture_method=CaptureMethod.MANUAL)
    )
    assert held.status is PaymentStatus.AUTHORIZED and held.meta["auth"]
    ref = msgspec.structs.replace(
        payment_ref(method, held.connector_payment_id or "", **held.meta), capture_method="manual"
    )
    captured = await executor.run(
        C, Flow.CAPTURE, c, CaptureData(payment=ref, amount=10000, reference="cap-1")
    )
    assert captured.status is PaymentStatus.CAPTURED


# --------------------------------------------------------------------------- left out


@pytest.mark.parametrize(
    "pm",
    [
        ApplePay(token=Secret('{"version":"EC_v1","data":"3+f4oOTwPa6f1UZ6tG","signature":"MIA"}')),
        GooglePay(token=Secret('{"protocolVersion":"ECv2","signedMessage":"..."}')),
        SepaDebit(iban=Secret("DE89370400440532013000"), account_holder_name="Jenny Rosen",
                  mandate_acceptance=MandateAcceptance(accepted_at="2026-11-30T09:15:00Z",
                                                       type="offline")),
        Klarna(),
    ],
    ids=lambda pm: type_of(pm).value,
)  # fmt: skip
def test_what_paypal_does_not_take_is_refused_by_the_declaration(pm: Any) -> None:
    with pytest.raises(ServiceError) as refused:
        check_method("PayPal", PAYPAL_METHODS, type_of(pm), payment_method=pm)
    assert refused.value.type is ErrorType.NOT_SUPPORTED
    assert refused.value.field == "payment_method.type"


def test_external_three_ds_results_are_not_passed_to_paypal() -> None:
    card = Card(
        number=Secret("4111111111111111"), exp_month=12, exp_year=2034,
        three_ds=ThreeDsResult(authentication_value=Secret("AAABBEg0VhI0VniQEjRWAAAAAAA="),
                               eci="05", version="2.2.0",
                               ds_transaction_id="f25084f0-5b16-4c0a-ae5d-b24808a95e4b"),
    )  # fmt: skip
    with pytest.raises(ServiceError) as refused:
        check_method("PayPal", PAYPAL_METHODS, PaymentMethodType.CARD, payment_method=card)
    assert refused.value.field == "payment_method.three_ds"
