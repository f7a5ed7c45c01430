"""The connector contract: request/response descriptions, metadata and the base class.

Every connector module follows the same section order (see docs/adding-a-connector.md):

1. metadata and capabilities      (``meta``)
2. auth                           (``auth_headers``)
3. request builders per flow      (``build_<flow>``)
4. response parsers per flow      (``parse_<flow>``)
5. status map                     (``STATUS_MAP`` tables)
6. error map                      (``DECLINE_MAP`` tables)
7. webhook identify/verify/parse  (``webhook_*``)
8. scrub                          (``scrub``)
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias
from urllib.parse import quote, urlsplit

import msgspec

from connector_service.domain.errors import ErrorType, GatewayDetail, ServiceError
from connector_service.domain.flows import Flow, WebhookEvent, WebhookReply
from connector_service.domain.payment_methods import PaymentMethodType
from connector_service.domain.secret import Secret

# --------------------------------------------------------------------------- HTTP descriptions


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """An HTTP request to send, as plain data. ``flow`` names the flow for metrics."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    flow: str = ""
    # True when re-sending after an ambiguous failure cannot cause a second effect
    # (GETs, or calls carrying an idempotency key the gateway honours).
    idempotent: bool = False
    timeout: float | None = None


class Headers(dict[str, str]):
    """Response headers with lower-cased names."""

    @classmethod
    def of(cls, items: Iterable[tuple[str, str]]) -> Headers:
        return cls((k.lower(), v) for k, v in items)


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float = 0.0

    def json(self) -> Any:
        try:
            return msgspec.json.decode(self.body) if self.body else {}
        except msgspec.DecodeError:
            return {}


@dataclass(frozen=True, slots=True)
class ConnectorContext:
    """Everything about *this call* a connector may use, besides the flow data."""

    account: str
    connector: str
    credentials: Mapping[str, Secret]
    options: Mapping[str, str]
    base_url: str
    test_mode: bool = True
    idempotency_key: str | None = None
    request_id: str = ""
    access_token: Secret | None = None
    public_url: str = "http://127.0.0.1:8080"

    def credential(self, name: str) -> str:
        try:
            return self.credentials[name].reveal()
        except KeyError:
            raise ServiceError(
                ErrorType.AUTHENTICATION,
                "missing_credentials",
                f"connector account {self.account!r} has no credential {name!r}",
            ) from None

    def option(self, name: str, default: str | None = None) -> str:
        value = self.options.get(name, default)
        if value is None:
            raise ServiceError(
                ErrorType.INVALID_REQUEST,
                "missing_account_option",
                f"connector account {self.account!r} needs the option {name!r}",
            )
        return value


# --------------------------------------------------------------------------- metadata


@dataclass(frozen=True, slots=True)
class CredentialField:
    name: str
    description: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class ConnectorMeta:
    name: str
    display_name: str
    base_url_test: str
    base_url_live: str
    credential_fields: tuple[CredentialField, ...]
    flows: frozenset[Flow]
    payment_methods: frozenset[PaymentMethodType]
    currencies: frozenset[str] | None = None  # None: every currency
    countries: frozenset[str] | None = None  # None: every country
    option_fields: tuple[CredentialField, ...] = ()
    idempotency: str = "none"  # how the caller's key reaches the gateway
    docs_url: str | None = None
    needs_access_token: bool = False
    # Credential names whose values must never appear in a transcript.
    secret_fields: tuple[str, ...] = ()


# --------------------------------------------------------------------------- the base class

Steps: TypeAlias = Generator[HttpRequest, HttpResponse, Any]


