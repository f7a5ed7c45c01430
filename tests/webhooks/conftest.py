"""Fixtures: every storage backend the outbox has (SQLite and the real PostgreSQL, each
test in a fresh schema), and a loopback receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.webhooks.helpers import Receiver, pg_schema


@pytest.fixture(params=["sqlite", "postgres"])
def storage_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A storage URL per backend; PostgreSQL gets its own schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'webhooks.db'}"
        return
    base: str = request.getfixturevalue("postgres_dsn")
    with pg_schema(base) as dsn:
        yield dsn


@pytest.fixture
def pg_url(postgres_dsn: str) -> Iterator[str]:
    with pg_schema(postgres_dsn) as dsn:
        yield dsn


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()
