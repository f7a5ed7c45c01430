"""The unified event document: what client applications receive, whatever the gateway.

    {"id": "evt_…", "type": "payment.captured", "timestamp": "2025-01-31T12:00:00Z",
     "connector": "stripe", "account": "stripe-eu", "livemode": false,
     "connector_event_id": "evt_1Q…", "connector_event_type": "charge.captured",
     "connector_payment_id": "pi_…",
     "data": {"payment": {…the same document GET /v1/payments/{id} returns…}}}

``data`` holds the resource under its kind (``payment``, ``refund``, ``mandate`` or
``dispute``); it is empty for event types the service does not map (``type: unknown``).

The event id is derived from (connector, account, the gateway's event id), so the same
gateway event always has the same id: it is the duplicate key, the Standard Webhooks
``webhook-id`` (stable across retries and replays, for the receiver to dedupe) and what
the stateless ``/parse`` endpoint returns too.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import msgspec

from connector_service.core import disputes, unresolved
from connector_service.core.documents import method_summary
from connector_service.core.resources import (
    AMBIGUOUS_PENDING,
    MandateFacts,
    PaymentFacts,
    RefundFacts,
    Resources,
)
from connector_service.domain import api
from connector_service.domain.codec import encoder
from connector_service.domain.flows import (
    BANK_DEBIT_META,
    DisputeResult,
    MandateResult,
    PaymentResult,
    RefundResult,
    WebhookEvent,
    WebhookEventType,
)
from connector_service.domain.ids import Kind
from connector_service.domain.payment_methods import METHOD_KIND, MethodKind, PaymentMethodType
from connector_service.domain.status import CaptureMethod, PaymentStatus

# A dispute as events carry it: the very document GET /v1/disputes/{id} answers.
Dispute = api.Dispute


class EventData(msgspec.Struct, omit_defaults=True):
    payment: api.Payment | None = None
    refund: api.Refund | None = None
    mandate: api.Mandate | None = None
    dispute: Dispute | None = None


class Event(msgspec.Struct, omit_defaults=True):
    id: str
    type: str
    timestamp: str
    connector: str
    account: str
    livemode: bool
    connector_event_id: str
    connector_event_type: str
    data: EventData
    connector_payment_id: str | None = None
    occurred_at: str | None = None


def event_id(connector: str, account: str, connector_event_id: str) -> str:
    digest = hashlib.sha256(f"{connector}\x00{account}\x00{connector_event_id}".encode())
    return "evt_" + digest.hexdigest()[:32]


def gateway_event_ids(events: list[WebhookEvent], body: bytes) -> list[str]:
    """The duplicate key of each parsed event: the gateway's event id; when a gateway
    sends none, a digest of the raw body (a retransmission is byte-identical). Repeats
    within one webhook (several unified events from one gateway event) get ``#n``."""
    seen: dict[str, int] = {}
    out = []
    for ev in events:
        base = ev.event_id or "sha256:" + hashlib.sha256(body).hexdigest()[:32]
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}#{n}")
    return out


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


async def build_event(
    ev: WebhookEvent,
    *,
    gateway_event_id: str,
    connector: str,
    account: str,
    livemode: bool,
    resources: Resources,
    received_at: float,
    settle: bool = True,
) -> Event:
    """The unified document of one parsed gateway event. Every object in it carries the
    id the API gave it; an event about a payment created ``unresolved`` settles it
    (unless ``settle`` is off: the stateless ``/parse`` mode writes nothing)."""
    ids = _Ids(resources, account, settle)
    for gateway_mandate_id, setup_reference in ev.mandate_links:
        await ids.mandate(gateway_mandate_id, setup_reference)
    data = EventData()
    kind = ev.type
    if ev.payment is not None:
        data.payment = await _payment(ev, ev.payment, connector, account, ids)
        if data.payment.status is not ev.payment.status:  # a bank debit not settled yet
            kind = WebhookEventType.PAYMENT_PROCESSING
    if ev.refund is not None:
        data.refund = await _refund(ev, ev.refund, connector, account, ids)
    if ev.mandate is not None:
        data.mandate = await _mandate(ev.mandate, connector, account, ids)
    if ev.dispute is not None:
        data.dispute = await _dispute(ev.dispute, connector, account, ids)
    # The payment's main gateway id, also where the event named it by a secondary id.
    payment_gid = await ids.gateway_id(_payment_id_of(data)) or ev.connector_payment_id
    return Event(
        id=event_id(connector, account, gateway_event_id),
        type=kind.value,
        timestamp=_iso(received_at),
        connector=connector,
        account=account,
        livemode=livemode,
        connector_event_id=gateway_event_id,
        connector_event_type=ev.connector_event_type,
        data=data,
        connector_payment_id=payment_gid,
        occurred_at=ev.occurred_at,
    )


