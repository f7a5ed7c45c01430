"""A validly signed request that is not a gateway event, or an event whose amount or
currency is garbage, is 400 ``invalid_webhook`` and nothing is stored — for every
connector. (A signature proves who sent the bytes, not that they make sense.)"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connector_service.runtime import Runtime
from connector_service.testing.fakes.braintree import sign_notification
from connector_service.testing.fakes.cybersource import webhook_headers as cybersource_headers
from connector_service.testing.fakes.xendit import FakePaymentRequest, XenditFake
from tests.fakes import adyen as adyen_fake
from tests.fakes import paypal as paypal_fake
from tests.fakes.rapyd import webhook_headers
from tests.webhooks.helpers import SANDBOX_SECRET, sandbox_event, sandbox_payment, signed
from tests.webhooks.test_connectors import FIXTURES, hmac_hex, receive, runtime, stored

GARBAGE: list[bytes] = [b"[]", b"null", b"42", b'"evt"', b"{}", b'{"id":1}', b'{"id":"x"}',
                        b"true", os.urandom(64).replace(b"{", b"(")]  # fmt: skip

STRIPE_SECRET = "whsec_stripe_garbage_test"
PAYSTACK_SECRET = "sk_test_paystack_garbage_test_key"
SQUARE_KEY = "square-garbage-signature-key"
SQUARE_URL = "https://shop.example/hooks/square"
CKO_SECRET = "cko-garbage-test-key"
RAPYD_ACCESS, RAPYD_SECRET = "0D7E3A5C9B1F2E4D6A8C", "rapyd-garbage-test-secret-key"
RAPYD_URL = "https://shop.example/rapyd/webhooks"
BT_PUBLIC, BT_PRIVATE = "bt_garbage_public", "bt-garbage-private-key"
RAZORPAY_SECRET = "razorpay-garbage-webhook-secret"
ANET_SIGNATURE_KEY = "A1B2" * 32
CYBERSOURCE_KEY = base64.b64encode(b"cybersource-garbage-signature-k").decode()


def _rapyd_sign(body: bytes) -> dict[str, str]:
    return webhook_headers(body, RAPYD_URL, RAPYD_ACCESS, RAPYD_SECRET)


@dataclass
class Gateway:
    name: str
    accounts: list[dict[str, Any]]
    sign: Callable[[bytes], dict[str, str]]
    good: Callable[[], dict[str, Any]]  # a real event, as a JSON document
    encode: Callable[[dict[str, Any]], bytes]
    amount_path: tuple[str, ...]
    currency_path: tuple[str, ...]
    # What is posted for raw bytes: themselves, or (Braintree) a form signing them as
    # the notification's payload, the signature being inside the body.
    wrap: Callable[[bytes], bytes] = lambda body: body


def _stripe_sign(body: bytes) -> dict[str, str]:
    t = int(time.time())
    return {"stripe-signature": f"t={t},v1={hmac_hex(STRIPE_SECRET, f'{t}.'.encode() + body)}"}


def _fixture(connector: str, name: str) -> Callable[[], dict[str, Any]]:
    return lambda: json.loads((FIXTURES / connector / name).read_text())


def _adyen_item() -> dict[str, Any]:
    item: dict[str, Any] = json.loads((FIXTURES / "adyen" / "webhooks.json").read_text())[
        "authorisation"
    ]
    return item


def _adyen_sign(body: bytes) -> dict[str, str]:
    return {}  # the HMAC is inside each item


def _braintree_good() -> dict[str, Any]:
    """A ``transaction_settled`` notification as a document (elements by tag)."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return {
        "timestamp": stamp,
        "kind": "transaction_settled",
        "subject": {
            "transaction": {
                "id": "k2x9d4pa",
                "status": "settled",
                "amount": "20.00",
                "currency-iso-code": "USD",
            }
        },
    }


def _xml(doc: dict[str, Any]) -> str:
    return "".join(
        f"<{k}>{_xml(v)}</{k}>" if isinstance(v, dict)
        else f'<{k} nil="true"/>' if v is None else f"<{k}>{v}</{k}>"
        for k, v in doc.items()
    )  # fmt: skip


def _braintree_encode(doc: dict[str, Any]) -> bytes:
    return sign_notification(f"<notification>{_xml(doc)}</notification>".encode(),
                             BT_PUBLIC, BT_PRIVATE)  # fmt: skip


