"""The scrub every transcript gets, whatever the connector adds on top."""

from __future__ import annotations

import re
from collections.abc import Iterable

_PAN = re.compile(r"(?<!\d)(\d[ -]?){12,18}\d(?!\d)")
_CVC_KEYS = re.compile(
    r'(?i)((?:\\?")?(?:cvc|cvv|cvv2|cvn|security_code|securityCode|cvc2|card_cvc|'
    r'cardSecurityCode|cvd)(?:\\?")?\s*[:=]\s*(?:\\?")?)(\d{3,4})'
)
_CVC_FORM = re.compile(r"(?i)((?:cvc|cvv|security_code)[\]]?=)(\d{3,4})")
_AUTH_HEADER = re.compile(
    r"(?im)^((?:[<>] )?(?:authorization|x-api-key|proxy-authorization)\s*:\s*)(.+)$"
)
_AUTH_TOKEN = re.compile(r"(?i)\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}")
_KEY_SHAPES = re.compile(
    r"\b(?:sk|rk|pk)_(?:live|test|sbox)_[A-Za-z0-9_-]{4,}|\bwhsec_[A-Za-z0-9+/=]{4,}"
)

# Values of the secret fields of payment methods beyond cards (connectors name them so):
# bank accounts, wallet tokens and cryptograms, BLIK codes, 3-D Secure values. JSON
# strings (escaped or not) and form values; a key only where it stands alone (not
# ``receiver_bank_account_number``).
_METHOD_SECRET_KEYS = (
    r"iban|account_number|cryptogram|authentication_value|wallet_token|blik_code|"
    r"bankAccountNumber|accountNumber|tokenCryptogram|authenticationValue|cavv"
)
_METHOD_SECRET_JSON = re.compile(
    r'(?i)((?<![A-Za-z0-9_])"(?:' + _METHOD_SECRET_KEYS + r')"\s*:\s*")((?:[^"\\]|\\.)+)'
)
# The same inside a JSON string (a body logged as a string: \"iban\": \"…\").
_METHOD_SECRET_ESCAPED = re.compile(
    r'(?i)((?<![A-Za-z0-9_])\\"(?:' + _METHOD_SECRET_KEYS + r')\\"\s*:\s*\\")(.+?)(?=\\")'
)
_METHOD_SECRET_FORM = re.compile(
    r"(?i)((?:^|[&?\]\[])(?:" + _METHOD_SECRET_KEYS + r")\]?=)([^&\s]+)", re.M
)
# An IBAN anywhere (two letters, two check digits, 11-30 alphanumerics) passing mod 97.
_IBAN = re.compile(r"\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\b")


def _scrub_methods(text: str) -> str:
    from connector_service.domain.payment_methods import iban_ok

    text = _METHOD_SECRET_JSON.sub(r"\1[REDACTED]", text)
    text = _METHOD_SECRET_ESCAPED.sub(r"\1[REDACTED]", text)
    text = _METHOD_SECRET_FORM.sub(r"\1[REDACTED]", text)
    return _IBAN.sub(lambda m: "[IBAN]" if iban_ok(m.group(0)) else m.group(0), text)


def scrub_common(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask what no transcript may show: card numbers (any 13-19 digit run passing
    Luhn), CVCs under their usual keys, Authorization/API-key headers, the secret fields
    of payment methods (IBANs, account numbers, cryptograms, wallet tokens, BLIK codes,
    3-D Secure values), and every literal secret given."""
    from connector_service.domain.payment_methods import luhn_ok

    def pan(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits):
            return "[CARD]"
        return m.group(0)

    text = _PAN.sub(pan, text)
    text = _CVC_KEYS.sub(r"\1[CVC]", text)
    text = _CVC_FORM.sub(r"\1[CVC]", text)
    text = _AUTH_HEADER.sub(r"\1[REDACTED]", text)
    text = _AUTH_TOKEN.sub(r"\1 [REDACTED]", text)
    text = _KEY_SHAPES.sub("[REDACTED]", text)
    text = _scrub_methods(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[REDACTED]")
    return text
