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


class PosingAsStripe(SandboxConnector):
    meta = dataclasses.replace(SandboxConnector.meta, name="stripe", display_name="Fake Stripe")


class Mismatched(SandboxConnector):
    meta = dataclasses.replace(SandboxConnector.meta, name="othername", display_name="Other")


class Second(SandboxConnector):
    meta = dataclasses.replace(SandboxConnector.meta, name="thirdparty", display_name="Second")


def test_entry_point_whose_class_names_a_builtin_is_refused(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        registry, "entry_points", fake_entry_points(("totally_new", f"{__name__}:PosingAsStripe"))
    )
    with caplog.at_level("ERROR", logger=registry.log.name):
        connectors = registry.load_connectors()
    assert connectors["stripe"].meta.display_name == "Stripe"
    assert "totally_new" not in connectors
    refused = [r for r in caplog.records if "totally_new" in r.getMessage()]
    assert refused and refused[0].levelname == "ERROR", caplog.text
    assert "'stripe'" in refused[0].getMessage()


def test_entry_point_name_must_match_meta_name(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        registry, "entry_points", fake_entry_points(("mine", f"{__name__}:Mismatched"))
    )
    with caplog.at_level("ERROR", logger=registry.log.name):
        connectors = registry.load_connectors()
    assert "mine" not in connectors and "othername" not in connectors
    assert any("'mine'" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


def test_builtin_named_entry_point_is_refused_with_an_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        registry, "entry_points", fake_entry_points(("sandbox", f"{__name__}:Impostor"))
    )
    with caplog.at_level("ERROR", logger=registry.log.name):
        connectors = registry.load_connectors()
    assert connectors["sandbox"].meta.display_name == "Sandbox"
    assert any("'sandbox'" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


def test_two_packages_claiming_one_name_keep_the_first(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(
        registry,
        "entry_points",
        fake_entry_points(
            ("thirdparty", f"{__name__}:ThirdParty"), ("thirdparty", f"{__name__}:Second")
        ),
    )
    with caplog.at_level("ERROR", logger=registry.log.name):
        connectors = registry.load_connectors()
    assert connectors["thirdparty"].meta.display_name == "3P"
    assert any("already provides" in r.getMessage() for r in caplog.records)
