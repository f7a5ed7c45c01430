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

from connector_service.domain import api
from connector_service.domain.codec import encoder
from connector_service.domain.flows import (
    DisputeResult,
    MandateResult,
    PaymentResult,
    RefundResult,
    WebhookEvent,
)
from connector_service.domain.ids import IdCodec, MandateRef, PaymentRef, RefundRef
from connector_service.domain.status import CaptureMethod, DisputeStatus, PaymentStatus


class Dispute(msgspec.Struct, omit_defaults=True):
    """A dispute as events carry it (the API has no dispute resource yet)."""

    status: DisputeStatus
    connector: str
    account: str
    connector_dispute_id: str
    connector_payment_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    reason: str | None = None
    evidence_due_by: str | None = None
    connector_status: str | None = None


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


def build_event(
    ev: WebhookEvent,
    *,
    gateway_event_id: str,
    connector: str,
    account: str,
    livemode: bool,
    ids: IdCodec,
    received_at: float,
) -> Event:
    """The unified document of one parsed gateway event."""
    data = EventData()
    if ev.payment is not None:
        data.payment = _payment(ev, ev.payment, connector, account, ids)
    if ev.refund is not None:
        data.refund = _refund(ev, ev.refund, connector, account, ids)
    if ev.mandate is not None:
        data.mandate = _mandate(ev, ev.mandate, connector, account, ids)
    if ev.dispute is not None:
        data.dispute = _dispute(ev.dispute, connector, account)
    return Event(
        id=event_id(connector, account, gateway_event_id),
        type=ev.type.value,
        timestamp=_iso(received_at),
        connector=connector,
        account=account,
        livemode=livemode,
        connector_event_id=gateway_event_id,
        connector_event_type=ev.connector_event_type,
        data=data,
        connector_payment_id=ev.connector_payment_id,
        occurred_at=ev.occurred_at,
    )


def encode_event(event: Event) -> bytes:
    return encoder.encode(event)


def _payment(
    ev: WebhookEvent, r: PaymentResult, connector: str, account: str, ids: IdCodec
) -> api.Payment:
    """The payment as the API shows it. Its ``id`` is a self-describing id built from
    what the event tells (an event does not say the capture method or always the
    amount); ``connector_payment_id`` is the exact key to match the API's answers."""
    pid = r.connector_payment_id or ev.connector_payment_id or ""
    amount = r.amount if r.amount is not None else (ev.amount or 0)
    currency = ev.currency or ""
    manual = r.status in (PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED)
    capture = CaptureMethod.MANUAL if manual else CaptureMethod.AUTOMATIC
    ref = PaymentRef(account, connector, pid, amount, currency, capture.value, dict(r.meta))
    mandate = None
    if r.mandate is not None and r.mandate.connector_mandate_id:
        mref = MandateRef(
            account,
            connector,
            r.mandate.connector_mandate_id,
            r.mandate.connector_customer_id,
            currency or None,
            r.mandate.network_transaction_id,
            dict(r.mandate.meta),
        )
        mandate = api.MandateSummary(id=ids.encode(mref), status=r.mandate.status)
    return api.Payment(
        id=ids.encode(ref),
        status=r.status,
        amount=amount,
        currency=currency,
        connector=connector,
        account=account,
        connector_payment_id=pid,
        capture_method=capture,
        amount_captured=r.amount_captured,
        payment_method=api.PaymentMethodSummary(type="card", card=r.card) if r.card else None,
        next_action=r.next_action,
        failure=r.failure,
        mandate=mandate,
        network_transaction_id=r.network_transaction_id,
        pending_reason=r.pending_reason,
        connector_status=r.connector_status,
    )


def _refund(
    ev: WebhookEvent, r: RefundResult, connector: str, account: str, ids: IdCodec
) -> api.Refund:
    rid = r.connector_refund_id or ""
    amount = r.amount if r.amount is not None else (ev.amount or 0)
    currency = ev.currency or ""
    ref = RefundRef(
        account, connector, rid, ev.connector_payment_id or "", amount, currency, dict(r.meta)
    )
    return api.Refund(
        id=ids.encode(ref),
        status=r.status,
        amount=amount,
        currency=currency,
        payment_id="",  # a refund event does not carry what the payment's id encodes
        connector=connector,
        account=account,
        connector_refund_id=rid,
        failure=r.failure,
        connector_status=r.connector_status,
        pending_reason=r.pending_reason,
    )


def _mandate(
    ev: WebhookEvent, r: MandateResult, connector: str, account: str, ids: IdCodec
) -> api.Mandate:
    mid = r.connector_mandate_id or ""
    ref = MandateRef(
        account,
        connector,
        mid,
        r.connector_customer_id,
        ev.currency,
        r.network_transaction_id,
        dict(r.meta),
    )
    return api.Mandate(
        id=ids.encode(ref),
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


def _dispute(r: DisputeResult, connector: str, account: str) -> Dispute:
    return Dispute(
        status=r.status,
        connector=connector,
        account=account,
        connector_dispute_id=r.connector_dispute_id,
        connector_payment_id=r.connector_payment_id,
        amount=r.amount,
        currency=r.currency,
        reason=r.reason,
        evidence_due_by=r.evidence_due_by,
        connector_status=r.connector_status,
    )
