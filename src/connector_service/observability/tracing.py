"""OpenTelemetry tracing: one server span per API request and one client span per gateway
call, with the connector and the flow as attributes. Off by default.

Turn it on with ``[tracing] enabled = true`` in the configuration or ``CS_TRACING=1``
(``CS_TRACING=0`` turns it off). It needs the ``otel`` extra
(``pip install 'connector-service[otel]'``); without it the service logs a warning and runs
untraced. Spans go to an OTLP collector (``http/protobuf`` by default, or ``grpc``): the
endpoint comes from ``[tracing] endpoint`` or the standard ``OTEL_EXPORTER_OTLP_*``
environment variables, as do headers, certificates and timeouts; ``OTEL_SERVICE_NAME``
overrides ``service_name``. An incoming W3C ``traceparent`` header makes the request span
a child of the caller's trace. Nothing is propagated to gateways: they are third parties.

Attributes are chosen never to leak: route templates, connector, flow, account names,
caller ids, request ids and status codes; never URLs with ids, bodies or headers.

When tracing is off, :data:`tracer` is ``None`` and the hot path pays one attribute read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from connector_service.connectors.base import HttpRequest, HttpResponse

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

    from connector_service.config import TracingConfig
    from connector_service.executor.http import Timeouts, Transport
    from connector_service.observability.context import RequestInfo

log = logging.getLogger("connector_service.tracing")

INSTRUMENTATION = "connector_service"
ENV_SWITCH = "CS_TRACING"

tracer: Tracer | None = None
_provider: TracerProvider | None = None


def wanted(settings: TracingConfig) -> bool:
    """Whether the configuration (or ``CS_TRACING``, which wins) asks for tracing."""
    value = os.environ.get(ENV_SWITCH)
    if value is None or not value.strip():
        return settings.enabled
    return value.strip().lower() not in ("0", "false", "no", "off")


def _otlp_exporter(settings: TracingConfig) -> SpanExporter:
    endpoint = settings.endpoint
    if settings.protocol == "grpc":
        try:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
                OTLPSpanExporter as GrpcExporter,
            )
        except ImportError as exc:
            raise ImportError(
                "the OTLP gRPC exporter is not installed: "
                "pip install opentelemetry-exporter-otlp-proto-grpc"
            ) from exc
        return GrpcExporter(endpoint=endpoint)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    if endpoint and not endpoint.rstrip("/").endswith("/v1/traces"):
        endpoint = endpoint.rstrip("/") + "/v1/traces"
    return OTLPSpanExporter(endpoint=endpoint)


def configure(settings: TracingConfig, *, exporter: SpanExporter | None = None) -> bool:
    """Set up (or tear down) tracing for this process; returns whether it is on.

    ``exporter`` replaces the configured one and exports synchronously (tests pass the
    SDK's ``InMemorySpanExporter``); it turns tracing on whatever the settings say."""
    global tracer, _provider
    shutdown()
    if exporter is None and not wanted(settings):
        return False
    try:
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import (
            BatchSpanProcessor,
            ConsoleSpanExporter,
            SimpleSpanProcessor,
        )
        from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

        attributes: dict[str, Any] = {}
        if not os.environ.get("OTEL_SERVICE_NAME"):
            attributes[SERVICE_NAME] = settings.service_name
        provider = TracerProvider(
            resource=Resource.create(attributes),
            sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
        )
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        elif settings.exporter == "console":
            provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
        else:
            provider.add_span_processor(BatchSpanProcessor(_otlp_exporter(settings)))
    except ImportError as exc:
        log.warning(
            "tracing is enabled but OpenTelemetry is missing (%s): "
            "pip install 'connector-service[otel]'; running untraced",
            exc,
        )
        return False
    _provider = provider
    tracer = provider.get_tracer(INSTRUMENTATION)
    return True


def shutdown() -> None:
    """Flush pending spans and turn tracing off."""
    global tracer, _provider
    provider, _provider, tracer = _provider, None, None
    if provider is not None:
        provider.shutdown()


@contextmanager
def request_span(method: str, route: str, headers: Mapping[str, str]) -> Iterator[Span]:
    """The server span of one REST request (see :func:`server_span`)."""
    attributes = {"http.request.method": method, "http.route": route}
    with server_span(f"{method} {route}", attributes, headers) as span:
        yield span


@contextmanager
def server_span(
    name: str, attributes: Mapping[str, str], headers: Mapping[str, str]
) -> Iterator[Span]:
    """The server span of one API request (REST or gRPC), current while the request runs
    (so gateway spans are its children), continuing the caller's trace when it sent
    ``traceparent`` (an HTTP header or gRPC metadata: the same W3C text)."""
    assert tracer is not None
    from opentelemetry import propagate, trace

    parent = propagate.extract(headers) if "traceparent" in headers else None
    span = tracer.start_span(
        name, context=parent, kind=trace.SpanKind.SERVER, attributes=dict(attributes)
    )
    with trace.use_span(span, end_on_exit=True, record_exception=False):
        yield span


def finish_request_span(span: Span, info: RequestInfo, request_id: str, status: int) -> None:
    """Attributes known only once the request is served."""
    from opentelemetry.trace import Status, StatusCode

    attributes: dict[str, Any] = {
        "http.response.status_code": status,
        "cs.request_id": request_id,
        "cs.gateway_calls": info.gateway_calls,
    }
    if info.caller is not None:
        attributes["cs.caller"] = info.caller
    if info.connector is not None:
        attributes["cs.connector"] = info.connector
        attributes["cs.flow"] = info.flow or ""
        attributes["cs.account"] = info.account or ""
    span.set_attributes(attributes)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


class TracedTransport:
    """Wraps a transport so that every HTTP exchange with a gateway is a client span."""

    __slots__ = ("connector", "flow", "inner")

    def __init__(self, inner: Transport, connector: str, flow: str) -> None:
        self.inner = inner
        self.connector = connector
        self.flow = flow

    async def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse:
        from opentelemetry.trace import SpanKind, Status, StatusCode

        active = tracer
        if active is None:  # turned off meanwhile
            return await self.inner.send(request, timeouts)
        scheme, _, rest = request.url.partition("://")
        host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
        with active.start_as_current_span(
            f"{self.connector} {self.flow}",
            kind=SpanKind.CLIENT,
            record_exception=False,
            set_status_on_exception=False,
            attributes={
                "cs.connector": self.connector,
                "cs.flow": self.flow,
                "http.request.method": request.method,
                "url.scheme": scheme,
                "server.address": host,
            },
        ) as span:
            try:
                response = await self.inner.send(request, timeouts)
            except BaseException as exc:
                # The type only: messages of network errors may quote URLs.
                span.set_attribute("error.type", type(exc).__name__)
                span.set_status(Status(StatusCode.ERROR))
                raise
            span.set_attribute("http.response.status_code", response.status)
            if response.status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            return response
