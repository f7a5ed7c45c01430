"""Resource ids: one opaque, stable string per payment, refund, mandate and dispute.

An id is derived from the object's *immutable identity* only — its kind, the connector
account that holds it and the gateway's own id for it — so the same object has the same id
in every API answer, gRPC answer, webhook event and sync, whatever else changes (amounts,
captures, metadata). A payment whose outcome was unknown when it was created has no
gateway id yet; its identity is then the reference the service sent to the gateway, and it
keeps that id for life (``core/resources.py`` links the gateway's id to it once known).

The identity is encrypted with AES-SIV (RFC 5297, deterministic authenticated encryption,
from ``cryptography``) under a key derived from ``server.id_key``: equal identities give
equal ids, nothing but the prefix can be read from an id, and a forged or altered id fails
authentication. The text is unpadded base64url; exactly one spelling decodes (padding,
other alphabets and non-zero trailing bits are refused), so an id is also a safe storage
key. Any instance with the same ``id_key`` decodes any id without stored state.

Facts a later call needs that are not identity (the authorized amount, the currency, the
capture method, secondary gateway ids) are *not* in the id: they are small fact records in
the service's storage (``core/resources.py``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from enum import StrEnum

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from connector_service.domain.errors import not_found


class Kind(StrEnum):
    """What an id names; the value is the id's prefix."""

    PAYMENT = "pay"
    REFUND = "re"
    MANDATE = "man"
    DISPUTE = "dp"


_NOUN = {
    Kind.PAYMENT: "payment",
    Kind.REFUND: "refund",
    Kind.MANDATE: "mandate",
    Kind.DISPUTE: "dispute",
}
# Byte that opens the identity's key: the gateway's id, or (for an object whose gateway id
# was not known when the service answered) the reference the service sent the gateway.
_BY_GATEWAY_ID, _BY_REFERENCE = b"g", b"r"
_TEXT = re.compile(r"^[A-Za-z0-9_-]+$")
_MAX_ID = 512


class Identity(msgspec.Struct, frozen=True):
    """The immutable identity an id encodes."""

    kind: Kind
    account: str
    key: str  # the gateway's id, or our reference when ``by_reference``
    by_reference: bool = False


class IdCodec:
    """Encodes identities as ids and back. Rotating ``id_key`` invalidates every id, so
    it is configured once per deployment (``server.id_key``)."""

    def __init__(self, key: bytes) -> None:
        # A 512-bit AES-SIV key (two AES-256 keys) derived from the configured key, with a
        # label, so the same secret used elsewhere never yields this key.
        derived = hmac.new(key, b"connector-service/ids/v2/aes-siv", hashlib.sha512).digest()
        self._siv = AESSIV(derived)

    def encode(self, identity: Identity) -> str:
        if not identity.key:
            raise ValueError(f"a {_NOUN[identity.kind]} id needs a non-empty key")
        marker = _BY_REFERENCE if identity.by_reference else _BY_GATEWAY_ID
        plain = identity.account.encode() + b"\x00" + marker + identity.key.encode()
        sealed = self._siv.encrypt(plain, [identity.kind.value.encode()])
        return f"{identity.kind.value}_{base64.urlsafe_b64encode(sealed).rstrip(b'=').decode()}"

    def make(self, kind: Kind, account: str, gateway_id: str) -> str:
        return self.encode(Identity(kind, account, gateway_id))

    def decode(self, kind: Kind, value: str, field: str = "id") -> Identity:
        """The identity of ``value``; anything but the one valid spelling of an id this
        service issued for ``kind`` is a 404 naming ``field``."""
        prefix = kind.value + "_"
        text = value[len(prefix) :]
        if (
            not value.startswith(prefix)
            or len(value) > _MAX_ID
            or not _TEXT.match(text)
            or len(text) % 4 == 1
        ):
            raise not_found(_NOUN[kind], field)
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            plain = self._siv.decrypt(raw, [kind.value.encode()])
        except (binascii.Error, ValueError, InvalidTag):
            raise not_found(_NOUN[kind], field) from None
        # One spelling only: unused trailing bits must be zero (re-encoding must give it).
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != text:
            raise not_found(_NOUN[kind], field)
        account, sep, rest = plain.partition(b"\x00")
        if not sep or rest[:1] not in (_BY_GATEWAY_ID, _BY_REFERENCE):
            raise not_found(_NOUN[kind], field)
        try:
            return Identity(
                kind, account.decode(), rest[1:].decode(), by_reference=rest[:1] == _BY_REFERENCE
            )
        except UnicodeDecodeError:
            raise not_found(_NOUN[kind], field) from None


# ---------------------------------------------------------------------- resolved references
# What the core hands a connector about an existing object: its identity resolved with its
# fact record. These are never encoded into ids.


class PaymentRef(msgspec.Struct, omit_defaults=True):
    """An existing payment as a connector needs it."""

    account: str
    connector: str
    connector_payment_id: str
    amount: int
    currency: str
    capture_method: str
    meta: dict[str, str] = {}


class RefundRef(msgspec.Struct, omit_defaults=True):
    account: str
    connector: str
    connector_refund_id: str
    connector_payment_id: str
    amount: int
    currency: str
    meta: dict[str, str] = {}


class MandateRef(msgspec.Struct, omit_defaults=True):
    account: str
    connector: str
    connector_mandate_id: str
    customer_id: str | None = None
    currency: str | None = None
    network_transaction_id: str | None = None
    meta: dict[str, str] = {}


class DisputeRef(msgspec.Struct, omit_defaults=True):
    account: str
    connector: str
    connector_dispute_id: str
    connector_payment_id: str | None = None
    amount: int | None = None
    currency: str | None = None
    meta: dict[str, str] = {}
