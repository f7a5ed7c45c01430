"""Which profiles a run covers: the ``--connector`` names, or every registered one."""

from __future__ import annotations

import pytest

from connector_service.connectors.registry import load_connectors
from connector_service.testing.profile import ConnectorProfile
from connector_service.testing.registry import load_profiles

__all__ = ["check_selection", "selected"]


def check_selection(wanted: list[str]) -> list[ConnectorProfile]:
    """The profiles of ``wanted``; a name without a registered connector and a profile is
    a usage error naming it and what there is."""
    profiles = load_profiles()
    registered = load_connectors()
    missing = [n for n in wanted if n not in registered or n not in profiles]
    if missing:
        raise pytest.UsageError(
            f"--connector {', '.join(missing)}: not a registered connector with a "
            f"conformance profile (have: {', '.join(sorted(set(profiles) & set(registered)))})"
        )
    return [profiles[n] for n in wanted]


def selected(wanted: list[str]) -> list[ConnectorProfile]:
    if wanted:
        return check_selection(wanted)
    registered = load_connectors()
    return [p for name, p in load_profiles().items() if name in registered]
