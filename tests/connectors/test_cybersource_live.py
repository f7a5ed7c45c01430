"""Cybersource's real sandbox (apitest.cybersource.com). Skipped unless credentials are in
the environment:

- ``CS_LIVE_CYBERSOURCE_MERCHANT_ID``    the sandbox merchant (organization) id
- ``CS_LIVE_CYBERSOURCE_KEY_ID``         its REST shared secret key id
- ``CS_LIVE_CYBERSOURCE_SHARED_SECRET``  the base64 shared secret
- ``CS_LIVE_CYBERSOURCE_BASE_URL``       optional; default https://apitest.cybersource.com

An authorization of a sandbox test card, read back from Transaction Details, then
reversed. The production host is refused.
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.cybersource import CybersourceConnector
from connector_service.domain.flows import AuthorizeData, Flow, SyncData, VoidData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor

MERCHANT = os.environ.get("CS_LIVE_CYBERSOURCE_MERCHANT_ID")
KEY_ID = os.environ.get("CS_LIVE_CYBERSOURCE_KEY_ID")
SECRET = os.environ.get("CS_LIVE_CYBERSOURCE_SHARED_SECRET")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (MERCHANT and KEY_ID and SECRET),
        reason="CS_LIVE_CYBERSOURCE_MERCHANT_ID / _KEY_ID / _SHARED_SECRET are not set",
    ),
]
CONNECTOR = CybersourceConnector()


def ctx() -> ConnectorContext:
    base = os.environ.get("CS_LIVE_CYBERSOURCE_BASE_URL", CONNECTOR.meta.base_url_test)
    assert base != CONNECTOR.meta.base_url_live, "use the sandbox"
    assert MERCHANT and KEY_ID and SECRET
    return ConnectorContext(
        account="cybersource-live",
        connector="cybersource",
        credentials={
            "merchant_id": Secret(MERCHANT),
            "key_id": Secret(KEY_ID),
            "shared_secret": Secret(SECRET),
        },
        options={},
        base_url=base,
    )


async def test_live_authorize_sync_and_reverse() -> None:
    executor = Executor()
    try:
        data = AuthorizeData(
            amount=1021,
            currency="USD",
            capture_method=CaptureMethod.MANUAL,
            payment_method=Card(
                number=Secret("4111111111111111"), exp_month=12, exp_year=2031, cvc=Secret("123")
            ),
            reference=f"cs-live-{uuid.uuid4().hex[:12]}",
        )
        result = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data)
        assert result.status is PaymentStatus.AUTHORIZED, result
        assert result.connector_payment_id
        ref = PaymentRef(
            account="cybersource-live", connector="cybersource",
            connector_payment_id=result.connector_payment_id, amount=1021, currency="USD",
            capture_method="manual",
        )  # fmt: skip
        synced = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref))
        assert synced.status in (PaymentStatus.AUTHORIZED, PaymentStatus.PROCESSING), synced
        voided = await executor.run(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=ref))
        assert voided.status is PaymentStatus.VOIDED, voided
    finally:
        await executor.close()
