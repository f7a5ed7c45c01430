"""uvicorn's httptools protocol with two limits it lacks: request-head size and read time.

uvicorn accepts a request head of any size (a 64 MB header was buffered, re-copied piece
by piece, and stalled the worker's event loop — every other connection, ``/health``
included — for seconds) and never times out a client that trickles its headers (one line
every two seconds keeps a connection forever: its keep-alive timer is cancelled by any
byte). This subclass, used by ``connector-service serve``:

* counts the bytes of each request head (request line and headers) *before* the parser
  sees them, and answers ``431`` once they exceed ``server.max_header_bytes``; the parser
  never buffers more than that (plus, for a pipelined request that starts inside another
  one's read, at most one socket read);
* gives every request head ``server.header_timeout_seconds`` from its first byte (or
  from the connection's opening) to be complete, and answers ``408`` otherwise; an
  idle keep-alive connection is still closed by uvicorn's own keep-alive timeout.

Both answers use the service's JSON error shape, then close the connection *lingering*:
the answer is sent with a half-close and further input is read and dropped for a moment,
so the client reads the answer instead of a reset from unread data.

The limits reach the worker processes through the environment (``CS_MAX_HEADER_BYTES``,
``CS_HEADER_TIMEOUT_SECONDS``), which ``serve`` sets from the validated configuration.
"""

from __future__ import annotations

import asyncio
import logging
import os
from asyncio import TimerHandle
from typing import Any

from uvicorn.config import Config as UvicornConfig
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.server import errors
from connector_service.server.http_guard import new_request_id

log = logging.getLogger("connector_service.server")

MAX_HEADER_BYTES_ENV = "CS_MAX_HEADER_BYTES"
HEADER_TIMEOUT_ENV = "CS_HEADER_TIMEOUT_SECONDS"
DEFAULT_MAX_HEADER_BYTES = 32768
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0
LINGER_SECONDS = 2.0
_END_OF_HEAD = b"\r\n\r\n"


def limits_from_env() -> tuple[int, float]:
    """``(max_header_bytes, header_timeout_seconds)`` for this worker."""
    size = os.environ.get(MAX_HEADER_BYTES_ENV)
    timeout = os.environ.get(HEADER_TIMEOUT_ENV)
    return (
        int(size) if size else DEFAULT_MAX_HEADER_BYTES,
        float(timeout) if timeout else DEFAULT_HEADER_TIMEOUT_SECONDS,
    )


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: UvicornConfig,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.max_head_bytes, self.head_timeout = limits_from_env()
        self._in_head = True  # waiting for (the rest of) a request head
        self._head_bytes = 0  # bytes of the current head received so far
        self._tail = b""  # the last bytes received, for a terminator split across reads
        self._head_timer: TimerHandle | None = None
        self._refused = False

    # ------------------------------------------------------------------ connection

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # lingering after a refusal: read and drop
        if self._in_head:
            if self._head_timer is None:
                self._arm()  # the first byte of a head on a kept-alive connection
            if self._head_bytes + len(data) > self.max_head_bytes:
                end = (self._tail + data).find(_END_OF_HEAD)
                head = self._head_bytes - len(self._tail) + end + len(_END_OF_HEAD)
                if end < 0 or head > self.max_head_bytes:
                    self._refuse(
                        431,
                        "headers_too_large",
                        f"The request line and headers exceed {self.max_head_bytes} bytes.",
                    )
                    return
            self._head_bytes += len(data)
            self._tail = data[-(len(_END_OF_HEAD) - 1) :]
        super().data_received(data)

    # ------------------------------------------------------------------ parser callbacks

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes, self._tail = True, 0, b""

    # ------------------------------------------------------------------ limits

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._arm()  # a pipelined head behind a response in progress: not yet
            return
        if self._head_bytes == 0:
            self.transport.close()  # opened and silent: nothing to answer
            return
        self._refuse(
            408,
            "request_timeout",
            f"The request headers did not arrive within {self.head_timeout:g} seconds.",
        )

    def _refuse(self, status: int, code: str, message: str) -> None:
        self._refused = True
        self._disarm()
        log.warning("request refused before its headers were read: %s", code)
        err = ServiceError(ErrorType.INVALID_REQUEST, code, message, http_status=status)
        rid = new_request_id()
        body = errors.render(err, rid)
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"x-request-id: " + rid.encode() + b"\r\n",
            b"content-length: " + str(len(body)).encode() + b"\r\n",
            b"connection: close\r\n\r\n",
            body,
        ]
        self.transport.write(b"".join(head))
        if self.transport.can_write_eof():
            self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)
        else:  # pragma: no cover - TLS transports cannot half-close
            self.transport.close()
