"""Adyen: incremental authorization (/amountUpdates on a PreAuth), several partial
captures, the stored payment methods list (GET /storedPaymentMethods). Requests are
validated against CheckoutService-v71.json; answers are parsed from fixtures and, over
loopback HTTP, from the fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from connector_service.connectors.adyen import AdyenConnector
from connector_service.domain.common import Customer
from connector_service.domain.flows import (
    CaptureData,
    Flow,
    IncrementData,
    ListMandatesData,
    MandateSetupData,
    WebhookEventType,
)
from connector_service.domain.ids import PaymentRef
from connector_service.domain.status import MandateStatus, PaymentStatus
from connector_service.executor import Executor
from tests.connectors.harness import drive, make_ctx, response
from tests.connectors.test_adyen_flows import authorize, card
from tests.contract.spec import validate_request
from tests.fakes.adyen import (
    API_KEY,
    HMAC_KEY,
    MERCHANT,
    AdyenFake,
    adyen_fake_fixture,  # noqa: F401  (provides the adyen_fake fixture)
)

SPEC = "adyen/CheckoutService-v71.json"
TEST_BASE = "https://checkout-test.adyen.com/v71"
FIXTURES = Path(__file__).parent / "fixtures" / "adyen"
connector = AdyenConnector()


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(base_url: str = TEST_BASE, key: str | None = "idem-1") -> Any:
    return make_ctx(
        connector, {"api_key": API_KEY, "webhook_secret": HMAC_KEY},
        {"merchant_account": MERCHANT}, base_url=base_url, idempotency_key=key,
    )  # fmt: skip


def pref(psp: str = "LZ7KQ4B2V9T3JH82", amount: int = 10000) -> PaymentRef:
    return PaymentRef(account="adyen-test", connector="adyen", connector_payment_id=psp,
                      amount=amount, currency="EUR", capture_method="manual")  # fmt: skip


def test_declares_the_lifecycle_capabilities() -> None:
    assert {Flow.INCREMENT, Flow.LIST_MANDATES} <= connector.meta.flows
    assert connector.meta.multiple_captures


def test_a_pre_authorisation_is_asked_for_at_create_and_validates() -> None:
    request = connector.build_authorize(ctx(), authorize(incremental_authorization=True))
    validate_request(SPEC, request, TEST_BASE)
    body = json.loads(request.body or b"{}")
    assert body["additionalData"] == {"manualCapture": "true", "authorisationType": "PreAuth"}
    plain = json.loads(connector.build_authorize(ctx(), authorize()).body or b"{}")
    assert "authorisationType" not in plain["additionalData"]


def test_increment_sends_the_new_total_and_waits_for_the_webhook() -> None:
    data = IncrementData(payment=pref(), amount=12500, increment=2500, reference="increment-1")
    requests, result = drive(
        connector, Flow.INCREMENT, ctx(), data, [response(201, fixture("amount_update_received"))]
    )
    [request] = requests
    validate_request(SPEC, request, TEST_BASE)
    assert request.url == f"{TEST_BASE}/payments/LZ7KQ4B2V9T3JH82/amountUpdates"
    assert json.loads(request.body or b"{}")["amount"] == {"currency": "EUR", "value": 12500}
    assert request.headers["Idempotency-Key"]
    assert result.status is PaymentStatus.PROCESSING and result.amount == 12500
    assert result.pending_reason == "awaiting_webhook"
    assert result.meta == {"increment_psp": "QW4H8X2M7N3K5J91"}


def test_the_stored_methods_list_gives_summaries_only() -> None:
    data = ListMandatesData(customer_id="shopper-42")
    requests, listed = drive(
        connector, Flow.LIST_MANDATES, ctx(), data,
        [response(200, fixture("stored_payment_methods"))],
    )  # fmt: skip
    [request] = requests
    validate_request(SPEC, request, TEST_BASE)
    assert request.method == "GET" and "shopperReference=shopper-42" in request.url
    assert [m.connector_mandate_id for m in listed.methods] == [
        "M5N7TQ4TG5PFWR50", "K8R2VX6JH4LQ9P31"
    ]  # fmt: skip
    first, second = listed.methods
    assert first.status is MandateStatus.ACTIVE and first.connector_customer_id == "shopper-42"
    assert (first.card.brand, first.card.last4, first.card.exp_month, first.card.exp_year) == (
        "visa", "1142", 3, 2030,
    )  # fmt: skip
    assert second.card is not None and second.card.brand == "mastercard"
    text = repr(listed)
    assert "411111" not in text and "Jane" not in text and "777718270854480" not in text


@pytest.fixture
async def executor() -> AsyncIterator[Executor]:
    ex = Executor()
    try:
        yield ex
    finally:
        await ex.close()


async def test_over_http_increment_then_two_captures(
    adyen_fake: AdyenFake, executor: Executor
) -> None:
    c = ctx(adyen_fake.base_url, "k-auth")
    auth = await executor.run(
        connector, Flow.AUTHORIZE, c, authorize(amount=10000, incremental_authorization=True)
    )
    psp = auth.connector_payment_id
    assert auth.status is PaymentStatus.AUTHORIZED and adyen_fake.payments[psp].preauth
    raised = await executor.run(
        connector, Flow.INCREMENT, ctx(adyen_fake.base_url, "k-inc"),
        IncrementData(payment=pref(psp), amount=12500, increment=2500, reference="inc-1"),
    )  # fmt: skip
    assert raised.status is PaymentStatus.PROCESSING
    assert adyen_fake.payments[psp].amount == 12500
    assert adyen_fake.notifications[-1]["eventCode"] == "AUTHORISATION_ADJUSTMENT"
    [adjusted] = connector.webhook_parse({}, adyen_fake.webhook())
    assert adjusted.type is WebhookEventType.PAYMENT_AUTHORIZED
    assert adjusted.connector_payment_id == psp and adjusted.amount == 12500
    assert adjusted.payment is not None and adjusted.payment.amount == 12500
    for i, amount in enumerate((5000, 7500)):
        done = await executor.run(
            connector, Flow.CAPTURE, ctx(adyen_fake.base_url, f"k-cap-{i}"),
            CaptureData(payment=pref(psp, 12500), amount=amount, reference=f"cap-{i}",
                        final_capture=i == 1),
        )  # fmt: skip
        assert done.status is PaymentStatus.PROCESSING
        assert adyen_fake.notifications[-1]["success"] == "true"
    assert adyen_fake.payments[psp].captured == 12500


async def test_over_http_the_list_shows_what_set_up_stored(
    adyen_fake: AdyenFake, executor: Executor
) -> None:
    setup = MandateSetupData(payment_method=card(), currency="EUR", amount=0,
                             customer=Customer(id="shopper-77"), reference="m-1")  # fmt: skip
    mandate = await executor.run(
        connector, Flow.SETUP_MANDATE, ctx(adyen_fake.base_url, "k-set"), setup
    )
    listed = await executor.run(
        connector, Flow.LIST_MANDATES, ctx(adyen_fake.base_url, None),
        ListMandatesData(customer_id="shopper-77"),
    )  # fmt: skip
    assert [m.connector_mandate_id for m in listed.methods] == [mandate.connector_mandate_id]
    assert listed.methods[0].card is not None and listed.methods[0].card.last4 == "1142"
    other = await executor.run(
        connector, Flow.LIST_MANDATES, ctx(adyen_fake.base_url, None),
        ListMandatesData(customer_id="someone-else"),
    )  # fmt: skip
    assert other.methods == []
