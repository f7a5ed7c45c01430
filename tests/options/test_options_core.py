"""Typed connector options, splits and order through the core (library mode, sandbox):
every block validated whichever connector serves, 400s naming the field, only the
serving connector's block sent, splits credited and reversed per destination."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from connector_service import ConnectorService
from connector_service.domain.errors import ServiceError
from connector_service.sandbox.gateway import NS

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}


def _pay(**extra: Any) -> dict[str, Any]:
    return {"amount": 1000, "currency": "EUR", "payment_method": CARD, **extra}


async def _record(cs: ConnectorService, kind: str, gid: str) -> dict[str, Any]:
    raw = await cs.runtime.storage.get(NS, f"{kind}:{gid}")
    assert raw is not None
    record: dict[str, Any] = msgspec.json.decode(raw)
    return record


async def _fails(cs: ConnectorService, body: dict[str, Any]) -> ServiceError:
    with pytest.raises(ServiceError) as err:
        await cs.create_payment(body)
    return err.value


async def test_the_serving_connectors_block_reaches_its_gateway() -> None:
    async with ConnectorService() as cs:
        payment = await cs.create_payment(
            _pay(
                connector_options={
                    "sandbox": {"descriptor_suffix": "ORDER42", "risk_label": "elevated"},
                    # another candidate's block: validated, not sent here
                    "stripe": {"transfer_group": "grp_1"},
                }
            )
        )
        record = await _record(cs, "payment", payment.connector_payment_id)
        assert record["descriptor_suffix"] == "ORDER42"
        assert record["risk_label"] == "elevated"
        assert "transfer_group" not in record


async def test_capture_refund_and_mandate_options_reach_the_gateway() -> None:
    async with ConnectorService() as cs:
        payment = await cs.create_payment(_pay(capture_method="manual"))
        await cs.capture(payment.id, {"connector_options": {"sandbox": {"note": "cap-note"}}})
        record = await _record(cs, "payment", payment.connector_payment_id)
        assert record["capture_note"] == "cap-note"
        refund = await cs.refund(
            payment.id, {"amount": 100, "connector_options": {"sandbox": {"note": "ref-note"}}}
        )
        assert (await _record(cs, "refund", refund.connector_refund_id))["note"] == "ref-note"
        mandate = await cs.create_mandate(
            {
                "currency": "EUR",
                "payment_method": CARD,
                "customer": {"id": "c1"},
                "connector_options": {"sandbox": {"note": "mandate-note"}},
            }
        )
        assert (await _record(cs, "mandate", mandate.connector_mandate_id))["note"] == (
            "mandate-note"
        )


@pytest.mark.parametrize(
    ("options", "code", "field"),
    [
        ({"sandbox": {"descriptor_sufix": "X"}}, "unknown_option",
         "connector_options.sandbox.descriptor_sufix"),
        ({"nosuchgateway": {}}, "unknown_option", "connector_options.nosuchgateway"),
        ({"sandbox": {"risk_label": "extreme"}}, "invalid_option",
         "connector_options.sandbox.risk_label"),
        ({"sandbox": {"descriptor_suffix": 7}}, "invalid_option",
         "connector_options.sandbox.descriptor_suffix"),
        ({"sandbox": {"descriptor_suffix": "much-too-long"}}, "invalid_option",
         "connector_options.sandbox.descriptor_suffix"),
        # a block for a connector that does not serve this request is validated too
        ({"stripe": {"transfer_grup": "g"}}, "unknown_option",
         "connector_options.stripe.transfer_grup"),
        ({"stripe": {"payment_method_options": {"card": {"request_three_d_secure": "never"}}}},
         "invalid_option",
         "connector_options.stripe.payment_method_options.card.request_three_d_secure"),
        ({"adyen": {"shopper_statment": "x"}}, "unknown_option",
         "connector_options.adyen.shopper_statment"),
    ],
)  # fmt: skip
async def test_bad_options_are_400s_naming_the_field(
    options: dict[str, Any], code: str, field: str
) -> None:
    async with ConnectorService() as cs:
        err = await _fails(cs, _pay(connector_options=options))
        assert (err.code, err.field, err.http_status) == (code, field, 400), err.message


async def test_a_kind_without_options_is_unknown_option() -> None:
    async with ConnectorService() as cs:
        payment = await cs.create_payment(_pay())
        with pytest.raises(ServiceError) as err:
            await cs.capture(payment.id, {"connector_options": {"paystack": {"x": 1}}})
        assert (err.value.code, err.value.field) == ("unknown_option", "connector_options.paystack")


async def test_splits_credit_destinations_and_refunds_reverse_them_proportionally() -> None:
    async with ConnectorService() as cs:
        splits = [
            {"destination": "shop_a", "amount": 600},
            {"destination": "shop_b", "amount": 300},
        ]
        payment = await cs.create_payment(_pay(splits=splits, application_fee=100))
        assert payment.status == "captured"
        gateway = cs.runtime.sandbox
        assert (await gateway.balance("shop_a"))["available"] == {"EUR": 600}
        assert (await gateway.balance("shop_b"))["available"] == {"EUR": 300}
        refund = await cs.refund(payment.id, {"amount": 500})
        record = await _record(cs, "refund", refund.connector_refund_id)
        assert record["reversed_splits"] == [
            {"destination": "shop_a", "amount": 300},
            {"destination": "shop_b", "amount": 150},
        ]
        assert record["application_fee_refunded"] == 50
        assert (await gateway.balance("shop_a"))["available"] == {"EUR": 300}
        assert (await gateway.balance("shop_b"))["available"] == {"EUR": 150}


async def test_an_authorization_credits_destinations_only_on_capture() -> None:
    async with ConnectorService() as cs:
        payment = await cs.create_payment(
            _pay(capture_method="manual", splits=[{"destination": "late", "amount": 400}])
        )
        assert (await cs.runtime.sandbox.balance("late"))["available"] == {}
        await cs.capture(payment.id)
        assert (await cs.runtime.sandbox.balance("late"))["available"] == {"EUR": 400}


@pytest.mark.parametrize(
    ("extra", "code", "field"),
    [
        ({"splits": [{"destination": "a", "amount": 900}], "application_fee": 200},
         "invalid_splits", "splits"),
        ({"application_fee": 1001}, "invalid_splits", "application_fee"),
        ({"splits": [{"destination": "a", "amount": 1}, {"destination": "a", "amount": 2}]},
         "invalid_splits", "splits[1].destination"),
        ({"splits": [{"destination": "", "amount": 1}]}, "invalid_field",
         "splits[0].destination"),
        ({"order": {"line_items": [{"name": "x", "quantity": 2, "unit_amount": 400}]}},
         "invalid_order", "order.line_items"),
        ({"order": {"line_items": [{"name": "x", "quantity": 1, "unit_amount": 900,
                                    "tax_amount": 100}], "tax_amount": 50}},
         "invalid_order", "order.tax_amount"),
    ],
)  # fmt: skip
async def test_bad_splits_and_orders_are_400s_naming_the_field(
    extra: dict[str, Any], code: str, field: str
) -> None:
    async with ConnectorService() as cs:
        err = await _fails(cs, _pay(**extra))
        assert (err.code, err.field, err.http_status) == (code, field, 400), err.message


async def test_order_data_is_not_supported_by_the_sandbox() -> None:
    order = {
        "line_items": [{"name": "x", "quantity": 2, "unit_amount": 450}],
        "shipping_amount": 100,
    }
    async with ConnectorService() as cs:
        err = await _fails(cs, _pay(order=order))
        assert (err.code, err.field) == ("not_supported", "order")


async def test_connectors_list_their_options_and_split_support() -> None:
    async with ConnectorService() as cs:
        info = {c.name: c for c in cs.connectors()}
        assert "payment.descriptor_suffix" in info["sandbox"].connector_options
        assert "refund.note" in info["sandbox"].connector_options
        assert info["sandbox"].splits is True
