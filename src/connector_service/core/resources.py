"""Ids and fact records: how the core finds an object again.

An id (``domain/ids.py``) names an object by its immutable identity only. What a later call
needs beyond that and the gateway cannot give back — a payment's authorized amount,
currency and capture method, secondary gateway ids such as a PayPal authorization id or a
Checkout.com action id, a mandate's customer — is a small **fact record** kept here, in the
service's storage, under the object's id. A fact record never holds card data, only
amounts, currencies, gateway ids, references and the caller's own ``metadata`` strings
(bounded by the API's ``Metadata`` type): the one place every connector's payments and
refunds keep their metadata, so GET, capture, void, complete, refunds and webhook events
answer it alike (Adyen has no read to ask it from). Records live ``FACTS_TTL_SECONDS``
(400 days: longer than any capture window, refund window or dispute cycle).

Payments created while their outcome was unknown are named by the reference the service
sent the gateway (there was no gateway id yet). When the gateway's id becomes known — by a
sync, a retry with the same idempotency key, or the gateway's webhook — :meth:`settle`
links it to that id (an *alias*), so webhook events and syncs about the payment carry the
id the caller already holds.
"""

from __future__ import annotations

from typing import Any

import msgspec

from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.ids import (
    IdCodec,
    Identity,
    Kind,
    MandateRef,
    PaymentRef,
    RefundRef,
)
from connector_service.storage.base import Storage

FACTS_TTL_SECONDS = 400 * 86400
NS_FACTS = "facts"
NS_ALIAS = "id_alias"
NS_BY_REFERENCE = "id_by_reference"
_AMBIGUOUS = b""  # a shortened reference two objects share (remember_alias)


class PaymentFacts(msgspec.Struct, omit_defaults=True):
    connector: str
    connector_payment_id: str
    amount: int
    currency: str
    capture_method: str
    reference: str | None = None
    meta: dict[str, str] = {}
    metadata: dict[str, str] = {}  # the caller's, as the create sent it
    # Only while unresolved: the (derived, non-secret) key the create carried to the
    # gateway, so a retry that the gateway replays is recognised as this payment.
    gateway_key: str | None = None
    # Captures the service made on this authorization (multiple partial captures):
    # their total, and whether the last one was final (nothing more can be captured).
    amount_captured: int = 0
    capture_final: bool = False
    # Refunds the service asked for and the gateway did not refuse (pending included):
    # what "refund the rest" (a refund without an amount) leaves out.
    amount_refunded: int = 0
    # The payment_method.type it was made with (capture / refund are checked against the
    # connector's declaration for that method); None for payments made before it was kept.
    payment_method: str | None = None


# In ``Resources.creating`` under a shortened reference that two payments being created
# share (``Connector.gateway_reference``): an event naming it finds neither.
AMBIGUOUS_PENDING = PaymentFacts(
    connector="", connector_payment_id="", amount=0, currency="", capture_method="automatic"
)


class RefundFacts(msgspec.Struct, omit_defaults=True):
    connector: str
    connector_refund_id: str
    connector_payment_id: str
    payment_id: str
    amount: int
    currency: str
    reference: str | None = None
    meta: dict[str, str] = {}
    metadata: dict[str, str] = {}  # the caller's, as the refund request sent it


class MandateFacts(msgspec.Struct, omit_defaults=True):
    connector: str
    connector_mandate_id: str
    status: str
    customer_id: str | None = None
    currency: str | None = None
    network_transaction_id: str | None = None
    reference: str | None = None
    meta: dict[str, str] = {}


class DisputeFacts(msgspec.Struct, omit_defaults=True):
    """What the service last learnt about a dispute (a gateway answer or a webhook): the
    answer of ``GET /v1/disputes/{id}`` where the gateway has no dispute read (Adyen)."""

    connector: str
    connector_dispute_id: str
    status: str
    connector_payment_id: str | None = None
    payment_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    reason: str | None = None  # unified
    connector_reason: str | None = None
    connector_status: str | None = None
    evidence_due_by: str | None = None
    evidence_submitted: bool = False
    created: str | None = None
    meta: dict[str, str] = {}


Facts = PaymentFacts | RefundFacts | MandateFacts | DisputeFacts
_DECODERS: dict[Kind, msgspec.json.Decoder[Any]] = {
    Kind.PAYMENT: msgspec.json.Decoder(PaymentFacts),
    Kind.REFUND: msgspec.json.Decoder(RefundFacts),
    Kind.MANDATE: msgspec.json.Decoder(MandateFacts),
    Kind.DISPUTE: msgspec.json.Decoder(DisputeFacts),
}
_enc = msgspec.json.Encoder()


def facts_missing(kind: str) -> ServiceError:
    """The id is ours, but the facts recorded with it are gone (storage was reset)."""
    return ServiceError(
        ErrorType.CONFLICT,
        f"{kind}_facts_unavailable",
        f"This {kind} id is valid, but the service's storage no longer has what it recorded "
        f"about the {kind} (was the storage reset or not shared between instances?).",
        field="id",
    )


