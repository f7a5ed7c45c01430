"""The empty-path-id guard: a request whose path was built from a missing gateway id is
refused before it is sent, in one place for every connector."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol, TypeVar
from urllib.parse import quote, urlsplit

from connector_service.domain.errors import ErrorType, ServiceError


class _HasUrl(Protocol):
    @property
    def url(self) -> str: ...


Req = TypeVar("Req", bound=_HasUrl)
Resp = TypeVar("Resp")


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
    request by :func:`with_path_ids_checked`): refused when empty."""
    if not value:
        raise missing_gateway_id(flow)
    return value


def segment(value: str) -> str:
    """``value`` quoted as one path segment (a ``/`` in an id must not open a new one)."""
    return quote(value, safe="")


def with_path_ids_checked(
    inner: Generator[Req, Resp, Any], flow: str, base_url: str
) -> Generator[Req, Resp, Any]:
    """Every request a flow builds, refused before it is sent if a path id is empty: a
    request to ``GET /payments/`` is outside every gateway's spec and means the core
    lost an id, so it must fail loudly here, in one place for every connector."""
    try:
        request = next(inner)
        while True:
            if empty_path_id(request.url, base_url):
                inner.close()
                raise missing_gateway_id(flow)
            response = yield request
            request = inner.send(response)
    except StopIteration as done:
        return done.value
