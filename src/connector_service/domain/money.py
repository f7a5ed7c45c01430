"""Money as integer minor units plus an ISO-4217 currency.

Floats never represent money here: a gateway that wants major units gets a string
produced by :func:`to_major_str`, computed with integer arithmetic.
"""

from __future__ import annotations

from decimal import Decimal

# Exponents that differ from 2, per ISO 4217 (active codes only).
_EXPONENT_EXCEPTIONS: dict[str, int] = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}

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
        message = f"unknown currency {currency!r}; expected an ISO-4217 code"
        raise UnknownCurrency(message) from None


def max_minor(currency: str) -> int:
    limit: int = MAX_MAJOR_UNITS * 10 ** exponent(currency)
    return limit


def to_major_str(minor: int, currency: str) -> str:
    """``1050, "EUR"`` -> ``"10.50"``; ``500, "JPY"`` -> ``"500"``; ``1500, "KWD"``
    -> ``"1.500"``."""
    exp = exponent(currency)
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor)).rjust(exp + 1, "0")
    if exp == 0:
        return sign + digits
    return f"{sign}{digits[:-exp]}.{digits[-exp:]}"


def from_major(value: str | int | Decimal, currency: str) -> int:
    """Parse a gateway's major-unit amount (``"10.50"``) into minor units, exactly."""
    exp = exponent(currency)
    scaled: Decimal = Decimal(str(value)) * (Decimal(10) ** exp)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{value!r} has more decimals than {currency} allows")
    return int(scaled)