def _sandbox_good() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(sandbox_event(sandbox_payment()))
    return doc


def _sandbox_sign(body: bytes) -> dict[str, str]:
    return {k.lower(): v for k, v in signed(body).items()}


GATEWAYS = [
    Gateway(
        "stripe",
        [{"id": "stripe", "connector": "stripe",
          "credentials": {"api_key": "sk_test_x", "webhook_secret": STRIPE_SECRET}}],
        _stripe_sign, _fixture("stripe", "evt_payment_intent_succeeded.json"),
        lambda d: json.dumps(d).encode(), ("data", "object", "amount"),
        ("data", "object", "currency"),
    ),
    Gateway(
        "checkout",
        [{"id": "checkout", "connector": "checkout",
          "credentials": {"secret_key": "sk_sbox_x", "webhook_secret": CKO_SECRET}}],
        lambda body: {"cko-signature": hmac_hex(CKO_SECRET, body)},
        _fixture("checkout", "webhook_payment_captured.json"),
        lambda d: json.dumps(d).encode(), ("data", "amount"), ("data", "currency"),
    ),
    Gateway(
        "adyen",
        [{"id": "adyen", "connector": "adyen",
          "options": {"merchant_account": adyen_fake.MERCHANT},
          "credentials": {"api_key": "k", "webhook_secret": adyen_fake.HMAC_KEY}}],
        _adyen_sign, _adyen_item, lambda item: adyen_fake.notification(item),
        ("amount", "value"), ("amount", "currency"),
    ),
    Gateway(
        "paystack",
        [{"id": "paystack", "connector": "paystack",
          "credentials": {"secret_key": PAYSTACK_SECRET}}],
        lambda body: {"x-paystack-signature": hmac.new(PAYSTACK_SECRET.encode(), body,
                                                       hashlib.sha512).hexdigest()},
        _fixture("paystack", "webhook_charge_success.json"),
        lambda d: json.dumps(d).encode(), ("data", "amount"), ("data", "currency"),
    ),
    Gateway(
        "rapyd",
        [{"id": "rapyd", "connector": "rapyd", "options": {"webhook_url": RAPYD_URL},
          "credentials": {"access_key": RAPYD_ACCESS, "secret_key": RAPYD_SECRET}}],
        _rapyd_sign, _fixture("rapyd", "webhook_payment_completed.json"),
        lambda d: json.dumps(d).encode(), ("data", "amount"), ("data", "currency_code"),
    ),
    Gateway(
        "square",
        [{"id": "square", "connector": "square",
          "options": {"webhook_notification_url": SQUARE_URL},
          "credentials": {"access_token": "EAAA-garbage", "webhook_signature_key": SQUARE_KEY}}],
        lambda body: {"x-square-hmacsha256-signature": base64.b64encode(hmac.new(
            SQUARE_KEY.encode(), SQUARE_URL.encode() + body, hashlib.sha256).digest()).decode()},
        _fixture("square", "webhook_payment_updated.json"),
        lambda d: json.dumps(d).encode(), ("data", "object", "payment", "amount_money", "amount"),
        ("data", "object", "payment", "amount_money", "currency"),
    ),
    Gateway(
        "braintree",
        [{"id": "braintree", "connector": "braintree",
          "credentials": {"public_key": BT_PUBLIC, "private_key": BT_PRIVATE}}],
        lambda body: {}, _braintree_good, _braintree_encode,
        ("subject", "transaction", "amount"), ("subject", "transaction", "currency-iso-code"),
        wrap=lambda body: sign_notification(body, BT_PUBLIC, BT_PRIVATE),
    ),
    Gateway(
        "razorpay",
        [{"id": "razorpay", "connector": "razorpay",
          "credentials": {"key_id": "rzp_test_GarbageTest0001", "key_secret": "k",
                          "webhook_secret": RAZORPAY_SECRET}}],
        lambda body: {"x-razorpay-signature": hmac_hex(RAZORPAY_SECRET, body)},
        _fixture("razorpay", "webhook_payment_captured.json"),
        lambda d: json.dumps(d).encode(), ("payload", "payment", "entity", "amount"),
        ("payload", "payment", "entity", "currency"),
    ),
    Gateway(
        "authorizenet",
        [{"id": "authorizenet", "connector": "authorizenet",
          "credentials": {"api_login_id": "garbage01", "transaction_key": "k" * 16,
                          "webhook_secret": ANET_SIGNATURE_KEY}}],
        lambda body: {"x-anet-signature": "sha512=" + hmac.new(
            ANET_SIGNATURE_KEY.encode(), body, hashlib.sha512).hexdigest().upper()},
        _fixture("authorizenet", "webhook_authcapture.json"),
        # no currency: a notification's amount is in the account's (only) currency
        lambda d: json.dumps(d).encode(), ("payload", "authAmount"), (),
    ),
    Gateway(
        "cybersource",
        [{"id": "cybersource", "connector": "cybersource",
          "credentials": {"merchant_id": "garbage_merchant", "key_id": "garbage-key-id",
                          "shared_secret": CYBERSOURCE_KEY, "webhook_secret": CYBERSOURCE_KEY}}],
        lambda body: cybersource_headers(body, CYBERSOURCE_KEY),
        _fixture("cybersource", "webhook_payment_accept.json"),
        # no amount nor currency: a notification names the transaction only
        lambda d: json.dumps(d).encode(), (), (),
    ),
    Gateway(
        "sandbox",
        [{"id": "sandbox", "connector": "sandbox",
          "credentials": {"webhook_secret": SANDBOX_SECRET}}],
        _sandbox_sign, _sandbox_good, lambda d: json.dumps(d).encode(),
        ("data", "object", "amount"), ("data", "object", "currency"),
    ),
]  # fmt: skip


