"""The REST API v1.

Handlers are thin: authenticate the caller, decode and validate the body with msgspec,
call the core service, encode the result. Every failure leaves as the one JSON error
shape (``server/errors.py``); nothing a caller sends can produce a 500.
"""

from __future__ import annotations

import gc
import logging
import re
import secrets
import time
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

from connector_service.config import Caller, Config, hash_key
from connector_service.core import idempotency
from connector_service.core.breaker import BreakerView
from connector_service.core.runtime import Runtime
from connector_service.core.service import RequestCredentials
from connector_service.domain import api
from connector_service.domain.codec import DuplicateKeyError, decoder, encoder
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.secret import Secret
from connector_service.observability import context as request_context
from connector_service.observability import metrics, tracing
from connector_service.observability.logging import redact_values
from connector_service.server import errors, http_guard, sandbox_pages

log = logging.getLogger("connector_service.access")
error_log = logging.getLogger("connector_service.server")

ANONYMOUS = Caller(id="local", accounts=frozenset({"*"}), platform=True, admin=True)
_REQUEST_ID = http_guard.REQUEST_ID  # the one rule; server/http_guard.py applies it first
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


class _CredentialsHeader(msgspec.Struct, forbid_unknown_fields=True):
    connector: str
    credentials: dict[str, Secret]
    options: dict[str, str] = {}
    mode: str = "test"


_creds_decoder = decoder(_CredentialsHeader)


@dataclass
class Call:
    """What a handler needs about the request, resolved once."""

    request: Request
    caller: Caller
    request_id: str
    idempotency_key: str | None
    creds: RequestCredentials | None


Handler = Callable[[Runtime, Call], Awaitable[tuple[int, Any]]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    body: type | None = None
    response: type | None = None
    status: int = 200
    tag: str = "payments"


def _body(call: Call, type_: type) -> Any:
    # The body was read (bounded) by the dispatcher and stashed on the request.
    raw: bytes = call.request.state.body
    if not raw.strip():
        raw = b"{}"
    try:
        return _decoders[type_].decode(raw)
    except msgspec.ValidationError as exc:
        raise errors.validation_error(exc) from None
    except msgspec.DecodeError:
        raise ServiceError(
            ErrorType.INVALID_REQUEST, "invalid_json", "The request body is not valid JSON."
        ) from None


# ------------------------------------------------------------------------ handlers


async def create_payment(rt: Runtime, call: Call) -> tuple[int, Any]:
    req = _body(call, api.PaymentCreate)
    payment = await rt.service.create_payment(
        call.caller,
        req,
        idempotency_key=call.idempotency_key,
        request_id=call.request_id,
        creds=call.creds,
    )
    return 201, payment


def _pid(call: Call) -> str:
    return str(call.request.path_params["id"])


async def get_payment(rt: Runtime, call: Call) -> tuple[int, Any]:
    return 200, await rt.service.get_payment(
        call.caller, _pid(call), request_id=call.request_id, creds=call.creds
    )


async def capture_payment(rt: Runtime, call: Call) -> tuple[int, Any]:
    req = _body(call, api.CaptureCreate)
    return 200, await rt.service.capture(
        call.caller,
        _pid(call),
        req,
        idempotency_key=call.idempotency_key,
        request_id=call.request_id,
        creds=call.creds,
    )


async def void_payment(rt: Runtime, call: Call) -> tuple[int, Any]:
    req = _body(call, api.VoidCreate)
    return 200, await rt.service.void(
        call.caller,
        _pid(call),
        req,
        idempotency_key=call.idempotency_key,
        request_id=call.request_id,
        creds=call.creds,
    )


async def complete_payment(rt: Runtime, call: Call) -> tuple[int, Any]:
    req = _body(call, api.CompleteCreate)
    return 200, await rt.service.complete_payment(
        call.caller,
        _pid(call),
        req,
        idempotency_key=call.idempotency_key,
        request_id=call.request_id,
        creds=call.creds,
    )


async def create_refund(rt: Runtime, call: Call) -> tuple[int, Any]:
    req = _body(call, api.RefundCreate)
    return 201, await rt.service.refund(
        call.caller,
        _pid(call),
        req,
        idempotency_key=call.idempotency_key,
        request_id=call.request_id,
        creds=call.creds,
    )


async def get_refund(rt: Runtime, call: Call) -> tuple[int, Any]:
    return 200, await rt.service.get_refund(
        call.caller, _pid(call), request_id=call.request_id, creds=call.creds
    )


async def create_mandate(rt: Runtime, call: Call) -> tuple[int, Any]:
    req = _body(call, api.MandateCreate)
    return 201, await rt.service.create_mandate(
        call.caller,
        req,
        idempotency_key=call.idempotency_key,
        request_id=call.request_id,
        creds=call.creds,
    )


async def revoke_mandate(rt: Runtime, call: Call) -> tuple[int, Any]:
    return 200, await rt.service.revoke_mandate(
        call.caller,
        _pid(call),
        idempotency_key=call.idempotency_key,
        request_id=call.request_id,
        creds=call.creds,
    )


async def list_connectors(rt: Runtime, call: Call) -> tuple[int, Any]:
    return 200, {"object": "list", "data": rt.service.list_connectors(call.caller)}


async def preview_routing(rt: Runtime, call: Call) -> tuple[int, Any]:
    req = _body(call, api.PaymentCreate)
    return 200, await rt.service.preview_routing(
        call.caller, req, idempotency_key=call.idempotency_key
    )


async def list_breakers(rt: Runtime, call: Call) -> tuple[int, Any]:
    return 200, {"object": "list", "data": await rt.service.breaker_states(call.caller)}


class BreakerList(msgspec.Struct):
    object: str
    data: list[BreakerView]


class ConnectorList(msgspec.Struct):
    object: str
    data: list[api.ConnectorInfo]


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/payments", create_payment,
             "Authorize or purchase; or charge a mandate (merchant-initiated)",
             api.PaymentCreate, api.Payment, 201),
    Endpoint("GET", "/v1/payments/{id}", get_payment, "Sync a payment from the gateway",
             None, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/capture", capture_payment,
             "Capture an authorized payment (full or partial)", api.CaptureCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/void", void_payment, "Void (cancel) an authorization",
             api.VoidCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/complete", complete_payment,
             "Complete a payment after the customer's redirect (3-D Secure)",
             api.CompleteCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/refunds", create_refund,
             "Refund a payment (full or partial, several times)", api.RefundCreate, api.Refund,
             201, "refunds"),
    Endpoint("GET", "/v1/refunds/{id}", get_refund, "Sync a refund from the gateway", None,
             api.Refund, 200, "refunds"),
    Endpoint("POST", "/v1/mandates", create_mandate,
             "Set up a mandate: store a card at the gateway for merchant-initiated charges",
             api.MandateCreate, api.Mandate, 201, "mandates"),
    Endpoint("POST", "/v1/mandates/{id}/revoke", revoke_mandate, "Revoke a mandate", None,
             api.Mandate, 200, "mandates"),
    Endpoint("POST", "/v1/routing/preview", preview_routing,
             "Which accounts a payment would be routed to, in order, and why (charges nothing)",
             api.PaymentCreate, api.RoutingDetails, 200, "routing"),
    Endpoint("GET", "/v1/admin/breakers", list_breakers,
             "Circuit-breaker state of every account (admin keys only)", None, BreakerList,
             200, "admin"),
    Endpoint("GET", "/v1/connectors", list_connectors,
             "List connectors, their capabilities and the accounts this key may use", None,
             ConnectorList, 200, "connectors"),
)  # fmt: skip

