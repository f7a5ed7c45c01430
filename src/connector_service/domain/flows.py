"""What the core hands to a connector and what a connector hands back.

These are the connector contract. Inputs are validated API documents enriched with what
the core resolved (the gateway's ids from an id and its fact record, a mandate's stored
credentials). Outputs are gateway-neutral results: the core turns them into the API's
``Payment`` / ``Refund`` / ``Mandate`` documents and ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import msgspec

from connector_service.domain.common import Address, BrowserInfo, CardSummary, Customer, NextAction
from connector_service.domain.errors import Failure
from connector_service.domain.ids import DisputeRef, MandateRef, PaymentRef, RefundRef
from connector_service.domain.payment_methods import AchDebit, AlternativeMethod, Card, Token, Upi
from connector_service.domain.splits import Order, Split
from connector_service.domain.status import (
    CaptureMethod,
    DisputeReason,
    DisputeStatus,
    EvidenceType,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)


class Flow(StrEnum):
    AUTHORIZE = "authorize"
    COMPLETE_AUTHORIZE = "complete_authorize"
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"
    SYNC = "sync"
    REFUND_SYNC = "refund_sync"
    SETUP_MANDATE = "setup_mandate"
    CHARGE_MANDATE = "charge_mandate"  # served by build_authorize with a StoredMandate
    REVOKE_MANDATE = "revoke_mandate"
    COMPLETE_MANDATE = "complete_mandate"  # after the customer's action (3-D Secure)
    ACCESS_TOKEN = "access_token"
    WEBHOOKS = "webhooks"
    VERIFY_WEBHOOK = "verify_webhook"
    # disputes (docs/disputes.md)
    DISPUTE_SYNC = "dispute_sync"
    DISPUTE_LIST = "dispute_list"
    DISPUTE_ACCEPT = "dispute_accept"
    DISPUTE_EVIDENCE = "dispute_evidence"
    # Payment lifecycle (issue 16): raise an authorization; list a customer's stored methods.
    INCREMENT = "increment"
    LIST_MANDATES = "list_mandates"


class StoredMandate(msgspec.Struct, tag_field="type", tag="mandate"):
    """A mandate resolved from its id: what a merchant-initiated charge needs."""

    ref: MandateRef


FlowPaymentMethod = Card | Token | StoredMandate | AlternativeMethod


class AuthorizeData(msgspec.Struct, kw_only=True):
    amount: int
    currency: str
    payment_method: FlowPaymentMethod
    capture_method: CaptureMethod
    reference: str
    description: str | None = None
    statement_descriptor: str | None = None
    customer: Customer | None = None
    billing: Address | None = None
    shipping: Address | None = None
    browser: BrowserInfo | None = None
    return_url: str | None = None
    setup_future_usage: bool = False
    metadata: dict[str, str] = {}
    # Ask for an authorization that can be raised later (Flow.INCREMENT) / captured in
    # several parts (CaptureData.final_capture=False), where the gateway wants it at create.
    incremental_authorization: bool = False
    multiple_captures: bool = False
    # issue 19: the serving connector's decoded ``connector_options`` block (its own
    # struct, read with kit.options_of), marketplace splits, order data
    options: Any = None
    splits: list[Split] = []
    application_fee: int | None = None
    order: Order | None = None


class CompleteAuthorizeData(msgspec.Struct, kw_only=True):
    payment: PaymentRef
    params: dict[str, str]


class CaptureData(msgspec.Struct, kw_only=True):
    payment: PaymentRef
    amount: int
    reference: str
    metadata: dict[str, str] = {}
    # False: more captures may follow on the same authorization (multiple partial
    # captures, ConnectorMeta.multiple_captures); True: this capture closes it.
    final_capture: bool = True
    # What earlier captures through the service took (minor units).
    captured_before: int = 0
    options: Any = None  # the serving connector's connector_options block


class IncrementData(msgspec.Struct, kw_only=True):
    """Raise an authorization: ``amount`` is the new authorized total, ``increment`` what
    it adds to the current one (``payment.amount``); gateways want one or the other."""

    payment: PaymentRef
    amount: int
    increment: int
    reference: str
    reason: str | None = None


class ListMandatesData(msgspec.Struct, kw_only=True):
    """A customer's payment methods stored at the gateway (``customer_id``: the gateway's
    customer, as a mandate's ``customer_id`` shows it)."""

    customer_id: str


