"""Self-describing resource ids.

An id the service returns (``pay_…``, ``re_…``, ``man_…``) carries what any later call
needs to find the payment again, from any instance, with no stored state: the connector
account, the gateway's own id, the amount and currency, plus a few connector-specific
fields. It is base64url of a compact JSON document, protected against corruption and
casual tampering by a short keyed checksum. It is not encrypted: it holds no secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import TypeVar, cast

import msgspec

from connector_service.domain.errors import not_found


class PaymentRef(msgspec.Struct, array_like=True, omit_defaults=True):
    """What a payment id encodes."""

    account: str
    connector: str
    connector_payment_id: str
    amount: int
    currency: str
    capture_method: str
    meta: dict[str, str] = {}


class RefundRef(msgspec.Struct, array_like=True, omit_defaults=True):
    account: str
    connector: str
    connector_refund_id: str
    connector_payment_id: str
    amount: int
    currency: str
    meta: dict[str, str] = {}


class MandateRef(msgspec.Struct, array_like=True, omit_defaults=True):
    account: str
    connector: str
    connector_mandate_id: str
    customer_id: str | None = None
    currency: str | None = None
    network_transaction_id: str | None = None
    meta: dict[str, str] = {}


_R = TypeVar("_R", PaymentRef, RefundRef, MandateRef)

_PREFIX: dict[type, str] = {PaymentRef: "pay", RefundRef: "re", MandateRef: "man"}
_KIND = {"pay": "payment", "re": "refund", "man": "mandate"}


class IdCodec:
    """Encodes and decodes ids. The key only guards integrity; rotating it invalidates ids,
    so it is configured once per deployment (``server.id_key``)."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._enc = msgspec.json.Encoder()
        self._dec = {cls: msgspec.json.Decoder(cls) for cls in (PaymentRef, RefundRef, MandateRef)}

    def _mac(self, prefix: str, payload: bytes) -> bytes:
        return hmac.new(self._key, prefix.encode() + payload, hashlib.sha256).digest()[:6]

    def encode(self, ref: PaymentRef | RefundRef | MandateRef) -> str:
        prefix = _PREFIX[type(ref)]
        payload = self._enc.encode(ref)
        blob = base64.urlsafe_b64encode(self._mac(prefix, payload) + payload).rstrip(b"=")
        return f"{prefix}_{blob.decode()}"

    def decode(self, cls: type[_R], value: str, field: str = "id") -> _R:
        prefix = _PREFIX[cls]
        kind = _KIND[prefix]
        if not value.startswith(prefix + "_") or len(value) > 4096:
            raise not_found(kind, field)
        try:
            blob = value[len(prefix) + 1 :]
            raw = base64.urlsafe_b64decode(blob + "=" * (-len(blob) % 4))
        except (binascii.Error, ValueError):
            raise not_found(kind, field) from None
        mac, payload = raw[:6], raw[6:]
        if not hmac.compare_digest(mac, self._mac(prefix, payload)):
            raise not_found(kind, field)
        try:
            return cast(_R, self._dec[cls].decode(payload))
        except msgspec.DecodeError:
            raise not_found(kind, field) from None
