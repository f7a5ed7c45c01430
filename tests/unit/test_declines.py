"""One decline table: the category is a property of the unified decline code, the same on
every gateway, overridden only by a network advice code (docs/declines.md)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from connector_service.connectors import (
    adyen,
    authorizenet,
    braintree,
    checkout,
    cybersource,
    mercadopago,
    mollie,
    paypal,
    paystack,
    rapyd,
    razorpay,
    sandbox,
    square,
    stripe,
    xendit,
)
from connector_service.connectors.base import HttpResponse
from connector_service.domain.declines import (
    CHECKOUT_RECOMMENDATION,
    DECLINES,
    MASTERCARD_ADVICE,
    STRIPE_ADVICE,
    DeclineCode,
)
from connector_service.domain.errors import Failure
from connector_service.domain.status import DeclineCategory, PaymentStatus

DOCS = Path(__file__).resolve().parents[2] / "docs" / "declines.md"

# Every connector's gateway code -> unified code table.
MAPS: dict[str, dict[str, DeclineCode]] = {
    "stripe": stripe.DECLINE_MAP,
    "adyen": adyen.DECLINE_BY_CODE,
    "adyen-reasons": adyen.DECLINE_BY_REASON,
    "checkout": checkout.DECLINE_MAP,
    "paypal": paypal.DECLINE_MAP,
    "paypal-issues": paypal.ISSUE_DECLINES,
    "paystack": paystack.DECLINE_MAP,
    "rapyd": rapyd.DECLINE_MAP,
    "square": square.DECLINE_MAP,
    "braintree": braintree.DECLINE_MAP,
    "braintree-rejections": braintree.REJECTION_MAP,
    "mollie": mollie.DECLINE_MAP,
    "razorpay": razorpay.DECLINE_MAP,
    "authorizenet": authorizenet.DECLINE_MAP,
    "cybersource": cybersource.DECLINE_MAP,
    "xendit": xendit.DECLINE_MAP,
    "mercadopago": mercadopago.DECLINE_MAP,
    "sandbox": sandbox.DECLINE_MAP,
}


def test_every_unified_code_has_one_row() -> None:
    assert set(DECLINES) == set(DeclineCode)


@pytest.mark.parametrize("name", sorted(MAPS))
def test_every_decline_map_uses_only_unified_codes(name: str) -> None:
    for raw, unified in MAPS[name].items():
        assert isinstance(unified, DeclineCode), (name, raw, unified)
        assert unified in DECLINES


def _parsed(name: str, raw: str, advice: str | None = None) -> Failure:
    """The failure each connector's own parser builds for one gateway decline."""
    if name == "stripe":
        error: dict[str, Any] = {"decline_code": raw, "message": "declined"}
        if advice:
            error["advice_code"] = advice
        return stripe._failure(error)
    if name == "adyen":
        extra = {"merchantAdviceCode": f"{advice}: advice"} if advice else {}
        return adyen._decline("Refused", raw, None, extra)
    if name == "checkout":
        processing = {"recommendation_code": advice} if advice else {}
        return checkout._failure({"response_code": raw, "processing": processing})
    if name == "paypal":
        processor: dict[str, Any] = {"response_code": raw}
        if advice:
            processor["payment_advice_code"] = advice
        return paypal._processor_failure({"processor_response": processor}, "DECLINED")
    if name == "paystack":  # no advice codes: the issuer's text is all Paystack passes on
        return paystack._failure({"status": "failed", "gateway_response": raw.title()})
    if name == "rapyd":  # the error code of a failed Create Payment, on its payment
        payment = rapyd._payment({"id": "payment_1", "status": "ERR", "error_code": raw}, "EUR")
        assert payment.failure is not None
        return payment.failure
    if name == "square":  # the error code of the declined payment; no advice codes
        declined = square._decline_failure([{"category": "PAYMENT_METHOD_ERROR", "code": raw}])
        assert declined is not None
        return declined
    if name == "braintree":  # processorResponse.legacyCode, Mastercard advice alongside
        return braintree._decline_of(raw, "declined", None, advice, "PROCESSOR_DECLINED")
    if name == "mollie":  # details.failureReason of a failed card payment
        doc = {"id": "tr_1", "status": "failed", "amount": {"currency": "EUR", "value": "1.00"},
               "details": {"failureReason": raw}}  # fmt: skip
        payment = msgspec.convert(doc, mollie.MolliePayment)
        result = mollie._payment(payment, "EUR")
        assert result.failure is not None
        return result.failure
    if name == "razorpay":  # error_reason of a failed payment (no advice codes)
        payment = razorpay._payment(
            {"id": "pay_1", "status": "failed", "error_reason": raw, "amount": 100}, "INR"
        )
        assert payment.failure is not None
        return payment.failure
    if name == "cybersource":  # errorInformation.reason of a DECLINED payment, Mastercard
        # advice in processorInformation.merchantAdvice.code
        answer = cybersource.PaymentAnswer(
            id="1",
            status="DECLINED",
            errorInformation=cybersource.ErrorInfo(reason=raw),
            processorInformation=cybersource.ProcessorInfo(
                merchantAdvice=cybersource.MerchantAdvice(code=advice) if advice else None
            ),
        )
        return cybersource._failure(answer)
    if name == "authorizenet":  # the response reason code of a declined transaction
        tr = authorizenet.TransactionResponse(
            responseCode="2", transId="1", errors=[authorizenet.TxError(errorCode=raw)]
        )
        answer = HttpResponse(200, {}, b"")
        payment = authorizenet._transaction_result(answer, tr, PaymentStatus.AUTHORIZED, 100)
        assert payment.failure is not None
        return payment.failure
    if name == "xendit":  # failure_code of a FAILED payment request (no advice codes)
        doc = {"id": "pr-1", "status": "FAILED", "currency": "PHP", "amount": 1.0,
               "failure_code": raw}  # fmt: skip
        result = xendit._payment(msgspec.convert(doc, xendit.XenditPaymentRequest))
        assert result.failure is not None
        return result.failure
    if name == "mercadopago":  # status_detail of a rejected payment (no advice codes)
        doc = {"id": 1, "status": "rejected", "status_detail": raw, "currency_id": "BRL"}
        result = mercadopago._payment(msgspec.convert(doc, mercadopago.MercadoPagoPayment), 100)
        assert result.failure is not None
        return result.failure
    failure = sandbox._failure({"code": raw, "message": "declined", "advice_code": advice})
    assert failure is not None
    return failure


