"""Running one flow of a connector on a target: the capability check, the rule for
resumed requests at gateways without idempotency, the access token, and one refresh of
a token the gateway revoked early."""

from __future__ import annotations

from typing import Any

from connector_service.core import idempotency
from connector_service.core.accounts import Target
from connector_service.core.tokens import AccessTokens
from connector_service.domain.errors import ServiceError, not_supported
from connector_service.domain.flows import Flow
from connector_service.executor.http import Executor, OutcomeUnknown


class FlowRunner:
    def __init__(self, executor: Executor, tokens: AccessTokens) -> None:
        self.executor = executor
        self.tokens = tokens

    async def run(self, target: Target, flow: Flow, data: Any) -> Any:
        connector = target.connector
        if flow not in connector.meta.flows:
            raise not_supported(f"{connector.meta.display_name} does not support {flow.value}")
        if (
            idempotency.RESUMED.get()
            and connector.meta.idempotency == "none"
            and flow in idempotency.EFFECT_FLOWS
        ):
            # An earlier attempt of this request may have reached a gateway that cannot
            # deduplicate it: re-sending could charge twice. Only a sync can tell.
            raise OutcomeUnknown(
                f"an earlier attempt of this request may have reached "
                f"{connector.meta.display_name}, which has no idempotency key; it is not "
                "sent again: sync to learn the outcome"
            )
        ctx = await self.tokens.context(target)
        try:
            return await self.executor.run(connector, flow, ctx, data, timeouts=target.timeouts)
        except ServiceError as exc:
            if connector.meta.needs_access_token and exc.code == "gateway_authentication_failed":
                # The cached token may have been revoked early: refresh once. The gateway
                # refused the call, so nothing happened and repeating it is safe.
                stale = ctx.access_token.reveal() if ctx.access_token else None
                ctx = await self.tokens.context(target, stale=stale)
                return await self.executor.run(connector, flow, ctx, data, timeouts=target.timeouts)
            raise
