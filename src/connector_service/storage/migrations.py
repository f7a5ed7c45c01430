"""Versioned schema migrations, shared by the SQL backends.

Each entry is (version, SQL for SQLite, SQL for PostgreSQL). Migrations only ever append;
the ``schema_version`` table records what ran, and start-up runs what is missing.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        """
        CREATE TABLE IF NOT EXISTS kv (
            ns TEXT NOT NULL,
            key TEXT NOT NULL,
            value BLOB NOT NULL,
            expires_at REAL,
            PRIMARY KEY (ns, key)
        );
        CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at);
        """,
        """
        CREATE TABLE IF NOT EXISTS kv (
            ns TEXT NOT NULL,
            key TEXT NOT NULL,
            value BYTEA NOT NULL,
            expires_at DOUBLE PRECISION,
            PRIMARY KEY (ns, key)
        );
        CREATE INDEX IF NOT EXISTS kv_expires ON kv (expires_at);
        """,
    ),
    (
        # Webhooks: received events (the primary key is derived from the gateway's event
        # id, so a duplicate is a conflict), one delivery per (event, endpoint) with its
        # retry state and claim lease, every attempt, and endpoints disabled by a 410.
        2,
        """
        CREATE TABLE IF NOT EXISTS webhook_events (
            id TEXT PRIMARY KEY,
            connector TEXT NOT NULL,
            account TEXT NOT NULL,
            connector_event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            payload BLOB NOT NULL,
            received_at REAL NOT NULL
        );
        CREATE INDEX IF NOT EXISTS webhook_events_received ON webhook_events (received_at);
        CREATE TABLE IF NOT EXISTS webhook_deliveries (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES webhook_events (id),
            endpoint TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            step INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            lease_owner TEXT,
            lease_until REAL,
            last_attempt_at REAL,
            last_status_code INTEGER,
            last_error TEXT,
            delivered_at REAL,
            created_at REAL NOT NULL,
            UNIQUE (event_id, endpoint)
        );
        CREATE INDEX IF NOT EXISTS webhook_deliveries_due
            ON webhook_deliveries (status, next_attempt_at);
        CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint
            ON webhook_deliveries (endpoint, status);
        CREATE TABLE IF NOT EXISTS webhook_attempts (
            delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
            attempt INTEGER NOT NULL,
            started_at REAL NOT NULL,
            status_code INTEGER,
            latency_ms REAL NOT NULL,
            error TEXT,
            worker TEXT NOT NULL,
            PRIMARY KEY (delivery_id, attempt)
        );
        CREATE TABLE IF NOT EXISTS webhook_endpoint_state (
            endpoint TEXT PRIMARY KEY,
            disabled_at REAL NOT NULL,
            reason TEXT NOT NULL
        );
        """,
        """
        CREATE TABLE IF NOT EXISTS webhook_events (
            id TEXT PRIMARY KEY,
            connector TEXT NOT NULL,
            account TEXT NOT NULL,
            connector_event_id TEXT NOT NULL,
            type TEXT NOT NULL,
            payload BYTEA NOT NULL,
            received_at DOUBLE PRECISION NOT NULL
        );
        CREATE INDEX IF NOT EXISTS webhook_events_received ON webhook_events (received_at);
        CREATE TABLE IF NOT EXISTS webhook_deliveries (
            id TEXT PRIMARY KEY,
            event_id TEXT NOT NULL REFERENCES webhook_events (id),
            endpoint TEXT NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            step INTEGER NOT NULL DEFAULT 0,
            next_attempt_at DOUBLE PRECISION NOT NULL,
            lease_owner TEXT,
            lease_until DOUBLE PRECISION,
            last_attempt_at DOUBLE PRECISION,
            last_status_code INTEGER,
            last_error TEXT,
            delivered_at DOUBLE PRECISION,
            created_at DOUBLE PRECISION NOT NULL,
            UNIQUE (event_id, endpoint)
        );
        CREATE INDEX IF NOT EXISTS webhook_deliveries_due
            ON webhook_deliveries (status, next_attempt_at);
        CREATE INDEX IF NOT EXISTS webhook_deliveries_endpoint
            ON webhook_deliveries (endpoint, status);
        CREATE TABLE IF NOT EXISTS webhook_attempts (
            delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id),
            attempt INTEGER NOT NULL,
            started_at DOUBLE PRECISION NOT NULL,
            status_code INTEGER,
            latency_ms DOUBLE PRECISION NOT NULL,
            error TEXT,
            worker TEXT NOT NULL,
            PRIMARY KEY (delivery_id, attempt)
        );
        CREATE TABLE IF NOT EXISTS webhook_endpoint_state (
            endpoint TEXT PRIMARY KEY,
            disabled_at DOUBLE PRECISION NOT NULL,
            reason TEXT NOT NULL
        );
        """,
    ),
]
