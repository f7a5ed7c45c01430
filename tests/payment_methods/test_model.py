"""The payment-method model: every method's checks, over the REST decoder and over REST
itself (a 4xx naming the field), and the check-digit algorithms behind them."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from connector_service.domain import api
from connector_service.domain.codec import dec_hook
from connector_service.domain.common import NextAction
from connector_service.domain.payment_methods import (
    AchDebit,
    Card,
    MethodKind,
    PaymentMethodType,
    SepaDebit,
    aba_ok,
    cnpj_ok,
    cpf_ok,
    iban_ok,
    kind_of,
    type_of,
)
from connector_service.server.errors import validation_error
from tests.payment_methods.examples import BAD, EXAMPLES, example, payment
from tests.server.client import Api
from tests.server.test_rest_flows import service  # noqa: F401 - the shared module server


def decode(body: dict[str, Any]) -> api.PaymentCreate:
    return msgspec.convert(body, api.PaymentCreate, dec_hook=dec_hook)


def refused_field(body: dict[str, Any]) -> str | None:
    with pytest.raises(msgspec.ValidationError) as exc:
        decode(body)
    return validation_error(exc.value).field


@pytest.mark.parametrize("pm_type", sorted(EXAMPLES))
def test_every_example_decodes_to_its_type(pm_type: str) -> None:
    req = decode(payment(pm_type))
    assert type_of(req.payment_method).value == pm_type


def test_the_examples_cover_every_method() -> None:
    assert set(EXAMPLES) | {"token", "mandate"} == {t.value for t in PaymentMethodType}
    assert set(BAD) == set(EXAMPLES)


BAD_CASES = [(t, changes, field) for t, cases in sorted(BAD.items()) for changes, field in cases]


@pytest.mark.parametrize(("pm_type", "changes", "field"), BAD_CASES)
def test_bad_input_names_the_field(pm_type: str, changes: dict[str, Any], field: str) -> None:
    pm = example(pm_type, **changes)
    body = payment(pm_type)
    body["payment_method"] = pm
    assert refused_field(body) == field


async def test_bad_input_over_rest_is_a_4xx_naming_the_field(service: Any) -> None:  # noqa: F811
    a = Api(service.url, "key-a")
    for pm_type, changes, field in BAD_CASES:
        body = payment(pm_type)
        body["payment_method"] = example(pm_type, **changes)
        status, err, _ = await a.call("POST", "/v1/payments", body)
        assert 400 <= status < 500 and err["error"]["field"] == field, (pm_type, err)
        text = json.dumps(err)
        for secret in ("DE89370400440532013001", "777123", "000123456789", "AgAAAAAABk4DWZ4C"):
            assert secret not in text


def test_secrets_are_masked_in_repr_and_json() -> None:
    req = decode(payment("sepa_debit"))
    pm = req.payment_method
    assert isinstance(pm, SepaDebit)
    assert pm.iban.reveal() == "DE89370400440532013000"  # normalised: no spaces
    assert "370400440532013000" not in repr(req)
    encoded = msgspec.json.encode(req, enc_hook=lambda o: str(o))
    assert b"370400440532013000" not in encoded and b"[REDACTED]" in encoded
    ach = decode(payment("ach_debit")).payment_method
    assert isinstance(ach, AchDebit) and "000123456789" not in repr(ach)


def test_external_three_ds_rides_on_the_card() -> None:
    three_ds = {
        "authentication_value": "AAABBEg0VhI0VniQEjRWAAAAAAA=",
        "eci": "05",
        "version": "2.2.0",
        "ds_transaction_id": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b",
    }
    req = decode(payment("card", payment_method=example("card", three_ds=three_ds)))
    pm = req.payment_method
    assert isinstance(pm, Card) and pm.three_ds is not None
    assert pm.three_ds.eci == "05" and "AAABBEg0" not in repr(pm)
    # 3-D Secure 1 has no directory server transaction id
    v1 = {**three_ds, "version": "1.0.2"}
    del v1["ds_transaction_id"]
    assert decode(payment("card", payment_method=example("card", three_ds=v1)))


@pytest.mark.parametrize(
    ("iban", "ok"),
    [
        ("DE89370400440532013000", True),
        ("NL91ABNA0417164300", True),
        ("GB82WEST12345698765432", True),
        ("FR1420041010050500013M02606", True),
        ("DE89370400440532013001", False),
        ("NL91ABNA041716430", False),
        ("DE8937040044053201300X", False),
        ("1234", False),
    ],
)
def test_iban_mod97(iban: str, ok: bool) -> None:
    assert iban_ok(iban) is ok


def test_check_digits_of_routing_numbers_and_tax_ids() -> None:
    assert aba_ok("110000000") and aba_ok("021000021") and aba_ok("011401533")
    assert not aba_ok("021000022") and not aba_ok("11000000")
    assert cpf_ok("52998224725") and not cpf_ok("52998224726") and not cpf_ok("11111111111")
    assert cnpj_ok("11222333000181") and not cnpj_ok("11222333000182")


def test_upi_kind_depends_on_the_vpa() -> None:
    collect = decode(payment("upi")).payment_method
    intent = decode(payment("upi", payment_method={"type": "upi"})).payment_method
    assert kind_of(collect) is MethodKind.APP_CONFIRM
    assert kind_of(intent) is MethodKind.QR


@pytest.mark.parametrize(
    "wire",
    [
        {
            "type": "redirect",
            "url": "https://bank.example/pay",
            "method": "POST",
            "form": {"token": "t"},
        },
        {
            "type": "display_qr",
            "url": "",
            "payload": "000201...",
            "image": "data:image/png;base64,AA",
            "expires_at": "2026-12-02T18:00:00Z",
        },
        {
            "type": "display_voucher",
            "url": "",
            "reference": "123",
            "barcode": "123000",
            "expires_at": "2026-12-05T00:00:00Z",
            "instructions_url": "https://x.example/v",
        },
        {"type": "await_customer", "url": "", "method": "POST", "form": {"otp": ""}},
        {
            "type": "three_ds",
            "url": "https://acs.example/method",
            "form": {"threeDSMethodData": "e"},
            "version": "2.2.0",
        },
    ],
)
def test_next_actions_round_trip_with_their_type(wire: dict[str, Any]) -> None:
    action = msgspec.convert(wire, NextAction)
    assert action.type == wire["type"]
    back = msgspec.to_builtins(action)
    assert back == {k: v for k, v in wire.items() if not (k == "method" and v == "GET")}
    assert "url" in back  # every variant keeps url: old clients read type and url
