"""Mollie's real API in test mode. Skipped unless credentials are in the environment:

- ``CS_LIVE_MOLLIE_API_KEY``     a ``test_...`` API key (live keys are refused here)
- ``CS_LIVE_MOLLIE_CARD_TOKEN``  optional; a fresh Mollie Components ``tkn_...`` made with
  mollie.js for the key's profile (single use): enables the card payment check
- ``CS_LIVE_MOLLIE_BASE_URL``    optional; default https://api.mollie.com/v2

Card data only reaches Mollie through mollie.js in a browser, so without a token only
the calls that need none run (reading an unknown payment, a wrong key).
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.mollie import MollieConnector
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import AuthorizeData, Flow, SyncData, VoidData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Token
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor

KEY = os.environ.get("CS_LIVE_MOLLIE_API_KEY", "")
TOKEN = os.environ.get("CS_LIVE_MOLLIE_CARD_TOKEN", "")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not KEY.startswith("test_"), reason="CS_LIVE_MOLLIE_API_KEY (test_...) is not set"
    ),
]
CONNECTOR = MollieConnector()


def ctx(key: str = KEY) -> ConnectorContext:
    return ConnectorContext(
        account="mollie-live",
        connector="mollie",
        credentials={"api_key": Secret(key)},
        options={},
        base_url=os.environ.get("CS_LIVE_MOLLIE_BASE_URL", CONNECTOR.meta.base_url_test),
        idempotency_key=f"cs-live-{uuid.uuid4().hex}",
        public_url="https://shop.example/mollie/return",
    )


def ref(pid: str, amount: int = 1234) -> PaymentRef:
    return PaymentRef("mollie-live", "mollie", pid, amount, "EUR", "manual")


async def test_live_unknown_payment_and_wrong_key() -> None:
    executor = Executor()
    try:
        with pytest.raises(ServiceError) as err:
            await executor.run(
                CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref("tr_doesnotexist1"))
            )
        assert err.value.type is ErrorType.NOT_FOUND, err.value
        with pytest.raises(ServiceError) as err:
            await executor.run(
                CONNECTOR, Flow.SYNC, ctx("test_" + "x" * 30), SyncData(payment=ref("tr_x1"))
            )
        assert err.value.code == "gateway_authentication_failed", err.value
    finally:
        await executor.close()


@pytest.mark.skipif(not TOKEN.startswith("tkn_"), reason="CS_LIVE_MOLLIE_CARD_TOKEN is not set")
async def test_live_card_token_payment_then_sync_and_release() -> None:
    executor = Executor()
    try:
        data = AuthorizeData(
            amount=1234, currency="EUR", payment_method=Token(token=TOKEN),
            capture_method=CaptureMethod.MANUAL, reference=f"cs-live-{uuid.uuid4().hex[:12]}",
            return_url="https://shop.example/mollie/return",
        )  # fmt: skip
        auth = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data)
        assert auth.status in (PaymentStatus.AUTHORIZED, PaymentStatus.REQUIRES_ACTION), auth
        pid = auth.connector_payment_id or ""
        sync = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref(pid)))
        assert sync.connector_payment_id == pid
        if sync.status is PaymentStatus.AUTHORIZED:
            void = await executor.run(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=ref(pid)))
            assert void.status is PaymentStatus.PROCESSING, void
    finally:
        await executor.close()
