"""Webhook routes: the gateways' receive URLs, the stateless parse endpoint and the
operators' admin API.

* ``POST /v1/webhooks/{connector}`` and ``/v1/webhooks/{connector}/{account}`` — called by
  gateways, which cannot send our API keys: the webhook's own signature authenticates
  it. Answered the way the gateway expects once the event is recorded.
* ``POST /v1/webhooks/{connector}/parse`` — for callers who want only the translation:
  an API key, and the gateway's request wrapped in JSON (its headers and its raw body, so
  the gateway's own ``Authorization`` header cannot collide with ours). The secret is the
  named account's, or comes in ``X-Connector-Credentials`` (platform keys).
* ``/v1/admin/webhooks/…`` — admin keys only: events, deliveries, endpoints, replays.

The API-key routes reuse the REST plumbing of ``server/app.py`` (authentication, request
ids, idempotency, metrics, the one error shape).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector_service.core.runtime import Runtime
from connector_service.domain.codec import JsonDecoder, decoder
from connector_service.domain.errors import ErrorType, ServiceError, invalid, not_found
from connector_service.observability import metrics
from connector_service.server import errors
from connector_service.server.app import (
    _REQUEST_ID,
    Call,
    Endpoint,
    _endpoint,
    _error,
    _read_body,
)
from connector_service.storage.outbox import DeliveryStatus
from connector_service.webhooks.admin import (
    DeliveryView,
    EndpointView,
    EventDetail,
    EventSummary,
    UnknownEndpoint,
)
from connector_service.webhooks.events import Event

log = logging.getLogger("connector_service.access")
error_log = logging.getLogger("connector_service.server")

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_LIMIT = 500


# ------------------------------------------------------------------------ documents


class ParseRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The gateway's request, as received: its headers and its body, byte for byte
    (``body`` as text, or ``body_base64``)."""

    headers: dict[str, str]
    body: str | None = None
    body_base64: str | None = None
    account: str | None = None


class ParseResult(msgspec.Struct):
    object: str
    connector: str
    account: str
    verified: bool
    data: list[Event]


class ReplayRequest(msgspec.Struct, forbid_unknown_fields=True):
    endpoint: str | None = None


class ReplayResult(msgspec.Struct):
    object: str
    queued: int


class EnableResult(msgspec.Struct):
    object: str
    endpoint: str
    was_disabled: bool


class EventList(msgspec.Struct):
    object: str
    data: list[EventSummary]
    has_more: bool


class DeliveryList(msgspec.Struct):
    object: str
    data: list[DeliveryView]
    has_more: bool


class EndpointList(msgspec.Struct):
    object: str
    data: list[EndpointView]


_parse_decoder = decoder(ParseRequest)
_replay_decoder = decoder(ReplayRequest)


def _decode(call: Call, dec: JsonDecoder[Any]) -> Any:
    raw: bytes = call.request.state.body
    if not raw.strip():
        raw = b"{}"
    try:
        return dec.decode(raw)
    except msgspec.ValidationError as exc:
        raise errors.validation_error(exc) from None
    except msgspec.DecodeError:
        raise invalid("invalid_json", "The request body is not valid JSON.") from None


def _require_admin(call: Call) -> None:
    if not call.caller.admin:
        raise ServiceError(
            ErrorType.PERMISSION,
            "admin_required",
            "This endpoint needs an admin API key (admin = true in the caller's config).",
        )


def _limit(call: Call) -> int:
    raw = call.request.query_params.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise invalid("invalid_limit", f"limit must be an integer from 1 to {MAX_LIMIT}", "limit")
    return int(raw)


