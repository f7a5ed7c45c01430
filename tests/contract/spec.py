"""Validate a connector's HttpRequest against the gateway's own published OpenAPI spec.

The specs live in ``../shared/specs`` (beside the repository); they are loaded once per
test session with openapi-core, with the spec's ``servers`` replaced by the base URL the
test used, so any host works. A violation raises ``SpecViolation`` with the validator's
own explanation (path, method, missing field, wrong type or enum...).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers as _Headers
from werkzeug.datastructures import ImmutableMultiDict

from connector_service.connectors.base import HttpRequest

SPECS = Path(
    os.environ.get("CS_SPECS_DIR", Path(__file__).resolve().parents[2].parent / "shared" / "specs")
)


class SpecViolation(AssertionError):
    pass


def spec_path(relative: str) -> Path:
    path = SPECS / relative
    if not path.exists():
        if os.environ.get("CS_REQUIRE_SPECS"):
            raise AssertionError(f"spec {path} is missing and CS_REQUIRE_SPECS is set")
        pytest.skip(f"gateway spec {relative} not found under {SPECS}")
    return path


@functools.cache
def _load(relative: str, base_url: str) -> OpenAPI:
    path = spec_path(relative)
    text = path.read_text()
    # libyaml's loader, when present, reads Stripe's 4 MB spec four times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = json.loads(text) if path.suffix == ".json" else yaml.load(text, loader)
    spec["servers"] = [{"url": base_url}]
    fix = _FIXES.get(relative)
    if fix:
        fix(spec)
    return OpenAPI.from_dict(spec)


def _drop_non_object_deep_object(spec: dict[str, Any]) -> None:
    """Stripe declares ``deepObject`` encodings for scalar form fields; openapi-core
    rejects those, so drop the encoding entries (they carry no constraint)."""
    for item in spec.get("paths", {}).values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            content = op.get("requestBody", {}).get("content", {})
            form = content.get("application/x-www-form-urlencoded")
            if form and "encoding" in form:
                form.pop("encoding")


_FIXES = {"stripe/spec3.yaml": _drop_non_object_deep_object}


class _Request:
    """The request protocol openapi-core expects, built from our HttpRequest."""

    def __init__(self, request: HttpRequest, base_url: str) -> None:
        parts = urlsplit(request.url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.method = request.method.lower()
        query = {k: v for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(k, v) for k, vs in query.items() for v in vs]),
            header=_Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
            path={},
        )
        headers = {k.lower(): v for k, v in request.headers.items()}
        self.content_type = headers.get("content-type", "").split(";")[0] or "application/json"
        self.body = request.body or b""
        self.full_url_pattern = self.host_url + self.path


def validate_request(spec: str, request: HttpRequest, base_url: str) -> None:
    """Raise SpecViolation unless ``request`` is valid for ``spec`` (a path under specs/)."""
    openapi = _load(spec, base_url.rstrip("/"))
    try:
        openapi.validate_request(_Request(request, base_url))
    except Exception as exc:  # openapi-core raises a family of errors; keep the text
        causes = []
        cur: BaseException | None = exc
        while cur is not None:
            causes.append(f"{type(cur).__name__}: {cur}")
            extra = getattr(cur, "schema_errors", None)
            if extra:
                causes.extend(f"  - {e.message} at {list(e.path)}" for e in extra)
            cur = cur.__cause__
        raise SpecViolation(
            f"{request.method} {request.url} violates {spec}:\n" + "\n".join(causes)
        ) from exc
