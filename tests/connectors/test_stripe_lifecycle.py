"""Stripe: incremental authorization (POST /v1/payment_intents/{id}/increment_authorization,
the new total) and a Customer's stored cards (GET /v1/customers/{id}/payment_methods).

The connector pins Stripe API 2023-08-16 and its spec (stripe/spec3.yaml): that version
cannot ASK for an incrementable or multi-capture card authorization at create (no
``request_incremental_authorization`` / ``request_multicapture`` / ``final_capture``), so
those create flags answer not_supported before any request, and Stripe declares no
multiple captures. Requests are validated against the spec; answers come from fixtures
and, over loopback HTTP, from the spec-checking fake."""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector_service.domain.common import Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, IncrementData, ListMandatesData, MandateSetupData
from connector_service.domain.status import MandateStatus, PaymentStatus
from connector_service.executor import Executor
from tests.connectors.harness import drive, response
from tests.connectors.test_stripe import authorize_data, connector, ctx, fixture, payment
from tests.connectors.test_stripe_roundtrip import authorize, card, ref
from tests.connectors.test_stripe_roundtrip import ctx as fake_ctx
from tests.contract import stripe_form
from tests.fakes.stripe import StripeFake, stripe_fake

__all__ = ["stripe_fake"]  # the fixture, imported for pytest


def test_declares_increment_and_the_list_but_not_multiple_captures() -> None:
    assert {Flow.INCREMENT, Flow.LIST_MANDATES} <= connector.meta.flows
    assert not connector.meta.multiple_captures


@pytest.mark.parametrize("flag", ["incremental_authorization", "multiple_captures"])
def test_the_pinned_api_cannot_ask_for_them_at_create(flag: str) -> None:
    with pytest.raises(ServiceError) as exc:
        connector.build_authorize(ctx(), authorize_data(**{flag: True}))
    assert exc.value.type is ErrorType.NOT_SUPPORTED and exc.value.field == flag


def test_increment_sends_the_new_total_and_parses_the_raised_intent() -> None:
    data = IncrementData(payment=payment(), amount=2500, increment=500, reference="inc-1",
                         reason="room service")  # fmt: skip
    requests, result = drive(connector, Flow.INCREMENT, ctx(idempotency_key="k-1"), data,
                             [response(200, fixture("pi_incremented"))])  # fmt: skip
    [request] = requests
    stripe_form.validate(request)
    assert request.url.endswith("/increment_authorization")
    assert b"amount=2500" in (request.body or b"")
    assert request.headers["Idempotency-Key"] == "k-1-increment"
    assert result.status is PaymentStatus.AUTHORIZED and result.amount == 2500
    assert result.failure is None


def test_a_declined_increment_is_a_result_on_the_unchanged_intent() -> None:
    data = IncrementData(payment=payment(), amount=2500, increment=500, reference="inc-1")
    _, result = drive(connector, Flow.INCREMENT, ctx(), data,
                      [response(402, fixture("error_402_increment_declined"))])  # fmt: skip
    assert result.status is PaymentStatus.AUTHORIZED and result.amount == 2000
    assert result.failure is not None and result.failure.code == "insufficient_funds"


def test_the_customer_list_gives_summaries_only() -> None:
    page = fixture("lists/customer_payment_methods")
    for item in page["data"]:  # a list page has no schema of its own: its items do
        stripe_form.validate_object("payment_method", item)
    data = ListMandatesData(customer_id="cus_OzpT9yQkS5m2Rb")
    requests, listed = drive(connector, Flow.LIST_MANDATES, ctx(), data, [response(200, page)])
    [request] = requests
    stripe_form.validate(request)
    assert request.method == "GET" and "type=card" in request.url
    assert [m.connector_mandate_id for m in listed.methods] == [
        "pm_1OBpTqLkdIwHu7ixQ2y8M3kZ", "pm_1OBpUaLkdIwHu7ixk9PqR2tV"
    ]  # fmt: skip
    first = listed.methods[0]
    assert first.status is MandateStatus.ACTIVE
    assert first.connector_customer_id == "cus_OzpT9yQkS5m2Rb"
    assert first.card is not None
    assert (first.card.brand, first.card.last4, first.card.exp_month, first.card.exp_year) == (
        "visa", "4242", 12, 2030,
    )  # fmt: skip
    text = repr(listed)
    assert "Xt5EWLLDS7FJjR1c" not in text and "Jenny" not in text and "12345" not in text


@pytest.fixture
async def executor() -> Any:
    ex = Executor()
    try:
        yield ex
    finally:
        await ex.close()


async def test_over_http_increment_then_decline(stripe_fake: StripeFake, executor: Any) -> None:
    auth = await executor.run(connector, Flow.AUTHORIZE, fake_ctx(stripe_fake), authorize(card()))
    raised = await executor.run(
        connector, Flow.INCREMENT, fake_ctx(stripe_fake, "k-inc"),
        IncrementData(payment=ref(auth), amount=3000, increment=1000, reference="i-1"),
    )  # fmt: skip
    assert raised.status is PaymentStatus.AUTHORIZED and raised.amount == 3000
    refused_auth = await executor.run(
        connector, Flow.AUTHORIZE, fake_ctx(stripe_fake), authorize(card("4000000000006975"))
    )
    refused = await executor.run(
        connector, Flow.INCREMENT, fake_ctx(stripe_fake, "k-inc-2"),
        IncrementData(payment=ref(refused_auth), amount=3000, increment=1000, reference="i-2"),
    )  # fmt: skip
    assert refused.failure is not None and refused.amount == 2000
    assert stripe_fake.violations == []


async def test_over_http_the_list_shows_the_customers_cards(
    stripe_fake: StripeFake, executor: Any
) -> None:
    setup = MandateSetupData(
        payment_method=card(),
        currency="EUR",
        amount=0,
        customer=Customer(email="jenny@example.com"),
        reference="m-1",
    )
    mandate = await executor.run(connector, Flow.SETUP_MANDATE, fake_ctx(stripe_fake), setup)
    customer = mandate.connector_customer_id
    assert customer
    listed = await executor.run(
        connector, Flow.LIST_MANDATES, fake_ctx(stripe_fake), ListMandatesData(customer_id=customer)
    )
    assert [m.connector_mandate_id for m in listed.methods] == [mandate.connector_mandate_id]
    assert json.dumps(stripe_fake.violations) == "[]"