def _before(call: Call) -> float | None:
    raw = call.request.query_params.get("before")
    if raw is None:
        return None
    try:
        when = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise invalid(
            "invalid_before", "before must be an ISO-8601 time (an event's received_at)", "before"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()


def _path(call: Call, name: str) -> str:
    return str(call.request.path_params[name])


# ------------------------------------------------------------------------ handlers


async def parse_webhook(rt: Runtime, call: Call) -> tuple[int, Any]:
    req: ParseRequest = _decode(call, _parse_decoder)
    if (req.body is None) == (req.body_base64 is None):
        raise invalid("body_required", "give exactly one of body or body_base64", "body")
    if req.body is not None:
        body = req.body.encode()
    else:
        try:
            body = base64.b64decode(req.body_base64 or "", validate=True)
        except (binascii.Error, ValueError):
            raise invalid("invalid_base64", "body_base64 is not base64", "body_base64") from None
    if req.account is not None and call.creds is not None:
        raise invalid(
            "account_and_credentials",
            "name an account or send X-Connector-Credentials, not both",
            "account",
        )
    target, documents = await rt.webhooks.receiver.translate(
        call.caller,
        _path(call, "connector"),
        req.account,
        call.creds,
        req.headers,
        body,
        request_id=call.request_id,
    )
    return 200, ParseResult("list", target.connector.meta.name, target.account, True, documents)


async def list_events(rt: Runtime, call: Call) -> tuple[int, Any]:
    _require_admin(call)
    limit = _limit(call)
    q = call.request.query_params
    rows = await rt.webhooks.admin.list_events(
        connector=q.get("connector"),
        account=q.get("account"),
        type=q.get("type"),
        before=_before(call),
        limit=limit + 1,
    )
    return 200, EventList("list", rows[:limit], len(rows) > limit)


async def get_event(rt: Runtime, call: Call) -> tuple[int, Any]:
    _require_admin(call)
    detail: EventDetail | None = await rt.webhooks.admin.event(_path(call, "id"))
    if detail is None:
        raise not_found("event", "id")
    return 200, detail


async def replay_event(rt: Runtime, call: Call) -> tuple[int, Any]:
    _require_admin(call)
    req: ReplayRequest = _decode(call, _replay_decoder)
    try:
        queued = await rt.webhooks.admin.replay_event(_path(call, "id"), req.endpoint)
    except UnknownEndpoint:
        raise not_found("endpoint", "endpoint") from None
    if queued is None:
        raise not_found("event", "id")
    _wake(rt)
    return 200, ReplayResult("replay", queued)


async def list_deliveries(rt: Runtime, call: Call) -> tuple[int, Any]:
    _require_admin(call)
    limit = _limit(call)
    q = call.request.query_params
    status = q.get("status")
    if status is not None and status not in set(DeliveryStatus):
        raise invalid("invalid_status", "status is one of pending, succeeded, failed", "status")
    rows = await rt.webhooks.admin.list_deliveries(
        event_id=q.get("event_id"), endpoint=q.get("endpoint"), status=status, limit=limit + 1
    )
    return 200, DeliveryList("list", rows[:limit], len(rows) > limit)


async def list_endpoints(rt: Runtime, call: Call) -> tuple[int, Any]:
    _require_admin(call)
    return 200, EndpointList("list", await rt.webhooks.admin.list_endpoints())


async def replay_failed(rt: Runtime, call: Call) -> tuple[int, Any]:
    _require_admin(call)
    try:
        queued = await rt.webhooks.admin.replay_failed(_path(call, "id"))
    except UnknownEndpoint:
        raise not_found("endpoint", "id") from None
    _wake(rt)
    return 200, ReplayResult("replay", queued)


async def enable_endpoint(rt: Runtime, call: Call) -> tuple[int, Any]:
    _require_admin(call)
    endpoint = _path(call, "id")
    try:
        was = await rt.webhooks.admin.enable(endpoint)
    except UnknownEndpoint:
        raise not_found("endpoint", "id") from None
    _wake(rt)
    return 200, EnableResult("endpoint", endpoint, was)


def _wake(rt: Runtime) -> None:
    if rt.webhooks.worker is not None:
        rt.webhooks.worker.wake()


WEBHOOK_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/webhooks/{connector}/parse", parse_webhook,
             "Verify and translate a gateway webhook without storing or forwarding it",
             ParseRequest, ParseResult, 200, "webhooks"),
    Endpoint("GET", "/v1/admin/webhooks/events", list_events,
             "Received webhook events, newest first (admin)", None, EventList, 200, "admin"),
    Endpoint("GET", "/v1/admin/webhooks/events/{id}", get_event,
             "One event with its deliveries and every attempt (admin)", None, EventDetail,
             200, "admin"),
    Endpoint("POST", "/v1/admin/webhooks/events/{id}/replay", replay_event,
             "Deliver an event again (admin)", ReplayRequest, ReplayResult, 200, "admin"),
    Endpoint("GET", "/v1/admin/webhooks/deliveries", list_deliveries,
             "Deliveries, newest first (admin)", None, DeliveryList, 200, "admin"),
    Endpoint("GET", "/v1/admin/webhooks/endpoints", list_endpoints,
             "Delivery endpoints with their backlog and state (admin)", None, EndpointList,
             200, "admin"),
    Endpoint("POST", "/v1/admin/webhooks/endpoints/{id}/replay-failed", replay_failed,
             "Deliver every failed delivery of an endpoint again (admin)", None, ReplayResult,
             200, "admin"),
    Endpoint("POST", "/v1/admin/webhooks/endpoints/{id}/enable", enable_endpoint,
             "Re-enable an endpoint disabled by a 410 answer (admin)", None, EnableResult,
             200, "admin"),
)  # fmt: skip


