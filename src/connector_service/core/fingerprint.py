"""Canonical request fingerprints for idempotency records.

Two requests are "the same request" when they ask for the same operation on the same ids
with the same validated content, whatever their bytes (key order, whitespace, escapes) or
their transport (REST JSON, gRPC protobuf). So the fingerprint is taken of the *parsed*
request: the operation name, the path ids and the validated API struct encoded
deterministically (keys sorted). A field left out and the same field sent with its
default value decode to the same struct and so fingerprint the same: the gateway gets the
very same call either way, so replaying the first answer is what the caller expects.

The canonical form holds card numbers and CVCs in clear (two requests for different
cards must differ), so it never leaves memory: only a keyed hash (HMAC-SHA256) is stored.
A plain SHA-256 of a request would not do: card numbers have little entropy and a stored
plain hash of one is brute-forced in minutes. The HMAC key is derived from the server's
``id_key``, which every instance shares, so any instance recognises any other's record.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

import msgspec

from connector_service.domain.secret import Secret

_LABEL = b"connector-service/idempotency-fingerprint/v1"


def _reveal(obj: Any) -> Any:
    # Only for the canonical form hashed below: it is never written anywhere.
    if isinstance(obj, Secret):
        return obj.reveal()
    raise NotImplementedError(f"cannot encode {type(obj)!r}")


_canonical = msgspec.json.Encoder(enc_hook=_reveal, order="sorted")


def fingerprint_key(id_key: bytes) -> bytes:
    """The HMAC key of fingerprints, derived from (and never equal to) the id key."""
    return hmac.new(id_key, _LABEL, hashlib.sha256).digest()


def canonical(operation: str, ids: Mapping[str, str], request: Any) -> bytes:
    """The canonical bytes of a request (secrets in clear: hash them, never keep them)."""
    return _canonical.encode([operation, dict(sorted(ids.items())), request])


def fingerprint(key: bytes, operation: str, ids: Mapping[str, str], request: Any) -> str:
    """The keyed hash stored in an idempotency record."""
    return hmac.new(key, canonical(operation, ids, request), hashlib.sha256).hexdigest()
