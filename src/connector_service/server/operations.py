"""The unified operations both transports serve, as :class:`~.front.Operation` rows.

Each runner takes the validated API struct (``None`` when the operation has no body) and
the path ids, and calls the core service with the request context the front resolved.
REST's ``ENDPOINTS`` and gRPC's ``RPCS`` point at these rows, so the two cannot serve
an operation differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from connector_service.core.breaker import BreakerView
from connector_service.domain import api
from connector_service.domain.errors import invalid
from connector_service.runtime import Runtime
from connector_service.server.errors import validation_error
from connector_service.server.front import Operation, RequestContext


class BreakerList(msgspec.Struct):
    object: str
    data: list[BreakerView]


class ConnectorList(msgspec.Struct):
    """Paged like every list (``cursor`` in, ``has_more`` + ``next_cursor`` out); the
    connectors fit one page today, so it is always the last."""

    object: str
    data: list[api.ConnectorInfo]
    has_more: bool = False
    next_cursor: str | None = None


Ids = Mapping[str, str]


async def create_payment(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Payment:
    return await rt.service.create_payment(ctx, req)


async def get_payment(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Payment:
    return await rt.service.get_payment(ctx, ids["id"])


async def capture_payment(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Payment:
    return await rt.service.capture(ctx, ids["id"], req)


async def void_payment(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Payment:
    return await rt.service.void(ctx, ids["id"], req)


async def complete_payment(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Payment:
    return await rt.service.complete_payment(ctx, ids["id"], req)


async def create_refund(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Refund:
    return await rt.service.refund(ctx, ids["id"], req)


async def get_refund(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Refund:
    return await rt.service.get_refund(ctx, ids["id"])


async def create_mandate(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Mandate:
    return await rt.service.create_mandate(ctx, req)


async def complete_mandate(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Mandate:
    return await rt.service.complete_mandate(ctx, ids["id"], req)


async def increment_payment(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Payment:
    return await rt.service.increment(ctx, ids["id"], req)


async def list_mandates(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.MandateList:
    """REST reads the query string (``account``, ``customer``); gRPC sends the struct."""
    if not isinstance(req, api.MandateListQuery):
        req = mandate_list_query(ctx.query)
    return await rt.service.list_mandates(ctx, req)


def mandate_list_query(query: Mapping[str, str]) -> api.MandateListQuery:
    for name in ("account", "customer"):
        if not query.get(name):
            raise invalid("missing_field", f"the query parameter {name} is required", name)
    try:
        return msgspec.convert(dict(query), api.MandateListQuery)
    except msgspec.ValidationError as exc:
        raise validation_error(exc) from None


async def revoke_mandate(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Mandate:
    return await rt.service.revoke_mandate(ctx, ids["id"])


async def preview_routing(
    rt: Runtime, ctx: RequestContext, req: Any, ids: Ids
) -> api.RoutingDetails:
    return await rt.service.preview_routing(ctx, req)


async def list_connectors(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> ConnectorList:
    if ctx.query.get("cursor") is not None:  # no list page ever issued one
        raise invalid(
            "invalid_cursor", "cursor must be the next_cursor of this list's previous page",
            "cursor",
        )  # fmt: skip
    return ConnectorList("list", rt.service.list_connectors(ctx.caller))


async def list_breakers(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> BreakerList:
    return BreakerList("list", await rt.service.breaker_states(ctx.caller))


# ---- disputes


async def get_dispute(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Dispute:
    return await rt.service.get_dispute(ctx, ids["id"])


async def list_disputes(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.DisputeList:
    return await rt.service.list_disputes(ctx, ctx.query.get("account"), ctx.query)


async def accept_dispute(rt: Runtime, ctx: RequestContext, req: Any, ids: Ids) -> api.Dispute:
    return await rt.service.accept_dispute(ctx, ids["id"])


async def submit_dispute_evidence(
    rt: Runtime, ctx: RequestContext, req: Any, ids: Ids
) -> api.Dispute:
    return await rt.service.submit_dispute_evidence(ctx, ids["id"], req)


def _op(run: Any, response: type, *, idempotent: bool = False, status: int = 200) -> Operation:
    return Operation(run.__name__, run, idempotent, response, status)


CREATE_PAYMENT = _op(create_payment, api.Payment, idempotent=True, status=201)
GET_PAYMENT = _op(get_payment, api.Payment)
CAPTURE_PAYMENT = _op(capture_payment, api.Payment, idempotent=True)
VOID_PAYMENT = _op(void_payment, api.Payment, idempotent=True)
COMPLETE_PAYMENT = _op(complete_payment, api.Payment, idempotent=True)
CREATE_REFUND = _op(create_refund, api.Refund, idempotent=True, status=201)
GET_REFUND = _op(get_refund, api.Refund)
CREATE_MANDATE = _op(create_mandate, api.Mandate, idempotent=True, status=201)
REVOKE_MANDATE = _op(revoke_mandate, api.Mandate, idempotent=True)
COMPLETE_MANDATE = _op(complete_mandate, api.Mandate, idempotent=True)
INCREMENT_PAYMENT = _op(increment_payment, api.Payment, idempotent=True)
LIST_MANDATES = _op(list_mandates, api.MandateList)
PREVIEW_ROUTING = _op(preview_routing, api.RoutingDetails, idempotent=True)
LIST_CONNECTORS = _op(list_connectors, ConnectorList)
LIST_BREAKERS = _op(list_breakers, BreakerList)
GET_DISPUTE = _op(get_dispute, api.Dispute)
LIST_DISPUTES = _op(list_disputes, api.DisputeList)
ACCEPT_DISPUTE = _op(accept_dispute, api.Dispute, idempotent=True)
SUBMIT_DISPUTE_EVIDENCE = _op(submit_dispute_evidence, api.Dispute, idempotent=True)
