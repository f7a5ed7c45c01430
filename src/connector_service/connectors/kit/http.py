"""What a connector reads and returns per call: request/response descriptions and the
call's context. Plain data, no I/O: the executor does the sending."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from connector_service.domain.errors import ErrorType, ServiceError
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
