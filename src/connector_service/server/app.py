"""The REST API v1.

REST only encodes and decodes: each endpoint decodes and validates its JSON body with
msgspec and hands it, with the headers and path ids, to the transport-neutral front
(``server/front.py``: authentication, credentials, idempotency, log, metrics, tracing),
whose answer it encodes. Every failure leaves as the one JSON error shape
(``server/errors.py``); nothing a caller sends can produce a 500.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import msgspec
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector_service.config import Config
from connector_service.core.runtime import Runtime
from connector_service.domain import api
from connector_service.domain.codec import JsonDecoder, decoder, encoder
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.observability import metrics, tracing
from connector_service.observability.logging import redact_values
from connector_service.server import errors, http_guard, sandbox_pages
from connector_service.server import operations as ops
from connector_service.server.front import Answer, Entry, Front, Operation, Runner
from connector_service.server.operations import BreakerList, ConnectorList

error_log = logging.getLogger("connector_service.server")

Handler = Runner  # an endpoint's runner: (runtime, context, body struct, path ids) -> document


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    operation: Operation
    summary: str
    body: type | None = None
    response: type | None = None
    status: int = 200
    tag: str = "payments"

    @property
    def handler(self) -> Runner:
        return self.operation.run


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/payments", ops.CREATE_PAYMENT,
             "Authorize or purchase; or charge a mandate (merchant-initiated)",
             api.PaymentCreate, api.Payment, 201),
    Endpoint("GET", "/v1/payments/{id}", ops.GET_PAYMENT, "Sync a payment from the gateway",
             None, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/capture", ops.CAPTURE_PAYMENT,
             "Capture an authorized payment (full or partial)", api.CaptureCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/void", ops.VOID_PAYMENT,
             "Void (cancel) an authorization", api.VoidCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/complete", ops.COMPLETE_PAYMENT,
             "Complete a payment after the customer's redirect (3-D Secure)",
             api.CompleteCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/refunds", ops.CREATE_REFUND,
             "Refund a payment (full or partial, several times)", api.RefundCreate, api.Refund,
             201, "refunds"),
    Endpoint("GET", "/v1/refunds/{id}", ops.GET_REFUND, "Sync a refund from the gateway", None,
             api.Refund, 200, "refunds"),
    Endpoint("POST", "/v1/mandates", ops.CREATE_MANDATE,
             "Set up a mandate: store a card at the gateway for merchant-initiated charges",
             api.MandateCreate, api.Mandate, 201, "mandates"),
    Endpoint("POST", "/v1/mandates/{id}/revoke", ops.REVOKE_MANDATE, "Revoke a mandate", None,
             api.Mandate, 200, "mandates"),
    Endpoint("POST", "/v1/mandates/{id}/complete", ops.COMPLETE_MANDATE,
             "Complete a mandate set-up after the customer's redirect (3-D Secure)",
             api.CompleteCreate, api.Mandate, 200, "mandates"),
    Endpoint("POST", "/v1/routing/preview", ops.PREVIEW_ROUTING,
             "Which accounts a payment would be routed to, in order, and why (charges nothing)",
             api.PaymentCreate, api.RoutingDetails, 200, "routing"),
    Endpoint("GET", "/v1/admin/breakers", ops.LIST_BREAKERS,
             "Circuit-breaker state of the accounts this key may use (admin keys only)", None,
             BreakerList, 200, "admin"),
    Endpoint("GET", "/v1/connectors", ops.LIST_CONNECTORS,
             "List connectors, their capabilities and the accounts this key may use", None,
             ConnectorList, 200, "connectors"),
)  # fmt: skip


# ------------------------------------------------------------------------ plumbing


def _error(err: ServiceError, request_id: str) -> Response:
    return Response(
        errors.render(err, request_id),
        err.http_status,
        {"x-request-id": request_id},
        media_type="application/json",
    )


def _response(answer: Answer) -> Response:
    headers = {"x-request-id": answer.request_id}
    if answer.replayed:
        headers["idempotent-replayed"] = "true"
    return Response(answer.json(), answer.status, headers, media_type="application/json")


def _endpoint(
    front_getter: Callable[[], Front], ep: Endpoint
) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette handler of an endpoint: decode JSON, let the front serve, encode."""
    entry = Entry(
        "rest",
        ep.operation,
        ep.path,
        ep.method,
        (f"{ep.method} {ep.path}", {"http.request.method": ep.method, "http.route": ep.path}),
    )
    body_decoder: JsonDecoder[Any] | None = decoder(ep.body) if ep.body is not None else None
    reads_body = ep.method == "POST"

    async def handle(request: Request) -> Response:
        front = front_getter()

        async def decode() -> Any:
            if not reads_body:
                return None
            limit = front.runtime().config.server.max_body_bytes
            raw = await _read_body(request, limit)
            if body_decoder is None:
                return None
            if not raw.strip():
                raw = b"{}"
            try:
                return body_decoder.decode(raw)
            except msgspec.ValidationError as exc:
                raise errors.validation_error(exc) from None
            except msgspec.DecodeError:
                raise ServiceError(
                    ErrorType.INVALID_REQUEST,
                    "invalid_json",
                    "The request body is not valid JSON.",
                ) from None

        answer = await front.call(
            entry, request.headers, decode, request.path_params, request.query_params
        )
        return _response(answer)

    return handle


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "body_too_large",
            f"The request body exceeds {limit} bytes.",
            http_status=413,
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ServiceError(
                ErrorType.INVALID_REQUEST,
                "body_too_large",
                f"The request body exceeds {limit} bytes.",
                http_status=413,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _config_secrets(config: Config) -> list[str]:
    """Every secret value in the configuration, for the log formatter to mask."""
    values = [s.reveal() for a in config.accounts.values() for s in a.credentials.values()]
    values += [s.reveal() for e in config.webhook_endpoints.values() for s in e.secrets]
    values.append(config.id_key.decode(errors="replace"))
    return values


def _freeze_startup_heap() -> None:
    """Move everything allocated at start-up (modules, configuration, connectors, the
    runtime: objects that live as long as the process) out of the cyclic garbage
    collector's sight. Its full collections otherwise walk all of them every few thousand
    requests, and those walks were the service's p99 latency (docs/performance.md)."""
    gc.collect()
    gc.freeze()


def create_app(config: Config, runtime: Runtime | None = None) -> Starlette:
    holder: dict[str, Runtime] = {}

    def get_runtime() -> Runtime:
        return holder["rt"]

    front = Front(get_runtime)

    def get_front() -> Front:
        return front

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        rt = runtime or Runtime(config)
        holder["rt"] = rt
        redact_values(_config_secrets(config))
        traced = tracing.wanted(config.tracing) and tracing.configure(config.tracing)
        await rt.start()
        _freeze_startup_heap()
        try:
            yield
        finally:
            await rt.stop()
            if traced:
                tracing.shutdown()

    async def health(request: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    async def ready(request: Request) -> Response:
        try:
            await get_runtime().storage.ping()
        except Exception as exc:
            body = encoder.encode({"status": "unavailable", "storage": type(exc).__name__})
            return Response(body, 503, media_type="application/json")
        body = encoder.encode({"status": "ready", "storage": get_runtime().storage.name})
        return Response(body, media_type="application/json")

    async def metrics_endpoint(request: Request) -> Response:
        body = metrics.render()
        return Response(body, headers={"content-type": CONTENT_TYPE_LATEST})

    async def openapi(request: Request) -> Response:
        from connector_service.server.openapi import openapi_json

        return Response(openapi_json(), media_type="application/json")

    async def not_found(request: Request, exc: Exception) -> Response:
        rid = http_guard.request_id(request.headers.get("x-request-id"))
        status = getattr(exc, "status_code", 404)
        if status == 405:
            err = ServiceError(
                ErrorType.INVALID_REQUEST,
                "method_not_allowed",
                "Method not allowed on this path.",
                http_status=405,
            )
        else:
            err = ServiceError(ErrorType.NOT_FOUND, "route_not_found", "No such endpoint.")
        response = _error(err, rid)
        if allow := (getattr(exc, "headers", None) or {}).get("Allow"):
            response.headers["allow"] = ", ".join(sorted(allow.split(", ")))
        return response

    routes = [Route(e.path, _endpoint(get_front, e), methods=[e.method]) for e in ENDPOINTS]
    routes += [
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics_endpoint),
        Route("/openapi.json", openapi),
        *sandbox_pages.routes(get_runtime),
    ]
    from connector_service.server.webhook_routes import webhook_routes

    routes += webhook_routes(get_runtime, get_front)
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={404: not_found, 405: not_found},
        middleware=[Middleware(http_guard.HttpGuard, config=config)],
    )


def create_app_from_env() -> Starlette:
    """uvicorn factory used by ``connector-service serve`` (every worker loads the same
    configuration from ``CS_CONFIG`` and the environment)."""
    from connector_service.config import load_config
    from connector_service.observability.logging import configure_logging

    config = load_config()
    configure_logging(config.server.log_level)
    return create_app(config)
