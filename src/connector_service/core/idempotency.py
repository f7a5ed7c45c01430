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
limiting, or the service failed) release the key, so the client may retry with it.

An in-flight claim whose process died expires after its lease. The lease is per request
(:func:`lease_for`): long enough for every gateway call the request may make under its
account's connect and read timeouts, so it never runs out while the first attempt may
still be talking to the gateway, and short enough that a crash costs the client seconds,
not minutes. A request that claims a key whose lease expired *takes it over*
(:attr:`Claim.took_over`): the first attempt may have reached the gateway, so the caller
must not run it as new. It re-sends with the same gateway idempotency key where the
gateway honours one (the gateway answers with the first attempt's result), and on a
gateway without idempotency it answers ``unresolved`` and leaves the outcome to a sync
(:data:`RESUMED` tells the payment core which case it is in).
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import time
from collections.abc import Mapping
from dataclasses import dataclass

import msgspec

from connector_service.config import Account
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow
from connector_service.executor.http import Timeouts
from connector_service.storage.base import Storage

NS = "idempotency"
# Statuses after which nothing happened at the gateway (unreachable, unavailable, rate
# limited before processing): the key is released so the client may retry with it.
RELEASE_STATUSES = frozenset({429, 503})
# Sequential gateway calls one request may make (access token, create, confirm) and the
# slack for the service's own work around them: see lease_for.
LEASE_CALLS = 3
LEASE_MARGIN_SECONDS = 2.0
# Set while a request runs that took over an expired claim (an earlier attempt may have
# reached the gateway): the core must not re-send a gateway call that has an effect
# unless the gateway deduplicates it by idempotency key.
# The flows whose gateway call has an effect (a re-send may repeat it).
EFFECT_FLOWS = frozenset(
    {
        Flow.AUTHORIZE,
        Flow.CHARGE_MANDATE,
        Flow.CAPTURE,
        Flow.VOID,
        Flow.REFUND,
        Flow.SETUP_MANDATE,
        Flow.REVOKE_MANDATE,
        Flow.INCREMENT,
    }
)
RESUMED: contextvars.ContextVar[bool] = contextvars.ContextVar("idempotency_resumed", default=False)


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


@dataclass(frozen=True, slots=True)
class Claim:
    """What :meth:`IdempotencyStore.claim` decided: a stored answer to replay, or the
    key is now ours; ``took_over`` when it was an expired in-flight claim of an earlier
    attempt (which may have reached the gateway) rather than a fresh key."""

    replay: Replay | None = None
    took_over: bool = False


def lease_for(connect_seconds: float, read_seconds: float, connect_retries: int = 2) -> float:
    """The in-flight lease for a request on an account with these timeouts: every call
    it may make (LEASE_CALLS, each with its connect retries and its read) plus a margin.
    Past it the first attempt has certainly stopped talking to the gateway."""
    per_call = connect_seconds * (connect_retries + 1) + read_seconds
    return LEASE_CALLS * per_call + LEASE_MARGIN_SECONDS


def request_lease(
    accounts: Mapping[str, Account],
    default: Timeouts,
    account: str | None = None,
    *,
    request_credentials: bool = False,
) -> float:
    """The lease for one request: its account's when it names a configured one, the
    executor's default timeouts' when it brings its own credentials (no configured
    account), else the slowest configured account's, so a routed request is covered
    wherever routing sends it."""
    if request_credentials:
        return lease_for(default.connect, default.read)
    named = accounts.get(account) if account else None
    chosen = [named] if named is not None else list(accounts.values())
    if not chosen:
        return lease_for(default.connect, default.read)
    return max(lease_for(a.connect_timeout_seconds, a.timeout_seconds) for a in chosen)


_enc = msgspec.json.Encoder()
_dec = msgspec.json.Decoder(_Record)


class _Claim:
    """The atomic decision on one record: claim it, replay it, or report a conflict."""

    def __init__(self, fp: str, lease: float) -> None:
        self.fp = fp
        self.lease = lease
        self.replay: Replay | None = None
        self.conflict: str | None = None
        self.took_over = False

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
            self.took_over = True  # its lease ran out: the attempt that held it is gone
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

    async def begin(
        self, scope: str, key: str, fp: str, *, lease_seconds: float | None = None
    ) -> Replay | None:
        """Claim ``key`` for a new request (returns None), or return the stored response
        of the earlier identical request. Raises a 409 ServiceError on a conflict. Use
        :meth:`claim` to learn whether the claim took over an expired one."""
        return (await self.claim(scope, key, fp, lease_seconds=lease_seconds)).replay

    async def claim(
        self, scope: str, key: str, fp: str, *, lease_seconds: float | None = None
    ) -> Claim:
        """Like :meth:`begin`, reporting a take-over of an expired in-flight claim.
        ``lease_seconds`` (see :func:`lease_for`) defaults to the store's lease."""
        lease = self.lease if lease_seconds is None else lease_seconds
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
            claim = _Claim(fp, lease)
            await self.storage.update(NS, record_key, claim, ttl=self.ttl)
            if claim.replay is not None:
                return Claim(replay=claim.replay)
            if claim.conflict is None:
                return Claim(took_over=claim.took_over)
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
