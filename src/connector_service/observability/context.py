"""What one API request did, gathered while it runs, for its access-log line, its metric
labels and its trace span.

The REST server starts a :class:`RequestInfo` for every request (``begin``) and keeps it
in a context variable; the executor fills in the account, connector and flow it ran and
adds up the time spent waiting for gateways. Code outside a request (library mode,
background workers) has no ``RequestInfo``: ``current()`` is ``None`` and nothing is noted.
"""

from __future__ import annotations

from contextvars import ContextVar, Token


class RequestInfo:
    __slots__ = (
        "account",
        "caller",
        "connector",
        "flow",
        "gateway_calls",
        "gateway_seconds",
        "request_id",
        "secrets",
    )

    def __init__(self, request_id: str = "") -> None:
        self.request_id = request_id
        self.caller: str | None = None
        self.account: str | None = None
        self.connector: str | None = None
        self.flow: str | None = None
        self.gateway_calls = 0
        self.gateway_seconds = 0.0
        # Per-request credential values (X-Connector-Credentials): masked in every log line
        # written while this request runs.
        self.secrets: tuple[str, ...] = ()


_current: ContextVar[RequestInfo | None] = ContextVar("cs_request_info", default=None)

current = _current.get


def begin(request_id: str = "") -> tuple[RequestInfo, Token[RequestInfo | None]]:
    info = RequestInfo(request_id)
    return info, _current.set(info)


def end(token: Token[RequestInfo | None]) -> None:
    _current.reset(token)
