"""The unified API's request and response documents (REST v1, library mode, SDKs).

Amounts are integer minor units; ``currency`` is ISO-4217. These structs are both the
validation layer (msgspec decodes and checks them in one pass) and the source of the
OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from connector_service.domain.common import (
    Address,
    BrowserInfo,
    CardSummary,
    Currency,
    Customer,
    Metadata,
    NextAction,
    Reference,
    Str64,
    Str128,
    Str256,
    Url,
)
from connector_service.domain.errors import Failure, GatewayDetail
from connector_service.domain.payment_methods import (
    AchDebit,
    Card,
    FieldError,
    PaymentMethod,
    Token,
    Upi,
)
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

PositiveAmount = Annotated[int, Meta(gt=0, le=10**15)]
NonNegativeAmount = Annotated[int, Meta(ge=0, le=10**15)]
AccountName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$(?!\n)")]
# ---- issue 19: typed connector options (validated by core/options.py), splits, order
ConnectorOptionsIn = Annotated[
    dict[Annotated[str, Meta(min_length=1, max_length=64)], dict[str, Any]],
    Meta(
        max_length=16,
        description="Gateway features beyond the unified model, per connector name: "
        '{"stripe": {...}, "adyen": {...}}. Every block is validated against its '
        "connector's declared options (docs/connector-options.md) whichever connector "
        "serves the request; only the serving connector's block is sent.",
    ),
]
Splits = Annotated[list[Split], Meta(max_length=10)]


class Routing(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Which connector account serves a request. Give ``account``, or ``connector`` with
    per-request credentials (platforms), or nothing and let routing choose."""

    account: AccountName | None = None
    connector: Str64 | None = None
    profile: Str64 | None = None


class PaymentCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    amount: PositiveAmount
    currency: Currency
    payment_method: PaymentMethod
    capture_method: CaptureMethod = CaptureMethod.AUTOMATIC
    account: AccountName | None = None
    connector: Str64 | None = None
    routing_profile: Str64 | None = None
    reference: Reference | None = None
    description: Str256 | None = None
    statement_descriptor: Annotated[str, Meta(max_length=22)] | None = None
    customer: Customer | None = None
    billing: Address | None = None
    shipping: Address | None = None
    browser: BrowserInfo | None = None
    return_url: Url | None = None
    setup_future_usage: Literal["off_session"] | None = None
    metadata: Metadata = {}
    # An authorization that can be raised later (POST /v1/payments/{id}/increment) and
    # one that can be captured in several parts (capture with final_capture=false): asked
    # of the gateway at create where it wants that (Stripe, Adyen, Checkout.com).
    incremental_authorization: bool = False
    multiple_captures: bool = False
    connector_options: ConnectorOptionsIn = {}
    splits: Splits = []
    application_fee: NonNegativeAmount | None = None
    order: Order | None = None

    def __post_init__(self) -> None:
        if self.setup_future_usage and not isinstance(self.payment_method, Card | Token | AchDebit):
            raise FieldError(
                "setup_future_usage", "only a card, a token or a US bank account can be stored"
            )
        manual = self.capture_method is CaptureMethod.MANUAL
        if self.incremental_authorization and not manual:
            raise FieldError(
                "incremental_authorization", "only a manual-capture authorization can be raised"
            )
        if self.multiple_captures and not manual:
            raise FieldError(
                "multiple_captures", "only a manual-capture authorization has several captures"
            )


class CaptureCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    amount: PositiveAmount | None = None
    reference: Reference | None = None
    metadata: Metadata = {}
    # false: more captures may follow on this authorization (multiple partial captures,
    # where the connector declares ``multiple_captures``); true (the default): this
    # capture is the last, and what it leaves uncaptured is released.
    final_capture: bool = True
    connector_options: ConnectorOptionsIn = {}


class IncrementCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Raise an authorization (incremental authorization: hotels, car rentals).

    ``total_amount`` is the authorization's NEW TOTAL in minor units, not the difference:
    a 10000 authorization raised to 12500 sends ``total_amount: 12500``."""

    total_amount: PositiveAmount
    reason: Str256 | None = None
    reference: Reference | None = None


class MandateListQuery(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``GET /v1/mandates?account=…&customer=…``: a customer's stored payment methods, as
    the gateway lists them. ``customer`` is the gateway's customer (a mandate's
    ``customer_id``). A platform key with per-request credentials names the account
    ``@<connector>``, as its ids do."""

    account: Annotated[
        str, Meta(min_length=1, max_length=65, pattern=r"^@?[A-Za-z0-9_.:-]+$(?!\n)")
    ]
    customer: Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$(?!\n)")]


class VoidCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    reason: Str256 | None = None


class RefundCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    amount: PositiveAmount | None = None
    reason: Str256 | None = None
    reference: Reference | None = None
    metadata: Metadata = {}
    connector_options: ConnectorOptionsIn = {}


class CompleteCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What the customer's browser brought back from a redirect (3-D Secure, bank page)."""

    params: Annotated[
        dict[Annotated[str, Meta(max_length=64)], Annotated[str, Meta(max_length=20000)]],
        Meta(max_length=20),
    ] = {}


class MandateCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    currency: Currency
    # A card or a token; or UPI, a recurring mandate (UPI AutoPay) the customer approves
    # in their UPI app, or a US bank account (ach_debit, stored for later debits under the
    # customer's mandate_acceptance), where the connector declares that method with the
    # recurring flow.
    payment_method: Card | Token | Upi | AchDebit
    customer: Customer
    amount: NonNegativeAmount = 0
    account: AccountName | None = None
    connector: Str64 | None = None
    routing_profile: Str64 | None = None
    reference: Reference | None = None
    description: Str256 | None = None
    billing: Address | None = None
    browser: BrowserInfo | None = None
    return_url: Url | None = None
    metadata: Metadata = {}
    connector_options: ConnectorOptionsIn = {}


class Attempt(msgspec.Struct, omit_defaults=True):
    account: str
    connector: str
    outcome: str
    latency_ms: float
    reason: str | None = None


class RoutingCandidate(msgspec.Struct, omit_defaults=True):
    account: str
    connector: str
    estimated_fee: int | None = None
    breaker: str | None = None
    skipped: str | None = None  # why routing will not try it


class RoutingDetails(msgspec.Struct, omit_defaults=True):
    """Which rule chose the accounts and in which order (also the preview's answer)."""

    candidates: list[RoutingCandidate]
    profile: str | None = None
    rule: str | None = None
    strategy: str | None = None
    cascade_on_soft_decline: bool = False


class PaymentMethodSummary(msgspec.Struct, omit_defaults=True):
    type: str
    card: CardSummary | None = None


class MandateSummary(msgspec.Struct, omit_defaults=True):
    id: str
    status: MandateStatus


class Payment(msgspec.Struct, omit_defaults=True):
    id: str
    status: PaymentStatus
    amount: int
    currency: str
    connector: str
    account: str
    connector_payment_id: str
    capture_method: CaptureMethod
    amount_captured: int | None = None
    object: str = "payment"
    reference: str | None = None
    payment_method: PaymentMethodSummary | None = None
    next_action: NextAction | None = None
    failure: Failure | None = None
    mandate: MandateSummary | None = None
    network_transaction_id: str | None = None
    pending_reason: str | None = None
    connector_status: str | None = None
    metadata: dict[str, str] = {}
    attempts: list[Attempt] = []
    routing: RoutingDetails | None = None


class Refund(msgspec.Struct, omit_defaults=True):
    id: str
    status: RefundStatus
    amount: int
    currency: str
    payment_id: str
    connector: str
    account: str
    connector_refund_id: str
    object: str = "refund"
    reference: str | None = None
    failure: Failure | None = None
    connector_status: str | None = None
    pending_reason: str | None = None
    metadata: dict[str, str] = {}


class Mandate(msgspec.Struct, omit_defaults=True):
    id: str
    status: MandateStatus
    connector: str
    account: str
    connector_mandate_id: str
    object: str = "mandate"
    customer_id: str | None = None
    payment_method: PaymentMethodSummary | None = None
    next_action: NextAction | None = None
    failure: Failure | None = None
    connector_status: str | None = None


class MandateList(msgspec.Struct):
    """A customer's stored payment methods (card summaries only), each with the mandate
    id the mandates API uses for it: charge it with a ``mandate`` payment method, delete
    it with ``POST /v1/mandates/{id}/revoke``."""

    object: str
    data: list[Mandate]
    has_more: bool = False
    next_cursor: str | None = None


class PaymentMethodInfo(msgspec.Struct, omit_defaults=True):
    """How a connector takes one payment method (its declaration, connectors/capabilities.py)."""

    type: str
    flows: list[str]
    currencies: list[str] | Literal["*"]
    countries: list[str] | Literal["*"]
    external_3ds: bool = False


