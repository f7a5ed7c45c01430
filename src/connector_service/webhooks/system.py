"""Webhook wiring for one process: the outbox, the receive pipeline, the delivery worker
and the sandbox gateway's own webhooks. Created by the Runtime, so the REST server,
library mode and the CLI all get the same behaviour."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from urllib.parse import quote

import aiohttp

from connector_service.domain.errors import ServiceError
from connector_service.domain.secret import Secret
from connector_service.sandbox.webhooks import default_secret
from connector_service.storage.factory import open_outbox
from connector_service.webhooks.admin import WebhookAdmin
from connector_service.webhooks.delivery import DeliveryWorker
from connector_service.webhooks.receive import WebhookReceiver

if TYPE_CHECKING:
    from connector_service.runtime import Runtime

log = logging.getLogger("connector_service.webhooks")

SANDBOX = "sandbox"
SANDBOX_FLUSH_SECONDS = 2.0


class SandboxWebhookRefused(Exception):
    """The service did not take a sandbox webhook (the sandbox retries it)."""


class WebhookSystem:
    def __init__(self, runtime: Runtime) -> None:
        config = runtime.config
        self.config = config
        self.store = open_outbox(runtime.storage)
        self.worker: DeliveryWorker | None = None
        if config.webhook_endpoints and config.webhooks.deliver:
            self.worker = DeliveryWorker(self.store, config.webhook_endpoints, config.webhooks)
        self.receiver = WebhookReceiver(
            config,
            runtime.connectors,
            runtime.service,
            runtime.executor,
            self.store,
            on_recorded=self.worker.wake if self.worker is not None else None,
        )
        self.admin = WebhookAdmin(self.store, config.webhook_endpoints)
        self.sandbox = runtime.sandbox
        self._http: aiohttp.ClientSession | None = None
        self._wire_sandbox()

    def _wire_sandbox(self) -> None:
        """Give every sandbox account a webhook secret (its own, or one derived from the
        id key, identical on every instance) and, when events have somewhere to go, let
        the sandbox gateway send them the configured way."""
        for acc in self.config.accounts.values():
            if acc.connector == SANDBOX and "webhook_secret" not in acc.credentials:
                acc.credentials["webhook_secret"] = Secret(
                    default_secret(self.config.id_key, acc.id)
                )
        mode = self.config.webhooks.sandbox_events
        if mode == "off" or not self.config.webhook_endpoints:
            # Nowhere to deliver: do not fill the store (or, in library mode, the memory)
            # with events nobody will receive.
            return

        def secret(account: str) -> str | None:
            acc = self.config.accounts.get(account)
            if acc is None or acc.connector != SANDBOX:
                return None
            value = acc.credentials.get("webhook_secret")
            return value.reveal() if value is not None else None

        self.sandbox.webhook_secret = secret
        self.sandbox.webhook_sink = self._send_http if mode == "http" else self._send_direct

    async def _send_direct(self, account: str, headers: dict[str, str], body: bytes) -> None:
        try:
            await self.receiver.receive(SANDBOX, account, headers, body, request_id="sandbox")
        except ServiceError as err:
            raise SandboxWebhookRefused(err.code) from None

    async def _send_http(self, account: str, headers: dict[str, str], body: bytes) -> None:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        url = f"{self.config.public_url}/v1/webhooks/{SANDBOX}/{quote(account, safe='')}"
        timeout = aiohttp.ClientTimeout(total=10)
        async with self._http.post(url, data=body, headers=headers, timeout=timeout) as resp:
            if not 200 <= resp.status < 300:
                raise SandboxWebhookRefused(f"HTTP {resp.status}")

    async def start(self) -> None:
        if self.worker is not None:
            await self.worker.start()

    async def stop(self) -> None:
        await self.sandbox.flush_webhooks(SANDBOX_FLUSH_SECONDS)
        if self.worker is not None:
            await self.worker.stop()
        if self._http is not None:
            await self._http.close()
            self._http = None
