"""Operator views and actions on the outbox, shared by the admin API and the CLI:
list events and deliveries, show one event with every attempt, replay an event or every
failed delivery of an endpoint, list endpoints, re-enable one disabled by a 410.

Every method takes a ``scope``: the accounts the admin key is limited to (None: all, for
keys without an account list and for the CLI, which works on the storage directly). An
event of another account is not found, exactly like an unknown one; lists are filtered in
the storage query, so pages stay full and ``has_more`` right. An endpoint is visible when
it receives events of an account in scope (its own filter names one, or ``"*"``); its
counts and a replay of its failed deliveries cover only the scope's events; re-enabling
it, which affects every account it serves, needs a scope covering all of them."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection, Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgspec

from connector_service.config import WebhookEndpoint
from connector_service.storage.keyset import decode_cursor, encode_cursor
from connector_service.storage.outbox import AttemptRow, DeliveryRow, EventRow, WebhookStore


class EventSummary(msgspec.Struct, omit_defaults=True):
    id: str
    type: str
    connector: str
    account: str
    connector_event_id: str
    received_at: str


class AttemptView(msgspec.Struct, omit_defaults=True):
    attempt: int
    started_at: str
    latency_ms: float
    worker: str
    status_code: int | None = None
    error: str | None = None


class DeliveryView(msgspec.Struct, omit_defaults=True):
    id: str
    event_id: str
    endpoint: str
    status: str
    attempts: int
    created_at: str
    next_attempt_at: str | None = None
    last_attempt_at: str | None = None
    last_status_code: int | None = None
    last_error: str | None = None
    delivered_at: str | None = None
    attempt_log: list[AttemptView] | None = None


class EventDetail(msgspec.Struct, omit_defaults=True):
    id: str
    type: str
    connector: str
    account: str
    connector_event_id: str
    received_at: str
    event: Any  # the document delivered, exactly
    deliveries: list[DeliveryView]


class EndpointView(msgspec.Struct, omit_defaults=True):
    id: str
    url: str  # without query string or user info (they may hold credentials)
    event_types: list[str]
    accounts: list[str]
    pending: int
    failed: int
    disabled: bool
    disabled_at: str | None = None
    disabled_reason: str | None = None


class UnknownEndpoint(LookupError):
    pass


class SharedEndpoint(PermissionError):
    """The endpoint also serves accounts outside the caller's scope."""


Scope = Collection[str] | None
# What a cursor says it pages, so one list's cursor is refused by the other.
EVENTS, DELIVERIES = "events", "deliveries"


def _visible(ep: WebhookEndpoint, scope: Scope) -> bool:
    return scope is None or "*" in ep.accounts or bool(ep.accounts & set(scope))


def _in_scope(account: str, scope: Scope) -> bool:
    return scope is None or account in scope


def _iso(ts: float | None) -> str | None:
    if ts is None:
        return None
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _when(ts: float) -> str:
    return _iso(ts) or ""


def safe_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def event_summary(row: EventRow) -> EventSummary:
    return EventSummary(
        row.id, row.type, row.connector, row.account, row.connector_event_id,
        _when(row.received_at),
    )  # fmt: skip


def attempt_view(row: AttemptRow) -> AttemptView:
    return AttemptView(
        attempt=row.attempt,
        started_at=_when(row.started_at),
        latency_ms=row.latency_ms,
        worker=row.worker,
        status_code=row.status_code,
        error=row.error,
    )


def delivery_view(row: DeliveryRow, attempts: list[AttemptRow] | None = None) -> DeliveryView:
    return DeliveryView(
        id=row.id,
        event_id=row.event_id,
        endpoint=row.endpoint,
        status=row.status,
        attempts=row.attempts,
        created_at=_when(row.created_at),
        next_attempt_at=_iso(row.next_attempt_at) if row.status == "pending" else None,
        last_attempt_at=_iso(row.last_attempt_at),
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        delivered_at=_iso(row.delivered_at),
        attempt_log=[attempt_view(a) for a in attempts] if attempts is not None else None,
    )


