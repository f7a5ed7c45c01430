"""Validate a connector's ``HttpRequest`` against the gateway's own published OpenAPI spec.

Why it lives in the package: a plug-in connector needs the same proof the built-ins have
(every request it builds is one the gateway documents), without copying our test tree.

Specs are read from one directory: ``CS_SPECS_DIR`` when set, else whatever
:func:`set_specs_dir` chose, else ``../shared/specs`` beside a source checkout. They are
loaded once per process with openapi-core, with the spec's ``servers`` replaced by the base
URL the test used, so any host (a loopback fake) works. A violation raises
:class:`SpecViolation` carrying the validator's own explanation (path, method, missing
field, wrong type or enum...). A spec that is absent skips the calling test with the
reason, unless ``CS_REQUIRE_SPECS`` is set (CI), where it fails instead.

Some published specs have defects the validator cannot read; :func:`register_fix` lets
the code that knows a spec repair its parsed document before it is compiled.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers as _Headers
from werkzeug.datastructures import ImmutableMultiDict

from connector_service.connectors.base import HttpRequest

__all__ = [
    "SpecViolation",
    "load_openapi",
    "register_fix",
    "set_resolver",
    "set_specs_dir",
    "spec_path",
    "specs_dir",
    "validate_component",
    "validate_request",
]

# A source checkout keeps the gateway specs beside the repository (src/connector_service/
# testing/spec.py -> four levels up is the repository, its parent holds shared/specs).
_CHECKOUT_SPECS = Path(__file__).resolve().parents[3].parent / "shared" / "specs"
_CHECKOUT_VENDORED = Path(__file__).resolve().parents[3] / "specs"
_chosen: Path | None = None
_resolver: Callable[[str], Path] | None = None

SpecFix = Callable[[dict[str, Any]], None]
_FIXES: dict[str, SpecFix] = {}


class SpecViolation(AssertionError):
    """A request the gateway's published specification does not allow."""


def set_specs_dir(path: str | os.PathLike[str] | None) -> None:
    """Choose the spec directory when ``CS_SPECS_DIR`` is not set (None: the default)."""
    global _chosen
    _chosen = Path(path) if path is not None else None
    _load.cache_clear()


def specs_dir() -> Path:
    """Where specs are read from: ``CS_SPECS_DIR``, else :func:`set_specs_dir`'s choice,
    else the checkout's ``../shared/specs``."""
    env = os.environ.get("CS_SPECS_DIR")
    if env:
        return Path(env)
    return _chosen if _chosen is not None else _CHECKOUT_SPECS


def spec_path(relative: str) -> Path:
    """The file of ``relative`` (e.g. ``stripe/spec3.yaml``), or skip the test. A test
    tree may install its own lookup (:func:`set_resolver`: e.g. vendored specs first)."""
    if _resolver is not None:
        return _resolver(relative)
    # A source checkout also has the redistributable specs vendored in its specs/.
    for base in (specs_dir(), _CHECKOUT_VENDORED):
        if (base / relative).is_file():
            return base / relative
    if os.environ.get("CS_REQUIRE_SPECS"):
        raise AssertionError(f"spec {relative} is missing and CS_REQUIRE_SPECS is set")
    pytest.skip(f"gateway spec {relative} not found under {specs_dir()} (set CS_SPECS_DIR)")


def set_resolver(resolver: Callable[[str], Path] | None) -> None:
    """Replace how :func:`spec_path` finds a spec file (None: the default lookup)."""
    global _resolver
    _resolver = resolver
    _load.cache_clear()


def register_fix(relative: str, fix: SpecFix) -> None:
    """Repair ``relative``'s parsed document before it is compiled (first one wins)."""
    _FIXES.setdefault(relative, fix)


def load_openapi(relative: str, base_url: str) -> OpenAPI:
    """The compiled spec, with ``servers`` set to ``base_url`` (cached per process)."""
    return _load(relative, base_url.rstrip("/"))


@functools.cache
def _load(relative: str, base_url: str) -> OpenAPI:
    path = spec_path(relative)
    text = path.read_text()
    # libyaml's loader, when present, reads Stripe's 4 MB spec four times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = json.loads(text) if path.suffix == ".json" else yaml.load(text, loader)  # noqa: S506 (a safe loader)
    spec["servers"] = [{"url": base_url}]
    fix = _FIXES.get(relative)
    if fix:
        fix(spec)
    # The document is the gateway's published spec, not ours to check: openapi-core's
    # validation of the document itself took 11 s for Adyen's Checkout spec on a loaded
    # 2-core machine, and a fake loads its spec on the first request it checks, inside
    # the connector's gateway timeout (the test service's is 10 s), so that first
    # request could time out. Requests are still validated against it in full.
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


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


register_fix("stripe/spec3.yaml", _drop_non_object_deep_object)


class OpenAPIRequest:
    """The request protocol openapi-core expects, built from our ``HttpRequest``."""

    def __init__(self, request: HttpRequest, base_url: str) -> None:
        parts = urlsplit(request.url)
        self.host_url = f"{parts.scheme}://{parts.netloc}"
        self.path = parts.path
        self.method = request.method.lower()
        query = dict(parse_qs(parts.query, keep_blank_values=True))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict([(k, v) for k, vs in query.items() for v in vs]),
            header=_Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
            path={},
        )
        headers = {k.lower(): v for k, v in request.headers.items()}
        content_type = headers.get("content-type", "")
        # A multipart body needs its boundary parameter to be read; other types do not.
        if not content_type.startswith("multipart/"):
            content_type = content_type.split(";")[0]
        self.content_type = content_type or "application/json"
        self.body = request.body or b""
        self.full_url_pattern = self.host_url + self.path


def validate_request(spec: str, request: HttpRequest, base_url: str) -> None:
    """Raise SpecViolation unless ``request`` is valid for ``spec`` (a path under specs)."""
    openapi = load_openapi(spec, base_url)
    try:
        openapi.validate_request(OpenAPIRequest(request, base_url))
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


@functools.cache
def _components(relative: str) -> dict[str, Any]:
    with load_openapi(relative, "https://spec.invalid").spec.open() as contents:
        return dict(contents.get("components") or {})


def validate_component(spec: str, schema_name: str, instance: Any) -> None:
    """Raise SpecViolation unless ``instance`` (a fixture or a fake's answer) matches the
    component schema ``schema_name`` of ``spec``: answers are shaped after the gateway's
    own schemas, not after what a connector happens to read."""
    from openapi_schema_validator import OAS30Validator

    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": _components(spec)}
    errors = sorted(OAS30Validator(schema).iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        lines = [f"  - {e.message[:300]} at {list(e.absolute_path)}" for e in errors[:10]]
        raise SpecViolation(f"{schema_name} violates {spec}:\n" + "\n".join(lines))
