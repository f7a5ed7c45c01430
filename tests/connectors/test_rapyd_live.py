"""Rapyd's real sandbox. Skipped unless credentials are in the environment:

- ``CS_LIVE_RAPYD_ACCESS_KEY``    sandbox access key (Client Portal > Developers)
- ``CS_LIVE_RAPYD_SECRET_KEY``    sandbox secret key
- ``CS_LIVE_RAPYD_CARD_COUNTRY``  optional; country of the card payment method type
  enabled on the account (default ``us``: ``us_visa_card``)
- ``CS_LIVE_RAPYD_BASE_URL``      optional; default https://sandboxapi.rapyd.net
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.rapyd import RapydConnector
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    RefundData,
    RefundSyncData,
    SyncData,
    VoidData,
)
from connector_service.domain.ids import PaymentRef, RefundRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus, RefundStatus
from connector_service.executor import Executor

ACCESS = os.environ.get("CS_LIVE_RAPYD_ACCESS_KEY")
SECRET = os.environ.get("CS_LIVE_RAPYD_SECRET_KEY")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (ACCESS and SECRET), reason="CS_LIVE_RAPYD_ACCESS_KEY / _SECRET_KEY are not set"
    ),
]
CONNECTOR = RapydConnector()


def ctx() -> ConnectorContext:
    return ConnectorContext(
        account="rapyd-live",
        connector="rapyd",
        credentials={"access_key": Secret(ACCESS or ""), "secret_key": Secret(SECRET or "")},
        options={"card_country": os.environ.get("CS_LIVE_RAPYD_CARD_COUNTRY", "us")},
        base_url=os.environ.get("CS_LIVE_RAPYD_BASE_URL", CONNECTOR.meta.base_url_test),
        idempotency_key=f"cs-live-{uuid.uuid4().hex}",
        public_url="https://shop.example/rapyd/return",
    )


def authorize(amount: int) -> AuthorizeData:
    return AuthorizeData(
        amount=amount,
        currency="USD",
        capture_method=CaptureMethod.MANUAL,
        payment_method=Card(
            number=Secret("4111111111111111"), exp_month=12, exp_year=2034, cvc=Secret("123")
        ),
        reference=f"cs-live-{uuid.uuid4().hex[:12]}",
    )


def ref(result: Any, amount: int) -> PaymentRef:
    return PaymentRef(
        account="rapyd-live",
        connector="rapyd",
        connector_payment_id=result.connector_payment_id,
        amount=amount,
        currency="USD",
        capture_method="manual",
    )


async def test_live_authorize_capture_refund_sync_and_void() -> None:
    executor = Executor()
    try:
        auth = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(2345))
        assert auth.status is PaymentStatus.AUTHORIZED, auth
        pref = ref(auth, 2345)
        cap = await executor.run(
            CONNECTOR, Flow.CAPTURE, ctx(), CaptureData(payment=pref, amount=2000, reference="c")
        )
        assert cap.status in (PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.CAPTURED), cap
        refund = await executor.run(
            CONNECTOR, Flow.REFUND, ctx(), RefundData(payment=pref, amount=500, reference="r")
        )
        assert refund.status in (RefundStatus.SUCCEEDED, RefundStatus.PENDING), refund
        again = await executor.run(
            CONNECTOR,
            Flow.REFUND_SYNC,
            ctx(),
            RefundSyncData(
                refund=RefundRef(
                    "rapyd-live",
                    "rapyd",
                    refund.connector_refund_id or "",
                    pref.connector_payment_id,
                    500,
                    "USD",
                )
            ),
        )
        assert again.connector_refund_id == refund.connector_refund_id
        sync = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref))
        assert sync.connector_payment_id == auth.connector_payment_id
        other = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), authorize(999))
        void = await executor.run(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=ref(other, 999)))
        assert void.status is PaymentStatus.VOIDED, void
    finally:
        await executor.close()
