"""Braintree's sandbox. Skipped unless credentials are in the environment:

- ``CS_LIVE_BRAINTREE_PUBLIC_KEY``   sandbox API public key
- ``CS_LIVE_BRAINTREE_PRIVATE_KEY``  sandbox API private key
- ``CS_LIVE_BRAINTREE_MERCHANT_ACCOUNT_ID``  optional; default: the default merchant account
- ``CS_LIVE_BRAINTREE_CURRENCY``     optional; that account's currency (default USD)

Only the sandbox host is ever used (``payments.sandbox.braintree-api.com``). Card
4111 1111 1111 1111 is approved; the amount 2001.00 is declined ``2001`` (Insufficient
Funds) by the sandbox's amount triggers. A sandbox transaction settles only in the
nightly batch, so the refund here is of nothing (a void of the authorization instead).
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.braintree import BraintreeConnector
from connector_service.domain.flows import AuthorizeData, CaptureData, Flow, SyncData, VoidData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor

PUBLIC = os.environ.get("CS_LIVE_BRAINTREE_PUBLIC_KEY")
PRIVATE = os.environ.get("CS_LIVE_BRAINTREE_PRIVATE_KEY")
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (PUBLIC and PRIVATE),
        reason="CS_LIVE_BRAINTREE_PUBLIC_KEY / CS_LIVE_BRAINTREE_PRIVATE_KEY are not set",
    ),
]
CONNECTOR = BraintreeConnector()
CURRENCY = os.environ.get("CS_LIVE_BRAINTREE_CURRENCY", "USD")


def ctx() -> ConnectorContext:
    assert PUBLIC is not None and PRIVATE is not None
    options = {"currency": CURRENCY}
    account = os.environ.get("CS_LIVE_BRAINTREE_MERCHANT_ACCOUNT_ID")
    if account:
        options["merchant_account_id"] = account
    return ConnectorContext(
        account="braintree-live",
        connector="braintree",
        credentials={"public_key": Secret(PUBLIC), "private_key": Secret(PRIVATE)},
        options=options,
        base_url=CONNECTOR.meta.base_url_test,  # never the live host
    )


def _card() -> Card:
    return Card(number=Secret("4111111111111111"), exp_month=12, exp_year=2030, cvc=Secret("123"))


def _authorize(amount: int) -> AuthorizeData:
    return AuthorizeData(
        amount=amount, currency=CURRENCY, capture_method=CaptureMethod.MANUAL,
        payment_method=_card(), reference=f"cs-live-{uuid.uuid4().hex[:12]}",
    )  # fmt: skip


def _ref(result: object, amount: int) -> PaymentRef:
    gid = getattr(result, "connector_payment_id", None) or ""
    return PaymentRef(account="braintree-live", connector="braintree", connector_payment_id=gid,
                      amount=amount, currency=CURRENCY, capture_method="manual")  # fmt: skip


async def test_live_authorize_partial_capture_sync_and_void() -> None:
    executor = Executor()
    try:
        auth = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), _authorize(1000))
        assert auth.status is PaymentStatus.AUTHORIZED, auth
        pref = _ref(auth, 1000)
        captured = await executor.run(
            CONNECTOR, Flow.CAPTURE, ctx(), CaptureData(payment=pref, amount=600, reference="c1")
        )
        assert captured.status in (PaymentStatus.PARTIALLY_CAPTURED, PaymentStatus.CAPTURED)
        synced = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=pref))
        assert synced.connector_payment_id == auth.connector_payment_id
        held = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), _authorize(500))
        voided = await executor.run(CONNECTOR, Flow.VOID, ctx(), VoidData(payment=_ref(held, 500)))
        assert voided.status is PaymentStatus.VOIDED
        declined = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), _authorize(200100))
        assert declined.status is PaymentStatus.FAILED and declined.failure is not None
        assert declined.failure.code == "insufficient_funds"
    finally:
        await executor.close()
