"""The sandbox connector as a connector: declarations, maps and scrub, without a server."""

from __future__ import annotations

import pytest

from connector_service.connectors.sandbox import (
    MANDATE_STATUS,
    PAYMENT_STATUS,
    REFUND_STATUS,
    SandboxConnector,
)
from connector_service.domain.flows import Flow, SyncData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.status import PaymentStatus
from connector_service.sandbox import TEST_CARDS
from tests.connectors.harness import drive, make_ctx, response

connector = SandboxConnector()
REF = PaymentRef("sandbox", "sandbox", "sbp_1", 1000, "EUR", "manual")


def test_declared_flows_are_exactly_the_implemented_ones() -> None:
    assert connector.implemented_flows() == set(connector.meta.flows)


@pytest.mark.parametrize(("raw", "unified"), sorted(PAYMENT_STATUS.items()))
def test_every_payment_status_maps(raw: str, unified: PaymentStatus) -> None:
    body = {"id": "sbp_1", "status": raw, "amount": 1000, "amount_captured": 0}
    _, result = drive(connector, Flow.SYNC, make_ctx(connector), SyncData(payment=REF),
                      [response(200, body)])  # fmt: skip
    assert result.status is unified
    assert result.connector_status == raw


def test_unknown_status_is_pending_never_success() -> None:
    body = {"id": "sbp_1", "status": "brand_new_state"}
    _, result = drive(connector, Flow.SYNC, make_ctx(connector), SyncData(payment=REF),
                      [response(200, body)])  # fmt: skip
    assert result.status is PaymentStatus.PROCESSING


def test_maps_cover_the_gateway_vocabulary() -> None:
    assert set(REFUND_STATUS) == {"pending", "succeeded", "failed"}
    assert set(MANDATE_STATUS) == {"active", "revoked", "declined"}


def test_test_cards_are_luhn_valid_and_unique() -> None:
    from connector_service.domain.payment_methods import luhn_ok

    numbers = [c.number for c in TEST_CARDS]
    assert len(set(numbers)) == len(numbers)
    assert all(luhn_ok(n) for n in numbers)


def test_scrub_exact_before_and_after() -> None:
    before = (
        "> POST sandbox://gateway/v1/payments\n"
        "> Content-Type: application/json\n"
        "> Authorization: Bearer sk_test_abcdef123456\n"
        ">\n"
        '{"amount":1000,"card":{"number":"4242424242424242","exp_month":12,'
        '"exp_year":2034,"cvc":"123"}}\n'
        "< 200 (1.0 ms)\n"
        '{"id":"sbp_1","card":{"brand":"visa","last4":"4242"}}'
    )
    after = (
        "> POST sandbox://gateway/v1/payments\n"
        "> Content-Type: application/json\n"
        "> Authorization: [REDACTED]\n"
        ">\n"
        '{"amount":1000,"card":{"number":"[CARD]","exp_month":12,'
        '"exp_year":2034,"cvc":"[CVC]"}}\n'
        "< 200 (1.0 ms)\n"
        '{"id":"sbp_1","card":{"brand":"visa","last4":"4242"}}'
    )
    assert connector.scrub(before) == after
