"""``grpc_codec.fill`` against ``json_format.ParseDict``, the code it replaces: the same
message for every document shape the gRPC answers carry, and a clear error where a value
has no proto form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from google.protobuf import json_format
from google.protobuf.message import Message

from connector_service.grpc_gen.v1 import (
    common_pb2,
    connectors_pb2,
    mandates_pb2,
    payments_pb2,
    refunds_pb2,
    webhooks_pb2,
)
from connector_service.server.grpc_codec import fill

PAYMENT: dict[str, Any] = {
    "id": "pay_abc",
    "status": "PAYMENT_STATUS_PARTIALLY_CAPTURED",
    "amount": {"minor_units": 2500, "currency": "EUR"},
    "amount_captured": {"minor_units": 1000, "currency": "EUR"},
    "connector": "stripe",
    "account": "eu",
    "connector_payment_id": "pi_1",
    "capture_method": "CAPTURE_METHOD_MANUAL",
    "reference": None,  # None is "not set", as ParseDict has it for message fields
    "payment_method": {
        "type": "card",
        "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2034},
    },
    "next_action": {
        "type": "redirect",
        "url": "https://acs.example/1",
        "method": "POST",
        "form": {"PaReq": "x", "MD": "y"},
    },
    "failure": {
        "code": "insufficient_funds",
        "category": "DECLINE_CATEGORY_SOFT",
        "gateway": {"code": "51", "message": "Insufficient", "http_status": 402},
    },
    "mandate": {"id": "man_1", "status": "MANDATE_STATUS_ACTIVE"},
    "metadata": {"order": "1001", "empty": ""},
    "attempts": [
        {"account": "eu", "connector": "stripe", "outcome": "declined", "latency_ms": 12},
        {"account": "us", "connector": "adyen", "outcome": "succeeded", "latency_ms": 3.5},
    ],
    "routing": {
        "rule": "eu-cards",
        "cascade_on_soft_decline": True,
        "candidates": [
            {"account": "eu", "connector": "stripe", "estimated_fee": 0},
            {"account": "us", "connector": "adyen", "estimated_fee": 31, "skipped": "breaker"},
        ],
    },
    "a_field_the_proto_lacks": {"anything": 1},
}


def _parse_dict(data: dict[str, Any], message: Message) -> Message:
    clean = {k: v for k, v in data.items() if v is not None}
    json_format.ParseDict(clean, message, ignore_unknown_fields=True)
    return message


def _known(message_type: type[Message], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with only the keys the message (recursively) declares, so that the test
    fails if the fixtures stop exercising real fields."""
    names = set(message_type.DESCRIPTOR.fields_by_name)
    return {k: v for k, v in data.items() if k in names}


@pytest.mark.parametrize(
    ("message_type", "data"),
    [
        (payments_pb2.Payment, PAYMENT),
        (
            refunds_pb2.Refund,
            {"id": "ref_1", "status": "REFUND_STATUS_SUCCEEDED", "payment_id": "pay_abc",
             "amount": {"minor_units": 500, "currency": "EUR"}, "metadata": {"a": "b"}},
        ),
        (
            mandates_pb2.Mandate,
            {"id": "man_1", "status": "MANDATE_STATUS_PENDING", "connector": "adyen",
             "payment_method": {"type": "card", "card": {"last4": "1111"}}},
        ),
        (
            connectors_pb2.ConnectorInfo,
            {"name": "stripe", "currencies": ["*"], "countries": ["DE", "FR"]},
        ),
        (
            webhooks_pb2.WebhookEvent,
            {"created": "2026-12-02T10:11:12Z", "connector": "stripe",
             "payment": {"id": "pay_abc", "status": "PAYMENT_STATUS_AUTHORIZED"}},
        ),
    ],
)  # fmt: skip
def test_fill_makes_the_message_parse_dict_makes(
    message_type: type[Message], data: dict[str, Any]
) -> None:
    expected = _parse_dict(data, message_type())
    got = fill(message_type(), data)
    assert got == expected
    assert got.SerializeToString(deterministic=True) == expected.SerializeToString(
        deterministic=True
    )
    # Every key the fixture sets (but None) is a field that ended up set.
    assert len(got.ListFields()) == len(
        [v for v in _known(message_type, data).values() if v is not None]
    )


def test_a_payment_with_every_field_set_is_covered() -> None:
    fields = set(payments_pb2.Payment.DESCRIPTOR.fields_by_name)
    missing = fields - set(PAYMENT) - {"network_transaction_id", "pending_reason",
                                       "connector_status"}  # fmt: skip
    assert missing == set(), "add the new Payment fields to the fixture"


def test_timestamps_take_a_datetime_too() -> None:
    when = dt.datetime(2026, 12, 2, 10, 11, 12, tzinfo=dt.UTC)
    got = fill(webhooks_pb2.WebhookEvent(), {"created": when})
    assert got.created.ToDatetime(tzinfo=dt.UTC) == when


def test_an_enum_name_the_proto_lacks_is_an_error_not_zero() -> None:
    with pytest.raises(ValueError, match="PAYMENT_STATUS_EXPLODED"):
        fill(payments_pb2.Payment(), {"status": "PAYMENT_STATUS_EXPLODED"})


def test_a_message_field_given_a_scalar_is_an_error() -> None:
    with pytest.raises((TypeError, AttributeError, ValueError)):
        fill(common_pb2.Money(), {"minor_units": "lots"})
