"""Mercado Pago's real API with a test user's credentials. Skipped unless they are in
the environment:

- ``CS_LIVE_MERCADOPAGO_ACCESS_TOKEN``  a ``TEST-...`` access token (an ``APP_USR-...``
  token of a *test user* also works; set ``CS_LIVE_MERCADOPAGO_TEST_USER=1`` to allow it)
- ``CS_LIVE_MERCADOPAGO_EMAIL``         optional; the payer email (another test user's)
- ``CS_LIVE_MERCADOPAGO_BASE_URL``      optional; default https://api.mercadopago.com

The cards are Mercado Pago's published test cards, and the holder name picks the
outcome (``APRO`` approved, ``FUND`` insufficient funds), as in its test environment.
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.mercadopago import MercadoPagoConnector
from connector_service.domain.common import Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    RefundData,
    SyncData,
)
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus

TOKEN = os.environ.get("CS_LIVE_MERCADOPAGO_ACCESS_TOKEN", "")
ALLOWED = TOKEN.startswith("TEST-") or (
    TOKEN.startswith("APP_USR-") and os.environ.get("CS_LIVE_MERCADOPAGO_TEST_USER") == "1"
)
EMAIL = os.environ.get("CS_LIVE_MERCADOPAGO_EMAIL", "test_user_123@testuser.com")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not ALLOWED, reason="CS_LIVE_MERCADOPAGO_ACCESS_TOKEN (TEST-...) is not set"
    ),
]
CONNECTOR = MercadoPagoConnector()


def ctx(token: str = TOKEN) -> ConnectorContext:
    return ConnectorContext(
        account="mercadopago-live",
        connector="mercadopago",
        credentials={"access_token": Secret(token)},
        options={},
        base_url=os.environ.get("CS_LIVE_MERCADOPAGO_BASE_URL", CONNECTOR.meta.base_url_test),
        idempotency_key=f"cs-live-{uuid.uuid4().hex}",
        public_url="https://shop.example/mercadopago/return",
    )


def ref(pid: str, amount: int = 1234) -> PaymentRef:
    return PaymentRef("mercadopago-live", "mercadopago", pid, amount, "BRL", "manual")


def card(holder: str) -> Card:
    return Card(
        number=Secret("5031755734530604"), exp_month=11, exp_year=2030, cvc=Secret("123"),
        holder_name=holder,
    )  # fmt: skip


async def test_live_unknown_payment_and_wrong_token() -> None:
    from connector_service.executor import Executor

    executor = Executor()
    try:
        with pytest.raises(ServiceError) as err:
            await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref("1")))
        assert err.value.type is ErrorType.NOT_FOUND, err.value
        with pytest.raises(ServiceError) as err:
            await executor.run(
                CONNECTOR, Flow.SYNC, ctx("TEST-" + "0" * 40), SyncData(payment=ref("1"))
            )
        assert err.value.code == "gateway_authentication_failed", err.value
    finally:
        await executor.close()


async def test_live_authorize_capture_refund_and_a_decline() -> None:
    from connector_service.executor import Executor

    executor = Executor()
    try:
        data = AuthorizeData(
            amount=1234, currency="BRL", payment_method=card("APRO"),
            capture_method=CaptureMethod.MANUAL, reference=f"cs-live-{uuid.uuid4().hex[:12]}",
            customer=Customer(email=EMAIL),
        )  # fmt: skip
        auth = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data)
        assert auth.status is PaymentStatus.AUTHORIZED, auth
        pid = auth.connector_payment_id or ""
        captured = await executor.run(
            CONNECTOR,
            Flow.CAPTURE,
            ctx(),
            CaptureData(payment=ref(pid), amount=1000, reference="c"),
        )
        assert captured.status is PaymentStatus.PARTIALLY_CAPTURED, captured
        refund = await executor.run(
            CONNECTOR, Flow.REFUND, ctx(), RefundData(payment=ref(pid), amount=500, reference="r")
        )
        assert refund.amount == 500, refund
        declined = await executor.run(
            CONNECTOR,
            Flow.AUTHORIZE,
            ctx(),
            AuthorizeData(
                amount=1234,
                currency="BRL",
                payment_method=card("FUND"),
                capture_method=CaptureMethod.AUTOMATIC,
                reference="cs-live-fund",
                customer=Customer(email=EMAIL),
            ),
        )
        assert declined.status is PaymentStatus.FAILED and declined.failure is not None
        assert declined.failure.code == "insufficient_funds", declined
    finally:
        await executor.close()
