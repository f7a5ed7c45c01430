"""PayPal's connector options, payee + platform_fees splits and items + breakdown order
data: every request checked against the Orders v2 / Payments v2 specs by the fake's
contract check."""

from __future__ import annotations

from typing import Any

import pytest

from connector_service.connectors.paypal import (
    FEE_KEY,
    PayPalCaptureOptions,
    PayPalConnector,
    PayPalPaymentOptions,
    PayPalRefundOptions,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import CaptureData, Flow, RefundData
from connector_service.domain.splits import LineItem, Order, Split
from tests.connectors.harness import drive
from tests.connectors.test_paypal import authorize_data, body_of, ctx, ok, payment
from tests.fakes.paypal import check_request

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
C = PayPalConnector()


def _run(flow: Flow, data: Any, answers: list[Any]) -> tuple[list[dict[str, Any]], Any]:
    requests, result = drive(C, flow, ctx(), data, answers)
    for request in requests:
        check_request(request)
    return [body_of(r) for r in requests], result


def _unit(data: Any) -> dict[str, Any]:
    bodies, _ = _run(Flow.AUTHORIZE, data, [ok(201, "order_authorized")])
    unit: dict[str, Any] = bodies[0]["purchase_units"][0]
    return unit


def test_payment_options_map_to_the_purchase_unit() -> None:
    options = PayPalPaymentOptions(
        soft_descriptor="SPRING SALE", invoice_id="INV-77", custom_id="c-9"
    )
    unit = _unit(authorize_data(statement_descriptor="IGNORED", options=options))
    assert unit["soft_descriptor"] == "SPRING SALE"
    assert (unit["invoice_id"], unit["custom_id"]) == ("INV-77", "c-9")
    plain = _unit(authorize_data())
    assert (plain["invoice_id"], plain["custom_id"]) == ("order-1001", "order-1001")
    assert "payee" not in plain and "items" not in plain


def test_capture_and_refund_options() -> None:
    capture = CaptureData(
        payment=payment(meta={"auth": "0AW2184448108334S"}), amount=10000, reference="cap-1",
        options=PayPalCaptureOptions(soft_descriptor="PART ONE", note_to_payer="thanks"),
    )  # fmt: skip
    bodies, _ = _run(Flow.CAPTURE, capture, [ok(201, "authorization_capture")])
    assert (bodies[0]["soft_descriptor"], bodies[0]["note_to_payer"]) == ("PART ONE", "thanks")
    refund = RefundData(
        payment=payment(meta={"cap": "3C679366HH908993F"}), amount=2000, reference="rf-1",
        options=PayPalRefundOptions(invoice_id="RF-INV-1"),
    )  # fmt: skip
    bodies, _ = _run(Flow.REFUND, refund, [ok(201, "refund")])
    assert bodies[0]["invoice_id"] == "RF-INV-1"


def test_one_split_is_the_payee_and_the_rest_platform_fees() -> None:
    data = authorize_data(
        splits=[Split(destination="7KNGBPH2U58GQ", amount=9000)], application_fee=500
    )
    bodies, result = _run(Flow.AUTHORIZE, data, [ok(201, "order_authorized")])
    unit = bodies[0]["purchase_units"][0]
    assert unit["payee"] == {"merchant_id": "7KNGBPH2U58GQ"}
    fees = unit["payment_instruction"]["platform_fees"]
    assert fees == [{"amount": {"currency_code": "USD", "value": "10.00"}}]
    assert result.meta[FEE_KEY] == "10000:1000"
    refund = RefundData(
        payment=payment(meta={"cap": "3C679366HH908993F", FEE_KEY: "10000:1000"}),
        amount=5000, reference="rf-2",
    )  # fmt: skip
    bodies, _ = _run(Flow.REFUND, refund, [ok(201, "refund")])
    back = bodies[0]["payment_instruction"]["platform_fees"]
    assert back == [{"amount": {"currency_code": "USD", "value": "5.00"}}]


def test_several_payees_are_not_supported() -> None:
    splits = [Split(destination="A1", amount=10), Split(destination="B2", amount=10)]
    with pytest.raises(ServiceError) as err:
        _run(Flow.AUTHORIZE, authorize_data(splits=splits), [ok(201, "order_authorized")])
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "splits"


def test_order_is_items_and_the_amount_breakdown() -> None:
    order = Order(
        line_items=[LineItem(name="Mask", quantity=3, unit_amount=2500, tax_amount=600, sku="M-1"),
                    LineItem(name="Cape", quantity=1, unit_amount=1400)],
        shipping_amount=0,
    )  # fmt: skip
    unit = _unit(authorize_data(amount=9500, order=order))  # 7500 + 1400 + 600 tax
    assert unit["items"][0] == {
        "name": "Mask", "quantity": "3", "sku": "M-1",
        "unit_amount": {"currency_code": "USD", "value": "25.00"},
        "tax": {"currency_code": "USD", "value": "2.00"},
    }  # fmt: skip
    assert unit["amount"]["breakdown"] == {
        "item_total": {"currency_code": "USD", "value": "89.00"},
        "tax_total": {"currency_code": "USD", "value": "6.00"},
    }
