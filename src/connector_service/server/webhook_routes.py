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
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connector_service.domain.errors import ErrorType, ServiceError, invalid, not_found
from connector_service.observability import metrics
from connector_service.runtime import Runtime
from connector_service.server.front import Front, Operation, RequestContext, request_id
from connector_service.server.rest import Endpoint, endpoint_handler, error_response, read_body
from connector_service.storage.keyset import BadCursor
from connector_service.storage.outbox import DeliveryStatus
from connector_service.webhooks.admin import (
    DeliveryView,
    EndpointView,
    EventDetail,
    EventSummary,
    SharedEndpoint,
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
    """A page: send ``next_cursor`` back as ``cursor`` for the next (None on the last)."""

    object: str
    data: list[EventSummary]
    has_more: bool
    next_cursor: str | None


class DeliveryList(msgspec.Struct):
    """A page, as :class:`EventList`."""

    object: str
    data: list[DeliveryView]
    has_more: bool
    next_cursor: str | None


class EndpointList(msgspec.Struct):
    object: str
    data: list[EndpointView]


Ids = Mapping[str, str]


def _require_admin(ctx: RequestContext) -> None:
    if not ctx.caller.admin:
        raise ServiceError(
            ErrorType.PERMISSION,
            "admin_required",
            "This endpoint needs an admin API key (admin = true in the caller's config).",
        )


def _limit(ctx: RequestContext) -> int:
    raw = ctx.query.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise invalid("invalid_limit", f"limit must be an integer from 1 to {MAX_LIMIT}", "limit")
    return int(raw)


def bad_cursor() -> ServiceError:
    return invalid(
        "invalid_cursor", "cursor must be the next_cursor of this list's previous page", "cursor"
    )


# ------------------------------------------------------------------------ handlers


async def parse_webhook(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> Any:
    if (req.body is None) == (req.body_base64 is None):
        raise invalid("body_required", "give exactly one of body or body_base64", "body")
    if req.body is not None:
        body = req.body.encode()
    else:
        try:
            body = base64.b64decode(req.body_base64 or "", validate=True)
        except (binascii.Error, ValueError):
            raise invalid("invalid_base64", "body_base64 is not base64", "body_base64") from None
    if req.account is not None and ctx.creds is not None:
        raise invalid(
            "account_and_credentials",
            "name an account or send X-Connector-Credentials, not both",
            "account",
        )
    target, documents = await rt.webhooks.receiver.translate(
        ctx, ids["connector"], req.account, req.headers, body
    )
    return ParseResult("list", target.connector.meta.name, target.account, True, documents)


async def list_events(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> Any:
    _require_admin(ctx)
    limit = _limit(ctx)
    q = ctx.query
    try:
        rows, following = await rt.webhooks.admin.list_events(
            connector=q.get("connector"),
            account=q.get("account"),
            type=q.get("type"),
            cursor=q.get("cursor"),
            limit=limit,
            scope=ctx.caller.scope,
        )
    except BadCursor:
        raise bad_cursor() from None
    return EventList("list", rows, following is not None, following)


async def get_event(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> Any:
    _require_admin(ctx)
    detail: EventDetail | None = await rt.webhooks.admin.event(ids["id"], ctx.caller.scope)
    if detail is None:
        raise not_found("event", "id")
    return detail


async def replay_event(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> Any:
    _require_admin(ctx)
    try:
        queued = await rt.webhooks.admin.replay_event(ids["id"], req.endpoint, ctx.caller.scope)
    except UnknownEndpoint:
        raise not_found("endpoint", "endpoint") from None
    if queued is None:
        raise not_found("event", "id")
    _wake(rt)
    return ReplayResult("replay", queued)


async def list_deliveries(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> Any:
    _require_admin(ctx)
    limit = _limit(ctx)
    q = ctx.query
    status = q.get("status")
    if status is not None and status not in set(DeliveryStatus):
        raise invalid("invalid_status", "status is one of pending, succeeded, failed", "status")
    try:
        rows, following = await rt.webhooks.admin.list_deliveries(
            event_id=q.get("event_id"),
            endpoint=q.get("endpoint"),
            status=status,
            cursor=q.get("cursor"),
            limit=limit,
            scope=ctx.caller.scope,
        )
    except BadCursor:
        raise bad_cursor() from None
    return DeliveryList("list", rows, following is not None, following)


async def list_endpoints(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> Any:
    _require_admin(ctx)
    return EndpointList("list", await rt.webhooks.admin.list_endpoints(ctx.caller.scope))


async def replay_failed(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> Any:
    _require_admin(ctx)
    try:
        queued = await rt.webhooks.admin.replay_failed(ids["id"], ctx.caller.scope)
    except UnknownEndpoint:
        raise not_found("endpoint", "id") from None
    _wake(rt)
    return ReplayResult("replay", queued)


async def enable_endpoint(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> Any:
    _require_admin(ctx)
    endpoint = ids["id"]
    try:
        was = await rt.webhooks.admin.enable(endpoint, ctx.caller.scope)
    except UnknownEndpoint:
        raise not_found("endpoint", "id") from None
    except SharedEndpoint:
        raise ServiceError(
            ErrorType.PERMISSION,
            "endpoint_shared",
            "This endpoint also serves accounts this API key may not use; an admin key "
            "covering all of them must re-enable it.",
            field="id",
        ) from None
    _wake(rt)
    return EnableResult("endpoint", endpoint, was)


def _wake(rt: Runtime) -> None:
    if rt.webhooks.worker is not None:
        rt.webhooks.worker.wake()


def _op(run: Any, response: type, *, idempotent: bool = False) -> Operation:
    return Operation(run.__name__, run, idempotent, response)


# Also served over gRPC (WebhookService.ParseWebhook): the same operation row.
PARSE_WEBHOOK = _op(parse_webhook, ParseResult, idempotent=True)

WEBHOOK_ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/webhooks/{connector}/parse", PARSE_WEBHOOK,
             "Verify and translate a gateway webhook without storing or forwarding it",
             ParseRequest, ParseResult, 200, "webhooks"),
    Endpoint("GET", "/v1/admin/webhooks/events", _op(list_events, EventList),
             "Received webhook events of the key's accounts, newest first (admin)", None,
             EventList, 200, "admin", ("limit", "cursor", "connector", "account", "type")),
    Endpoint("GET", "/v1/admin/webhooks/events/{id}", _op(get_event, EventDetail),
             "One event with its deliveries and every attempt (admin)", None, EventDetail,
             200, "admin"),
    Endpoint("POST", "/v1/admin/webhooks/events/{id}/replay",
             _op(replay_event, ReplayResult, idempotent=True),
             "Deliver an event again (admin)", ReplayRequest, ReplayResult, 200, "admin"),
    Endpoint("GET", "/v1/admin/webhooks/deliveries", _op(list_deliveries, DeliveryList),
             "Deliveries of the key's accounts' events, newest first (admin)", None,
             DeliveryList, 200, "admin", ("limit", "cursor", "event_id", "endpoint", "status")),
    Endpoint("GET", "/v1/admin/webhooks/endpoints", _op(list_endpoints, EndpointList),
             "Delivery endpoints with their backlog and state (admin)", None, EndpointList,
             200, "admin"),
    Endpoint("POST", "/v1/admin/webhooks/endpoints/{id}/replay-failed",
             _op(replay_failed, ReplayResult, idempotent=True),
             "Deliver every failed delivery of an endpoint again (admin)", None, ReplayResult,
             200, "admin"),
    Endpoint("POST", "/v1/admin/webhooks/endpoints/{id}/enable",
             _op(enable_endpoint, EnableResult, idempotent=True),
             "Re-enable an endpoint disabled by a 410 answer (admin)", None, EnableResult,
             200, "admin"),
)  # fmt: skip


# ------------------------------------------------------------------------ gateways


def _receiver(rt_getter: Callable[[], Runtime]) -> Callable[[Request], Awaitable[Response]]:
    route_label = "/v1/webhooks/{connector}"

    async def receive(request: Request) -> Response:
        started = time.perf_counter()
        rid = request_id(request.headers)
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
            body = await read_body(request, rt.config.webhooks.max_body_bytes)
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
            response = error_response(err, rid)
        except Exception:
            # Never the body or headers: they are the gateway's signed payload.
            error_log.exception("unhandled error receiving a %s webhook (request %s)",
                                connector if _NAME.match(connector) else "?", rid)  # fmt: skip
            response = error_response(
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
        outcome = f"{status // 100}xx"
        metrics.REQUESTS.labels("rest", route_label, "-", "receive_webhook", outcome).inc()
        metrics.REQUEST_LATENCY.labels(route_label).observe(elapsed)
        log.info(
            "request",
            extra={"request_id": rid, "caller": "gateway", "transport": "rest",
                   "operation": "receive_webhook", "method": "POST",
                   "route": route_label, "status": status,
                   "latency_ms": round(elapsed * 1000, 2)},
        )  # fmt: skip
        return response

    return receive


def webhook_routes(
    rt_getter: Callable[[], Runtime], front_getter: Callable[[], Front]
) -> list[Route]:
    """The routes to add to the app (``/parse`` before ``/{account}``: it is more specific)."""
    receive = _receiver(rt_getter)
    routes = [
        Route(e.path, endpoint_handler(front_getter, e), methods=[e.method])
        for e in WEBHOOK_ENDPOINTS
    ]
    routes += [
        Route("/v1/webhooks/{connector}", receive, methods=["POST"]),
        Route("/v1/webhooks/{connector}/{account}", receive, methods=["POST"]),
    ]
    return routes
