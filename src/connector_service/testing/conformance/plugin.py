"""The suite's command-line option, as a pytest plug-in (entry point ``pytest11``).

Why not in conftest.py: with ``pytest --pyargs connector_service.testing.conformance``
pytest parses the command line before it imports the package's conftest, so an option
declared there is "unrecognized". An installed plug-in is loaded first, so
``--connector NAME`` works from any directory, for built-ins and plug-ins alike.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("connector-service conformance")
    group.addoption(
        "--connector",
        action="append",
        default=[],
        help="run the conformance suite for this connector (repeatable; default: all)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """A ``--connector`` without a registered connector and profile stops the run before
    collection, as pytest's usage errors do (exit status 4), naming it."""
    wanted: list[str] = config.getoption("--connector", default=[]) or []
    if wanted:
        from connector_service.testing.conformance.selection import check_selection

        check_selection(wanted)