class VoidData(msgspec.Struct, kw_only=True):
    payment: PaymentRef
    reason: str | None = None


class RefundData(msgspec.Struct, kw_only=True):
    payment: PaymentRef
    amount: int
    reference: str
    reason: str | None = None
    metadata: dict[str, str] = {}
    options: Any = None  # the serving connector's connector_options block


class SyncData(msgspec.Struct, kw_only=True):
    payment: PaymentRef


class RefundSyncData(msgspec.Struct, kw_only=True):
    refund: RefundRef


class MandateSetupData(msgspec.Struct, kw_only=True):
    payment_method: Card | Token | Upi | AchDebit
    currency: str
    amount: int
    customer: Customer
    reference: str
    description: str | None = None
    billing: Address | None = None
    browser: BrowserInfo | None = None
    return_url: str | None = None
    metadata: dict[str, str] = {}
    options: Any = None  # the serving connector's connector_options block


class MandateRevokeData(msgspec.Struct, kw_only=True):
    mandate: MandateRef


class MandateCompleteData(msgspec.Struct, kw_only=True):
    """A pending mandate set-up whose customer came back from a redirect (3-D Secure)."""

    mandate: MandateRef
    params: dict[str, str]


class MandateResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    status: MandateStatus
    connector_mandate_id: str | None = None
    connector_customer_id: str | None = None
    network_transaction_id: str | None = None
    connector_status: str | None = None
    next_action: NextAction | None = None
    failure: Failure | None = None
    card: CardSummary | None = None
    meta: dict[str, str] = {}


class StoredMethods(msgspec.Struct, kw_only=True):
    """What Flow.LIST_MANDATES answers: one MandateResult per stored method (its id,
    status and card *summary* only)."""

    methods: list[MandateResult]
    has_more: bool = False


class PaymentResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    status: PaymentStatus
    connector_payment_id: str | None = None
    amount: int | None = None
    amount_captured: int | None = None
    connector_status: str | None = None
    next_action: NextAction | None = None
    failure: Failure | None = None
    mandate: MandateResult | None = None
    network_transaction_id: str | None = None
    pending_reason: str | None = None
    card: CardSummary | None = None
    # The merchant reference the gateway echoes (webhooks): settles an unresolved payment.
    reference: str | None = None
    # Other gateway ids that name this payment where the gateway's webhooks do not give
    # its main id (a PayPal capture id in a refund or dispute event): the core links each
    # to the payment's id, so those events carry the id the API gave the payment.
    secondary_ids: list[str] = []
    # Secondary gateway ids a later call needs: kept in the payment's fact record (small!).
    meta: dict[str, str] = {}


class RefundResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    status: RefundStatus
    connector_refund_id: str | None = None
    amount: int | None = None
    connector_status: str | None = None
    failure: Failure | None = None
    pending_reason: str | None = None
    meta: dict[str, str] = {}


class DisputeResult(msgspec.Struct, kw_only=True, omit_defaults=True):
    status: DisputeStatus
    connector_dispute_id: str
    connector_payment_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    reason: str | None = None  # the gateway's own reason (``connector_reason``)
    connector_status: str | None = None
    evidence_due_by: str | None = None
    unified_reason: DisputeReason | None = None  # None: no table maps it (``other``)
    evidence_submitted: bool | None = None  # None: the answer does not say
    created: str | None = None  # ISO 8601, UTC
    # Secondary gateway ids a later dispute call needs (kept in the fact record).
    meta: dict[str, str] = {}


class AccessToken(msgspec.Struct, kw_only=True):
    token: str
    expires_in: int  # seconds


