"""Every connector's per-method declaration (``ConnectorMeta.methods``): stated, not
derived, consistent with what the class implements, and what the core checks before a
connector is called."""

from __future__ import annotations

import dataclasses

import pytest

from connector_service.connectors.base import Connector
from connector_service.connectors.capabilities import (
    AUTHORIZE,
    CAPTURE,
    RECURRING,
    REFUND,
    MethodFlow,
    check_flow,
    check_method,
    takes,
    undeclarable,
)
from connector_service.connectors.paystack import PaystackConnector
from connector_service.connectors.razorpay import RazorpayConnector
from connector_service.connectors.registry import load_connectors
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.payment_methods import PaymentMethodType as PM

CONNECTORS = load_connectors()

# What each connector takes today, by flow letters (a authorize, c capture, r refund,
# m recurring). Written out so that a changed declaration is a reviewed change here.
# fmt: off
EXPECTED: dict[str, dict[str, str]] = {
    "adyen": {  # connectors/adyen_methods.py
        "card": "acrm", "token": "acrm", "mandate": "acrm", "network_token": "acr",
        "apple_pay": "acr", "google_pay": "acr", "paypal": "acr", "ideal": "ar",
        "bancontact": "ar", "eps": "ar", "blik": "ar", "sepa_debit": "ar", "ach_debit": "ar",
        "bacs_debit": "ar", "pix": "ar", "upi": "ar", "paynow": "ar", "promptpay": "ar",
        "boleto": "a", "oxxo": "a", "konbini": "a", "klarna": "acr",
        "afterpay_clearpay": "acr", "affirm": "acr", "alipay": "ar", "wechat_pay": "ar",
    },
    "authorizenet": {
        "card": "acrm",
        "token": "acrm",
        "apple_pay": "acr",
        "google_pay": "acr",
        "mandate": "acrm",
        "ach_debit": "arm",
    },
    "braintree": {"card": "acrm", "token": "acrm", "mandate": "acrm"},
    "checkout": {  # connectors/checkout_methods.py
        "card": "acrm", "token": "acrm", "mandate": "acrm", "network_token": "acr",
        "apple_pay": "acr", "google_pay": "acr", "paypal": "ar", "ideal": "ar",
        "bancontact": "ar", "eps": "ar", "przelewy24": "ar", "boleto": "a", "alipay": "ar",
    },
    "cybersource": {"card": "acrm", "mandate": "acrm", "network_token": "acr",
                    "apple_pay": "acr", "google_pay": "acr"},
    "mercadopago": {  # connectors/mercadopago.py
        "card": "acrm", "token": "acrm", "mandate": "acrm", "pix": "ar", "boleto": "ar",
        "oxxo": "ar",
    },
    "mollie": {
        "token": "acrm",
        "mandate": "acrm",
        "apple_pay": "ar",
        "paypal": "ar",
        "ideal": "ar",
        "bancontact": "ar",
        "eps": "ar",
        "przelewy24": "ar",
        "sepa_debit": "arm",
        "klarna": "acr",
    },
    "paypal": {
        "card": "acrm",
        "token": "acrm",
        "mandate": "acrm",
        "network_token": "acr",
        "paypal": "acr",
        "ideal": "ar",
        "bancontact": "ar",
        "eps": "ar",
        "blik": "ar",
        "przelewy24": "ar",
    },
    "paystack": {"card": "arm", "token": "arm", "mandate": "arm"},
    "rapyd": {"card": "acrm", "token": "acrm", "mandate": "acrm"},
    "razorpay": {"card": "acrm", "token": "arm", "mandate": "arm", "upi": "acrm",
                 "netbanking": "acr"},
    "square": {"token": "acrm", "mandate": "acrm"},
    "stripe": {
        "card": "acrm",
        "token": "acrm",
        "mandate": "acrm",
        "ideal": "ar",
        "bancontact": "ar",
        "eps": "ar",
        "blik": "ar",
        "przelewy24": "ar",
        "sepa_debit": "ar",
        "ach_debit": "ar",
        "bacs_debit": "ar",
        "pix": "ar",
        "paynow": "ar",
        "promptpay": "ar",
        "boleto": "a",
        "oxxo": "a",
        "konbini": "a",
        "klarna": "acr",
        "afterpay_clearpay": "acr",
        "affirm": "acr",
        "alipay": "ar",
        "wechat_pay": "ar",
        "paypal": "acr",
    },
    "xendit": {  # connectors/xendit.py XENDIT_METHODS
        "card": "acrm", "token": "acrm", "mandate": "acrm", "qris": "ar", "ewallet": "ar",
        "virtual_account": "a", "promptpay": "a",
    },
}
# fmt: on
EXTERNAL_3DS = {"adyen", "checkout", "cybersource"}
LETTER = {AUTHORIZE: "a", CAPTURE: "c", REFUND: "r", RECURRING: "m"}