_decoders: dict[type, Any] = {e.body: decoder(e.body) for e in ENDPOINTS if e.body is not None}


# ------------------------------------------------------------------------ plumbing


def _authenticate(config: Config, request: Request) -> Caller:
    if not config.callers:
        return ANONYMOUS
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ServiceError(
            ErrorType.AUTHENTICATION,
            "missing_api_key",
            "Send an API key as 'Authorization: Bearer <key>'.",
        )
    caller = config.callers.get(hash_key(token.strip()))
    if caller is None:
        raise ServiceError(ErrorType.AUTHENTICATION, "invalid_api_key", "The API key is not valid.")
    return caller


def _request_credentials(
    config: Config, request: Request, caller: Caller
) -> RequestCredentials | None:
    raw = request.headers.get("x-connector-credentials")
    if raw is None:
        return None
    if not config.server.allow_request_credentials or not caller.platform:
        raise ServiceError(
            ErrorType.PERMISSION,
            "request_credentials_not_allowed",
            "Per-request credentials are not enabled for this API key.",
            field="X-Connector-Credentials",
        )
    try:
        parsed = _creds_decoder.decode(raw.encode())
    except DuplicateKeyError as exc:
        raise errors.duplicate_key_in_header(exc, "X-Connector-Credentials") from None
    except (msgspec.ValidationError, msgspec.DecodeError):
        # The message would quote the header, which holds secrets: keep it generic.
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_credentials_header",
            "X-Connector-Credentials must be JSON: "
            '{"connector": …, "credentials": {…}, "options": {…}}',
            field="X-Connector-Credentials",
        ) from None
    return RequestCredentials(parsed.connector, parsed.credentials, parsed.options, parsed.mode)


def _json(
    status: int, payload: Any, request_id: str, extra: dict[str, str] | None = None
) -> Response:
    headers = {"x-request-id": request_id}
    if extra:
        headers.update(extra)
    return Response(encoder.encode(payload), status, headers, media_type="application/json")


