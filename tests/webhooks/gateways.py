"""One connector account per gateway against its loopback fake, for in-process tests.

``gateway(name, base_url=...)`` starts the gateway's fake (``tests/fakes/``) and gives the
account configuration that points at it (``base_url`` may be overridden, e.g. to put a
proxy in between) and a ``sign(body)`` that signs a webhook the way that gateway does:
Stripe ``Stripe-Signature``, Checkout.com ``Cko-Signature``, Adyen's HMAC inside each
item (the caller builds the body with ``tests.fakes.adyen.notification``), PayPal's
transmission headers checked by the fake's verify endpoint, Paystack's
``x-paystack-signature`` (HMAC-SHA512 under the secret key), Rapyd's salt / timestamp /
signature headers over the webhook URL, Square's ``x-square-hmacsha256-signature``
(over the notification URL and the body), Braintree's signed form (the caller builds it
with ``testing.fakes.braintree.sign_notification``: the signature is in the body),
Razorpay's ``X-Razorpay-Signature`` (HMAC-SHA256 under the webhook secret),
Authorize.net's ``X-ANET-Signature`` (HMAC-SHA512 under the Signature Key),
Cybersource's ``v-c-signature`` (``t=;keyId=;sig=``, HMAC-SHA256 of ``<t>.<body>``), Mercado
Pago's ``x-signature`` (HMAC-SHA256 over its manifest; not in ``CONNECTORS``), the
sandbox's scheme.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connector_service.library import ConnectorService
from connector_service.testing.fakes.authorizenet import AuthorizenetFake
from connector_service.testing.fakes.authorizenet import webhook_headers as anet_headers
from connector_service.testing.fakes.braintree import BraintreeFake
from connector_service.testing.fakes.cybersource import WEBHOOK_SECRET as CYBERSOURCE_SECRET
from connector_service.testing.fakes.cybersource import CybersourceFake
from connector_service.testing.fakes.cybersource import webhook_headers as cybersource_headers
from connector_service.testing.fakes.mercadopago import WEBHOOK_SECRET as MERCADOPAGO_SECRET
from connector_service.testing.fakes.mercadopago import MercadoPagoFake
from connector_service.testing.fakes.mercadopago import sign as mercadopago_sign
from connector_service.testing.fakes.paystack import PaystackFake
from connector_service.testing.fakes.razorpay import WEBHOOK_SECRET as RAZORPAY_SECRET
from connector_service.testing.fakes.razorpay import RazorpayFake
from connector_service.testing.fakes.square import NOTIFICATION_URL, SquareFake
from connector_service.testing.fakes.xendit import XenditFake
from tests.fakes.adyen import API_KEY as ADYEN_KEY
from tests.fakes.adyen import HMAC_KEY, MERCHANT, AdyenFake
from tests.fakes.checkout import start_fake
from tests.fakes.paypal import PayPalFake
from tests.fakes.rapyd import RapydFake, webhook_headers
from tests.fakes.sandbox_http import FakeGateway
from tests.fakes.stripe import API_KEY as STRIPE_KEY
from tests.fakes.stripe import StripeFake
from tests.webhooks.helpers import ENDPOINT_SECRET, SANDBOX_SECRET, signed

CONNECTORS = (
    "stripe", "adyen", "checkout", "paypal", "paystack", "rapyd", "square", "braintree",
    "razorpay", "authorizenet", "cybersource", "xendit", "sandbox",
)  # fmt: skip
# What a connector needs on every payment besides the card (Razorpay: the customer's
# phone, IP and user agent), and on a mandate set-up.
PAYMENT_NEEDS: dict[str, dict[str, Any]] = {
    "paystack": {"customer": {"email": "jane@example.com"}},
    "mercadopago": {"customer": {"email": "jane@example.com"}},
    "razorpay": {
        "customer": {"email": "jane@example.com", "phone": "+919000090000"},
        "browser": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (tests)"},
    },
}
MANDATE_NEEDS: dict[str, dict[str, Any]] = {
    "razorpay": {"browser": PAYMENT_NEEDS["razorpay"]["browser"]},
}
RAPYD_WEBHOOK_URL = "https://shop.example/rapyd/webhooks"
STRIPE_WEBHOOK_SECRET = "whsec_event_ids_test_secret"
CKO_WEBHOOK_SECRET = "cko-event-ids-signature-key"


@dataclass
class Gateway:
    name: str
    fake: Any
    url: str  # the fake's base URL
    account: dict[str, Any]
    sign: Callable[[bytes], dict[str, str]]


def _hex(key: str, data: bytes) -> str:
    return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()


def _paystack_sign(secret: str) -> Callable[[bytes], dict[str, str]]:
    def sign(body: bytes) -> dict[str, str]:
        mac = hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()
        return {"x-paystack-signature": mac}

    return sign


def _rapyd_sign(fake: RapydFake) -> Callable[[bytes], dict[str, str]]:
    """Rapyd's webhook headers: salt, timestamp and the signature over the webhook URL."""

    def sign(body: bytes) -> dict[str, str]:
        return webhook_headers(body, RAPYD_WEBHOOK_URL, fake.access_key, fake.secret)

    return sign


def _square_sign(key: str) -> Callable[[bytes], dict[str, str]]:
    def sign(body: bytes) -> dict[str, str]:
        mac = hmac.new(key.encode(), NOTIFICATION_URL.encode() + body, hashlib.sha256).digest()
        return {"x-square-hmacsha256-signature": base64.b64encode(mac).decode()}

    return sign


