"""The records of payments whose outcome is unknown, kept until they settle.

The flows write them (``remember`` when an authorization's outcome is unknown, ``forget``
when a sync, a retry or a webhook settles it) and the reconciler (``core/reconciler.py``)
works through them. They live in this module of their own so that the flows and the
reconciler, which calls the flows, do not import each other.
"""

from __future__ import annotations

import time

import msgspec

from connector_service.storage.base import Storage

NS = "unresolved"
SCHEDULE = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0)


class Pending(msgspec.Struct):
    payment_id: str
    created: float
    attempts: int = 0
    next_at: float = 0.0
    last_error: str | None = None


encode = msgspec.json.Encoder().encode
decode = msgspec.json.Decoder(Pending).decode


async def remember(storage: Storage, payment_id: str, first_delay: float = SCHEDULE[0]) -> None:
    now = time.time()
    record = Pending(payment_id=payment_id, created=now, next_at=now + first_delay)
    await storage.put(NS, payment_id, encode(record))


async def forget(storage: Storage, payment_id: str) -> None:
    """The payment settled (by a sync, a retry or a webhook): stop reconciling it."""
    await storage.delete(NS, payment_id)
