"""The webhook outbox: received events, their deliveries, every attempt.

This is the one piece of reliability state that is not a small key-value record: workers
must *find* due deliveries and *claim* them so that, with several processes or instances,
each delivery is sent by one worker at a time. It therefore has its own tables (migration
2 in ``storage/migrations.py``) and this interface, with one implementation per backend
(memory here, ``outbox_sqlite.py``, ``outbox_postgres.py``) sharing the storage's
connection.

The claim protocol, common to all backends: a due delivery (``status = 'pending'``,
``next_attempt_at`` reached, no live lease) is claimed by writing a ``lease_owner`` and a
``lease_until`` in one atomic step (SQLite: a ``BEGIN IMMEDIATE`` transaction, which
holds the database's single write lock across processes; PostgreSQL: ``FOR UPDATE SKIP
LOCKED``, so concurrent claimers skip each other's rows instead of waiting). The lease
outlives the HTTP attempt; a worker that dies mid-attempt simply lets it run out and
another worker retries the delivery. Results are written back only while the lease is
still the writer's, except a success, which always counts (a delivered event must never
be re-queued by a late failure report).
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from connector_service.storage.keyset import Keyset


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # retries exhausted, endpoint gone, or disabled: kept for replay


class Outcome(StrEnum):
    """What an attempt means for its delivery."""

    SUCCEEDED = "succeeded"  # 2xx
    RETRY = "retry"  # anything else, with retries left
    FAILED = "failed"  # retries exhausted
    GONE = "gone"  # 410: the endpoint is disabled


@dataclass(frozen=True, slots=True)
class NewEvent:
    id: str
    connector: str
    account: str
    connector_event_id: str
    type: str
    payload: bytes
    endpoints: tuple[str, ...]  # a delivery is created for each


@dataclass(frozen=True, slots=True)
class EventRow:
    id: str
    connector: str
    account: str
    connector_event_id: str
    type: str
    payload: bytes
    received_at: float


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: str
    event_id: str
    endpoint: str
    status: str
    attempts: int
    step: int
    next_attempt_at: float
    lease_owner: str | None
    lease_until: float | None
    last_attempt_at: float | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: float | None
    created_at: float


@dataclass(frozen=True, slots=True)
class AttemptRow:
    delivery_id: str
    attempt: int
    started_at: float
    status_code: int | None
    latency_ms: float
    error: str | None
    worker: str


@dataclass(frozen=True, slots=True)
class Claim:
    """A delivery this worker holds the lease of, with the bytes to send."""

    delivery_id: str
    event_id: str
    endpoint: str
    attempts: int
    step: int  # failures so far in the current retry round: the index into the schedule
    payload: bytes


@dataclass(frozen=True, slots=True)
class AttemptResult:
    started_at: float
    status_code: int | None
    latency_ms: float
    error: str | None


@dataclass(frozen=True, slots=True)
class EndpointStats:
    pending: int = 0
    failed: int = 0
    oldest_pending_at: float | None = None


def stats_from_rows(rows: Sequence[Any]) -> dict[str, EndpointStats]:
    """``(endpoint, status, count, oldest created_at)`` rows -> per-endpoint stats."""
    out: dict[str, EndpointStats] = {}
    for endpoint, status, count, oldest in rows:
        s = out.get(endpoint, EndpointStats())
        if status == DeliveryStatus.PENDING:
            s = EndpointStats(int(count), s.failed, float(oldest) if oldest is not None else None)
        else:
            s = EndpointStats(s.pending, int(count), s.oldest_pending_at)
        out[endpoint] = s
    return out


def delivery_id(event_id: str, endpoint: str) -> str:
    """Deterministic, so that creating a delivery twice is a conflict, not a duplicate."""
    digest = hashlib.sha256(f"{event_id}\x00{endpoint}".encode()).hexdigest()
    return f"dlv_{digest[:32]}"


async def _nothing() -> None:
    return None


class WebhookStore(abc.ABC):
    """Durable storage of webhook events and deliveries."""

    @abc.abstractmethod
    async def record(self, events: Sequence[NewEvent], now: float) -> list[bool]:
        """Store events not seen before and, in the same transaction, their deliveries.
        Returns, per event, True when it was new (False: a duplicate, nothing written).
        Durable when it returns: the caller acknowledges the gateway after this."""

    @abc.abstractmethod
    async def claim(
        self, owner: str, endpoints: Sequence[str], limit: int, lease_seconds: float, now: float
    ) -> list[Claim]:
        """Lease up to ``limit`` due deliveries to ``endpoints`` for ``owner``."""

    async def listen(self, on_new_work: Callable[[], None]) -> Callable[[], Awaitable[None]]:
        """Call ``on_new_work`` whenever another process records or requeues deliveries.

        Returns the coroutine function that stops listening. A store that cannot tell
        (SQLite: one process; memory) listens to nothing and workers rely on the wake-ups
        of their own process plus the poll interval."""
        return _nothing

    @abc.abstractmethod
    async def finish(
        self,
        claim: Claim,
        owner: str,
        result: AttemptResult,
        outcome: Outcome,
        *,
        next_attempt_at: float | None,
        step: int,
        now: float,
    ) -> None:
        """Record the attempt and move the delivery on (see the module docstring)."""

    @abc.abstractmethod
    async def disabled_endpoints(self) -> dict[str, tuple[float, str]]: ...

    @abc.abstractmethod
    async def disable_endpoint(self, endpoint: str, reason: str, now: float) -> None: ...

    @abc.abstractmethod
    async def enable_endpoint(self, endpoint: str) -> bool:
        """True when the endpoint was disabled."""

    @abc.abstractmethod
    async def get_event(self, event_id: str) -> EventRow | None: ...

    @abc.abstractmethod
    async def list_events(
        self,
        *,
        connector: str | None = None,
        account: str | None = None,
        type: str | None = None,
        after: Keyset | None = None,
        limit: int = 50,
        accounts: Collection[str] | None = None,
    ) -> list[EventRow]:
        """Newest first by ``(received_at, id)``; ``after`` (the last row's key) pages
        on (``storage/keyset.py``). ``accounts`` (None: all) limits the rows to those
        accounts' events, in the query, so pages stay full."""

    @abc.abstractmethod
    async def list_deliveries(
        self,
        *,
        event_id: str | None = None,
        endpoint: str | None = None,
        status: str | None = None,
        after: Keyset | None = None,
        limit: int = 50,
        accounts: Collection[str] | None = None,
    ) -> list[DeliveryRow]:
        """Newest first by ``(created_at, id)``; ``after`` pages as for events;
        ``accounts`` (None: all) limits them to those accounts' events."""

    @abc.abstractmethod
    async def list_attempts(self, delivery_id: str) -> list[AttemptRow]: ...

    @abc.abstractmethod
    async def replay_event(self, event_id: str, endpoints: Sequence[str], now: float) -> int:
        """Queue the event again for each endpoint (creating missing deliveries), with a
        fresh retry round. Returns how many deliveries were queued."""

    @abc.abstractmethod
    async def replay_failed(
        self, endpoint: str, now: float, accounts: Collection[str] | None = None
    ) -> int:
        """Queue every failed delivery of ``endpoint`` (of ``accounts``' events; None: all)
        again, with a fresh retry round."""

    @abc.abstractmethod
    async def stats(self, accounts: Collection[str] | None = None) -> dict[str, EndpointStats]:
        """Pending and failed deliveries per endpoint (for the backlog metrics), of
        ``accounts``' events (None: all)."""


# --------------------------------------------------------------------------- memory


class MemoryOutbox(WebhookStore):
    """For library mode and unit tests; lost on exit like the rest of memory storage."""

    def __init__(self) -> None:
        self._events: dict[str, EventRow] = {}
        self._deliveries: dict[str, DeliveryRow] = {}
        self._attempts: dict[str, list[AttemptRow]] = {}
        self._disabled: dict[str, tuple[float, str]] = {}
        self._lock = asyncio.Lock()

    @staticmethod
    def _new_delivery(event_id: str, endpoint: str, now: float) -> DeliveryRow:
        return DeliveryRow(
            id=delivery_id(event_id, endpoint),
            event_id=event_id,
            endpoint=endpoint,
            status=DeliveryStatus.PENDING,
            attempts=0,
            step=0,
            next_attempt_at=now,
            lease_owner=None,
            lease_until=None,
            last_attempt_at=None,
            last_status_code=None,
            last_error=None,
            delivered_at=None,
            created_at=now,
        )

    async def record(self, events: Sequence[NewEvent], now: float) -> list[bool]:
        out = []
        async with self._lock:
            for ev in events:
                if ev.id in self._events:
                    out.append(False)
                    continue
                self._events[ev.id] = EventRow(
                    ev.id, ev.connector, ev.account, ev.connector_event_id, ev.type,
                    ev.payload, now,
                )  # fmt: skip
                for endpoint in ev.endpoints:
                    d = self._new_delivery(ev.id, endpoint, now)
                    self._deliveries.setdefault(d.id, d)
                out.append(True)
        return out

    async def claim(
        self, owner: str, endpoints: Sequence[str], limit: int, lease_seconds: float, now: float
    ) -> list[Claim]:
        wanted = set(endpoints)
        async with self._lock:
            due = sorted(
                (
                    d
                    for d in self._deliveries.values()
                    if d.status == DeliveryStatus.PENDING
                    and d.next_attempt_at <= now
                    and (d.lease_until is None or d.lease_until <= now)
                    and d.endpoint in wanted
                ),
                key=lambda d: d.next_attempt_at,
            )[:limit]
            claims = []
            for d in due:
                self._deliveries[d.id] = replace(
                    d, lease_owner=owner, lease_until=now + lease_seconds
                )
                payload = self._events[d.event_id].payload
                claims.append(Claim(d.id, d.event_id, d.endpoint, d.attempts, d.step, payload))
            return claims

    async def finish(
        self,
        claim: Claim,
        owner: str,
        result: AttemptResult,
        outcome: Outcome,
        *,
        next_attempt_at: float | None,
        step: int,
        now: float,
    ) -> None:
        async with self._lock:
            d = self._deliveries.get(claim.delivery_id)
            if d is None:
                return
            attempt = d.attempts + 1
            self._attempts.setdefault(d.id, []).append(
                AttemptRow(
                    d.id, attempt, result.started_at, result.status_code, result.latency_ms,
                    result.error, owner,
                )
            )  # fmt: skip
            d = replace(
                d,
                attempts=attempt,
                last_attempt_at=result.started_at,
                last_status_code=result.status_code,
                last_error=result.error,
            )
            owned = d.lease_owner == owner and d.status == DeliveryStatus.PENDING
            if outcome is Outcome.SUCCEEDED and d.status == DeliveryStatus.PENDING:
                d = replace(
                    d,
                    status=DeliveryStatus.SUCCEEDED,
                    delivered_at=now,
                    lease_owner=None,
                    lease_until=None,
                )
            elif owned and outcome is Outcome.RETRY and next_attempt_at is not None:
                d = replace(
                    d, step=step, next_attempt_at=next_attempt_at, lease_owner=None,
                    lease_until=None,
                )  # fmt: skip
            elif owned and outcome in (Outcome.FAILED, Outcome.GONE):
                d = replace(
                    d, status=DeliveryStatus.FAILED, step=step, lease_owner=None,
                    lease_until=None,
                )  # fmt: skip
            self._deliveries[d.id] = d
            if outcome is Outcome.GONE and owned:
                self._disabled.setdefault(d.endpoint, (now, result.error or "410 Gone"))

    async def disabled_endpoints(self) -> dict[str, tuple[float, str]]:
        return dict(self._disabled)

    async def disable_endpoint(self, endpoint: str, reason: str, now: float) -> None:
        self._disabled.setdefault(endpoint, (now, reason))

    async def enable_endpoint(self, endpoint: str) -> bool:
        return self._disabled.pop(endpoint, None) is not None

    async def get_event(self, event_id: str) -> EventRow | None:
        return self._events.get(event_id)

    async def list_events(
        self,
        *,
        connector: str | None = None,
        account: str | None = None,
        type: str | None = None,
        after: Keyset | None = None,
        limit: int = 50,
        accounts: Collection[str] | None = None,
    ) -> list[EventRow]:
        rows = [
            e
            for e in self._events.values()
            if (accounts is None or e.account in accounts)
            and (connector is None or e.connector == connector)
            and (account is None or e.account == account)
            and (type is None or e.type == type)
            and (after is None or (e.received_at, e.id) < after)
        ]
        rows.sort(key=lambda e: (e.received_at, e.id), reverse=True)
        return rows[:limit]

    async def list_deliveries(
        self,
        *,
        event_id: str | None = None,
        endpoint: str | None = None,
        status: str | None = None,
        after: Keyset | None = None,
        limit: int = 50,
        accounts: Collection[str] | None = None,
    ) -> list[DeliveryRow]:
        rows = [
            d
            for d in self._deliveries.values()
            if self._of(d, accounts)
            and (event_id is None or d.event_id == event_id)
            and (endpoint is None or d.endpoint == endpoint)
            and (status is None or d.status == status)
            and (after is None or (d.created_at, d.id) < after)
        ]
        rows.sort(key=lambda d: (d.created_at, d.id), reverse=True)
        return rows[:limit]

    def _of(self, d: DeliveryRow, accounts: Collection[str] | None) -> bool:
        return accounts is None or self._events[d.event_id].account in accounts

    async def list_attempts(self, delivery_id: str) -> list[AttemptRow]:
        return list(self._attempts.get(delivery_id, []))

    def _requeue(self, d: DeliveryRow, now: float) -> DeliveryRow:
        return replace(
            d,
            status=DeliveryStatus.PENDING,
            step=0,
            next_attempt_at=now,
            lease_owner=None,
            lease_until=None,
            delivered_at=None,
        )

    async def replay_event(self, event_id: str, endpoints: Sequence[str], now: float) -> int:
        async with self._lock:
            if event_id not in self._events:
                return 0
            for endpoint in endpoints:
                did = delivery_id(event_id, endpoint)
                d = self._deliveries.get(did) or self._new_delivery(event_id, endpoint, now)
                self._deliveries[did] = self._requeue(d, now)
            return len(set(endpoints))

    async def replay_failed(
        self, endpoint: str, now: float, accounts: Collection[str] | None = None
    ) -> int:
        async with self._lock:
            count = 0
            for d in list(self._deliveries.values()):
                if (
                    d.endpoint == endpoint
                    and d.status == DeliveryStatus.FAILED
                    and self._of(d, accounts)
                ):
                    self._deliveries[d.id] = self._requeue(d, now)
                    count += 1
            return count

    async def stats(self, accounts: Collection[str] | None = None) -> dict[str, EndpointStats]:
        out: dict[str, EndpointStats] = {}
        for d in self._deliveries.values():
            if not self._of(d, accounts):
                continue
            s = out.get(d.endpoint, EndpointStats())
            if d.status == DeliveryStatus.PENDING:
                oldest = s.oldest_pending_at
                first = d.created_at if oldest is None else min(oldest, d.created_at)
                s = replace(s, pending=s.pending + 1, oldest_pending_at=first)
            elif d.status == DeliveryStatus.FAILED:
                s = replace(s, failed=s.failed + 1)
            out[d.endpoint] = s
        return out
