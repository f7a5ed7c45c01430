"""/health says the process is up; /ready says it can serve: it fails with the storage."""

from __future__ import annotations

from pathlib import Path

from connector_service.runtime import Runtime
from connector_service.storage.memory import MemoryStorage
from tests.observability.asgi import config, running


class FlakyStorage(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.down = False

    async def ping(self) -> None:
        if self.down:
            raise ConnectionError("database is gone")
        await super().ping()


async def test_ready_reflects_storage_health() -> None:
    cfg = config()
    storage = FlakyStorage()
    async with running(cfg, Runtime(cfg, storage=storage)) as c:
        ready = await c.request("GET", "/ready")
        assert ready.status == 200 and ready.json() == {"status": "ready", "storage": "memory"}

        storage.down = True
        ready = await c.request("GET", "/ready")
        assert ready.status == 503
        assert ready.json() == {"status": "unavailable", "storage": "ConnectionError"}
        assert "database is gone" not in ready.text  # the reason stays in the logs
        health = await c.request("GET", "/health")
        assert health.status == 200  # alive, just not ready

        storage.down = False
        assert (await c.request("GET", "/ready")).status == 200


async def test_ready_fails_when_the_sqlite_connection_is_gone(tmp_path: Path) -> None:
    cfg = config({"storage": {"url": f"sqlite:///{tmp_path / 'ready.db'}"}})
    runtime = Runtime(cfg)
    async with running(cfg, runtime) as c:
        assert (await c.request("GET", "/ready")).json()["storage"] == "sqlite"
        await runtime.storage.close()  # what a lost database file or handle looks like
        ready = await c.request("GET", "/ready")
        assert ready.status == 503 and ready.json()["status"] == "unavailable"
