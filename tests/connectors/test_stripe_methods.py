"""Stripe: every payment method beyond cards that the connector declares, one case each.

For each method: the PaymentIntent request validated against the official
``stripe/spec3.yaml`` (bracket form through ``connector_service.testing.stripe_form`` and
openapi-core), the fields Stripe's guides ask for; the parsed answer with its next action
(realistic answers under ``fixtures/stripe/methods/``, themselves validated against the
spec's ``payment_intent`` and ``event`` schemas); the settling webhook and sync (and the
bounced or expired one where a method can fail late); the refund, or its refusal where
Stripe cannot refund the method; and one bad input naming the field. A round trip over
loopback HTTP against the fake then drives each method from authorize to settled.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import msgspec
import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.capabilities import MethodFlow, check_flow, check_method
from connector_service.connectors.stripe import (
    EPS_BANKS,
    IDEAL_BANKS,
    STRIPE_METHODS,
    STRIPE_TYPE,
    StripeConnector,
    payment_from_intent,
)
from connector_service.domain.common import (
    Address,
    AwaitCustomer,
    Customer,
    DisplayQr,
    DisplayVoucher,
    RedirectAction,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    RefundData,
    SyncData,
    WebhookEventType,
)
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import (
    AchDebit,
    Affirm,
    AfterpayClearpay,
    Alipay,
    ApplePay,
    BacsDebit,
    Bancontact,
    Blik,
    Boleto,
    Card,
    Eps,
    GooglePay,
    Ideal,
    Klarna,
    Konbini,
    MandateAcceptance,
    NetworkToken,
    Oxxo,
    PaymentMethodType,
    PayNow,
    PayPal,
    Pix,
    PromptPay,
    Przelewy24,
    SepaDebit,
    ThreeDsResult,
    Upi,
    WechatPay,
    type_of,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus, RefundStatus
from connector_service.executor import Executor
from connector_service.testing import stripe_form
from connector_service.testing.spec import validate_request
from tests.connectors.harness import make_ctx, response
from tests.fakes.stripe import API_KEY, WEBHOOK_SECRET, StripeFake, stripe_fake

__all__ = ["stripe_fake"]  # the fixture, imported for pytest

BASE = "https://api.stripe.com"
FIXTURES = Path(__file__).parent / "fixtures" / "stripe"
RETURN_URL = "https://shop.example.com/checkout/return"
connector = StripeConnector()

ACCEPTANCE = MandateAcceptance(
    accepted_at="2026-11-30T09:15:00Z",
    type="online",
    ip_address="203.0.113.7",
    user_agent="Mozilla/5.0 (X11; Linux x86_64)",
)
JENNY = Customer(id="shopper-42", email="jenny@example.com", name="Jenny Rosen")
NAMELESS = Customer(id="shopper-43", email="jenny@example.com")
NO_EMAIL = Customer(id="shopper-44", name="Jenny Rosen")


def address(country: str, **kw: Any) -> Address:
    values: dict[str, Any] = {
        "line1": "Rua Augusta 100",
        "city": "Springfield",
        "state": "SP",
        "postal_code": "01304-000",
        "country": country,
    }
    values.update(kw)
    return Address(**values)


@dataclass
class Case:
    pm: Any
    currency: str
    country: str
    form: dict[str, str]  # fields the request must carry (beyond type and amount)
    action: type | None  # the next action's class; None: processing (a debit)
    bad: tuple[dict[str, Any], str]  # changes to the payment -> the field the 4xx names
    amount: int = 1500
    extra: dict[str, Any] = field(default_factory=dict)  # more AuthorizeData fields


CASES: dict[PaymentMethodType, Case] = {
    PaymentMethodType.IDEAL: Case(
        Ideal(bank="ing"), "EUR", "NL", {"payment_method_data[ideal][bank]": "ing"},
        RedirectAction, ({"payment_method": Ideal(bank="knab_bank")}, "payment_method.bank"),
    ),
    PaymentMethodType.BANCONTACT: Case(
        Bancontact(), "EUR", "BE",
        {"payment_method_data[billing_details][name]": "Jenny Rosen"},
        RedirectAction, ({"customer": NAMELESS}, "customer.name"),
    ),
    PaymentMethodType.EPS: Case(
        Eps(bank="bank_austria"), "EUR", "AT", {"payment_method_data[eps][bank]": "bank_austria"},
        RedirectAction, ({"payment_method": Eps(bank="sparkasse")}, "payment_method.bank"),
    ),
    PaymentMethodType.BLIK: Case(
        Blik(code=Secret("777123")), "PLN", "PL", {"payment_method_options[blik][code]": "777123"},
        AwaitCustomer, ({"currency": "EUR"}, "currency"), amount=5000,
    ),
    PaymentMethodType.PRZELEWY24: Case(
        Przelewy24(bank="ing"), "PLN", "PL",
        {"payment_method_data[p24][bank]": "ing",
         "payment_method_data[billing_details][email]": "jenny@example.com"},
        RedirectAction, ({"customer": NO_EMAIL}, "customer.email"), amount=5000,
    ),
    PaymentMethodType.SEPA_DEBIT: Case(
        SepaDebit(iban=Secret("DE89 3704 0044 0532 0130 00"), account_holder_name="Jenny Rosen",
                  mandate_acceptance=ACCEPTANCE),
        "EUR", "DE",
        {"payment_method_data[sepa_debit][iban]": "DE89370400440532013000",
         "payment_method_data[billing_details][name]": "Jenny Rosen",
         "mandate_data[customer_acceptance][type]": "online",
         "mandate_data[customer_acceptance][accepted_at]": "1796030100",
         "mandate_data[customer_acceptance][online][ip_address]": "203.0.113.7"},
        None, ({"customer": NO_EMAIL}, "customer.email"),
    ),
    PaymentMethodType.ACH_DEBIT: Case(
        AchDebit(account_number=Secret("000123456789"), routing_number="110000000",
                 account_holder_name="Jenny Rosen", mandate_acceptance=ACCEPTANCE),
        "USD", "US",
        {"payment_method_data[us_bank_account][account_number]": "000123456789",
         "payment_method_data[us_bank_account][routing_number]": "110000000",
         "payment_method_data[us_bank_account][account_holder_type]": "individual",
         "payment_method_data[us_bank_account][account_type]": "checking",
         "payment_method_options[us_bank_account][verification_method]": "microdeposits",
         "mandate_data[customer_acceptance][online][user_agent]": ACCEPTANCE.user_agent or ""},
        AwaitCustomer, ({"billing": address("CA")}, "billing.country"),
    ),
    PaymentMethodType.BACS_DEBIT: Case(
        BacsDebit(sort_code="10-88-00", account_number=Secret("00012345"),
                  account_holder_name="Jenny Rosen", mandate_acceptance=ACCEPTANCE),
        "GBP", "GB",
        {"payment_method_data[bacs_debit][sort_code]": "108800",
         "payment_method_data[bacs_debit][account_number]": "00012345",
         "payment_method_data[billing_details][address][line1]": "Rua Augusta 100"},
        None, ({"billing": None}, "billing.line1"),
    ),
    PaymentMethodType.PIX: Case(
        Pix(expires_after_seconds=3600), "BRL", "BR",
        {"payment_method_options[pix][expires_after_seconds]": "3600"},
        DisplayQr, ({"currency": "USD"}, "currency"),
    ),
    PaymentMethodType.PAYNOW: Case(
        PayNow(), "SGD", "SG", {}, DisplayQr, ({"currency": "USD"}, "currency"),
    ),
    PaymentMethodType.PROMPTPAY: Case(
        PromptPay(), "THB", "TH", {}, DisplayQr, ({"billing": address("SG")}, "billing.country"),
        amount=50000,
    ),
    PaymentMethodType.BOLETO: Case(
        Boleto(tax_id="529.982.247-25", expires_after_days=3), "BRL", "BR",
        {"payment_method_data[boleto][tax_id]": "52998224725",
         "payment_method_options[boleto][expires_after_days]": "3",
         "payment_method_data[billing_details][address][state]": "SP"},
        DisplayVoucher, ({"billing": address("BR", state=None)}, "billing.state"),
    ),
    PaymentMethodType.OXXO: Case(
        Oxxo(expires_after_days=2), "MXN", "MX",
        {"payment_method_options[oxxo][expires_after_days]": "2"},
        DisplayVoucher, ({"customer": NAMELESS}, "customer.name"), amount=15000,
    ),
    PaymentMethodType.KONBINI: Case(
        Konbini(), "JPY", "JP", {"payment_method_data[billing_details][email]": JENNY.email or ""},
        DisplayVoucher, ({"customer": NO_EMAIL}, "customer.email"),
    ),
    PaymentMethodType.KLARNA: Case(
        Klarna(), "EUR", "DE", {"payment_method_data[billing_details][address][country]": "DE"},
        RedirectAction, ({"billing": None}, "billing.country"),
    ),
    PaymentMethodType.AFTERPAY_CLEARPAY: Case(
        AfterpayClearpay(), "GBP", "GB", {"return_url": RETURN_URL},
        RedirectAction, ({"billing": address("GB", postal_code=None)}, "billing.postal_code"),
    ),
    PaymentMethodType.AFFIRM: Case(
        Affirm(), "USD", "US", {"return_url": RETURN_URL}, RedirectAction,
        ({"return_url": None}, "return_url"), amount=5000,
    ),
    PaymentMethodType.ALIPAY: Case(
        Alipay(), "CNY", "CN", {"return_url": RETURN_URL}, RedirectAction,
        ({"return_url": None}, "return_url"),
    ),
    PaymentMethodType.WECHAT_PAY: Case(
        WechatPay(), "CNY", "CN", {"payment_method_options[wechat_pay][client]": "web"},
        DisplayQr, ({"currency": "BRL"}, "currency"),
    ),
    PaymentMethodType.PAYPAL: Case(
        PayPal(), "EUR", "DE", {"return_url": RETURN_URL}, RedirectAction,
        ({"return_url": None}, "return_url"),
    ),
}  # fmt: skip
METHODS = sorted(CASES, key=lambda m: m.value)
IDS = [m.value for m in METHODS]
# The fixture file of each method (the model's names, Stripe's p24 is przelewy24 here).
FIXTURE = {m: m.value for m in CASES}


def ctx(base_url: str = BASE, key: str | None = "idem-123") -> Any:
    return make_ctx(
        connector,
        {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET},
        base_url=base_url,
        idempotency_key=key,
    )


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
        "billing": address(case.country),
        "return_url": RETURN_URL,
        "metadata": {"cart": "c-88"},
    }
    values.update(case.extra)
    values.update(changes)
    return AuthorizeData(**values)


def form(request: HttpRequest) -> dict[str, str]:
    return dict(parse_qsl((request.body or b"").decode(), keep_blank_values=True))


def fixture(method: PaymentMethodType) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (FIXTURES / "methods" / f"{FIXTURE[method]}.json").read_text()
    )
    return loaded


def checked(method: PaymentMethodType, payment: AuthorizeData) -> HttpRequest:
    """What the core and the connector do with a payment: the declaration's check, then
    the request."""
    kind = type_of(payment.payment_method)
    check_method(
        connector.meta.display_name,
        connector.meta.methods,
        kind,
        payment_method=payment.payment_method,
        currency=payment.currency,
        country=payment.billing.country if payment.billing else None,
        manual_capture=payment.capture_method is CaptureMethod.MANUAL,
    )
    return connector.build_authorize(ctx(), payment)


def payment_ref(method: PaymentMethodType, pid: str = "pi_3OCqKjLkdIwHu7ix0Xb6QmTz") -> PaymentRef:
    return PaymentRef(
        account="stripe-test",
        connector="stripe",
        connector_payment_id=pid,
        amount=CASES[method].amount,
        currency=CASES[method].currency,
        capture_method="automatic",
    )


# --------------------------------------------------------------------------- declaration


def test_declares_exactly_the_methods_tested_here() -> None:
    beyond_cards = set(STRIPE_METHODS) - {
        PaymentMethodType.CARD,
        PaymentMethodType.TOKEN,
        PaymentMethodType.MANDATE,
    }
    assert beyond_cards == set(CASES) == set(STRIPE_TYPE)
    assert connector.meta.payment_methods == frozenset(STRIPE_METHODS)
    # The types are the spec's own payment_method_data[type] values.
    spec = stripe_form.load()["paths"]["/v1/payment_intents"]["post"]["requestBody"]
    props = spec["content"]["application/x-www-form-urlencoded"]["schema"]["properties"]
    assert set(STRIPE_TYPE.values()) <= set(
        props["payment_method_data"]["properties"]["type"]["enum"]
    )
    banks = props["payment_method_data"]["properties"]
    assert set(banks["ideal"]["properties"]["bank"]["enum"]) == IDEAL_BANKS
    assert set(banks["eps"]["properties"]["bank"]["enum"]) == EPS_BANKS


# --------------------------------------------------------------------------- requests


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_request_matches_the_spec(method: PaymentMethodType) -> None:
    request = checked(method, data(method))
    stripe_form.validate(request)  # bracket form, every nested field against the spec
    validate_request("stripe/spec3.yaml", request, BASE)
    body = form(request)
    stype = STRIPE_TYPE[method]
    assert request.url == f"{BASE}/v1/payment_intents"
    assert body["payment_method_data[type]"] == stype
    assert body["payment_method_types[0]"] == stype and "payment_method_types[1]" not in body
    assert body["confirm"] == "true" and body["capture_method"] == "automatic"
    assert body["amount"] == str(CASES[method].amount)
    assert body["currency"] == CASES[method].currency.lower()
    assert body["metadata[cs_reference]"] == "order-2002"
    for key, value in CASES[method].form.items():
        assert body[key] == value, key
    assert not any(k.startswith("payment_method_options[card]") for k in body)
    assert not any(k.startswith("payment_method_data[card]") for k in body)


def test_debit_mandate_acceptance_offline_has_no_online_part() -> None:
    offline = MandateAcceptance(accepted_at="2026-11-30T09:15:00+01:00", type="offline")
    pm = SepaDebit(
        iban=Secret("DE89370400440532013000"),
        account_holder_name="Jenny Rosen",
        mandate_acceptance=offline,
    )
    request = checked(
        PaymentMethodType.SEPA_DEBIT, data(PaymentMethodType.SEPA_DEBIT, payment_method=pm)
    )
    stripe_form.validate(request)
    body = form(request)
    assert body["mandate_data[customer_acceptance][type]"] == "offline"
    assert body["mandate_data[customer_acceptance][accepted_at]"] == "1796026500"  # 08:15Z
    assert not any("[online]" in k for k in body)


def test_card_connector_options_leave_a_methods_own_options_alone() -> None:
    from connector_service.connectors.stripe import (
        StripeCardOptions,
        StripeMethodOptions,
        StripePaymentOptions,
    )

    card_3ds = StripePaymentOptions(
        payment_method_options=StripeMethodOptions(
            card=StripeCardOptions(request_three_d_secure="any")
        )
    )
    request = checked(PaymentMethodType.BLIK, data(PaymentMethodType.BLIK, options=card_3ds))
    stripe_form.validate(request)
    body = form(request)
    assert body["payment_method_options[blik][code]"] == "777123"
    assert not any(k.startswith("payment_method_options[card]") for k in body)


def test_saving_a_method_beyond_cards_is_refused_before_any_call() -> None:
    with pytest.raises(ServiceError) as refused:
        connector.build_authorize(ctx(), data(PaymentMethodType.IDEAL, setup_future_usage=True))
    assert refused.value.type is ErrorType.NOT_SUPPORTED
    assert refused.value.field == "setup_future_usage"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_bad_input_names_the_field(method: PaymentMethodType) -> None:
    changes, wanted = CASES[method].bad
    with pytest.raises(ServiceError) as failed:
        checked(method, data(method, **changes))
    assert failed.value.type in (ErrorType.INVALID_REQUEST, ErrorType.NOT_SUPPORTED)
    assert failed.value.field == wanted


@pytest.mark.parametrize(
    "method",
    [m for m in METHODS if MethodFlow.CAPTURE not in STRIPE_METHODS[m].flows],
    ids=lambda m: m.value,
)
def test_manual_capture_only_where_stripe_holds_the_funds(method: PaymentMethodType) -> None:
    with pytest.raises(ServiceError) as failed:
        checked(method, data(method, capture_method=CaptureMethod.MANUAL))
    assert failed.value.type is ErrorType.NOT_SUPPORTED and failed.value.field == "capture_method"


# --------------------------------------------------------------------------- answers


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_fixtures_match_the_spec(method: PaymentMethodType) -> None:
    fx = fixture(method)
    stripe_form.validate_object("payment_intent", fx["answer"])
    for key in ("settled", "failed"):
        if key in fx:
            stripe_form.validate_object("event", fx[key])
            stripe_form.validate_object("payment_intent", fx[key]["data"]["object"])
    assert fx["answer"]["payment_method_types"] == [STRIPE_TYPE[method]]


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_answer_and_next_action(method: PaymentMethodType) -> None:
    answer = fixture(method)["answer"]
    result = connector.parse_authorize(ctx(), data(method), response(200, answer))
    expected = CASES[method].action
    assert result.connector_payment_id == answer["id"]
    assert result.amount == CASES[method].amount and result.reference == "order-2002"
    step = answer.get("next_action") or {}
    hash_ = step.get(step.get("type"), {}) if step else {}
    if expected is None:  # a debit: processing until the bank settles, mandate reported
        assert result.status is PaymentStatus.PROCESSING and result.next_action is None
        details = answer["latest_charge"]["payment_method_details"][STRIPE_TYPE[method]]
        assert result.meta == {"mandate": details["mandate"]}
        return
    assert result.status is PaymentStatus.REQUIRES_ACTION
    action = result.next_action
    assert isinstance(action, expected)
    if isinstance(action, RedirectAction):
        assert action.url == hash_["url"] and action.method == "GET"
    elif isinstance(action, DisplayQr):
        assert action.payload == hash_["data"] and action.url == hash_["hosted_instructions_url"]
        assert action.image == hash_.get("image_data_url")  # only a data: URL is an image
        if "expires_at" in hash_:
            assert action.expires_at is not None and action.expires_at.endswith("Z")
    elif isinstance(action, DisplayVoucher):
        assert action.url == hash_["hosted_voucher_url"]
        assert action.reference == hash_.get("number") or action.reference == "123456"
        assert action.expires_at is not None
    else:
        assert isinstance(action, AwaitCustomer)
        assert action.url == hash_.get("hosted_verification_url", "")
        assert action.message
    wire = msgspec.json.decode(msgspec.json.encode(action))
    assert wire["type"] == action.type


def test_an_action_only_stripe_js_can_do_stays_pending() -> None:
    answer = fixture(PaymentMethodType.IDEAL)["answer"]
    answer["next_action"] = {"type": "use_stripe_sdk", "use_stripe_sdk": {}}
    result = payment_from_intent(answer)
    assert result.status is PaymentStatus.REQUIRES_ACTION and result.next_action is None
    assert result.pending_reason == "use_stripe_sdk"


# --------------------------------------------------------------------------- settling


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_settling_webhook_and_sync(method: PaymentMethodType) -> None:
    fx = fixture(method)
    body = json.dumps(fx["settled"]).encode()
    (event,) = connector.webhook_parse({}, body)
    assert event.type is WebhookEventType.PAYMENT_CAPTURED
    assert event.payment is not None and event.payment.status is PaymentStatus.CAPTURED
    assert event.connector_payment_id == fx["answer"]["id"]
    assert event.amount == CASES[method].amount and event.currency == CASES[method].currency
    synced = connector.parse_sync(
        ctx(), SyncData(payment=payment_ref(method)), response(200, fx["settled"]["data"]["object"])
    )
    assert synced.status is PaymentStatus.CAPTURED
    assert synced.amount_captured == CASES[method].amount
    if "failed" in fx:  # a bounced debit, an expired voucher or QR code
        (failed,) = connector.webhook_parse({}, json.dumps(fx["failed"]).encode())
        assert failed.type is WebhookEventType.PAYMENT_FAILED
        assert failed.payment is not None and failed.payment.status is PaymentStatus.FAILED
        error = fx["failed"]["data"]["object"]["last_payment_error"]
        assert failed.payment.failure is not None
        raw = error.get("decline_code") or error["code"]  # the more specific one
        gateway = failed.payment.failure.gateway
        assert raw in (failed.payment.failure.code, gateway.code if gateway else None)


@pytest.mark.parametrize("method", METHODS, ids=IDS)
def test_refund_where_supported(method: PaymentMethodType) -> None:
    if MethodFlow.REFUND not in STRIPE_METHODS[method].flows:
        with pytest.raises(ServiceError) as refused:
            check_flow("Stripe", STRIPE_METHODS, method, MethodFlow.REFUND, "amount")
        assert refused.value.type is ErrorType.NOT_SUPPORTED
        return
    request = connector.build_refund(
        ctx(), RefundData(payment=payment_ref(method), amount=500, reference="refund-1")
    )
    stripe_form.validate(request)
    assert form(request)["amount"] == "500"
    answer = json.loads((FIXTURES / "refund_pending.json").read_text())
    result = connector.parse_refund(
        ctx(),
        RefundData(payment=payment_ref(method), amount=500, reference="refund-1"),
        response(200, answer),
    )
    assert result.status is RefundStatus.PENDING  # bank methods refund asynchronously


# --------------------------------------------------------------------------- scrub


def test_scrub_masks_bank_accounts_and_blik_codes_exactly() -> None:
    before = (
        "POST /v1/payment_intents\n"
        "payment_method_data[type]=sepa_debit&payment_method_data[sepa_debit][iban]="
        "DE89370400440532013000&payment_method_options[blik][code]=777123"
        "&payment_method_data[us_bank_account][account_number]=000123456789"
        "&payment_method_data[us_bank_account][routing_number]=110000000"
        "&payment_method_data[bacs_debit][sort_code]=108800\n"
        '{"sepa_debit": {"last4": "3000", "mandate": "mandate_1OCqKjLkdIwHu7ixKx3ZpQeF"}}'
    )
    after = (
        "POST /v1/payment_intents\n"
        "payment_method_data[type]=sepa_debit&payment_method_data[sepa_debit][iban]="
        "[REDACTED]&payment_method_options[blik][code]=[REDACTED]"
        "&payment_method_data[us_bank_account][account_number]=[REDACTED]"
        "&payment_method_data[us_bank_account][routing_number]=110000000"
        "&payment_method_data[bacs_debit][sort_code]=108800\n"
        '{"sepa_debit": {"last4": "3000", "mandate": "mandate_1OCqKjLkdIwHu7ixKx3ZpQeF"}}'
    )
    assert connector.scrub(before) == after


# --------------------------------------------------------------------------- round trips


SECRETS = ("DE89370400440532013000", "000123456789", "00012345", "777123", API_KEY)


@pytest.fixture
async def executor() -> AsyncIterator[Executor]:
    transcripts: list[str] = []
    ex = Executor(transcript_sink=transcripts.append)
    try:
        yield ex
    finally:
        await ex.close()
    for text in transcripts:  # no account number, IBAN or BLIK code reached a transcript
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize("method", METHODS, ids=IDS)
async def test_round_trip_against_the_fake(
    method: PaymentMethodType, stripe_fake: StripeFake, executor: Executor
) -> None:
    c = ctx(stripe_fake.base_url, key=f"k-{method.value}")
    started = await executor.run(connector, Flow.AUTHORIZE, c, data(method))
    expected = CASES[method].action
    if expected is None:
        assert started.status is PaymentStatus.PROCESSING and started.meta["mandate"]
    else:
        assert started.status is PaymentStatus.REQUIRES_ACTION
        assert isinstance(started.next_action, expected)
    pid = started.connector_payment_id
    assert pid
    # The customer approves / scans / pays, or the bank settles the debit.
    async with aiohttp.ClientSession() as session:
        page = f"{stripe_fake.base_url}/_fake/method/{pid}?outcome=succeed"
        async with session.get(page, allow_redirects=False) as answer:
            if expected is RedirectAction:
                assert answer.status == 302
                assert urlsplit(answer.headers["Location"]).path == "/checkout/return"
            else:
                assert answer.status == 200
    ref = payment_ref(method, pid)
    settled = await executor.run(
        connector, Flow.SYNC, ctx(stripe_fake.base_url), SyncData(payment=ref)
    )
    assert (
        settled.status is PaymentStatus.CAPTURED and settled.amount_captured == CASES[method].amount
    )
    if MethodFlow.REFUND in STRIPE_METHODS[method].flows:
        refund = await executor.run(
            connector, Flow.REFUND, ctx(stripe_fake.base_url, key=f"r-{method.value}"),
            RefundData(payment=ref, amount=500, reference="refund-1"),
        )  # fmt: skip
        assert refund.status is RefundStatus.SUCCEEDED and refund.amount == 500
    assert stripe_fake.violations == []


async def test_a_bounced_debit_fails_late(stripe_fake: StripeFake, executor: Executor) -> None:
    method = PaymentMethodType.SEPA_DEBIT
    started = await executor.run(connector, Flow.AUTHORIZE, ctx(stripe_fake.base_url), data(method))
    assert started.status is PaymentStatus.PROCESSING
    async with aiohttp.ClientSession() as session:
        url = f"{stripe_fake.base_url}/_fake/method/{started.connector_payment_id}?outcome=fail"
        async with session.get(url) as answer:
            assert answer.status == 200
    ref = payment_ref(method, started.connector_payment_id or "")
    bounced = await executor.run(
        connector, Flow.SYNC, ctx(stripe_fake.base_url), SyncData(payment=ref)
    )
    assert bounced.status is PaymentStatus.FAILED
    assert bounced.failure is not None and bounced.failure.code
    assert stripe_fake.violations == []


async def test_bnpl_held_then_captured(stripe_fake: StripeFake, executor: Executor) -> None:
    method = PaymentMethodType.KLARNA
    c = ctx(stripe_fake.base_url, key=None)
    started = await executor.run(
        connector, Flow.AUTHORIZE, c, data(method, capture_method=CaptureMethod.MANUAL)
    )
    assert isinstance(started.next_action, RedirectAction)
    async with aiohttp.ClientSession() as session:
        url = f"{stripe_fake.base_url}/_fake/method/{started.connector_payment_id}"
        async with session.get(url, allow_redirects=False) as answer:
            assert answer.status == 302
    ref = msgspec.structs.replace(
        payment_ref(method, started.connector_payment_id or ""), capture_method="manual"
    )
    held = await executor.run(connector, Flow.SYNC, c, SyncData(payment=ref))
    assert held.status is PaymentStatus.AUTHORIZED
    captured = await executor.run(
        connector, Flow.CAPTURE, c, CaptureData(payment=ref, amount=1500, reference="cap-1")
    )
    assert captured.status is PaymentStatus.CAPTURED
    assert stripe_fake.violations == []


# --------------------------------------------------------------------------- left out


@pytest.mark.parametrize(
    "pm",
    [
        ApplePay(token=Secret('{"version":"EC_v1","data":"3+f4oOTwPa6f1UZ6tG","signature":"MIA"}')),
        GooglePay(token=Secret('{"protocolVersion":"ECv2","signedMessage":"..."}')),
        NetworkToken(number=Secret("4895370012003478"), exp_month=12, exp_year=2033,
                     cryptogram=Secret("AgAAAAAABk4DWZ4C28yUQAAAAAA="), eci="05"),
        Upi(vpa="jenny@okaxis"),
    ],
    ids=lambda pm: type_of(pm).value,
)  # fmt: skip
def test_what_stripe_does_not_take_is_refused_by_the_declaration(pm: Any) -> None:
    with pytest.raises(ServiceError) as refused:
        check_method("Stripe", STRIPE_METHODS, type_of(pm), payment_method=pm)
    assert refused.value.type is ErrorType.NOT_SUPPORTED
    assert refused.value.field == "payment_method.type"


def test_external_three_ds_results_are_not_passed_to_stripe() -> None:
    card = Card(
        number=Secret("4242424242424242"), exp_month=12, exp_year=2034,
        three_ds=ThreeDsResult(authentication_value=Secret("AAABBEg0VhI0VniQEjRWAAAAAAA="),
                               eci="05", version="2.2.0",
                               ds_transaction_id="f25084f0-5b16-4c0a-ae5d-b24808a95e4b"),
    )  # fmt: skip
    with pytest.raises(ServiceError) as refused:
        check_method("Stripe", STRIPE_METHODS, PaymentMethodType.CARD, payment_method=card)
    assert refused.value.field == "payment_method.three_ds"
