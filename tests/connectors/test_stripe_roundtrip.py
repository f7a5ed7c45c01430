"""Stripe over real loopback HTTP: the shared executor drives the connector against the
spec-validating fake (tests/fakes/stripe.py), flow after flow on one consistent state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp
import pytest

from connector_service.connectors.base import ConnectorContext
from connector_service.connectors.stripe import StripeConnector
from connector_service.domain.common import Customer
from connector_service.domain.errors import DeclineCode, ErrorType, ServiceError
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
from tests.fakes.stripe import API_KEY, THREE_DS_CARD, WEBHOOK_SECRET, StripeFake, stripe_fake

__all__ = ["stripe_fake"]  # the fixture, imported for pytest

connector = StripeConnector()
RETURN_URL = "https://shop.example.com/checkout/return"


@pytest.fixture
async def executor() -> AsyncIterator[tuple[Executor, list[str]]]:
    transcripts: list[str] = []
    ex = Executor(transcript_sink=transcripts.append)
    try:
        yield ex, transcripts
    finally:
        await ex.close()


def ctx(fake: StripeFake, key: str | None = None) -> ConnectorContext:
    return make_ctx(
        connector,
        {"api_key": API_KEY, "webhook_secret": WEBHOOK_SECRET},
        base_url=fake.base_url,
        idempotency_key=key,
    )


def card(number: str = "4242424242424242") -> Card:
    return Card(number=Secret(number), exp_month=12, exp_year=2030, cvc=Secret("314"))


def authorize(pm: Any, capture: CaptureMethod = CaptureMethod.MANUAL, **kw: Any) -> AuthorizeData:
    return AuthorizeData(
        amount=kw.pop("amount", 2000),
        currency="EUR",
        payment_method=pm,
        capture_method=capture,
        reference=kw.pop("reference", "order-1"),
        return_url=RETURN_URL,
        **kw,
    )


def ref(result: PaymentResult, capture: str = "manual", amount: int = 2000) -> PaymentRef:
    assert result.connector_payment_id
    return PaymentRef(
        account="stripe-test",
        connector="stripe",
        connector_payment_id=result.connector_payment_id,
        amount=amount,
        currency="EUR",
        capture_method=capture,
        meta=result.meta,
    )


def assert_clean(fake: StripeFake, transcripts: list[str]) -> None:
    assert fake.violations == []
    assert transcripts
    for text in transcripts:
        for secret in ("4242424242424242", THREE_DS_CARD, "=314", API_KEY, "_secret_"):
            assert secret not in text


async def test_authorize_capture_refund_sync(
    stripe_fake: StripeFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, transcripts = executor
    auth = await ex.run(connector, Flow.AUTHORIZE, ctx(stripe_fake, "k-auth"), authorize(card()))
    assert auth.status is PaymentStatus.AUTHORIZED and auth.card.last4 == "4242"
    payment = ref(auth)
    # The same idempotency key replays the first answer instead of paying twice.
    again = await ex.run(connector, Flow.AUTHORIZE, ctx(stripe_fake, "k-auth"), authorize(card()))
    assert again.connector_payment_id == auth.connector_payment_id
    assert len(stripe_fake.intents) == 1

    captured = await ex.run(
        connector,
        Flow.CAPTURE,
        ctx(stripe_fake, "k-cap"),
        CaptureData(payment=payment, amount=1500, reference="cap-1"),
    )
    assert captured.status is PaymentStatus.PARTIALLY_CAPTURED and captured.amount_captured == 1500

    refunds = []
    for n in (1, 2):
        refund = await ex.run(
            connector,
            Flow.REFUND,
            ctx(stripe_fake, f"k-ref-{n}"),
            RefundData(payment=payment, amount=500, reference=f"refund-{n}"),
        )
        assert refund.status is RefundStatus.SUCCEEDED and refund.amount == 500
        refunds.append(refund)
    assert refunds[0].connector_refund_id != refunds[1].connector_refund_id
    with pytest.raises(ServiceError) as too_much:
        await ex.run(
            connector,
            Flow.REFUND,
            ctx(stripe_fake, "k-ref-3"),
            RefundData(payment=payment, amount=501, reference="refund-3"),
        )
    assert too_much.value.type is ErrorType.INVALID_REQUEST and too_much.value.field == "amount"

    refund_ref = RefundRef(
        account="stripe-test",
        connector="stripe",
        connector_refund_id=refunds[1].connector_refund_id,
        connector_payment_id=payment.connector_payment_id,
        amount=500,
        currency="EUR",
    )
    synced_refund = await ex.run(
        connector, Flow.REFUND_SYNC, ctx(stripe_fake), RefundSyncData(refund=refund_ref)
    )
    assert synced_refund.status is RefundStatus.SUCCEEDED
    synced = await ex.run(connector, Flow.SYNC, ctx(stripe_fake), SyncData(payment=payment))
    assert synced.status is PaymentStatus.PARTIALLY_CAPTURED and synced.amount_captured == 1500
    charge = next(iter(stripe_fake.charges.values()))
    assert charge["amount_refunded"] == 1000
    assert_clean(stripe_fake, transcripts)


async def test_void_and_unresolved_sync(
    stripe_fake: StripeFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, transcripts = executor
    auth = await ex.run(
        connector, Flow.AUTHORIZE, ctx(stripe_fake, "k-v"), authorize(card(), reference="order-v'1")
    )
    # As if the authorize had timed out: only our reference is known.
    lost = PaymentRef(
        account="stripe-test",
        connector="stripe",
        connector_payment_id="",
        amount=2000,
        currency="EUR",
        capture_method="manual",
        meta={"reference": "order-v'1"},
    )
    found = await ex.run(connector, Flow.SYNC, ctx(stripe_fake), SyncData(payment=lost))
    assert found.connector_payment_id == auth.connector_payment_id
    assert found.status is PaymentStatus.AUTHORIZED
    missing = await ex.run(
        connector,
        Flow.SYNC,
        ctx(stripe_fake),
        SyncData(payment=PaymentRef(**{**_fields(lost), "meta": {"reference": "never-sent"}})),
    )
    assert missing.status is PaymentStatus.UNRESOLVED

    voided = await ex.run(
        connector, Flow.VOID, ctx(stripe_fake), VoidData(payment=ref(auth), reason="duplicate")
    )
    assert voided.status is PaymentStatus.VOIDED
    with pytest.raises(ServiceError) as twice:
        await ex.run(connector, Flow.VOID, ctx(stripe_fake), VoidData(payment=ref(auth)))
    assert twice.value.type is ErrorType.CONFLICT
    assert_clean(stripe_fake, transcripts)


def _fields(r: PaymentRef) -> dict[str, Any]:
    return {f: getattr(r, f) for f in r.__struct_fields__}


async def test_decline_is_a_result(
    stripe_fake: StripeFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, transcripts = executor
    result = await ex.run(
        connector, Flow.AUTHORIZE, ctx(stripe_fake, "k-d"), authorize(card("4000000000009995"))
    )
    assert result.status is PaymentStatus.FAILED and result.connector_payment_id
    assert result.failure.code == DeclineCode.INSUFFICIENT_FUNDS
    assert result.failure.category is DeclineCategory.RETRY_LATER
    lost = await ex.run(
        connector, Flow.AUTHORIZE, ctx(stripe_fake, "k-l"), authorize(card("4000000000009987"))
    )
    assert (
        lost.failure.code == DeclineCode.LOST_CARD and lost.failure.category is DeclineCategory.HARD
    )
    assert_clean(stripe_fake, transcripts)


async def _customer_visits(url: str, outcome: str) -> dict[str, str]:
    """Play the customer's browser on the 3-D Secure page; return the redirect's params."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, params={"outcome": outcome}, allow_redirects=False) as resp,
    ):
        assert resp.status == 302
        location = resp.headers["Location"]
    assert location.startswith(RETURN_URL)
    return dict(parse_qsl(urlsplit(location).query))


