"""OpenTelemetry: off by default; when on, a server span per request and a client span per
gateway call (its child), with the connector and the flow as attributes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from connector_service.config import TracingConfig
from connector_service.observability import tracing
from tests.observability.asgi import config, running


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert tracing.configure(TracingConfig(), exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.shutdown()


def test_tracing_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CS_TRACING", raising=False)
    assert not config().tracing.enabled
    assert not tracing.wanted(config().tracing)
    assert tracing.tracer is None
    monkeypatch.setenv("CS_TRACING", "1")
    assert tracing.wanted(config().tracing)
    monkeypatch.setenv("CS_TRACING", "off")
    assert not tracing.wanted(TracingConfig(enabled=True))


async def test_no_spans_when_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CS_TRACING", raising=False)
    async with running(config()) as c:
        assert tracing.tracer is None
        assert (await c.pay()).status == 201


async def test_a_span_per_request_and_per_gateway_call(spans: InMemorySpanExporter) -> None:
    async with running(config()) as c:
        reply = await c.pay(capture_method="manual")
        assert reply.status == 201
        payment = reply.json()
        await c.request("POST", f"/v1/payments/{payment['id']}/capture", {})
    finished = spans.get_finished_spans()
    servers = [s for s in finished if s.kind is SpanKind.SERVER]
    clients = [s for s in finished if s.kind is SpanKind.CLIENT]
    assert [s.name for s in servers] == ["POST /v1/payments", "POST /v1/payments/{id}/capture"]
    assert [s.name for s in clients] == ["sandbox authorize", "sandbox capture"]
    for server, client, flow in zip(servers, clients, ("authorize", "capture"), strict=True):
        assert server.attributes is not None and client.attributes is not None
        assert server.attributes["cs.connector"] == "sandbox"
        assert server.attributes["cs.flow"] == flow
        assert server.attributes["cs.account"] == "sandbox"
        assert server.attributes["http.route"] == server.name.split(" ", 1)[1]
        assert server.attributes["cs.request_id"].startswith("req_")
        assert server.attributes["cs.gateway_calls"] == 1
        assert client.attributes["cs.connector"] == "sandbox"
        assert client.attributes["cs.flow"] == flow
        assert client.attributes["http.response.status_code"] == 200
        # the gateway call is a child of its request, in the same trace
        assert client.parent is not None and client.parent.span_id == server.context.span_id
        assert client.context.trace_id == server.context.trace_id
    assert servers[0].attributes["http.response.status_code"] == 201


async def test_spans_carry_no_card_data_or_ids(spans: InMemorySpanExporter) -> None:
    async with running(config()) as c:
        payment = (await c.pay(capture_method="manual", description="4242424242424242")).json()
        await c.request("GET", f"/v1/payments/{payment['id']}")
    for span in spans.get_finished_spans():
        text = f"{span.name} {dict(span.attributes or {})}"
        assert "4242424242424242" not in text and payment["id"] not in text, text


async def test_errors_and_incoming_trace_context(spans: InMemorySpanExporter) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    parent = "00f067aa0ba902b7"
    async with running(config()) as c:
        bad = await c.pay(amount=0, headers={"traceparent": f"00-{trace_id}-{parent}-01"})
        assert bad.status == 400
    (server,) = spans.get_finished_spans()
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 400
    assert "cs.connector" not in server.attributes  # no gateway call was made
    assert format(server.context.trace_id, "032x") == trace_id
    assert server.parent is not None and format(server.parent.span_id, "016x") == parent


async def test_gateway_failures_mark_the_client_span(spans: InMemorySpanExporter) -> None:
    cfg = config({"accounts": [{"id": "down", "connector": "sandbox",
                                "base_url": "http://127.0.0.1:9"}]})  # fmt: skip
    async with running(cfg) as c:
        reply = await c.pay(account="down")
        assert reply.status == 503
    clients = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CLIENT]
    assert clients and all(s.status.status_code is StatusCode.ERROR for s in clients)
    assert all((s.attributes or {}).get("error.type") == "NotSent" for s in clients)
    assert all((s.attributes or {}).get("server.address") == "127.0.0.1:9" for s in clients)
