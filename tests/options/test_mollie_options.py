"""Mollie's connector options and Mollie Connect splits (issue 19).

Mollie publishes no OpenAPI description we can ship; the contract the fake enforces
(testing/fakes/mollie.py, written from Mollie's API reference with forbid_unknown_fields)
is the spec here, and the official SDK (``mollie-api-python``) the oracle: it sends the
same Create payment / Create refund requests (the bodies Mollie's reference shows for
split payments, application fees and ``reverseRouting``) to a loopback recorder, and
the connector's must match them field for field and type for type.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.mollie import (
    ROUTING_KEY,
    MolliePaymentOptions,
    MollieRefundOptions,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, RefundData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.splits import Split
from connector_service.testing.spec import SpecViolation
from tests.connectors import test_mollie as mo
from tests.connectors.harness import drive, response

oracle = pytest.importorskip("tests.connectors.test_mollie_sdk")
recorder = oracle.recorder  # the SDK oracle's loopback recorder and client fixtures
sdk = oracle.sdk

ORG_A, ORG_B = "org_1234567", "org_7654321"
SPLITS = [Split(destination=ORG_A, amount=1200), Split(destination=ORG_B, amount=300)]


def _payment_body(**kw: Any) -> dict[str, Any]:
    request = mo.checked(mo.CONNECTOR.build_authorize(mo.ctx(), mo.authorize(**kw)))
    decoded: dict[str, Any] = mo.body(request)
    return decoded


def test_payment_options_are_the_create_payment_fields() -> None:
    options = MolliePaymentOptions(
        locale="nl_NL", restrict_payment_methods_to_country="NL",
        cancel_url="https://shop.example/cancelled",
    )  # fmt: skip
    body = _payment_body(options=options)
    assert body["locale"] == "nl_NL"
    assert body["restrictPaymentMethodsToCountry"] == "NL"
    assert body["cancelUrl"] == "https://shop.example/cancelled"
    plain = _payment_body()
    assert not {"locale", "restrictPaymentMethodsToCountry", "cancelUrl"} & set(plain)


def test_splits_are_routing_and_the_fee_stays_with_the_platform() -> None:
    options = MolliePaymentOptions(release_date="2026-12-24")
    body = _payment_body(splits=SPLITS, application_fee=500, options=options)
    assert body["routing"] == [
        {"amount": {"currency": "EUR", "value": "12.00"},
         "destination": {"type": "organization", "organizationId": ORG_A},
         "releaseDate": "2026-12-24"},
        {"amount": {"currency": "EUR", "value": "3.00"},
         "destination": {"type": "organization", "organizationId": ORG_B},
         "releaseDate": "2026-12-24"},
    ]  # fmt: skip
    assert "applicationFee" not in body  # Mollie takes one or the other, never both


def test_a_fee_alone_is_an_application_fee() -> None:
    body = _payment_body(application_fee=250)
    assert body["applicationFee"] == {
        "amount": {"currency": "EUR", "value": "2.50"},
        "description": "Fee order-12345",
    }
    named = MolliePaymentOptions(application_fee_description="Platform fee")
    assert _payment_body(application_fee=250, options=named)["applicationFee"]["description"] == (
        "Platform fee"
    )


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"options": MolliePaymentOptions(release_date="2026-12-24")},
         "connector_options.mollie.release_date"),
        ({"splits": SPLITS, "options": MolliePaymentOptions(application_fee_description="x")},
         "connector_options.mollie.application_fee_description"),
        ({"splits": [Split(destination="acct_1", amount=100)]}, "splits[0].destination"),
    ],
)  # fmt: skip
def test_bad_split_input_is_a_400_naming_the_field(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ServiceError) as err:
        mo.CONNECTOR.build_authorize(mo.ctx(), mo.authorize(**kw))
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == field


def test_the_contract_refuses_routing_with_a_fee_and_routes_over_the_amount() -> None:
    request = mo.CONNECTOR.build_authorize(mo.ctx(), mo.authorize(splits=SPLITS))
    body = mo.body(request)
    for tampered in (
        body | {"applicationFee": {"amount": {"currency": "EUR", "value": "1.00"},
                                   "description": "x"}},
        body | {"routing": [{**body["routing"][0],
                             "amount": {"currency": "EUR", "value": "99.00"}}]},
    ):  # fmt: skip
        with pytest.raises(SpecViolation):
            mo.checked(
                HttpRequest("POST", request.url, request.headers, json.dumps(tampered).encode())
            )


def test_a_split_payment_is_remembered_and_its_refund_reverses_the_routing() -> None:
    data = mo.authorize(splits=SPLITS)
    _, result = drive(
        mo.CONNECTOR, Flow.AUTHORIZE, mo.ctx(), data,
        [response(201, mo.fixture("payment_open_3ds"))],
    )  # fmt: skip
    assert result.meta[ROUTING_KEY] == "1"
    routed = PaymentRef("mollie-test", "mollie", mo.PID, 2000, "EUR", "manual",
                        meta={ROUTING_KEY: "1"})  # fmt: skip
    refund = mo.checked(mo.CONNECTOR.build_refund(
        mo.ctx(), RefundData(payment=routed, amount=500, reference="r-1")
    ))  # fmt: skip
    assert mo.body(refund)["reverseRouting"] is True
    kept = mo.CONNECTOR.build_refund(
        mo.ctx(), RefundData(payment=routed, amount=500, reference="r-1",
                             options=MollieRefundOptions(reverse_routing=False)),
    )  # fmt: skip
    assert mo.body(mo.checked(kept))["reverseRouting"] is False
    plain = mo.CONNECTOR.build_refund(
        mo.ctx(), RefundData(payment=mo.pref(), amount=500, reference="r-1")
    )
    assert "reverseRouting" not in mo.body(plain)


# --------------------------------------------------------------------------- the SDK oracle


def test_split_payment_matches_the_sdk(sdk: Any, recorder: Any) -> None:
    """Mollie Connect "Split payments": routing[] with organization destinations."""
    recorder.answer = (201, mo.fixture("payment_open_3ds"))
    sdk.payments.create({
        "amount": {"currency": "EUR", "value": "20.00"},
        "description": "Order #12345",
        "redirectUrl": "https://webshop.example.org/order/12345/",
        "webhookUrl": "https://webshop.example.org/payments/webhook/",
        "method": "creditcard",
        "cardToken": "tkn_UqAvArS3gw",
        "captureMode": "manual",
        "metadata": {"reference": "12345"},
        "locale": "nl_NL",
        "routing": [
            {"amount": {"currency": "EUR", "value": "12.00"},
             "destination": {"type": "organization", "organizationId": ORG_A}},
            {"amount": {"currency": "EUR", "value": "3.00"},
             "destination": {"type": "organization", "organizationId": ORG_B}},
        ],
    })  # fmt: skip
    ours = oracle.CONNECTOR.build_authorize(
        oracle.ctx(recorder),
        mo.authorize(
            reference="order-1", splits=SPLITS, options=MolliePaymentOptions(locale="nl_NL")
        ),
    )
    oracle.assert_same_request(recorder.last(), ours, recorder)
    theirs = json.loads(recorder.last().body)["routing"]
    assert [oracle.shape(r) for r in json.loads(ours.body or b"{}")["routing"]] == [
        oracle.shape(r) for r in theirs
    ]


def test_application_fee_payment_matches_the_sdk(sdk: Any, recorder: Any) -> None:
    """Mollie Connect "Application fees": applicationFee {amount, description}."""
    recorder.answer = (201, mo.fixture("payment_open_3ds"))
    sdk.payments.create({
        "amount": {"currency": "EUR", "value": "20.00"},
        "description": "Order #12345",
        "redirectUrl": "https://webshop.example.org/order/12345/",
        "webhookUrl": "https://webshop.example.org/payments/webhook/",
        "method": "creditcard",
        "cardToken": "tkn_UqAvArS3gw",
        "captureMode": "manual",
        "metadata": {"reference": "12345"},
        "applicationFee": {"amount": {"currency": "EUR", "value": "2.50"},
                           "description": "Platform fee"},
    })  # fmt: skip
    ours = oracle.CONNECTOR.build_authorize(
        oracle.ctx(recorder), mo.authorize(reference="order-1", application_fee=250)
    )
    oracle.assert_same_request(recorder.last(), ours, recorder)


def test_refund_reversing_the_routing_matches_the_sdk(sdk: Any, recorder: Any) -> None:
    recorder.answer = (201, mo.fixture("refund_pending"))
    oracle.Payment({"id": mo.PID}, sdk).refunds.create({
        "amount": {"currency": "EUR", "value": "5.00"},
        "description": "damaged",
        "metadata": {"reference": "r-1"},
        "reverseRouting": True,
    })  # fmt: skip
    routed = PaymentRef("mollie-test", "mollie", mo.PID, 2000, "EUR", "manual",
                        meta={ROUTING_KEY: "1"})  # fmt: skip
    ours = oracle.CONNECTOR.build_refund(
        oracle.ctx(recorder),
        RefundData(payment=routed, amount=500, reference="r-1", reason="damaged"),
    )
    oracle.assert_same_request(recorder.last(), ours, recorder)
