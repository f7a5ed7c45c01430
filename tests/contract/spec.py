"""The tests' view of the OpenAPI request validator, ``connector_service.testing.spec``.

The validator ships in the package so plug-in connectors can use it; this module keeps
the names the tests (and the fakes' spec repairs) have always imported. ``SPECS`` is the
directory in use when the tests start (``CS_SPECS_DIR`` or ``../shared/specs``).
"""

from __future__ import annotations

from connector_service.testing.spec import (
    _FIXES,
    SpecViolation,
    _load,
    spec_path,
    specs_dir,
    validate_request,
)
from connector_service.testing.spec import OpenAPIRequest as _Request

SPECS = specs_dir()

__all__ = ["SPECS", "_FIXES", "SpecViolation", "_Request", "_load", "spec_path", "validate_request"]
