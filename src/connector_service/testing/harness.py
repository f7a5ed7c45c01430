"""Drive a connector flow without any network: feed canned responses, collect requests.

Connectors are sans-I/O, so a flow is a generator of requests; these helpers play the
executor's part with fixture responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from connector_service.connectors.base import (
    Connector,
    ConnectorContext,
    Headers,
    HttpRequest,
    HttpResponse,
)
from connector_service.domain.flows import Flow
from connector_service.domain.secret import Secret


def make_ctx(
    connector: Connector,
    credentials: Mapping[str, str] | None = None,
    options: Mapping[str, str] | None = None,
    *,
    base_url: str | None = None,
    idempotency_key: str | None = "idem-123",
    access_token: str | None = None,
) -> ConnectorContext:
    return ConnectorContext(
        account=f"{connector.meta.name}-test",
        connector=connector.meta.name,
        credentials={k: Secret(v) for k, v in (credentials or {}).items()},
        options=dict(options or {}),
        base_url=base_url or connector.meta.base_url_test,
        test_mode=True,
        idempotency_key=idempotency_key,
        request_id="req_test",
        access_token=Secret(access_token) if access_token else None,
        public_url="http://127.0.0.1:8080",
    )


def response(
    status: int, body: Any = None, headers: Mapping[str, str] | None = None
) -> HttpResponse:
    raw = (
        body if isinstance(body, bytes) else msgspec.json.encode(body) if body is not None else b""
    )
    return HttpResponse(status=status, headers=Headers.of((headers or {}).items()), body=raw)


def drive(
    connector: Connector,
    flow: Flow,
    ctx: ConnectorContext,
    data: Any,
    responses: list[HttpResponse],
) -> tuple[list[HttpRequest], Any]:
    """Run ``flow`` answering each request with the next response; return (requests, result).
    Fails if the flow asks for more requests than responses were given, or fewer."""
    requests: list[HttpRequest] = []
    steps = connector.steps(flow, ctx, data)
    pending = list(responses)
    try:
        request = next(steps)
        while True:
            requests.append(request)
            if not pending:
                raise AssertionError(f"{flow} sent more requests than the test answered: {request}")
            request = steps.send(pending.pop(0))
    except StopIteration as done:
        if pending:
            raise AssertionError(f"{flow} finished with {len(pending)} unused responses") from None
        return requests, done.value
