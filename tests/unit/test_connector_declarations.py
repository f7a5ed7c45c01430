"""Every registered connector keeps the shared contract: its flows are computed from what
it implements (and a class whose declaration and implementation disagree is refused when
it is created), its credentials are all treated as secrets, and its module follows the
common section order."""

from __future__ import annotations

import dataclasses
import inspect
import re
from typing import Any

import pytest

from connector_service.connectors.base import (
    Connector,
    ConnectorContext,
    HttpRequest,
    HttpResponse,
)
from connector_service.connectors.registry import load_connectors
from connector_service.connectors.sandbox import SandboxConnector
from connector_service.domain.flows import CaptureData, Flow, PaymentResult
from connector_service.domain.payment_methods import PaymentMethodType
from connector_service.domain.status import PaymentStatus

CONNECTORS = load_connectors(include_entry_points=False)
SECTIONS = ["1. metadata", "2. auth", "3. builders", "4. parsers", "5. status map", "6. error map"]


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_flows_are_computed_from_the_implementation(name: str) -> None:
    """Restating the computed flows is accepted; the computed set is what the class
    overrides (a pair, or a steps_ generator), plus the webhook and mandate flags."""
    cls = type(CONNECTORS[name])
    flows = cls.meta.flows
    assert Flow.AUTHORIZE in flows and Flow.WEBHOOKS in flows
    for flow in flows - {Flow.CHARGE_MANDATE, Flow.WEBHOOKS}:
        own = {f"build_{flow.value}", f"steps_{flow.value}"} & set(dir(cls))
        assert any(getattr(cls, m) is not getattr(Connector, m) for m in own), flow
    restated = type("Restated", (cls,), {"meta": dataclasses.replace(cls.meta, flows=flows)})
    assert restated.meta.flows == flows


def _capture(self: Any, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
    return HttpRequest("POST", f"{ctx.base_url}/capture")


def _parse(self: Any, ctx: ConnectorContext, data: Any, response: HttpResponse) -> PaymentResult:
    return PaymentResult(status=PaymentStatus.CAPTURED)


def _class(body: dict[str, Any], base: type[Connector] = SandboxConnector) -> type[Connector]:
    return type("Broken", (base,), body)


def test_a_declaration_the_class_does_not_implement_is_refused_at_creation() -> None:
    meta = dataclasses.replace(
        SandboxConnector.meta, flows=SandboxConnector.meta.flows | {Flow.COMPLETE_MANDATE}
    )
    with pytest.raises(TypeError, match=r"meta\.flows states .*complete_mandate"):
        _class({"meta": meta})


def test_an_implementation_the_declaration_leaves_out_is_refused_at_creation() -> None:
    meta = dataclasses.replace(SandboxConnector.meta, flows=frozenset({Flow.AUTHORIZE}))
    with pytest.raises(TypeError, match=r"meta\.flows states"):
        _class({"meta": meta})


def test_a_build_without_its_parse_is_refused_at_creation() -> None:
    with pytest.raises(TypeError, match="build_complete_mandate without parse_complete_mandate"):
        _class({"build_complete_mandate": _capture})
    with pytest.raises(TypeError, match="parse_complete_mandate without build_complete_mandate"):
        _class({"parse_complete_mandate": _parse})


def test_a_misspelt_flow_method_is_refused_at_creation() -> None:
    with pytest.raises(TypeError, match="'captrue' is not a flow"):
        _class({"build_captrue": _capture})


def test_incomplete_webhook_methods_are_refused_at_creation() -> None:
    meta = dataclasses.replace(SandboxConnector.meta, name="half", flows=frozenset())
    body = {"meta": meta, "webhook_identify": SandboxConnector.webhook_identify}
    with pytest.raises(TypeError, match=r"webhook methods incomplete.*webhook_parse"):
        _class(body, Connector)


def test_mandate_charges_need_authorize() -> None:
    meta = dataclasses.replace(SandboxConnector.meta, name="mit", flows=frozenset())
    with pytest.raises(TypeError, match="supports_mandate_charges without authorize"):
        _class({"meta": meta, "supports_mandate_charges": True}, Connector)


def test_a_new_pair_adds_its_flow_and_the_executor_reaches_it() -> None:
    # Only cards, with the flows the class has (the sandbox's own method table claims more).
    meta = dataclasses.replace(
        SandboxConnector.meta,
        name="capturer",
        flows=frozenset(),
        methods={},
        payment_methods=frozenset({PaymentMethodType.CARD}),
    )
    cls = _class({"meta": meta, "build_capture": _capture, "parse_capture": _parse}, Connector)
    assert cls.meta.flows == {Flow.CAPTURE}
    ctx = ConnectorContext("a", "capturer", {}, {}, base_url="http://127.0.0.1:1")
    steps = cls().steps(Flow.CAPTURE, ctx, None)
    assert next(steps).url == "http://127.0.0.1:1/capture"
    with pytest.raises(StopIteration) as done:
        steps.send(HttpResponse(200, {}, b""))
    assert done.value.value.status is PaymentStatus.CAPTURED


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


def test_derived_recurring_is_for_cards_tokens_and_mandate_charges_only() -> None:
    """A plug-in that states only ``payment_methods`` and implements mandates is not
    assumed to store UPI or a bank account: its set-up was written for cards."""
    from connector_service.connectors.capabilities import MethodFlow as MF
    from connector_service.connectors.capabilities import derived_methods
    from connector_service.domain.flows import Flow as F
    from connector_service.domain.payment_methods import PaymentMethodType as T

    stated = frozenset({T.CARD, T.TOKEN, T.MANDATE, T.UPI, T.ACH_DEBIT, T.APPLE_PAY})
    flows = frozenset({F.AUTHORIZE, F.REFUND, F.SETUP_MANDATE, F.CHARGE_MANDATE})
    derived = derived_methods(stated, flows)
    recurring = {pm for pm, support in derived.items() if MF.RECURRING in support.flows}
    assert recurring == {T.CARD, T.TOKEN, T.MANDATE}
    assert all(MF.REFUND in support.flows for support in derived.values())
    without_mandates = derived_methods(stated, frozenset({F.AUTHORIZE}))
    assert not any(MF.RECURRING in s.flows for s in without_mandates.values())
