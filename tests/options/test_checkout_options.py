"""Checkout.com's connector options: each maps to the Payments API field of its name and
every request passes the fake's contract check (swagger.json and, for NAS keys, the NAS
preview spec). Splits and order data are not supported (not in these specs)."""

from __future__ import annotations

import msgspec
import pytest

from connector_service import ConnectorService
from connector_service.connectors.checkout import (
    CheckoutConnector,
    CheckoutPaymentOptions,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, StoredMandate
from tests.connectors.test_checkout import (
    authorize,
    body_of,
    ctx,
    first_request,
    mandate_ref,
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
