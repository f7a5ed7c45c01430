"""The executor's retry rule against real loopback sockets: retry only what was not sent;
a timeout after sending is an unknown outcome, never a guess."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from aiohttp import web

from connector_service.connectors.base import Connector, ConnectorContext, HttpRequest, HttpResponse
from connector_service.connectors.sandbox import SandboxConnector
from connector_service.domain.flows import Flow
from connector_service.executor.http import Executor, GatewayUnreachable, OutcomeUnknown, Timeouts
from tests.connectors.harness import make_ctx


class Echo(SandboxConnector):
    """A connector whose sync is one POST to ``ctx.base_url``/hit."""

    def build_sync(self, ctx: ConnectorContext, data: Any) -> HttpRequest:
        return HttpRequest(
            "POST",
            f"{ctx.base_url}/hit",
            {"Authorization": "Bearer sk_test_XYZ1234"},
            b'{"number":"4242424242424242","cvc":"123"}',
        )

    def parse_sync(self, ctx: ConnectorContext, data: Any, response: HttpResponse) -> Any:
        return response


async def start(handler: Any) -> tuple[web.AppRunner, str, list[int]]:
    hits: list[int] = []

    async def wrapped(request: web.Request) -> web.StreamResponse:
        hits.append(1)
        return await handler(request)

    app = web.Application()
    app.router.add_route("*", "/hit", wrapped)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}", hits


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_connect_errors_are_retried_then_reported_as_unreachable() -> None:
    transcripts: list[str] = []
    executor = Executor(connect_retries=2, transcript_sink=transcripts.append)
    connector: Connector = Echo()
    ctx = make_ctx(connector, base_url=f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(GatewayUnreachable) as err:
        await executor.run(connector, Flow.SYNC, ctx, None)
    assert err.value.code == "gateway_unreachable" and err.value.http_status == 503
    assert len(transcripts) == 1 and "not sent" in transcripts[0]
    await executor.close()


async def test_read_timeout_after_sending_is_outcome_unknown_and_not_retried() -> None:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    runner, url, hits = await start(hang)
    executor = Executor(timeouts=Timeouts(connect=1, read=0.3), connect_retries=3)
    connector = Echo()
    try:
        with pytest.raises(OutcomeUnknown):
            await executor.run(connector, Flow.SYNC, make_ctx(connector, base_url=url), None)
        assert len(hits) == 1  # sent once, never again
    finally:
        await executor.close()
        await runner.cleanup()


async def test_reset_after_sending_is_outcome_unknown() -> None:
    async def reset(request: web.Request) -> web.Response:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.1)
        return web.json_response({})

    runner, url, hits = await start(reset)
    executor = Executor()
    connector = Echo()
    try:
        with pytest.raises(OutcomeUnknown):
            await executor.run(connector, Flow.SYNC, make_ctx(connector, base_url=url), None)
        assert len(hits) == 1
    finally:
        await executor.close()
        await runner.cleanup()


async def test_success_records_a_scrubbed_transcript() -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"echo": await request.text()})

    runner, url, _ = await start(ok)
    transcripts: list[str] = []
    executor = Executor(transcript_sink=transcripts.append)
    connector = Echo()
    ctx = make_ctx(connector, {"api_key": "sk_test_XYZ1234"}, base_url=url)
    try:
        response = await executor.run(connector, Flow.SYNC, ctx, None)
        assert response.status == 200
        assert b"4242424242424242" in response.body  # the gateway did get the data
        (text,) = transcripts
        assert "4242424242424242" not in text and "sk_test_XYZ1234" not in text
        assert '"cvc":"123"' not in text
        assert text.startswith("> POST " + url + "/hit")
    finally:
        await executor.close()
        await runner.cleanup()