def _razorpay_sign(body: bytes) -> dict[str, str]:
    """The signature, and an event id per body (a redelivery carries the same)."""
    return {
        "X-Razorpay-Signature": _hex(RAZORPAY_SECRET, body),
        "X-Razorpay-Event-Id": "evt_" + hashlib.sha256(body).hexdigest()[:14],
    }


def _stripe_sign(body: bytes) -> dict[str, str]:
    t = int(time.time())
    return {"Stripe-Signature": f"t={t},v1={_hex(STRIPE_WEBHOOK_SECRET, f'{t}.'.encode() + body)}"}


@asynccontextmanager
async def gateway(name: str, account_id: str | None = None) -> AsyncIterator[Gateway]:
    """The started fake of ``name`` and an account (id ``account_id`` or ``name``)."""
    account_id = account_id or name
    fake: Any
    runner: Any = None
    if name == "stripe":
        fake = StripeFake()
        url = await fake.start()
        creds = {"api_key": STRIPE_KEY, "webhook_secret": STRIPE_WEBHOOK_SECRET}
        gw = Gateway(name, fake, url, {"credentials": creds}, _stripe_sign)
    elif name == "adyen":
        fake = AdyenFake()
        url = await fake.start()
        creds = {"api_key": ADYEN_KEY, "webhook_secret": HMAC_KEY}
        account = {"credentials": creds, "options": {"merchant_account": MERCHANT}}
        gw = Gateway(name, fake, url, account, lambda body: {})  # signed inside each item
    elif name == "checkout":
        fake, runner = await start_fake()
        url = fake.base_url
        creds = {**fake.credentials, "webhook_secret": CKO_WEBHOOK_SECRET}
        gw = Gateway(
            name, fake, url, {"credentials": creds, "options": fake.options},
            lambda body: {"Cko-Signature": _hex(CKO_WEBHOOK_SECRET, body)},
        )  # fmt: skip
    elif name == "paypal":
        fake = PayPalFake()
        await fake.start()
        url = fake.base_url
        account = {"credentials": fake.credentials, "options": fake.options}
        gw = Gateway(name, fake, url, account, fake.webhook_headers)
    elif name == "paystack":
        fake = PaystackFake()
        url = await fake.start()
        account = {"credentials": fake.credentials}
        gw = Gateway(name, fake, url, account, _paystack_sign(fake.secret))
    elif name == "rapyd":
        fake = RapydFake()
        url = await fake.start()
        account = {"credentials": fake.credentials, "options": {"webhook_url": RAPYD_WEBHOOK_URL}}
        gw = Gateway(name, fake, url, account, _rapyd_sign(fake))
    elif name == "square":
        fake = SquareFake()
        url = await fake.start()
        options = {"webhook_notification_url": NOTIFICATION_URL}
        account = {"credentials": fake.credentials, "options": options}
        gw = Gateway(name, fake, url, account, _square_sign(fake.signature_key))
    elif name == "braintree":
        fake = BraintreeFake()
        url = await fake.start()
        account = {"credentials": fake.credentials, "options": {"currency": fake.currency}}
        gw = Gateway(name, fake, url, account, lambda body: {})  # signed inside the form
    elif name == "razorpay":
        fake = RazorpayFake()
        url = await fake.start()
        account = {"credentials": fake.credentials, "options": {"default_contact": "+919000090000"}}
        gw = Gateway(name, fake, url, account, _razorpay_sign)
    elif name == "authorizenet":
        fake = AuthorizenetFake()
        url = await fake.start()
        gw = Gateway(name, fake, url, {"credentials": fake.credentials}, anet_headers)
    elif name == "cybersource":
        fake = CybersourceFake()
        url = await fake.start()
        account = {"credentials": fake.credentials}
        gw = Gateway(
            name, fake, url, account, lambda body: cybersource_headers(body, CYBERSOURCE_SECRET)
        )
    elif name == "xendit":  # the static x-callback-token; verified by reading back
        fake = XenditFake()
        url = await fake.start()
        token = fake.webhook_token
        account = {"credentials": fake.credentials}
        gw = Gateway(name, fake, url, account, lambda body: {"x-callback-token": token})
    elif name == "mercadopago":  # not in CONNECTORS: its own suites cover the rest
        fake = MercadoPagoFake()
        url = await fake.start()
        account = {"credentials": fake.credentials, "options": {"currency": fake.currency}}
        gw = Gateway(
            name, fake, url, account,
            lambda body: mercadopago_sign(body, MERCADOPAGO_SECRET, int(time.time())),
        )  # fmt: skip
    else:
        fake = await FakeGateway().start()
        url = fake.url
        account = {"credentials": {"webhook_secret": SANDBOX_SECRET}}
        gw = Gateway(name, fake, url, account, signed)
    gw.account = {"id": account_id, "connector": name, "base_url": url, **gw.account}
    try:
        yield gw
    finally:
        if name == "sandbox":
            await fake.stop()
        elif name == "checkout":
            await runner.cleanup()
        else:
            await fake.close()


def service(tmp_path: Path, *accounts: dict[str, Any], **extra: Any) -> ConnectorService:
    """The service in-process (library mode) on SQLite, storing events, delivering none."""
    return ConnectorService(
        {
            "storage": {"url": f"sqlite:///{tmp_path / 'service.db'}"},
            "webhooks": {"deliver": False, "sandbox_events": "off"},
            "reconciler": {"enabled": False},
            "accounts": list(accounts),
            "webhook_endpoints": [
                {"id": "shop", "url": "http://127.0.0.1:9/h", "secret": ENDPOINT_SECRET}
            ],
            **extra,
        }
    )
