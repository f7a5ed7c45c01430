"""Standard Webhooks signing (https://www.standardwebhooks.com).

Every delivery carries ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``.
The signature is ``v1,`` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")) where the
key is the base64 part of an endpoint secret ``whsec_…``. During a secret rotation the
endpoint has several secrets and the header carries one signature per secret, separated
by spaces, so a client holding either the old or the new secret verifies the message.

The scheme is implemented here (a few lines) rather than through the ``standardwebhooks``
package so the service has no runtime dependency on it; the tests prove that package
verifies exactly what this module produces.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Sequence

PREFIX = "whsec_"
MIN_KEY_BYTES = 16  # Standard Webhooks recommends 24-64 random bytes
MAX_KEY_BYTES = 64


class InvalidSecret(ValueError):
    """The configured secret is not ``whsec_`` + base64 of 16-64 bytes."""


def decode_secret(secret: str) -> bytes:
    """The HMAC key inside ``whsec_<base64>``. Raises :class:`InvalidSecret` without
    quoting the value (it is a secret)."""
    if not secret.startswith(PREFIX):
        raise InvalidSecret("a webhook signing secret starts with 'whsec_'")
    body = secret[len(PREFIX) :]
    try:
        key = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidSecret("the part after 'whsec_' is not base64") from None
    if not MIN_KEY_BYTES <= len(key) <= MAX_KEY_BYTES:
        raise InvalidSecret(
            f"the secret must hold {MIN_KEY_BYTES}-{MAX_KEY_BYTES} bytes (it holds {len(key)})"
        )
    return key


def new_secret(size: int = 24) -> str:
    """A fresh random endpoint secret (``connector-service webhooks new-secret``)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(size)).decode()


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature."""
    signed = msg_id.encode() + b"." + str(timestamp).encode() + b"." + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def sign_headers(keys: Sequence[bytes], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every key (rotation)."""
    if not keys:
        raise InvalidSecret("an endpoint needs at least one signing secret")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(k, msg_id, timestamp, body) for k in keys),
    }
