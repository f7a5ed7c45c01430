"""Assembles the parts from a configuration: storage, executor, connectors, sandbox.

The REST server, library mode and the CLI all start from here, so they run the same
service with the same wiring.
"""

from __future__ import annotations

import asyncio
import logging
import os

from connector_service.config import WARNINGS_LOGGED_ENV, Config
from connector_service.connectors.base import Connector
from connector_service.connectors.registry import load_connectors
from connector_service.core.idempotency import IdempotencyStore
from connector_service.core.reconciler import Reconciler
from connector_service.core.service import PaymentService
from connector_service.executor.http import AiohttpTransport, Executor
from connector_service.sandbox.gateway import SandboxGateway
from connector_service.storage.base import Storage
from connector_service.storage.factory import open_storage
from connector_service.webhooks.system import WebhookSystem

log = logging.getLogger("connector_service")


class Runtime:
    def __init__(
        self,
        config: Config,
        *,
        storage: Storage | None = None,
        executor: Executor | None = None,
        connectors: dict[str, Connector] | None = None,
    ) -> None:
        self.config = config
        self.storage = storage or open_storage(config.storage.url)
        pool = config.gateway_pool
        self.executor = executor or Executor(
            transport=AiohttpTransport(
                limit=pool.max_connections, limit_per_host=pool.max_connections_per_host
            )
        )
        self.connectors = connectors or load_connectors()
        self.sandbox = SandboxGateway(
            self.storage,
            fingerprint_key=config.id_key,
            debit_settle_seconds=config.sandbox.debit_settle_seconds,
        )
        self.executor.register_scheme("sandbox", self.sandbox)
        self.service = PaymentService(config, self.storage, self.executor, self.connectors)
        self.idempotency = IdempotencyStore(
            self.storage,
            ttl_seconds=config.idempotency.ttl_seconds,
            lease_seconds=config.idempotency.lease_seconds,
            wait_seconds=config.idempotency.wait_seconds,
        )

        self.reconciler = Reconciler(self.storage, self.service)
        self.webhooks = WebhookSystem(self)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.storage.open()
        if not os.environ.get(WARNINGS_LOGGED_ENV):  # ``serve`` logged them already
            for warning in self.config.warnings:
                log.warning(warning)
        await self.service.breakers.publish(self.config.accounts)
        if self.config.reconciler.enabled:
            interval = self.config.reconciler.interval_seconds
            self._tasks.append(asyncio.create_task(self.reconciler.run_forever(interval)))
        await self.webhooks.start()

    async def stop(self) -> None:
        await self.webhooks.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self.executor.close()
        await self.storage.close()
