"""Webhook signature helpers: HMAC, constant-time comparison, and the ``t=…,v1=…``
header (a timestamp and one or more signatures of ``"<t>.<body>"``) that Stripe and the
sandbox use."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

MAX_TIMESTAMP_DIGITS = 12


def constant_time_equal(a: str | bytes, b: str | bytes) -> bool:
    """Comparison whose time does not depend on where the inputs differ."""
    left = a.encode() if isinstance(a, str) else a
    right = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(left, right)


def hmac_sha256(key: str | bytes, message: bytes) -> bytes:
    raw_key = key.encode() if isinstance(key, str) else key
    return hmac.new(raw_key, message, hashlib.sha256).digest()


def hmac_sha256_hex(key: str | bytes, message: bytes) -> str:
    return hmac_sha256(key, message).hex()


def hmac_sha512_hex(key: str | bytes, message: bytes) -> str:
    """Hex HMAC-SHA512 (Paystack's ``x-paystack-signature``)."""
    raw_key = key.encode() if isinstance(key, str) else key
    return hmac.new(raw_key, message, hashlib.sha512).hexdigest()


def hmac_sha1_hex(key: str | bytes, message: bytes, *, hash_key: bool = False) -> str:
    """Hex HMAC-SHA1; with ``hash_key`` the key is the SHA-1 digest of ``key`` (Braintree
    signs webhooks under SHA-1(private key))."""
    raw_key = key.encode() if isinstance(key, str) else key
    if hash_key:
        raw_key = hashlib.sha1(raw_key).digest()  # noqa: S324 (the gateway's scheme, not ours)
    return hmac.new(raw_key, message, hashlib.sha1).hexdigest()


def hmac_sha256_b64(key: str | bytes, message: bytes) -> str:
    return base64.b64encode(hmac_sha256(key, message)).decode()


def hmac_sha256_hex_b64(key: str | bytes, message: bytes) -> str:
    """Base64 of the *hex text* of the HMAC-SHA256 (not of the raw digest): the form
    Rapyd's request and webhook signatures take, 88 characters long."""
    return base64.b64encode(hmac_sha256_hex(key, message).encode()).decode()


def parse_timestamped(header: str, scheme: str = "v1") -> tuple[str | None, list[str]]:
    """``t=<unix>,v1=<hex>[,v1=<hex>]`` -> (timestamp digits as sent, signatures of
    ``scheme``). A missing or non-numeric timestamp is ``None``; garbage gives
    ``(None, [])``. The digits stay text: the signature covers them as sent."""
    timestamp: str | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= MAX_TIMESTAMP_DIGITS:
            timestamp = value
        elif key == scheme and value:
            signatures.append(value)
    return timestamp, signatures


def verify_timestamped(
    header: str,
    body: bytes,
    secret: str,
    *,
    tolerance_seconds: float,
    now: float | None = None,
    scheme: str = "v1",
) -> bool:
    """Whether ``header`` holds an HMAC-SHA256 (hex) of ``"<t>.<body>"`` under ``secret``
    with ``t`` within ``tolerance_seconds`` of now (either side: clocks drift)."""
    timestamp, signatures = parse_timestamped(header, scheme)
    if not secret or timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    expected = hmac_sha256_hex(secret, timestamp.encode() + b"." + body)
    return any(constant_time_equal(expected, given.lower()) for given in signatures)
