"""The shared executor: runs a connector's request descriptions over one pooled client.

Retry policy, in one sentence: a request is re-sent only when it provably never reached
the gateway (connection refused, DNS failure, TLS handshake failure, connect timeout).
Anything that fails after the bytes left (read timeout, reset, truncated answer) raises
:class:`OutcomeUnknown`, which the core turns into an ``unresolved`` payment rather than
a guess.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp

from connector_service.connectors.base import (
    Connector,
    ConnectorContext,
    Headers,
    HttpRequest,
    HttpResponse,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow
from connector_service.executor.transcript import render_transcript
from connector_service.observability import context as request_context
from connector_service.observability import metrics, tracing

log = logging.getLogger("connector_service.executor")
transcript_log = logging.getLogger("connector_service.transcript")


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0


class NotSent(Exception):
    """The request never reached the gateway; re-sending it is safe."""


class OutcomeUnknown(ServiceError):
    """The request may have been processed; only a sync can tell."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorType.NETWORK, "gateway_timeout", message, http_status=504)


class GatewayUnreachable(ServiceError):
    """Every attempt failed before reaching the gateway: nothing happened there."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorType.NETWORK, "gateway_unreachable", message, http_status=503)


class Transport(Protocol):
    async def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse: ...


class AiohttpTransport:
    """Real HTTP with keep-alive pooling. One instance per process (per event loop)."""

    def __init__(self, *, limit: int = 8192, limit_per_host: int = 4096) -> None:
        self._limit = limit
        self._limit_per_host = limit_per_host
        self._session: aiohttp.ClientSession | None = None
        # Calls in flight, in all and per host: an HTTP/1.1 call holds one pooled
        # connection, so a call that finds a count at its limit waits for a connection.
        self._in_flight = 0
        self._in_flight_per_host: dict[str, int] = {}

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                limit=self._limit, limit_per_host=self._limit_per_host, ttl_dns_cache=300
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=True,
                skip_auto_headers=("User-Agent",),
            )
        return self._session

    async def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse:
        session = self._get_session()
        read = request.timeout or timeouts.read
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=timeouts.connect, sock_read=read)
        started = time.perf_counter()
        host = request.url.split("/", 3)[2] if "://" in request.url else request.url
        per_host = self._in_flight_per_host.get(host, 0)
        if per_host >= self._limit_per_host or self._in_flight >= self._limit:
            metrics.GATEWAY_POOL_QUEUED.inc()
        self._in_flight += 1
        self._in_flight_per_host[host] = per_host + 1
        metrics.GATEWAY_IN_FLIGHT.inc()
        try:
            async with session.request(
                request.method,
                request.url,
                headers=request.headers,
                data=request.body,
                timeout=timeout,
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                return HttpResponse(
                    status=resp.status,
                    headers=Headers.of(resp.headers.items()),
                    body=body,
                    elapsed_ms=(time.perf_counter() - started) * 1000,
                )
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise NotSent(type(exc).__name__) from exc
        except aiohttp.InvalidURL as exc:
            raise NotSent("invalid gateway URL") from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise OutcomeUnknown(
                f"no complete answer from the gateway ({type(exc).__name__}); "
                "the outcome is unknown until the payment is synced"
            ) from exc
        finally:
            self._in_flight -= 1
            left = self._in_flight_per_host[host] - 1
            if left:
                self._in_flight_per_host[host] = left
            else:
                del self._in_flight_per_host[host]
            metrics.GATEWAY_IN_FLIGHT.dec()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


TranscriptSink = Callable[[str], None]


class Executor:
    """Drives connector flows: builds, sends, parses, times and records each call."""

    def __init__(
        self,
        *,
        transport: Transport | None = None,
        timeouts: Timeouts = Timeouts(),
        connect_retries: int = 2,
        transcript_sink: TranscriptSink | None = None,
    ) -> None:
        self._http: Transport = transport or AiohttpTransport()
        self._schemes: dict[str, Transport] = {}
        self.timeouts = timeouts
        self.connect_retries = connect_retries
        self.transcript_sink = transcript_sink

    def register_scheme(self, scheme: str, transport: Transport) -> None:
        """Route ``scheme://`` URLs to an in-process transport (the sandbox gateway)."""
        self._schemes[scheme] = transport

    def _transport_for(self, url: str) -> Transport:
        scheme, _, _ = url.partition("://")
        return self._schemes.get(scheme, self._http)

    async def run(
        self,
        connector: Connector,
        flow: Flow,
        ctx: ConnectorContext,
        data: Any,
        *,
        timeouts: Timeouts | None = None,
    ) -> Any:
        steps = connector.steps(flow, ctx, data)
        info = request_context.current()
        if info is not None:  # for the access log, metric labels and the request span
            info.account, info.connector, info.flow = ctx.account, ctx.connector, flow.value
        try:
            request = next(steps)
            while True:
                response = await self.send(connector, ctx, request, flow, timeouts)
                request = steps.send(response)
        except StopIteration as done:
            return done.value

    async def send(
        self,
        connector: Connector,
        ctx: ConnectorContext,
        request: HttpRequest,
        flow: Flow,
        timeouts: Timeouts | None = None,
    ) -> HttpResponse:
        transport = self._transport_for(request.url)
        timeouts = timeouts or self.timeouts
        labels = (ctx.connector, request.flow or flow.value)
        if tracing.tracer is not None:
            transport = tracing.TracedTransport(transport, *labels)
        attempt = 0
        started = time.perf_counter()
        while True:
            try:
                response = await transport.send(request, timeouts)
                break
            except NotSent as exc:
                attempt += 1
                if attempt > self.connect_retries:
                    metrics.GATEWAY_CALLS.labels(*labels, "unreachable").inc()
                    _note_gateway_time(started)
                    self._record(connector, ctx, request, None, f"not sent: {exc}")
                    raise GatewayUnreachable(
                        f"could not reach {connector.meta.display_name} ({exc})"
                    ) from exc
                await asyncio.sleep(0.05 * attempt)
            except OutcomeUnknown as exc:
                metrics.GATEWAY_CALLS.labels(*labels, "unknown").inc()
                _note_gateway_time(started)
                self._record(connector, ctx, request, None, f"outcome unknown: {exc}")
                raise
        elapsed = _note_gateway_time(started)
        metrics.GATEWAY_LATENCY.labels(*labels).observe(elapsed)
        metrics.GATEWAY_CALLS.labels(*labels, _status_class(response.status)).inc()
        self._record(connector, ctx, request, response, None)
        return response

    def _record(
        self,
        connector: Connector,
        ctx: ConnectorContext,
        request: HttpRequest,
        response: HttpResponse | None,
        error: str | None,
    ) -> None:
        if self.transcript_sink is None and not transcript_log.isEnabledFor(logging.DEBUG):
            return
        raw = render_transcript(request, response, error)
        secrets = [s.reveal() for s in ctx.credentials.values()]
        if ctx.access_token is not None:
            secrets.append(ctx.access_token.reveal())
        clean = connector.scrub(raw)
        for secret in secrets:
            if secret and len(secret) >= 4:
                clean = clean.replace(secret, "[REDACTED]")
        if self.transcript_sink is not None:
            self.transcript_sink(clean)
        else:
            transcript_log.debug(clean)

    async def close(self) -> None:
        close = getattr(self._http, "close", None)
        if close is not None:
            await close()


def _note_gateway_time(started: float) -> float:
    """The time since ``started``, added to the current request's gateway time."""
    elapsed = time.perf_counter() - started
    info = request_context.current()
    if info is not None:
        info.gateway_calls += 1
        info.gateway_seconds += elapsed
    return elapsed


def _status_class(status: int) -> str:
    return f"{status // 100}xx"
