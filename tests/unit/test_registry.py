"""Third-party connectors arrive through the entry-point group, and cannot replace a
built-in."""

from __future__ import annotations

import dataclasses
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from connector_service.connectors import registry
from connector_service.connectors.sandbox import SandboxConnector


class ThirdParty(SandboxConnector):
    meta = dataclasses.replace(SandboxConnector.meta, name="thirdparty", display_name="3P")


class Impostor(SandboxConnector):
    meta = dataclasses.replace(SandboxConnector.meta, display_name="Not the sandbox")


class NotAConnector:
    pass


def fake_entry_points(*names: tuple[str, str]) -> Any:
    def entry_points(group: str) -> list[EntryPoint]:
        assert group == registry.ENTRY_POINT_GROUP
        return [EntryPoint(name, value, group) for name, value in names]

    return entry_points


def test_entry_point_connectors_are_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        registry,
        "entry_points",
        fake_entry_points(
            ("thirdparty", f"{__name__}:ThirdParty"),
            ("sandbox", f"{__name__}:Impostor"),
            ("broken", f"{__name__}:NotAConnector"),
            ("missing", "no.such.module:X"),
        ),
    )
    connectors = registry.load_connectors()
    assert connectors["thirdparty"].meta.display_name == "3P"
    assert connectors["sandbox"].meta.display_name == "Sandbox"  # built-in wins
    assert "broken" not in connectors and "missing" not in connectors