PARSED = [
    "stripe", "adyen", "checkout", "paypal", "paystack", "rapyd", "square", "braintree",
    "mollie", "razorpay", "authorizenet", "cybersource", "xendit", "mercadopago",
    "sandbox",
]  # fmt: skip


@pytest.mark.parametrize("name", PARSED)
def test_parsed_declines_carry_the_tables_category(name: str) -> None:
    for raw, unified in MAPS[name].items():
        failure = _parsed(name, raw)
        assert failure.code == unified.value, (name, raw)
        assert failure.category is DECLINES[unified].category, (name, raw, failure)


ADVICE: dict[str, dict[str, DeclineCategory]] = {
    "stripe": dict(STRIPE_ADVICE),
    "adyen": dict(MASTERCARD_ADVICE),
    "checkout": dict(CHECKOUT_RECOMMENDATION),
    "paypal": dict(MASTERCARD_ADVICE),
    "braintree": dict(MASTERCARD_ADVICE),
    "cybersource": dict(MASTERCARD_ADVICE),
}


@pytest.mark.parametrize("name", sorted(ADVICE))
def test_a_network_advice_code_is_the_only_override(name: str) -> None:
    for raw in MAPS[name]:
        for advice, category in ADVICE[name].items():
            assert _parsed(name, raw, advice).category is category, (name, raw, advice)
        # an advice code outside the vocabulary changes nothing
        unified = MAPS[name][raw]
        assert _parsed(name, raw, "99").category is DECLINES[unified].category


def test_the_same_cause_has_the_same_category_everywhere() -> None:
    """The issue's example: an expired card was soft on Checkout.com only."""
    expired = [
        _parsed("stripe", "expired_card"),
        _parsed("adyen", "6"),
        _parsed("checkout", "20054"),
        _parsed("checkout", "30033"),
        _parsed("paypal", "5400"),
        _parsed("paystack", "expired card"),
        _parsed("rapyd", "ERROR_PAYMENT_METHOD_EXPIRED"),
        _parsed("square", "CARD_EXPIRED"),
        _parsed("braintree", "2004"),
        _parsed("mollie", "card_expired"),
        _parsed("razorpay", "card_expired"),
        _parsed("cybersource", "EXPIRED_CARD"),
        _parsed("sandbox", "expired_card"),
    ]
    assert {(f.code, f.category) for f in expired} == {("expired_card", DeclineCategory.HARD)}


def test_the_docs_table_is_the_code_table() -> None:
    rows = re.findall(r"^\| `([a-z_]+)` \| (soft|hard|retry_later) \|", DOCS.read_text(), re.M)
    assert dict(rows) == {code.value: info.category.value for code, info in DECLINES.items()}
