"""Checkout.com's real sandbox. Skipped unless credentials are in the environment:

- ``CS_LIVE_CHECKOUT_SECRET_KEY``            sandbox secret key (sk_sbox_... or sk_test_...)
- ``CS_LIVE_CHECKOUT_KEY_TYPE``              ``nas`` (default) or ``abc``
- ``CS_LIVE_CHECKOUT_PROCESSING_CHANNEL_ID`` pc_... (NAS accounts)
- ``CS_LIVE_CHECKOUT_BASE_URL``              optional; default https://api.sandbox.checkout.com
"""

from __future__ import annotations

import asyncio
import os
import uuid
from typing import Any

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.checkout import CheckoutConnector
from connector_service.domain.flows import AuthorizeData, CaptureData, Flow, SyncData, VoidData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor

SECRET = os.environ.get("CS_LIVE_CHECKOUT_SECRET_KEY")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not SECRET, reason="CS_LIVE_CHECKOUT_SECRET_KEY is not set"),
]
CONNECTOR = CheckoutConnector()


def ctx() -> ConnectorContext:
    options = {"key_type": os.environ.get("CS_LIVE_CHECKOUT_KEY_TYPE", "nas")}
    channel = os.environ.get("CS_LIVE_CHECKOUT_PROCESSING_CHANNEL_ID")
    if channel:
        options["processing_channel_id"] = channel
    return ConnectorContext(
        account="checkout-live",
        connector="checkout",
        credentials={"secret_key": Secret(SECRET or "")},
        options=options,
        base_url=os.environ.get("CS_LIVE_CHECKOUT_BASE_URL", CONNECTOR.meta.base_url_test),
        idempotency_key=f"cs-live-{uuid.uuid4().hex}",
    )


def authorize(amount: int) -> AuthorizeData:
    return AuthorizeData(
        amount=amount,
        currency="USD",
        capture_method=CaptureMethod.MANUAL,
        payment_method=Card(
            number=Secret("4242424242424242"), exp_month=12, exp_year=2030, cvc=Secret("100")
        ),
        reference=f"cs-live-{uuid.uuid4().hex[:12]}",
    )


def ref(result: Any, amount: int) -> PaymentRef:
    return PaymentRef(
        account="checkout-live",
        connector="checkout",
        connector_payment_id=result.connector_payment_id,
        amount=amount,
        currency="USD",
        capture_method="manual",
    )


async def test_live_authorize_capture_sync_and_void() -> None:
    executor = Executor()
    try:
        auth = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(1234))
        assert auth.status is PaymentStatus.AUTHORIZED, auth
        pref = ref(auth, 1234)
        cap = await executor.run(
            CONNECTOR,
            Flow.CAPTURE,
            ctx(),
            CaptureData(payment=pref, amount=1234, reference="cs-live-cap"),
        )
        assert cap.status is PaymentStatus.PROCESSING
        for _ in range(10):
            sync = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref))
            if sync.status is PaymentStatus.CAPTURED:
                break
            await asyncio.sleep(1)
        assert sync.status in (PaymentStatus.CAPTURED, PaymentStatus.AUTHORIZED)
        other = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(999))
        void = await executor.run(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=ref(other, 999)))
        assert void.status is PaymentStatus.PROCESSING
    finally:
        await executor.close()