@asynccontextmanager
async def gateway_runtime(tmp_path: Path, gw: str) -> AsyncIterator[tuple[Runtime, Gateway]]:
    if gw == "paypal":
        fake = paypal_fake.PayPalFake()
        await fake.start()
        accounts = [{"id": "paypal", "connector": "paypal", "base_url": fake.base_url,
                     "credentials": fake.credentials, "options": fake.options}]  # fmt: skip
        gateway = Gateway(
            "paypal", accounts,
            lambda body: fake.webhook_headers(body) if _is_json(body) else
            fake.webhook_headers(b"{}"),
            _fixture("paypal", "webhook_capture_completed.json"),
            lambda d: json.dumps(d).encode(), ("resource", "amount", "value"),
            ("resource", "amount", "currency_code"),
        )  # fmt: skip
        try:
            async with runtime(tmp_path, accounts) as rt:
                yield rt, gateway
        finally:
            await fake.close()
        return
    if gw == "xendit":  # verified by its token and a read-back: the fake holds the payment
        xfake = XenditFake()
        await xfake.start()
        good = _fixture("xendit", "callback_payment_succeeded.json")
        data = good()["data"]
        xfake.payment_requests[data["payment_request_id"]] = FakePaymentRequest(
            id=data["payment_request_id"],
            reference_id=data["reference_id"],
            amount=Decimal(str(data["amount"])),
            currency=data["currency"],
            capture_method="AUTOMATIC",
            status="SUCCEEDED",
            card="4111111111111111",
            method_id=data["payment_method"]["id"],
            reusability="ONE_TIME_USE",
            return_url=None,
            description=None,
            metadata=None,
        )
        accounts = [
            {
                "id": "xendit",
                "connector": "xendit",
                "base_url": xfake.base_url,
                "credentials": xfake.credentials,
            }
        ]
        token = xfake.webhook_token
        gateway = Gateway(
            "xendit",
            accounts,
            lambda body: {"x-callback-token": token},
            good,
            lambda d: json.dumps(d).encode(),
            ("data", "amount"),
            ("data", "currency"),
        )
        try:
            async with runtime(tmp_path, accounts) as rt:
                yield rt, gateway
        finally:
            await xfake.close()
        return
    gateway = next(g for g in GATEWAYS if g.name == gw)
    async with runtime(tmp_path, gateway.accounts) as rt:
        yield rt, gateway


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _set(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(doc))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


NAMES = [
    "stripe", "checkout", "adyen", "paypal", "paystack", "rapyd", "square", "braintree",
    "razorpay", "authorizenet", "cybersource", "xendit", "sandbox",
]  # fmt: skip