def letters(flows: frozenset[MethodFlow]) -> str:
    return "".join(LETTER[f] for f in (AUTHORIZE, CAPTURE, REFUND, RECURRING) if f in flows)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_connector_declares_what_it_takes(name: str) -> None:
    meta = CONNECTORS[name].meta
    declared = {pm.value: letters(support.flows) for pm, support in meta.methods.items()}
    assert declared == EXPECTED[name]
    assert meta.payment_methods == frozenset(meta.methods)
    # 3-D Secure results obtained elsewhere: cards only, where the connector passes them
    # (the sandbox, Adyen's mpiData, Checkout.com's 3ds object, Cybersource's
    # consumerAuthenticationInformation).
    passes = {pm for pm, s in meta.methods.items() if s.external_3ds}
    assert passes == ({PM.CARD} if name in EXTERNAL_3DS else set())


def test_every_connector_is_in_the_table() -> None:
    assert set(CONNECTORS) - {"sandbox"} == set(EXPECTED)


def test_a_declaration_cannot_claim_a_flow_the_class_lacks() -> None:
    # Paystack implements no separate capture: a table saying it does is refused when
    # the class is made, as a wrong meta.flows is.
    meta = dataclasses.replace(
        PaystackConnector.meta,
        payment_methods=frozenset(),
        methods={PM.CARD: takes(AUTHORIZE, CAPTURE)},
    )
    with pytest.raises(TypeError, match=r"card: capture"):
        type("Overclaiming", (PaystackConnector,), {"meta": meta})
    assert undeclarable({PM.CARD: takes(AUTHORIZE, REFUND)}, PaystackConnector.meta.flows) == []


def test_takes_needs_authorize() -> None:
    with pytest.raises(ValueError, match="authorize"):
        takes(REFUND)


def test_a_stored_card_at_razorpay_is_captured_at_once_before_any_call() -> None:
    meta = RazorpayConnector.meta
    with pytest.raises(ServiceError) as held:
        check_method(meta.display_name, meta.methods, PM.MANDATE, manual_capture=True)
    assert held.value.type is ErrorType.NOT_SUPPORTED and held.value.field == "capture_method"
    # A card may be held, and a mandate charged automatically.
    check_method(meta.display_name, meta.methods, PM.CARD, manual_capture=True)
    check_method(meta.display_name, meta.methods, PM.MANDATE, manual_capture=False)


def test_paystack_refunds_but_never_captures_separately() -> None:
    meta = PaystackConnector.meta
    check_flow(meta.display_name, meta.methods, PM.CARD, REFUND, "id")
    with pytest.raises(ServiceError) as capture:
        check_flow(meta.display_name, meta.methods, PM.CARD, CAPTURE, "id")
    assert capture.value.type is ErrorType.NOT_SUPPORTED
    assert "Paystack does not capture card payments" in capture.value.message


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_undeclared_methods_are_refused_by_name(name: str) -> None:
    connector: Connector = CONNECTORS[name]
    meta = connector.meta
    missing = [pm for pm in PM if pm not in meta.methods]
    for pm in missing:
        with pytest.raises(ServiceError) as refused:
            check_method(meta.display_name, meta.methods, pm)
        assert refused.value.type is ErrorType.NOT_SUPPORTED
        assert refused.value.field == "payment_method.type" and pm.value in refused.value.message