class Connector:
    """Base class of every connector. Subclasses set ``meta`` and implement, per declared
    flow, ``build_<flow>(ctx, data) -> HttpRequest`` and
    ``parse_<flow>(ctx, data, response) -> result``.

    A flow that needs several calls overrides ``steps_<flow>`` with a generator that yields
    requests and receives responses; the executor drives it either way.
    """

    meta: ClassVar[ConnectorMeta]

    def steps(self, flow: Flow, ctx: ConnectorContext, data: Any) -> Steps:
        custom: Callable[[ConnectorContext, Any], Steps] | None = getattr(
            self, f"steps_{flow.value}", None
        )
        inner = custom(ctx, data) if custom is not None else self._single_step(flow, ctx, data)
        return _with_path_ids_checked(inner, flow, ctx.base_url)

    def _single_step(self, flow: Flow, ctx: ConnectorContext, data: Any) -> Steps:
        build = getattr(self, f"build_{flow.value}", None)
        parse = getattr(self, f"parse_{flow.value}", None)
        if build is None or parse is None:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "flow_not_supported",
                f"{self.meta.display_name} does not support {flow.value}",
            )
        request: HttpRequest = build(ctx, data)
        response = yield request
        return parse(ctx, data, response)

    def implemented_flows(self) -> set[Flow]:
        """Flows this class implements, derived from its methods (checked against ``meta``)."""
        found: set[Flow] = set()
        for flow in Flow:
            name = flow.value
            if (hasattr(self, f"build_{name}") and hasattr(self, f"parse_{name}")) or hasattr(
                self, f"steps_{name}"
            ):
                found.add(flow)
        if Flow.AUTHORIZE in found and getattr(self, "supports_mandate_charges", False):
            found.add(Flow.CHARGE_MANDATE)
        if all(hasattr(self, m) for m in ("webhook_identify", "webhook_verify", "webhook_parse")):
            found.add(Flow.WEBHOOKS)
        return found

    # ---- webhooks: a connector declaring Flow.WEBHOOKS also implements
    #   webhook_identify(headers, body) -> WebhookIdentity       (no secrets used)
    #   webhook_verify(ctx, headers, body) -> bool | HttpRequest  (HttpRequest: verified by
    #       the gateway's API, judged by parse_verify_webhook(ctx, response) -> bool)
    #   webhook_parse(headers, body) -> list[WebhookEvent]
    # and may override webhook_reply.

    def webhook_reply(self, events: list[WebhookEvent]) -> WebhookReply:
        return WebhookReply(status=200, body=b"", content_type="text/plain")

    # ---- scrub

    def scrub(self, transcript: str) -> str:
        """Remove card data and credentials from a request/response transcript."""
        return scrub_common(transcript)


# --------------------------------------------------------------------------- shared helpers


def empty_path_id(url: str, base_url: str = "") -> bool:
    """Whether ``url``'s path has an empty segment: ``/payments/`` or
    ``/payments//captures`` — what a path built from a missing gateway id looks like.
    No gateway of ours uses empty segments or trailing slashes in its paths."""
    rest = url[len(base_url) :] if base_url and url.startswith(base_url) else urlsplit(url).path
    path = rest.split("?", 1)[0].split("#", 1)[0]
    return "//" in path or path.endswith("/")


def missing_gateway_id(flow: str) -> ServiceError:
    return ServiceError(
        ErrorType.CONFLICT,
        "missing_gateway_id",
        f"The {flow} request needs the gateway's id for this object, and it is not known (yet).",
        field="id",
    )


def require_id(value: str | None, flow: str) -> str:
    """A gateway id a request carries in its body or query (paths are checked for every
    request by ``Connector.steps``): refused when empty."""
    if not value:
        raise missing_gateway_id(flow)
    return value


def _with_path_ids_checked(inner: Steps, flow: Flow, base_url: str) -> Steps:
    """Every request a flow builds, refused before it is sent if a path id is empty: a
    request to ``GET /payments/`` is outside every gateway's spec and means the core
    lost an id, so it must fail loudly here, in one place for every connector."""
    try:
        request = next(inner)
        while True:
            if empty_path_id(request.url, base_url):
                inner.close()
                raise missing_gateway_id(flow.value)
            response = yield request
            request = inner.send(response)
    except StopIteration as done:
        return done.value


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def form_encode(data: Mapping[str, Any]) -> bytes:
    """``application/x-www-form-urlencoded`` with bracket notation for nesting, the way
    Stripe and similar APIs expect it: ``{"a": {"b": 1}, "c": [1]}`` ->
    ``a[b]=1&c[0]=1``. ``None`` values are left out; booleans become true/false."""
    pairs: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}[{k}]" if prefix else str(k), v)
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                walk(f"{prefix}[{i}]", v)
        elif isinstance(value, bool):
            pairs.append((prefix, "true" if value else "false"))
        elif isinstance(value, Secret):
            pairs.append((prefix, value.reveal()))
        else:
            pairs.append((prefix, str(value)))

    walk("", data)
    return "&".join(f"{quote(k, safe='[]')}={quote(v, safe='')}" for k, v in pairs).encode()