@pytest.mark.filterwarnings("ignore:Unsupported scheme type")
@pytest.mark.parametrize("gw", NAMES)
async def test_the_real_event_is_accepted(tmp_path: Path, gw: str) -> None:
    """The control: the same harness with the untouched event is a 200 and one event."""
    async with gateway_runtime(tmp_path, gw) as (rt, g):
        body = g.encode(g.good())
        status, reply = await receive(rt, gw, g.name, g.sign(body), body)
        assert status == 200, reply
        assert len(await stored(rt)) == 1


@pytest.mark.filterwarnings("ignore:Unsupported scheme type")
@pytest.mark.parametrize("gw", NAMES)
async def test_signed_garbage_is_400_and_not_stored(tmp_path: Path, gw: str) -> None:
    async with gateway_runtime(tmp_path, gw) as (rt, g):
        for raw in GARBAGE:
            body = g.wrap(raw)
            status, code = await receive(rt, gw, g.name, g.sign(body), body)
            assert (status, code) == (400, b"invalid_webhook"), (gw, body)
        assert await stored(rt) == []


@pytest.mark.filterwarnings("ignore:Unsupported scheme type")
@pytest.mark.parametrize("gw", NAMES)
@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "abc"), ("amount", -5), ("amount", 1.5), ("amount", None), ("amount", True),
     ("amount", [1]), ("currency", "zz€"), ("currency", "XYZ"), ("currency", ""),
     ("currency", 42), ("currency", ["EUR"])],
)  # fmt: skip
async def test_signed_garbage_amount_or_currency_is_400(
    tmp_path: Path, gw: str, field: str, value: Any
) -> None:
    async with gateway_runtime(tmp_path, gw) as (rt, g):
        path = g.amount_path if field == "amount" else g.currency_path
        if not path:
            pytest.skip(f"{gw}'s events carry no {field}")
        if gw in ("paypal", "braintree") and field == "amount" and isinstance(value, int | float):
            # PayPal's (and Braintree's XML) amounts are decimal strings: a negative one,
            # and one with more decimals than the currency has, stay garbage.
            value = {-5: "-5", 1.5: "1.505"}.get(value, value)
        if (
            gw in ("rapyd", "authorizenet", "xendit")
            and value == 1.5
            and not isinstance(value, bool)
        ):
            value = 1.505  # major-unit numbers (Rapyd, Authorize.net, Xendit): too many decimals
        body = g.encode(_set(g.good(), path, value))
        status, code = await receive(rt, gw, g.name, g.sign(body), body)
        assert (status, code) == (400, b"invalid_webhook"), (gw, field, value)
        assert await stored(rt) == []


@pytest.mark.filterwarnings("ignore:Unsupported scheme type")
async def test_paypal_verify_transcript_hides_the_signature_and_the_event(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG the executor logs every gateway exchange; the verify-webhook-signature one
    must not carry the transmission signature, the values it binds, or the event."""
    async with gateway_runtime(tmp_path, "paypal") as (rt, g):
        good = g.good()
        body = g.encode(good)
        headers = g.sign(body)
        tampered = g.encode(_set(good, ("resource", "id"), "TAMPERED-CAPTURE-ID"))
        with caplog.at_level("DEBUG", logger="connector_service.transcript"):
            assert (await receive(rt, "paypal", "paypal", headers, body))[0] == 200
            assert (await receive(rt, "paypal", "paypal", headers, tampered))[0] == 401
    transcripts = [
        r.getMessage()
        for r in caplog.records
        if r.name == "connector_service.transcript"
        and "verify-webhook-signature" in r.getMessage().split("\n", 1)[0]
    ]
    assert len(transcripts) == 2, [r.getMessage()[:80] for r in caplog.records]
    webhook_id = g.accounts[0]["options"]["webhook_id"]
    secrets = [
        headers["paypal-transmission-sig"],
        headers["paypal-transmission-id"],
        headers["paypal-cert-url"],
        webhook_id,
        good["id"],
        good["resource"]["id"],
        "TAMPERED-CAPTURE-ID",
        good["summary"],
    ]
    for text in transcripts:
        assert '"transmission_sig":"[REDACTED]"' in text.replace(" ", ""), text
        assert '"webhook_event":"[REDACTED]"' in text.replace(" ", ""), text
        assert "verification_status" in text  # the answer is still there to debug with
        for secret in secrets:
            assert secret not in text, (secret, text)
