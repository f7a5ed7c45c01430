"""Paystack's and Rapyd's connector options: each maps to the field of its name and every
request is validated against the published spec (Rapyd: plus its signing rules)."""

from __future__ import annotations

import pytest

from connector_service.connectors.paystack import PaystackPaymentOptions
from connector_service.connectors.rapyd import RapydPaymentOptions
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, StoredMandate
from connector_service.testing.fakes.rapyd import check_request
from connector_service.testing.spec import validate_request
from tests.connectors import test_paystack as paystack
from tests.connectors import test_rapyd as rapyd


def test_paystack_mandate_charge_takes_the_split_fields() -> None:
    options = PaystackPaymentOptions(
        subaccount="ACCT_8f4s1eq7ml6rlzj", transaction_charge=10000, bearer="subaccount",
        queue=True,
    )  # fmt: skip
    data = paystack.authorize(
        StoredMandate(ref=paystack.mandate_ref(email=paystack.EMAIL)), options=options
    )
    request = paystack.first_request(Flow.AUTHORIZE, paystack.ctx(), data)
    validate_request(paystack.SPEC, request, paystack.BASE)
    body = paystack.body_of(request)
    assert request.url.endswith("/transaction/charge_authorization")
    assert body["subaccount"] == "ACCT_8f4s1eq7ml6rlzj" and body["bearer"] == "subaccount"
    assert body["transaction_charge"] == "10000" and body["queue"] is True


def test_paystack_card_charge_takes_device_id_not_split_fields() -> None:
    data = paystack.authorize(options=PaystackPaymentOptions(device_id="dev-42"))
    request = paystack.first_request(Flow.AUTHORIZE, paystack.ctx(), data)
    validate_request(paystack.SPEC, request, paystack.BASE)
    assert paystack.body_of(request)["device_id"] == "dev-42"
    with pytest.raises(ServiceError) as err:
        paystack.first_request(
            Flow.AUTHORIZE, paystack.ctx(),
            paystack.authorize(options=PaystackPaymentOptions(split_code="SPL_98WF13Eb3w")),
        )  # fmt: skip
    assert err.value.type is ErrorType.NOT_SUPPORTED
    assert err.value.field == "connector_options.paystack.split_code"


def test_rapyd_payment_options() -> None:
    options = RapydPaymentOptions(
        ewallet="ewallet_1a2b3c4d", statement_descriptor="SPRING SALE",
        receipt_email="ada@example.com", escrow=True, escrow_release_days=7,
    )  # fmt: skip
    request = rapyd.first_request(Flow.AUTHORIZE, rapyd.authorize(options=options))
    check_request(request, rapyd.BASE)
    body = rapyd.body_of(request)
    assert body["ewallet"] == "ewallet_1a2b3c4d"
    assert body["statement_descriptor"] == "SPRING SALE"
    assert body["receipt_email"] == "ada@example.com"
    assert body["escrow"] is True and body["escrow_release_days"] == 7
    plain = rapyd.body_of(rapyd.first_request(Flow.AUTHORIZE, rapyd.authorize()))
    assert "ewallet" not in plain and "escrow" not in plain
