"""Idempotency records: the same key never reaches a gateway twice.

A record is keyed by (caller, Idempotency-Key) and holds a fingerprint of the request
(a keyed hash of its canonical form: ``core/fingerprint.py``). The first request claims
the key atomically (storage ``update``, so it holds across workers and, with PostgreSQL,
across instances) and marks it *in flight*; when it finishes, the response is stored and
every later equal request with the same key gets that response back, marked as a
replay. A different request is a conflict. A request arriving while the first is still
in flight waits for it (up to ``wait_seconds``) or gets a conflict — it never causes a
second gateway call.

Responses that prove nothing happened (the gateway was unreachable, unavailable or rate
limiting, or the service failed) release the key, so the client may retry with it. An
in-flight claim whose process died expires after ``lease_seconds``; the retry that
follows carries the same key to the gateway, whose own idempotency protects it.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass

import msgspec

from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.storage.base import Storage

NS = "idempotency"
# Statuses after which nothing happened at the gateway (unreachable, unavailable, rate
# limited before processing): the key is released so the client may retry with it.
RELEASE_STATUSES = frozenset({429, 503})


class _Record(msgspec.Struct):
    fingerprint: str
    state: str  # "in_flight" | "done"
    lease_until: float = 0.0
    status: int = 0
    body: str = ""  # base64 of the stored response body


@dataclass(frozen=True, slots=True)
class Replay:
    status: int
    body: bytes


_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(_Record)


class _Claim:
    """The atomic decision on one record: claim it, replay it, or report a conflict."""

    def __init__(self, fp: str, lease: float) -> None:
        self.fp = fp
        self.lease = lease
        self.replay: Replay | None = None
        self.conflict: str | None = None

    def __call__(self, old: bytes | None) -> bytes:
        now = time.time()
        if old is not None:
            record = _dec.decode(old)
            if record.fingerprint != self.fp:
                self.conflict = "reused"
                return old
            if record.state == "done":
                self.replay = Replay(record.status, base64.b64decode(record.body))
                return old
            if record.lease_until > now:
                self.conflict = "in_flight"
                return old
        fresh = _Record(fingerprint=self.fp, state="in_flight", lease_until=now + self.lease)
        return _enc.encode(fresh)


class IdempotencyStore:
    def __init__(
        self,
        storage: Storage,
        *,
        ttl_seconds: float = 86400,
        lease_seconds: float = 120,
        wait_seconds: float = 0,
    ) -> None:
        self.storage = storage
        self.ttl = ttl_seconds
        self.lease = lease_seconds
        self.wait = wait_seconds

    async def begin(self, scope: str, key: str, fp: str) -> Replay | None:
        """Claim ``key`` for a new request (returns None), or return the stored response
        of the earlier identical request. Raises a 409 ServiceError on a conflict."""
        record_key = f"{scope}\x1f{key}"
        deadline = time.monotonic() + self.wait
        pause = 0.02
        while True:
            # A plain read first: waiting duplicates must not queue for the row lock (on
            # PostgreSQL they would starve the very request they are waiting for).
            seen = await self.storage.get(NS, record_key)
            if seen is not None and time.monotonic() < deadline:
                record = _dec.decode(seen)
                in_flight = record.state == "in_flight" and record.lease_until > time.time()
                if record.fingerprint == fp and in_flight:
                    await asyncio.sleep(pause)
                    pause = min(pause * 1.5, 0.25)
                    continue
            claim = _Claim(fp, self.lease)
            await self.storage.update(NS, record_key, claim, ttl=self.ttl)
            if claim.replay is not None:
                return claim.replay
            if claim.conflict is None:
                return None
            if claim.conflict == "reused":
                raise ServiceError(
                    ErrorType.CONFLICT,
                    "idempotency_key_reused",
                    "This Idempotency-Key was used with a different request.",
                    field="Idempotency-Key",
                )
            if time.monotonic() >= deadline:
                raise ServiceError(
                    ErrorType.CONFLICT,
                    "idempotency_request_in_progress",
                    "A request with this Idempotency-Key is still being processed; "
                    "retry with the same key to get its result.",
                    field="Idempotency-Key",
                )
            await asyncio.sleep(pause)
            pause = min(pause * 1.5, 0.25)

    async def finish(self, scope: str, key: str, fp: str, status: int, body: bytes) -> None:
        record_key = f"{scope}\x1f{key}"
        if status in RELEASE_STATUSES:
            await self.release(scope, key, fp)
            return
        done = _Record(
            fingerprint=fp, state="done", status=status, body=base64.b64encode(body).decode()
        )
        await self.storage.put(NS, record_key, _enc.encode(done), ttl=self.ttl)

    async def release(self, scope: str, key: str, fp: str) -> None:
        record_key = f"{scope}\x1f{key}"

        def drop(old: bytes | None) -> bytes | None:
            if old is not None and _dec.decode(old).fingerprint != fp:
                return old
            return None

        await self.storage.update(NS, record_key, drop)
