"""A loopback HTTP server that records what a gateway's official SDK sends.

Why: where a gateway publishes no API description, its official SDK is the oracle for
request shapes. An oracle test points the SDK's base URL at this recorder, performs the
same operation as the connector, and compares the two requests (method, path, auth,
content type, body fields and their JSON types). The recorder answers from a route table
of fixtures so the SDK gets a realistic answer and goes on to its next call.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from connector_service.connectors.base import HttpRequest

__all__ = ["RouteRecorder", "body_shape", "json_shape"]


class RouteRecorder:
    """Records each request (as the connector's own ``HttpRequest``) and answers
    ``answers[(method, route_of(path))]`` — a status and a fixture name — as JSON, or
    ``override`` (status, document) when a test sets it. A fixture name of ``""``
    answers an empty body."""

    def __init__(
        self,
        answers: Mapping[tuple[str, str], tuple[int, str]],
        route_of: Callable[[str], str],
        fixture: Callable[[str], Any],
        content_type: str = "application/json",
    ) -> None:
        self.seen: list[HttpRequest] = []
        self.override: tuple[int, Any] | None = None
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                url = f"http://{self.headers['Host']}{self.path}"
                recorder.seen.append(
                    HttpRequest(self.command, url, dict(self.headers), raw or None)
                )
                if recorder.override is not None:
                    status, payload = recorder.override
                    data = json.dumps(payload).encode()
                else:
                    status, name = answers[(self.command, route_of(urlsplit(self.path).path))]
                    data = json.dumps(fixture(name)).encode() if name else b""
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def last(self) -> HttpRequest:
        return self.seen[-1]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def body_shape(
    request: HttpRequest, *, free_form: frozenset[str] = frozenset(), one_number: bool = False
) -> dict[str, str]:
    """A JSON request body as :func:`json_shape` gives it (empty without a body)."""
    if not request.body:
        return {}
    return json_shape(json.loads(request.body), free_form=free_form, one_number=one_number)


def json_shape(
    document: dict[str, Any], *, free_form: frozenset[str] = frozenset(), one_number: bool = False
) -> dict[str, str]:
    """A JSON object as its field paths and JSON types (``{"card.number": "string", …}``):
    what an oracle test compares, since values differ between the SDK's call and ours.
    ``free_form`` keys (``metadata``, ``notes``) are maps whose keys are data, shown as
    ``object``; ``one_number`` types integers and floats alike (``10`` and ``10.0``), for
    gateways whose SDKs send amounts as floats."""

    def kind(value: Any) -> Any:
        if isinstance(value, bool):
            return "boolean"
        if isinstance(value, int | float):
            return "number" if one_number or isinstance(value, float) else "integer"
        if isinstance(value, str):
            return "string"
        if isinstance(value, list):
            return "array"
        if value is None:
            return "null"
        return {k: ("object" if k in free_form else kind(v)) for k, v in value.items()}

    def flat(shape: dict[str, Any], prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in shape.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                out[name] = "object"
                out.update(flat(value, f"{name}."))
            else:
                out[name] = value
        return out

    return flat(kind(document))
