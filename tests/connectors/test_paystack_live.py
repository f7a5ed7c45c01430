"""Paystack's real test mode. Skipped unless credentials are in the environment:

- ``CS_LIVE_PAYSTACK_SECRET_KEY``  test secret key (``sk_test_...``; live keys are refused)
- ``CS_LIVE_PAYSTACK_EMAIL``       optional; the customer email charges carry
- ``CS_LIVE_PAYSTACK_BASE_URL``    optional; default https://api.paystack.co

Paystack's test card 4084 0840 8408 4081 (CVV 408) succeeds without a PIN or OTP.
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.paystack import PaystackConnector
from connector_service.domain.common import Customer
from connector_service.domain.flows import AuthorizeData, Flow, RefundData, SyncData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus, RefundStatus
from connector_service.executor import Executor

SECRET = os.environ.get("CS_LIVE_PAYSTACK_SECRET_KEY")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not SECRET, reason="CS_LIVE_PAYSTACK_SECRET_KEY is not set"),
]
CONNECTOR = PaystackConnector()


def ctx() -> ConnectorContext:
    assert SECRET is not None and SECRET.startswith("sk_test_"), "use a test-mode key"
    return ConnectorContext(
        account="paystack-live",
        connector="paystack",
        credentials={"secret_key": Secret(SECRET)},
        options={},
        base_url=os.environ.get("CS_LIVE_PAYSTACK_BASE_URL", CONNECTOR.meta.base_url_test),
        idempotency_key=f"cs-live-{uuid.uuid4().hex}",
    )


async def test_live_charge_sync_and_partial_refund() -> None:
    executor = Executor()
    email = os.environ.get("CS_LIVE_PAYSTACK_EMAIL", "connector-service@example.com")
    try:
        data = AuthorizeData(
            amount=10000,
            currency="NGN",
            capture_method=CaptureMethod.AUTOMATIC,
            payment_method=Card(
                number=Secret("4084084084084081"), exp_month=12, exp_year=2030, cvc=Secret("408")
            ),
            reference=f"cs-live-{uuid.uuid4().hex[:12]}",
            customer=Customer(email=email),
        )
        paid = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data)
        assert paid.status is PaymentStatus.CAPTURED, paid
        pref = PaymentRef(
            account="paystack-live", connector="paystack",
            connector_payment_id=paid.connector_payment_id or "", amount=10000,
            currency="NGN", capture_method="automatic",
        )  # fmt: skip
        synced = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref))
        assert synced.status is PaymentStatus.CAPTURED
        refund = await executor.run(
            CONNECTOR, Flow.REFUND, ctx(), RefundData(payment=pref, amount=4000, reference="r1")
        )
        assert refund.status in (RefundStatus.PENDING, RefundStatus.SUCCEEDED)
    finally:
        await executor.close()
