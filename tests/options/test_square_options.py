"""Square's connector options and its one platform split, the app fee (issue 19).

Every request is validated against the vendored spec (square/api.json: CreatePayment,
RefundPayment, CreateCard request schemas); each option is the field of its name.
Square pays no third destinations, so ``splits`` are ``not_supported`` before any
request; ``application_fee`` is ``app_fee_money`` and a refund gives back its share.
"""

from __future__ import annotations

from typing import Any

import pytest

from connector_service.connectors.base import HttpRequest
from connector_service.connectors.square import (
    APP_FEE_KEY,
    SquareMandateOptions,
    SquarePaymentOptions,
    SquareRefundOptions,
)
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, RefundData
from connector_service.domain.ids import PaymentRef
from connector_service.domain.splits import Split
from connector_service.domain.status import CaptureMethod
from connector_service.testing.spec import SpecViolation, validate_request
from tests.connectors import test_square as sq
from tests.connectors.harness import drive, response


def _sent(flow: Flow, data: Any, answers: list[str]) -> tuple[list[HttpRequest], Any]:
    requests, result = drive(
        sq.CONNECTOR, flow, sq.ctx(), data, [response(200, sq.fixture(a)) for a in answers]
    )
    for request in requests:
        validate_request(sq.SPEC, request, sq.BASE)
    return requests, result


def test_payment_options_are_create_payment_fields() -> None:
    options = SquarePaymentOptions(
        verification_token="verf:CBASEFm0qXsVd5g2dPe3Ebb", team_member_id="TMoK_ogh6rH1o4dV",
        delay_duration="PT36H", delay_action="COMPLETE",
    )  # fmt: skip
    [request], _ = _sent(Flow.AUTHORIZE, sq.authorize(options=options), ["payment_approved"])
    body = sq.body_of(request)
    assert body["verification_token"] == "verf:CBASEFm0qXsVd5g2dPe3Ebb"
    assert body["team_member_id"] == "TMoK_ogh6rH1o4dV"
    assert (body["delay_duration"], body["delay_action"]) == ("PT36H", "COMPLETE")
    [plain], _ = _sent(Flow.AUTHORIZE, sq.authorize(), ["payment_approved"])
    assert not {"verification_token", "team_member_id", "delay_action"} & set(sq.body_of(plain))


def test_delay_action_on_an_autocompleted_payment_is_a_400() -> None:
    data = sq.authorize(
        capture_method=CaptureMethod.AUTOMATIC, options=SquarePaymentOptions(delay_action="CANCEL")
    )
    with pytest.raises(ServiceError) as err:
        _sent(Flow.AUTHORIZE, data, [])
    assert err.value.field == "connector_options.square.delay_action"


def test_the_spec_refuses_a_mistyped_delay_action() -> None:
    """The validation can fail: delay_action is a string in the spec."""
    [request], _ = _sent(
        Flow.AUTHORIZE, sq.authorize(options=SquarePaymentOptions(delay_action="CANCEL")),
        ["payment_approved"],
    )  # fmt: skip
    bad = request.body.replace(b'"CANCEL"', b"5") if request.body else b""
    with pytest.raises(SpecViolation):
        validate_request(sq.SPEC, HttpRequest("POST", request.url, request.headers, bad), sq.BASE)


def test_application_fee_is_app_fee_money_and_remembered() -> None:
    [request], result = _sent(
        Flow.AUTHORIZE, sq.authorize(application_fee=300), ["payment_approved"]
    )
    assert sq.body_of(request)["app_fee_money"] == {"amount": 300, "currency": "USD"}
    assert result.meta[APP_FEE_KEY] == "300"


@pytest.mark.parametrize(
    ("kw", "field", "kind"),
    [
        ({"splits": [Split(destination="L88917AVBK2S5", amount=500)]}, "splits",
         ErrorType.NOT_SUPPORTED),
        ({"application_fee": 1900}, "application_fee", ErrorType.INVALID_REQUEST),
    ],
)  # fmt: skip
def test_splits_and_a_fee_over_90_percent_are_refused_before_any_request(
    kw: dict[str, Any], field: str, kind: ErrorType
) -> None:
    with pytest.raises(ServiceError) as err:
        _sent(Flow.AUTHORIZE, sq.authorize(**kw), [])
    assert (err.value.type, err.value.field) == (kind, field)


def _refund(options: SquareRefundOptions | None = None, fee: int | None = None) -> Any:
    ref = PaymentRef(
        account="square-test", connector="square", connector_payment_id=sq.PID, amount=2000,
        currency="USD", capture_method="manual",
        meta={APP_FEE_KEY: str(fee)} if fee else {},
    )  # fmt: skip
    data = RefundData(payment=ref, amount=500, reference="r-1", options=options)
    [request], _ = _sent(Flow.REFUND, data, ["refund_pending"])
    return sq.body_of(request)


def test_a_refund_gives_back_the_fees_share() -> None:
    assert _refund(fee=300)["app_fee_money"] == {"amount": 75, "currency": "USD"}  # 300*500/2000
    assert "app_fee_money" not in _refund()
    chosen = _refund(SquareRefundOptions(app_fee_money=0, team_member_id="TMoK_ogh6rH1o4dV"), 300)
    assert "app_fee_money" not in chosen and chosen["team_member_id"] == "TMoK_ogh6rH1o4dV"
    assert _refund(SquareRefundOptions(app_fee_money=120))["app_fee_money"]["amount"] == 120


def test_mandate_verification_token_goes_on_create_card() -> None:
    data = sq.setup()
    data.options = SquareMandateOptions(verification_token="verf:CBASEFm0qXsVd5g2dPe3Ebb")
    requests, _ = _sent(Flow.SETUP_MANDATE, data, ["customer_created", "card_created"])
    assert requests[-1].url.endswith("/v2/cards")
    assert sq.body_of(requests[-1])["verification_token"] == "verf:CBASEFm0qXsVd5g2dPe3Ebb"
