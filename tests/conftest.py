"""Shared fixtures: a real service process on loopback, PostgreSQL, helpers.

Tests that need PostgreSQL skip when it is not reachable, unless ``CS_REQUIRE_POSTGRES``
is set (``.ci/run`` sets it): then the skip becomes a failure, so CI proves they ran.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

PG_DSN = os.environ.get("CS_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@dataclass
class ServiceProcess:
    url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_service(
    tmp: Path,
    config_toml: str = "",
    *,
    env: dict[str, str] | None = None,
    workers: int = 1,
) -> ServiceProcess:
    port = free_port()
    config = tmp / f"config-{uuid.uuid4().hex[:6]}.toml"
    config.write_text(config_toml)
    log_path = tmp / f"service-{port}.log"
    full_env = {
        **os.environ,
        "CS_CONFIG": str(config),
        "CS_PORT": str(port),
        "CS_HOST": "127.0.0.1",
        "CS_STORAGE_URL": f"sqlite:///{tmp / 'service.db'}",
        # gRPC is on by default: give every test service its own port (tests/grpc use it).
        "CS_GRPC_PORT": str(free_port()),
        **(env or {}),
    }
    if "PROMETHEUS_MULTIPROC_DIR" not in (env or {}):
        # Each service counts its own metrics unless a test asks for a shared directory.
        full_env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = [sys.executable, "-m", "connector_service.cli.main", "serve", "--workers", str(workers)]
    proc = subprocess.Popen(cmd, env=full_env, stdout=log_path.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    import urllib.request

    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"service exited early:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as resp:
                if resp.status == 200:
                    return ServiceProcess(url, proc, log_path, full_env)
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"service did not start:\n{log_path.read_text()}")


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
