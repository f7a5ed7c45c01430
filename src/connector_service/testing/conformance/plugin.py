"""The conformance suite's command-line option, as a pytest plug-in (``pytest11``).

Why not in ``conftest.py``: pytest reads a conftest's options only for conftests it
loads before parsing the command line, and ``--pyargs connector_service.testing.conformance``
names a module, not a path, so the suite's conftest is loaded too late and
``--connector`` was refused as an unknown argument. A plug-in registered through the
``pytest11`` entry point is loaded first, in any environment the package is installed in.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--connector",
        action="append",
        default=[],
        help="run the conformance suite for this connector (repeatable; default: all)",
    )
