"""Razorpay's real test mode. Skipped unless credentials are in the environment:

- ``CS_LIVE_RAZORPAY_KEY_ID``      test key id (``rzp_test_...``; live keys are refused)
- ``CS_LIVE_RAZORPAY_KEY_SECRET``  its secret
- ``CS_LIVE_RAZORPAY_BASE_URL``    optional; default https://api.razorpay.com/v1

Card payments over the S2S JSON API must be enabled on the test account (Razorpay turns
it on for PCI-compliant businesses on request). Indian cards always go through 3-D
Secure, so the card payment here may stop at the redirect (``requires_action``); what is
checked is that an order and a payment were made and read as a unified result.
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.razorpay import RazorpayConnector
from connector_service.domain.common import BrowserInfo, Customer
from connector_service.domain.flows import AuthorizeData, Flow
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor

KEY_ID = os.environ.get("CS_LIVE_RAZORPAY_KEY_ID")
KEY_SECRET = os.environ.get("CS_LIVE_RAZORPAY_KEY_SECRET")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (KEY_ID and KEY_SECRET),
        reason="CS_LIVE_RAZORPAY_KEY_ID / CS_LIVE_RAZORPAY_KEY_SECRET are not set",
    ),
]
CONNECTOR = RazorpayConnector()


def ctx() -> ConnectorContext:
    assert KEY_ID is not None and KEY_ID.startswith("rzp_test_"), "use a test-mode key"
    assert KEY_SECRET is not None
    return ConnectorContext(
        account="razorpay-live",
        connector="razorpay",
        credentials={"key_id": Secret(KEY_ID), "key_secret": Secret(KEY_SECRET)},
        options={},
        base_url=os.environ.get("CS_LIVE_RAZORPAY_BASE_URL", CONNECTOR.meta.base_url_test),
        idempotency_key=f"cs-live-{uuid.uuid4().hex[:24]}",
    )


async def test_live_card_payment_reaches_authentication_or_a_result() -> None:
    executor = Executor()
    try:
        data = AuthorizeData(
            amount=10000,
            currency="INR",
            capture_method=CaptureMethod.MANUAL,
            payment_method=Card(
                number=Secret("4111111111111111"), exp_month=12, exp_year=2030, cvc=Secret("123")
            ),
            reference=f"cs-live-{uuid.uuid4().hex[:12]}",
            customer=Customer(email="connector-service@example.com", phone="+919000090000"),
            browser=BrowserInfo(ip_address="203.0.113.7", user_agent="connector-service live"),
            return_url="https://example.com/return",
        )
        result = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data)
        assert result.connector_payment_id and result.connector_payment_id.startswith("pay_")
        assert result.status in (
            PaymentStatus.REQUIRES_ACTION,
            PaymentStatus.AUTHORIZED,
            PaymentStatus.FAILED,
        ), result
    finally:
        await executor.close()
