"""Shared fixtures: a real service process on loopback, PostgreSQL, helpers.

Tests that need PostgreSQL skip when it is not reachable, unless ``CS_REQUIRE_POSTGRES``
is set (``.ci/run`` sets it): then the skip becomes a failure, so CI proves they ran.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connector_service.testing.service import ServiceProcess, free_port, start_service

__all__ = [
    "PG_DSN",
    "ServiceProcess",
    "free_port",
    "postgres_dsn",
    "service_factory",
    "start_service",
]

PG_DSN = os.environ.get("CS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    try:
        import asyncpg
    except ImportError:
        return "asyncpg is not installed"

    async def probe() -> None:
        conn = await asyncpg.connect(PG_DSN, timeout=3)
        await conn.close()

    try:
        # In a thread: the fixture may be requested from inside a running event loop.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, probe()).result()
    except Exception as exc:
        return f"PostgreSQL at {PG_DSN} is not reachable ({type(exc).__name__}: {exc})"
    return None


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    reason = _postgres_reachable()
    if reason:
        if os.environ.get("CS_REQUIRE_POSTGRES"):
            pytest.fail(f"CS_REQUIRE_POSTGRES is set but {reason}")
        pytest.skip(reason)
    return PG_DSN


@pytest.fixture
def service_factory(tmp_path: Path) -> Iterator[Any]:
    started: list[ServiceProcess] = []

    def factory(config_toml: str = "", **kwargs: Any) -> ServiceProcess:
        svc = start_service(tmp_path, config_toml, **kwargs)
        started.append(svc)
        return svc

    yield factory
    for svc in started:
        svc.stop()