def _payment_id_of(data: EventData) -> str:
    if data.payment is not None:
        return data.payment.id
    if data.refund is not None:
        return data.refund.payment_id
    return (data.dispute.payment_id if data.dispute is not None else None) or ""


def encode_event(event: Event) -> bytes:
    return encoder.encode(event)


class _Ids:
    """Finds the ids the API issued for the objects an event names."""

    def __init__(self, resources: Resources, account: str, settle: bool) -> None:
        self.resources = resources
        self.account = account
        self.settle = settle

    async def payment(self, gateway_id: str, reference: str | None) -> str:
        res = self.resources
        unsettled = await res.unsettled_by_reference(Kind.PAYMENT, self.account, reference)
        if unsettled is not None:
            facts = await res.facts(Kind.PAYMENT, unsettled)
            known = isinstance(facts, PaymentFacts) and facts.connector_payment_id
            if gateway_id and not known:
                # The gateway tells what became of a payment the service answered
                # ``unresolved``: link its id to the one the caller holds.
                if self.settle:
                    await res.settle(Kind.PAYMENT, unsettled, self.account, gateway_id, reference)
                    await unresolved.forget(res.storage, unsettled)
                return unsettled
            if not gateway_id:
                return unsettled
        if not gateway_id:
            return ""
        return await res.id_for(Kind.PAYMENT, self.account, gateway_id)

    async def gateway_id(self, payment_id: str) -> str | None:
        """The gateway's main id of a payment the service knows (events may name it by a
        secondary id, e.g. a PayPal capture id)."""
        facts = await self.resources.facts(Kind.PAYMENT, payment_id) if payment_id else None
        if isinstance(facts, PaymentFacts) and facts.connector_payment_id:
            return facts.connector_payment_id
        return None

    async def link(self, payment_id: str, secondary_ids: list[str]) -> None:
        if self.settle and payment_id and secondary_ids:
            await self.resources.link(Kind.PAYMENT, self.account, payment_id, secondary_ids)

    async def mandate(self, gateway_id: str, reference: str) -> str:
        """A mandate's id; a set-up answered pending without the gateway's id (it had none
        yet) is linked to the id the event names, by the set-up's reference."""
        res = self.resources
        pending = await res.unsettled_by_reference(Kind.MANDATE, self.account, reference)
        if pending is not None and gateway_id:
            facts = await res.facts(Kind.MANDATE, pending)
            if isinstance(facts, MandateFacts) and not facts.connector_mandate_id:
                if self.settle:
                    await res.settle(Kind.MANDATE, pending, self.account, gateway_id, reference)
                return pending
        return await self.other(Kind.MANDATE, gateway_id)

    async def other(self, kind: Kind, gateway_id: str | None) -> str:
        if not gateway_id:
            return ""
        return await self.resources.id_for(kind, self.account, gateway_id)


