"""Xendit's real API in development mode. Skipped unless credentials are in the
environment:

- ``CS_LIVE_XENDIT_SECRET_KEY``  a ``xnd_development_...`` secret key (production keys
  are refused here)
- ``CS_LIVE_XENDIT_CARDS``       optional, ``1``: the account has cards enabled for the
  Payment Requests API with raw card data (PCI); enables the card payment check
- ``CS_LIVE_XENDIT_METHODS``     optional, ``1``: the account has QRIS, DANA and the BCA
  virtual account activated (Indonesian test mode); enables the methods check
- ``CS_LIVE_XENDIT_BASE_URL``    optional; default https://api.xendit.co

Without cards only the calls that need none run (reading an unknown payment request,
a wrong key).
"""

from __future__ import annotations

import os
import uuid

import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.xendit import XenditConnector
from connector_service.domain.common import Customer
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import AuthorizeData, CaptureData, Flow, SyncData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.payment_methods import Card, Ewallet, Qris, VirtualAccount
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor

KEY = os.environ.get("CS_LIVE_XENDIT_SECRET_KEY", "")
CARDS = os.environ.get("CS_LIVE_XENDIT_CARDS") == "1"
METHODS = os.environ.get("CS_LIVE_XENDIT_METHODS") == "1"
pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not KEY.startswith("xnd_development_"),
        reason="CS_LIVE_XENDIT_SECRET_KEY (xnd_development_...) is not set",
    ),
]
CONNECTOR = XenditConnector()


def ctx(key: str = KEY) -> ConnectorContext:
    return ConnectorContext(
        account="xendit-live",
        connector="xendit",
        credentials={"secret_key": Secret(key)},
        options={},
        base_url=os.environ.get("CS_LIVE_XENDIT_BASE_URL", CONNECTOR.meta.base_url_test),
        idempotency_key=f"cs-live-{uuid.uuid4().hex}",
        public_url="https://shop.example/xendit/return",
    )


def ref(prid: str, amount: int = 1000000) -> PaymentRef:
    return PaymentRef("xendit-live", "xendit", prid, amount, "IDR", "manual")


async def test_live_unknown_payment_request_and_wrong_key() -> None:
    executor = Executor()
    try:
        unknown = "pr-00000000-0000-4000-8000-000000000000"
        with pytest.raises(ServiceError) as err:
            await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref(unknown)))
        assert err.value.type is ErrorType.NOT_FOUND, err.value
        with pytest.raises(ServiceError) as err:
            await executor.run(
                CONNECTOR,
                Flow.SYNC,
                ctx("xnd_development_" + "x" * 40),
                SyncData(payment=ref(unknown)),
            )
        assert err.value.code == "gateway_authentication_failed", err.value
    finally:
        await executor.close()


@pytest.mark.skipif(not CARDS, reason="CS_LIVE_XENDIT_CARDS is not 1")
async def test_live_card_authorize_then_sync_and_capture() -> None:
    executor = Executor()
    try:
        data = AuthorizeData(
            amount=1000000, currency="IDR", capture_method=CaptureMethod.MANUAL,
            payment_method=Card(number=Secret("4000000000001091"), exp_month=12,
                                exp_year=2030, cvc=Secret("123")),
            reference=f"cs-live-{uuid.uuid4().hex[:12]}",
            return_url="https://shop.example/xendit/return",
        )  # fmt: skip
        auth = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data)
        assert auth.status in (PaymentStatus.AUTHORIZED, PaymentStatus.REQUIRES_ACTION), auth
        prid = auth.connector_payment_id or ""
        sync = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref(prid)))
        assert sync.connector_payment_id == prid
        if sync.status is PaymentStatus.AUTHORIZED:
            done = await executor.run(
                CONNECTOR, Flow.CAPTURE, ctx(),
                CaptureData(payment=ref(prid), amount=500000, reference="cs-live-capture"),
            )  # fmt: skip
            assert done.status is PaymentStatus.PARTIALLY_CAPTURED, done
    finally:
        await executor.close()


@pytest.mark.skipif(not METHODS, reason="CS_LIVE_XENDIT_METHODS is not 1")
async def test_live_qris_ewallet_and_virtual_account_next_actions() -> None:
    """Each method is created in test mode and answers its next action, then reads back
    the same (nothing is paid: Xendit's simulate is a test helper, not a connector call)."""
    executor = Executor()
    try:
        cases = [
            (Qris(expires_after_seconds=900), "display_qr"),
            (Ewallet(provider="dana"), "redirect"),
            (VirtualAccount(bank="BCA", expires_after_days=1), "display_bank_transfer"),
        ]
        for pm, action in cases:
            data = AuthorizeData(
                amount=1500000, currency="IDR", capture_method=CaptureMethod.AUTOMATIC,
                payment_method=pm, reference=f"cs-live-{uuid.uuid4().hex[:12]}",
                return_url="https://shop.example/xendit/return",
                customer=Customer(name="Toko Jenny"),
            )  # fmt: skip
            made = await executor.run(CONNECTOR, Flow.AUTHORIZE, ctx(), data)
            assert made.status is PaymentStatus.REQUIRES_ACTION, made
            assert made.next_action is not None and made.next_action.type == action, made
            ref_ = PaymentRef("xendit-live", "xendit", made.connector_payment_id or "",
                              1500000, "IDR", "automatic")  # fmt: skip
            again = await executor.run(CONNECTOR, Flow.SYNC, ctx(), SyncData(payment=ref_))
            assert again.status is PaymentStatus.REQUIRES_ACTION, again
    finally:
        await executor.close()
