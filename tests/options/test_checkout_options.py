"""Checkout.com's connector options: each maps to the Payments API field of its name and
every request passes the fake's contract check (swagger.json and, for NAS keys, the NAS
preview spec). Splits: the specs have no amount allocations, so a split of the whole
amount maps to ``marketplace.sub_entity_id`` (NAS) and anything finer is not_supported;
order data is not supported (no items on a payment request in these specs)."""

from __future__ import annotations

import msgspec
import pytest

from connector_service import ConnectorService
from connector_service.connectors.checkout import (
    CheckoutConnector,
    CheckoutPaymentOptions,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, RefundData, StoredMandate
from connector_service.domain.splits import Split
from tests.connectors.test_checkout import (
    authorize,
    body_of,
    ctx,
    first_request,
    mandate_ref,
    payment_ref,
)
from tests.fakes.checkout import check_request

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
CONNECTOR = CheckoutConnector()
OPTIONS = msgspec.convert(
    {
        "processing_channel_id": "pc_aaaaaaaaaaaaaaaaaaaaaaaaaa",
        "payment_type": "MOTO",
        "billing_descriptor": {"name": "WAYNE ENT", "city": "GOTHAM"},
        "marketplace": {"sub_entity_id": "ent_rgyzti4x74xubmu72m6r3pvksa"},
    },
    CheckoutPaymentOptions,
)


def test_payment_options_map_to_payment_request_fields() -> None:
    request = first_request(Flow.AUTHORIZE, ctx(), authorize(options=OPTIONS))
    check_request(request, "nas")
    body = body_of(request)
    assert body["processing_channel_id"] == "pc_aaaaaaaaaaaaaaaaaaaaaaaaaa"  # not the account's
    assert body["payment_type"] == "MOTO"
    assert body["billing_descriptor"] == {"name": "WAYNE ENT", "city": "GOTHAM"}
    assert body["marketplace"] == {"sub_entity_id": "ent_rgyzti4x74xubmu72m6r3pvksa"}


def test_a_mandate_charge_keeps_its_own_payment_type() -> None:
    data = authorize(
        StoredMandate(ref=mandate_ref()), options=CheckoutPaymentOptions(payment_type="MOTO")
    )
    request = first_request(Flow.AUTHORIZE, ctx(), data)
    check_request(request, "nas")
    assert body_of(request)["payment_type"] != "MOTO"


def test_abc_accounts_refuse_nas_only_options_naming_them() -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx("abc"), authorize(options=OPTIONS))
    assert err.value.type is ErrorType.NOT_SUPPORTED
    assert err.value.field == "connector_options.checkout.processing_channel_id"
    descriptor = CheckoutPaymentOptions(billing_descriptor=OPTIONS.billing_descriptor)
    request = first_request(Flow.AUTHORIZE, ctx("abc"), authorize(options=descriptor))
    check_request(request, "abc")
    assert body_of(request)["billing_descriptor"]["city"] == "GOTHAM"


async def test_capture_takes_no_checkout_block_final_capture_says_nonfinal() -> None:
    """capture_type came from the unified final_capture since main added it; a capture
    block for checkout is an unknown option, not a second way to say the same thing."""
    async with ConnectorService() as cs:
        with pytest.raises(ServiceError) as err:
            await cs.capture(
                "pay_x", {"connector_options": {"checkout": {"capture_type": "NonFinal"}}}
            )
        assert (err.value.code, err.value.field) == (
            "unknown_option",
            "connector_options.checkout",
        )


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"processing_channel_id": "mer_1"}, "connector_options.checkout.processing_channel_id"),
        ({"billing_descriptor": {"name": "X"}}, "connector_options.checkout.billing_descriptor"),
        ({"payment_type": "Installment"}, "connector_options.checkout.payment_type"),
    ],
)
async def test_bad_checkout_options_are_400s(options: dict[str, object], field: str) -> None:
    card = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}
    async with ConnectorService() as cs:
        with pytest.raises(ServiceError) as err:
            await cs.create_payment(
                {"amount": 100, "currency": "EUR", "payment_method": card,
                 "connector_options": {"checkout": options}}
            )  # fmt: skip
        assert (err.value.code, err.value.field) == ("invalid_option", field)


ENTITY = "ent_rgyzti4x74xubmu72m6r3pvksa"


def test_a_whole_split_is_the_marketplace_sub_entity() -> None:
    data = authorize(splits=[Split(destination=ENTITY, amount=authorize().amount)])
    request = first_request(Flow.AUTHORIZE, ctx(), data)
    check_request(request, "nas")
    assert body_of(request)["marketplace"] == {"sub_entity_id": ENTITY}


WHOLE = authorize().amount


@pytest.mark.parametrize(
    ("kw", "field", "kind"),
    [
        ({"splits": [Split(destination=ENTITY, amount=100)]}, "splits", ErrorType.NOT_SUPPORTED),
        ({"application_fee": 100}, "application_fee", ErrorType.NOT_SUPPORTED),
        ({"splits": [Split(destination="acct_1", amount=WHOLE)]}, "splits[0].destination",
         ErrorType.INVALID_REQUEST),
    ],
)  # fmt: skip
def test_what_the_specs_cannot_say_is_refused_before_any_request(
    kw: dict[str, object], field: str, kind: ErrorType
) -> None:
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx(), authorize(**kw))
    assert (err.value.type, err.value.field) == (kind, field)


def test_sub_entities_are_nas_only_and_not_given_twice() -> None:
    whole = [Split(destination=ENTITY, amount=authorize().amount)]
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx("abc"), authorize(splits=whole))
    assert (err.value.type, err.value.field) == (ErrorType.NOT_SUPPORTED, "splits")
    twice = authorize(splits=whole, options=OPTIONS)
    with pytest.raises(ServiceError) as err:
        first_request(Flow.AUTHORIZE, ctx(), twice)
    assert err.value.field == "connector_options.checkout.marketplace"


def test_a_refund_of_a_sub_entity_payment_is_a_plain_refund() -> None:
    """Nothing to reverse by hand: the payment was the sub-entity's as a whole, so its
    refund comes back from it (docs/marketplace-and-orders.md)."""
    data = RefundData(payment=payment_ref(), amount=1000, reference="r-1")
    request = first_request(Flow.REFUND, ctx(), data)
    check_request(request, "nas")
    assert "marketplace" not in body_of(request) and body_of(request)["amount"] == 1000
