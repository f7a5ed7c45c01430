"""What a connector declares per payment method: the flows, countries and currencies it
takes that method with (``ConnectorMeta.methods``), and the core's checks against it.

A connector that states only ``payment_methods`` (every connector written before
methods beyond cards) gets one :class:`MethodSupport` per method derived from the flows
it implements, so nothing about it changes. A connector taking a method in some
countries or without refunds states ``methods`` instead.

The core checks a payment against the declaration *before* the connector is called
(``check_method``): a method not declared, a manual capture of a method declared
without ``capture``, a currency or billing country outside the method's lists, or an
externally authenticated card (``card.three_ds``) at a connector not declaring
``external_3ds`` answer ``not_supported`` naming the connector and the method. Routing
uses the same check to skip such candidates (``skipped: not_supported``), which is what
lets a card authenticated once fail over to any connector declaring ``external_3ds``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from connector_service.domain.errors import not_supported
from connector_service.domain.flows import Flow
from connector_service.domain.payment_methods import Card, PaymentMethodType

__all__ = [
    "AUTHORIZE",
    "CAPTURE",
    "RECURRING",
    "REFUND",
    "MethodFlow",
    "MethodSupport",
    "check_method",
    "derived_methods",
    "method_name",
    "takes",
    "undeclarable",
]


class MethodFlow(StrEnum):
    AUTHORIZE = "authorize"
    CAPTURE = "capture"  # a separate (manual) capture after authorize
    REFUND = "refund"
    RECURRING = "recurring"  # stored for merchant-initiated charges (a mandate)


ALL_FLOWS = frozenset(MethodFlow)
# Short names for the declarations (``takes(AUTHORIZE, CAPTURE, REFUND)``).
AUTHORIZE, CAPTURE, REFUND, RECURRING = (
    MethodFlow.AUTHORIZE,
    MethodFlow.CAPTURE,
    MethodFlow.REFUND,
    MethodFlow.RECURRING,
)


@dataclass(frozen=True, slots=True)
class MethodSupport:
    """How a connector takes one payment method. ``None``: the connector's own
    countries / currencies (``ConnectorMeta``)."""

    flows: frozenset[MethodFlow] = field(
        default_factory=lambda: frozenset({MethodFlow.AUTHORIZE, MethodFlow.REFUND})
    )
    countries: frozenset[str] | None = None
    currencies: frozenset[str] | None = None
    # Cards only: passes 3-D Secure results obtained elsewhere (``card.three_ds``).
    external_3ds: bool = False


def takes(
    *flows: MethodFlow,
    countries: frozenset[str] | None = None,
    currencies: frozenset[str] | None = None,
    external_3ds: bool = False,
) -> MethodSupport:
    """One line of a connector's ``methods`` table: the flows it takes the method with."""
    if MethodFlow.AUTHORIZE not in flows:
        raise ValueError("a payment method is taken with authorize at least")
    return MethodSupport(
        flows=frozenset(flows),
        countries=countries,
        currencies=currencies,
        external_3ds=external_3ds,
    )


def undeclarable(
    methods: Mapping[PaymentMethodType, MethodSupport], flows: frozenset[Flow]
) -> list[str]:
    """What a ``methods`` table claims that the class cannot do: a separate capture
    without the capture flow, a refund without refunds, recurring without mandates."""
    needs = {
        MethodFlow.CAPTURE: Flow.CAPTURE in flows,
        MethodFlow.REFUND: Flow.REFUND in flows,
        MethodFlow.RECURRING: Flow.SETUP_MANDATE in flows or Flow.CHARGE_MANDATE in flows,
    }
    return sorted(
        f"{pm.value}: {flow.value}"
        for pm, support in methods.items()
        for flow in support.flows
        if not needs.get(flow, True)
    )


_DISPLAY = {
    "paypal": "PayPal", "ideal": "iDEAL", "eps": "EPS", "blik": "BLIK",
    "sepa_debit": "SEPA Direct Debit", "ach_debit": "ACH debit", "bacs_debit": "Bacs Direct Debit",
    "pix": "Pix", "upi": "UPI", "paynow": "PayNow", "promptpay": "PromptPay", "oxxo": "OXXO",
    "afterpay_clearpay": "Afterpay / Clearpay", "wechat_pay": "WeChat Pay",
    "apple_pay": "Apple Pay", "google_pay": "Google Pay", "network_token": "network token",
    "przelewy24": "Przelewy24", "bancontact": "Bancontact", "boleto": "Boleto",
    "konbini": "Konbini", "klarna": "Klarna", "affirm": "Affirm", "alipay": "Alipay",
    "netbanking": "netbanking", "qris": "QRIS", "ewallet": "e-wallet",
    "virtual_account": "virtual account",
}  # fmt: skip