class Resources:
    """Issues ids and keeps the fact records and aliases behind them."""

    def __init__(self, codec: IdCodec, storage: Storage) -> None:
        self.codec = codec
        self.storage = storage
        # Payments this process is creating, by reference, until their record is saved:
        # an event arriving during the gateway call (the sandbox's, a fast gateway's)
        # shows what the answer will (metadata, method) instead of nothing.
        self.creating: dict[str, PaymentFacts] = {}

    # ------------------------------------------------------------------ ids

    def decode(self, kind: Kind, value: str, field: str = "id") -> Identity:
        return self.codec.decode(kind, value, field)

    async def id_for(self, kind: Kind, account: str, gateway_id: str) -> str:
        """The id of the object the gateway calls ``gateway_id``: the id issued for it by
        reference if it was created unresolved and settled since, else the derived one."""
        alias = await self.storage.get(NS_ALIAS, _alias_key(kind, account, gateway_id))
        if alias is not None:
            return alias.decode()
        return self.codec.make(kind, account, gateway_id)

    def id_by_reference(self, kind: Kind, account: str, reference: str) -> str:
        return self.codec.encode(Identity(kind, account, reference, by_reference=True))

    # ------------------------------------------------------------------ facts

    async def facts(self, kind: Kind, object_id: str) -> Facts | None:
        raw = await self.storage.get(NS_FACTS, object_id)
        if raw is None:
            return None
        facts: Facts = _DECODERS[kind].decode(raw)
        return facts

    async def save(self, object_id: str, facts: Facts) -> None:
        await self.storage.put(NS_FACTS, object_id, _enc.encode(facts), ttl=FACTS_TTL_SECONDS)

    async def merge_meta(self, kind: Kind, object_id: str, meta: dict[str, str]) -> None:
        """Add secondary gateway ids a later flow returned (e.g. a capture's id)."""
        if not meta:
            return
        decoder = _DECODERS[kind]

        def apply(old: bytes | None) -> bytes | None:
            if old is None:
                return None
            facts = decoder.decode(old)
            merged = {**facts.meta, **{k: v for k, v in meta.items() if v}}
            if merged == facts.meta:
                return old
            return _enc.encode(msgspec.structs.replace(facts, meta=merged))

        await self.storage.update(NS_FACTS, object_id, apply, ttl=FACTS_TTL_SECONDS)

    async def record_capture(
        self, payment_id: str, amount: int, final: bool
    ) -> PaymentFacts | None:
        """Add a capture the gateway accepted to the payment's running total (atomic)."""
        decoder = _DECODERS[Kind.PAYMENT]
        out: list[PaymentFacts] = []

        def apply(old: bytes | None) -> bytes | None:
            if old is None:
                return None
            facts = decoder.decode(old)
            facts = msgspec.structs.replace(
                facts,
                amount_captured=facts.amount_captured + amount,
                capture_final=facts.capture_final or final,
            )
            out.append(facts)
            return _enc.encode(facts)

        await self.storage.update(NS_FACTS, payment_id, apply, ttl=FACTS_TTL_SECONDS)
        return out[-1] if out else None

    async def record_refund(self, payment_id: str, amount: int) -> None:
        """Add a refund the gateway accepted (or has pending) to the payment's total."""
        decoder = _DECODERS[Kind.PAYMENT]

        def apply(old: bytes | None) -> bytes | None:
            if old is None:
                return None
            facts = decoder.decode(old)
            total = facts.amount_refunded + amount
            return _enc.encode(msgspec.structs.replace(facts, amount_refunded=total))

        await self.storage.update(NS_FACTS, payment_id, apply, ttl=FACTS_TTL_SECONDS)

    async def set_authorized_amount(self, payment_id: str, amount: int) -> None:
        """An authorization raised (incremental authorization): its new total."""
        decoder = _DECODERS[Kind.PAYMENT]

        def apply(old: bytes | None) -> bytes | None:
            if old is None:
                return None
            return _enc.encode(msgspec.structs.replace(decoder.decode(old), amount=amount))

        await self.storage.update(NS_FACTS, payment_id, apply, ttl=FACTS_TTL_SECONDS)

    async def save_if_absent(self, object_id: str, facts: Facts) -> None:
        """Keep facts for an object first seen in a gateway's list (a stored method set up
        outside the service), never overwriting what the service recorded itself."""

        def apply(old: bytes | None) -> bytes | None:
            return old if old is not None else _enc.encode(facts)

        await self.storage.update(NS_FACTS, object_id, apply, ttl=FACTS_TTL_SECONDS)

    async def set_mandate_status(self, mandate_id: str, status: str) -> None:
        decoder = _DECODERS[Kind.MANDATE]

        def apply(old: bytes | None) -> bytes | None:
            if old is None:
                return None
            return _enc.encode(msgspec.structs.replace(decoder.decode(old), status=status))

        await self.storage.update(NS_FACTS, mandate_id, apply, ttl=FACTS_TTL_SECONDS)

    async def link(self, kind: Kind, account: str, object_id: str, gateway_ids: list[str]) -> None:
        """Other gateway ids that name ``object_id`` in the gateway's webhooks (a PayPal
        capture id, which refund and dispute events give instead of the order id): an
        event naming one of them carries ``object_id``."""
        for gateway_id in gateway_ids:
            if gateway_id:
                await self.storage.put(
                    NS_ALIAS, _alias_key(kind, account, gateway_id), object_id.encode(),
                    ttl=FACTS_TTL_SECONDS,
                )  # fmt: skip

    # ------------------------------------------------------------------ unresolved

    async def remember_reference(self, kind: Kind, account: str, reference: str, oid: str) -> None:
        """An object created by reference: a webhook naming the reference finds it."""
        await self.storage.put(
            NS_BY_REFERENCE, _ref_key(kind, account, reference), oid.encode(), ttl=FACTS_TTL_SECONDS
        )

    async def remember_alias(self, kind: Kind, account: str, alias: str, oid: str) -> None:
        """The reference as the gateway shortened it (``Connector.gateway_reference``).
        Two objects whose references shorten alike make the alias ambiguous: it then
        finds neither, so an event naming it cannot be linked to the wrong one."""

        def claim(old: bytes | None) -> bytes:
            return oid.encode() if old is None or old == oid.encode() else _AMBIGUOUS

        await self.storage.update(
            NS_BY_REFERENCE, _ref_key(kind, account, alias), claim, ttl=FACTS_TTL_SECONDS
        )

    async def unsettled_by_reference(
        self, kind: Kind, account: str, reference: str | None
    ) -> str | None:
        """The id of a still-unsettled object created with ``reference`` on ``account``."""
        if not reference:
            return None
        found = await self.storage.get(NS_BY_REFERENCE, _ref_key(kind, account, reference))
        return found.decode() if found else None

    async def settle(
        self, kind: Kind, object_id: str, account: str, gateway_id: str, reference: str | None
    ) -> None:
        """``object_id`` (issued by reference) is the gateway's ``gateway_id``: record it
        in the fact record, link the gateway id to it, and forget the reference index."""
        decoder = _DECODERS[kind]

        def apply(old: bytes | None) -> bytes | None:
            if old is None:
                return None
            facts = decoder.decode(old)
            if isinstance(facts, PaymentFacts):
                if facts.connector_payment_id == gateway_id:
                    return old
                facts = msgspec.structs.replace(facts, connector_payment_id=gateway_id)
            elif isinstance(facts, MandateFacts):
                if facts.connector_mandate_id == gateway_id:
                    return old
                facts = msgspec.structs.replace(facts, connector_mandate_id=gateway_id)
            return _enc.encode(facts)

        await self.storage.put(
            NS_ALIAS, _alias_key(kind, account, gateway_id), object_id.encode(),
            ttl=FACTS_TTL_SECONDS,
        )  # fmt: skip
        await self.storage.update(NS_FACTS, object_id, apply, ttl=FACTS_TTL_SECONDS)
        if reference:
            await self.storage.delete(NS_BY_REFERENCE, _ref_key(kind, account, reference))


