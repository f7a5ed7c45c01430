"""What a gRPC client application would do: stubs over one channel, metadata, and the
error details decoded from the ``grpc-status-details-bin`` trailer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from connector_service.grpc_gen.v1 import (
    common_pb2,
    connectors_pb2_grpc,
    disputes_pb2_grpc,
    errors_pb2,
    mandates_pb2_grpc,
    payments_pb2,
    payments_pb2_grpc,
    refunds_pb2_grpc,
    webhooks_pb2_grpc,
)


def card(number: str = "4242424242424242", **extra: Any) -> common_pb2.PaymentMethod:
    return common_pb2.PaymentMethod(
        card=common_pb2.Card(number=number, exp_month=12, exp_year=2034, cvc="123", **extra)
    )


def eur(minor: int) -> common_pb2.Money:
    return common_pb2.Money(minor_units=minor, currency="EUR")


def payment_request(
    number: str = "4242424242424242", amount: int = 1000, **fields: Any
) -> payments_pb2.CreatePaymentRequest:
    return payments_pb2.CreatePaymentRequest(
        amount=eur(amount), payment_method=card(number), **fields
    )


class Grpc:
    """Stubs for every service over one aio channel, sending the API key as metadata."""

    def __init__(self, target: str, key: str | None = None) -> None:
        self.channel = grpc.aio.insecure_channel(target)
        self.key = key
        self.payments = payments_pb2_grpc.PaymentServiceStub(self.channel)
        self.refunds = refunds_pb2_grpc.RefundServiceStub(self.channel)
        self.mandates = mandates_pb2_grpc.MandateServiceStub(self.channel)
        self.disputes = disputes_pb2_grpc.DisputeServiceStub(self.channel)
        self.webhooks = webhooks_pb2_grpc.WebhookServiceStub(self.channel)
        self.connectors = connectors_pb2_grpc.ConnectorServiceStub(self.channel)

    def md(self, **extra: str) -> list[tuple[str, str]]:
        out = [("authorization", f"Bearer {self.key}")] if self.key else []
        return out + [(k.replace("_", "-"), v) for k, v in extra.items()]

    async def close(self) -> None:
        await self.channel.close()


@dataclass
class Failed:
    code: grpc.StatusCode
    message: str
    detail: errors_pb2.ErrorDetail
    info: error_details_pb2.ErrorInfo
    bad_request: error_details_pb2.BadRequest | None
    initial: dict[str, str]


async def fails(call: Any) -> Failed:
    """Await a call that must fail; return its status and decoded details."""
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        trailing = dict(exc.trailing_metadata() or ())
        status = status_pb2.Status.FromString(trailing["grpc-status-details-bin"])
        assert status.code == exc.code().value[0] and status.message == exc.details()
        detail = errors_pb2.ErrorDetail()
        info = error_details_pb2.ErrorInfo()
        bad: error_details_pb2.BadRequest | None = None
        assert status.details[0].Unpack(detail) and status.details[1].Unpack(info)
        if len(status.details) > 2:
            bad = error_details_pb2.BadRequest()
            assert status.details[2].Unpack(bad)
        initial = {k: v for k, v in (exc.initial_metadata() or ()) if isinstance(v, str)}
        return Failed(exc.code(), exc.details() or "", detail, info, bad, initial)
    raise AssertionError("the call succeeded")
