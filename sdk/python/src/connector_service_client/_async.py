"""The asynchronous REST client (aiohttp): requests, retries, idempotency keys, decoding.

Why aiohttp rather than httpx: it is one dependency with a small C-accelerated tree, it
is what the service itself uses (so the project tests one HTTP stack), and the blocking
client runs this same code on its own loop, so nothing needs httpx's dual sync/async API.

Retries are only made where repeating the request cannot do anything twice:

- every POST carries an ``Idempotency-Key`` (yours, or one made per call and kept for all
  its retries), so the service answers a repeat with the first answer instead of calling
  the gateway again;
- a connection that could not be opened, 429 and 503 (the service says nothing happened)
  and 409 ``idempotency_request_in_progress`` (the first try is still running) are
  retried for every request; a timeout or a connection lost after sending is retried
  only when the request is a GET or carries an Idempotency-Key;
- 500, 502 and 504 are never retried: the outcome may be unknown, and the service's
  advice is to sync the payment, not to repeat it.

Delays grow exponentially with jitter and honour ``Retry-After`` (capped).
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any, Generic, TypeVar

import aiohttp
import msgspec

from connector_service_client import models as api
from connector_service_client.errors import (
    APIConnectionError,
    APITimeoutError,
    ConnectorServiceError,
    InvalidRequestError,
    error_from_response,
)

log = logging.getLogger("connector_service_client")

T = TypeVar("T")
RETRY_STATUSES = frozenset({429, 503})
MAX_DELAY_SECONDS = 8.0

B = TypeVar("B", bound=msgspec.Struct)


class Page(msgspec.Struct, Generic[T]):
    """One page of a list. ``/v1/connectors`` answers a single page today; the client
    follows ``next_cursor`` already, so a paginated service needs no client change."""

    data: list[T]
    object: str = "list"
    has_more: bool = False
    next_cursor: str | None = None


_encoder = msgspec.json.Encoder()


def _body(type_: type[B], body: B | Mapping[str, object] | None) -> B:
    """The request struct: given as one, or built from a plain dict here, so that a wrong
    field or type is refused before anything is sent, naming the field (the card number
    of a dict is a plain ``str`` like every other field, never a wrapper)."""
    if isinstance(body, msgspec.Struct):
        if not isinstance(body, type_):
            raise InvalidRequestError(
                f"expected a {type_.__name__}, got a {type(body).__name__}",
                code="invalid_request_body",
            )
        return body
    try:
        return msgspec.convert(dict(body or {}), type_)
    except msgspec.ValidationError as exc:
        # msgspec names the path ("Expected `int`, got `str` - at `$.amount`"); no value.
        text = str(exc)
        path = text.rsplit("at `$.", 1)[1].rstrip("`") if "at `$." in text else None
        raise InvalidRequestError(
            f"invalid {type_.__name__}: {text}", code="invalid_request_body", field=path
        ) from None


_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}


def _decode(type_: type[T], body: bytes) -> T:
    dec = _decoders.get(type_)
    if dec is None:
        dec = _decoders[type_] = msgspec.json.Decoder(type_)
    try:
        result: T = dec.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        # e.g. a status this client does not know yet: a newer service. Typed, so that
        # callers handle it like any other error, and it says what did not fit.
        raise ConnectorServiceError(
            f"the service's answer does not fit {type_.__name__}: {exc}",
            code="unexpected_response",
        ) from None
    return result


class AsyncClient:
    """Typed asyncio client for the Connector Service REST API.

    The methods have the names of library mode (``ConnectorService``), so code moves
    between in-process and remote use by swapping the object. Bodies may be the API
    structs of :mod:`connector_service_client.models` or plain dicts (checked against
    those structs before sending); results are those structs.

        async with AsyncClient("http://127.0.0.1:8080", api_key="…") as cs:
            payment = await cs.create_payment({"amount": 2500, "currency": "EUR", …})
    """

    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8080",
        api_key: str | None = None,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 5.0,
        max_retries: int = 2,
        retry_backoff: float = 0.25,
        auto_idempotency_keys: bool = True,
        headers: Mapping[str, str] | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        """``timeout`` bounds one attempt (gateways can take tens of seconds);
        ``max_retries`` is the number of repeats after the first attempt."""
        self.base_url = base_url.rstrip("/")
        self._headers = {"Accept": "application/json", **(headers or {})}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._timeout = aiohttp.ClientTimeout(total=timeout, sock_connect=connect_timeout)
        self.max_retries = max_retries
        self.retry_backoff = retry_backoff
        self.auto_idempotency_keys = auto_idempotency_keys
        self._session = session
        self._owns_session = session is None

    # ------------------------------------------------------------------ lifecycle

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
            self._owns_session = True
        return self._session

    async def close(self) -> None:
        if self._session is not None and self._owns_session:
            await self._session.close()
        self._session = None

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ------------------------------------------------------------------ payments
    # Every POST takes ``idempotency_key`` (default: one made per call, kept across its
    # retries) and every call ``request_id`` (sent as X-Request-Id, echoed in errors).

    async def create_payment(
        self,
        payment: api.PaymentCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        """Authorize or purchase, or charge a mandate. A decline is a Payment with
        ``status == "failed"`` and a ``failure``, not an exception."""
        return await self._call(
            api.Payment,
            "POST",
            "/v1/payments",
            _body(api.PaymentCreate, payment),
            idempotency_key,
            request_id,
        )

    async def get_payment(self, payment_id: str, *, request_id: str | None = None) -> api.Payment:
        """Sync a payment from the gateway."""
        path = f"/v1/payments/{_id(payment_id)}"
        return await self._call(api.Payment, "GET", path, request_id=request_id)

    async def capture(
        self,
        payment_id: str,
        capture: api.CaptureCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        path = f"/v1/payments/{_id(payment_id)}/capture"
        return await self._call(
            api.Payment, "POST", path, _body(api.CaptureCreate, capture), idempotency_key,
            request_id,
        )  # fmt: skip

    async def increment(
        self,
        payment_id: str,
        increment: api.IncrementCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        """Raise an authorization: ``total_amount`` is its NEW TOTAL, not the difference.
        A refused increment is a Payment (still authorized for the old amount) whose
        ``failure`` says why, not an error."""
        path = f"/v1/payments/{_id(payment_id)}/increment"
        return await self._call(
            api.Payment, "POST", path, _body(api.IncrementCreate, increment), idempotency_key,
            request_id,
        )  # fmt: skip

    async def void(
        self,
        payment_id: str,
        void: api.VoidCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        path = f"/v1/payments/{_id(payment_id)}/void"
        return await self._call(
            api.Payment, "POST", path, _body(api.VoidCreate, void), idempotency_key, request_id
        )

    async def complete_payment(
        self,
        payment_id: str,
        complete: api.CompleteCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Payment:
        """Finish a payment after the customer's redirect (3-D Secure)."""
        path = f"/v1/payments/{_id(payment_id)}/complete"
        return await self._call(
            api.Payment, "POST", path, _body(api.CompleteCreate, complete), idempotency_key,
            request_id,
        )  # fmt: skip

    async def refund(
        self,
        payment_id: str,
        refund: api.RefundCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Refund:
        path = f"/v1/payments/{_id(payment_id)}/refunds"
        return await self._call(
            api.Refund, "POST", path, _body(api.RefundCreate, refund), idempotency_key,
            request_id,
        )  # fmt: skip

    async def get_refund(self, refund_id: str, *, request_id: str | None = None) -> api.Refund:
        path = f"/v1/refunds/{_id(refund_id)}"
        return await self._call(api.Refund, "GET", path, request_id=request_id)

    async def create_mandate(
        self,
        mandate: api.MandateCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Mandate:
        return await self._call(
            api.Mandate,
            "POST",
            "/v1/mandates",
            _body(api.MandateCreate, mandate),
            idempotency_key,
            request_id,
        )

    async def list_mandates(
        self, account: str, customer: str, *, request_id: str | None = None
    ) -> api.MandateList:
        """A customer's payment methods stored at the gateway (card summaries only), each
        with its mandate id; delete one with :meth:`revoke_mandate`."""
        return await self._call(
            api.MandateList, "GET", "/v1/mandates", request_id=request_id,
            params={"account": account, "customer": customer},
        )  # fmt: skip

    async def revoke_mandate(
        self,
        mandate_id: str,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Mandate:
        path = f"/v1/mandates/{_id(mandate_id)}/revoke"
        return await self._call(api.Mandate, "POST", path, None, idempotency_key, request_id)

    async def complete_mandate(
        self,
        mandate_id: str,
        params: api.CompleteCreate | Mapping[str, object] | None = None,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Mandate:
        """Finish a mandate set-up after the customer's redirect (3-D Secure)."""
        path = f"/v1/mandates/{_id(mandate_id)}/complete"
        return await self._call(
            api.Mandate,
            "POST",
            path,
            _body(api.CompleteCreate, params),
            idempotency_key,
            request_id,
        )

    async def preview_routing(
        self,
        payment: api.PaymentCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.RoutingDetails:
        """Which accounts a payment would be routed to, in order (charges nothing)."""
        return await self._call(
            api.RoutingDetails, "POST", "/v1/routing/preview", _body(api.PaymentCreate, payment),
            idempotency_key,
            request_id,
        )  # fmt: skip

    # ------------------------------------------------------------------ disputes

    async def get_dispute(self, dispute_id: str, *, request_id: str | None = None) -> api.Dispute:
        path = f"/v1/disputes/{_id(dispute_id)}"
        return await self._call(api.Dispute, "GET", path, request_id=request_id)

    async def list_disputes(
        self,
        account: str | None = None,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        request_id: str | None = None,
    ) -> api.DisputeList:
        """One page of an account's disputes, as the gateway lists them."""
        params = {"account": account, "limit": str(limit) if limit else None, "cursor": cursor}
        return await self._call(
            api.DisputeList, "GET", "/v1/disputes", request_id=request_id,
            params={k: v for k, v in params.items() if v is not None} or None,
        )  # fmt: skip

    async def accept_dispute(
        self,
        dispute_id: str,
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Dispute:
        path = f"/v1/disputes/{_id(dispute_id)}/accept"
        return await self._call(api.Dispute, "POST", path, None, idempotency_key, request_id)

    async def submit_dispute_evidence(
        self,
        dispute_id: str,
        evidence: api.DisputeEvidenceCreate | Mapping[str, object],
        *,
        idempotency_key: str | None = None,
        request_id: str | None = None,
    ) -> api.Dispute:
        """Evidence: text items, or files as base64 ``file`` with ``file_name`` and
        ``content_type`` (the gateway's limits are checked by the service)."""
        path = f"/v1/disputes/{_id(dispute_id)}/evidence"
        return await self._call(
            api.Dispute, "POST", path, _body(api.DisputeEvidenceCreate, evidence),
            idempotency_key, request_id,
        )  # fmt: skip

    # ------------------------------------------------------------------ connectors

    async def list_connectors(
        self, *, cursor: str | None = None, request_id: str | None = None
    ) -> Page[api.ConnectorInfo]:
        """One page of connectors with their capabilities and this key's accounts."""
        params = {"cursor": cursor} if cursor else None
        return await self._call(
            Page[api.ConnectorInfo], "GET", "/v1/connectors", request_id=request_id,
            params=params,
        )  # fmt: skip

    async def iter_connectors(self) -> AsyncIterator[api.ConnectorInfo]:
        """Every connector, following the pages."""
        cursor: str | None = None
        while True:
            page = await self.list_connectors(cursor=cursor)
            for item in page.data:
                yield item
            if not (page.has_more and page.next_cursor):
                return
            cursor = page.next_cursor

    async def connectors(self) -> list[api.ConnectorInfo]:
        """Every connector as a list (library mode's ``connectors()``)."""
        return [c async for c in self.iter_connectors()]

    # ------------------------------------------------------------------ transport

    async def _call(
        self,
        type_: type[T],
        method: str,
        path: str,
        body: msgspec.Struct | None = None,
        idempotency_key: str | None = None,
        request_id: str | None = None,
        *,
        params: Mapping[str, str] | None = None,
    ) -> T:
        headers = dict(self._headers)
        data: bytes | None = None
        if method == "POST":
            data = _encoder.encode(body) if body is not None else b"{}"
            headers["Content-Type"] = "application/json"
            if idempotency_key is None and self.auto_idempotency_keys:
                idempotency_key = f"csk_{uuid.uuid4().hex}"  # one key for every retry
            if idempotency_key is not None:
                headers["Idempotency-Key"] = idempotency_key
        if request_id is not None:
            headers["X-Request-Id"] = request_id
        repeatable = method == "GET" or idempotency_key is not None
        url = self.base_url + path
        attempt = 0
        while True:
            delay: float | None = None
            try:
                status, raw, resp_headers = await self._send(method, url, headers, data, params)
            except aiohttp.ClientConnectorError as exc:
                # The connection was never opened: nothing was sent, always safe to repeat.
                error: ConnectorServiceError = APIConnectionError(
                    f"cannot connect to {self.base_url}: {exc.os_error.strerror or exc}",
                    code="connection_failed",
                )
            except (TimeoutError, aiohttp.ServerTimeoutError):
                error = APITimeoutError(f"no answer from {self.base_url} in time", code="timeout")
                if not repeatable:
                    raise error from None
            except aiohttp.ClientError as exc:
                error = APIConnectionError(
                    f"the connection to {self.base_url} failed: {type(exc).__name__}",
                    code="connection_lost",
                )
                if not repeatable:
                    raise error from None
            else:
                if status < 300:
                    return _decode(type_, raw)
                error = error_from_response(status, raw, resp_headers)
                if not _retryable(status, error):
                    raise error
                delay = _retry_after(resp_headers)
            if attempt >= self.max_retries:
                raise error
            attempt += 1
            wait = self._backoff(attempt) if delay is None else min(delay, MAX_DELAY_SECONDS)
            log.debug("retrying %s %s (attempt %d): %s", method, path, attempt + 1, error.code)
            await asyncio.sleep(wait)

    async def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        data: bytes | None,
        params: Mapping[str, str] | None,
    ) -> tuple[int, bytes, dict[str, str]]:
        async with self._http().request(
            method, url, headers=headers, data=data, params=params, timeout=self._timeout
        ) as resp:
            raw = await resp.read()
            return resp.status, raw, {k.lower(): v for k, v in resp.headers.items()}

    def _backoff(self, attempt: int) -> float:
        base = self.retry_backoff * (2 ** (attempt - 1))
        return float(min(base * (0.5 + random.random()), MAX_DELAY_SECONDS))  # noqa: S311


def _retryable(status: int, error: ConnectorServiceError) -> bool:
    return status in RETRY_STATUSES or error.code == "idempotency_request_in_progress"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after", "")
    try:
        return max(float(value), 0.0)
    except ValueError:
        return None


def _id(value: str) -> str:
    """Ids are URL-safe base64 with a prefix; anything else is refused locally rather
    than letting a stray ``/`` or ``?`` reach another route."""
    if not value or not all(c.isalnum() or c in "_-" for c in value):
        raise InvalidRequestError(
            "not an id: ids are letters, digits, '_' and '-'", code="invalid_id", field="id"
        )
    return value