# ------------------------------------------------------------------------ gateways


def _receiver(rt_getter: Callable[[], Runtime]) -> Callable[[Request], Awaitable[Response]]:
    route_label = "/v1/webhooks/{connector}"

    async def receive(request: Request) -> Response:
        started = time.perf_counter()
        rid = request.headers.get("x-request-id", "")
        if not _REQUEST_ID.fullmatch(rid):
            rid = "req_" + secrets.token_hex(12)
        rt = rt_getter()
        connector = str(request.path_params["connector"])
        account = request.path_params.get("account")
        try:
            if account is not None and not _NAME.match(str(account)):
                raise ServiceError(
                    ErrorType.AUTHENTICATION,
                    "webhook_not_verified",
                    "No account of this connector can verify the webhook.",
                )
            body = await _read_body(request, rt.config.webhooks.max_body_bytes)
            reply = await rt.webhooks.receiver.receive(
                connector,
                str(account) if account is not None else None,
                dict(request.headers),
                body,
                request_id=rid,
            )
            response = Response(
                reply.body, reply.status, {"x-request-id": rid}, media_type=reply.content_type
            )
        except ServiceError as err:
            response = _error(err, rid)
        except Exception:
            # Never the body or headers: they are the gateway's signed payload.
            error_log.exception("unhandled error receiving a %s webhook (request %s)",
                                connector if _NAME.match(connector) else "?", rid)  # fmt: skip
            response = _error(
                ServiceError(
                    ErrorType.INTERNAL,
                    "webhook_not_recorded",
                    "The webhook could not be processed; retry later.",
                    http_status=503,
                ),
                rid,
            )
        status = response.status_code
        elapsed = time.perf_counter() - started
        metrics.REQUESTS.labels(route_label, "-", "receive_webhook", f"{status // 100}xx").inc()
        metrics.REQUEST_LATENCY.labels(route_label).observe(elapsed)
        log.info(
            "request",
            extra={"request_id": rid, "caller": "gateway", "method": "POST",
                   "route": route_label, "status": status,
                   "latency_ms": round(elapsed * 1000, 2)},
        )  # fmt: skip
        return response

    return receive


def webhook_routes(rt_getter: Callable[[], Runtime]) -> list[Route]:
    """The routes to add to the app (``/parse`` before ``/{account}``: it is more specific)."""
    receive = _receiver(rt_getter)
    routes = [Route(e.path, _endpoint(rt_getter, e), methods=[e.method]) for e in WEBHOOK_ENDPOINTS]
    routes += [
        Route("/v1/webhooks/{connector}", receive, methods=["POST"]),
        Route("/v1/webhooks/{connector}/{account}", receive, methods=["POST"]),
    ]
    return routes
