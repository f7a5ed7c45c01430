"""PayPal's real sandbox (api-m.sandbox.paypal.com). Skipped unless credentials are set:

CS_LIVE_PAYPAL_CLIENT_ID, CS_LIVE_PAYPAL_CLIENT_SECRET   (a sandbox REST app with
advanced card payments enabled); optional CS_LIVE_PAYPAL_WEBHOOK_ID.
"""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.paypal import PayPalConnector
from connector_service.domain.common import Address, Customer
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    Flow,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    SyncData,
    VoidData,
)
from connector_service.domain.ids import MandateRef, PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, MandateStatus, PaymentStatus
from connector_service.executor import Executor
from tests.connectors.harness import make_ctx

CLIENT_ID = os.environ.get("CS_LIVE_PAYPAL_CLIENT_ID")
CLIENT_SECRET = os.environ.get("CS_LIVE_PAYPAL_CLIENT_SECRET")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not (CLIENT_ID and CLIENT_SECRET), reason="no PayPal sandbox credentials"),
]
C = PayPalConnector()
BILLING = Address(
    line1="2211 N First Street", city="San Jose", state="CA", postal_code="95131", country="US"
)


def card() -> Card:  # PayPal's documented sandbox Visa
    return Card(
        number=Secret("4111111111111111"),
        exp_month=12,
        exp_year=2030,
        cvc=Secret("123"),
        holder_name="Jane Doe",
    )


async def session(ex: Executor) -> ConnectorContext:
    options = {"webhook_id": os.environ.get("CS_LIVE_PAYPAL_WEBHOOK_ID", "")}
    ctx = make_ctx(
        C,
        {"client_id": CLIENT_ID or "", "client_secret": CLIENT_SECRET or ""},
        options,
        idempotency_key=None,
    )
    token = await ex.run(C, Flow.ACCESS_TOKEN, ctx, None)
    return dataclasses.replace(ctx, access_token=Secret(token.token))


def ref(result: object, method: str = "manual") -> PaymentRef:
    return PaymentRef(
        account="paypal-live",
        connector="paypal",
        connector_payment_id=result.connector_payment_id,  # type: ignore[attr-defined]
        amount=1000,
        currency="USD",
        capture_method=method,
        meta=result.meta,
    )  # type: ignore[attr-defined]


def authorize(method: CaptureMethod) -> AuthorizeData:
    return AuthorizeData(
        amount=1000,
        currency="USD",
        payment_method=card(),
        capture_method=method,
        reference=f"cs-live-{uuid.uuid4().hex[:16]}",
        billing=BILLING,
    )


async def test_live_authorize_capture_refund_sync() -> None:
    ex = Executor()
    try:
        ctx = await session(ex)
        auth = await ex.run(C, Flow.AUTHORIZE, ctx, authorize(CaptureMethod.MANUAL))
        assert auth.status is PaymentStatus.AUTHORIZED, auth
        payment = ref(auth)
        cap = await ex.run(
            C,
            Flow.CAPTURE,
            ctx,
            CaptureData(payment=payment, amount=600, reference=f"cap-{uuid.uuid4().hex[:12]}"),
        )
        assert cap.status in (PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.PROCESSING), cap
        refund = await ex.run(
            C,
            Flow.REFUND,
            ctx,
            RefundData(payment=payment, amount=200, reference=f"rf-{uuid.uuid4().hex[:12]}"),
        )
        assert refund.connector_refund_id, refund
        synced = await ex.run(C, Flow.SYNC, ctx, SyncData(payment=payment))
        assert synced.amount_captured == 600, synced
    finally:
        await ex.close()


async def test_live_void_and_mandate() -> None:
    ex = Executor()
    try:
        ctx = await session(ex)
        auth = await ex.run(C, Flow.AUTHORIZE, ctx, authorize(CaptureMethod.MANUAL))
        voided = await ex.run(C, Flow.VOID, ctx, VoidData(payment=ref(auth)))
        assert voided.status is PaymentStatus.VOIDED, voided
        mandate = await ex.run(
            C,
            Flow.SETUP_MANDATE,
            ctx,
            MandateSetupData(
                payment_method=card(),
                currency="USD",
                amount=0,
                billing=BILLING,
                customer=Customer(id=f"cs{uuid.uuid4().hex[:12]}"),
                reference=f"man-{uuid.uuid4().hex[:12]}",
            ),
        )
        assert mandate.status is MandateStatus.ACTIVE, mandate
        mref = MandateRef(
            account="paypal-live",
            connector="paypal",
            connector_mandate_id=mandate.connector_mandate_id or "",
            customer_id=mandate.connector_customer_id,
        )
        revoked = await ex.run(C, Flow.REVOKE_MANDATE, ctx, MandateRevokeData(mandate=mref))
        assert revoked.status is MandateStatus.REVOKED
    finally:
        await ex.close()
