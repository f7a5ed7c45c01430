"""Currency exponents: ISO-4217 minor units <-> a gateway's own integer amounts and
major-unit decimal strings.

Gateways disagree with ISO 4217 about a few currencies' decimals (Stripe's ISK, Adyen's
CLP, Checkout.com's three-decimal rounding). A connector states only where its gateway
differs, in one :class:`Exponents` table; the conversions and their refusals (an amount
the gateway cannot represent exactly) are the same everywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from connector_service.domain.errors import invalid
from connector_service.domain.money import exponent, from_major, to_major_str


@dataclass(frozen=True)
class Exponents:
    """A gateway's decimals per currency, where they differ from ISO 4217.

    ``tens_only``: currencies whose amounts the gateway takes only with a last decimal
    of 0 (Stripe and Checkout.com for the three-decimal currencies). ``inexact_code``:
    the error code when an amount cannot be represented."""

    gateway: str
    exceptions: Mapping[str, int] = field(default_factory=dict)
    tens_only: frozenset[str] = frozenset()
    inexact_code: str = "amount_precision_not_supported"

    def of(self, currency: str) -> int:
        code = currency.upper()
        return self.exceptions.get(code, exponent(code))

    def to_gateway(self, minor: int, currency: str) -> int:
        """ISO minor units -> the gateway's integer amount; refused when inexact."""
        code = currency.upper()
        shift = self.of(code) - exponent(code)
        if shift >= 0:
            amount = minor * int(10**shift)
        else:
            amount, rest = divmod(minor, int(10**-shift))
            if rest:
                raise invalid(
                    self.inexact_code,
                    f"{self.gateway} takes {code} amounts with {self.of(code)} decimals only",
                    "amount",
                )
        if code in self.tens_only and amount % 10:
            raise invalid(
                self.inexact_code,
                f"{self.gateway} needs {code} amounts whose last decimal is 0",
                "amount",
            )
        return amount

    def from_gateway(self, amount: int, currency: str) -> int:
        """The gateway's integer amount -> ISO minor units (a finer gateway amount is
        floored: gateways only send what they were sent)."""
        code = currency.upper()
        shift = self.of(code) - exponent(code)
        return amount // int(10**shift) if shift >= 0 else amount * int(10**-shift)

    def to_major(self, minor: int, currency: str) -> str:
        """ISO minor units -> the gateway's decimal string (``"10.50"``)."""
        code = currency.upper()
        digits, iso = self.of(code), exponent(code)
        if digits == iso:
            return to_major_str(minor, code)
        whole = self.to_gateway(minor, code)
        if digits == 0:
            return str(whole)
        text = str(whole).rjust(digits + 1, "0")
        return f"{text[:-digits]}.{text[-digits:]}"

    def from_major(self, value: str, currency: str) -> int:
        """A decimal string -> ISO minor units (``ValueError`` when it is not one)."""
        return from_major(value, currency.upper())
