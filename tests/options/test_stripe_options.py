"""Stripe's connector options and Connect splits: each maps to the PaymentIntent /
capture / Refund / SetupIntent parameter of its name, and every request is validated
against Stripe's published spec (spec3.yaml)."""

from __future__ import annotations

import msgspec
import pytest

from connector_service.connectors.sandbox import SandboxNoteOptions
from connector_service.connectors.stripe import (
    CONNECT_KEY,
    StripeCaptureOptions,
    StripeConnector,
    StripeMandateOptions,
    StripePaymentOptions,
    StripeRefundOptions,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import CaptureData, RefundData
from connector_service.domain.splits import Split
from tests.connectors.harness import response
from tests.connectors.test_stripe import (
    BASE,
    PI,
    authorize_data,
    ctx,
    fixture,
    form,
    payment,
    setup_data,
)
from tests.contract import stripe_form
from tests.contract.spec import validate_request

connector = StripeConnector()
PAYMENT_OPTIONS = msgspec.convert(
    {
        "statement_descriptor_suffix": "SPRING SALE",
        "transfer_group": "order_1001",
        "on_behalf_of": "acct_1OBpTqLkdIwHu7ix",
        "receipt_email": "jenny@example.com",
        "payment_method_options": {"card": {"request_three_d_secure": "challenge"}},
    },
    StripePaymentOptions,
)


def _valid(request):  # type: ignore[no-untyped-def]
    stripe_form.validate(request)
    validate_request("stripe/spec3.yaml", request, BASE)
    return form(request)


def test_payment_options_map_to_payment_intent_parameters() -> None:
    body = _valid(connector.build_authorize(ctx(), authorize_data(options=PAYMENT_OPTIONS)))
    assert body["statement_descriptor_suffix"] == "SPRING SALE"  # over the unified one
    assert body["transfer_group"] == "order_1001"
    assert body["on_behalf_of"] == "acct_1OBpTqLkdIwHu7ix"
    assert body["receipt_email"] == "jenny@example.com"
    assert body["payment_method_options[card][request_three_d_secure]"] == "challenge"


def test_without_options_nothing_of_them_is_sent() -> None:
    body = _valid(connector.build_authorize(ctx(), authorize_data()))
    assert not {
        "transfer_group",
        "on_behalf_of",
        "receipt_email",
        "transfer_data[destination]",
    } & set(body)


def test_another_connectors_options_are_ignored() -> None:
    other = SandboxNoteOptions(note="x")
    body = _valid(connector.build_authorize(ctx(), authorize_data(options=other)))
    assert "note" not in body


def test_capture_refund_and_mandate_options() -> None:
    capture = CaptureData(
        payment=payment(), amount=1500, reference="cap-1",
        options=StripeCaptureOptions(statement_descriptor_suffix="PART 1"),
    )  # fmt: skip
    assert (
        _valid(connector.build_capture(ctx(), capture))["statement_descriptor_suffix"] == "PART 1"
    )
    refund = RefundData(
        payment=payment(), amount=500, reference="ref-1",
        options=StripeRefundOptions(reverse_transfer=True, refund_application_fee=False),
    )  # fmt: skip
    body = _valid(connector.build_refund(ctx(), refund))
    assert body["reverse_transfer"] == "true" and body["refund_application_fee"] == "false"
    requests = []
    data = setup_data(options=StripeMandateOptions(on_behalf_of="acct_1OBpTqLkdIwHu7ix"))
    steps = connector.steps_setup_mandate(ctx(), data)
    request = next(steps)
    while True:
        requests.append(request)
        if "/v1/setup_intents" in request.url:
            break
        request = steps.send(response(200, fixture("customer")))
    assert _valid(requests[-1])["on_behalf_of"] == "acct_1OBpTqLkdIwHu7ix"


def test_one_split_is_a_destination_charge() -> None:
    data = authorize_data(
        splits=[Split(destination="acct_1Dest", amount=1700)], application_fee=200
    )
    body = _valid(connector.build_authorize(ctx(), data))
    assert body["transfer_data[destination]"] == "acct_1Dest"
    assert body["application_fee_amount"] == "300"  # the fee and the unsplit rest
    result = connector.parse_authorize(ctx(), data, response(200, fixture("pi_requires_capture")))
    assert result.meta[CONNECT_KEY] == "1"


def test_a_refund_of_a_split_payment_reverses_the_transfer_and_fee() -> None:
    refund = RefundData(payment=payment(meta={CONNECT_KEY: "1"}), amount=500, reference="r")
    body = _valid(connector.build_refund(ctx(), refund))
    assert body["reverse_transfer"] == "true" and body["refund_application_fee"] == "true"
    plain = _valid(
        connector.build_refund(ctx(), RefundData(payment=payment(), amount=5, reference="r"))
    )
    assert "reverse_transfer" not in plain


def test_a_fee_alone_is_an_application_fee() -> None:
    body = _valid(connector.build_authorize(ctx(), authorize_data(application_fee=150)))
    assert body["application_fee_amount"] == "150" and "transfer_data[destination]" not in body


def test_several_destinations_are_not_supported() -> None:
    splits = [Split(destination="acct_1", amount=500), Split(destination="acct_2", amount=500)]
    with pytest.raises(ServiceError) as err:
        connector.build_authorize(ctx(), authorize_data(splits=splits))
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "splits"
    assert PI  # the fixtures' PaymentIntent is the one the other tests parse
