"""Payment methods a caller can pay with.

A tagged union on ``type``: ``card`` (raw card data), ``token`` (a payment method the
gateway already stores), ``mandate`` (a mandate this service set up: merchant-initiated),
and every method beyond cards: wallets (``apple_pay``, ``google_pay`` encrypted tokens;
``network_token`` decrypted), bank redirects, bank debits, real-time payments (QR), vouchers
and buy-now-pay-later. Each carries only the fields its method needs, checked here so a bad
one is a 4xx naming the field (``payment_method.iban``); secrets (IBAN, account numbers,
cryptograms, BLIK codes, wallet tokens) are :class:`Secret`. docs/payment-methods.md lists
them with examples.
"""

from __future__ import annotations

import datetime as _dt
import typing
from enum import StrEnum
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from connector_service.domain.secret import Secret


class FieldError(ValueError):
    """A validation error attached to one field of a struct (``__post_init__`` checks)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message


class CardBrand(StrEnum):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    DINERS = "diners"
    JCB = "jcb"
    UNIONPAY = "unionpay"
    MAESTRO = "maestro"
    UNKNOWN = "unknown"


def luhn_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def detect_brand(number: str) -> CardBrand:
    """Brand from the IIN ranges the networks publish (first 2-6 digits)."""
    two, four, six = int(number[:2]), int(number[:4]), int(number[:6])
    if number[0] == "4":
        return CardBrand.VISA
    if 51 <= two <= 55 or 222100 <= six <= 272099:
        return CardBrand.MASTERCARD
    if two in (34, 37):
        return CardBrand.AMEX
    if number.startswith("6011") or number.startswith("65") or 644 <= int(number[:3]) <= 649:
        return CardBrand.DISCOVER
    if two in (36, 38, 39) or 300 <= int(number[:3]) <= 305:
        return CardBrand.DINERS
    if 3528 <= four <= 3589:
        return CardBrand.JCB
    if two == 62:
        return CardBrand.UNIONPAY
    if two in (50, 56, 57, 58) or number[:2] in ("63", "67"):
        return CardBrand.MAESTRO
    return CardBrand.UNKNOWN


def _today() -> _dt.date:
    return _dt.datetime.now(_dt.UTC).date()


class Card(msgspec.Struct, tag_field="type", tag="card", forbid_unknown_fields=True):
    number: Secret
    exp_month: Annotated[int, Meta(ge=1, le=12)]
    exp_year: Annotated[int, Meta(ge=2000, le=2100)]
    cvc: Secret | None = None
    holder_name: Annotated[str, Meta(max_length=128)] | None = None
    # 3-D Secure done elsewhere: a gateway declaring ``external_3ds`` passes it on.
    three_ds: ThreeDsResult | None = None

    def __post_init__(self) -> None:
        raw = self.number.reveal()
        digits = raw.replace(" ", "").replace("-", "")
        if not digits.isdigit() or not 12 <= len(digits) <= 19:
            raise FieldError("number", "must be 12 to 19 digits")
        if not luhn_ok(digits):
            raise FieldError("number", "fails the Luhn check")
        if digits != raw:
            self.number = Secret(digits)
        today = _today()
        if (self.exp_year, self.exp_month) < (today.year, today.month):
            raise FieldError("exp_year", "the card has expired")
        if self.cvc is not None:
            cvc = self.cvc.reveal()
            if not cvc.isdigit() or not 3 <= len(cvc) <= 4:
                raise FieldError("cvc", "must be 3 or 4 digits")

    @property
    def brand(self) -> CardBrand:
        return detect_brand(self.number.reveal())

    @property
    def last4(self) -> str:
        return self.number.reveal()[-4:]

    @property
    def bin(self) -> str:
        return self.number.reveal()[:6]


class Token(msgspec.Struct, tag_field="type", tag="token", forbid_unknown_fields=True):
    """A payment method already stored at the gateway (e.g. a Stripe ``pm_…``)."""

    token: Annotated[str, Meta(min_length=1, max_length=256)]
    customer_id: Annotated[str, Meta(max_length=256)] | None = None


class MandateRef(msgspec.Struct, tag_field="type", tag="mandate", forbid_unknown_fields=True):
    """Charge a mandate this service set up (merchant-initiated: the customer is absent)."""

    mandate_id: Annotated[str, Meta(min_length=1, max_length=2048)]


# --------------------------------------------------------------------------- checks
# The published check-digit algorithms behind the bank and tax identifiers below.

_IBAN_LENGTHS: dict[str, int] = {
    "AD": 24,
    "AT": 20,
    "BE": 16,
    "BG": 22,
    "CH": 21,
    "CY": 28,
    "CZ": 24,
    "DE": 22,
    "DK": 18,
    "EE": 20,
    "ES": 24,
    "FI": 18,
    "FR": 27,
    "GB": 22,
    "GI": 23,
    "GR": 27,
    "HR": 21,
    "HU": 28,
    "IE": 22,
    "IS": 26,
    "IT": 27,
    "LI": 21,
    "LT": 20,
    "LU": 20,
    "LV": 21,
    "MC": 27,
    "MT": 31,
    "NL": 18,
    "NO": 15,
    "PL": 28,
    "PT": 25,
    "RO": 24,
    "SE": 24,
    "SI": 19,
    "SK": 24,
    "SM": 27,
    "VA": 22,
}  # fmt: skip  (the SEPA scheme's countries, ISO 13616 registry lengths)


def iban_ok(iban: str) -> bool:
    """ISO 13616 / ISO 7064 mod 97-10: move the first four characters to the end,
    letters to 10..35, and the number modulo 97 must be 1."""
    if not 15 <= len(iban) <= 34 or not iban.isalnum() or not iban.isascii():
        return False
    if not iban[:2].isalpha() or not iban[2:4].isdigit():
        return False
    expected = _IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def aba_ok(routing: str) -> bool:
    """ABA routing number: nine digits, 3-7-1 weighted sum divisible by 10."""
    if len(routing) != 9 or not routing.isdigit():
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(routing, weights, strict=True)) % 10 == 0


def _mod11_digit(digits: str, weights: list[int]) -> int:
    rest = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if rest < 2 else 11 - rest


def cpf_ok(cpf: str) -> bool:
    """Brazilian CPF (11 digits): two mod-11 check digits; all-equal numbers are invalid."""
    if len(cpf) != 11 or not cpf.isdigit() or len(set(cpf)) == 1:
        return False
    first = _mod11_digit(cpf[:9], list(range(10, 1, -1)))
    second = _mod11_digit(cpf[:10], list(range(11, 1, -1)))
    return cpf[9:] == f"{first}{second}"


def cnpj_ok(cnpj: str) -> bool:
    """Brazilian CNPJ (14 digits): two mod-11 check digits over weights 2..9 repeating."""
    if len(cnpj) != 14 or not cnpj.isdigit() or len(set(cnpj)) == 1:
        return False
    w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    first = _mod11_digit(cnpj[:12], w1)
    second = _mod11_digit(cnpj[:13], [6, *w1])
    return cnpj[12:] == f"{first}{second}"


def _compact(value: str) -> str:
    return value.replace(" ", "").replace("-", "").replace(".", "").replace("/", "")


def _digits_secret(secret: Secret, field: str, lo: int, hi: int, what: str) -> Secret:
    raw = _compact(secret.reveal())
    if not raw.isdigit() or not lo <= len(raw) <= hi:
        span = f"{lo}" if lo == hi else f"{lo} to {hi}"
        raise FieldError(field, f"{what} must be {span} digits")
    return Secret(raw)


def _expiry_ok(exp_year: int, exp_month: int) -> None:
    today = _today()
    if (exp_year, exp_month) < (today.year, today.month):
        raise FieldError("exp_year", "the card has expired")


Eci = Annotated[str, Meta(pattern=r"^[0-9]{2}$(?!\n)")]
Bank = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$(?!\n)")]
# A name as a bank shows it: no control characters, no leading or trailing blanks.
HolderName = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=128,
        pattern=r"^[^\x00-\x1f\x7f\s](?:[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s])?$(?!\n)",
    ),
]
ExpiresAfterDays = Annotated[int, Meta(ge=1, le=60)]


class ThreeDsResult(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """3-D Secure done elsewhere (a merchant plug-in, another gateway): what the issuer's
    ACS returned, passed to a gateway declaring ``external_3ds``. ``authentication_value``
    is the CAVV (Visa) / AAV (Mastercard) / AEVV (Amex), base64 as the 3DS server gave it."""

    authentication_value: Secret
    eci: Eci
    version: Annotated[str, Meta(pattern=r"^[12]\.[0-9]\.[0-9]$(?!\n)")]
    ds_transaction_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None

    def __post_init__(self) -> None:
        cavv = self.authentication_value.reveal()
        if not 20 <= len(cavv) <= 64 or not all(c.isalnum() or c in "+/=" for c in cavv):
            raise FieldError(
                "authentication_value", "must be the 20 to 64 character base64 value the ACS gave"
            )
        if self.version.startswith("2") and self.ds_transaction_id is None:
            raise FieldError("ds_transaction_id", "3-D Secure 2 needs the directory server's id")


class MandateAcceptance(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The customer's acceptance of a direct-debit mandate (SEPA, ACH, Bacs rules require
    the merchant to keep it): when, and for online acceptance from where."""

    accepted_at: Annotated[str, Meta(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")]
    type: Literal["online", "offline"] = "online"
    ip_address: Annotated[str, Meta(max_length=64)] | None = None
    user_agent: Annotated[str, Meta(max_length=1024)] | None = None

    def __post_init__(self) -> None:
        if self.type == "online" and not (self.ip_address and self.user_agent):
            raise FieldError("ip_address", "online acceptance needs the ip_address and user_agent")


class NetworkToken(
    msgspec.Struct, tag_field="type", tag="network_token", forbid_unknown_fields=True
):
    """A network token (DPAN) with its one-time cryptogram: a decrypted Apple Pay / Google
    Pay token, or a token the merchant's token requestor provisioned."""

    number: Secret
    exp_month: Annotated[int, Meta(ge=1, le=12)]
    exp_year: Annotated[int, Meta(ge=2000, le=2100)]
    cryptogram: Secret
    eci: Eci | None = None
    source: Literal["apple_pay", "google_pay", "network_token"] = "network_token"
    holder_name: Annotated[str, Meta(max_length=128)] | None = None

    def __post_init__(self) -> None:
        digits = _compact(self.number.reveal())
        if not digits.isdigit() or not 12 <= len(digits) <= 19 or not luhn_ok(digits):
            raise FieldError("number", "must be a Luhn-valid 12 to 19 digit token number")
        self.number = Secret(digits)
        _expiry_ok(self.exp_year, self.exp_month)
        crypt = self.cryptogram.reveal()
        if not 1 <= len(crypt) <= 128 or not all(c.isalnum() or c in "+/=" for c in crypt):
            raise FieldError("cryptogram", "must be the base64 cryptogram of the token")

    @property
    def brand(self) -> CardBrand:
        return detect_brand(self.number.reveal())

    @property
    def last4(self) -> str:
        return self.number.reveal()[-4:]


def _wallet_token(token: Secret) -> None:
    if not 1 <= len(token) <= 20000:
        raise FieldError("token", "must be the wallet's payment token (1 to 20000 characters)")


class ApplePay(msgspec.Struct, tag_field="type", tag="apple_pay", forbid_unknown_fields=True):
    """The encrypted Apple Pay payment token (``paymentData``, as JSON text or base64),
    passed through to a gateway that decrypts it with the merchant's certificate."""

    token: Secret

    def __post_init__(self) -> None:
        _wallet_token(self.token)


class GooglePay(msgspec.Struct, tag_field="type", tag="google_pay", forbid_unknown_fields=True):
    """The Google Pay ``paymentMethodData.tokenizationData.token`` (gateway tokenization),
    passed through to the gateway."""

    token: Secret

    def __post_init__(self) -> None:
        _wallet_token(self.token)


class PayPal(msgspec.Struct, tag_field="type", tag="paypal", forbid_unknown_fields=True):
    """The PayPal wallet: the customer approves on PayPal's page (``redirect``)."""


class Ideal(msgspec.Struct, tag_field="type", tag="ideal", forbid_unknown_fields=True):
    """iDEAL (NL): a redirect to the customer's bank; ``bank`` preselects one."""

    bank: Bank | None = None


class Bancontact(msgspec.Struct, tag_field="type", tag="bancontact", forbid_unknown_fields=True):
    """Bancontact (BE): a redirect (or the Payconiq app's QR) confirmed by the customer."""


class Eps(msgspec.Struct, tag_field="type", tag="eps", forbid_unknown_fields=True):
    """EPS (AT): a redirect to the customer's bank; ``bank`` preselects one."""

    bank: Bank | None = None


class Blik(msgspec.Struct, tag_field="type", tag="blik", forbid_unknown_fields=True):
    """BLIK (PL): the six-digit code from the customer's banking app, confirmed in the app."""

    code: Secret

    def __post_init__(self) -> None:
        code = self.code.reveal()
        if len(code) != 6 or not code.isdigit():
            raise FieldError("code", "must be the 6-digit BLIK code")


class Przelewy24(msgspec.Struct, tag_field="type", tag="przelewy24", forbid_unknown_fields=True):
    """Przelewy24 (PL): a redirect to the customer's bank; ``bank`` preselects one."""

    bank: Bank | None = None


class SepaDebit(msgspec.Struct, tag_field="type", tag="sepa_debit", forbid_unknown_fields=True):
    """SEPA Direct Debit: the customer's IBAN and their acceptance of the mandate."""

    iban: Secret
    account_holder_name: HolderName
    mandate_acceptance: MandateAcceptance

    def __post_init__(self) -> None:
        iban = self.iban.reveal().replace(" ", "").upper()
        if not iban_ok(iban):
            raise FieldError("iban", "is not a valid IBAN (length or mod-97 check digits)")
        self.iban = Secret(iban)

    @property
    def last4(self) -> str:
        return self.iban.reveal()[-4:]

    @property
    def country(self) -> str:
        return self.iban.reveal()[:2]


class AchDebit(msgspec.Struct, tag_field="type", tag="ach_debit", forbid_unknown_fields=True):
    """ACH debit (US): account and ABA routing number, and the customer's authorization."""

    account_number: Secret
    routing_number: Annotated[str, Meta(pattern=r"^[0-9]{9}$(?!\n)")]
    account_holder_name: HolderName
    mandate_acceptance: MandateAcceptance
    account_type: Literal["checking", "savings"] = "checking"
    account_holder_type: Literal["individual", "company"] = "individual"

    def __post_init__(self) -> None:
        self.account_number = _digits_secret(
            self.account_number, "account_number", 4, 17, "an ACH account number"
        )
        if not aba_ok(self.routing_number):
            raise FieldError("routing_number", "fails the ABA routing number checksum")

    @property
    def last4(self) -> str:
        return self.account_number.reveal()[-4:]


class BacsDebit(msgspec.Struct, tag_field="type", tag="bacs_debit", forbid_unknown_fields=True):
    """Bacs Direct Debit (UK): sort code, account number, the customer's mandate."""

    sort_code: Annotated[str, Meta(pattern=r"^[0-9]{2}-?[0-9]{2}-?[0-9]{2}$(?!\n)")]
    account_number: Secret
    account_holder_name: HolderName
    mandate_acceptance: MandateAcceptance

    def __post_init__(self) -> None:
        self.sort_code = self.sort_code.replace("-", "")
        self.account_number = _digits_secret(
            self.account_number, "account_number", 8, 8, "a UK account number"
        )

    @property
    def last4(self) -> str:
        return self.account_number.reveal()[-4:]


class Pix(msgspec.Struct, tag_field="type", tag="pix", forbid_unknown_fields=True):
    """Pix (BR): a QR code / copy-paste code the customer pays from any bank app."""

    expires_after_seconds: Annotated[int, Meta(ge=60, le=7 * 86400)] | None = None


class Upi(msgspec.Struct, tag_field="type", tag="upi", forbid_unknown_fields=True):
    """UPI (IN): with ``vpa`` a collect request the customer approves on their phone
    (``await_customer``); without, an intent QR code (``display_qr``)."""

    vpa: Annotated[str, Meta(max_length=256)] | None = None

    def __post_init__(self) -> None:
        if self.vpa is not None:
            handle, _, psp = self.vpa.partition("@")
            ok_handle = 2 <= len(handle) <= 200 and all(c.isalnum() or c in "._-" for c in handle)
            if not ok_handle or not psp.isalpha() or not 2 <= len(psp) <= 64:
                raise FieldError("vpa", "must be a UPI address like name@bank")


class PayNow(msgspec.Struct, tag_field="type", tag="paynow", forbid_unknown_fields=True):
    """PayNow (SG): an SGQR code paid from the customer's banking app."""


class PromptPay(msgspec.Struct, tag_field="type", tag="promptpay", forbid_unknown_fields=True):
    """PromptPay (TH): a Thai QR code paid from the customer's banking app."""


class Boleto(msgspec.Struct, tag_field="type", tag="boleto", forbid_unknown_fields=True):
    """Boleto bancário (BR): a voucher paid later; needs the payer's CPF or CNPJ."""

    tax_id: Annotated[str, Meta(min_length=11, max_length=18)]
    expires_after_days: ExpiresAfterDays | None = None

    def __post_init__(self) -> None:
        tax_id = _compact(self.tax_id)
        if not (cpf_ok(tax_id) or cnpj_ok(tax_id)):
            raise FieldError("tax_id", "is not a valid CPF (11 digits) or CNPJ (14 digits)")
        self.tax_id = tax_id


class Oxxo(msgspec.Struct, tag_field="type", tag="oxxo", forbid_unknown_fields=True):
    """OXXO (MX): a voucher paid in cash at an OXXO store."""

    expires_after_days: ExpiresAfterDays | None = None


class Konbini(msgspec.Struct, tag_field="type", tag="konbini", forbid_unknown_fields=True):
    """Konbini (JP): a voucher paid at a convenience store."""

    expires_after_days: ExpiresAfterDays | None = None


class Klarna(msgspec.Struct, tag_field="type", tag="klarna", forbid_unknown_fields=True):
    """Klarna: pay later / in instalments, approved on Klarna's page (``redirect``)."""


class AfterpayClearpay(
    msgspec.Struct, tag_field="type", tag="afterpay_clearpay", forbid_unknown_fields=True
):
    """Afterpay / Clearpay: pay in four, approved on Afterpay's page (``redirect``)."""


class Affirm(msgspec.Struct, tag_field="type", tag="affirm", forbid_unknown_fields=True):
    """Affirm (US, CA): pay over time, approved on Affirm's page (``redirect``)."""


class Alipay(msgspec.Struct, tag_field="type", tag="alipay", forbid_unknown_fields=True):
    """Alipay: the customer scans a QR code with the Alipay app (``display_qr``)."""


class WechatPay(msgspec.Struct, tag_field="type", tag="wechat_pay", forbid_unknown_fields=True):
    """WeChat Pay: the customer scans a QR code with WeChat (``display_qr``)."""


class Netbanking(msgspec.Struct, tag_field="type", tag="netbanking", forbid_unknown_fields=True):
    """Netbanking (IN): a redirect to the customer's bank, chosen by its code (``HDFC``,
    ``SBIN``, ``ICIC``…): Indian gateways cannot pay by netbanking without the bank."""

    bank: Bank


class Qris(msgspec.Struct, tag_field="type", tag="qris", forbid_unknown_fields=True):
    """QRIS (ID): Indonesia's national QR standard, paid from any bank or e-wallet app."""

    expires_after_seconds: Annotated[int, Meta(ge=60, le=7 * 86400)] | None = None


EwalletProvider = Literal[
    "ovo", "dana", "shopeepay", "linkaja", "astrapay", "jeniuspay",  # ID
    "gcash", "grabpay", "paymaya",  # PH (GrabPay also MY)
    "touchngo",  # MY
    "truemoney", "linepay",  # TH
    "momo", "zalopay",  # VN
]  # fmt: skip
Phone = Annotated[str, Meta(pattern=r"^\+[1-9][0-9]{6,14}$(?!\n)", description="E.164")]
# Wallets that push a payment request to the customer's phone instead of a redirect.
PUSH_WALLETS = frozenset({"ovo"})
# The currencies each wallet's balances are in (where it operates): a payment in another
# is refused before any gateway call.
EWALLET_CURRENCIES: dict[str, frozenset[str]] = {
    "ovo": frozenset({"IDR"}), "dana": frozenset({"IDR"}), "linkaja": frozenset({"IDR"}),
    "astrapay": frozenset({"IDR"}), "jeniuspay": frozenset({"IDR"}),
    "shopeepay": frozenset({"IDR", "PHP", "MYR", "THB"}),
    "gcash": frozenset({"PHP"}), "paymaya": frozenset({"PHP"}),
    "grabpay": frozenset({"PHP", "MYR"}), "touchngo": frozenset({"MYR"}),
    "truemoney": frozenset({"THB"}), "linepay": frozenset({"THB"}),
    "momo": frozenset({"VND"}), "zalopay": frozenset({"VND"}),
}  # fmt: skip


class Ewallet(msgspec.Struct, tag_field="type", tag="ewallet", forbid_unknown_fields=True):
    """A Southeast Asian e-wallet (OVO, DANA, ShopeePay, GCash, GrabPay, Maya…): the
    customer approves on the wallet's page or app (``redirect``); OVO instead pushes the
    request to the app of the ``phone`` number given (``await_customer``)."""

    provider: EwalletProvider
    phone: Phone | None = None

    def __post_init__(self) -> None:
        if self.provider in PUSH_WALLETS and self.phone is None:
            raise FieldError("phone", f"is required for {self.provider}: the wallet's phone number")


class VirtualAccount(
    msgspec.Struct, tag_field="type", tag="virtual_account", forbid_unknown_fields=True
):
    """A bank virtual account (ID, PH, VN…): a one-off account number at ``bank``
    (``BCA``, ``BNI``, ``MANDIRI``…) the customer pays into by transfer
    (``display_bank_transfer``); ``account_holder_name`` is the name the bank shows."""

    bank: Bank
    account_holder_name: HolderName | None = None
    expires_after_days: ExpiresAfterDays | None = None


BankDebit = SepaDebit | AchDebit | BacsDebit
# Methods beyond cards, tokens and mandates (the union below and the flows' union).
AlternativeMethod = (
    NetworkToken | ApplePay | GooglePay | PayPal | Ideal | Bancontact | Eps | Blik | Przelewy24
    | SepaDebit | AchDebit | BacsDebit | Pix | Upi | PayNow | PromptPay | Boleto | Oxxo | Konbini
    | Klarna | AfterpayClearpay | Affirm | Alipay | WechatPay | Netbanking | Qris | Ewallet
    | VirtualAccount
)  # fmt: skip

PaymentMethod = Card | Token | MandateRef | AlternativeMethod


class PaymentMethodType(StrEnum):
    CARD = "card"
    TOKEN = "token"
    MANDATE = "mandate"
    NETWORK_TOKEN = "network_token"
    APPLE_PAY = "apple_pay"
    GOOGLE_PAY = "google_pay"
    PAYPAL = "paypal"
    IDEAL = "ideal"
    BANCONTACT = "bancontact"
    EPS = "eps"
    BLIK = "blik"
    PRZELEWY24 = "przelewy24"
    SEPA_DEBIT = "sepa_debit"
    ACH_DEBIT = "ach_debit"
    BACS_DEBIT = "bacs_debit"
    PIX = "pix"
    UPI = "upi"
    PAYNOW = "paynow"
    PROMPTPAY = "promptpay"
    BOLETO = "boleto"
    OXXO = "oxxo"
    KONBINI = "konbini"
    KLARNA = "klarna"
    AFTERPAY_CLEARPAY = "afterpay_clearpay"
    AFFIRM = "affirm"
    ALIPAY = "alipay"
    WECHAT_PAY = "wechat_pay"
    NETBANKING = "netbanking"
    QRIS = "qris"
    EWALLET = "ewallet"
    VIRTUAL_ACCOUNT = "virtual_account"


class MethodKind(StrEnum):
    """How a method completes: what the customer does, and so which next action and
    which settling path it has (docs/payment-methods.md)."""

    CARD = "card"  # authorized at once (maybe after a 3-D Secure redirect)
    WALLET = "wallet"  # a wallet token: authorized at once, like a card
    REDIRECT = "redirect"  # the customer approves on a hosted page (bank, wallet, BNPL)
    QR = "qr"  # the customer scans a code with an app (real-time payments)
    VOUCHER = "voucher"  # paid later, in cash or by bank transfer (a virtual account)
    BANK_DEBIT = "bank_debit"  # pulled from a bank account; settles days later, may bounce
    APP_CONFIRM = "app_confirm"  # the customer confirms in an app (BLIK code, UPI collect)


METHOD_KIND: dict[PaymentMethodType, MethodKind] = {
    PaymentMethodType.CARD: MethodKind.CARD,
    PaymentMethodType.TOKEN: MethodKind.CARD,
    PaymentMethodType.MANDATE: MethodKind.CARD,
    PaymentMethodType.NETWORK_TOKEN: MethodKind.WALLET,
    PaymentMethodType.APPLE_PAY: MethodKind.WALLET,
    PaymentMethodType.GOOGLE_PAY: MethodKind.WALLET,
    PaymentMethodType.PAYPAL: MethodKind.REDIRECT,
    PaymentMethodType.IDEAL: MethodKind.REDIRECT,
    PaymentMethodType.BANCONTACT: MethodKind.REDIRECT,
    PaymentMethodType.EPS: MethodKind.REDIRECT,
    PaymentMethodType.BLIK: MethodKind.APP_CONFIRM,
    PaymentMethodType.PRZELEWY24: MethodKind.REDIRECT,
    PaymentMethodType.SEPA_DEBIT: MethodKind.BANK_DEBIT,
    PaymentMethodType.ACH_DEBIT: MethodKind.BANK_DEBIT,
    PaymentMethodType.BACS_DEBIT: MethodKind.BANK_DEBIT,
    PaymentMethodType.PIX: MethodKind.QR,
    PaymentMethodType.UPI: MethodKind.QR,  # with a vpa: APP_CONFIRM (see kind_of)
    PaymentMethodType.PAYNOW: MethodKind.QR,
    PaymentMethodType.PROMPTPAY: MethodKind.QR,
    PaymentMethodType.BOLETO: MethodKind.VOUCHER,
    PaymentMethodType.OXXO: MethodKind.VOUCHER,
    PaymentMethodType.KONBINI: MethodKind.VOUCHER,
    PaymentMethodType.KLARNA: MethodKind.REDIRECT,
    PaymentMethodType.AFTERPAY_CLEARPAY: MethodKind.REDIRECT,
    PaymentMethodType.AFFIRM: MethodKind.REDIRECT,
    PaymentMethodType.ALIPAY: MethodKind.QR,
    PaymentMethodType.WECHAT_PAY: MethodKind.QR,
    PaymentMethodType.NETBANKING: MethodKind.REDIRECT,
    PaymentMethodType.QRIS: MethodKind.QR,
    PaymentMethodType.EWALLET: MethodKind.REDIRECT,  # OVO: APP_CONFIRM (see kind_of)
    PaymentMethodType.VIRTUAL_ACCOUNT: MethodKind.VOUCHER,
}


def type_of(pm: object) -> PaymentMethodType:
    """The ``type`` tag of a payment method struct (a StoredMandate is ``mandate``)."""
    config = getattr(type(pm), "__struct_config__", None)
    tag = getattr(config, "tag", None)
    return PaymentMethodType(tag) if isinstance(tag, str) else PaymentMethodType.CARD


def kind_of(pm: object) -> MethodKind:
    if isinstance(pm, Upi) and pm.vpa is not None:
        return MethodKind.APP_CONFIRM
    if isinstance(pm, Ewallet) and pm.provider in PUSH_WALLETS:
        return MethodKind.APP_CONFIRM
    return METHOD_KIND[type_of(pm)]


assert set(METHOD_KIND) == set(PaymentMethodType)
assert set(EWALLET_CURRENCIES) == set(typing.get_args(EwalletProvider))
