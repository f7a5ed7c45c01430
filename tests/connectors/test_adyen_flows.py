"""Adyen over real loopback HTTP: the executor drives the connector against the fake
gateway (tests/fakes/adyen.py), which validates every request against the official spec."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connector_service.connectors.adyen import AdyenConnector
from connector_service.connectors.base import ConnectorContext, HttpRequest
from connector_service.domain.common import Customer
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateRevokeData,
    MandateSetupData,
    RefundData,
    StoredMandate,
    SyncData,
    VoidData,
    WebhookEventType,
)
from connector_service.domain.ids import MandateRef, PaymentRef
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import (
    CaptureMethod,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)
from connector_service.executor import Executor
from tests.connectors.harness import make_ctx
from tests.fakes.adyen import (
    API_KEY,
    HMAC_KEY,
    MERCHANT,
    THREE_DS_CARD,
    AdyenFake,
    adyen_fake_fixture,  # noqa: F401  (provides the adyen_fake fixture)
)

connector = AdyenConnector()
PAN, CVC = "4111111145551142", "737"


@pytest.fixture
async def fake(adyen_fake: AdyenFake) -> AdyenFake:
    return adyen_fake


@pytest.fixture
async def executor() -> AsyncIterator[tuple[Executor, list[str]]]:
    transcripts: list[str] = []
    ex = Executor(transcript_sink=transcripts.append)
    try:
        yield ex, transcripts
    finally:
        await ex.close()


def ctx(fake: AdyenFake, key: str | None = "idem-1", api_key: str = API_KEY) -> ConnectorContext:
    return make_ctx(
        connector,
        {"api_key": api_key, "webhook_secret": HMAC_KEY},
        {"merchant_account": MERCHANT},
        base_url=fake.base_url,
        idempotency_key=key,
    )


def card(number: str = PAN, holder: str = "Jane Shopper") -> Card:
    return Card(
        number=Secret(number), exp_month=3, exp_year=2030, cvc=Secret(CVC), holder_name=holder
    )


def authorize(**kw: Any) -> AuthorizeData:
    values: dict[str, Any] = {
        "amount": 1000,
        "currency": "EUR",
        "payment_method": card(),
        "capture_method": CaptureMethod.MANUAL,
        "reference": "order-1001",
        "return_url": "https://shop.example.com/return",
    }
    values.update(kw)
    return AuthorizeData(**values)


def ref(psp: str, capture_method: str = "manual", **kw: Any) -> PaymentRef:
    return PaymentRef(
        account="adyen-test",
        connector="adyen",
        connector_payment_id=psp,
        amount=1000,
        currency="EUR",
        capture_method=capture_method,
        **kw,
    )


async def test_authorize_capture_refund_twice_then_sync(
    fake: AdyenFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, transcripts = executor
    auth = await ex.run(connector, Flow.AUTHORIZE, ctx(fake, "k-auth"), authorize())
    assert auth.status is PaymentStatus.AUTHORIZED
    psp = auth.connector_payment_id
    assert fake.payments[psp].manual

    capture = await ex.run(
        connector,
        Flow.CAPTURE,
        ctx(fake, "k-cap"),
        CaptureData(payment=ref(psp), amount=600, reference="cap-1"),
    )
    assert (capture.status, capture.pending_reason) == (
        PaymentStatus.PROCESSING,
        "awaiting_webhook",
    )
    assert fake.payments[psp].captured == 600
    [captured] = connector.webhook_parse({}, fake.webhook())
    assert connector.webhook_verify(ctx(fake), {}, fake.webhook())
    assert captured.type is WebhookEventType.PAYMENT_CAPTURED
    assert captured.connector_payment_id == psp
    assert captured.payment is not None
    assert captured.payment.amount_captured == 600
    assert capture.meta["capture_psp"] == fake.notifications[-1]["pspReference"]

    refunds = []
    for i in range(2):
        refund = await ex.run(
            connector,
            Flow.REFUND,
            ctx(fake, f"k-ref-{i}"),
            RefundData(payment=ref(psp), amount=250, reference=f"ref-{i}"),
        )
        assert refund.status is RefundStatus.PENDING
        [event] = connector.webhook_parse({}, fake.webhook())
        assert event.type is WebhookEventType.REFUND_SUCCEEDED
        assert event.refund is not None
        assert event.refund.connector_refund_id == refund.connector_refund_id
        refunds.append(refund.connector_refund_id)
    assert len(set(refunds)) == 2
    assert fake.payments[psp].refunded == 500

    # A third refund over what was captured is accepted, then refused by webhook.
    await ex.run(
        connector,
        Flow.REFUND,
        ctx(fake, "k-ref-3"),
        RefundData(payment=ref(psp), amount=250, reference="ref-3"),
    )
    [over] = connector.webhook_parse({}, fake.webhook())
    assert over.type is WebhookEventType.REFUND_FAILED

    # The Checkout API has no payment GET: sync is honestly not supported.
    with pytest.raises(ServiceError) as err:
        await ex.run(connector, Flow.SYNC, ctx(fake), SyncData(payment=ref(psp)))
    assert err.value.type is ErrorType.NOT_SUPPORTED

    log = "\n".join(transcripts)
    assert PAN not in log and API_KEY not in log and '"cvc":"737"' not in log
    assert "X-API-Key: [REDACTED]" in log


async def test_automatic_capture_and_idempotent_replay(
    fake: AdyenFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, _ = executor
    data = authorize(capture_method=CaptureMethod.AUTOMATIC)
    first = await ex.run(connector, Flow.AUTHORIZE, ctx(fake, "same-key"), data)
    assert first.status is PaymentStatus.CAPTURED
    assert first.amount_captured == 1000
    again = await ex.run(connector, Flow.AUTHORIZE, ctx(fake, "same-key"), data)
    assert again.connector_payment_id == first.connector_payment_id
    assert len(fake.payments) == 1


async def test_void(fake: AdyenFake, executor: tuple[Executor, list[str]]) -> None:
    ex, _ = executor
    auth = await ex.run(connector, Flow.AUTHORIZE, ctx(fake, "k-a"), authorize())
    void = await ex.run(
        connector, Flow.VOID, ctx(fake, None), VoidData(payment=ref(auth.connector_payment_id))
    )
    assert void.status is PaymentStatus.PROCESSING
    assert void.pending_reason == "awaiting_webhook"
    [event] = connector.webhook_parse({}, fake.webhook())
    assert event.type is WebhookEventType.PAYMENT_VOIDED
    assert fake.payments[auth.connector_payment_id].status == "cancelled"

    # An unresolved payment (no pspReference known) is cancelled by its reference.
    other = await ex.run(
        connector, Flow.AUTHORIZE, ctx(fake, "k-b"), authorize(reference="order-lost")
    )
    unresolved = ref("", meta={"reference": "order-lost"})
    await ex.run(connector, Flow.VOID, ctx(fake, "k-v"), VoidData(payment=unresolved))
    assert fake.payments[other.connector_payment_id].status == "cancelled"


async def test_three_d_secure_redirect_then_completion(
    fake: AdyenFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, _ = executor
    auth = await ex.run(
        connector,
        Flow.AUTHORIZE,
        ctx(fake, "k-3ds"),
        authorize(payment_method=card(THREE_DS_CARD), capture_method=CaptureMethod.AUTOMATIC),
    )
    assert auth.status is PaymentStatus.REQUIRES_ACTION
    assert auth.next_action is not None
    assert auth.next_action.type == "redirect"
    assert auth.next_action.method == "GET"
    assert "/threeDS/redirect" in auth.next_action.url
    psp = auth.connector_payment_id
    # The shopper authenticates; the browser comes back with a redirectResult.
    params = {"redirectResult": fake.redirect_result_for(psp)}
    done = await ex.run(
        connector,
        Flow.COMPLETE_AUTHORIZE,
        ctx(fake, "k-3ds-done"),
        CompleteAuthorizeData(payment=ref(psp, "automatic"), params=params),
    )
    assert done.status is PaymentStatus.CAPTURED
    assert done.connector_payment_id == psp
    with pytest.raises(ServiceError) as err:  # a redirectResult works once
        await ex.run(
            connector,
            Flow.COMPLETE_AUTHORIZE,
            ctx(fake, "k-3ds-again"),
            CompleteAuthorizeData(payment=ref(psp), params=params),
        )
    assert err.value.type is ErrorType.INVALID_REQUEST


async def test_mandate_setup_then_merchant_initiated_charge_then_revoke(
    fake: AdyenFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, _ = executor
    customer = Customer(id="shopper-42", email="jane@example.com")
    setup = MandateSetupData(
        payment_method=card(), currency="EUR", amount=0, customer=customer, reference="mandate-1"
    )
    mandate = await ex.run(connector, Flow.SETUP_MANDATE, ctx(fake, "k-m"), setup)
    assert mandate.status is MandateStatus.ACTIVE
    assert fake.stored[mandate.connector_mandate_id] == "shopper-42"
    mandate_ref = MandateRef(
        account="adyen-test",
        connector="adyen",
        connector_mandate_id=mandate.connector_mandate_id,
        customer_id="shopper-42",
        meta=mandate.meta,
    )
    charge = await ex.run(
        connector,
        Flow.AUTHORIZE,
        ctx(fake, "k-mit"),
        authorize(
            payment_method=StoredMandate(ref=mandate_ref),
            capture_method=CaptureMethod.AUTOMATIC,
            reference="sub-2026-01",
        ),
    )
    assert charge.status is PaymentStatus.CAPTURED
    sent = fake.requests[-1]
    assert b'"shopperInteraction":"ContAuth"' in (sent.body or b"")

    revoked = await ex.run(
        connector, Flow.REVOKE_MANDATE, ctx(fake), MandateRevokeData(mandate=mandate_ref)
    )
    assert revoked.status is MandateStatus.REVOKED
    assert mandate.connector_mandate_id not in fake.stored
    with pytest.raises(ServiceError) as err:  # the token is gone
        await ex.run(
            connector,
            Flow.AUTHORIZE,
            ctx(fake, "k-mit-2"),
            authorize(payment_method=StoredMandate(ref=mandate_ref)),
        )
    assert err.value.type is ErrorType.NOT_FOUND

    # A verification amount is authorised, then released straight away.
    verify = MandateSetupData(
        payment_method=card(), currency="EUR", amount=100, customer=customer, reference="m-2"
    )
    second = await ex.run(connector, Flow.SETUP_MANDATE, ctx(fake, "k-m2"), verify)
    assert second.status is MandateStatus.ACTIVE
    assert fake.requests[-1].url.endswith("/cancels")
    assert [p.status for p in fake.payments.values()][-1] == "cancelled"


async def test_declines_and_errors_over_http(
    fake: AdyenFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, _ = executor
    declined = await ex.run(
        connector,
        Flow.AUTHORIZE,
        ctx(fake, "k-d"),
        authorize(payment_method=card(holder="NOT_ENOUGH_BALANCE")),
    )
    assert declined.status is PaymentStatus.FAILED
    assert declined.failure is not None
    assert declined.failure.code == DeclineCode.INSUFFICIENT_FUNDS.value
    [event] = connector.webhook_parse({}, fake.webhook())
    assert event.type is WebhookEventType.PAYMENT_FAILED

    with pytest.raises(ServiceError) as err:
        await ex.run(connector, Flow.AUTHORIZE, ctx(fake, "k-e", api_key="wrong"), authorize())
    assert err.value.code == "gateway_authentication_failed"

    with pytest.raises(ServiceError) as err:
        await ex.run(
            connector,
            Flow.CAPTURE,
            ctx(fake, "k-c"),
            CaptureData(payment=ref("0000000000000000"), amount=1, reference="c"),
        )
    assert err.value.type is ErrorType.NOT_FOUND


async def test_fake_rejects_what_the_spec_forbids(
    fake: AdyenFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, _ = executor
    good = connector.build_authorize(ctx(fake), authorize())
    broken = HttpRequest(
        good.method,
        good.url,
        good.headers,
        good.body.replace(b'"shopperInteraction":"Ecommerce"', b'"shopperInteraction":"Mail"'),
    )
    answer = await ex.send(connector, ctx(fake), broken, Flow.AUTHORIZE)
    assert answer.status == 400
    assert "shopperInteraction" in fake.violations[0]
    fake.violations.clear()
