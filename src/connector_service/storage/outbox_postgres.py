"""The webhook outbox on PostgreSQL (see ``storage/outbox.py`` for the protocol).

Claims select due rows ``FOR UPDATE SKIP LOCKED`` and write the lease in the same
statement, so any number of workers on any number of instances claim disjoint sets
without waiting on each other; re-checking the row after a concurrent commit (PostgreSQL
does this for ``FOR UPDATE``) excludes rows another worker has just leased.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

import asyncpg

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
from connector_service.storage.postgres import PostgresStorage

_DELIVERY_COLUMNS = (
    "id, event_id, endpoint, status, attempts, step, next_attempt_at, lease_owner, "
    "lease_until, last_attempt_at, last_status_code, last_error, delivered_at, created_at"
)
_EVENT_COLUMNS = "id, connector, account, connector_event_id, type, payload, received_at"


# Workers LISTEN on this channel; a transaction that adds due deliveries NOTIFYs it, and
# PostgreSQL delivers the notification on commit (and never for a rolled-back one).
CHANNEL = "cs_webhook_deliveries"
# How long a lost listening connection waits before reconnecting (polling covers the gap).
RELISTEN_SECONDS = 5.0


async def _notify(conn: Any) -> None:
    await conn.execute(f"NOTIFY {CHANNEL}")


def _event(row: Any) -> EventRow:
    return EventRow(row[0], row[1], row[2], row[3], row[4], bytes(row[5]), float(row[6]))


class PostgresOutbox(WebhookStore):
    def __init__(self, storage: PostgresStorage) -> None:
        self.storage = storage

    @property
    def _pool(self) -> Any:
        if self.storage._pool is None:
            raise RuntimeError("storage is not open")
        return self.storage._pool

    # ------------------------------------------------------------------ receive

    async def record(self, events: Sequence[NewEvent], now: float) -> list[bool]:
        out = []
        async with self._pool.acquire() as conn, conn.transaction():
            for ev in events:
                status = await conn.execute(
                    "INSERT INTO webhook_events (id, connector, account, connector_event_id, "
                    "type, payload, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                    "ON CONFLICT (id) DO NOTHING",
                    ev.id, ev.connector, ev.account, ev.connector_event_id, ev.type,
                    ev.payload, now,
                )  # fmt: skip
                new = status.endswith(" 1")
                out.append(new)
                if new and ev.endpoints:
                    await conn.executemany(
                        "INSERT INTO webhook_deliveries (id, event_id, endpoint, status, "
                        "next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', $4, $4) "
                        "ON CONFLICT (id) DO NOTHING",
                        [(delivery_id(ev.id, e), ev.id, e, now) for e in ev.endpoints],
                    )
            if any(new and ev.endpoints for new, ev in zip(out, events, strict=True)):
                await _notify(conn)  # sent on commit, to every instance's worker
        return out

    # ------------------------------------------------------------------ deliver

    async def claim(
        self, owner: str, endpoints: Sequence[str], limit: int, lease_seconds: float, now: float
    ) -> list[Claim]:
        if not endpoints or limit <= 0:
            return []
        rows = await self._pool.fetch(
            "WITH due AS ("
            " SELECT id FROM webhook_deliveries"
            " WHERE status = 'pending' AND next_attempt_at <= $1"
            " AND (lease_until IS NULL OR lease_until <= $1)"
            " AND endpoint = ANY($2::text[])"
            " ORDER BY next_attempt_at LIMIT $3"
            " FOR UPDATE SKIP LOCKED) "
            "UPDATE webhook_deliveries d SET lease_owner = $4, lease_until = $5 "
            "FROM due, webhook_events e WHERE d.id = due.id AND e.id = d.event_id "
            "RETURNING d.id, d.event_id, d.endpoint, d.attempts, d.step, e.payload",
            now, list(endpoints), limit, owner, now + lease_seconds,
        )  # fmt: skip
        return [Claim(r[0], r[1], r[2], int(r[3]), int(r[4]), bytes(r[5])) for r in rows]

    async def listen(self, on_new_work: Callable[[], None]) -> Callable[[], Awaitable[None]]:
        """A dedicated connection (outside the pool) LISTENs for new deliveries; if it is
        lost it is re-opened in the background, and the poll interval covers the gap."""
        state: dict[str, Any] = {"conn": None, "closed": False}

        def on_notify(*_: object) -> None:
            on_new_work()

        def on_lost(_conn: object) -> None:
            if not state["closed"]:
                state["task"] = asyncio.get_running_loop().create_task(reopen())

        async def open_one() -> None:
            conn = await asyncpg.connect(self.storage.dsn)
            await conn.add_listener(CHANNEL, on_notify)
            conn.add_termination_listener(on_lost)
            state["conn"] = conn
            on_new_work()  # work recorded while we were not listening

        async def reopen() -> None:
            while not state["closed"]:
                await asyncio.sleep(RELISTEN_SECONDS)
                try:
                    await open_one()
                    return
                except (OSError, asyncpg.PostgresError):
                    continue

        await open_one()

        async def stop() -> None:
            state["closed"] = True
            task = state.get("task")
            if task is not None:
                task.cancel()
            conn = state["conn"]
            if conn is not None and not conn.is_closed():
                await conn.close()

        return stop

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
        if outcome is Outcome.SUCCEEDED:
            # The common case in one statement (one round trip, its own transaction):
            # lock the row, record the attempt, and mark the delivery succeeded if it is
            # still pending (a replay or a concurrent success may have moved it on).
            await self._pool.execute(
                "WITH cur AS (SELECT id, attempts, status FROM webhook_deliveries "
                " WHERE id = $1 FOR UPDATE), "
                "ins AS (INSERT INTO webhook_attempts (delivery_id, attempt, started_at, "
                " status_code, latency_ms, error, worker) "
                " SELECT id, attempts + 1, $2, $3, $4, $5, $6 FROM cur) "
                "UPDATE webhook_deliveries d SET attempts = cur.attempts + 1, "
                " last_attempt_at = $2, last_status_code = $3, last_error = $5, "
                " status = CASE WHEN cur.status = 'pending' THEN 'succeeded' ELSE d.status END, "
                " delivered_at = CASE WHEN cur.status = 'pending' THEN $7 ELSE d.delivered_at END, "
                " lease_owner = CASE WHEN cur.status = 'pending' THEN NULL ELSE d.lease_owner END, "
                " lease_until = CASE WHEN cur.status = 'pending' THEN NULL ELSE d.lease_until END "
                "FROM cur WHERE d.id = cur.id",
                claim.delivery_id, result.started_at, result.status_code, result.latency_ms,
                result.error, owner, now,
            )  # fmt: skip
            return
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "SELECT attempts, status, lease_owner, endpoint FROM webhook_deliveries "
                "WHERE id = $1 FOR UPDATE",
                claim.delivery_id,
            )
            if row is None:
                return
            attempt = int(row[0]) + 1
            pending = row[1] == DeliveryStatus.PENDING
            owned = pending and row[2] == owner
            await conn.execute(
                "INSERT INTO webhook_attempts (delivery_id, attempt, started_at, status_code, "
                "latency_ms, error, worker) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                claim.delivery_id, attempt, result.started_at, result.status_code,
                result.latency_ms, result.error, owner,
            )  # fmt: skip
            await conn.execute(
                "UPDATE webhook_deliveries SET attempts = $2, last_attempt_at = $3, "
                "last_status_code = $4, last_error = $5 WHERE id = $1",
                claim.delivery_id, attempt, result.started_at, result.status_code,
                result.error,
            )  # fmt: skip
            if owned and outcome is Outcome.RETRY and next_attempt_at is not None:
                await conn.execute(
                    "UPDATE webhook_deliveries SET step = $2, next_attempt_at = $3, "
                    "lease_owner = NULL, lease_until = NULL WHERE id = $1",
                    claim.delivery_id, step, next_attempt_at,
                )  # fmt: skip
            elif owned and outcome in (Outcome.FAILED, Outcome.GONE):
                await conn.execute(
                    "UPDATE webhook_deliveries SET status = 'failed', step = $2, "
                    "lease_owner = NULL, lease_until = NULL WHERE id = $1",
                    claim.delivery_id, step,
                )  # fmt: skip
                if outcome is Outcome.GONE:
                    await conn.execute(
                        "INSERT INTO webhook_endpoint_state (endpoint, disabled_at, reason) "
                        "VALUES ($1, $2, $3) ON CONFLICT (endpoint) DO NOTHING",
                        row[3], now, result.error or "410 Gone",
                    )  # fmt: skip

    # ------------------------------------------------------------------ endpoints

    async def disabled_endpoints(self) -> dict[str, tuple[float, str]]:
        rows = await self._pool.fetch(
            "SELECT endpoint, disabled_at, reason FROM webhook_endpoint_state"
        )
        return {r[0]: (float(r[1]), str(r[2])) for r in rows}

    async def disable_endpoint(self, endpoint: str, reason: str, now: float) -> None:
        await self._pool.execute(
            "INSERT INTO webhook_endpoint_state (endpoint, disabled_at, reason) "
            "VALUES ($1, $2, $3) ON CONFLICT (endpoint) DO NOTHING",
            endpoint, now, reason,
        )  # fmt: skip

    async def enable_endpoint(self, endpoint: str) -> bool:
        status: str = await self._pool.execute(
            "DELETE FROM webhook_endpoint_state WHERE endpoint = $1", endpoint
        )
        return not status.endswith(" 0")

    # ------------------------------------------------------------------ operators

    async def get_event(self, event_id: str) -> EventRow | None:
        row = await self._pool.fetchrow(
            f"SELECT {_EVENT_COLUMNS} FROM webhook_events WHERE id = $1",  # noqa: S608
            event_id,
        )
        return _event(row) if row else None

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
            ("connector", "=", connector), ("account", "=", account), ("type", "=", type),
            ("account", _ANY, _list(accounts)),
        )  # fmt: skip
        where = _keyset(where, params, "received_at", after)
        rows = await self._pool.fetch(
            f"SELECT {_EVENT_COLUMNS} FROM webhook_events {where} "  # noqa: S608
            f"ORDER BY received_at DESC, id DESC LIMIT ${len(params) + 1}",
            *params, limit,
        )  # fmt: skip
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
            ("event_id", "=", event_id), ("endpoint", "=", endpoint), ("status", "=", status),
            ("event_id", _OF_ACCOUNTS, _list(accounts)),
        )  # fmt: skip
        where = _keyset(where, params, "created_at", after)
        rows = await self._pool.fetch(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries {where} "  # noqa: S608
            f"ORDER BY created_at DESC, id DESC LIMIT ${len(params) + 1}",
            *params, limit,
        )  # fmt: skip
        return [DeliveryRow(*r) for r in rows]

    async def list_attempts(self, delivery_id: str) -> list[AttemptRow]:
        rows = await self._pool.fetch(
            "SELECT delivery_id, attempt, started_at, status_code, latency_ms, error, worker "
            "FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt",
            delivery_id,
        )
        return [AttemptRow(*r) for r in rows]

    async def replay_event(self, event_id: str, endpoints: Sequence[str], now: float) -> int:
        unique = list(dict.fromkeys(endpoints))
        async with self._pool.acquire() as conn, conn.transaction():
            if await conn.fetchval("SELECT 1 FROM webhook_events WHERE id = $1", event_id) is None:
                return 0
            await conn.executemany(
                "INSERT INTO webhook_deliveries (id, event_id, endpoint, status, "
                "next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', $4, $4) "
                "ON CONFLICT (id) DO UPDATE SET status = 'pending', step = 0, "
                "next_attempt_at = EXCLUDED.next_attempt_at, lease_owner = NULL, "
                "lease_until = NULL, delivered_at = NULL",
                [(delivery_id(event_id, e), event_id, e, now) for e in unique],
            )
            await _notify(conn)
        return len(unique)

    async def replay_failed(
        self, endpoint: str, now: float, accounts: Collection[str] | None = None
    ) -> int:
        scoped = "" if accounts is None else f" AND event_id {_OF_ACCOUNTS.format('$3')}"
        status: str = await self._pool.execute(
            "UPDATE webhook_deliveries SET status = 'pending', step = 0, "  # noqa: S608
            "next_attempt_at = $1, lease_owner = NULL, lease_until = NULL "
            f"WHERE endpoint = $2 AND status = 'failed'{scoped}",
            now, endpoint, *([] if accounts is None else [_list(accounts)]),
        )  # fmt: skip
        count = int(status.rsplit(" ", 1)[-1])
        if count:
            await self._pool.execute(f"NOTIFY {CHANNEL}")
        return count

    async def stats(self, accounts: Collection[str] | None = None) -> dict[str, EndpointStats]:
        scoped = "" if accounts is None else f" AND event_id {_OF_ACCOUNTS.format('$1')}"
        rows = await self._pool.fetch(
            "SELECT endpoint, status, COUNT(*), MIN(created_at) FROM webhook_deliveries "  # noqa: S608
            f"WHERE status IN ('pending', 'failed'){scoped} GROUP BY endpoint, status",
            *([] if accounts is None else [_list(accounts)]),
        )
        return stats_from_rows([tuple(r) for r in rows])


# Tenant scope of the admin views (an array of account names): "{}" is the parameter.
_ANY = "= ANY({})"
_OF_ACCOUNTS = "IN (SELECT id FROM webhook_events WHERE account = ANY({}))"


def _list(accounts: Collection[str] | None) -> list[str] | None:
    return None if accounts is None else sorted(accounts)


def _filters(*triples: tuple[str, str, Any]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    for column, op, value in triples:
        if value is not None:
            params.append(value)
            place = f"${len(params)}"
            clauses.append(
                f"{column} {op.format(place)}" if "{}" in op else f"{column} {op} {place}"
            )
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


def _keyset(where: str, params: list[Any], column: str, after: Keyset | None) -> str:
    """Add "strictly after ``after`` in (``column``, id) DESC order" — a row-value
    comparison, so a page boundary inside one timestamp neither repeats nor skips a row
    — to ``where``; ``params`` grows in place."""
    if after is None:
        return where
    params.extend(after)
    clause = f"({column}, id) < (${len(params) - 1}, ${len(params)})"
    return f"{where} AND {clause}" if where else f"WHERE {clause}"