class WebhookAdmin:
    def __init__(
        self,
        store: WebhookStore,
        endpoints: Mapping[str, WebhookEndpoint],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.endpoints = endpoints
        self.clock = clock

    async def list_events(
        self,
        *,
        connector: str | None = None,
        account: str | None = None,
        type: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
        scope: Scope = None,
    ) -> tuple[list[EventSummary], str | None]:
        """A page of events, newest first, and the cursor of the next page (None: this
        is the last). :class:`BadCursor` when ``cursor`` is not one this list issued."""
        after = decode_cursor(EVENTS, cursor) if cursor is not None else None
        rows = await self.store.list_events(
            connector=connector, account=account, type=type, after=after, limit=limit + 1,
            accounts=scope,
        )  # fmt: skip
        page = rows[:limit]
        more = len(rows) > limit and page
        following = encode_cursor(EVENTS, (page[-1].received_at, page[-1].id)) if more else None
        return [event_summary(r) for r in page], following

    async def event(self, event_id: str, scope: Scope = None) -> EventDetail | None:
        row = await self.store.get_event(event_id)
        if row is None or not _in_scope(row.account, scope):
            return None
        deliveries = await self.store.list_deliveries(event_id=event_id, limit=1000)
        views = [delivery_view(d, await self.store.list_attempts(d.id)) for d in deliveries]
        return EventDetail(
            id=row.id,
            type=row.type,
            connector=row.connector,
            account=row.account,
            connector_event_id=row.connector_event_id,
            received_at=_when(row.received_at),
            event=msgspec.json.decode(row.payload),
            deliveries=views,
        )

    async def list_deliveries(
        self,
        *,
        event_id: str | None = None,
        endpoint: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
        scope: Scope = None,
    ) -> tuple[list[DeliveryView], str | None]:
        """A page of deliveries, newest first, and the next page's cursor, as for events."""
        after = decode_cursor(DELIVERIES, cursor) if cursor is not None else None
        rows = await self.store.list_deliveries(
            event_id=event_id, endpoint=endpoint, status=status, after=after, limit=limit + 1,
            accounts=scope,
        )  # fmt: skip
        page = rows[:limit]
        more = len(rows) > limit and page
        following = encode_cursor(DELIVERIES, (page[-1].created_at, page[-1].id)) if more else None
        return [delivery_view(r) for r in page], following

    def _endpoint(self, endpoint: str, scope: Scope = None) -> WebhookEndpoint:
        ep = self.endpoints.get(endpoint)
        if ep is None or not _visible(ep, scope):
            raise UnknownEndpoint(endpoint)
        return ep

    async def replay_event(
        self, event_id: str, endpoint: str | None = None, scope: Scope = None
    ) -> int | None:
        """Queue the event again (to ``endpoint``, or to every configured endpoint that
        wants it or already had it). None when there is no such event (in scope)."""
        row = await self.store.get_event(event_id)
        if row is None or not _in_scope(row.account, scope):
            return None
        if endpoint is not None:
            targets = [self._endpoint(endpoint, scope).id]
        else:
            had = {d.endpoint for d in await self.store.list_deliveries(event_id=event_id)}
            targets = [
                e.id
                for e in self.endpoints.values()
                if e.id in had or e.wants(row.account, row.type)
            ]
        if not targets:
            return 0
        return await self.store.replay_event(event_id, targets, self.clock())

    async def replay_failed(self, endpoint: str, scope: Scope = None) -> int:
        self._endpoint(endpoint, scope)
        return await self.store.replay_failed(endpoint, self.clock(), accounts=scope)

    async def list_endpoints(self, scope: Scope = None) -> list[EndpointView]:
        stats = await self.store.stats(accounts=scope)
        disabled = await self.store.disabled_endpoints()
        out = []
        for ep in self.endpoints.values():
            if not _visible(ep, scope):
                continue
            s = stats.get(ep.id)
            off = disabled.get(ep.id)
            # Never the names of accounts outside the scope.
            accounts = (
                ep.accounts if scope is None or "*" in ep.accounts else ep.accounts & set(scope)
            )
            out.append(
                EndpointView(
                    id=ep.id,
                    url=safe_url(ep.url),
                    event_types=sorted(ep.event_types),
                    accounts=sorted(accounts),
                    pending=s.pending if s else 0,
                    failed=s.failed if s else 0,
                    disabled=off is not None,
                    disabled_at=_iso(off[0]) if off else None,
                    disabled_reason=off[1] if off else None,
                )
            )
        return out

    async def enable(self, endpoint: str, scope: Scope = None) -> bool:
        ep = self._endpoint(endpoint, scope)
        if scope is not None and ("*" in ep.accounts or not ep.accounts <= set(scope)):
            raise SharedEndpoint(endpoint)
        return await self.store.enable_endpoint(endpoint)
