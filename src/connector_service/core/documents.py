"""The API documents the flows answer, built from what a connector returned and the
facts the service kept. One builder per resource, so every flow (create, sync, capture,
resume, webhook-driven or not) answers the same shape."""

from __future__ import annotations

from connector_service.core.resources import PaymentFacts, RefundFacts
from connector_service.domain import api
from connector_service.domain.common import CardSummary
from connector_service.domain.flows import MandateResult, PaymentResult, RefundResult
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import (
    AchDebit,
    Card,
    NetworkToken,
    Token,
    Upi,
    type_of,
)
from connector_service.domain.status import CaptureMethod

_CARD_WALLETS = frozenset({"network_token", "apple_pay", "google_pay"})


def method_summary(card: CardSummary | None, method: str | None) -> api.PaymentMethodSummary | None:
    """A payment's method as answers and events show it: the gateway's card summary when
    it gave one, under the type the payment was made with for a wallet or network token
    (they pay with a card the gateway may summarise); else the type alone (``method``,
    kept in the payment's facts: a synced iDEAL or SEPA payment)."""
    if card:
        shown = method if method in _CARD_WALLETS else "card"
        return api.PaymentMethodSummary(type=shown, card=card)
    return api.PaymentMethodSummary(type=method) if method is not None else None


def payment_document(
    ref: PaymentRef, result: PaymentResult, *, payment_id: str, facts: PaymentFacts
) -> api.Payment:
    """The payment as the API answers it: the gateway's ``result`` over what the service
    kept of it (``facts``: the caller's reference and metadata, and the payment_method.type
    it was made with, shown when the gateway's answer carries no card summary, e.g. a
    synced iDEAL or SEPA payment)."""
    return api.Payment(
        id=payment_id,
        status=result.status,
        amount=result.amount if result.amount is not None else ref.amount,
        currency=ref.currency,
        connector=ref.connector,
        account=ref.account,
        connector_payment_id=result.connector_payment_id or ref.connector_payment_id,
        capture_method=CaptureMethod(ref.capture_method),
        amount_captured=result.amount_captured,
        reference=facts.reference,
        payment_method=method_summary(result.card, facts.payment_method),
        next_action=result.next_action,
        failure=result.failure,
        network_transaction_id=result.network_transaction_id,
        pending_reason=result.pending_reason,
        connector_status=result.connector_status,
        metadata=facts.metadata,
    )


def refund_document(
    rref: RefundRef, result: RefundResult, *, refund_id: str, facts: RefundFacts
) -> api.Refund:
    return api.Refund(
        id=refund_id,
        status=result.status,
        amount=result.amount if result.amount is not None else rref.amount,
        currency=rref.currency,
        payment_id=facts.payment_id,
        connector=rref.connector,
        account=rref.account,
        connector_refund_id=result.connector_refund_id or rref.connector_refund_id,
        reference=facts.reference,
        failure=result.failure,
        connector_status=result.connector_status,
        pending_reason=result.pending_reason,
        metadata=dict(facts.metadata),
    )


def mandate_document(
    mref: MandateRef,
    result: MandateResult,
    *,
    mandate_id: str,
    pm: Card | Token | Upi | AchDebit | None = None,
) -> api.Mandate:
    summary = api.PaymentMethodSummary(type="card", card=result.card) if result.card else None
    if summary is None and pm is not None:
        summary = pm_summary(pm)
    return api.Mandate(
        id=mandate_id,
        status=result.status,
        connector=mref.connector,
        account=mref.account,
        connector_mandate_id=result.connector_mandate_id or mref.connector_mandate_id,
        customer_id=mref.customer_id,
        payment_method=summary,
        next_action=result.next_action,
        failure=result.failure,
        connector_status=result.connector_status,
    )


def pm_summary(pm: object) -> api.PaymentMethodSummary:
    """What may be shown of the method the caller gave: its type, and for a card or a
    network token the card summary (never a number, account or secret)."""
    if isinstance(pm, NetworkToken):
        return api.PaymentMethodSummary(
            type="network_token",
            card=CardSummary(
                brand=pm.brand.value, last4=pm.last4, exp_month=pm.exp_month, exp_year=pm.exp_year
            ),
        )
    if not isinstance(pm, Card | Token):
        return api.PaymentMethodSummary(type=type_of(pm).value)
    if isinstance(pm, Card):
        return api.PaymentMethodSummary(
            type="card",
            card=CardSummary(
                brand=pm.brand.value,
                last4=pm.last4,
                exp_month=pm.exp_month,
                exp_year=pm.exp_year,
            ),
        )
    return api.PaymentMethodSummary(type="token")
