"""Marketplace splits and order (line-item / Level 2-3) data on a payment (issue 19).

``splits`` say which destinations (a connected account, a sub-merchant) receive which part
of a payment and ``application_fee`` what the platform keeps; ``order`` carries the line
items, tax and shipping that gateways use for Level 2/3 interchange and pay-later methods.
Both are checked for consistency against the payment's amount here, before routing; how a
connector maps them is its own business (``ConnectorMeta.splits`` says whether it can).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from connector_service.domain.errors import ServiceError, invalid

Amount = Annotated[int, Meta(gt=0, le=10**15)]
Minor = Annotated[int, Meta(ge=0, le=10**15)]
Text = Annotated[str, Meta(min_length=1, max_length=127)]


class Split(msgspec.Struct, forbid_unknown_fields=True):
    """Part of a payment that goes to a destination (minor units of its currency)."""

    destination: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=255,
            description="the gateway's id of the receiving account (Stripe acct_..., Adyen "
            "balance account, Checkout.com sub-entity ent_..., PayPal merchant id, Mollie "
            "organization org_..., Razorpay linked account acc_..., sandbox any)",
        ),
    ]
    amount: Amount


class LineItem(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Text
    quantity: Annotated[int, Meta(ge=1, le=1_000_000)]
    unit_amount: Annotated[Minor, Meta(description="per unit, tax excluded")]
    tax_amount: Annotated[Minor, Meta(description="the line's total tax")] | None = None
    sku: Annotated[str, Meta(min_length=1, max_length=64)] | None = None

    @property
    def total(self) -> int:
        return self.quantity * self.unit_amount


class Order(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What was bought. ``amount`` must be the lines + tax + shipping."""

    line_items: Annotated[list[LineItem], Meta(min_length=1, max_length=100)]
    tax_amount: (
        Annotated[Minor, Meta(description="the order's tax; default: the lines' tax")] | None
    ) = None
    shipping_amount: Minor | None = None
    customer_reference: Annotated[str, Meta(min_length=1, max_length=64)] | None = None

    @property
    def total_tax(self) -> int:
        if self.tax_amount is not None:
            return self.tax_amount
        return sum(line.tax_amount or 0 for line in self.line_items)

    @property
    def items_total(self) -> int:
        return sum(line.total for line in self.line_items)


def check_splits(amount: int, splits: list[Split], application_fee: int | None) -> None:
    """Splits and the fee fit in the payment; destinations are distinct."""
    seen: set[str] = set()
    for index, split in enumerate(splits):
        if split.destination in seen:
            raise invalid(
                "invalid_splits",
                f"destination {split.destination!r} appears twice",
                f"splits[{index}].destination",
            )
        seen.add(split.destination)
    total = sum(s.amount for s in splits) + (application_fee or 0)
    if total > amount:
        raise invalid(
            "invalid_splits",
            f"the splits and the application fee ({total}) exceed the payment's amount ({amount})",
            "splits" if splits else "application_fee",
        )


def check_order(amount: int, order: Order) -> None:
    """The lines, tax and shipping add up to the amount (tax excluded from unit amounts)."""
    line_tax = [line.tax_amount for line in order.line_items if line.tax_amount is not None]
    if order.tax_amount is not None and line_tax and sum(line_tax) != order.tax_amount:
        raise invalid(
            "invalid_order",
            f"order.tax_amount ({order.tax_amount}) is not the lines' tax ({sum(line_tax)})",
            "order.tax_amount",
        )
    total = order.items_total + order.total_tax + (order.shipping_amount or 0)
    if total != amount:
        raise invalid(
            "invalid_order",
            f"the line items + tax + shipping come to {total}, not the amount {amount}",
            "order.line_items",
        )


def split_refund(splits: list[tuple[str, int]], paid: int, refunded: int) -> list[tuple[str, int]]:
    """What each destination gives back when ``refunded`` of ``paid`` is refunded:
    proportionally, rounded down, the remainder on the largest share (so the parts add up
    to the refunded share of the splits exactly)."""
    if paid <= 0 or not splits:
        return []
    total = sum(a for _, a in splits)
    target = total * refunded // paid
    parts = [(d, a * refunded // paid) for d, a in splits]
    rest = target - sum(a for _, a in parts)
    if rest:
        biggest = max(range(len(parts)), key=lambda i: splits[i][1])
        d, a = parts[biggest]
        parts[biggest] = (d, a + rest)
    return parts


__all__ = [
    "LineItem",
    "Order",
    "ServiceError",
    "Split",
    "check_order",
    "check_splits",
    "split_refund",
]
