"""No connector ever sends a request with an empty or missing path id.

Every flow that acts on an existing object is fed references whose gateway ids (and
references) are empty; the shared request builder (``Connector.steps``) must refuse to
build a request, with a clear error, for every registered connector."""

from __future__ import annotations

from typing import Any

import pytest

from connector_service.connectors.base import Connector, ConnectorContext, empty_path_id
from connector_service.connectors.registry import load_connectors
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import (
    CaptureData,
    CompleteAuthorizeData,
    Flow,
    MandateRevokeData,
    RefundData,
    RefundSyncData,
    SyncData,
    VoidData,
)
from connector_service.domain.ids import MandateRef, PaymentRef, RefundRef
from connector_service.domain.secret import Secret

CONNECTORS = load_connectors(include_entry_points=False)
OPTIONS = {"key_type": "abc"}  # Checkout.com's key type must be one it knows


def _context(connector: Connector) -> ConnectorContext:
    meta = connector.meta
    return ConnectorContext(
        account="acct",
        connector=meta.name,
        credentials={f.name: Secret("x" * 24) for f in meta.credential_fields},
        options={f.name: OPTIONS.get(f.name, "opt") for f in meta.option_fields},
        base_url=meta.base_url_test.rstrip("/"),
        idempotency_key="cs-key",
        request_id="req_1",
        access_token=Secret("token"),
    )


def _data(flow: Flow, name: str) -> Any:
    payment = PaymentRef("acct", name, "", 1000, "EUR", "manual")
    refund = RefundRef("acct", name, "", "", 500, "EUR")
    return {
        Flow.CAPTURE: CaptureData(payment=payment, amount=1000, reference="cs_ref"),
        Flow.VOID: VoidData(payment=payment),
        Flow.REFUND: RefundData(payment=payment, amount=500, reference="cs_ref"),
        Flow.SYNC: SyncData(payment=payment),
        Flow.REFUND_SYNC: RefundSyncData(refund=refund),
        Flow.COMPLETE_AUTHORIZE: CompleteAuthorizeData(payment=payment, params={}),
        Flow.REVOKE_MANDATE: MandateRevokeData(mandate=MandateRef("acct", name, "")),
    }.get(flow)


CASES = [
    (name, flow)
    for name, connector in sorted(CONNECTORS.items())
    for flow in sorted(connector.meta.flows)
    if _data(flow, name) is not None
]


def test_every_connector_and_every_object_flow_is_covered() -> None:
    assert {name for name, _ in CASES} >= {
        "sandbox",
        "stripe",
        "adyen",
        "checkout",
        "paypal",
        "paystack",
        "rapyd",
        "square",
        "braintree",
        "mollie",
        "razorpay",
        "authorizenet",
    }
    assert len(CASES) >= 25


@pytest.mark.parametrize(("name", "flow"), CASES, ids=[f"{n}-{f.value}" for n, f in CASES])
def test_no_request_is_built_without_the_gateway_id(name: str, flow: Flow) -> None:
    connector = CONNECTORS[name]
    steps = connector.steps(flow, _context(connector), _data(flow, name))
    with pytest.raises(ServiceError) as err:
        request = next(steps)
        pytest.fail(f"{name} {flow.value} built {request.method} {request.url}")
    # A clear error of the request's (not the service's) making, naming what is missing.
    assert err.value.http_status in (400, 409, 422), err.value
    assert err.value.field is not None or err.value.code == "flow_not_supported", err.value


@pytest.mark.parametrize(
    ("url", "empty"),
    [
        ("https://api.example/payments/", True),
        ("https://api.example/payments//captures", True),
        ("https://api.example/payments/pay_1/captures", False),
        ("https://api.example/v1/payment_intents/search?query=x", False),
        ("https://api.example/payments/?reference=x", True),
    ],
)
def test_empty_segments_are_recognised(url: str, empty: bool) -> None:
    assert empty_path_id(url, "https://api.example") is empty
