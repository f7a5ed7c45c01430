"""Adyen's connector options, Adyen for Platforms splits and order data (lineItems and
Level 2/3 enhanced scheme data): every request validated against CheckoutService-v71."""

from __future__ import annotations

from typing import Any

import msgspec

from connector_service.connectors.adyen import (
    SPLITS_KEY,
    AdyenConnector,
    AdyenPaymentOptions,
    AdyenRefundOptions,
)
from connector_service.domain.common import Customer
from connector_service.domain.flows import MandateSetupData, RefundData
from connector_service.domain.splits import LineItem, Order, Split
from tests.connectors.harness import response
from tests.connectors.test_adyen import (
    SPEC,
    TEST_BASE,
    authorize_data,
    body,
    card,
    ctx,
    fixture,
    pref,
)
from tests.contract.spec import validate_request

connector = AdyenConnector()
OPTIONS = AdyenPaymentOptions(
    shopper_statement="Spring sale 1001",
    store="store-ams-1",
    merchant_order_reference="order-1001",
    shopper_locale="nl_NL",
)


def _valid(request: Any) -> dict[str, Any]:
    validate_request(SPEC, request, TEST_BASE)
    return body(request)


def test_payment_options_map_to_checkout_fields() -> None:
    sent = _valid(connector.build_authorize(ctx(), authorize_data(options=OPTIONS)))
    assert sent["shopperStatement"] == "Spring sale 1001"
    assert sent["store"] == "store-ams-1"
    assert sent["merchantOrderReference"] == "order-1001"
    assert sent["shopperLocale"] == "nl_NL"
    plain = _valid(connector.build_authorize(ctx(), authorize_data()))
    assert not {"store", "merchantOrderReference", "shopperLocale", "splits"} & set(plain)


def test_mandate_and_refund_options() -> None:
    setup = MandateSetupData(
        payment_method=card(), currency="EUR", amount=0, customer=Customer(id="shopper-42"),
        reference="m-1", options=AdyenPaymentOptions(store="store-ams-1"),
    )  # fmt: skip
    assert _valid(connector.build_setup_mandate(ctx(), setup))["store"] == "store-ams-1"
    refund = RefundData(
        payment=pref(), amount=300, reference="r-1", options=AdyenRefundOptions(store="s-2")
    )
    assert _valid(connector.build_refund(ctx(), refund))["store"] == "s-2"


def test_splits_are_balance_account_and_commission_splits() -> None:
    data = authorize_data(
        splits=[Split(destination="BA00000000000000000000001", amount=600),
                Split(destination="BA00000000000000000000002", amount=250)],
        application_fee=100,
    )  # fmt: skip
    sent = _valid(connector.build_authorize(ctx(), data))
    assert sent["splits"] == [
        {"account": "BA00000000000000000000001", "amount": {"value": 600},
         "type": "BalanceAccount", "reference": "order-1001-s0"},
        {"account": "BA00000000000000000000002", "amount": {"value": 250},
         "type": "BalanceAccount", "reference": "order-1001-s1"},
        {"amount": {"value": 150}, "type": "Commission"},  # the fee and the unsplit 50
    ]  # fmt: skip
    result = connector.parse_authorize(ctx(), data, response(200, fixture("authorised")))
    refund = RefundData(
        payment=pref(meta={SPLITS_KEY: result.meta[SPLITS_KEY]}), amount=500, reference="r-9"
    )
    back = _valid(connector.build_refund(ctx(), refund))["splits"]
    assert [s["amount"]["value"] for s in back] == [300, 125, 75]
    assert [s["type"] for s in back] == ["BalanceAccount", "BalanceAccount", "Commission"]


def test_order_is_line_items_and_level_2_3_data() -> None:
    order = Order(
        line_items=[LineItem(name="Shoes", quantity=2, unit_amount=300, tax_amount=60, sku="SH-1"),
                    LineItem(name="Socks", quantity=1, unit_amount=100)],
        shipping_amount=240, customer_reference="PO-778",
    )  # fmt: skip
    sent = _valid(connector.build_authorize(ctx(), authorize_data(order=order)))
    assert sent["lineItems"][0] == {
        "description": "Shoes", "quantity": 2, "amountExcludingTax": 300, "taxAmount": 30,
        "amountIncludingTax": 330, "sku": "SH-1", "id": "SH-1",
    }  # fmt: skip
    extra = sent["additionalData"]
    assert extra["manualCapture"] == "true"  # kept beside the Level 2/3 keys
    assert extra["enhancedSchemeData.totalTaxAmount"] == "60"
    assert extra["enhancedSchemeData.freightAmount"] == "240"
    assert extra["enhancedSchemeData.customerReference"] == "PO-778"
    assert extra["enhancedSchemeData.itemDetailLine1.productCode"] == "SH-1"
    assert extra["enhancedSchemeData.itemDetailLine2.totalAmount"] == "100"
    assert msgspec.json.encode(sent)  # the whole body is JSON