async def _payment(
    ev: WebhookEvent, r: PaymentResult, connector: str, account: str, ids: _Ids
) -> api.Payment:
    """The payment as the API shows it, under the id the API gave it. Amount, currency
    and capture method come from the payment's fact record where the service created the
    payment (an event does not always say them); from the event otherwise."""
    gid = r.connector_payment_id or ev.connector_payment_id or ""
    payment_id = await ids.payment(gid, r.reference)
    await ids.link(payment_id, r.secondary_ids)
    facts = await ids.resources.facts(Kind.PAYMENT, payment_id) if payment_id else None
    if facts is None and r.reference:
        # Sent while this process is still creating it (before its record is saved).
        facts = ids.resources.creating.get(r.reference)
        if facts is AMBIGUOUS_PENDING:  # a shortened reference two payments share
            facts = None
    if isinstance(facts, PaymentFacts):
        amount, currency = facts.amount, facts.currency
        capture = CaptureMethod(facts.capture_method)
        # The payment's main gateway id, also where the event named it by a secondary id
        # (a Cybersource capture's own id); the event's id settles an unresolved payment.
        gid = facts.connector_payment_id or gid
        reference = facts.reference
        metadata = dict(facts.metadata)
        method = facts.payment_method
        debit = _is_debit(method) or facts.meta.get(BANK_DEBIT_META) == "1"
    else:
        amount = r.amount if r.amount is not None else (ev.amount or 0)
        currency = ev.currency or ""
        manual = r.status in (PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED)
        capture = CaptureMethod.MANUAL if manual else CaptureMethod.AUTOMATIC
        reference = r.reference
        metadata = {}  # a payment the service did not create: its metadata is the gateway's
        method = None
        debit = False
    status, amount_captured, pending_reason = r.status, r.amount_captured, r.pending_reason
    if ev.debit_not_settled and status is PaymentStatus.CAPTURED and debit:
        # The gateway sends this event for a captured card and for a bank debit it has
        # only submitted: the debit can still bounce, so it is not reported as captured.
        status, amount_captured, pending_reason = (
            PaymentStatus.PROCESSING,
            None,
            "settlement_pending",
        )
    mandate = None
    if r.mandate is not None and r.mandate.connector_mandate_id:
        mandate_id = await ids.other(Kind.MANDATE, r.mandate.connector_mandate_id)
        mandate = api.MandateSummary(id=mandate_id, status=r.mandate.status)
    return api.Payment(
        id=payment_id,
        status=status,
        amount=amount,
        currency=currency,
        connector=connector,
        account=account,
        connector_payment_id=gid,
        capture_method=capture,
        amount_captured=amount_captured,
        reference=reference,
        payment_method=method_summary(r.card, method),
        next_action=r.next_action,
        failure=r.failure,
        mandate=mandate,
        network_transaction_id=r.network_transaction_id,
        pending_reason=pending_reason,
        connector_status=r.connector_status,
        metadata=metadata,
    )


def _is_debit(method: str | None) -> bool:
    try:
        return (
            method is not None and METHOD_KIND[PaymentMethodType(method)] is MethodKind.BANK_DEBIT
        )
    except ValueError:
        return False


async def _refund(
    ev: WebhookEvent, r: RefundResult, connector: str, account: str, ids: _Ids
) -> api.Refund:
    rid = r.connector_refund_id or ""
    refund_id = await ids.other(Kind.REFUND, rid)
    facts = await ids.resources.facts(Kind.REFUND, refund_id) if refund_id else None
    if isinstance(facts, RefundFacts):
        payment_id, currency = facts.payment_id, facts.currency
        amount = r.amount if r.amount is not None else facts.amount
        reference: str | None = facts.reference
        metadata = dict(facts.metadata)
    else:
        payment_id = await ids.payment(ev.connector_payment_id or "", None)
        amount = r.amount if r.amount is not None else (ev.amount or 0)
        currency = ev.currency or ""
        reference = None
        metadata = {}
    return api.Refund(
        id=refund_id,
        status=r.status,
        amount=amount,
        currency=currency,
        payment_id=payment_id,
        connector=connector,
        account=account,
        connector_refund_id=rid,
        reference=reference,
        failure=r.failure,
        connector_status=r.connector_status,
        pending_reason=r.pending_reason,
        metadata=metadata,
    )


async def _mandate(r: MandateResult, connector: str, account: str, ids: _Ids) -> api.Mandate:
    mid = r.connector_mandate_id or ""
    return api.Mandate(
        id=await ids.other(Kind.MANDATE, mid),
        status=r.status,
        connector=connector,
        account=account,
        connector_mandate_id=mid,
        customer_id=r.connector_customer_id,
        payment_method=api.PaymentMethodSummary(type="card", card=r.card) if r.card else None,
        next_action=r.next_action,
        failure=r.failure,
        connector_status=r.connector_status,
    )


async def _dispute(r: DisputeResult, connector: str, account: str, ids: _Ids) -> Dispute:
    """The dispute under the id the API gives it; a received event also records what it
    tells in the dispute's fact record (the /parse mode writes nothing)."""
    return await disputes.record(ids.resources, account, connector, r, write=ids.settle)
