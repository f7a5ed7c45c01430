"""Idempotency compares requests, not bytes: the validated request in canonical form
(operation, path ids, the API struct with sorted keys) decides, whatever the key order,
whitespace or transport. REST and gRPC share the records and replay each other."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid

import grpc
import msgspec
import pytest

from connector_service.core import fingerprint, idempotency
from connector_service.domain import api
from connector_service.domain.codec import decoder
from connector_service.grpc_gen.v1 import common_pb2, payments_pb2
from connector_service.runtime import Runtime
from tests.grpc.client import payment_request
from tests.observability.asgi import config, running_both

PAN = "4242424242424242"


def key() -> str:
    return f"canon-{uuid.uuid4().hex}"


def body(**extra: object) -> dict[str, object]:
    return {
        "amount": 1000,
        "currency": "EUR",
        "payment_method": {
            "type": "card", "number": PAN, "exp_month": 12, "exp_year": 2034, "cvc": "123",
        },
        **extra,
    }  # fmt: skip


async def test_reordered_keys_and_whitespace_replay() -> None:
    async with running_both(config()) as (rest, _):
        k = {"idempotency-key": key()}
        first = await rest.request("POST", "/v1/payments", body(), headers=k)
        assert first.status == 201
        reordered = json.dumps(dict(reversed(list(body().items()))), indent=3).encode()
        assert reordered != json.dumps(body()).encode()
        again = await rest.request("POST", "/v1/payments", raw=b"\n  " + reordered, headers=k)
        assert again.status == 201, again.text
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]


async def test_a_default_given_equals_the_default_omitted() -> None:
    """``capture_method: automatic`` is the default: the gateway gets the same call either
    way, so the second request replays the first."""
    async with running_both(config()) as (rest, _):
        k = {"idempotency-key": key()}
        first = await rest.request("POST", "/v1/payments", body(), headers=k)
        again = await rest.request(
            "POST", "/v1/payments", body(capture_method="automatic"), headers=k
        )
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json()["id"] == first.json()["id"]
        other = await rest.request("POST", "/v1/payments", body(capture_method="manual"), headers=k)
        assert other.status == 409 and other.json()["error"]["code"] == "idempotency_key_reused"


async def test_another_card_is_another_request() -> None:
    """The canonical form holds the card number in clear (only its keyed hash is kept),
    so requests differing only there never replay each other."""
    async with running_both(config()) as (rest, _):
        k = {"idempotency-key": key()}
        assert (await rest.request("POST", "/v1/payments", body(), headers=k)).status == 201
        other = body()
        other["payment_method"] = {
            "type": "card", "number": "5555555555554444", "exp_month": 12, "exp_year": 2034,
            "cvc": "123",
        }  # fmt: skip
        reply = await rest.request("POST", "/v1/payments", other, headers=k)
        assert reply.status == 409 and reply.json()["error"]["code"] == "idempotency_key_reused"


async def test_rest_then_grpc_replays() -> None:
    async with running_both(config()) as (rest, g):
        k = key()
        first = await rest.request(
            "POST", "/v1/payments", body(capture_method="manual"), headers={"idempotency-key": k}
        )
        assert first.status == 201
        call = g.payments.CreatePayment(
            payment_request(PAN, capture_method=common_pb2.CAPTURE_METHOD_MANUAL),
            metadata=g.md(idempotency_key=k),
        )
        replayed = await call
        assert dict(await call.initial_metadata())["idempotent-replayed"] == "true"
        assert replayed.id == first.json()["id"]
        assert replayed.status == common_pb2.PAYMENT_STATUS_AUTHORIZED
        assert replayed.amount.minor_units == 1000 and replayed.amount.currency == "EUR"
        # Other content with the key is still a conflict, over gRPC too.
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await g.payments.CreatePayment(payment_request(PAN), metadata=g.md(idempotency_key=k))
        assert exc.value.code() == grpc.StatusCode.ALREADY_EXISTS


async def test_grpc_then_rest_replays() -> None:
    async with running_both(config()) as (rest, g):
        k = key()
        paid = await g.payments.CreatePayment(
            payment_request(PAN), metadata=g.md(idempotency_key=k)
        )
        reply = await rest.request("POST", "/v1/payments", body(), headers={"idempotency-key": k})
        assert reply.status == 201
        assert reply.headers["idempotent-replayed"] == "true"
        assert reply.json()["id"] == paid.id and reply.json()["status"] == "captured"
        # Path ids count the same way: capture over gRPC, replayed over REST.
        auth = await g.payments.CreatePayment(
            payment_request(PAN, capture_method=common_pb2.CAPTURE_METHOD_MANUAL)
        )
        ck = key()
        captured = await g.payments.CapturePayment(
            payments_pb2.CapturePaymentRequest(id=auth.id), metadata=g.md(idempotency_key=ck)
        )
        again = await rest.request(
            "POST", f"/v1/payments/{auth.id}/capture", {}, headers={"idempotency-key": ck}
        )
        assert again.headers["idempotent-replayed"] == "true"
        assert again.json()["status"] == "captured" and again.json()["id"] == captured.id


async def test_a_stored_error_replays_over_the_other_transport() -> None:
    async with running_both(config()) as (rest, g):
        k = key()
        first = await rest.request(
            "POST", "/v1/payments/pay_nope/capture", {}, headers={"idempotency-key": k}
        )
        assert first.status == 404
        with pytest.raises(grpc.aio.AioRpcError) as exc:
            await g.payments.CapturePayment(
                payments_pb2.CapturePaymentRequest(id="pay_nope"),
                metadata=g.md(idempotency_key=k),
            )
        assert exc.value.code() == grpc.StatusCode.NOT_FOUND
        initial = dict(exc.value.initial_metadata() or ())
        assert initial.get("idempotent-replayed") == "true"


async def test_records_hold_a_keyed_hash_never_the_card() -> None:
    cfg = config()
    runtime = Runtime(cfg)
    async with running_both(cfg, runtime) as (rest, _):
        k = key()
        reply = await rest.request("POST", "/v1/payments", body(), headers={"idempotency-key": k})
        assert reply.status == 201
        stored = await runtime.storage.get(idempotency.NS, f"local\x1f{k}")
    assert stored is not None
    assert PAN.encode() not in stored
    record = msgspec.json.decode(stored)
    assert PAN.encode() not in base64.b64decode(record["body"])
    req = decoder(api.PaymentCreate).decode(json.dumps(body()).encode())
    canonical = fingerprint.canonical("create_payment", {}, req)
    assert PAN.encode() in canonical  # so the hash below really covers the card number
    assert record["fingerprint"] != hashlib.sha256(canonical).hexdigest()
    expected = hmac.new(
        fingerprint.fingerprint_key(cfg.id_key), canonical, hashlib.sha256
    ).hexdigest()
    assert record["fingerprint"] == expected
    assert fingerprint.fingerprint_key(cfg.id_key) != cfg.id_key