class WebhookIdentity(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What can be read from a webhook *before* verifying it: which event, which account.

    Must be computed without secrets, so the core can pick the account whose secret
    verifies it. Nothing here is trusted until verification succeeds."""

    event_id: str | None = None
    account_hint: str | None = None


class WebhookEventType(StrEnum):
    PAYMENT_AUTHORIZED = "payment.authorized"
    PAYMENT_CAPTURED = "payment.captured"
    PAYMENT_FAILED = "payment.failed"
    PAYMENT_VOIDED = "payment.voided"
    PAYMENT_PROCESSING = "payment.processing"
    PAYMENT_REQUIRES_ACTION = "payment.requires_action"
    CAPTURE_FAILED = "payment.capture_failed"
    REFUND_SUCCEEDED = "refund.succeeded"
    REFUND_FAILED = "refund.failed"
    REFUND_PENDING = "refund.pending"
    DISPUTE_OPENED = "dispute.opened"
    DISPUTE_UPDATED = "dispute.updated"
    DISPUTE_WON = "dispute.won"
    DISPUTE_LOST = "dispute.lost"
    MANDATE_ACTIVE = "mandate.active"
    MANDATE_REVOKED = "mandate.revoked"
    MANDATE_FAILED = "mandate.failed"
    UNKNOWN = "unknown"


# The meta key (value "1") a connector sets on a payment it learns is a bank debit that its
# payment_method.type does not say (a stored profile that holds a bank account): events
# treat such a payment as a debit (``WebhookEvent.debit_not_settled``).
BANK_DEBIT_META = "bank_debit"


class WebhookEvent(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One unified event parsed from a (verified) gateway webhook."""

    event_id: str
    type: WebhookEventType
    connector_event_type: str
    connector_payment_id: str | None = None
    payment: PaymentResult | None = None
    refund: RefundResult | None = None
    dispute: DisputeResult | None = None
    mandate: MandateResult | None = None
    amount: int | None = None
    currency: str | None = None
    occurred_at: str | None = None
    # The gateway sends this event when a card payment is captured and also when a bank
    # debit is only submitted (Authorize.net's authcapture.created names no method): for
    # a payment made by bank debit the service reports it processing, not captured.
    debit_not_settled: bool = False
    # (the gateway's mandate id, the set-up's reference) pairs the event reveals: a
    # mandate set up pending before the gateway had an id for it (UPI AutoPay: the token
    # exists once the customer approves) is linked to that id, so later events about it
    # (token.confirmed) carry the id the API gave it.
    mandate_links: list[tuple[str, str]] = []


class WebhookReply(msgspec.Struct, kw_only=True):
    """How the gateway wants to be answered once the event is safely recorded."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"


# --------------------------------------------------------------------------- disputes


class DisputeSyncData(msgspec.Struct, kw_only=True):
    dispute: DisputeRef


class DisputeAcceptData(msgspec.Struct, kw_only=True):
    dispute: DisputeRef


class DisputeListData(msgspec.Struct, kw_only=True):
    """One page of an account's disputes at the gateway (newest first where it sorts)."""

    limit: int
    cursor: str | None = None  # the gateway's own page token, from a previous page


class DisputeListResult(msgspec.Struct, kw_only=True):
    disputes: list[DisputeResult]
    next_cursor: str | None = None


class EvidenceFile(msgspec.Struct, kw_only=True):
    type: EvidenceType
    file_name: str
    content_type: str
    content: bytes


class DisputeEvidenceData(msgspec.Struct, kw_only=True):
    """Evidence checked against the connector's :class:`EvidenceLimits` by the core
    before the connector sees it."""

    dispute: DisputeRef
    text: dict[EvidenceType, str]
    files: list[EvidenceFile]
    submit: bool


@dataclass(frozen=True, slots=True)
class EvidenceLimits:
    """What a gateway takes as dispute evidence; the core refuses anything else with a
    400 naming the field, before any request is sent."""

    text_types: frozenset[EvidenceType]
    file_types: frozenset[EvidenceType] = frozenset()
    content_types: frozenset[str] = frozenset()
    max_file_bytes: int = 0
    max_files: int = 0
    max_total_bytes: int = 0
    max_text_chars: int = 20000
    # False: evidence is staged and submitted in separate calls is not offered; every
    # evidence call submits (``submit: false`` is refused naming the field).
    staging: bool = True
