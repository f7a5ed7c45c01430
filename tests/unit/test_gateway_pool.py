"""The gateway connection pool: sized by ``[gateway_pool]``, and a call that finds it full
is counted (``cs_gateway_pool_queued_total``) while ``cs_gateway_in_flight`` follows the
calls in flight. Against a real loopback server that holds its answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from connector_service.config import ConfigError, load_config
from connector_service.connectors.kit.http import HttpRequest
from connector_service.executor.http import AiohttpTransport, Timeouts
from connector_service.observability import metrics
from connector_service.runtime import Runtime


def _value(name: str) -> float:
    metric = {"cs_gateway_pool_queued_total": metrics.GATEWAY_POOL_QUEUED,
              "cs_gateway_in_flight": metrics.GATEWAY_IN_FLIGHT}[name]  # fmt: skip
    for family in metric.collect():
        for sample in family.samples:
            if sample.name == name:
                return float(sample.value)
    return 0.0


@pytest.fixture
async def slow_server() -> AsyncIterator[tuple[str, asyncio.Event, list[int]]]:
    """A loopback server whose answers wait for ``release``; ``peak`` records the most
    requests it held at once."""
    release = asyncio.Event()
    held = [0]
    peak = [0]

    async def answer(request: web.Request) -> web.Response:
        held[0] += 1
        peak[0] = max(peak[0], held[0])
        await release.wait()
        held[0] -= 1
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/pay", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/pay", release, peak
    finally:
        await runner.cleanup()


async def test_a_full_pool_is_counted_and_in_flight_follows_the_calls(
    slow_server: tuple[str, asyncio.Event, list[int]],
) -> None:
    url, release, peak = slow_server
    transport = AiohttpTransport(limit=100, limit_per_host=2)
    queued_before = _value("cs_gateway_pool_queued_total")
    in_flight_before = _value("cs_gateway_in_flight")
    try:
        calls = [
            asyncio.create_task(
                transport.send(HttpRequest("POST", url, body=b"{}"), Timeouts(read=10))
            )
            for _ in range(5)
        ]
        while peak[0] < 2:  # noqa: ASYNC110 - polls the server's count, not an event
            await asyncio.sleep(0.01)
        assert _value("cs_gateway_in_flight") - in_flight_before == 5
        release.set()
        answers = await asyncio.gather(*calls)
    finally:
        await transport.close()
    assert [a.status for a in answers] == [200] * 5
    assert peak[0] == 2  # the pool never opened a third connection to the host
    assert _value("cs_gateway_pool_queued_total") - queued_before == 3
    assert _value("cs_gateway_in_flight") == in_flight_before


async def test_a_pool_with_room_counts_no_wait(
    slow_server: tuple[str, asyncio.Event, list[int]],
) -> None:
    url, release, _ = slow_server
    transport = AiohttpTransport(limit=100, limit_per_host=10)
    queued_before = _value("cs_gateway_pool_queued_total")
    release.set()
    try:
        await asyncio.gather(
            *(transport.send(HttpRequest("POST", url, body=b"{}"), Timeouts()) for _ in range(5))
        )
    finally:
        await transport.close()
    assert _value("cs_gateway_pool_queued_total") == queued_before


def test_the_runtime_sizes_its_pool_from_the_configuration() -> None:
    config = load_config(
        data={"gateway_pool": {"max_connections": 300, "max_connections_per_host": 200}}
    )
    transport = Runtime(config).executor._http
    assert isinstance(transport, AiohttpTransport)
    assert (transport._limit, transport._limit_per_host) == (300, 200)
    default = Runtime(load_config(data={})).executor._http
    assert isinstance(default, AiohttpTransport)
    assert default._limit_per_host >= 2000  # 2,000 slow payments in flight do not queue


def test_a_bad_pool_size_names_the_field() -> None:
    with pytest.raises(ConfigError, match=r"gateway_pool\.max_connections_per_host"):
        load_config(data={"gateway_pool": {"max_connections_per_host": 0}})
