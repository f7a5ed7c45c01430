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
]
