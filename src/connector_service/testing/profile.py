"""``ConnectorProfile``: what the conformance suite needs to know about one connector.

Why a profile: the suite is one scenario list for every connector; what differs between
gateways is data (test cards and decline triggers, the fake, the account's credentials,
whether modifications settle asynchronously, how a customer passes 3-D Secure, how the
gateway signs webhooks). A connector package provides one profile and gets every check.

Built-in profiles live in ``connector_service.testing.profiles.<name>`` (attribute
``PROFILE``); a plug-in declares an entry point in the ``connector_service.conformance``
group naming its profile object.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from connector_service.testing.fakes.base import FakeGateway

__all__ = [
    "Card",
    "ConnectorProfile",
    "Decline",
    "OptionsSample",
    "SplitsSample",
    "ThreeDS",
    "Voucher",
    "Webhooks",
    "form_sent",
    "json_sent",
]


@dataclass(frozen=True)
class Card:
    """A test card; ``holder`` and ``amount`` are triggers for gateways that use them.

    ``token``: for a gateway that takes card data only tokenised in the browser (Square's
    ``cnon:...`` nonces), the token standing for this card; the card is then paid as
    ``{"type": "token", "token": ...}`` and ``number`` is the card the token stands for
    (its last four digits are what the gateway answers)."""

    number: str
    cvc: str
    holder: str | None = None
    amount: int | None = None
    token: str | None = None

    def payment_method(self) -> dict[str, Any]:
        if self.token is not None:
            return {"type": "token", "token": self.token}
        pm: dict[str, Any] = {
            "type": "card",
            "number": self.number,
            "exp_month": 12,
            "exp_year": 2034,
            "cvc": self.cvc,
        }
        if self.holder:
            pm["holder_name"] = self.holder
        return pm


@dataclass(frozen=True)
class Decline:
    """A card the gateway declines, and the unified answer expected for it."""

    card: Card
    code: str  # unified decline code
    category: str  # soft / hard / retry_later


@dataclass(frozen=True)
class ThreeDS:
    """A card that needs 3-D Secure and how the customer passes (or fails) it.

    ``complete(fake, payment, passed)`` plays the customer's part (a browser at the
    challenge page) and returns the ``params`` for ``POST /v1/payments/{id}/complete``."""

    card: Card
    complete: Callable[[Any, dict[str, Any], bool], dict[str, str]]
    return_url: str = "https://shop.example/return"
    # Names of redirect parameters that are secrets handed to the browser (Stripe's
    # ``payment_intent_client_secret``): the log-leak scan looks for their values too.
    secret_params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Webhooks:
    """How the gateway signs webhooks: ``sample(fake, payment)`` is an event body about
    ``payment`` (an API answer); ``sign(body, secret, timestamp)`` the headers the gateway
    would send (an in-body scheme returns ``({}, signed body)`` via ``sign_body``)."""

    secret: str
    sample: Callable[[Any, dict[str, Any]], bytes]
    sign: Callable[[bytes, str, int], tuple[dict[str, str], bytes]]
    strip: Callable[[dict[str, str], bytes], tuple[dict[str, str], bytes]]
    tolerance_seconds: int | None = 300  # None: the scheme carries no timestamp
    accepted_status: int = 200
    # ``tamper(signed_body, payment_id)``: the signed body with the payment's id changed
    # and the signature kept, for a scheme whose body does not show the id as it is
    # (Braintree's base64 payload). None: the id's bytes are replaced in the body.
    tamper: Callable[[bytes, bytes], bytes] | None = None
    # False: the gateway signs nothing and the service verifies a webhook by fetching
    # the object it names (Mollie): there is no secret to get wrong, and a forged id is
    # the ``tampered`` case.
    signed: bool = True
    # ``stored_id(fake, body)``: the gateway event id a good delivery is stored under,
    # where ``webhook_identify`` cannot read it (Mollie: the payment's fetched state).
    stored_id: Callable[[Any, bytes], str] | None = None


def _no_action(fake: Any, payment: dict[str, Any]) -> None:
    """The card alone opens the dispute (the sandbox's and Stripe's 4000000000000259)."""


@dataclass(frozen=True)
class Disputes:
    """How a dispute is opened on a payment made with ``card``: ``open(fake, payment)``
    plays the cardholder's part at the fake (nothing where the test card does it)."""

    card: Card
    open: Callable[[Any, dict[str, Any]], None] = _no_action


@dataclass(frozen=True)
class Voucher:
    """A voucher method the connector declares (Boleto, OXXO, Konbini) in the profile's
    currency: ``payment_method`` and what else the gateway needs (``fields``: the payer's
    email, name, billing address); ``pay(fake, payment)`` plays the customer paying it at
    the bank or store, ``expire(fake, payment)`` its due date passing unpaid (None: the
    fake cannot)."""

    payment_method: Mapping[str, Any]
    pay: Callable[[Any, dict[str, Any]], None]
    fields: Mapping[str, Any] = field(default_factory=dict)
    expire: Callable[[Any, dict[str, Any]], None] | None = None


