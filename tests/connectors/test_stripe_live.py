"""Stripe's real API in test mode. Skipped unless CS_LIVE_STRIPE_API_KEY holds a *test*
secret key (``sk_test_...``; live keys are refused). Set CS_LIVE_STRIPE_RAW_CARDS=1 too if
the account may send raw card numbers (otherwise Stripe's test PaymentMethods such as
``pm_card_visa`` are used)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.stripe import StripeConnector
from connector_service.domain.common import Customer
from connector_service.domain.errors import DeclineCode
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    StoredMandate,
    SyncData,
    VoidData,
)
from connector_service.domain.ids import MandateRef, PaymentRef
from connector_service.domain.payment_methods import Card, Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor import Executor

API_KEY = os.environ.get("CS_LIVE_STRIPE_API_KEY", "")
RAW_CARDS = os.environ.get("CS_LIVE_STRIPE_RAW_CARDS") == "1"

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not API_KEY.startswith("sk_test_"),
        reason="set CS_LIVE_STRIPE_API_KEY to a Stripe test-mode secret key (sk_test_...)",
    ),
]

connector = StripeConnector()


def ctx() -> ConnectorContext:
    return ConnectorContext(
        account="stripe-live-test",
        connector="stripe",
        credentials={"api_key": Secret(API_KEY)},
        options={},
        base_url=connector.meta.base_url_test,
        idempotency_key=str(uuid.uuid4()),
    )


def method(visa: str = "pm_card_visa", number: str = "4242424242424242") -> Any:
    if RAW_CARDS:
        return Card(number=Secret(number), exp_month=12, exp_year=2030, cvc=Secret("123"))
    return Token(token=visa)


def authorize(pm: Any, capture: CaptureMethod = CaptureMethod.MANUAL) -> AuthorizeData:
    return AuthorizeData(
        amount=2000,
        currency="EUR",
        payment_method=pm,
        capture_method=capture,
        reference=f"cs-live-{uuid.uuid4().hex[:12]}",
    )


def ref(pid: str) -> PaymentRef:
    return PaymentRef(
        account="stripe-live-test",
        connector="stripe",
        connector_payment_id=pid,
        amount=2000,
        currency="EUR",
        capture_method="manual",
    )


@pytest.fixture
async def executor() -> AsyncIterator[Executor]:
    ex = Executor()
    try:
        yield ex
    finally:
        await ex.close()


async def test_authorize_capture_refund_sync(executor: Executor) -> None:
    auth = await executor.run(connector, Flow.AUTHORIZE, ctx(), authorize(method()))
    assert auth.status is PaymentStatus.AUTHORIZED
    payment = ref(auth.connector_payment_id)
    cap = await executor.run(
        connector, Flow.CAPTURE, ctx(), CaptureData(payment=payment, amount=1500, reference="c")
    )
    assert cap.status is PaymentStatus.PARTIALLY_CAPTURED
    for n in (1, 2):
        refund = await executor.run(
            connector,
            Flow.REFUND,
            ctx(),
            RefundData(payment=payment, amount=500, reference=f"r{n}"),
        )
        assert refund.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING)
    synced = await executor.run(connector, Flow.SYNC, ctx(), SyncData(payment=payment))
    assert synced.amount_captured == 1500


async def test_void_and_decline(executor: Executor) -> None:
    auth = await executor.run(connector, Flow.AUTHORIZE, ctx(), authorize(method()))
    voided = await executor.run(
        connector, Flow.VOID, ctx(), VoidData(payment=ref(auth.connector_payment_id))
    )
    assert voided.status is PaymentStatus.VOIDED
    declined = await executor.run(
        connector,
        Flow.AUTHORIZE,
        ctx(),
        authorize(method("pm_card_visa_chargeDeclinedInsufficientFunds", "4000000000009995")),
    )
    assert declined.status is PaymentStatus.FAILED
    assert declined.failure.code == DeclineCode.INSUFFICIENT_FUNDS


async def test_mandate_setup_charge_revoke(executor: Executor) -> None:
    setup = MandateSetupData(
        payment_method=method(),
        currency="EUR",
        amount=0,
        reference="cs-live-mandate",
        customer=Customer(email="live-test@example.com", name="Connector Service"),
    )
    mandate = await executor.run(connector, Flow.SETUP_MANDATE, ctx(), setup)
    assert mandate.status is MandateStatus.ACTIVE
    stored = StoredMandate(
        ref=MandateRef(
            account="stripe-live-test",
            connector="stripe",
            connector_mandate_id=mandate.connector_mandate_id or "",
            customer_id=mandate.connector_customer_id,
        )
    )
    charge = await executor.run(
        connector, Flow.AUTHORIZE, ctx(), authorize(stored, CaptureMethod.AUTOMATIC)
    )
    assert charge.status is PaymentStatus.CAPTURED
    revoked = await executor.run(
        connector, Flow.REVOKE_MANDATE, ctx(), MandateRevokeData(mandate=stored.ref)
    )
    assert revoked.status is MandateStatus.REVOKED
