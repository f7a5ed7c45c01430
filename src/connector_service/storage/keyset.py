"""Opaque page cursors over keyset pagination by ``(time, id)``, newest first.

Why keyset rather than offsets or a time alone: rows keep arriving while a caller pages,
and several rows share one timestamp; "strictly older than the last row's (time, id)"
returns every row exactly once however the list grows, and each backend answers it from
its index in the query (``storage/outbox*.py``), tenant filters included.

A cursor is the last row's key, tagged with the list it came from, in URL-safe base64:
callers treat it as opaque (they get it as ``next_cursor`` and send it back as
``cursor``), and the service may change what is inside without breaking them.
"""

from __future__ import annotations

import base64
import binascii
import json
import math

Keyset = tuple[float, str]


class BadCursor(ValueError):
    """The cursor is not one this list issued."""


def encode_cursor(kind: str, key: Keyset) -> str:
    raw = json.dumps([kind, key[0], key[1]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(kind: str, cursor: str) -> Keyset:
    """The key inside ``cursor``; :class:`BadCursor` for anything else (another list's
    cursor, a hand-made or truncated one)."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError):
        raise BadCursor(cursor) from None
    if (
        not isinstance(value, list)
        or len(value) != 3
        or value[0] != kind
        or not isinstance(value[1], int | float)
        or isinstance(value[1], bool)
        or not math.isfinite(value[1])
        or not isinstance(value[2], str)
    ):
        raise BadCursor(cursor)
    return float(value[1]), value[2]
