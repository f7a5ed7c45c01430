"""The webhook outbox on SQLite (see ``storage/outbox.py`` for the protocol).

It shares the storage's connection and its lock, so within a process every write is
serialised; across processes sharing the file, each write is a ``BEGIN IMMEDIATE``
transaction, which takes SQLite's single write lock before reading, so two workers can
never both see a delivery as unclaimed. Recording events switches the connection to
``synchronous=FULL`` for that transaction: the gateway is told "received" only once the
event would survive a power cut, not just a process crash.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Collection, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite

from connector_service.storage.keyset import Keyset
from connector_service.storage.outbox import (
    AttemptResult,
    AttemptRow,
    Claim,
    DeliveryRow,
    DeliveryStatus,
    EndpointStats,
    EventRow,
    NewEvent,
    Outcome,
    WebhookStore,
    delivery_id,
    stats_from_rows,
)
from connector_service.storage.sqlite import SqliteStorage

_DELIVERY_COLUMNS = (
    "id, event_id, endpoint, status, attempts, step, next_attempt_at, lease_owner, "
    "lease_until, last_attempt_at, last_status_code, last_error, delivered_at, created_at"
)
_EVENT_COLUMNS = "id, connector, account, connector_event_id, type, payload, received_at"


def _event(row: Any) -> EventRow:
    return EventRow(row[0], row[1], row[2], row[3], row[4], bytes(row[5]), float(row[6]))


def _delivery(row: Any) -> DeliveryRow:
    return DeliveryRow(*row)


class SqliteOutbox(WebhookStore):
    def __init__(self, storage: SqliteStorage) -> None:
        self.storage = storage

    @property
    def _db(self) -> aiosqlite.Connection:
        return self.storage._conn

    @asynccontextmanager
    async def _write(self, *, durable: bool = False) -> AsyncIterator[aiosqlite.Connection]:
        db = self._db
        async with self.storage._lock:
            if durable:
                await db.execute("PRAGMA synchronous=FULL")
            try:
                await db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                    await db.execute("COMMIT")
                except BaseException:
                    await db.execute("ROLLBACK")
                    raise
            finally:
                if durable:
                    await db.execute("PRAGMA synchronous=NORMAL")

    async def _fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cur = await self._db.execute(sql, tuple(params))
        return list(await cur.fetchall())

    # ------------------------------------------------------------------ receive

    async def record(self, events: Sequence[NewEvent], now: float) -> list[bool]:
        out = []
        async with self._write(durable=True) as db:
            for ev in events:
                cur = await db.execute(
                    "INSERT INTO webhook_events (id, connector, account, connector_event_id, "
                    "type, payload, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (id) DO NOTHING",
                    (ev.id, ev.connector, ev.account, ev.connector_event_id, ev.type,
                     ev.payload, now),
                )  # fmt: skip
                new = cur.rowcount == 1
                out.append(new)
                if new and ev.endpoints:
                    await db.executemany(
                        "INSERT INTO webhook_deliveries (id, event_id, endpoint, status, "
                        "next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?) "
                        "ON CONFLICT (id) DO NOTHING",
                        [(delivery_id(ev.id, e), ev.id, e, now, now) for e in ev.endpoints],
                    )
        return out

    # ------------------------------------------------------------------ deliver

    async def claim(
        self, owner: str, endpoints: Sequence[str], limit: int, lease_seconds: float, now: float
    ) -> list[Claim]:
        if not endpoints or limit <= 0:
            return []
        async with self._write() as db:
            cur = await db.execute(
                "SELECT d.id, d.event_id, d.endpoint, d.attempts, d.step, e.payload "
                "FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id "
                "WHERE d.status = 'pending' AND d.next_attempt_at <= ? "
                "AND (d.lease_until IS NULL OR d.lease_until <= ?) "
                "AND d.endpoint IN (SELECT value FROM json_each(?)) "
                "ORDER BY d.next_attempt_at LIMIT ?",
                (now, now, json.dumps(list(endpoints)), limit),
            )
            rows = list(await cur.fetchall())
            if rows:
                await db.execute(
                    "UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? "
                    "WHERE id IN (SELECT value FROM json_each(?))",
                    (owner, now + lease_seconds, json.dumps([r[0] for r in rows])),
                )
        return [Claim(r[0], r[1], r[2], int(r[3]), int(r[4]), bytes(r[5])) for r in rows]

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
        async with self._write() as db:
            cur = await db.execute(
                "SELECT attempts, status, lease_owner, endpoint FROM webhook_deliveries "
                "WHERE id = ?",
                (claim.delivery_id,),
            )
            row = await cur.fetchone()
            if row is None:
                return
            attempt = int(row[0]) + 1
            pending = row[1] == DeliveryStatus.PENDING
            owned = pending and row[2] == owner
            await db.execute(
                "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, status_code, "
                "latency_ms, error, worker) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (claim.delivery_id, attempt, result.started_at, result.status_code,
                 result.latency_ms, result.error, owner),
            )  # fmt: skip
            await db.execute(
                "UPDATE webhook_deliveries SET attempts = ?, last_attempt_at = ?, "
                "last_status_code = ?, last_error = ? WHERE id = ?",
                (attempt, result.started_at, result.status_code, result.error,
                 claim.delivery_id),
            )  # fmt: skip
            if outcome is Outcome.SUCCEEDED and pending:
                await db.execute(
                    "UPDATE webhook_deliveries SET status = 'succeeded', delivered_at = ?, "
                    "lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (now, claim.delivery_id),
                )
            elif owned and outcome is Outcome.RETRY and next_attempt_at is not None:
                await db.execute(
                    "UPDATE webhook_deliveries SET step = ?, next_attempt_at = ?, "
                    "lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (step, next_attempt_at, claim.delivery_id),
                )
            elif owned and outcome in (Outcome.FAILED, Outcome.GONE):
                await db.execute(
                    "UPDATE webhook_deliveries SET status = 'failed', step = ?, "
                    "lease_owner = NULL, lease_until = NULL WHERE id = ?",
                    (step, claim.delivery_id),
                )
                if outcome is Outcome.GONE:
                    await db.execute(
                        "INSERT INTO webhook_endpoint_state (endpoint, disabled_at, reason) "
                        "VALUES (?, ?, ?) ON CONFLICT (endpoint) DO NOTHING",
                        (row[3], now, result.error or "410 Gone"),
                    )

    # ------------------------------------------------------------------ endpoints

    async def disabled_endpoints(self) -> dict[str, tuple[float, str]]:
        rows = await self._fetchall(
            "SELECT endpoint, disabled_at, reason FROM webhook_endpoint_state"
        )
        return {r[0]: (float(r[1]), str(r[2])) for r in rows}

    async def disable_endpoint(self, endpoint: str, reason: str, now: float) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO webhook_endpoint_state (endpoint, disabled_at, reason) "
                "VALUES (?, ?, ?) ON CONFLICT (endpoint) DO NOTHING",
                (endpoint, now, reason),
            )

    async def enable_endpoint(self, endpoint: str) -> bool:
        async with self._write() as db:
            cur = await db.execute(
                "DELETE FROM webhook_endpoint_state WHERE endpoint = ?", (endpoint,)
            )
            return cur.rowcount > 0

    # ------------------------------------------------------------------ operators

    async def get_event(self, event_id: str) -> EventRow | None:
        rows = await self._fetchall(
            f"SELECT {_EVENT_COLUMNS} FROM webhook_events WHERE id = ?",  # noqa: S608
            (event_id,),
        )
        return _event(rows[0]) if rows else None

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
        where, params = _filters(
            ("connector = ?", connector), ("account = ?", account), ("type = ?", type),
            (_IN_ACCOUNTS, _json_list(accounts)),
        )  # fmt: skip
        where = _keyset(where, params, "received_at", after)
        rows = await self._fetchall(
            f"SELECT {_EVENT_COLUMNS} FROM webhook_events {where} "  # noqa: S608
            "ORDER BY received_at DESC, id DESC LIMIT ?",
            (*params, limit),
        )
        return [_event(r) for r in rows]

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
        where, params = _filters(
            ("event_id = ?", event_id), ("endpoint = ?", endpoint), ("status = ?", status),
            (_OF_ACCOUNTS, _json_list(accounts)),
        )  # fmt: skip
        where = _keyset(where, params, "created_at", after)
        rows = await self._fetchall(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries {where} "  # noqa: S608
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            (*params, limit),
        )
        return [_delivery(r) for r in rows]

    async def list_attempts(self, delivery_id: str) -> list[AttemptRow]:
        rows = await self._fetchall(
            "SELECT delivery_id, attempt, started_at, status_code, latency_ms, error, worker "
            "FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt",
            (delivery_id,),
        )
        return [AttemptRow(*r) for r in rows]

    async def replay_event(self, event_id: str, endpoints: Sequence[str], now: float) -> int:
        unique = list(dict.fromkeys(endpoints))
        async with self._write() as db:
            cur = await db.execute("SELECT 1 FROM webhook_events WHERE id = ?", (event_id,))
            if await cur.fetchone() is None:
                return 0
            await db.executemany(
                "INSERT INTO webhook_deliveries (id, event_id, endpoint, status, "
                "next_attempt_at, created_at) VALUES (?, ?, ?, 'pending', ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET status = 'pending', step = 0, "
                "next_attempt_at = excluded.next_attempt_at, lease_owner = NULL, "
                "lease_until = NULL, delivered_at = NULL",
                [(delivery_id(event_id, e), event_id, e, now, now) for e in unique],
            )
        return len(unique)

    async def replay_failed(
        self, endpoint: str, now: float, accounts: Collection[str] | None = None
    ) -> int:
        where, params = _filters(
            ("endpoint = ?", endpoint), ("status = ?", "failed"),
            (_OF_ACCOUNTS, _json_list(accounts)),
        )  # fmt: skip
        async with self._write() as db:
            cur = await db.execute(
                "UPDATE webhook_deliveries SET status = 'pending', step = 0, "  # noqa: S608
                f"next_attempt_at = ?, lease_owner = NULL, lease_until = NULL {where}",
                (now, *params),
            )
            return int(cur.rowcount)

    async def stats(self, accounts: Collection[str] | None = None) -> dict[str, EndpointStats]:
        scoped = "" if accounts is None else f" AND {_OF_ACCOUNTS}"
        rows = await self._fetchall(
            "SELECT endpoint, status, COUNT(*), MIN(created_at) FROM webhook_deliveries "  # noqa: S608
            f"WHERE status IN ('pending', 'failed'){scoped} GROUP BY endpoint, status",
            () if accounts is None else (_json_list(accounts),),
        )
        return stats_from_rows(rows)


# Tenant scope of the admin views: a JSON array of account names, expanded in the query.
_IN_ACCOUNTS = "account IN (SELECT value FROM json_each(?))"
_OF_ACCOUNTS = (
    "event_id IN (SELECT id FROM webhook_events WHERE account IN (SELECT value FROM json_each(?)))"
)


def _json_list(accounts: Collection[str] | None) -> str | None:
    return None if accounts is None else json.dumps(sorted(accounts))


def _filters(*pairs: tuple[str, Any]) -> tuple[str, list[Any]]:
    clauses = [sql for sql, value in pairs if value is not None]
    params = [value for _, value in pairs if value is not None]
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _keyset(where: str, params: list[Any], column: str, after: Keyset | None) -> str:
    """Add "strictly after ``after`` in (``column``, id) DESC order" — a row-value
    comparison, so a page boundary inside one timestamp neither repeats nor skips a row
    — to ``where``; ``params`` grows in place."""
    if after is None:
        return where
    params.extend(after)
    clause = f"({column}, id) < (?, ?)"
    return f"{where} AND {clause}" if where else f"WHERE {clause}"
