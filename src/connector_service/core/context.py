"""The request context: who asks, under which request id and idempotency key, with which
per-request credentials.

Built once per request by whoever receives it — the front for REST and gRPC, library
mode, the reconciler, the webhook receiver — and handed to the core as one value, so
these four facts travel together through the layers instead of as keyword arguments
repeated on every call.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector_service.config import Caller
from connector_service.domain.secret import Secret


@dataclass(frozen=True, slots=True)
class RequestCredentials:
    """Per-request connector credentials sent by a platform caller."""

    connector: str
    credentials: dict[str, Secret]
    options: dict[str, str]
    mode: str = "test"


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What the core needs to know about the request it serves."""

    caller: Caller
    request_id: str = ""
    idempotency_key: str | None = None
    creds: RequestCredentials | None = None