def json_body(data: Any) -> bytes:
    return msgspec.json.encode(data)


def drop_none(d: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``d`` without ``None`` values, recursively (gateways reject ``null``s)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if v is None:
            continue
        if isinstance(v, dict):
            v = drop_none(v)
        out[k] = v
    return out


def gateway_error(
    response: HttpResponse,
    *,
    code: str | None,
    message: str | None,
    type: ErrorType | None = None,
) -> ServiceError:
    """A :class:`ServiceError` for a gateway answer that is not a payment result.

    The unified type follows the HTTP status unless the connector knows better:
    401/403 mean *our* credentials are wrong (a configuration problem, reported as a
    connector error, never as the caller's authentication failure), 400/404/409/422 are
    the request's fault, 429 is rate limiting, 5xx is the gateway's fault.
    """
    status = response.status
    detail = GatewayDetail(code=code, message=message, http_status=status)
    if type is None:
        if status in (401, 403):
            return ServiceError(
                ErrorType.CONNECTOR,
                "gateway_authentication_failed",
                "The gateway rejected the account's credentials.",
                gateway=detail,
            )
        if status == 404:
            return ServiceError(
                ErrorType.NOT_FOUND,
                "resource_not_found",
                "The gateway has no such resource.",
                gateway=detail,
            )
        if status == 409:
            return ServiceError(
                ErrorType.CONFLICT,
                "gateway_conflict",
                message or "Conflict at the gateway.",
                gateway=detail,
            )
        if status == 429:
            return ServiceError(
                ErrorType.RATE_LIMITED,
                "gateway_rate_limited",
                "The gateway is rate limiting.",
                gateway=detail,
            )
        if 400 <= status < 500:
            return ServiceError(
                ErrorType.INVALID_REQUEST,
                "gateway_rejected_request",
                message or "The gateway rejected the request.",
                gateway=detail,
            )
        if status == 503:
            return ServiceError(
                ErrorType.CONNECTOR,
                "gateway_unavailable",
                "The gateway is unavailable.",
                gateway=detail,
                http_status=503,
            )
        return ServiceError(
            ErrorType.CONNECTOR,
            "gateway_error",
            "The gateway answered with an error.",
            gateway=detail,
        )
    return ServiceError(type, code or "gateway_error", message or "Gateway error", gateway=detail)


# --------------------------------------------------------------------------- scrubbing

_PAN = re.compile(r"(?<!\d)(\d[ -]?){12,18}\d(?!\d)")
_CVC_KEYS = re.compile(
    r'(?i)((?:\\?")?(?:cvc|cvv|cvv2|cvn|security_code|securityCode|cvc2|card_cvc|'
    r'cardSecurityCode|cvd)(?:\\?")?\s*[:=]\s*(?:\\?")?)(\d{3,4})'
)
_CVC_FORM = re.compile(r"(?i)((?:cvc|cvv|security_code)[\]]?=)(\d{3,4})")
_AUTH_HEADER = re.compile(
    r"(?im)^((?:[<>] )?(?:authorization|x-api-key|proxy-authorization)\s*:\s*)(.+)$"
)
_AUTH_TOKEN = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}")
_KEY_SHAPES = re.compile(
    r"\b(?:sk|rk|pk)_(?:live|test|sbox)_[A-Za-z0-9_-]{4,}|\bwhsec_[A-Za-z0-9+/=]{4,}"
)


def scrub_common(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask what no transcript may show: card numbers (any 13-19 digit run passing
    Luhn), CVCs under their usual keys, Authorization/API-key headers, and every literal
    secret given."""
    from connector_service.domain.payment_methods import luhn_ok

    def pan(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return "[CARD]"
        return m.group(0)

    text = _PAN.sub(pan, text)
    text = _CVC_KEYS.sub(r"\1[CVC]", text)
    text = _CVC_FORM.sub(r"\1[CVC]", text)
    text = _AUTH_HEADER.sub(r"\1[REDACTED]", text)
    text = _AUTH_TOKEN.sub(r"\1 [REDACTED]", text)
    text = _KEY_SHAPES.sub("[REDACTED]", text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[REDACTED]")
    return text
