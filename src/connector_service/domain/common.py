"""Shared building blocks of requests: customer, addresses, browser data, metadata."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

Str64 = Annotated[str, Meta(max_length=64)]
Str128 = Annotated[str, Meta(max_length=128)]
Str256 = Annotated[str, Meta(max_length=256)]
Url = Annotated[str, Meta(max_length=2048, pattern=r"^https?://[^\s]+$(?!\n)")]
Country = Annotated[str, Meta(pattern=r"^[A-Z]{2}$(?!\n)")]
Currency = Annotated[str, Meta(pattern=r"^[A-Z]{3}$(?!\n)")]
Reference = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[\x20-\x7e]+$(?!\n)")]
Metadata = Annotated[
    dict[Annotated[str, Meta(min_length=1, max_length=40)], Annotated[str, Meta(max_length=500)]],
    Meta(max_length=50),
]


class Address(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    line1: Str256 | None = None
    line2: Str256 | None = None
    city: Str128 | None = None
    state: Str128 | None = None
    postal_code: Str64 | None = None
    country: Country | None = None
    first_name: Str128 | None = None
    last_name: Str128 | None = None
    phone: Str64 | None = None


class Customer(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    id: Str128 | None = None
    email: Annotated[str, Meta(max_length=254, pattern=r"^[^@\s]+@[^@\s]+$(?!\n)")] | None = None
    name: Str256 | None = None
    phone: Str64 | None = None
    ip_address: Str64 | None = None


class BrowserInfo(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What 3-D Secure 2 asks of the customer's browser."""

    accept_header: Str256 | None = None
    user_agent: Annotated[str, Meta(max_length=1024)] | None = None
    language: Str64 | None = None
    color_depth: Annotated[int, Meta(ge=1, le=48)] | None = None
    screen_height: Annotated[int, Meta(ge=0, le=100000)] | None = None
    screen_width: Annotated[int, Meta(ge=0, le=100000)] | None = None
    time_zone_offset: Annotated[int, Meta(ge=-900, le=900)] | None = None
    java_enabled: bool | None = None
    javascript_enabled: bool | None = None
    ip_address: Str64 | None = None


# --------------------------------------------------------------------------- next actions
# What the customer (or the merchant's page) must do before the payment can finish: a
# tagged union on ``type``. Every variant has ``url`` (where the action can be done in a
# browser: the redirect target, a hosted QR or voucher page, or "" when there is none),
# always present, so a client written for the single ``redirect`` shape still works.

ExpiresAt = Annotated[str, Meta(max_length=40)]  # RFC 3339, UTC


class _Action(msgspec.Struct, omit_defaults=True):
    @property
    def type(self) -> str:
        """The variant's tag, as on the wire (``redirect``, ``display_qr`` …)."""
        return str(self.__struct_config__.tag)


class RedirectAction(_Action, tag_field="type", tag="redirect"):
    """Send the customer's browser to ``url`` (3-D Secure, bank, wallet or BNPL page);
    with ``method`` POST, submit ``form`` to it."""

    url: str
    method: str = "GET"
    form: dict[str, str] | None = None


class DisplayQr(_Action, tag_field="type", tag="display_qr"):
    """Show a code the customer scans with a banking or wallet app (Pix, UPI, PayNow,
    PromptPay, Alipay, WeChat Pay). ``payload`` is the text encoded (Pix "copia e
    cola"), ``image`` a ``data:image/…`` URL of the QR code, ``url`` a hosted page."""

    url: str
    payload: str
    image: str | None = None
    expires_at: ExpiresAt | None = None


class DisplayVoucher(_Action, tag_field="type", tag="display_voucher"):
    """Give the customer a voucher to pay later (Boleto, OXXO, Konbini): its number, the
    barcode's digits, until when, and the printable instructions."""

    url: str
    reference: str
    barcode: str | None = None
    expires_at: ExpiresAt | None = None
    instructions_url: str | None = None


class AwaitCustomer(_Action, tag_field="type", tag="await_customer"):
    """Wait while the customer acts elsewhere (approve a UPI collect request or a BLIK
    code in the bank app; enter a PIN/OTP: then ``form`` names what to post back to
    ``/complete``, by ``method`` POST)."""

    url: str
    method: str = "GET"
    form: dict[str, str] | None = None
    message: str | None = None
    expires_at: ExpiresAt | None = None


class ThreeDsAction(_Action, tag_field="type", tag="three_ds"):
    """Run a 3-D Secure 2 device step in the merchant's page (``url`` is the ACS/method
    URL; ``form`` what to post to it), then call ``/complete``."""

    url: str
    method: str = "POST"
    form: dict[str, str] | None = None
    version: str | None = None


class DisplayBankTransfer(_Action, tag_field="type", tag="display_bank_transfer"):
    """Ask the customer to transfer the amount to a one-off account (a bank virtual
    account): the bank, the account number, the name the bank shows, until when."""

    url: str
    bank: str
    account_number: str
    account_holder_name: str | None = None
    expires_at: ExpiresAt | None = None


NextAction = (
    RedirectAction | DisplayQr | DisplayVoucher | DisplayBankTransfer | AwaitCustomer
    | ThreeDsAction
)  # fmt: skip


class CardSummary(msgspec.Struct, omit_defaults=True):
    """What may be shown about a card: never the number, never the CVC."""

    brand: str | None = None
    last4: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