@dataclass(frozen=True)
class OptionsSample:
    """A payment's ``connector_options`` block for this connector (issue 19) and how to
    see that the gateway received its mapped field: ``sent(request)`` is true for the
    create request that carries it (None: no fake to look at, as for the sandbox)."""

    block: Mapping[str, Any]
    sent: Callable[[Any], bool] | None = None


def json_sent(path_suffix: str, keys: tuple[str | int, ...], value: Any) -> Callable[[Any], bool]:
    """``sent`` for a JSON gateway: a POST to ``...path_suffix`` whose body has ``value``
    at ``keys`` (``("purchase_units", 0, "custom_id")``)."""

    def sent(request: Any) -> bool:
        if request.method != "POST" or not request.url.split("?")[0].endswith(path_suffix):
            return False
        try:
            node: Any = json.loads(request.body or b"{}")
            for key in keys:
                node = node[key]
        except (ValueError, KeyError, IndexError, TypeError):
            return False
        return bool(node == value)

    return sent


def form_sent(path_suffix: str, key: str, value: str) -> Callable[[Any], bool]:
    """``sent`` for a form-encoded gateway (Stripe): a POST to ``...path_suffix`` whose
    body has ``key=value`` (``key`` as decoded, ``transfer_data[destination]``)."""

    def sent(request: Any) -> bool:
        if request.method != "POST" or not request.url.split("?")[0].endswith(path_suffix):
            return False
        pairs = parse_qsl((request.body or b"").decode(), keep_blank_values=True)
        return (key, value) in pairs

    return sent


@dataclass(frozen=True)
class SplitsSample:
    """A destination the gateway takes for ``splits`` (issue 19), and how to see on the
    fake that the payment (``sent``) and a refund of it (``refund_sent``) carried them."""

    destination: str
    sent: Callable[[Any], bool] | None = None
    refund_sent: Callable[[Any], bool] | None = None
    # The gateway takes the platform's fee only (Square's app_fee_money): splits to a
    # destination must be not_supported before any request, a fee alone mapped.
    fee_only: bool = False
    # The gateway sends a payment wholly to one destination (Checkout.com's marketplace
    # sub-entity): a partial split or a fee must be not_supported, a whole split mapped.
    whole_only: bool = False


@dataclass(frozen=True)
class ConnectorProfile:
    connector: str
    account_credentials: Callable[[Any], Mapping[str, str]]
    success: Card
    soft_decline: Decline
    hard_decline: Decline
    # Further declines the gateway can be made to answer (e.g. a ``retry_later`` one).
    more_declines: tuple[Decline, ...] = ()
    currency: str = "EUR"
    fake: Callable[[], FakeGateway] | None = None  # None: the connector needs no network
    # ``payment_method(fake, card)``: what a test card becomes in a payment request, for a
    # gateway that takes card data only tokenized in the customer's browser (Mollie
    # Components' cardToken). None: the card itself (``Card.payment_method()``).
    payment_method: Callable[[Any, Card], dict[str, Any]] | None = None
    account_options: Callable[[Any], Mapping[str, str]] = lambda fake: {}
    flows: frozenset[str] = frozenset()  # flows the connector must declare (at least)
    # Modifications answered "accepted, outcome later": capture/void say `processing`.
    async_modifications: bool = False
    # Only refunds are "accepted, outcome later" (answered `pending`, read back
    # `succeeded`), while capture and void answer their outcome at once (Square).
    async_refunds: bool = False
    # How the outcome of a modification is read: "sync" (GET reads it), "webhook" (none).
    settles_by: str = "sync"
    # A refund beyond what is left to refund is a 400 ``invalid_request`` (the gateway's
    # answer; False where the gateway accepts it and refuses later, by webhook).
    rejects_over_refund: bool = True
    three_ds: ThreeDS | None = None
    # A mandate set-up that needs 3-D Secure (set up with ``return_url``), completed with
    # ``POST /v1/mandates/{id}/complete``; required when ``complete_mandate`` is declared.
    mandate_three_ds: ThreeDS | None = None
    webhooks: Webhooks | None = None
    # Header carrying the gateway-side idempotency key, and how the key is derived from
    # the service's key for a flow (Adyen prefixes it per flow).
    idempotency_header: str | None = None
    idempotency_key: Callable[[str, str], str] = lambda key, flow: key
    # (method, path suffix) of the create-payment request on the fake (for the header check).
    secrets: Callable[[Any], list[str]] = lambda fake: []
    specs: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    disputes: Disputes | None = None  # None: the dispute scenario skips
    # Voucher methods, each shown (display_voucher), paid and read back (none: skipped)
    vouchers: tuple[Voucher, ...] = ()

    # issue 19: a payment options block the connector must map (None: no check)
    options: OptionsSample | None = None
    # issue 19: where the connector declares split support, a destination to split to
    splits: SplitsSample | None = None

    def card_method(self, fake: Any, card: Card) -> dict[str, Any]:
        """The test card as this gateway takes it: itself, or tokenized in the customer's
        browser (``payment_method``). Every scenario sends cards through this."""
        return (
            card.payment_method()
            if self.payment_method is None
            else self.payment_method(fake, card)
        )
