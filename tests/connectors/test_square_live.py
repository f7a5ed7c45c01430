"""Square's real Sandbox. Skipped unless credentials are in the environment:

- ``CS_LIVE_SQUARE_ACCESS_TOKEN``  Sandbox access token (the Developer Dashboard's)
- ``CS_LIVE_SQUARE_LOCATION_ID``   optional; default the seller's main location
- ``CS_LIVE_SQUARE_BASE_URL``      optional; default https://connect.squareupsandbox.com

Payments use Square's documented Sandbox token ``cnon:card-nonce-ok`` (a Visa ending
1111) and ``cnon:card-nonce-declined``; the Sandbox location's currency must be USD.
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.square import SquareConnector
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
from connector_service.domain.payment_methods import Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus, RefundStatus
from connector_service.executor import Executor

TOKEN = os.environ.get("CS_LIVE_SQUARE_ACCESS_TOKEN")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not TOKEN, reason="CS_LIVE_SQUARE_ACCESS_TOKEN is not set"),
]
CONNECTOR = SquareConnector()
BASE = os.environ.get("CS_LIVE_SQUARE_BASE_URL", CONNECTOR.meta.base_url_test)


def ctx() -> ConnectorContext:
    assert TOKEN is not None and "squareupsandbox" in BASE, "use the Sandbox"
    location = os.environ.get("CS_LIVE_SQUARE_LOCATION_ID")
    return ConnectorContext(
        account="square-live",
        connector="square",
        credentials={"access_token": Secret(TOKEN)},
        options={"location_id": location} if location else {},
        base_url=BASE,
        idempotency_key=f"cs-{uuid.uuid4().hex[:40]}",
    )


def authorize(nonce: str, amount: int) -> AuthorizeData:
    return AuthorizeData(
        amount=amount, currency="USD", capture_method=CaptureMethod.MANUAL,
        payment_method=Token(token=nonce), reference=f"cs-live-{uuid.uuid4().hex[:12]}",
    )  # fmt: skip


def ref(gid: str | None, amount: int) -> PaymentRef:
    return PaymentRef(account="square-live", connector="square", connector_payment_id=gid or "",
                      amount=amount, currency="USD", capture_method="manual")  # fmt: skip


async def test_live_authorize_partial_capture_refund_and_sync() -> None:
    executor = Executor()
    try:
        auth = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(),
                                  authorize("cnon:card-nonce-ok", 1000))  # fmt: skip
        assert auth.status is PaymentStatus.AUTHORIZED, auth
        pref = ref(auth.connector_payment_id, 1000)
        captured = await executor.run(
            CONNECTOR, Flow.CAPTURE, ctx(), CaptureData(payment=pref, amount=600, reference="c")
        )
        assert captured.status is PaymentStatus.PARTIALLY_CAPTURED, captured
        synced = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref))
        assert synced.amount_captured == 600
        refund = await executor.run(
            CONNECTOR, Flow.REFUND, ctx(), RefundData(payment=pref, amount=200, reference="r1")
        )
        assert refund.status in (RefundStatus.PENDING, RefundStatus.SUCCEEDED), refund
        rref = RefundRef(account="square-live", connector="square",
                         connector_refund_id=refund.connector_refund_id or "",
                         connector_payment_id=pref.connector_payment_id, amount=200,
                         currency="USD")  # fmt: skip
        again = await executor.run(CONNECTOR, Flow.REFUND_SYNC, ctx(), RefundSyncData(refund=rref))
        assert again.connector_refund_id == refund.connector_refund_id
    finally:
        await executor.close()


async def test_live_void_and_decline() -> None:
    executor = Executor()
    try:
        held = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(),
                                  authorize("cnon:card-nonce-ok", 700))  # fmt: skip
        voided = await executor.run(
            CONNECTOR, Flow.VOID, ctx(), VoidData(payment=ref(held.connector_payment_id, 700))
        )
        assert voided.status is PaymentStatus.VOIDED, voided
        declined = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(),
                                      authorize("cnon:card-nonce-declined", 700))  # fmt: skip
        assert declined.status is PaymentStatus.FAILED and declined.failure is not None
    finally:
        await executor.close()
