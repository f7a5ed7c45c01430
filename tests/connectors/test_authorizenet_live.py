"""Authorize.net's sandbox (apitest.authorize.net). Skipped unless credentials are in the
environment:

- ``CS_LIVE_AUTHORIZENET_LOGIN_ID``         a sandbox API Login ID
- ``CS_LIVE_AUTHORIZENET_TRANSACTION_KEY``  its Transaction Key
- ``CS_LIVE_AUTHORIZENET_BASE_URL``         optional; default https://apitest.authorize.net

Runs authorize -> sync -> void and a declined card (the sandbox declines ZIP 46282), and
a wrong key. Refunds need a settled transaction (the sandbox settles nightly), so they
are not exercised here.
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.authorizenet import AuthorizenetConnector
from connector_service.connectors.base import ConnectorContext
from connector_service.domain.common import Address
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import AuthorizeData, Flow, SyncData, VoidData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor

LOGIN = os.environ.get("CS_LIVE_AUTHORIZENET_LOGIN_ID", "")
KEY = os.environ.get("CS_LIVE_AUTHORIZENET_TRANSACTION_KEY", "")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (LOGIN and KEY), reason="CS_LIVE_AUTHORIZENET_LOGIN_ID / _TRANSACTION_KEY not set"
    ),
]
CONNECTOR = AuthorizenetConnector()


def ctx(key: str = KEY) -> ConnectorContext:
    return ConnectorContext(
        account="authorizenet-live",
        connector="authorizenet",
        credentials={"api_login_id": Secret(LOGIN), "transaction_key": Secret(key)},
        options={},
        base_url=os.environ.get("CS_LIVE_AUTHORIZENET_BASE_URL", CONNECTOR.meta.base_url_test),
        idempotency_key=f"cs-live-{uuid.uuid4().hex[:8]}",
    )


def data(zip_code: str = "98004") -> AuthorizeData:
    card = Card(number=Secret("4111111111111111"), exp_month=12, exp_year=2034, cvc=Secret("123"))
    return AuthorizeData(
        amount=1234 + uuid.uuid4().int % 500,  # the duplicate window looks at the amount
        currency="USD",
        payment_method=card,
        capture_method=CaptureMethod.MANUAL,
        reference=f"cs-{uuid.uuid4().hex[:12]}",
        billing=Address(postal_code=zip_code, first_name="Ellen", last_name="Johnson"),
    )


async def test_live_authorize_sync_void_and_decline() -> None:
    executor = Executor()
    try:
        auth = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data())
        assert auth.status is PaymentStatus.AUTHORIZED, auth
        pid = auth.connector_payment_id or ""
        ref = PaymentRef(
            "authorizenet-live",
            "authorizenet",
            pid,
            auth.amount or 0,
            "USD",
            "manual",
            meta=auth.meta,
        )
        sync = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref))
        assert sync.status is PaymentStatus.AUTHORIZED and sync.connector_payment_id == pid
        void = await executor.run(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=ref))
        assert void.status is PaymentStatus.VOIDED
        declined = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data("46282"))
        assert declined.status is PaymentStatus.FAILED and declined.failure is not None
    finally:
        await executor.close()


async def test_live_wrong_key_is_a_connector_error() -> None:
    executor = Executor()
    try:
        with pytest.raises(ServiceError) as err:
            await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx("0" * 16), data())
        assert err.value.code == "gateway_authentication_failed", err.value
    finally:
        await executor.close()
