"""Gateway access tokens (OAuth gateways), cached in storage per account.

Used by the flows and by the webhook receiver (PayPal verifies webhooks through its API,
with a token). Tokens are kept until shortly before they expire and fetched once per
account at a time: concurrent requests wait for the one fetch instead of each asking the
gateway. Tokens of per-request credentials are never shared, so never cached.
"""

from __future__ import annotations

import asyncio

from connector_service.connectors.base import ConnectorContext
from connector_service.core.accounts import PLATFORM_PREFIX, Target
from connector_service.domain.flows import AccessToken, Flow
from connector_service.domain.secret import Secret
from connector_service.executor.http import Executor
from connector_service.storage.base import Storage

TOKEN_NS = "access_token"
TOKEN_MARGIN_SECONDS = 60


class AccessTokens:
    def __init__(self, storage: Storage, executor: Executor) -> None:
        self.storage = storage
        self.executor = executor
        self._locks: dict[str, asyncio.Lock] = {}

    async def context(self, target: Target, stale: str | None = None) -> ConnectorContext:
        """The target's context with a valid access token (unchanged when its connector
        needs none). ``stale`` is a token the gateway just refused: it is replaced, not
        reused."""
        connector, ctx = target.connector, target.ctx
        if not connector.meta.needs_access_token:
            return ctx
        account = target.account
        shared = not account.startswith(PLATFORM_PREFIX)
        value = await self._cached(account, stale) if shared else None
        if value is None:
            lock = self._locks.setdefault(account, asyncio.Lock())
            async with lock:
                value = await self._cached(account, stale) if shared else None
                if value is None:
                    token: AccessToken = await self.executor.run(
                        connector, Flow.ACCESS_TOKEN, ctx, None, timeouts=target.timeouts
                    )
                    value = token.token
                    if shared:
                        ttl = max(token.expires_in - TOKEN_MARGIN_SECONDS, 1)
                        await self.storage.put(TOKEN_NS, account, value.encode(), ttl=ttl)
        fields = {name: getattr(ctx, name) for name in ctx.__slots__}
        return ConnectorContext(**{**fields, "access_token": Secret(value)})

    async def forget(self, account: str) -> None:
        """Drop the cached token of ``account`` (the gateway refused it)."""
        await self.storage.delete(TOKEN_NS, account)

    async def _cached(self, account: str, stale: str | None) -> str | None:
        cached = await self.storage.get(TOKEN_NS, account)
        if cached is None or cached.decode() == stale:
            return None
        return cached.decode()