# ---------------------------------------------------------------------- references


def payment_ref(identity: Identity, facts: PaymentFacts) -> PaymentRef:
    meta = dict(facts.meta)
    if facts.reference and not facts.connector_payment_id:
        meta.setdefault("reference", facts.reference)
    return PaymentRef(
        account=identity.account,
        connector=facts.connector,
        connector_payment_id=facts.connector_payment_id,
        amount=facts.amount,
        currency=facts.currency,
        capture_method=facts.capture_method,
        meta=meta,
    )


def refund_ref(identity: Identity, facts: RefundFacts) -> RefundRef:
    return RefundRef(
        account=identity.account,
        connector=facts.connector,
        connector_refund_id=facts.connector_refund_id,
        connector_payment_id=facts.connector_payment_id,
        amount=facts.amount,
        currency=facts.currency,
        meta=dict(facts.meta),
    )


def mandate_ref(identity: Identity, facts: MandateFacts) -> MandateRef:
    return MandateRef(
        account=identity.account,
        connector=facts.connector,
        connector_mandate_id=facts.connector_mandate_id,
        customer_id=facts.customer_id,
        currency=facts.currency,
        network_transaction_id=facts.network_transaction_id,
        meta=dict(facts.meta),
    )


def _alias_key(kind: Kind, account: str, gateway_id: str) -> str:
    return f"{kind.value}\x1f{account}\x1f{gateway_id}"


def _ref_key(kind: Kind, account: str, reference: str) -> str:
    return f"{kind.value}\x1f{account}\x1f{reference}"
