"""PayPal over real loopback HTTP: the executor drives the connector against the fake,
which validates every request against PayPal's published specs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from connector_service.connectors.base import ConnectorContext, HttpRequest
from connector_service.connectors.paypal import PayPalConnector
from connector_service.domain.common import Customer
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import (
    AccessToken,
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateRevokeData,
    MandateSetupData,
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
from tests.fakes.paypal import SIGNING_KEY, THREE_DS_CARD, PayPalFake

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
C = PayPalConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "paypal"
PAN, CVC = "4111111111111111", "739"


@pytest.fixture
async def fake() -> AsyncIterator[PayPalFake]:
    server = PayPalFake()
    await server.start()
    yield server
    assert server.violations == [], server.violations  # every request met the spec
    await server.close()


@pytest.fixture
async def executor() -> AsyncIterator[tuple[Executor, list[str]]]:
    transcripts: list[str] = []
    ex = Executor(transcript_sink=transcripts.append)
    yield ex, transcripts
    await ex.close()
    for text in transcripts:  # nothing secret reached a transcript either (random ids may
        for secret in (PAN, "2030-12", f'"security_code":"{CVC}"'):  # hold the CVC's digits)
            assert secret not in text
        assert '"security_code":"[CVC]"' in text or "security_code" not in text


async def session(ex: Executor, fake: PayPalFake, key: str | None = "idem-1") -> ConnectorContext:
    ctx = make_ctx(C, fake.credentials, fake.options, base_url=fake.base_url, idempotency_key=key)
    token: AccessToken = await ex.run(C, Flow.ACCESS_TOKEN, ctx, None)
    assert token.token in fake.tokens and token.expires_in == 32400
    return dataclasses.replace(ctx, access_token=Secret(token.token))


def card(number: str = PAN, name: str = "Jane Doe") -> Card:
    return Card(
        number=Secret(number), exp_month=12, exp_year=2030, cvc=Secret(CVC), holder_name=name
    )


def authorize(method: CaptureMethod = CaptureMethod.MANUAL, **kw: Any) -> AuthorizeData:
    base: dict[str, Any] = {
        "amount": 10000,
        "currency": "USD",
        "payment_method": card(),
        "capture_method": method,
        "reference": "order-1001",
    }
    return AuthorizeData(**(base | kw))


def ref(result: Any, method: str = "manual", amount: int = 10000) -> PaymentRef:
    """The payment id as the core builds it: the authorize result's meta only."""
    return PaymentRef(
        account="paypal-test",
        connector="paypal",
        connector_payment_id=result.connector_payment_id,
        amount=amount,
        currency="USD",
        capture_method=method,
        meta=result.meta,
    )


