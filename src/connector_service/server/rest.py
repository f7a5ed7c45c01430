"""REST plumbing shared by every route table: the ``Endpoint`` row, the Starlette handler
that decodes a JSON body and lets the front serve it, the body reader with its size
limit, and the error response. The API table (``server/endpoints.py``) and the webhook
admin routes (``server/webhook_routes.py``) both build on it, and ``server/app.py``
assembles them, so no route module imports the application.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from connector_service.domain.codec import JsonDecoder, decoder
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.server import errors
from connector_service.server.front import Answer, Entry, Front, Operation, Runner

Handler = Runner  # an endpoint's runner: (runtime, context, body struct, path ids) -> document


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    operation: Operation
    summary: str
    body: type | None = None
    response: type | None = None
    status: int = 200
    tag: str = "payments"
    # The query parameters the operation reads; any other one is refused with a 400 that
    # names it (a silently ignored ``expand[]`` looks like a server that ignores you).
    query: tuple[str, ...] = ()

    @property
    def handler(self) -> Runner:
        return self.operation.run


def error_response(err: ServiceError, request_id: str) -> Response:
    return Response(
        errors.render(err, request_id),
        err.http_status,
        {"x-request-id": request_id},
        media_type="application/json",
    )


def answer_response(answer: Answer) -> Response:
    headers = {"x-request-id": answer.request_id}
    if answer.replayed:
        headers["idempotent-replayed"] = "true"
    return Response(answer.json(), answer.status, headers, media_type="application/json")


def endpoint_handler(
    front_getter: Callable[[], Front], ep: Endpoint
) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette handler of an endpoint: decode JSON, let the front serve, encode."""
    entry = Entry(
        "rest",
        ep.operation,
        ep.path,
        ep.method,
        (f"{ep.method} {ep.path}", {"http.request.method": ep.method, "http.route": ep.path}),
    )
    body_decoder: JsonDecoder[Any] | None = decoder(ep.body) if ep.body is not None else None
    reads_body = ep.method == "POST"

    async def handle(request: Request) -> Response:
        front = front_getter()

        async def decode() -> Any:
            unknown = sorted(set(request.query_params) - set(ep.query))
            if unknown:
                raise ServiceError(
                    ErrorType.INVALID_REQUEST,
                    "unknown_parameter",
                    f"Unknown query parameter(s): {', '.join(unknown)}"
                    + (f" (this endpoint takes {', '.join(ep.query)})." if ep.query else "."),
                    field=unknown[0],
                )
            if not reads_body:
                return None
            limit = front.runtime().config.server.max_body_bytes
            raw = await read_body(request, limit)
            if body_decoder is None:
                return None
            if not raw.strip():
                raw = b"{}"
            try:
                return body_decoder.decode(raw)
            except msgspec.ValidationError as exc:
                raise errors.validation_error(exc) from None
            except msgspec.DecodeError:
                raise ServiceError(
                    ErrorType.INVALID_REQUEST,
                    "invalid_json",
                    "The request body is not valid JSON.",
                ) from None

        answer = await front.call(
            entry, request.headers, decode, request.path_params, request.query_params
        )
        return answer_response(answer)

    return handle


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "body_too_large",
            f"The request body exceeds {limit} bytes.",
            http_status=413,
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ServiceError(
                ErrorType.INVALID_REQUEST,
                "body_too_large",
                f"The request body exceeds {limit} bytes.",
                http_status=413,
            )
        chunks.append(chunk)
    return b"".join(chunks)