def _error(err: ServiceError, request_id: str) -> Response:
    return Response(
        errors.render(err, request_id),
        err.http_status,
        {"x-request-id": request_id},
        media_type="application/json",
    )


def _endpoint(
    rt_getter: Callable[[], Runtime], ep: Endpoint
) -> Callable[[Request], Awaitable[Response]]:
    route_label = ep.path
    latency = metrics.REQUEST_LATENCY.labels(route_label)
    overhead = metrics.REQUEST_OVERHEAD.labels(route_label)

    async def handle(request: Request) -> Response:
        started = time.perf_counter()
        rid = request.headers.get("x-request-id", "")
        if not _REQUEST_ID.fullmatch(rid):
            rid = "req_" + secrets.token_hex(12)
        # What the request did (account, connector, flow, gateway time), filled in by the
        # executor as it runs: for the access log, the metric labels and the span.
        info, token = request_context.begin(rid)
        try:
            if tracing.tracer is None:
                return await serve(request, rid, info, started)
            with tracing.request_span(ep.method, route_label, request.headers) as span:
                response = await serve(request, rid, info, started)
                tracing.finish_request_span(span, info, rid, response.status_code)
                return response
        finally:
            request_context.end(token)

    async def serve(
        request: Request, rid: str, info: request_context.RequestInfo, started: float
    ) -> Response:
        rt = rt_getter()
        caller_id = "-"
        status = 500
        try:
            caller = _authenticate(rt.config, request)
            caller_id = info.caller = caller.id
            key = request.headers.get("idempotency-key")
            if key is not None and not _IDEMPOTENCY_KEY.match(key):
                raise ServiceError(
                    ErrorType.INVALID_REQUEST,
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1-255 printable ASCII characters.",
                    field="Idempotency-Key",
                )
            if ep.method == "POST":
                request.state.body = await _read_body(request, rt.config.server.max_body_bytes)
            creds = _request_credentials(rt.config, request, caller)
            if creds is not None:  # masked in every log line written for this request
                info.secrets = tuple(s.reveal() for s in creds.credentials.values())
            call = Call(request, caller, rid, key, creds)
            if key is not None and ep.method == "POST":
                response = await _idempotent(rt, ep, call, key)
            else:
                status, payload = await ep.handler(rt, call)
                response = _json(status, payload, rid)
            status = response.status_code
        except ServiceError as err:
            status = err.http_status
            response = _error(err, rid)
        except Exception:
            error_log.exception("unhandled error in %s %s (request %s)", ep.method, ep.path, rid)
            status = 500
            response = _error(
                ServiceError(ErrorType.INTERNAL, "internal_error", "An internal error occurred."),
                rid,
            )
        elapsed = time.perf_counter() - started
        connector, flow = info.connector or "-", info.flow or "-"
        metrics.REQUESTS.labels(route_label, connector, flow, f"{status // 100}xx").inc()
        latency.observe(elapsed)
        overhead.observe(max(elapsed - info.gateway_seconds, 0.0))
        if log.isEnabledFor(logging.INFO):
            log.info(
                "request",
                extra={
                    "request_id": rid,
                    "caller": caller_id,
                    "method": ep.method,
                    "route": route_label,
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                    "account": info.account or "-",
                    "connector": connector,
                    "flow": flow,
                    "gateway_calls": info.gateway_calls,
                    "gateway_ms": round(info.gateway_seconds * 1000, 2),
                },
            )
        return response

    return handle


async def _idempotent(rt: Runtime, ep: Endpoint, call: Call, key: str) -> Response:
    """Run the handler at most once per (caller, key); replay its answer afterwards."""
    fp = idempotency.fingerprint(ep.method, call.request.url.path, call.request.state.body)
    store = rt.idempotency
    replay = await store.begin(call.caller.id, key, fp)
    if replay is not None:
        metrics.IDEMPOTENCY_REPLAYS.labels(ep.path).inc()
        return Response(
            replay.body, replay.status,
            {"x-request-id": call.request_id, "idempotent-replayed": "true"},
            media_type="application/json",
        )  # fmt: skip
    try:
        status, payload = await ep.handler(rt, call)
        response = _json(status, payload, call.request_id)
    except ServiceError as err:
        response = _error(err, call.request_id)
    # Any other exception (or a cancellation) propagates and leaves the claim in flight
    # until its lease runs out: the gateway may have been called, so it is not released.
    await store.finish(call.caller.id, key, fp, response.status_code, bytes(response.body))
    return response


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

    routes = [Route(e.path, _endpoint(get_runtime, e), methods=[e.method]) for e in ENDPOINTS]
    routes += [
        Route("/health", health),
        Route("/ready", ready),
        Route("/metrics", metrics_endpoint),
        Route("/openapi.json", openapi),
        *sandbox_pages.routes(get_runtime),
    ]
    from connector_service.server.webhook_routes import webhook_routes

    routes += webhook_routes(get_runtime)
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
