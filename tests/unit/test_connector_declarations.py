"""Every registered connector keeps the shared contract: what it declares is what it
implements, its credentials are all treated as secrets, and its module follows the
common section order."""

from __future__ import annotations

import inspect
import re

import pytest

from connector_service.connectors.registry import load_connectors
from connector_service.domain.flows import Flow

CONNECTORS = load_connectors(include_entry_points=False)
SECTIONS = ["1. metadata", "2. auth", "3. builders", "4. parsers", "5. status map", "6. error map"]


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_declared_flows_are_implemented(name: str) -> None:
    connector = CONNECTORS[name]
    declared = set(connector.meta.flows) - {Flow.ACCESS_TOKEN, Flow.VERIFY_WEBHOOK}
    implemented = connector.implemented_flows() - {Flow.ACCESS_TOKEN, Flow.VERIFY_WEBHOOK}
    assert declared == implemented


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_credentials_are_secret_fields(name: str) -> None:
    meta = CONNECTORS[name].meta
    names = {f.name for f in meta.credential_fields}
    assert names <= set(meta.secret_fields), (names, meta.secret_fields)


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_module_follows_the_section_order(name: str) -> None:
    source = inspect.getsource(inspect.getmodule(type(CONNECTORS[name])))  # type: ignore[arg-type]
    positions = []
    for section in SECTIONS:
        match = re.search(rf"^\s*# -+ {re.escape(section)}", source, re.M)
        assert match, f"{name}: missing section marker '{section}'"
        positions.append(match.start())
    assert positions == sorted(positions), f"{name}: sections out of order"
