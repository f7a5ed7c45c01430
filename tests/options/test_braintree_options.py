"""Braintree's connector options and order (Level 2/3) data (issue 19).

Every request is validated against the published GraphQL schema (braintree/schema.graphql:
the document and its variables, TransactionInput included) as the connector's own tests
do; each option is the TransactionInput field of its name. The schema has no marketplace
fields, so ``splits`` / ``application_fee`` are ``not_supported`` before any request.
"""

from __future__ import annotations

from typing import Any

import pytest

from connector_service.connectors.braintree import (
    BraintreeCustomField,
    BraintreeDescriptor,
    BraintreePaymentOptions,
)
from connector_service.core.options import check_extras
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow
from connector_service.domain.splits import LineItem, Order, Split
from connector_service.testing import graphql_spec
from connector_service.testing.spec import SpecViolation
from tests.connectors import test_braintree as bt


def _transaction(data: Any) -> dict[str, Any]:
    request = bt.request_of(Flow.AUTHORIZE, data, [bt.tokenized()])
    sent = bt.body(request)
    graphql_spec.validate_operation(bt.schema(), sent["query"], sent["variables"])
    transaction: dict[str, Any] = sent["variables"]["input"]["transaction"]
    return transaction


def test_payment_options_are_transaction_input_fields() -> None:
    options = BraintreePaymentOptions(
        merchant_account_id="shop_usd_moto", purchase_order_number="PO-7781",
        descriptor=BraintreeDescriptor(phone="3125551212", url="shop.example"),
        custom_fields=[BraintreeCustomField(name="campaign", value="spring")],
    )  # fmt: skip
    txn = _transaction(bt.authorize(statement_descriptor="SHP*ORDER 1001", options=options))
    assert txn["merchantAccountId"] == "shop_usd_moto"  # not the account's shop_usd
    assert txn["purchaseOrderNumber"] == "PO-7781"
    assert txn["descriptor"] == {
        "name": "SHP*ORDER 1001", "phone": "3125551212", "url": "shop.example",
    }  # fmt: skip
    assert txn["customFields"] == [{"name": "campaign", "value": "spring"}]
    plain = _transaction(bt.authorize())
    assert plain["merchantAccountId"] == "shop_usd"
    assert not {"purchaseOrderNumber", "customFields", "descriptor"} & set(plain)


ORDER = Order(
    line_items=[
        LineItem(
            name="Espresso beans 1kg", quantity=2, unit_amount=700, tax_amount=140, sku="BEAN-1KG"
        ),
        LineItem(name="Filter papers", quantity=1, unit_amount=300),
    ],
    shipping_amount=260,
    customer_reference="CUST-42",
)  # fmt: skip  (2*700 + 300 + 140 tax + 260 shipping = 2100)


def test_order_is_level_2_and_3_data() -> None:
    txn = _transaction(bt.authorize(amount=2100, order=ORDER))
    assert txn["lineItems"] == [
        {"name": "Espresso beans 1kg", "kind": "DEBIT", "quantity": "2", "unitAmount": "7.00",
         "totalAmount": "14.00", "taxAmount": "1.40", "productCode": "BEAN-1KG"},
        {"name": "Filter papers", "kind": "DEBIT", "quantity": "1", "unitAmount": "3.00",
         "totalAmount": "3.00"},
    ]  # fmt: skip
    assert txn["tax"] == {"taxAmount": "1.40"}
    assert txn["shipping"] == {"shippingAmount": "2.60"}
    assert txn["purchaseOrderNumber"] == "CUST-42"
    chosen = BraintreePaymentOptions(purchase_order_number="PO-9")
    assert (
        _transaction(bt.authorize(amount=2100, order=ORDER, options=chosen))["purchaseOrderNumber"]
        == "PO-9"
    )  # the option says it outright


def test_the_schema_refuses_a_line_item_without_its_kind() -> None:
    request = bt.request_of(
        Flow.AUTHORIZE, bt.authorize(amount=2100, order=ORDER), [bt.tokenized()]
    )
    sent = bt.body(request)
    del sent["variables"]["input"]["transaction"]["lineItems"][0]["kind"]
    with pytest.raises(SpecViolation):
        graphql_spec.validate_operation(bt.schema(), sent["query"], sent["variables"])


@pytest.mark.parametrize(
    ("order", "field"),
    [
        (Order(line_items=[LineItem(name="x", quantity=1, unit_amount=2000,
                                    sku="TOO-LONG-PRODUCT")]), "order.line_items[0].sku"),
        (Order(line_items=[LineItem(name="x", quantity=1, unit_amount=2000)],
               customer_reference="REFERENCE-OVER-17X"), "order.customer_reference"),
    ],
)  # fmt: skip
def test_order_fields_over_braintrees_limits_are_400s(order: Order, field: str) -> None:
    with pytest.raises(ServiceError) as err:
        bt.request_of(Flow.AUTHORIZE, bt.authorize(order=order), [bt.tokenized()])
    assert err.value.type is ErrorType.INVALID_REQUEST and err.value.field == field


def test_splits_are_not_supported_naming_them() -> None:
    data = bt.authorize(splits=[Split(destination="sub_merchant", amount=500)])
    with pytest.raises(ServiceError) as err:
        check_extras(bt.CONNECTOR, data)
    assert err.value.type is ErrorType.NOT_SUPPORTED and err.value.field == "splits"
