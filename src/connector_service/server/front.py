"""The transport-neutral front: everything a request goes through before and after the
core service, once for REST and gRPC alike.

REST (``server/app.py``) and gRPC (``server/grpc_server.py``) only decode their wire form
into the API struct and encode the :class:`Answer` back; :meth:`Front.call` does the rest
in one order for both: request id, authentication, the idempotency key's shape,
per-request credentials (registered for log masking before anything can log them),
decoding, the idempotency record, the operation, and then the access-log line, the
request metrics and the server span, with the same fields and labels whatever the
transport (plus a ``transport`` field / label). Keeping one copy is what stops the two
from drifting: before it existed, gRPC calls were neither masked, timed per gateway nor
traced, and their metrics named no connector.

The stored answer of an idempotent request is transport-neutral: the HTTP status and the
JSON result document (or error body) REST sends. REST replays those bytes; gRPC decodes
them into the operation's response struct (or the error) and encodes them as protobuf.
So a REST request and the equal gRPC request with the same key and API key replay each
other; the fingerprint (``core/fingerprint.py``) is of the validated request, not bytes.
"""

from __future__ import annotations

import functools
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from connector_service.config import Caller, Config, hash_key
from connector_service.core import context as core_context
from connector_service.core import idempotency
from connector_service.core.context import RequestCredentials
from connector_service.core.fingerprint import fingerprint, fingerprint_key
from connector_service.core.idempotency import Replay
from connector_service.domain.api import ErrorEnvelope
from connector_service.domain.codec import DuplicateKeyError, JsonDecoder, decoder, encoder
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.secret import Secret
from connector_service.observability import context as request_context
from connector_service.observability import metrics, tracing
from connector_service.runtime import Runtime
from connector_service.server import errors, http_guard

log = logging.getLogger("connector_service.access")
error_log = logging.getLogger("connector_service.server")

ANONYMOUS = Caller(id="local", accounts=frozenset({"*"}), platform=True, admin=True)
REQUEST_ID = http_guard.REQUEST_ID  # the one rule (fullmatch); http_guard applies it first
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
NO_QUERY: Mapping[str, str] = {}


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestContext(core_context.RequestContext):
    """The core's request context (caller, request id, idempotency key, per-request
    credentials), which operations hand to the service as it is, plus what only the
    front and its operations need."""

    transport: str
    operation: str
    query: Mapping[str, str] = field(default_factory=dict)  # REST query string; gRPC: {}


