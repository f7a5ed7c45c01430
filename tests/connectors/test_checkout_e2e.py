"""Checkout.com over real loopback HTTP: the shared executor against the spec-checking fake.

Runs every scenario for both account generations (NAS: Bearer key + processing channel,
validated against both specs; ABC: raw key, validated against swagger.json).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from connector_service.connectors.checkout import CheckoutConnector
from connector_service.domain.common import Customer
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundSyncData,
    StoredMandate,
    SyncData,
    VoidData,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    DeclineCategory,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor import Executor
from tests.connectors.harness import make_ctx
from tests.fakes.checkout import CheckoutFake, start_fake

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")

CONNECTOR = CheckoutConnector()


@pytest.fixture(params=["nas", "abc"])
async def env(request: pytest.FixtureRequest) -> AsyncIterator[tuple[CheckoutFake, Executor]]:
    fake, runner = await start_fake(request.param)
    executor = Executor(transcript_sink=fake.transcripts.append)
    try:
        yield fake, executor
    finally:
        await executor.close()
        await runner.cleanup()
    assert fake.violations == []
    # every exchange was recorded, scrubbed: no card number, CVC or key survives
    for text in fake.transcripts:
        for secret in ("4242424242424242", '"737"', fake.secret):
            assert secret not in text


def ctx(fake: CheckoutFake) -> Any:
    return make_ctx(
        CONNECTOR,
        fake.credentials,
        fake.options,
        base_url=fake.base_url,
        idempotency_key=f"idem-{uuid.uuid4().hex}",
    )


def card() -> Card:
    return Card(number=Secret("4242424242424242"), exp_month=12, exp_year=2030, cvc=Secret("737"))


def ref(
    result: PaymentResult, capture: CaptureMethod, amount: int, currency: str = "USD"
) -> PaymentRef:
    assert result.connector_payment_id
    return PaymentRef(
        account="checkout-test",
        connector="checkout",
        connector_payment_id=result.connector_payment_id,
        amount=amount,
        currency=currency,
        capture_method=capture.value,
        meta=result.meta,
    )


async def visit(url: str) -> tuple[int, str]:
    """A browser following the 3-D Secure redirect: (status, Location)."""
    async with aiohttp.ClientSession() as browser, browser.get(url, allow_redirects=False) as page:
        return page.status, page.headers.get("Location", "")


def authorize(
    amount: int = 10000, capture: CaptureMethod = CaptureMethod.MANUAL, **kw: Any
) -> AuthorizeData:
    return AuthorizeData(
        amount=amount,
        currency="USD",
        payment_method=kw.pop("pm", None) or card(),
        capture_method=capture,
        reference=f"ord-{uuid.uuid4().hex[:12]}",
        **kw,
    )


async def test_authorize_capture_partial_refund_twice_sync(
    env: tuple[CheckoutFake, Executor],
) -> None:
    fake, ex = env
    auth = await ex.run(CONNECTOR, Flow.AUTHORIZE, ctx(fake), authorize())
    assert auth.status is PaymentStatus.AUTHORIZED
    pref = ref(auth, CaptureMethod.MANUAL, 10000)
    cap = await ex.run(
        CONNECTOR,
        Flow.CAPTURE,
        ctx(fake),
        CaptureData(payment=pref, amount=6000, reference="cap-1"),
    )
    assert cap.status is PaymentStatus.PROCESSING  # 202 Accepted: not captured yet
    refunds = []
    for amount in (2000, 1000):
        rf = await ex.run(
            CONNECTOR,
            Flow.REFUND,
            ctx(fake),
            RefundData(payment=pref, amount=amount, reference=f"rf-{amount}"),
        )
        assert rf.status is RefundStatus.PENDING and rf.connector_refund_id.startswith("act_")
        refunds.append(rf)
    assert refunds[0].connector_refund_id != refunds[1].connector_refund_id
    for rf, amount in zip(refunds, (2000, 1000), strict=True):
        rref = RefundRef(
            account="checkout-test",
            connector="checkout",
            connector_refund_id=rf.connector_refund_id,
            connector_payment_id=pref.connector_payment_id,
            amount=amount,
            currency="USD",
            meta=rf.meta,
        )
        synced = await ex.run(CONNECTOR, Flow.REFUND_SYNC, ctx(fake), RefundSyncData(refund=rref))
        assert synced.status is RefundStatus.SUCCEEDED and synced.amount == amount
    sync = await ex.run(CONNECTOR, Flow.SYNC, ctx(fake), SyncData(payment=pref))
    assert sync.status is PaymentStatus.CAPTURED
    assert sync.connector_status == "Partially Refunded"
    assert sync.amount_captured == (6000 if fake.key_type == "nas" else None)  # NAS has balances
    posted = [(m, p) for m, p, _ in fake.requests if m == "POST"]
    assert len(posted) == 4
    assert len(fake.transcripts) == len(fake.requests) == 7  # all recorded, then scrubbed
    assert "[CARD]" in fake.transcripts[0] and "[REDACTED]" in fake.transcripts[0]


async def test_auto_capture_settles_on_sync(env: tuple[CheckoutFake, Executor]) -> None:
    fake, ex = env
    auth = await ex.run(
        CONNECTOR, Flow.AUTHORIZE, ctx(fake), authorize(capture=CaptureMethod.AUTOMATIC)
    )
    assert auth.status is PaymentStatus.PROCESSING and auth.pending_reason == "capture_pending"
    sync = await ex.run(
        CONNECTOR, Flow.SYNC, ctx(fake), SyncData(payment=ref(auth, CaptureMethod.AUTOMATIC, 10000))
    )
    assert sync.status is PaymentStatus.CAPTURED


async def test_void(env: tuple[CheckoutFake, Executor]) -> None:
    fake, ex = env
    auth = await ex.run(CONNECTOR, Flow.AUTHORIZE, ctx(fake), authorize(4200))
    pref = ref(auth, CaptureMethod.MANUAL, 4200)
    void = await ex.run(CONNECTOR, Flow.VOID, ctx(fake), VoidData(payment=pref))
    assert void.status is PaymentStatus.PROCESSING and void.pending_reason == "void_pending"
    sync = await ex.run(CONNECTOR, Flow.SYNC, ctx(fake), SyncData(payment=pref))
    assert sync.status is PaymentStatus.VOIDED
    with pytest.raises(ServiceError) as err:  # a second void is not allowed (403)
        await ex.run(CONNECTOR, Flow.VOID, ctx(fake), VoidData(payment=pref))
    assert err.value.code == "payment_not_voidable"


async def test_three_ds_requires_action_then_completes(env: tuple[CheckoutFake, Executor]) -> None:
    fake, ex = env
    data = authorize(return_url="https://shop.example/return?order=42")
    auth = await ex.run(CONNECTOR, Flow.AUTHORIZE, ctx(fake), data)
    assert auth.status is PaymentStatus.REQUIRES_ACTION
    assert auth.next_action is not None and auth.next_action.url.startswith(fake.base_url)
    status, back = await visit(auth.next_action.url)  # the customer at the issuer's page
    assert status == 302
    assert back.startswith("https://shop.example/return?order=42&cko-session-id=sid_")
    session_id = back.rsplit("=", 1)[1]
    done = await ex.run(
        CONNECTOR,
        Flow.COMPLETE_AUTHORIZE,
        ctx(fake),
        CompleteAuthorizeData(
            payment=ref(auth, CaptureMethod.MANUAL, 10000), params={"cko-session-id": session_id}
        ),
    )
    assert done.status is PaymentStatus.AUTHORIZED
    assert done.card is not None and done.card.last4 == "4242"


async def test_three_ds_failure_is_a_decline(env: tuple[CheckoutFake, Executor]) -> None:
    fake, ex = env
    auth = await ex.run(
        CONNECTOR, Flow.AUTHORIZE, ctx(fake), authorize(return_url="https://shop.example/r")
    )
    status, _ = await visit(auth.next_action.url + "?outcome=failure")
    assert status == 302
    done = await ex.run(
        CONNECTOR,
        Flow.COMPLETE_AUTHORIZE,
        ctx(fake),
        CompleteAuthorizeData(payment=ref(auth, CaptureMethod.MANUAL, 10000), params={}),
    )
    assert done.status is PaymentStatus.FAILED
    assert done.failure.code == "authentication_failed"


async def test_mandate_setup_charge_and_revoke(env: tuple[CheckoutFake, Executor]) -> None:
    fake, ex = env
    setup = MandateSetupData(
        payment_method=card(),
        currency="USD",
        amount=0,
        reference="mandate-1",
        customer=Customer(email="selina@kyle.example", name="Selina Kyle"),
    )
    mandate = await ex.run(CONNECTOR, Flow.SETUP_MANDATE, ctx(fake), setup)
    assert mandate.status is MandateStatus.ACTIVE
    assert mandate.connector_mandate_id.startswith("src_")
    assert mandate.connector_customer_id.startswith("cus_")
    mref = MandateRef(
        account="checkout-test",
        connector="checkout",
        connector_mandate_id=mandate.connector_mandate_id,
        customer_id=mandate.connector_customer_id,
        currency="USD",
        network_transaction_id=mandate.network_transaction_id,
        meta=mandate.meta,
    )
    charge = await ex.run(
        CONNECTOR,
        Flow.AUTHORIZE,
        ctx(fake),
        authorize(2500, CaptureMethod.AUTOMATIC, pm=StoredMandate(ref=mref)),
    )
    assert charge.status is PaymentStatus.PROCESSING  # approved, capture under way
    mit = fake.requests[-1][2]
    assert mit["merchant_initiated"] is True and mit["source"] == {
        "type": "id",
        "id": mref.connector_mandate_id,
    }
    assert mit["previous_payment_id"] == mandate.network_transaction_id
    sync = await ex.run(
        CONNECTOR,
        Flow.SYNC,
        ctx(fake),
        SyncData(payment=ref(charge, CaptureMethod.AUTOMATIC, 2500)),
    )
    assert sync.status is PaymentStatus.CAPTURED
    revoked = await ex.run(
        CONNECTOR, Flow.REVOKE_MANDATE, ctx(fake), MandateRevokeData(mandate=mref)
    )
    assert revoked.status is MandateStatus.REVOKED
    with pytest.raises(ServiceError) as err:  # the stored card is gone
        await ex.run(
            CONNECTOR, Flow.AUTHORIZE, ctx(fake), authorize(2500, pm=StoredMandate(ref=mref))
        )
    assert err.value.field == "payment_method.mandate_id"


async def test_decline_and_idempotent_replay(env: tuple[CheckoutFake, Executor]) -> None:
    fake, ex = env
    context = ctx(fake)
    first = await ex.run(CONNECTOR, Flow.AUTHORIZE, context, authorize(5051))
    assert first.status is PaymentStatus.FAILED
    assert first.failure.code == "insufficient_funds"
    assert (
        first.failure.category is DeclineCategory.RETRY_LATER and first.failure.advice_code == "24"
    )
    again = await ex.run(CONNECTOR, Flow.AUTHORIZE, context, authorize(5051))  # same key
    assert again.connector_payment_id == first.connector_payment_id
    assert len(fake.payments) == 1


async def test_wrong_key_is_a_configuration_error(env: tuple[CheckoutFake, Executor]) -> None:
    fake, ex = env
    context = make_ctx(
        CONNECTOR, {"secret_key": "sk_sbox_wrongwrongwrong"}, fake.options, base_url=fake.base_url
    )
    with pytest.raises(ServiceError) as err:
        await ex.run(CONNECTOR, Flow.AUTHORIZE, context, authorize())
    assert err.value.code == "gateway_authentication_failed"


async def test_fake_rejects_requests_the_spec_rejects(env: tuple[CheckoutFake, Executor]) -> None:
    fake, _ = env
    auth = {"Authorization": f"Bearer {fake.secret}" if fake.key_type == "nas" else fake.secret}
    bad = {"amount": 100, "source": {"type": "card", "number": "4242424242424242"}}  # no currency
    url = f"{fake.base_url}/payments"
    async with aiohttp.ClientSession() as http, http.post(url, json=bad, headers=auth) as answer:
        assert answer.status == 400
        assert "violates" in (await answer.json())["violation"]
    assert fake.payments == {}
    fake.violations.clear()
