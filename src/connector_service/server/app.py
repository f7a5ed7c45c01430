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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector_service.config import Config
from connector_service.domain.codec import encoder
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.observability import metrics, tracing
from connector_service.observability.logging import redact_values
from connector_service.runtime import Runtime
from connector_service.server import docs_page, http_guard, sandbox_method_pages, sandbox_pages
from connector_service.server.endpoints import ENDPOINTS
from connector_service.server.front import Front
from connector_service.server.openapi import openapi_json
from connector_service.server.rest import endpoint_handler, error_response
from connector_service.server.webhook_routes import webhook_routes

error_log = logging.getLogger("connector_service.server")

__all__ = ["ENDPOINTS", "create_app", "create_app_from_env"]  # ENDPOINTS: server/endpoints.py


def _config_secrets(config: Config) -> list[str]:
    """Every secret value in the configuration, for the log formatter to mask."""
    values = [s.reveal() for a in config.accounts.values() for s in a.credentials.values()]
    values += [s.reveal() for e in config.webhook_endpoints.values() for s in e.secrets]
    values.append(config.id_key.decode(errors="replace"))
    return values


def _freeze_startup_heap(thresholds: tuple[int, int, int]) -> None:
    """Move everything allocated at start-up (modules, configuration, connectors, the
    runtime: objects that live as long as the process) out of the cyclic garbage
    collector's sight. Its full collections otherwise walk all of them every few thousand
    requests, and those walks were the service's p99 latency (docs/performance.md).
    Then collect less often (``server.gc_thresholds``): with many requests in flight,
    their live objects were walked on every collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)


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
        _freeze_startup_heap(config.server.gc_thresholds)
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
        response = error_response(err, rid)
        if allow := (getattr(exc, "headers", None) or {}).get("Allow"):
            response.headers["allow"] = ", ".join(sorted(allow.split(", ")))
        return response

    routes = [Route(e.path, endpoint_handler(get_front, e), methods=[e.method]) for e in ENDPOINTS]
    routes += [
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics_endpoint),
        Route("/openapi.json", openapi),
        *docs_page.routes(),
        *sandbox_pages.routes(get_runtime),
        *sandbox_method_pages.routes(get_runtime),
    ]
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
