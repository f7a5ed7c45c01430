"""Money as integer minor units plus an ISO-4217 currency.

Floats never represent money here: a gateway that wants major units gets a string
produced by :func:`to_major_str`, computed with integer arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

# Exponents that differ from 2, per ISO 4217 (active codes only).
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    # zero-decimal
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0,
    # three-decimal
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    # four-decimal
    "CLF": 4, "UYW": 4,
}  # fmt: skip

# Every other active ISO-4217 code has exponent 2.
_TWO_DECIMAL = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB "
    "EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS "
    "KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
    "MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
    "SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD "
    "TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG ZWL"
).split()

CURRENCY_EXPONENTS: dict[str, int] = {code: 2 for code in _TWO_DECIMAL} | _EXPONENT_EXCEPTIONS

# The largest amount any single payment may carry, in major units. It keeps amounts inside
# what every gateway accepts (most cap around 10^8 major units) and inside int64.
MAX_MAJOR_UNITS = 10**9


class UnknownCurrency(ValueError):
    """The code is not an active ISO-4217 currency."""


def exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise UnknownCurrency(f"unknown currency {currency!r}; expected an ISO-4217 code") from None


def max_minor(currency: str) -> int:
    return MAX_MAJOR_UNITS * 10 ** exponent(currency)


def to_major_str(minor: int, currency: str) -> str:
    """``1050, "EUR"`` -> ``"10.50"``; ``500, "JPY"`` -> ``"500"``; ``1500, "KWD"`` -> ``"1.500"``."""
    exp = exponent(currency)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor)).rjust(exp + 1, "0")
    if exp == 0:
        return sign + digits
    return f"{sign}{digits[:-exp]}.{digits[-exp:]}"


def from_major(value: str | int | Decimal, currency: str) -> int:
    """Parse a gateway's major-unit amount (``"10.50"``) into minor units, exactly."""
    exp = exponent(currency)
    scaled = Decimal(str(value)) * (Decimal(10) ** exp)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value!r} has more decimals than {currency} allows")
    return int(scaled)
