"""Adyen's real test environment (checkout-test.adyen.com). Skipped unless
CS_LIVE_ADYEN_API_KEY and CS_LIVE_ADYEN_MERCHANT_ACCOUNT are set (a test-company API key
with the Checkout webservice role and its merchant account; the account must allow
partial captures, multiple partial refunds and tokenization)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest

from connector_service.connectors.adyen import AdyenConnector
from connector_service.connectors.base import ConnectorContext
from connector_service.domain.common import Customer
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    StoredMandate,
    VoidData,
)
from connector_service.domain.ids import MandateRef, PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor import Executor

API_KEY = os.environ.get("CS_LIVE_ADYEN_API_KEY")
MERCHANT = os.environ.get("CS_LIVE_ADYEN_MERCHANT_ACCOUNT")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (API_KEY and MERCHANT),
        reason="set CS_LIVE_ADYEN_API_KEY and CS_LIVE_ADYEN_MERCHANT_ACCOUNT to run",
    ),
]

connector = AdyenConnector()


def ctx() -> ConnectorContext:
    return ConnectorContext(
        account="adyen-live-test",
        connector="adyen",
        credentials={"api_key": Secret(API_KEY or "")},
        options={"merchant_account": MERCHANT or ""},
        base_url=connector.meta.base_url_test,
        idempotency_key=str(uuid.uuid4()),
    )


def card(holder: str = "Jane Shopper") -> Card:
    # Adyen's documented test Visa; holderName picks test refusals.
    return Card(
        number=Secret("4111111145551142"),
        exp_month=3,
        exp_year=2030,
        cvc=Secret("737"),
        holder_name=holder,
    )


def ref(psp: str) -> PaymentRef:
    return PaymentRef(
        account="adyen-live-test",
        connector="adyen",
        connector_payment_id=psp,
        amount=1000,
        currency="EUR",
        capture_method="manual",
    )


def authorize(**kw: object) -> AuthorizeData:
    values: dict[str, object] = {
        "amount": 1000,
        "currency": "EUR",
        "payment_method": card(),
        "capture_method": CaptureMethod.MANUAL,
        "reference": f"cs-live-{uuid.uuid4().hex[:12]}",
        "return_url": "https://example.com/return",
    }
    values.update(kw)
    return AuthorizeData(**values)  # type: ignore[arg-type]


@pytest.fixture
async def ex() -> AsyncIterator[Executor]:
    executor = Executor()
    try:
        yield executor
    finally:
        await executor.close()


async def test_authorize_capture_refund_and_void(ex: Executor) -> None:
    auth = await ex.run(connector, Flow.AUTHORIZE, ctx(), authorize())
    assert auth.status is PaymentStatus.AUTHORIZED, auth
    psp = auth.connector_payment_id
    capture = await ex.run(
        connector,
        Flow.CAPTURE,
        ctx(),
        CaptureData(payment=ref(psp), amount=600, reference="cap-1"),
    )
    assert capture.status is PaymentStatus.PROCESSING
    refund = await ex.run(
        connector,
        Flow.REFUND,
        ctx(),
        RefundData(payment=ref(psp), amount=250, reference="ref-1"),
    )
    assert refund.status is RefundStatus.PENDING
    other = await ex.run(connector, Flow.AUTHORIZE, ctx(), authorize())
    void = await ex.run(
        connector, Flow.VOID, ctx(), VoidData(payment=ref(other.connector_payment_id))
    )
    assert void.pending_reason == "awaiting_webhook"


async def test_test_card_refusal_is_a_result(ex: Executor) -> None:
    result = await ex.run(
        connector, Flow.AUTHORIZE, ctx(), authorize(payment_method=card("CARD_EXPIRED"))
    )
    assert result.status is PaymentStatus.FAILED
    assert result.failure is not None
    assert result.failure.code == "expired_card"


async def test_mandate_setup_charge_and_revoke(ex: Executor) -> None:
    shopper = f"cs-live-shopper-{uuid.uuid4().hex[:8]}"
    setup = MandateSetupData(
        payment_method=card(),
        currency="EUR",
        amount=0,
        customer=Customer(id=shopper),
        reference=f"cs-live-m-{uuid.uuid4().hex[:8]}",
    )
    mandate = await ex.run(connector, Flow.SETUP_MANDATE, ctx(), setup)
    assert mandate.status is MandateStatus.ACTIVE, mandate
    mref = MandateRef(
        account="adyen-live-test",
        connector="adyen",
        connector_mandate_id=mandate.connector_mandate_id,
        customer_id=shopper,
        meta=mandate.meta,
    )
    charge = await ex.run(
        connector,
        Flow.AUTHORIZE,
        ctx(),
        authorize(payment_method=StoredMandate(ref=mref), capture_method=CaptureMethod.AUTOMATIC),
    )
    assert charge.status is PaymentStatus.CAPTURED, charge
    revoked = await ex.run(connector, Flow.REVOKE_MANDATE, ctx(), MandateRevokeData(mandate=mref))
    assert revoked.status is MandateStatus.REVOKED
