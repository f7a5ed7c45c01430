"""Mollie's payment methods beyond cards (issues 13 and 15): each declared method's
request (checked against the fake's contract, written from Mollie's API reference), its
parsed answer and next action from fixtures shaped after Mollie's Payment / Mandate
objects, the settling webhook (the payment read back), refunds, a bad input per method,
and the scrub of wallet tokens and IBANs. The SDK comparisons of these requests are in
test_mollie_sdk.py; the same methods through the service in test_mollie_methods_e2e.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.capabilities import check_method
from connector_service.connectors.mollie import MOLLIE_METHODS, MollieConnector
from connector_service.domain.common import Customer, RedirectAction
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
from connector_service.domain.flows import AuthorizeData, Flow, RefundData, WebhookEventType
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import (
    ApplePay,
    Bancontact,
    Eps,
    FieldError,
    Ideal,
    Klarna,
    MandateAcceptance,
    PaymentMethodType,
    PayPal,
    Przelewy24,
    SepaDebit,
)
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, MandateStatus, PaymentStatus
from connector_service.testing.fakes.mollie import check_request
from connector_service.testing.spec import SpecViolation
from tests.connectors.harness import drive, make_ctx, response

CONNECTOR = MollieConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "mollie"
BASE = "https://api.mollie.com/v2"
KEY = "test_" + "dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
IBAN = "NL55INGB0000000000"
APPLE_TOKEN = json.dumps(
    {"paymentData": {"version": "EC_v1", "data": "c2VjcmV0LWFwcGxlLXBheQ==", "signature": "c2ln",
                     "header": {"ephemeralPublicKey": "a2V5", "publicKeyHash": "aGFzaA==",
                                "transactionId": "d467d1b3"}},
     "paymentMethod": {"displayName": "Visa 1234", "network": "Visa", "type": "debit"},
     "transactionIdentifier": "d467d1b3"}
)  # fmt: skip
ACCEPTANCE = MandateAcceptance(
    accepted_at="2026-12-01T10:00:00Z", ip_address="203.0.113.7", user_agent="Mozilla/5.0"
)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx() -> Any:
    return make_ctx(
        CONNECTOR, {"api_key": KEY}, {"webhook_url": "https://shop.example/v1/webhooks/mollie/eu"},
        base_url=BASE,
    )  # fmt: skip


def body(request: HttpRequest) -> Any:
    return json.loads(request.body) if request.body else None


def checked(request: HttpRequest) -> HttpRequest:
    check_request(request, BASE + "/")
    return request


def auth(pm: Any, **extra: Any) -> AuthorizeData:
    fields: dict[str, Any] = {
        "amount": 1000, "currency": "EUR", "payment_method": pm,
        "capture_method": CaptureMethod.AUTOMATIC, "reference": "order-1",
        "return_url": "https://shop.example/return",
    }  # fmt: skip
    return AuthorizeData(**(fields | extra))


def sepa() -> SepaDebit:
    return SepaDebit(
        iban=Secret("NL55 INGB 0000 0000 00"), account_holder_name="Jan Jansen",
        mandate_acceptance=ACCEPTANCE,
    )  # fmt: skip


# --------------------------------------------------------------------------- declaration


def test_declares_exactly_the_methods_mapped_here() -> None:
    methods = CONNECTOR.meta.methods
    assert set(methods) == {
        PaymentMethodType.TOKEN, PaymentMethodType.MANDATE, PaymentMethodType.APPLE_PAY,
        PaymentMethodType.PAYPAL, PaymentMethodType.IDEAL, PaymentMethodType.BANCONTACT,
        PaymentMethodType.EPS, PaymentMethodType.PRZELEWY24, PaymentMethodType.SEPA_DEBIT,
        PaymentMethodType.KLARNA,
    }  # fmt: skip
    assert methods is MOLLIE_METHODS or dict(methods) == MOLLIE_METHODS
    # bank redirects are EUR only and captured at once
    with pytest.raises(ServiceError) as exc:
        check_method("Mollie", methods, PaymentMethodType.IDEAL, currency="USD")
    assert exc.value.field == "currency"
    with pytest.raises(ServiceError) as exc:
        check_method("Mollie", methods, PaymentMethodType.BANCONTACT, manual_capture=True)
    assert exc.value.field == "capture_method"
    with pytest.raises(ServiceError) as exc:
        check_method("Mollie", methods, PaymentMethodType.SEPA_DEBIT, country="US")
    assert exc.value.field == "billing.country"
    check_method("Mollie", methods, PaymentMethodType.PRZELEWY24, currency="PLN")


# --------------------------------------------------------------------------- requests


@pytest.mark.parametrize(
    ("pm", "method", "extra"),
    [
        (Ideal(), "ideal", {}),
        (Ideal(bank="INGBNL2A"), "ideal", {"issuer": "ideal_INGBNL2A"}),
        (Ideal(bank="ideal_RABONL2U"), "ideal", {"issuer": "ideal_RABONL2U"}),
        (Bancontact(), "bancontact", {}),
        (Eps(), "eps", {}),
        (PayPal(), "paypal", {}),
        (Przelewy24(), "przelewy24", {"billingEmail": "jan@example.com"}),
    ],
)
def test_redirect_method_requests(pm: Any, method: str, extra: dict[str, str]) -> None:
    data = auth(pm, customer=Customer(email="jan@example.com"))
    sent = body(checked(CONNECTOR.build_authorize(ctx(), data)))
    assert sent["method"] == method
    assert sent["redirectUrl"] == "https://shop.example/return"
    assert sent["amount"] == {"currency": "EUR", "value": "10.00"}
    assert "cardToken" not in sent and "captureMode" not in sent
    for key in ("issuer", "billingEmail", "applePayPaymentToken"):
        assert sent.get(key) == extra.get(key)


def test_apple_pay_token_is_passed_through_for_mollie_to_decrypt() -> None:
    request = checked(CONNECTOR.build_authorize(ctx(), auth(ApplePay(token=Secret(APPLE_TOKEN)))))
    sent = body(request)
    assert sent["method"] == "applepay" and sent["applePayPaymentToken"] == APPLE_TOKEN
    assert json.loads(sent["applePayPaymentToken"])["paymentData"]["version"] == "EC_v1"


def test_sepa_debit_makes_a_mandate_then_a_recurring_payment() -> None:
    customer = response(201, fixture("customer"))
    mandate = response(201, fixture("mandate_directdebit_valid"))
    payment = response(201, fixture("payment_directdebit_pending"))
    requests, result = drive(
        CONNECTOR, Flow.AUTHORIZE, ctx(), auth(sepa()), [customer, mandate, payment]
    )
    for request in requests:
        checked(request)
    assert [(r.method, r.url.removeprefix(BASE)) for r in requests] == [
        ("POST", "/customers"),
        ("POST", "/customers/cst_8wmqcHMN4U/mandates"),
        ("POST", "/payments"),
    ]
    assert body(requests[1]) == {
        "method": "directdebit", "consumerName": "Jan Jansen", "consumerAccount": IBAN,
        "signatureDate": "2026-12-01", "mandateReference": "order-1",
    }  # fmt: skip
    sent = body(requests[2])
    assert (sent["method"], sent["sequenceType"]) == ("directdebit", "recurring")
    assert (sent["customerId"], sent["mandateId"]) == ("cst_8wmqcHMN4U", "mdt_pWUnw6pkBN")
    assert "redirectUrl" not in sent
    # each create is idempotent on its own key
    keys = [r.headers["Idempotency-Key"] for r in requests]
    assert len(set(keys)) == 3
    # pending until collected, the mandate reported with the payment
    assert result.status is PaymentStatus.PROCESSING and result.next_action is None
    assert result.pending_reason == "pending_gateway"
    assert result.mandate is not None and result.mandate.status is MandateStatus.ACTIVE
    assert result.mandate.connector_mandate_id == "mdt_pWUnw6pkBN"
    assert result.mandate.connector_customer_id == "cst_8wmqcHMN4U"
    assert result.mandate.meta["last4"] == "0000"


def test_the_contract_refuses_what_mollie_would() -> None:
    good = body(CONNECTOR.build_authorize(ctx(), auth(Ideal(bank="INGBNL2A"))))
    for bad in (
        good | {"method": "bancontact"},  # issuer only with ideal
        {k: v for k, v in good.items() if k != "issuer"} | {"method": "przelewy24"},
        good | {"method": "applepay"},  # no token
        good | {"method": "directdebit"},  # one-off debit: not on a mandate
    ):
        headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
        request = HttpRequest("POST", f"{BASE}/payments", headers, json.dumps(bad).encode())
        with pytest.raises(SpecViolation):
            check_request(request, BASE + "/")


# --------------------------------------------------------------------------- answers


def test_open_bank_redirect_answers_the_checkout_redirect() -> None:
    data = auth(Ideal())
    result = CONNECTOR.parse_authorize(ctx(), data, response(201, fixture("payment_ideal_open")))
    assert result.status is PaymentStatus.REQUIRES_ACTION
    assert isinstance(result.next_action, RedirectAction)
    assert result.next_action.url == (
        "https://www.mollie.com/checkout/select-issuer/ideal/7UhSN1zuXS"
    )
    assert result.next_action.method == "GET" and result.card is None


def test_apple_pay_answer_is_paid_at_once() -> None:
    answer = response(201, fixture("payment_applepay_paid"))
    result = CONNECTOR.parse_authorize(ctx(), auth(ApplePay(token=Secret(APPLE_TOKEN))), answer)
    assert result.status is PaymentStatus.CAPTURED and result.amount_captured == 1000
    assert result.next_action is None


@pytest.mark.parametrize(
    ("name", "status", "event"),
    [
        ("payment_ideal_paid", PaymentStatus.CAPTURED, WebhookEventType.PAYMENT_CAPTURED),
        ("payment_ideal_canceled", PaymentStatus.VOIDED, WebhookEventType.PAYMENT_VOIDED),
        ("payment_ideal_open", PaymentStatus.REQUIRES_ACTION,
         WebhookEventType.PAYMENT_REQUIRES_ACTION),
        ("payment_directdebit_pending", PaymentStatus.PROCESSING,
         WebhookEventType.PAYMENT_PROCESSING),
        ("payment_directdebit_paid", PaymentStatus.CAPTURED, WebhookEventType.PAYMENT_CAPTURED),
        ("payment_directdebit_failed", PaymentStatus.FAILED, WebhookEventType.PAYMENT_FAILED),
    ],
)  # fmt: skip
def test_the_webhook_reads_the_settled_payment(
    name: str, status: PaymentStatus, event: WebhookEventType
) -> None:
    doc = fixture(name)
    events = CONNECTOR.webhook_parse_fetched({}, f"id={doc['id']}".encode(), response(200, doc))
    assert len(events) == 1
    assert events[0].type is event and events[0].payment is not None
    assert events[0].payment.status is status
    assert events[0].connector_payment_id == doc["id"]


def test_a_returned_sepa_debit_is_a_decline_with_the_sepa_reason() -> None:
    doc = fixture("payment_directdebit_failed")
    result = CONNECTOR.parse_sync(ctx(), _sync(doc["id"]), response(200, doc))
    assert result.status is PaymentStatus.FAILED and result.failure is not None
    assert result.failure.code == DeclineCode.INSUFFICIENT_FUNDS
    assert result.failure.gateway is not None and result.failure.gateway.code == "AM04"


def _sync(pid: str) -> Any:
    from connector_service.domain.flows import SyncData

    return SyncData(payment=PaymentRef("mollie-test", "mollie", pid, 1000, "EUR", "automatic"))


@pytest.mark.parametrize("pid", ["tr_7UhSN1zuXS", "tr_44aKxzEbr8"])
def test_refund_of_a_method_payment(pid: str) -> None:
    payment = PaymentRef("mollie-test", "mollie", pid, 1000, "EUR", "automatic")
    request = checked(
        CONNECTOR.build_refund(ctx(), RefundData(payment=payment, amount=400, reference="r-1"))
    )
    assert request.url == f"{BASE}/payments/{pid}/refunds"
    assert body(request)["amount"] == {"currency": "EUR", "value": "4.00"}
    result = CONNECTOR.parse_refund(
        ctx(), RefundData(payment=payment, amount=400, reference="r-1"),
        response(201, fixture("refund_pending")),
    )  # fmt: skip
    assert result.connector_refund_id and result.status.value == "pending"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("pm", "extra", "field"),
    [
        (Ideal(bank="not-a-bic"), {}, "payment_method.bank"),
        (Eps(bank="bankaustria"), {}, "payment_method.bank"),
        (Przelewy24(bank="mbank"), {"customer": Customer(email="a@b.pl")}, "payment_method.bank"),
        (Przelewy24(), {}, "customer.email"),
        (Bancontact(), {"amount": 1000, "currency": "XXQ"}, "currency"),
        (PayPal(), {"currency": "XXQ"}, "currency"),
    ],
)
def test_bad_input_names_the_field(pm: Any, extra: dict[str, Any], field: str) -> None:
    with pytest.raises(ServiceError) as exc:
        CONNECTOR.build_authorize(ctx(), auth(pm, **extra))
    assert exc.value.type is ErrorType.INVALID_REQUEST and exc.value.field == field


def test_bad_sepa_and_wallet_input_names_the_field() -> None:
    with pytest.raises(FieldError) as exc:
        SepaDebit(iban=Secret("NL55INGB0000000001"), account_holder_name="J",
                  mandate_acceptance=ACCEPTANCE)  # fmt: skip
    assert exc.value.field == "iban"
    with pytest.raises(FieldError) as exc:
        ApplePay(token=Secret(""))
    assert exc.value.field == "token"
    with pytest.raises(ServiceError) as service_exc:
        drive(CONNECTOR, Flow.AUTHORIZE, ctx(), auth(sepa(), capture_method=CaptureMethod.MANUAL),
              [])  # fmt: skip
    assert service_exc.value.field == "capture_method"


# --------------------------------------------------------------------------- scrub


def test_scrub_masks_wallet_tokens_and_ibans_exactly() -> None:
    before = (
        '{"method":"applepay","applePayPaymentToken":"{\\"paymentData\\":{\\"data\\":\\"c2Vj\\"}}",'
        '"amount":{"currency":"EUR","value":"10.00"}}\n'
        '{"method":"directdebit","consumerName":"Jan Jansen",'
        '"consumerAccount":"NL55INGB0000000000"}'
    )
    after = (
        '{"method":"applepay","applePayPaymentToken":"[REDACTED]",'
        '"amount":{"currency":"EUR","value":"10.00"}}\n'
        '{"method":"directdebit","consumerName":"Jan Jansen",'
        '"consumerAccount":"**************0000"}'
    )
    assert CONNECTOR.scrub(before) == after


def test_scrubbed_transcripts_hold_no_token_or_iban() -> None:
    from connector_service.executor.transcript import render_transcript

    request = CONNECTOR.build_authorize(ctx(), auth(ApplePay(token=Secret(APPLE_TOKEN))))
    text = CONNECTOR.scrub(render_transcript(request, response(201, fixture("payment_ideal_paid"))))
    assert "c2VjcmV0LWFwcGxlLXBheQ" not in text and "NL53INGB0654422370" not in text
    assert "2370" in text  # the last four stay, to tell accounts apart


# --------------------------------------------------------------------------- Klarna


def klarna_order(**changes: Any) -> Any:
    from connector_service.domain.splits import LineItem, Order

    lines = [
        LineItem(name="LEGO 4440", quantity=2, unit_amount=4000, tax_amount=1680, sku="570201"),
        LineItem(name="Gift wrap", quantity=1, unit_amount=300, tax_amount=63),
    ]
    return Order(**({"line_items": lines, "shipping_amount": 495} | changes))


def klarna_auth(**extra: Any) -> AuthorizeData:
    from connector_service.domain.common import Address

    billing = Address(first_name="Piet", last_name="Mondriaan", line1="Keizersgracht 126",
                      postal_code="1015 CW", city="Amsterdam", country="NL")  # fmt: skip
    fields: dict[str, Any] = {
        "amount": 8000 + 1680 + 300 + 63 + 495, "order": klarna_order(), "billing": billing,
        "customer": Customer(email="piet@example.nl"), "capture_method": CaptureMethod.MANUAL,
    }  # fmt: skip
    return auth(Klarna(), **(fields | extra))


def test_klarna_sends_lines_and_the_billing_address() -> None:
    sent = body(checked(CONNECTOR.build_authorize(ctx(), klarna_auth())))
    assert (sent["method"], sent["captureMode"]) == ("klarna", "manual")
    assert sent["billingAddress"] == {
        "givenName": "Piet", "familyName": "Mondriaan", "email": "piet@example.nl",
        "streetAndNumber": "Keizersgracht 126", "postalCode": "1015 CW",
        "city": "Amsterdam", "country": "NL",
    }  # fmt: skip
    first, wrap, shipping = sent["lines"]
    assert first == {
        "type": "physical", "description": "LEGO 4440", "quantity": 2,
        "unitPrice": {"currency": "EUR", "value": "48.40"},
        "totalAmount": {"currency": "EUR", "value": "96.80"}, "vatRate": "21.00",
        "vatAmount": {"currency": "EUR", "value": "16.80"}, "sku": "570201",
    }  # fmt: skip
    assert wrap["totalAmount"]["value"] == "3.63" and "sku" not in wrap
    assert shipping["type"] == "shipping_fee" and shipping["totalAmount"]["value"] == "4.95"


def test_klarna_answers_redirect_then_authorized() -> None:
    opened = CONNECTOR.parse_authorize(
        ctx(), klarna_auth(), response(201, fixture("payment_klarna_open"))
    )
    assert opened.status is PaymentStatus.REQUIRES_ACTION
    assert isinstance(opened.next_action, RedirectAction)
    assert opened.next_action.url.startswith("https://pay.klarna.com/")
    doc = fixture("payment_klarna_authorized")
    [event] = CONNECTOR.webhook_parse_fetched({}, f"id={doc['id']}".encode(), response(200, doc))
    assert event.type is WebhookEventType.PAYMENT_AUTHORIZED
    assert event.payment is not None and event.payment.status is PaymentStatus.AUTHORIZED


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"order": None}, "order"),
        ({"billing": None}, "billing.first_name"),
        ({"customer": None}, "customer.email"),
        ({"amount": 100}, "order"),
        ({"order": klarna_order(tax_amount=1)}, "order.tax_amount"),
    ],
)
def test_klarna_bad_input_names_the_field(extra: dict[str, Any], field: str) -> None:
    with pytest.raises(ServiceError) as exc:
        CONNECTOR.build_authorize(ctx(), klarna_auth(**extra))
    assert exc.value.field == field


def test_klarna_line_tax_must_split_over_the_quantity() -> None:
    from connector_service.domain.splits import LineItem

    odd = klarna_order(line_items=[LineItem(name="x", quantity=3, unit_amount=1000,
                                            tax_amount=100)], shipping_amount=None)  # fmt: skip
    with pytest.raises(ServiceError) as exc:
        CONNECTOR.build_authorize(ctx(), klarna_auth(order=odd, amount=3100))
    assert exc.value.field == "order.line_items[0].tax_amount"