Runner = Callable[[Runtime, RequestContext, Any, Mapping[str, str]], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class Operation:
    """One unified operation: what runs, whether an idempotency key applies, and the
    document it answers (gRPC decodes a stored answer into it)."""

    name: str  # e.g. create_payment: the OpenAPI operationId, the log's "operation"
    run: Runner
    idempotent: bool = False
    response: type | None = None
    status: int = 200  # the HTTP status of success


class Entry:
    """How one transport reaches one operation: the labels of its log line, metrics and
    span (children resolved once, not per request)."""

    __slots__ = ("latency", "method", "operation", "overhead", "route", "span", "transport")

    def __init__(
        self,
        transport: str,
        operation: Operation,
        route: str,
        method: str,
        span: tuple[str, Mapping[str, str]],
    ) -> None:
        self.transport = transport
        self.operation = operation
        self.route = route
        self.method = method
        self.span = span
        self.latency = metrics.REQUEST_LATENCY.labels(route)
        self.overhead = metrics.REQUEST_OVERHEAD.labels(route)


@dataclass(slots=True)
class Answer:
    """A transport-neutral outcome: a document or an error, with the HTTP status REST
    gives it (gRPC maps it to its codes)."""

    request_id: str
    status: int
    document: Any = None
    error: ServiceError | None = None
    body: bytes | None = None  # the JSON REST sends, once encoded (or as stored)
    replayed: bool = False

    def json(self) -> bytes:
        if self.body is None:
            if self.error is not None:
                self.body = errors.render(self.error, self.request_id)
            else:
                self.body = encoder.encode(self.document)
        return self.body

    @property
    def ok(self) -> bool:
        return self.status < 300

    def service_error(self) -> tuple[ServiceError, str]:
        """The error and the request id it carries (a replayed error keeps the first
        request's id, as its REST body does)."""
        if self.error is not None:
            return self.error, self.request_id
        body = _envelope.decode(self.json()).error
        err = ServiceError(
            ErrorType(body.type),
            body.code,
            body.message,
            field=body.field,
            gateway=body.gateway,
            http_status=self.status,
        )
        err.attempts = body.attempts
        return err, body.request_id

    def decoded(self, type_: type) -> Any:
        """The document, decoded from the stored JSON when replayed."""
        if self.document is None and self.body is not None:
            self.document = _decoder(type_).decode(self.body)
        return self.document


_envelope = msgspec.json.Decoder(ErrorEnvelope)


@functools.cache
def _decoder(type_: type) -> JsonDecoder[Any]:
    return decoder(type_)


@functools.lru_cache(maxsize=8)
def _fp_key(id_key: bytes) -> bytes:
    return fingerprint_key(id_key)


class _CredentialsHeader(msgspec.Struct, forbid_unknown_fields=True):
    connector: str
    credentials: dict[str, Secret]
    options: dict[str, str] = {}
    mode: str = "test"


_creds_decoder = decoder(_CredentialsHeader)


def authenticate(config: Config, authorization: str | None) -> Caller:
    """The caller of an ``Authorization: Bearer`` header (or the same gRPC metadata)."""
    if not config.callers:
        return ANONYMOUS
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ServiceError(
            ErrorType.AUTHENTICATION,
            "missing_api_key",
            "Send an API key as 'Authorization: Bearer <key>' (HTTP header or gRPC metadata).",
        )
    caller = config.callers.get(hash_key(token.strip()))
    if caller is None:
        raise ServiceError(ErrorType.AUTHENTICATION, "invalid_api_key", "The API key is not valid.")
    return caller


def request_credentials(
    config: Config, raw: str | None, caller: Caller
) -> RequestCredentials | None:
    """Per-request connector credentials (``X-Connector-Credentials``), platform keys only."""
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


def request_id(headers: Mapping[str, str]) -> str:
    """The caller's ``x-request-id`` when well-formed, else a fresh one."""
    rid = headers.get("x-request-id", "")
    return rid if REQUEST_ID.fullmatch(rid) else "req_" + secrets.token_hex(12)


Decode = Callable[[], Awaitable[Any]]


class Front:
    """Serves operations for the transports; one per process (holds no request state)."""

    def __init__(self, runtime: Callable[[], Runtime]) -> None:
        self.runtime = runtime

    async def call(
        self,
        entry: Entry,
        headers: Mapping[str, str],
        decode: Decode,
        ids: Mapping[str, str],
        query: Mapping[str, str] = NO_QUERY,
    ) -> Answer:
        """Serve one request. ``headers`` are the HTTP headers or the gRPC metadata
        (lower-case names); ``decode`` turns the wire request into the API struct (called
        once the caller is authenticated); ``ids`` are the path ids (REST) or id fields
        (gRPC). Never raises a ServiceError: it is the answer."""
        started = time.perf_counter()
        rid = request_id(headers)
        # What the request did (account, connector, flow, gateway time), filled in by the
        # executor as it runs: for the access log, the metric labels and the span.
        info, token = request_context.begin(rid)
        try:
            if tracing.tracer is None:
                return await self._serve(entry, headers, decode, ids, query, info, started)
            name, attributes = entry.span
            with tracing.server_span(name, attributes, headers) as span:
                answer = await self._serve(entry, headers, decode, ids, query, info, started)
                tracing.finish_request_span(span, info, rid, answer.status)
                return answer
        finally:
            request_context.end(token)

    async def _serve(
        self,
        entry: Entry,
        headers: Mapping[str, str],
        decode: Decode,
        ids: Mapping[str, str],
        query: Mapping[str, str],
        info: request_context.RequestInfo,
        started: float,
    ) -> Answer:
        rid = info.request_id
        op = entry.operation
        caller_id = "-"
        try:
            rt = self.runtime()
            caller = authenticate(rt.config, headers.get("authorization"))
            caller_id = info.caller = caller.id
            key = headers.get("idempotency-key")
            if key is not None and not IDEMPOTENCY_KEY.match(key):
                raise ServiceError(
                    ErrorType.INVALID_REQUEST,
                    "invalid_idempotency_key",
                    "Idempotency-Key must be 1-255 printable ASCII characters.",
                    field="Idempotency-Key",
                )
            creds = request_credentials(rt.config, headers.get("x-connector-credentials"), caller)
            if creds is not None:  # masked in every log line written for this request
                info.secrets = tuple(s.reveal() for s in creds.credentials.values())
            request = await decode()
            ctx = RequestContext(
                caller=caller, request_id=rid, idempotency_key=key, creds=creds,
                transport=entry.transport, operation=op.name, query=query,
            )  # fmt: skip
            if key is not None and op.idempotent:
                answer = await self.idempotent(rt, entry, ctx, request, ids, key)
            else:
                answer = Answer(rid, op.status, await op.run(rt, ctx, request, ids))
        except ServiceError as err:
            answer = Answer(rid, err.http_status, error=err)
        except Exception:
            error_log.exception(
                "unhandled error in %s %s (request %s)", entry.transport, entry.route, rid
            )
            internal = ServiceError(
                ErrorType.INTERNAL, "internal_error", "An internal error occurred."
            )
            answer = Answer(rid, 500, error=internal)
        self._observe(entry, info, answer, caller_id, started)
        return answer

    async def idempotent(
        self,
        rt: Runtime,
        entry: Entry,
        ctx: RequestContext,
        request: Any,
        ids: Mapping[str, str],
        key: str,
    ) -> Answer:
        """Run the operation at most once per (caller, key); answer later equal requests
        (over either transport) from the record."""
        op = entry.operation
        fp = fingerprint(_fp_key(rt.config.id_key), op.name, ids, request)
        store = rt.idempotency
        lease = idempotency.request_lease(
            rt.config.accounts,
            rt.executor.timeouts,
            getattr(request, "account", None),
            request_credentials=ctx.creds is not None,
        )
        claim = await store.claim(ctx.caller.id, key, fp, lease_seconds=lease)
        if claim.replay is not None:
            metrics.IDEMPOTENCY_REPLAYS.labels(entry.route).inc()
            resumed = await self._resume_unresolved(rt, entry, ctx, request, claim.replay)
            if resumed is not None:
                settled = getattr(resumed.document, "status", None) not in (None, "unresolved")
                if resumed.status < 300 and settled:
                    await store.finish(ctx.caller.id, key, fp, resumed.status, resumed.json())
                return resumed
            return self.replay(ctx, claim.replay)
        # A take-over (an earlier attempt's lease ran out) must not re-send anything the
        # gateway cannot deduplicate: RESUMED tells the core (see core/idempotency.py).
        token = idempotency.RESUMED.set(claim.took_over)
        try:
            answer = Answer(ctx.request_id, op.status, await op.run(rt, ctx, request, ids))
        except ServiceError as err:
            answer = Answer(ctx.request_id, err.http_status, error=err)
        finally:
            idempotency.RESUMED.reset(token)
        # Any other exception (or a cancellation) propagates and leaves the claim in flight
        # until its lease runs out: the gateway may have been called, so it is not released.
        await store.finish(ctx.caller.id, key, fp, answer.status, answer.json())
        return answer

    async def _resume_unresolved(
        self, rt: Runtime, entry: Entry, ctx: RequestContext, request: Any, stored: Replay
    ) -> Answer | None:
        """An equal retry of a create that answered ``unresolved`` is not replayed: the
        same account is asked again (same gateway idempotency key, same body) and the
        settled payment is the answer — under the same id. ``None``: replay as stored."""
        if entry.operation.name != "create_payment" or stored.status != 201:
            return None
        first = _stored_payment(stored.body)
        if first is None or first.status != "unresolved":
            return None
        try:
            payment = await rt.service.resume_payment(ctx, first.id, request)
        except ServiceError as err:
            return Answer(ctx.request_id, err.http_status, error=err)
        return Answer(ctx.request_id, 201, payment)

    def replay(self, ctx: RequestContext, stored: Replay) -> Answer:
        """What an equal request gets from a finished record: the stored answer, byte for
        byte (an ``unresolved`` payment is re-asked instead: :meth:`_resume_unresolved`)."""
        return Answer(ctx.request_id, stored.status, body=stored.body, replayed=True)

    @staticmethod
    def _observe(
        entry: Entry,
        info: request_context.RequestInfo,
        answer: Answer,
        caller_id: str,
        started: float,
    ) -> None:
        elapsed = time.perf_counter() - started
        status = answer.status
        connector, flow = info.connector or "-", info.flow or "-"
        metrics.REQUESTS.labels(
            entry.transport, entry.route, connector, flow, f"{status // 100}xx"
        ).inc()
        entry.latency.observe(elapsed)
        entry.overhead.observe(max(elapsed - info.gateway_seconds, 0.0))
        if log.isEnabledFor(logging.INFO):
            log.info(
                "request",
                extra={
                    "request_id": info.request_id,
                    "caller": caller_id,
                    "transport": entry.transport,
                    "operation": entry.operation.name,
                    "method": entry.method,
                    "route": entry.route,
                    "status": status,
                    "latency_ms": round(elapsed * 1000, 2),
                    "account": info.account or "-",
                    "connector": connector,
                    "flow": flow,
                    "gateway_calls": info.gateway_calls,
                    "gateway_ms": round(info.gateway_seconds * 1000, 2),
                    "replayed": answer.replayed,
                },
            )


class _StoredPayment(msgspec.Struct):
    id: str = ""
    status: str = ""


_stored_payment_decoder = msgspec.json.Decoder(_StoredPayment)


def _stored_payment(body: bytes) -> _StoredPayment | None:
    try:
        return _stored_payment_decoder.decode(body)
    except msgspec.DecodeError:
        return None