async def test_authorize_capture_refunds_sync(fake: PayPalFake, executor: Any) -> None:
    ex, transcripts = executor
    ctx = await session(ex, fake)
    auth = await ex.run(C, Flow.AUTHORIZE, ctx, authorize())
    assert auth.status is PaymentStatus.AUTHORIZED and auth.meta["intent"] == "AUTHORIZE"
    payment = ref(auth)
    cap = await ex.run(
        C,
        Flow.CAPTURE,
        dataclasses.replace(ctx, idempotency_key="idem-2"),
        # not final: the authorization stays open (PARTIALLY_CAPTURED at PayPal too)
        CaptureData(payment=payment, amount=6000, reference="cap-2001", final_capture=False),
    )
    assert cap.status is PaymentStatus.PARTIALLY_CAPTURED and cap.amount_captured == 6000
    refunds = []
    for i, amount in enumerate((2000, 1500)):
        refund = await ex.run(
            C,
            Flow.REFUND,
            dataclasses.replace(ctx, idempotency_key=f"idem-r{i}"),
            RefundData(payment=payment, amount=amount, reference=f"rf-{i}"),
        )
        assert refund.status is RefundStatus.SUCCEEDED and refund.amount == amount
        refunds.append(refund)
    assert refunds[0].connector_refund_id != refunds[1].connector_refund_id
    rref = RefundRef(
        account="paypal-test",
        connector="paypal",
        connector_refund_id=refunds[1].connector_refund_id,
        connector_payment_id=payment.connector_payment_id,
        amount=1500,
        currency="USD",
        meta=refunds[1].meta,
    )
    again = await ex.run(C, Flow.REFUND_SYNC, ctx, RefundSyncData(refund=rref))
    assert again.status is RefundStatus.SUCCEEDED and again.amount == 1500
    synced = await ex.run(C, Flow.SYNC, ctx, SyncData(payment=payment))
    assert synced.status is PaymentStatus.PARTIALLY_CAPTURED and synced.amount_captured == 6000
    # refunds went to the capture the connector found by reading the order
    assert [p for m, p, _ in fake.requests if m == "POST" and p.endswith("/refund")] == [
        f"/v2/payments/captures/{cap.meta['cap']}/refund"
    ] * 2
    with pytest.raises(ServiceError) as exc:  # PayPal refuses refunding more than is left
        await ex.run(
            C,
            Flow.REFUND,
            dataclasses.replace(ctx, idempotency_key="idem-r9"),
            RefundData(payment=payment, amount=5000, reference="rf-9"),
        )
    assert exc.value.code == "amount_too_large"
    assert any("Authorization: [REDACTED]" in t for t in transcripts)