def method_name(pm: PaymentMethodType) -> str:
    """The method as people call it (``iDEAL``); ``card``, ``token``, ``mandate`` as is."""
    return _DISPLAY.get(pm.value, pm.value)


_STORABLE_BY_DEFAULT = frozenset({PaymentMethodType.CARD, PaymentMethodType.TOKEN})


def derived_methods(
    payment_methods: frozenset[PaymentMethodType], flows: frozenset[Flow]
) -> dict[PaymentMethodType, MethodSupport]:
    """What a connector stating only ``payment_methods`` supports: every method with the
    flows the class implements (its connector-wide countries and currencies).

    Recurring is derived for cards and tokens (what a mandate set-up of such a connector
    is handed) and for charging mandates only: storing UPI or a bank account needs the
    connector to say so in its ``methods`` table, or its set-up would be handed a method
    it was never written for."""
    implemented = {MethodFlow.AUTHORIZE}
    if Flow.CAPTURE in flows:
        implemented.add(MethodFlow.CAPTURE)
    if Flow.REFUND in flows:
        implemented.add(MethodFlow.REFUND)
    out: dict[PaymentMethodType, MethodSupport] = {}
    for pm in payment_methods:
        method_flows = set(implemented)
        if pm is PaymentMethodType.MANDATE:
            recurring = Flow.CHARGE_MANDATE in flows
        elif pm in _STORABLE_BY_DEFAULT:
            recurring = Flow.SETUP_MANDATE in flows or Flow.CHARGE_MANDATE in flows
        else:
            recurring = False
        if recurring:
            method_flows.add(MethodFlow.RECURRING)
        out[pm] = MethodSupport(flows=frozenset(method_flows))
    return out


def check_method(
    display_name: str,
    methods: Mapping[PaymentMethodType, MethodSupport],
    pm_type: PaymentMethodType,
    *,
    payment_method: object = None,
    currency: str | None = None,
    country: str | None = None,
    manual_capture: bool = False,
) -> None:
    """Refuse, before any call, what the connector does not declare for the method."""
    support = methods.get(pm_type)
    name = method_name(pm_type)
    if support is None:
        raise not_supported(
            f"{display_name} does not support {name} payments (payment_method.type "
            f"{pm_type.value!r})",
            "payment_method.type",
        )
    if (
        support.currencies is not None
        and currency is not None
        and currency not in support.currencies
    ):
        raise not_supported(
            f"{display_name} does not take {name} payments in {currency} "
            f"(it takes {', '.join(sorted(support.currencies))})",
            "currency",
        )
    if support.countries is not None and country is not None and country not in support.countries:
        raise not_supported(
            f"{display_name} does not take {name} payments from {country} "
            f"(it takes {', '.join(sorted(support.countries))})",
            "billing.country",
        )
    if manual_capture and MethodFlow.CAPTURE not in support.flows:
        raise not_supported(
            f"{display_name} captures {name} payments at once: capture_method manual is not "
            "supported for this method",
            "capture_method",
        )
    if (
        isinstance(payment_method, Card)
        and payment_method.three_ds is not None
        and not support.external_3ds
    ):
        raise not_supported(
            f"{display_name} does not accept 3-D Secure results obtained elsewhere "
            "(payment_method.three_ds)",
            "payment_method.three_ds",
        )


def check_flow(
    display_name: str,
    methods: Mapping[PaymentMethodType, MethodSupport],
    pm_type: PaymentMethodType,
    flow: MethodFlow,
    field_name: str | None = None,
) -> None:
    """Refuse a later flow (capture, refund) the connector does not do for the method
    the payment was made with."""
    support = methods.get(pm_type)
    if support is not None and flow not in support.flows:
        doing = "take recurring" if flow is MethodFlow.RECURRING else flow.value
        raise not_supported(
            f"{display_name} does not {doing} {method_name(pm_type)} payments", field_name
        )
