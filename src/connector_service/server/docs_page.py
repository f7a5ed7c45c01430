"""Browsable API docs at ``/docs``: a small static page packaged with the service
(``server/static``) that reads ``/openapi.json`` and lists every operation.

Why hand-made rather than a vendored Redoc/Swagger bundle: no CDN and no megabyte of
third-party JavaScript in the package (nor its licence and updates to track); the page
only needs to list operations, parameters, bodies and examples. The strict
Content-Security-Policy lets it load nothing but this service's own files.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_TYPES = {"docs.html": "text/html; charset=utf-8", "docs.js": "text/javascript",
          "docs.css": "text/css"}  # fmt: skip
_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@cache
def _asset(name: str) -> bytes:
    return resources.files("connector_service.server").joinpath("static", name).read_bytes()


def _serve(name: str) -> Route:
    async def asset(request: Request) -> Response:
        headers = {"content-security-policy": _CSP, "x-content-type-options": "nosniff"}
        return Response(_asset(name), media_type=_TYPES[name], headers=headers)

    path = "/docs" if name == "docs.html" else f"/docs/{name}"
    return Route(path, asset, methods=["GET"])


def routes() -> list[Route]:
    return [_serve(name) for name in _TYPES]
