"""HTTP-level rules every request meets before any handler runs (pure ASGI middleware).

Kept apart from the handlers so that they hold for every route — the JSON API, the
gateways' webhook URLs, ``/health``, ``/metrics``, the sandbox's pages and the 404/405
answers — whatever the handlers do:

* **One request id rule.** The first ``X-Request-Id`` is kept when it is 1-128 of
  ``A-Z a-z 0-9 . _ : -``; otherwise (missing, too long, odd characters, repeated) a fresh
  ``req_…`` replaces it *in the request*, so every handler, log line and error body sees
  the same id, and every response carries it.
* **JSON bodies are declared as JSON.** A body on the JSON API must come with
  ``Content-Type: application/json`` (or any ``…/…+json``), else 415. Browsers send
  ``text/plain`` and form bodies cross-site without a CORS preflight; insisting on JSON
  makes a cross-site page unable to submit an API call at all. Bodiless requests (a
  ``void`` with no body) need no content type. Exempt: the gateways' webhook URLs
  (gateways send what they send; the signature authenticates the body) and the sandbox's
  3-D Secure page, which is a browser form.
* **No cross-site callers in local mode.** With no API keys configured every request is
  the all-powerful local caller, so a request a browser marks as coming from a web page
  (``Origin``) is refused with 403 unless the page is on a loopback origin
  (``http(s)://127.0.0.1``, ``localhost``, ``[::1]``, any port) or the configured
  ``public_url``. With API keys, the key authenticates and a page cannot send one
  without a CORS preflight this service never grants.
* **Challenges.** A 401 says how to authenticate (``WWW-Authenticate: Bearer``).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from connector_service.config import Config
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.server import errors

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]"})
CHALLENGE = b'Bearer realm="connector-service"'

# Routes whose bodies are not the JSON API's: the gateways' receive URLs (but not the
# API-key ``/parse`` endpoint beside them) and the sandbox's browser pages.
_GATEWAY_WEBHOOK = re.compile(r"/v1/webhooks/[^/]+(?:/(?!parse/?$)[^/]+)?/?")
_SANDBOX_PAGES = "/sandbox/"


def request_id(value: str | None) -> str:
    """The caller's id when it follows the rule, else a fresh one."""
    if value is not None and REQUEST_ID.fullmatch(value):
        return value
    return new_request_id()


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def is_json_media_type(value: str) -> bool:
    """``application/json`` or a structured ``+json`` type, parameters allowed."""
    media = value.split(";", 1)[0].strip().lower()
    kind, slash, sub = media.partition("/")
    return bool(slash) and kind != "" and (sub == "json" or sub.endswith("+json"))


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased, as a browser's ``Origin`` says it."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = 443 if parts.scheme == "https" else 80
    suffix = f":{port}" if port is not None and port != default else ""
    return f"{parts.scheme}://{host.lower()}{suffix}"


def is_loopback_origin(origin: str) -> bool:
    try:
        parts = urlsplit(origin)
        _ = parts.port  # raises on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.username:
        return False
    host = (parts.hostname or "").lower()
    return (f"[{host}]" if ":" in host else host) in LOOPBACK_HOSTS


def _json_api(path: str) -> bool:
    return not (path.startswith(_SANDBOX_PAGES) or _GATEWAY_WEBHOOK.fullmatch(path))


class HttpGuard:
    """The middleware (see the module docstring); ``Middleware(HttpGuard, config=…)``."""

    def __init__(self, app: ASGIApp, config: Config) -> None:
        self.app = app
        self.local_mode = not config.callers
        public = origin_of(config.server.public_url) if config.server.public_url else None
        self.allowed_origins = frozenset({public} if public else ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        rid_values: list[bytes] = []
        origin = content_type = None
        has_body = authorization = False
        for name, value in headers:
            if name == b"x-request-id":
                rid_values.append(value)
            elif name == b"content-type":
                content_type = value
            elif name == b"content-length":
                has_body = has_body or value.strip() not in (b"0", b"")
            elif name == b"transfer-encoding":
                has_body = True
            elif name == b"origin":
                origin = value
            elif name == b"authorization":
                authorization = True
        rid = request_id(rid_values[0].decode("latin-1")) if rid_values else new_request_id()
        if len(rid_values) != 1 or rid_values[0] != rid.encode():
            # The handlers read the id from the request: make it the one rule's answer.
            scope = dict(scope)
            scope["headers"] = [h for h in headers if h[0] != b"x-request-id"]
            scope["headers"].append((b"x-request-id", rid.encode()))

        refusal = self._refusal(scope["path"], origin, content_type, has_body)
        if refusal is not None:
            await _send_error(send, refusal, rid)
            return
        rid_header = (b"x-request-id", rid.encode())
        challenge = CHALLENGE + (b', error="invalid_token"' if authorization else b"")

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", ()))
                names = {n.lower() for n, _ in out}
                if b"x-request-id" not in names:
                    out.append(rid_header)
                if message["status"] == 401 and b"www-authenticate" not in names:
                    out.append((b"www-authenticate", challenge))
                message["headers"] = out
            await send(message)

        await self.app(scope, receive, guarded_send)

    def _refusal(
        self, path: str, origin: bytes | None, content_type: bytes | None, has_body: bool
    ) -> ServiceError | None:
        if self.local_mode and origin is not None:
            text = origin.decode("latin-1").strip()
            if not (is_loopback_origin(text) or origin_of(text) in self.allowed_origins):
                return ServiceError(
                    ErrorType.PERMISSION,
                    "cross_origin_forbidden",
                    "Requests from web pages on other origins are refused: with no API keys "
                    "configured only loopback origins may call this service.",
                    field="Origin",
                )
        declared_json = content_type is not None and is_json_media_type(
            content_type.decode("latin-1")
        )
        if has_body and not declared_json and _json_api(path):
            return ServiceError(
                ErrorType.INVALID_REQUEST,
                "unsupported_media_type",
                "Send the request body as JSON with 'Content-Type: application/json'.",
                field="Content-Type",
                http_status=415,
            )
        return None


async def _send_error(send: Send, err: ServiceError, rid: str) -> None:
    body = errors.render(err, rid)
    await send(
        {
            "type": "http.response.start",
            "status": err.http_status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", rid.encode()),
                # The body was not read: do not let it be taken for the next request.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