async def test_automatic_capture_and_repeat_is_idempotent(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    first = await ex.run(C, Flow.AUTHORIZE, ctx, authorize(CaptureMethod.AUTOMATIC))
    again = await ex.run(C, Flow.AUTHORIZE, ctx, authorize(CaptureMethod.AUTOMATIC))
    assert first.status is PaymentStatus.CAPTURED and first.amount_captured == 10000
    assert again.connector_payment_id == first.connector_payment_id and len(fake.orders) == 1
    refund = await ex.run(
        C,
        Flow.REFUND,
        dataclasses.replace(ctx, idempotency_key="idem-r"),
        RefundData(payment=ref(first, "automatic"), amount=10000, reference="rf-1"),
    )
    assert refund.status is RefundStatus.SUCCEEDED and refund.meta == {"cap": first.meta["cap"]}


async def test_void(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    auth = await ex.run(C, Flow.AUTHORIZE, ctx, authorize())
    voided = await ex.run(C, Flow.VOID, ctx, VoidData(payment=ref(auth)))
    assert voided.status is PaymentStatus.VOIDED
    assert (
        await ex.run(C, Flow.SYNC, ctx, SyncData(payment=ref(auth)))
    ).status is PaymentStatus.VOIDED
    with pytest.raises(ServiceError) as exc:
        await ex.run(C, Flow.VOID, ctx, VoidData(payment=ref(auth)))
    assert exc.value.code == "payment_already_voided"


async def test_three_ds_requires_action_then_completes(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    data = authorize(
        payment_method=card(THREE_DS_CARD), return_url="https://shop.example.com/return"
    )
    pending = await ex.run(C, Flow.AUTHORIZE, ctx, data)
    assert pending.status is PaymentStatus.REQUIRES_ACTION and pending.next_action is not None
    assert f"cart_id={pending.connector_payment_id}" in pending.next_action.url
    payment = ref(pending)
    complete = CompleteAuthorizeData(
        payment=payment, params={"token": payment.connector_payment_id}
    )
    still = await ex.run(C, Flow.COMPLETE_AUTHORIZE, ctx, complete)
    assert still.status is PaymentStatus.REQUIRES_ACTION  # the payer has not finished yet
    async with aiohttp.ClientSession() as http:  # the payer passes the challenge
        await http.post(
            f"{fake.base_url}/__fake__/payer-action/{payment.connector_payment_id}?outcome=Y"
        )
    done = await ex.run(
        C, Flow.COMPLETE_AUTHORIZE, dataclasses.replace(ctx, idempotency_key="idem-c"), complete
    )
    assert done.status is PaymentStatus.AUTHORIZED and done.meta["auth"]
    # the payment id has no authorization id (completion meta is not kept): capture finds it
    cap = await ex.run(
        C, Flow.CAPTURE, ctx, CaptureData(payment=payment, amount=10000, reference="cap-1")
    )
    assert cap.status is PaymentStatus.CAPTURED and cap.meta["auth"] == done.meta["auth"]


async def test_three_ds_failed_does_not_charge(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    pending = await ex.run(
        C,
        Flow.AUTHORIZE,
        ctx,
        authorize(CaptureMethod.AUTOMATIC, payment_method=card(THREE_DS_CARD)),
    )
    async with aiohttp.ClientSession() as http:
        await http.post(
            f"{fake.base_url}/__fake__/payer-action/{pending.connector_payment_id}?outcome=N"
        )
    result = await ex.run(
        C,
        Flow.COMPLETE_AUTHORIZE,
        ctx,
        CompleteAuthorizeData(payment=ref(pending, "automatic"), params={}),
    )
    assert result.status is PaymentStatus.FAILED and result.failure.code == "authentication_failed"
    assert not any(p.endswith("/capture") for _, p, _ in fake.requests)


async def test_account_needing_an_explicit_authorize_call(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    fake.defer_processing = True
    ctx = await session(ex, fake)
    result = await ex.run(C, Flow.AUTHORIZE, ctx, authorize())
    assert result.status is PaymentStatus.AUTHORIZED
    assert [p for m, p, _ in fake.requests if m == "POST"][-1].endswith("/authorize")


async def test_declines(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    soft = await ex.run(C, Flow.AUTHORIZE, ctx, authorize(payment_method=card(name="CCREJECT-IF")))
    assert soft.status is PaymentStatus.FAILED and soft.connector_payment_id
    assert (soft.failure.code, soft.failure.advice_code, soft.failure.category) == (
        "insufficient_funds",
        "02",
        DeclineCategory.RETRY_LATER,
    )
    hard = await ex.run(
        C,
        Flow.AUTHORIZE,
        dataclasses.replace(ctx, idempotency_key="idem-h"),
        authorize(CaptureMethod.AUTOMATIC, payment_method=card(name="CCREJECT-SF")),
    )
    assert hard.status is PaymentStatus.FAILED and hard.failure.code == "fraud_suspected"
    assert hard.failure.category is DeclineCategory.HARD
    with pytest.raises(ServiceError) as exc:
        await ex.run(
            C,
            Flow.AUTHORIZE,
            dataclasses.replace(ctx, idempotency_key="idem-i"),
            authorize(payment_method=card(name="CCREJECT-INSTRUMENT")),
        )
    assert exc.value.code == "payment_declined"


async def test_mandate_setup_then_merchant_initiated_charge(
    fake: PayPalFake, executor: Any
) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    mandate = await ex.run(
        C,
        Flow.SETUP_MANDATE,
        ctx,
        MandateSetupData(
            payment_method=card(),
            currency="USD",
            amount=0,
            customer=Customer(id="cus_1001"),
            reference="man-1",
        ),
    )
    assert mandate.status is MandateStatus.ACTIVE and mandate.connector_customer_id == "cus_1001"
    mref = MandateRef(
        account="paypal-test",
        connector="paypal",
        connector_mandate_id=mandate.connector_mandate_id,
        customer_id=mandate.connector_customer_id,
        currency="USD",
        network_transaction_id=mandate.network_transaction_id,
    )
    charge = await ex.run(
        C,
        Flow.AUTHORIZE,
        dataclasses.replace(ctx, idempotency_key="idem-mit"),
        authorize(
            CaptureMethod.AUTOMATIC, payment_method=StoredMandate(ref=mref), reference="order-2001"
        ),
    )
    assert charge.status is PaymentStatus.CAPTURED
    sent = [b for m, p, b in fake.requests if m == "POST" and p == "/v2/checkout/orders"][-1]
    stored = sent["payment_source"]["card"]["stored_credential"]
    assert stored["payment_initiator"] == "MERCHANT" and stored["usage"] == "SUBSEQUENT"
    assert stored["previous_network_transaction_reference"]["id"] == mandate.network_transaction_id
    revoked = await ex.run(C, Flow.REVOKE_MANDATE, ctx, MandateRevokeData(mandate=mref))
    assert revoked.status is MandateStatus.REVOKED and not fake.vault
    with pytest.raises(ServiceError):  # the vault id is gone: PayPal refuses the charge
        await ex.run(
            C,
            Flow.AUTHORIZE,
            dataclasses.replace(ctx, idempotency_key="idem-mit2"),
            authorize(payment_method=StoredMandate(ref=mref), reference="order-2002"),
        )


async def test_payment_that_saves_the_card(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    result = await ex.run(
        C,
        Flow.AUTHORIZE,
        ctx,
        authorize(CaptureMethod.AUTOMATIC, setup_future_usage=True, customer=Customer(id="cus_7")),
    )
    assert result.mandate is not None and result.mandate.status is MandateStatus.ACTIVE
    assert (
        result.mandate.connector_mandate_id in fake.vault
        and result.mandate.connector_customer_id == "cus_7"
    )


async def test_expired_token_is_reported_for_the_core_to_refresh(
    fake: PayPalFake, executor: Any
) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    auth = await ex.run(C, Flow.AUTHORIZE, ctx, authorize())
    fake.revoke_tokens()
    with pytest.raises(ServiceError) as exc:
        await ex.run(C, Flow.SYNC, ctx, SyncData(payment=ref(auth)))
    assert exc.value.code == "gateway_authentication_failed"
    fresh = await session(ex, fake)
    assert (
        await ex.run(C, Flow.SYNC, fresh, SyncData(payment=ref(auth)))
    ).status is PaymentStatus.AUTHORIZED
    bad = make_ctx(
        C, {"client_id": fake.client_id, "client_secret": "wrong"}, base_url=fake.base_url
    )
    with pytest.raises(ServiceError) as exc:
        await ex.run(C, Flow.ACCESS_TOKEN, bad, None)
    assert exc.value.code == "gateway_authentication_failed"
    fake.violations.clear()  # the wrong secret was the point of this last call


async def verify(ex: Executor, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
    request = C.webhook_verify(ctx, headers, body)
    if not isinstance(request, HttpRequest):
        return request
    response = await ex.send(C, ctx, request, Flow.VERIFY_WEBHOOK)
    return C.parse_verify_webhook(ctx, response)


async def test_webhook_verified_by_paypals_api(fake: PayPalFake, executor: Any) -> None:
    ex, _ = executor
    ctx = await session(ex, fake)
    body = (FIXTURES / "webhook_capture_completed.json").read_bytes()
    headers = fake.webhook_headers(body)
    assert await verify(ex, ctx, headers, body) is True
    tampered = json.loads(body)
    tampered["resource"]["amount"]["value"] = "1.00"
    assert await verify(ex, ctx, headers, json.dumps(tampered).encode()) is False
    assert await verify(ex, ctx, fake.webhook_headers(body, key=b"not-paypals-key"), body) is False
    other_hook = dataclasses.replace(ctx, options={"webhook_id": "1JE4291016473214C"})
    assert await verify(ex, other_hook, headers, body) is False
    calls = sum(1 for _, p, _ in fake.requests if p.endswith("verify-webhook-signature"))
    stale = fake.webhook_headers(body, when=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    assert await verify(ex, ctx, stale, body) is False
    missing = {k: v for k, v in headers.items() if k != "paypal-transmission-sig"}
    assert await verify(ex, ctx, missing, body) is False
    assert sum(1 for _, p, _ in fake.requests if p.endswith("verify-webhook-signature")) == calls
    assert SIGNING_KEY not in body
