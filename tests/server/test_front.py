"""One front for both transports: the same operation over REST and over gRPC writes the
same access-log fields, counts the same metric labels (connector, flow), attributes
gateway time and opens a server span."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from connector_service.config import TracingConfig
from connector_service.grpc_gen.v1 import common_pb2, payments_pb2
from connector_service.observability import tracing
from connector_service.observability.logging import RedactingFormatter
from tests.grpc.client import payment_request
from tests.observability.asgi import AsgiClient, config, running_both
from tests.observability.test_metrics import value

CREATE = "/connector_service.v1.PaymentService/CreatePayment"
CAPTURE = "/connector_service.v1.PaymentService/CapturePayment"


class AccessLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(RedactingFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def access() -> Iterator[AccessLog]:
    handler = AccessLog()
    logger = logging.getLogger("connector_service.access")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)


async def _counts(rest: AsgiClient, route: str, transport: str, flow: str) -> float:
    return await value(
        rest, "cs_requests_total", transport=transport, route=route, connector="sandbox",
        flow=flow, outcome="2xx",
    )  # fmt: skip


async def test_same_log_fields_and_metric_labels_over_both_transports(access: AccessLog) -> None:
    async with running_both(config()) as (rest, grpc_):
        before = {
            "rest": await _counts(rest, "/v1/payments", "rest", "authorize"),
            "grpc": await _counts(rest, CREATE, "grpc", "authorize"),
            "grpc-capture": await _counts(rest, CAPTURE, "grpc", "capture"),
            "overhead": await value(rest, "cs_request_overhead_seconds_count", route=CREATE),
        }
        access.lines.clear()
        reply = await rest.pay(capture_method="manual")
        assert reply.status == 201
        paid = await grpc_.payments.CreatePayment(
            payment_request(capture_method=common_pb2.CAPTURE_METHOD_MANUAL)
        )
        await grpc_.payments.CapturePayment(payments_pb2.CapturePaymentRequest(id=paid.id))
        by_transport = {line["transport"]: line for line in access.lines[:2]}
        assert set(by_transport) == {"rest", "grpc"}
        r, g = by_transport["rest"], by_transport["grpc"]
        assert set(r) == set(g), "one set of access-log fields"
        for name in ("operation", "connector", "flow", "account", "status", "caller"):
            assert r[name] == g[name], name
        assert (g["operation"], g["connector"], g["flow"]) == (
            "create_payment",
            "sandbox",
            "authorize",
        )
        assert g["route"] == CREATE and r["route"] == "/v1/payments"
        # Gateway time is attributed to the gRPC request, as to the REST one.
        assert g["gateway_calls"] == r["gateway_calls"] == 1
        assert access.lines[2]["flow"] == "capture" and access.lines[2]["gateway_calls"] == 1

        assert await _counts(rest, "/v1/payments", "rest", "authorize") == before["rest"] + 1
        assert await _counts(rest, CREATE, "grpc", "authorize") == before["grpc"] + 1
        assert await _counts(rest, CAPTURE, "grpc", "capture") == before["grpc-capture"] + 1
        overhead = await value(rest, "cs_request_overhead_seconds_count", route=CREATE)
        assert overhead == before["overhead"] + 1


async def test_grpc_errors_are_logged_and_counted_like_rest(access: AccessLog) -> None:
    async with running_both(config()) as (rest, grpc_):
        bad = dict(transport="grpc", route=CREATE, connector="-", flow="-", outcome="4xx")
        before = await value(rest, "cs_requests_total", **bad)
        access.lines.clear()
        with pytest.raises(Exception, match="Luhn"):
            await grpc_.payments.CreatePayment(payment_request("4242424242424241"))
        assert await value(rest, "cs_requests_total", **bad) == before + 1
        (line,) = access.lines
        assert (line["transport"], line["status"], line["connector"]) == ("grpc", 400, "-")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert tracing.configure(TracingConfig(), exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.shutdown()


async def test_a_grpc_call_opens_a_server_span(spans: InMemorySpanExporter) -> None:
    async with running_both(config()) as (_, grpc_):
        traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        await grpc_.payments.CreatePayment(
            payment_request(), metadata=grpc_.md(traceparent=traceparent)
        )
    finished = spans.get_finished_spans()
    (server,) = [s for s in finished if s.kind is SpanKind.SERVER]
    (client,) = [s for s in finished if s.kind is SpanKind.CLIENT]
    assert server.name == "connector_service.v1.PaymentService/CreatePayment"
    assert server.attributes is not None
    assert server.attributes["rpc.system"] == "grpc"
    assert server.attributes["cs.connector"] == "sandbox"
    assert server.attributes["cs.flow"] == "authorize"
    assert client.name == "sandbox authorize"
    assert client.parent is not None and client.parent.span_id == server.context.span_id
    assert format(server.context.trace_id, "032x") == "0af7651916cd43dd8448eb211c80319c"
