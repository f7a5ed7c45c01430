"""Validate a connector's HttpRequest against the gateway's own published OpenAPI spec.

The specs are looked up by :func:`spec_path` (vendored ``specs/`` first, then
``CS_SPECS_DIR``, then ``../shared/specs``); they are loaded once per test session with
openapi-core, with the spec's ``servers`` replaced by the base URL the test used, so any
host works. A violation raises ``SpecViolation`` with the validator's
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

REPO = Path(__file__).resolve().parents[2]
VENDORED = REPO / "specs"  # the redistributable specs, in the repository (specs/README.md)
SHARED = REPO.parent / "shared" / "specs"  # the development machine's full offline copy


class SpecViolation(AssertionError):
    pass


def spec_dirs() -> list[Path]:
    """Where specs are looked for, in order: vendored, ``CS_SPECS_DIR``, ``../shared/specs``."""
    extra = os.environ.get("CS_SPECS_DIR")
    return [VENDORED, *([Path(extra)] if extra else []), SHARED]


def spec_path(relative: str) -> Path:
    """The spec file ``relative`` (e.g. ``stripe/spec3.yaml``). Specs that may not be
    redistributed are not vendored: without them the test skips, saying why, unless
    ``CS_REQUIRE_SPECS`` is set (CI), where a missing spec is a failure."""
    dirs = spec_dirs()
    for base in dirs:
        if (base / relative).is_file():
            return base / relative
    where = ", ".join(str(d) for d in dirs)
    if os.environ.get("CS_REQUIRE_SPECS"):
        raise AssertionError(f"gateway spec {relative} is in none of {where} (CS_REQUIRE_SPECS)")
    pytest.skip(
        f"gateway spec {relative} is not vendored (its licence does not allow it, see "
        f"specs/README.md) and not in {where}: set CS_SPECS_DIR to a folder holding it"
    )


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
