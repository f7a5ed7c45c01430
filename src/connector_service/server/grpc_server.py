"""The gRPC API (package ``connector_service.v1``): a thin layer over the same front as REST.

Every RPC is one row of :data:`RPCS`, like ``ENDPOINTS`` in ``server/app.py``, naming the
unified :class:`~connector_service.server.front.Operation` it serves (the very row REST
uses) and two conversions: the proto request into the API struct REST decodes (through
msgspec, so the validation and its error codes are the same) and the result document
into the proto answer. Nothing here knows a flow, a key or a log line: the front
(``server/front.py``) authenticates (``authorization: Bearer <key>`` metadata), applies
per-request credentials (``x-connector-credentials``, masked in every log line), honours
or makes the ``x-request-id``, runs the idempotency record shared with REST (an equal
request replays whatever its transport; ``idempotent-replayed: true`` in the response
metadata), and writes the access log, the metrics and the span, as for REST.

Errors leave with a status code per error type (the table is in
``proto/connector_service/v1/errors.proto`` and :func:`grpc_code`) and a ``google.rpc.Status``
in the ``grpc-status-details-bin`` trailer carrying the REST error body (``ErrorDetail``),
a ``google.rpc.ErrorInfo`` and, when a field is at fault, a ``google.rpc.BadRequest``.

The work of a call is shielded from cancellation: a client that gives up (deadline,
disconnect) does not abort a gateway call half-way, so its result still reaches the
idempotency record and a retry with the same key gets it, as over REST.

``connector-service serve`` runs this server inside every uvicorn worker, beside the REST
app and sharing its :class:`Runtime` (see :func:`create_app_from_env`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc
import msgspec
from google.protobuf import json_format
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from starlette.applications import Starlette

from connector_service.domain import api
from connector_service.domain.codec import dec_hook, enc_hook
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.grpc_gen.v1 import (
    common_pb2,
    connectors_pb2,
    disputes_pb2,
    errors_pb2,
    mandates_pb2,
    payments_pb2,
    refunds_pb2,
    webhooks_pb2,
)
from connector_service.runtime import Runtime
from connector_service.server import operations as ops
from connector_service.server.errors import validation_error
from connector_service.server.front import Answer, Entry, Front, Operation
from connector_service.server.grpc_codec import fill
from connector_service.server.operations import ConnectorList
from connector_service.server.webhook_routes import PARSE_WEBHOOK, ParseRequest, ParseResult
from connector_service.webhooks.events import Event

log = logging.getLogger("connector_service.access")
error_log = logging.getLogger("connector_service.server")

PACKAGE = "connector_service.v1"
ERROR_DOMAIN = "connector-service"
STATUS_DETAILS_KEY = "grpc-status-details-bin"

T = TypeVar("T")
M = TypeVar("M", bound=Message)


# ------------------------------------------------------------------------ errors

_CODE_BY_TYPE: dict[ErrorType, grpc.StatusCode] = {
    ErrorType.INVALID_REQUEST: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorType.AUTHENTICATION: grpc.StatusCode.UNAUTHENTICATED,
    ErrorType.PERMISSION: grpc.StatusCode.PERMISSION_DENIED,
    ErrorType.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    ErrorType.CONFLICT: grpc.StatusCode.FAILED_PRECONDITION,
    ErrorType.NOT_SUPPORTED: grpc.StatusCode.UNIMPLEMENTED,
    ErrorType.RATE_LIMITED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    ErrorType.CONNECTOR: grpc.StatusCode.UNKNOWN,
    ErrorType.NETWORK: grpc.StatusCode.UNKNOWN,
    ErrorType.INTERNAL: grpc.StatusCode.INTERNAL,
}
_CODE_BY_ERROR_CODE: dict[str, grpc.StatusCode] = {
    # The key belongs to another request: nothing about this one can succeed.
    "idempotency_key_reused": grpc.StatusCode.ALREADY_EXISTS,
    # The first request with the key is still running: retry with the same key.
    "idempotency_request_in_progress": grpc.StatusCode.ABORTED,
}


def grpc_code(err: ServiceError) -> grpc.StatusCode:
    """The gRPC status code of an error (errors.proto has the table).

    Gateway-side errors are told apart by the HTTP status REST would answer: 503 means
    nothing happened at the gateway (UNAVAILABLE, which gRPC clients may retry), 504
    means the outcome is unknown (DEADLINE_EXCEEDED: sync before retrying)."""
    if err.code in _CODE_BY_ERROR_CODE:
        return _CODE_BY_ERROR_CODE[err.code]
    if err.type in (ErrorType.CONNECTOR, ErrorType.NETWORK):
        if err.http_status == 503:
            return grpc.StatusCode.UNAVAILABLE
        if err.http_status == 504:
            return grpc.StatusCode.DEADLINE_EXCEEDED
        if err.http_status == 429:
            return grpc.StatusCode.RESOURCE_EXHAUSTED
    return _CODE_BY_TYPE[err.type]


def error_detail(err: ServiceError, request_id: str) -> errors_pb2.ErrorDetail:
    detail = errors_pb2.ErrorDetail(
        type=err.type.value,
        code=err.code,
        message=err.message,
        request_id=request_id,
        field=err.field or "",
        http_status=err.http_status,
    )
    if err.gateway is not None:
        _parse(msgspec.to_builtins(err.gateway), detail.gateway)
    for attempt in err.attempts or ():
        _parse(msgspec.to_builtins(attempt), detail.attempts.add())
    return detail


def rpc_status(err: ServiceError, request_id: str) -> status_pb2.Status:
    """The google.rpc.Status sent in the ``grpc-status-details-bin`` trailer."""
    info = error_details_pb2.ErrorInfo(
        reason=err.code.upper(),  # AIP-193 wants UPPER_SNAKE_CASE; metadata has the code
        domain=ERROR_DOMAIN,
        metadata={
            "code": err.code,
            "type": err.type.value,
            "request_id": request_id,
            "http_status": str(err.http_status),
            **({"field": err.field} if err.field else {}),
        },
    )
    details = [_pack(error_detail(err, request_id)), _pack(info)]
    if err.field:
        bad = error_details_pb2.BadRequest()
        bad.field_violations.add(field=err.field, description=err.message)
        details.append(_pack(bad))
    return status_pb2.Status(code=grpc_code(err).value[0], message=err.message, details=details)


def _pack(message: Message) -> AnyMessage:
    packed = AnyMessage()
    packed.Pack(message)
    return packed


# ------------------------------------------------------------------------ proto → API


def _fields(msg: Message) -> dict[str, Any]:
    """The fields set in a message, as the JSON object REST would receive (an empty
    string or zero means "not given", as proto3 has it)."""
    out: dict[str, Any] = {}
    for fd, value in msg.ListFields():
        sub = fd.message_type
        if sub is not None and sub.GetOptions().map_entry:
            value_type = sub.fields_by_name["value"].message_type
            if value_type is not None and value_type.full_name == "google.protobuf.Struct":
                # connector_options (issue 19): each block as the JSON object REST takes
                out[fd.name] = {k: _json_value(v) for k, v in value.items()}
            else:
                out[fd.name] = dict(value)
        elif sub is not None and not isinstance(value, Message):  # a repeated field
            out[fd.name] = [_fields(item) for item in value]
        elif sub is not None:
            out[fd.name] = _fields(value)
        else:
            out[fd.name] = value
    return out


def _json_value(struct: Message) -> Any:
    """A ``google.protobuf.Struct`` as plain JSON; whole numbers (Struct has only doubles)
    back to ints, so an integer option decodes as it would from REST."""

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value

    return plain(json_format.MessageToDict(struct))


def _enum_name(enum: Any, prefix: str, value: int) -> str | None:
    """``CAPTURE_METHOD_MANUAL`` → ``manual``; the zero value → None (not given)."""
    if value == 0:
        return None
    try:
        return str(enum.Name(value)).removeprefix(prefix).lower()
    except ValueError:
        return f"unknown_{value}"  # rejected by the API struct's validation like any typo


def _money_in(body: dict[str, Any]) -> None:
    money = body.pop("amount", None)
    if money is not None:
        body["amount"] = money.get("minor_units", 0)
        body["currency"] = money.get("currency", "")


def _payment_method(pm: common_pb2.PaymentMethod) -> dict[str, Any]:
    kind = pm.WhichOneof("method")
    if kind is None:
        return {}  # REST's {} → missing_field payment_method.type
    fields = _fields(getattr(pm, kind))
    if kind == "wallet":  # legacy: {wallet, token} is the method named by `wallet`
        name = str(fields.pop("wallet", ""))
        return {"type": name or "wallet", **({} if name == "paypal" else fields)}
    if kind == "redirect":  # legacy: {method} is the method of that name
        return {"type": str(fields.get("method", "")) or "redirect"}
    return {"type": kind, **fields}


def _payment_create(req: payments_pb2.CreatePaymentRequest) -> dict[str, Any]:
    body = _fields(req)
    _money_in(body)
    if req.HasField("payment_method"):
        body["payment_method"] = _payment_method(req.payment_method)
    body.pop("capture_method", None)
    capture = _enum_name(common_pb2.CaptureMethod, "CAPTURE_METHOD_", req.capture_method)
    if capture is not None:
        body["capture_method"] = capture
    return body


def _mandate_create(req: mandates_pb2.CreateMandateRequest) -> dict[str, Any]:
    body = _fields(req)
    _money_in(body)
    if "amount" in body and not body["amount"]:
        del body["amount"]  # a verification: 0 is REST's default
    if req.HasField("payment_method"):
        body["payment_method"] = _payment_method(req.payment_method)
    return body


def _convert(type_: type[T], body: dict[str, Any]) -> T:
    try:
        return msgspec.convert(body, type_, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        raise validation_error(exc) from None


def _without_id(req: Message, id_field: str = "id") -> dict[str, Any]:
    body = _fields(req)
    body.pop(id_field, None)
    return body


# ------------------------------------------------------------------------ API → proto


def _parse(data: Any, message: M) -> M:
    # Unknown fields are ignored so that a field added to the core never breaks a call;
    # tests/grpc/test_proto.py fails until the proto mirrors it.
    # grpc_codec.fill is what json_format.ParseDict did here, at a fraction of the cost.
    fill(message, data)
    return message


def _builtins(value: Any) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(value, enc_hook=enc_hook)
    data.pop("object", None)
    return data


def _money(minor: int, currency: str) -> dict[str, Any]:
    return {"minor_units": minor, "currency": currency}


def _enum(prefix: str, value: str | None) -> str | None:
    return f"{prefix}{value.upper()}" if value else None


def _failure(data: dict[str, Any]) -> None:
    failure = data.get("failure")
    if failure and failure.get("category"):
        failure["category"] = _enum("DECLINE_CATEGORY_", failure["category"])


def payment_pb(payment: api.Payment) -> payments_pb2.Payment:
    data = _builtins(payment)
    currency = data.pop("currency")
    data["amount"] = _money(data["amount"], currency)
    if "amount_captured" in data:
        data["amount_captured"] = _money(data["amount_captured"], currency)
    data["status"] = _enum("PAYMENT_STATUS_", data["status"])
    data["capture_method"] = _enum("CAPTURE_METHOD_", data["capture_method"])
    if "mandate" in data:
        data["mandate"]["status"] = _enum("MANDATE_STATUS_", data["mandate"]["status"])
    _failure(data)
    return _parse(data, payments_pb2.Payment())


def refund_pb(refund: api.Refund) -> refunds_pb2.Refund:
    data = _builtins(refund)
    data["amount"] = _money(data["amount"], data.pop("currency"))
    data["status"] = _enum("REFUND_STATUS_", data["status"])
    _failure(data)
    return _parse(data, refunds_pb2.Refund())


def mandate_pb(mandate: api.Mandate) -> mandates_pb2.Mandate:
    data = _builtins(mandate)
    data["status"] = _enum("MANDATE_STATUS_", data["status"])
    _failure(data)
    return _parse(data, mandates_pb2.Mandate())


def dispute_pb(dispute: api.Dispute) -> disputes_pb2.Dispute:
    data = _builtins(dispute)
    amount, currency = data.pop("amount", None), data.pop("currency", None)
    if amount is not None and currency:
        data["amount"] = _money(amount, currency)
    data["status"] = _enum("DISPUTE_STATUS_", data["status"])
    return _parse(data, disputes_pb2.Dispute())


def event_pb(event: Event) -> webhooks_pb2.WebhookEvent:
    out = webhooks_pb2.WebhookEvent(
        id=event.id,
        type=event.type,
        connector=event.connector,
        account=event.account,
        connector_event_id=event.connector_event_id,
        connector_event_type=event.connector_event_type,
        connector_payment_id=event.connector_payment_id or "",
        livemode=event.livemode,
    )
    out.created.FromJsonString(event.timestamp)
    if event.occurred_at:
        # A gateway timestamp that is not RFC 3339 is left out, never guessed.
        with contextlib.suppress(ValueError):
            out.occurred_at.FromJsonString(event.occurred_at)
    d = event.data
    if d.payment is not None:
        out.payment.CopyFrom(payment_pb(d.payment))
    elif d.refund is not None:
        out.refund.CopyFrom(refund_pb(d.refund))
    elif d.mandate is not None:
        out.mandate.CopyFrom(mandate_pb(d.mandate))
    elif d.dispute is not None:
        out.dispute.CopyFrom(dispute_pb(d.dispute))
    return out


def connector_pb(info: api.ConnectorInfo) -> connectors_pb2.ConnectorInfo:
    data = _builtins(info)
    for item in [data, *data.get("methods", [])]:
        for key in ("currencies", "countries"):
            if item.get(key) == "*":
                item[key] = ["*"]
    return _parse(data, connectors_pb2.ConnectorInfo())


# ------------------------------------------------------------------------ calls

ToApi = Callable[[Any], Any]  # proto request -> the API struct REST decodes (or None)
ToPb = Callable[[Any, Any], Message]  # (result document, proto request) -> proto answer


def _no_body(req: Message) -> None:
    return None


@dataclass(frozen=True)
class Rpc:
    """One RPC: the unified operation it serves and its two conversions. ``id_field`` is
    the request field holding the path id REST has in its URL (``{id}``)."""

    service: str
    method: str
    request: type[Message]
    response: type[Message]
    operation: Operation
    to_api: ToApi = _no_body
    to_pb: ToPb = lambda doc, req: doc
    id_field: str | None = None
    id_name: str = "id"  # the path parameter REST names it (``{connector}``)
    query: Callable[[Any], Mapping[str, str]] | None = None  # REST's query string

    @property
    def path(self) -> str:
        return f"/{PACKAGE}.{self.service}/{self.method}"

    @property
    def idempotent(self) -> bool:
        return self.operation.idempotent

    @property
    def handler(self) -> Any:
        return self.operation.run


def _payment_in(req: payments_pb2.CreatePaymentRequest) -> api.PaymentCreate:
    return _convert(api.PaymentCreate, _payment_create(req))


def _capture_in(req: payments_pb2.CapturePaymentRequest) -> api.CaptureCreate:
    return _convert(api.CaptureCreate, _without_id(req))


def _increment_in(req: payments_pb2.IncrementAuthorizationRequest) -> api.IncrementCreate:
    return _convert(api.IncrementCreate, _without_id(req))


def _mandates_query_in(req: mandates_pb2.ListMandatesRequest) -> api.MandateListQuery:
    body = _fields(req)
    for name in ("account", "customer"):
        if not body.get(name):
            raise ServiceError(
                ErrorType.INVALID_REQUEST, "missing_field", f"{name} is required", field=name
            )
    return _convert(api.MandateListQuery, body)


def _mandates_out(doc: api.MandateList, req: Message) -> Message:
    return mandates_pb2.ListMandatesResponse(
        mandates=[mandate_pb(m) for m in doc.data], has_more=doc.has_more
    )


def _void_in(req: payments_pb2.VoidPaymentRequest) -> api.VoidCreate:
    return _convert(api.VoidCreate, _without_id(req))


def _complete_in(req: payments_pb2.CompletePaymentRequest) -> api.CompleteCreate:
    return _convert(api.CompleteCreate, _without_id(req))


def _complete_mandate_in(req: mandates_pb2.CompleteMandateRequest) -> api.CompleteCreate:
    return _convert(api.CompleteCreate, _without_id(req))


def _preview_in(req: payments_pb2.PreviewRoutingRequest) -> api.PaymentCreate:
    return _convert(api.PaymentCreate, _payment_create(req.payment))


def _refund_in(req: refunds_pb2.CreateRefundRequest) -> api.RefundCreate:
    return _convert(api.RefundCreate, _without_id(req, "payment_id"))


def _mandate_in(req: mandates_pb2.CreateMandateRequest) -> api.MandateCreate:
    return _convert(api.MandateCreate, _mandate_create(req))


def _payment_out(doc: api.Payment, req: Message) -> Message:
    return payment_pb(doc)


def _refund_out(doc: api.Refund, req: Message) -> Message:
    return refund_pb(doc)


def _mandate_out(doc: api.Mandate, req: Message) -> Message:
    return mandate_pb(doc)


def _routing_out(doc: api.RoutingDetails, req: Message) -> Message:
    return _parse(_builtins(doc), common_pb2.RoutingDetails())


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def _page_offset(token: str) -> int:
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        kind, _, number = raw.partition(":")
        if kind == "o" and number.isdigit():
            return int(number)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise ServiceError(
        ErrorType.INVALID_REQUEST,
        "invalid_page_token",
        "page_token is not a next_page_token of this list.",
        field="page_token",
    )


def _connectors_in(req: connectors_pb2.ListConnectorsRequest) -> None:
    if req.page_size < 0:
        raise ServiceError(
            ErrorType.INVALID_REQUEST, "invalid_page_size", "page_size must be >= 0.",
            field="page_size",
        )  # fmt: skip
    _page_offset(req.page_token)


def _connectors_out(doc: ConnectorList, req: connectors_pb2.ListConnectorsRequest) -> Message:
    items = doc.data
    start = _page_offset(req.page_token)
    end = start + req.page_size if req.page_size else len(items)
    out = connectors_pb2.ListConnectorsResponse(
        connectors=[connector_pb(i) for i in items[start:end]]
    )
    if end < len(items):
        out.next_page_token = _page_token(end)
    return out


def _evidence_in(req: disputes_pb2.SubmitDisputeEvidenceRequest) -> api.DisputeEvidenceCreate:
    body = _without_id(req)
    body["submit"] = req.submit  # proto3: false (stage) is also "not given"
    return _convert(api.DisputeEvidenceCreate, body)


def _dispute_out(doc: api.Dispute, req: Message) -> Message:
    return dispute_pb(doc)


def _list_disputes_query(req: disputes_pb2.ListDisputesRequest) -> dict[str, str]:
    """REST's query string (a negative page_size fails REST's limit check)."""
    query = {"limit": str(req.page_size)} if req.page_size else {}
    if req.account:
        query["account"] = req.account
    if req.page_token:
        query["cursor"] = req.page_token
    return query


def _disputes_out(doc: api.DisputeList, req: Message) -> Message:
    return disputes_pb2.ListDisputesResponse(
        disputes=[dispute_pb(d) for d in doc.data], next_page_token=doc.next_cursor or ""
    )


def _parse_webhook_in(req: webhooks_pb2.ParseWebhookRequest) -> ParseRequest:
    return ParseRequest(
        headers={k.lower(): v for k, v in req.headers.items()},
        body_base64=base64.b64encode(req.body).decode(),
        account=req.account or None,
    )


def _parse_webhook_out(doc: ParseResult, req: Message) -> Message:
    if not doc.data:
        return webhooks_pb2.WebhookEvent(connector=doc.connector, account=doc.account)
    first = event_pb(doc.data[0])
    first.more_events.extend(event_pb(e) for e in doc.data[1:])
    return first


P, R, MD, D = "PaymentService", "RefundService", "MandateService", "DisputeService"

RPCS: tuple[Rpc, ...] = (
    Rpc(P, "CreatePayment", payments_pb2.CreatePaymentRequest, payments_pb2.Payment,
        ops.CREATE_PAYMENT, _payment_in, _payment_out),
    Rpc(P, "GetPayment", payments_pb2.GetPaymentRequest, payments_pb2.Payment,
        ops.GET_PAYMENT, _no_body, _payment_out, "id"),
    Rpc(P, "CapturePayment", payments_pb2.CapturePaymentRequest, payments_pb2.Payment,
        ops.CAPTURE_PAYMENT, _capture_in, _payment_out, "id"),
    Rpc(P, "VoidPayment", payments_pb2.VoidPaymentRequest, payments_pb2.Payment,
        ops.VOID_PAYMENT, _void_in, _payment_out, "id"),
    Rpc(P, "CompletePayment", payments_pb2.CompletePaymentRequest, payments_pb2.Payment,
        ops.COMPLETE_PAYMENT, _complete_in, _payment_out, "id"),
    Rpc(P, "PreviewRouting", payments_pb2.PreviewRoutingRequest, common_pb2.RoutingDetails,
        ops.PREVIEW_ROUTING, _preview_in, _routing_out),
    Rpc(P, "IncrementAuthorization", payments_pb2.IncrementAuthorizationRequest,
        payments_pb2.Payment, ops.INCREMENT_PAYMENT, _increment_in, _payment_out, "id"),
    Rpc(R, "CreateRefund", refunds_pb2.CreateRefundRequest, refunds_pb2.Refund,
        ops.CREATE_REFUND, _refund_in, _refund_out, "payment_id"),
    Rpc(R, "GetRefund", refunds_pb2.GetRefundRequest, refunds_pb2.Refund, ops.GET_REFUND,
        _no_body, _refund_out, "id"),
    Rpc(MD, "CreateMandate", mandates_pb2.CreateMandateRequest, mandates_pb2.Mandate,
        ops.CREATE_MANDATE, _mandate_in, _mandate_out),
    Rpc(MD, "RevokeMandate", mandates_pb2.RevokeMandateRequest, mandates_pb2.Mandate,
        ops.REVOKE_MANDATE, _no_body, _mandate_out, "id"),
    Rpc(MD, "CompleteMandate", mandates_pb2.CompleteMandateRequest, mandates_pb2.Mandate,
        ops.COMPLETE_MANDATE, _complete_mandate_in, _mandate_out, "id"),
    Rpc(MD, "ListMandates", mandates_pb2.ListMandatesRequest, mandates_pb2.ListMandatesResponse,
        ops.LIST_MANDATES, _mandates_query_in, _mandates_out),
    Rpc(D, "GetDispute", disputes_pb2.GetDisputeRequest, disputes_pb2.Dispute,
        ops.GET_DISPUTE, _no_body, _dispute_out, "id"),
    Rpc(D, "AcceptDispute", disputes_pb2.AcceptDisputeRequest, disputes_pb2.Dispute,
        ops.ACCEPT_DISPUTE, _no_body, _dispute_out, "id"),
    Rpc(D, "SubmitDisputeEvidence", disputes_pb2.SubmitDisputeEvidenceRequest,
        disputes_pb2.Dispute, ops.SUBMIT_DISPUTE_EVIDENCE, _evidence_in, _dispute_out, "id"),
    Rpc(D, "ListDisputes", disputes_pb2.ListDisputesRequest, disputes_pb2.ListDisputesResponse,
        ops.LIST_DISPUTES, _no_body, _disputes_out, query=_list_disputes_query),
    Rpc("WebhookService", "ParseWebhook", webhooks_pb2.ParseWebhookRequest,
        webhooks_pb2.WebhookEvent, PARSE_WEBHOOK, _parse_webhook_in, _parse_webhook_out,
        "connector", "connector"),
    Rpc("ConnectorService", "ListConnectors", connectors_pb2.ListConnectorsRequest,
        connectors_pb2.ListConnectorsResponse, ops.LIST_CONNECTORS, _connectors_in,
        _connectors_out),
)  # fmt: skip


FILES = (payments_pb2, refunds_pb2, mandates_pb2, disputes_pb2, webhooks_pb2, connectors_pb2)
SERVICE_NAMES: tuple[str, ...] = tuple(
    svc.full_name for module in FILES for svc in module.DESCRIPTOR.services_by_name.values()
)


# ------------------------------------------------------------------------ plumbing


def _metadata(context: grpc.aio.ServicerContext[Any, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        if isinstance(value, str):
            out[key.lower()] = value
    return out


def _entry(rpc: Rpc) -> Entry:
    service = f"{PACKAGE}.{rpc.service}"
    attributes = {"rpc.system": "grpc", "rpc.service": service, "rpc.method": rpc.method}
    return Entry("grpc", rpc.operation, rpc.path, "GRPC", (f"{service}/{rpc.method}", attributes))


class GrpcApi:
    """The generic handlers of every RPC in :data:`RPCS`, bound to one runtime: decode the
    proto into the API struct, let the front serve it, encode its answer."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.front = Front(lambda: runtime)
        self._background: set[asyncio.Task[Answer]] = set()

    def handlers(self) -> list[grpc.GenericRpcHandler]:
        by_service: dict[str, dict[str, grpc.RpcMethodHandler[Any, Any]]] = {}
        for rpc in RPCS:
            by_service.setdefault(f"{PACKAGE}.{rpc.service}", {})[rpc.method] = (
                grpc.unary_unary_rpc_method_handler(
                    self._behaviour(rpc),
                    request_deserializer=rpc.request.FromString,
                    response_serializer=rpc.response.SerializeToString,
                )
            )
        return [grpc.method_handlers_generic_handler(s, m) for s, m in by_service.items()]

    async def drain(self, grace: float) -> None:
        """Wait (up to ``grace`` seconds) for calls whose clients went away to finish."""
        if self._background:
            await asyncio.wait(self._background, timeout=grace)

    def _behaviour(
        self, rpc: Rpc
    ) -> Callable[[Message, grpc.aio.ServicerContext[Any, Any]], Awaitable[Message]]:
        entry = _entry(rpc)

        async def behaviour(request: Message, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            md = _metadata(context)
            ids = {rpc.id_name: getattr(request, rpc.id_field)} if rpc.id_field else {}

            async def decode() -> Any:
                return rpc.to_api(request)

            # Shielded: a client that cancels does not cut a gateway call in half, and the
            # front still writes its log line and metrics.
            query = rpc.query(request) if rpc.query is not None else {}
            task = asyncio.ensure_future(self.front.call(entry, md, decode, ids, query))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            answer = await asyncio.shield(task)
            initial = [("x-request-id", answer.request_id)]
            if answer.replayed:
                initial.append(("idempotent-replayed", "true"))
            await context.send_initial_metadata(initial)
            if answer.ok:
                try:
                    return rpc.to_pb(answer.decoded(rpc.operation.response or dict), request)
                except Exception:
                    error_log.exception(
                        "cannot encode the answer of %s (request %s)", rpc.path, answer.request_id
                    )
                    answer = Answer(
                        answer.request_id,
                        500,
                        error=ServiceError(
                            ErrorType.INTERNAL, "internal_error", "An internal error occurred."
                        ),
                    )
            err, rid = answer.service_error()
            status = rpc_status(err, rid)
            await context.abort(
                grpc.StatusCode(_STATUS_CODES[status.code]),
                status.message,
                ((STATUS_DETAILS_KEY, status.SerializeToString()),),
            )

        return behaviour


_STATUS_CODES: dict[int, tuple[int, str]] = {code.value[0]: code.value for code in grpc.StatusCode}


# ------------------------------------------------------------------------ the server


class GrpcServer:
    """A started grpc.aio server: the API, the standard health service and reflection."""

    def __init__(
        self, server: grpc.aio.Server, api_: GrpcApi, health_: health.aio.HealthServicer, port: int
    ) -> None:
        self.server = server
        self.api = api_
        self.health = health_
        self.port = port

    @classmethod
    async def start(
        cls,
        runtime: Runtime,
        *,
        host: str | None = None,
        port: int | None = None,
        reflection_enabled: bool | None = None,
    ) -> GrpcServer:
        config = runtime.config
        host = host or config.server.host
        port = config.grpc.port if port is None else port
        if reflection_enabled is None:
            reflection_enabled = config.grpc.reflection
        server = grpc.aio.server(
            options=[
                # The REST body limit; protobuf is more compact than JSON, so never tighter.
                ("grpc.max_receive_message_length", config.server.max_body_bytes),
                # Every uvicorn worker binds the same port; the kernel spreads connections.
                ("grpc.so_reuseport", 1),
            ]
        )
        api_ = GrpcApi(runtime)
        server.add_generic_rpc_handlers(api_.handlers())
        health_servicer = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
        if reflection_enabled:
            names = (*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME)
            reflection.enable_server_reflection(names, server)
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        bound = server.add_insecure_port(address)
        await server.start()
        for name in ("", *SERVICE_NAMES):
            await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
        return cls(server, api_, health_servicer, bound)

    async def stop(self, grace: float = 5.0) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        await self.api.drain(grace)


def attach_grpc(app: Starlette, runtime: Runtime) -> None:
    """Run the gRPC server for the lifetime of ``app``: started after the runtime (inside
    the REST lifespan), stopped before it, so in-flight calls still have their storage."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Starlette) -> AsyncIterator[Any]:
        async with inner(a) as state:
            server = await GrpcServer.start(runtime)
            error_log.info("gRPC listening on %s:%d", runtime.config.server.host, server.port)
            try:
                yield state
            finally:
                await server.stop()

    app.router.lifespan_context = lifespan


def create_app_from_env() -> Starlette:
    """uvicorn factory of ``connector-service serve``: the REST app of
    ``server.app.create_app_from_env`` plus, when enabled, the gRPC server on the same
    runtime in the same worker (one storage, executor pool and idempotency store)."""
    from connector_service.config import load_config
    from connector_service.observability.logging import configure_logging
    from connector_service.server.app import create_app

    config = load_config()
    configure_logging(config.server.log_level)
    runtime = Runtime(config)
    app = create_app(config, runtime)
    if config.grpc.enabled:
        attach_grpc(app, runtime)
    return app
