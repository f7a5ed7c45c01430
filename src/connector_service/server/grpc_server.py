"""The gRPC API (package ``connector_service.v1``): a thin layer over the same core as REST.

Every RPC is one row of :data:`RPCS`, like ``ENDPOINTS`` in ``server/app.py``. A handler
turns the proto request into the very API struct REST decodes (through msgspec, so the
validation and its error codes are the same), calls the same ``PaymentService`` method,
and turns the API struct it gets back into the proto answer. Nothing here knows a flow.

Shared with REST, so the two never disagree:

- callers authenticate with the same API keys (``authorization: Bearer <key>`` metadata)
  and per-request credentials (``x-connector-credentials``) under the same rules;
- ``idempotency-key`` metadata goes through the same idempotency store with the same
  semantics as ``_idempotent`` in ``server/app.py``: one gateway call per (caller, key),
  the stored answer replayed (``idempotent-replayed: true`` in the response metadata), a
  different request with the same key is a conflict, 429/503 outcomes release the key;
- ``x-request-id`` metadata is honoured (or one is made) and sent back;
- the access log line and the request metrics.

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
import logging
import re
import secrets
import time
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

from connector_service.config import Caller, Config, hash_key
from connector_service.core import idempotency
from connector_service.core.runtime import Runtime
from connector_service.core.service import RequestCredentials
from connector_service.domain import api
from connector_service.domain.codec import dec_hook, decoder, enc_hook
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.secret import Secret
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
from connector_service.observability import metrics
from connector_service.server.app import ANONYMOUS
from connector_service.server.errors import validation_error

log = logging.getLogger("connector_service.access")
error_log = logging.getLogger("connector_service.server")

PACKAGE = "connector_service.v1"
ERROR_DOMAIN = "connector-service"
STATUS_DETAILS_KEY = "grpc-status-details-bin"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")

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


def not_implemented(what: str) -> ServiceError:
    return ServiceError(
        ErrorType.NOT_SUPPORTED,
        "not_implemented",
        f"{what} not implemented by this service yet; the RPC is declared so clients can be "
        "generated against the final shape.",
        http_status=501,
    )


# ------------------------------------------------------------------------ proto → API


def _fields(msg: Message) -> dict[str, Any]:
    """The fields set in a message, as the JSON object REST would receive (an empty
    string or zero means "not given", as proto3 has it)."""
    out: dict[str, Any] = {}
    for fd, value in msg.ListFields():
        sub = fd.message_type
        if sub is not None and sub.GetOptions().map_entry:
            out[fd.name] = dict(value)
        elif sub is not None:
            out[fd.name] = _fields(value)
        else:
            out[fd.name] = value
    return out


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
    return {"type": kind, **_fields(getattr(pm, kind))}


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
    json_format.ParseDict(data, message, ignore_unknown_fields=True)
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


def connector_pb(info: api.ConnectorInfo) -> connectors_pb2.ConnectorInfo:
    data = _builtins(info)
    for key in ("currencies", "countries"):
        if data.get(key) == "*":
            data[key] = ["*"]
    return _parse(data, connectors_pb2.ConnectorInfo())


# ------------------------------------------------------------------------ calls


@dataclass
class GrpcCall:
    """What a handler needs about the call, resolved once (REST's ``Call``)."""

    caller: Caller
    request_id: str
    idempotency_key: str | None
    creds: RequestCredentials | None


Handler = Callable[[Runtime, GrpcCall, Any], Awaitable[Message]]


@dataclass(frozen=True)
class Rpc:
    service: str
    method: str
    request: type[Message]
    response: type[Message]
    handler: Handler
    # The REST twin is a POST: an idempotency-key applies, exactly as there.
    idempotent: bool = False

    @property
    def path(self) -> str:
        return f"/{PACKAGE}.{self.service}/{self.method}"


async def create_payment(
    rt: Runtime, call: GrpcCall, req: payments_pb2.CreatePaymentRequest
) -> Message:
    body = _convert(api.PaymentCreate, _payment_create(req))
    return payment_pb(
        await rt.service.create_payment(
            call.caller,
            body,
            idempotency_key=call.idempotency_key,
            request_id=call.request_id,
            creds=call.creds,
        )
    )


async def get_payment(rt: Runtime, call: GrpcCall, req: payments_pb2.GetPaymentRequest) -> Message:
    return payment_pb(
        await rt.service.get_payment(
            call.caller, req.id, request_id=call.request_id, creds=call.creds
        )
    )


async def capture_payment(
    rt: Runtime, call: GrpcCall, req: payments_pb2.CapturePaymentRequest
) -> Message:
    body = _convert(api.CaptureCreate, _without_id(req))
    return payment_pb(
        await rt.service.capture(
            call.caller,
            req.id,
            body,
            idempotency_key=call.idempotency_key,
            request_id=call.request_id,
            creds=call.creds,
        )
    )


async def void_payment(
    rt: Runtime, call: GrpcCall, req: payments_pb2.VoidPaymentRequest
) -> Message:
    body = _convert(api.VoidCreate, _without_id(req))
    return payment_pb(
        await rt.service.void(
            call.caller,
            req.id,
            body,
            idempotency_key=call.idempotency_key,
            request_id=call.request_id,
            creds=call.creds,
        )
    )


async def complete_payment(
    rt: Runtime, call: GrpcCall, req: payments_pb2.CompletePaymentRequest
) -> Message:
    body = _convert(api.CompleteCreate, _without_id(req))
    return payment_pb(
        await rt.service.complete_payment(
            call.caller,
            req.id,
            body,
            idempotency_key=call.idempotency_key,
            request_id=call.request_id,
            creds=call.creds,
        )
    )


async def preview_routing(
    rt: Runtime, call: GrpcCall, req: payments_pb2.PreviewRoutingRequest
) -> Message:
    body = _convert(api.PaymentCreate, _payment_create(req.payment))
    details = await rt.service.preview_routing(
        call.caller, body, idempotency_key=call.idempotency_key
    )
    return _parse(_builtins(details), common_pb2.RoutingDetails())


async def create_refund(
    rt: Runtime, call: GrpcCall, req: refunds_pb2.CreateRefundRequest
) -> Message:
    body = _convert(api.RefundCreate, _without_id(req, "payment_id"))
    return refund_pb(
        await rt.service.refund(
            call.caller,
            req.payment_id,
            body,
            idempotency_key=call.idempotency_key,
            request_id=call.request_id,
            creds=call.creds,
        )
    )


async def get_refund(rt: Runtime, call: GrpcCall, req: refunds_pb2.GetRefundRequest) -> Message:
    return refund_pb(
        await rt.service.get_refund(
            call.caller, req.id, request_id=call.request_id, creds=call.creds
        )
    )


async def create_mandate(
    rt: Runtime, call: GrpcCall, req: mandates_pb2.CreateMandateRequest
) -> Message:
    body = _convert(api.MandateCreate, _mandate_create(req))
    return mandate_pb(
        await rt.service.create_mandate(
            call.caller,
            body,
            idempotency_key=call.idempotency_key,
            request_id=call.request_id,
            creds=call.creds,
        )
    )


async def revoke_mandate(
    rt: Runtime, call: GrpcCall, req: mandates_pb2.RevokeMandateRequest
) -> Message:
    return mandate_pb(
        await rt.service.revoke_mandate(
            call.caller,
            req.id,
            idempotency_key=call.idempotency_key,
            request_id=call.request_id,
            creds=call.creds,
        )
    )


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


async def list_connectors(
    rt: Runtime, call: GrpcCall, req: connectors_pb2.ListConnectorsRequest
) -> Message:
    if req.page_size < 0:
        raise ServiceError(
            ErrorType.INVALID_REQUEST, "invalid_page_size", "page_size must be >= 0.",
            field="page_size",
        )  # fmt: skip
    items = rt.service.list_connectors(call.caller)
    start = _page_offset(req.page_token)
    end = start + req.page_size if req.page_size else len(items)
    out = connectors_pb2.ListConnectorsResponse(
        connectors=[connector_pb(i) for i in items[start:end]]
    )
    if end < len(items):
        out.next_page_token = _page_token(end)
    return out


async def _disputes(rt: Runtime, call: GrpcCall, req: Message) -> Message:
    raise not_implemented("Disputes are")


async def _parse_webhook(rt: Runtime, call: GrpcCall, req: Message) -> Message:
    raise not_implemented("Parsing webhooks over gRPC is")


P, R, MD = "PaymentService", "RefundService", "MandateService"

RPCS: tuple[Rpc, ...] = (
    Rpc(P, "CreatePayment", payments_pb2.CreatePaymentRequest, payments_pb2.Payment,
        create_payment, idempotent=True),
    Rpc(P, "GetPayment", payments_pb2.GetPaymentRequest, payments_pb2.Payment, get_payment),
    Rpc(P, "CapturePayment", payments_pb2.CapturePaymentRequest, payments_pb2.Payment,
        capture_payment, idempotent=True),
    Rpc(P, "VoidPayment", payments_pb2.VoidPaymentRequest, payments_pb2.Payment, void_payment,
        idempotent=True),
    Rpc(P, "CompletePayment", payments_pb2.CompletePaymentRequest, payments_pb2.Payment,
        complete_payment, idempotent=True),
    Rpc(P, "PreviewRouting", payments_pb2.PreviewRoutingRequest, common_pb2.RoutingDetails,
        preview_routing, idempotent=True),
    Rpc(R, "CreateRefund", refunds_pb2.CreateRefundRequest, refunds_pb2.Refund, create_refund,
        idempotent=True),
    Rpc(R, "GetRefund", refunds_pb2.GetRefundRequest, refunds_pb2.Refund, get_refund),
    Rpc(MD, "CreateMandate", mandates_pb2.CreateMandateRequest, mandates_pb2.Mandate,
        create_mandate, idempotent=True),
    Rpc(MD, "RevokeMandate", mandates_pb2.RevokeMandateRequest, mandates_pb2.Mandate,
        revoke_mandate, idempotent=True),
    Rpc("DisputeService", "GetDispute", disputes_pb2.GetDisputeRequest, disputes_pb2.Dispute,
        _disputes),
    Rpc("DisputeService", "AcceptDispute", disputes_pb2.AcceptDisputeRequest,
        disputes_pb2.Dispute, _disputes, idempotent=True),
    Rpc("DisputeService", "SubmitDisputeEvidence", disputes_pb2.SubmitDisputeEvidenceRequest,
        disputes_pb2.Dispute, _disputes, idempotent=True),
    Rpc("WebhookService", "ParseWebhook", webhooks_pb2.ParseWebhookRequest,
        webhooks_pb2.WebhookEvent, _parse_webhook),
    Rpc("ConnectorService", "ListConnectors", connectors_pb2.ListConnectorsRequest,
        connectors_pb2.ListConnectorsResponse, list_connectors),
)  # fmt: skip

FILES = (payments_pb2, refunds_pb2, mandates_pb2, disputes_pb2, webhooks_pb2, connectors_pb2)
SERVICE_NAMES: tuple[str, ...] = tuple(
    svc.full_name for module in FILES for svc in module.DESCRIPTOR.services_by_name.values()
)


# ------------------------------------------------------------------------ plumbing


class _CredentialsHeader(msgspec.Struct, forbid_unknown_fields=True):
    connector: str
    credentials: dict[str, Secret]
    options: dict[str, str] = {}
    mode: str = "test"


_creds_decoder = decoder(_CredentialsHeader)  # refuses duplicate keys


def authenticate(config: Config, authorization: str | None) -> Caller:
    """REST's ``_authenticate``, reading the ``authorization`` metadata."""
    if not config.callers:
        return ANONYMOUS
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ServiceError(
            ErrorType.AUTHENTICATION,
            "missing_api_key",
            "Send an API key as 'authorization: Bearer <key>' metadata.",
        )
    caller = config.callers.get(hash_key(token.strip()))
    if caller is None:
        raise ServiceError(ErrorType.AUTHENTICATION, "invalid_api_key", "The API key is not valid.")
    return caller


def request_credentials(
    config: Config, raw: str | None, caller: Caller
) -> RequestCredentials | None:
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
    except (msgspec.ValidationError, msgspec.DecodeError):
        # The message would quote the metadata, which holds secrets: keep it generic.
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_credentials_header",
            "x-connector-credentials must be JSON: "
            '{"connector": …, "credentials": {…}, "options": {…}}',
            field="X-Connector-Credentials",
        ) from None
    return RequestCredentials(parsed.connector, parsed.credentials, parsed.options, parsed.mode)