class ConnectorInfo(msgspec.Struct, omit_defaults=True):
    name: str
    display_name: str
    flows: list[str]
    payment_methods: list[str]
    currencies: list[str] | Literal["*"]
    countries: list[str] | Literal["*"]
    credential_fields: list[str]
    option_fields: list[str]
    webhooks: bool
    idempotency: str
    docs_url: str | None = None
    accounts: list[str] = []
    # Several partial captures on one authorization (capture with final_capture=false).
    multiple_captures: bool = False
    methods: list[PaymentMethodInfo] = []
    # issue 19: the declared connector options ("payment.transfer_group", ...) and
    # whether the connector takes ``splits`` / ``application_fee``
    connector_options: list[str] = []
    splits: bool = False


# --------------------------------------------------------------------------- disputes


class Dispute(msgspec.Struct, omit_defaults=True):
    """A dispute (chargeback): the same document in ``GET /v1/disputes/{id}``, the list,
    accept, evidence and the ``dispute.*`` webhook events (docs/disputes.md)."""

    id: str
    status: DisputeStatus
    connector: str
    account: str
    connector_dispute_id: str
    reason: DisputeReason
    evidence_submitted: bool
    object: str = "dispute"
    payment_id: str | None = None  # the id the payments API gave the disputed payment
    connector_payment_id: str | None = None
    amount: int | None = None  # minor units
    currency: str | None = None
    connector_reason: str | None = None  # the gateway's own reason code
    evidence_due_by: str | None = None  # ISO 8601, UTC
    created: str | None = None  # ISO 8601, UTC
    connector_status: str | None = None


EvidenceText = Annotated[str, Meta(min_length=1, max_length=20000)]
FileName = Annotated[str, Meta(min_length=1, max_length=255, pattern=r"^[^/\\\x00-\x1f]+$(?!\n)")]
ContentType = Annotated[str, Meta(max_length=100, pattern=r"^[a-z]+/[a-z0-9.+-]+$(?!\n)")]


class EvidenceItem(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One piece of evidence: ``text``, or a file (``file`` is its content, base64 in
    JSON, with ``file_name`` and ``content_type``). The gateway's limits (which types,
    sizes and content types it takes) are checked before anything is sent."""

    type: EvidenceType
    text: EvidenceText | None = None
    file: bytes | None = None
    file_name: FileName | None = None
    content_type: ContentType | None = None

    def __post_init__(self) -> None:
        if (self.text is None) == (self.file is None):
            raise FieldError("text", "give exactly one of text or file")
        if self.file is not None:
            if not self.file:
                raise FieldError("file", "the file is empty")
            if self.file_name is None:
                raise FieldError("file_name", "a file needs its file_name")
            if self.content_type is None:
                raise FieldError("content_type", "a file needs its content_type")
        elif self.file_name is not None or self.content_type is not None:
            raise FieldError("file_name", "file_name and content_type go with a file")


class DisputeEvidenceCreate(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Evidence for a dispute. ``submit``: true sends it for review (the dispute moves to
    ``under_review``); false stages it where the gateway can (a later call submits)."""

    evidence: Annotated[list[EvidenceItem], Meta(min_length=1, max_length=20)]
    submit: bool = True


class DisputeList(msgspec.Struct):
    """One page of an account's disputes, as the gateway lists them (``cursor`` in,
    ``has_more`` + ``next_cursor`` out)."""

    object: str
    data: list[Dispute]
    has_more: bool = False
    next_cursor: str | None = None


class ErrorBody(msgspec.Struct, omit_defaults=True):
    type: str
    code: str
    message: str
    request_id: str
    field: str | None = None
    gateway: GatewayDetail | None = None
    decline: Failure | None = None
    attempts: list[Attempt] | None = None


class ErrorEnvelope(msgspec.Struct):
    error: ErrorBody


__all__ = [
    "Attempt",
    "CaptureCreate",
    "CompleteCreate",
    "ConnectorInfo",
    "Dispute",
    "DisputeEvidenceCreate",
    "DisputeList",
    "ErrorEnvelope",
    "EvidenceItem",
    "IncrementCreate",
    "Mandate",
    "MandateCreate",
    "MandateList",
    "MandateListQuery",
    "Payment",
    "PaymentCreate",
    "Refund",
    "RefundCreate",
    "Routing",
    "Str128",
    "VoidCreate",
]