@pytest.mark.parametrize(
    ("outcome", "expected"), [("succeed", PaymentStatus.AUTHORIZED), ("fail", PaymentStatus.FAILED)]
)
async def test_three_d_secure_then_complete(
    stripe_fake: StripeFake,
    executor: tuple[Executor, list[str]],
    outcome: str,
    expected: PaymentStatus,
) -> None:
    ex, transcripts = executor
    auth = await ex.run(
        connector, Flow.AUTHORIZE, ctx(stripe_fake, "k-3ds"), authorize(card(THREE_DS_CARD))
    )
    assert auth.status is PaymentStatus.REQUIRES_ACTION
    assert auth.next_action is not None and auth.next_action.type == "redirect"
    params = await _customer_visits(auth.next_action.url, outcome)
    assert params["payment_intent"] == auth.connector_payment_id
    done = await ex.run(
        connector,
        Flow.COMPLETE_AUTHORIZE,
        ctx(stripe_fake, "k-3ds-done"),
        CompleteAuthorizeData(payment=ref(auth), params=params),
    )
    assert done.status is expected
    if expected is PaymentStatus.FAILED:
        assert done.failure.code == DeclineCode.AUTHENTICATION_FAILED
    assert_clean(stripe_fake, transcripts)


async def test_mandate_setup_charge_and_revoke(
    stripe_fake: StripeFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, transcripts = executor
    setup = MandateSetupData(
        payment_method=card(),
        currency="EUR",
        amount=0,
        reference="mandate-1",
        customer=Customer(id="shopper-42", email="jenny@example.com", name="Jenny Rosen"),
        return_url=RETURN_URL,
    )
    mandate = await ex.run(connector, Flow.SETUP_MANDATE, ctx(stripe_fake, "k-m"), setup)
    assert mandate.status is MandateStatus.ACTIVE
    assert mandate.connector_mandate_id.startswith("pm_")
    assert mandate.connector_customer_id in stripe_fake.customers
    assert mandate.card.last4 == "4242"
    stored = StoredMandate(
        ref=MandateRef(
            account="stripe-test",
            connector="stripe",
            connector_mandate_id=mandate.connector_mandate_id,
            customer_id=mandate.connector_customer_id,
            currency="EUR",
        )
    )
    for n in (1, 2):  # merchant-initiated, repeatable
        charge = await ex.run(
            connector,
            Flow.AUTHORIZE,
            ctx(stripe_fake, f"k-mit-{n}"),
            authorize(stored, CaptureMethod.AUTOMATIC, amount=999, reference=f"mit-{n}"),
        )
        assert charge.status is PaymentStatus.CAPTURED and charge.amount_captured == 999
    revoked = await ex.run(
        connector,
        Flow.REVOKE_MANDATE,
        ctx(stripe_fake, "k-rev"),
        MandateRevokeData(mandate=stored.ref),
    )
    assert revoked.status is MandateStatus.REVOKED
    with pytest.raises(ServiceError):
        await ex.run(
            connector,
            Flow.AUTHORIZE,
            ctx(stripe_fake, "k-mit-3"),
            authorize(stored, CaptureMethod.AUTOMATIC, reference="mit-3"),
        )
    assert_clean(stripe_fake, transcripts)


async def test_payment_with_setup_future_usage_then_off_session(
    stripe_fake: StripeFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, transcripts = executor
    first = await ex.run(
        connector,
        Flow.AUTHORIZE,
        ctx(stripe_fake, "k-sfu"),
        authorize(
            card(),
            CaptureMethod.AUTOMATIC,
            setup_future_usage=True,
            customer=Customer(email="jenny@example.com"),
        ),
    )
    assert first.status is PaymentStatus.CAPTURED
    assert first.mandate is not None and first.mandate.status is MandateStatus.ACTIVE
    stored = StoredMandate(
        ref=MandateRef(
            account="stripe-test",
            connector="stripe",
            connector_mandate_id=first.mandate.connector_mandate_id,
            customer_id=first.mandate.connector_customer_id,
        )
    )
    later = await ex.run(
        connector,
        Flow.AUTHORIZE,
        ctx(stripe_fake, "k-sfu-2"),
        authorize(stored, CaptureMethod.AUTOMATIC, reference="renewal"),
    )
    assert later.status is PaymentStatus.CAPTURED
    assert_clean(stripe_fake, transcripts)


async def test_wrong_key_is_a_configuration_error(
    stripe_fake: StripeFake, executor: tuple[Executor, list[str]]
) -> None:
    ex, _ = executor
    bad = make_ctx(connector, {"api_key": "sk_test_wrong0000"}, base_url=stripe_fake.base_url)
    with pytest.raises(ServiceError) as caught:
        await ex.run(connector, Flow.AUTHORIZE, bad, authorize(card()))
    assert caught.value.code == "gateway_authentication_failed"
    assert stripe_fake.violations == []