def _metadata(context: grpc.aio.ServicerContext[Any, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        if isinstance(value, str):
            out[key.lower()] = value
    return out


@dataclass
class _Outcome:
    response: Message | None = None
    status: status_pb2.Status | None = None
    replayed: bool = False
    http_status: int = 200  # REST's status for the same outcome: metrics and the log


class GrpcApi:
    """The generic handlers of every RPC in :data:`RPCS`, bound to one runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._background: set[asyncio.Task[_Outcome]] = set()

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
        flow = rpc.handler.__name__.lstrip("_")

        async def behaviour(request: Message, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            started = time.perf_counter()
            md = _metadata(context)
            rid = md.get("x-request-id", "")
            if not _REQUEST_ID.match(rid):
                rid = "req_" + secrets.token_hex(12)
            caller_id = "-"
            try:
                caller = authenticate(self.runtime.config, md.get("authorization"))
                caller_id = caller.id
                # Shielded: a client that cancels does not cut a gateway call in half.
                task = asyncio.ensure_future(self._serve(rpc, request, md, caller, rid))
                self._background.add(task)
                task.add_done_callback(self._background.discard)
                outcome = await asyncio.shield(task)
            except ServiceError as err:
                outcome = _Outcome(status=rpc_status(err, rid), http_status=err.http_status)
            initial = [("x-request-id", rid)]
            if outcome.replayed:
                initial.append(("idempotent-replayed", "true"))
            await context.send_initial_metadata(initial)
            elapsed = time.perf_counter() - started
            metrics.REQUESTS.labels(rpc.path, "-", flow, f"{outcome.http_status // 100}xx").inc()
            metrics.REQUEST_LATENCY.labels(rpc.path).observe(elapsed)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    extra={
                        "request_id": rid,
                        "caller": caller_id,
                        "method": "GRPC",
                        "route": rpc.path,
                        "status": outcome.http_status,
                        "latency_ms": round(elapsed * 1000, 2),
                    },
                )
            if outcome.status is not None:
                await context.abort(
                    grpc.StatusCode(_STATUS_CODES[outcome.status.code]),
                    outcome.status.message,
                    ((STATUS_DETAILS_KEY, outcome.status.SerializeToString()),),
                )
            return outcome.response

        return behaviour

    async def _serve(
        self, rpc: Rpc, request: Message, md: Mapping[str, str], caller: Caller, rid: str
    ) -> _Outcome:
        try:
            key = md.get("idempotency-key")
            if key is not None and not _IDEMPOTENCY_KEY.match(key):
                raise ServiceError(
                    ErrorType.INVALID_REQUEST,
                    "invalid_idempotency_key",
                    "idempotency-key must be 1-255 printable ASCII characters.",
                    field="Idempotency-Key",
                )
            creds = request_credentials(
                self.runtime.config, md.get("x-connector-credentials"), caller
            )
            call = GrpcCall(caller, rid, key, creds)
            if key is not None and rpc.idempotent:
                return await self._idempotent(rpc, call, request, key)
            return _Outcome(response=await rpc.handler(self.runtime, call, request))
        except ServiceError as err:
            return _Outcome(status=rpc_status(err, rid), http_status=err.http_status)
        except Exception:
            error_log.exception("unhandled error in %s (request %s)", rpc.path, rid)
            internal = ServiceError(
                ErrorType.INTERNAL, "internal_error", "An internal error occurred."
            )
            return _Outcome(status=rpc_status(internal, rid), http_status=500)

    async def _idempotent(self, rpc: Rpc, call: GrpcCall, request: Message, key: str) -> _Outcome:
        """``_idempotent`` of ``server/app.py`` for gRPC: run at most once per (caller,
        key), replay the stored answer afterwards. The record is shared with REST (same
        scope and key), the fingerprint names the RPC, so a key used for a REST request
        and then for a gRPC one is a conflict, as two different requests should be."""
        body = request.SerializeToString(deterministic=True)
        fp = idempotency.fingerprint("POST", rpc.path, body)
        store = self.runtime.idempotency
        replay = await store.begin(call.caller.id, key, fp)
        if replay is not None:
            if replay.status < 300:
                return _Outcome(response=rpc.response.FromString(replay.body), replayed=True)
            stored = status_pb2.Status.FromString(replay.body)
            return _Outcome(status=stored, replayed=True, http_status=replay.status)
        try:
            response = await rpc.handler(self.runtime, call, request)
            outcome = _Outcome(response=response)
            stored_body = response.SerializeToString()
        except ServiceError as err:
            status = rpc_status(err, call.request_id)
            outcome = _Outcome(status=status, http_status=err.http_status)
            stored_body = status.SerializeToString()
        # Any other exception (or a cancellation) propagates and leaves the claim in flight
        # until its lease runs out: the gateway may have been called, so it is not released.
        await store.finish(call.caller.id, key, fp, outcome.http_status, stored_body)
        return outcome


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
