"""The tests' view of the OpenAPI request validator, ``connector_service.testing.spec``.

The validator ships in the package so plug-in connectors can use it; this module keeps
the names the tests (and the fakes' spec repairs) have always imported, and installs the
source tree's lookup order: the vendored, redistributable specs in ``specs/`` first, then
``CS_SPECS_DIR``, then the development machine's ``../shared/specs``. A spec found in none
of them skips its test with the reason (its licence may forbid vendoring it), unless
``CS_REQUIRE_SPECS`` is set (CI), where it fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from connector_service.testing import spec as _spec
from connector_service.testing.spec import (
    _FIXES,
    SpecViolation,
    _load,
    validate_request,
)
from connector_service.testing.spec import OpenAPIRequest as _Request

REPO = Path(__file__).resolve().parents[2]
VENDORED = REPO / "specs"  # the redistributable specs, in the repository (specs/README.md)
SHARED = REPO.parent / "shared" / "specs"  # the development machine's full offline copy


def spec_dirs() -> list[Path]:
    """Where specs are looked for, in order: vendored, ``CS_SPECS_DIR``, ``../shared/specs``."""
    extra = os.environ.get("CS_SPECS_DIR")
    return [VENDORED, *([Path(extra)] if extra else []), SHARED]


def spec_path(relative: str) -> Path:
    """The spec file ``relative`` (e.g. ``stripe/spec3.yaml``)."""
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


_spec.set_resolver(spec_path)
SPECS = spec_dirs()[-1]

__all__ = [
    "SHARED",
    "SPECS",
    "VENDORED",
    "_FIXES",
    "SpecViolation",
    "_Request",
    "_load",
    "spec_dirs",
    "spec_path",
    "validate_request",
]
