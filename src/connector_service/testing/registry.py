"""Finds conformance profiles: the built-ins' and those plug-ins declare.

A plug-in package names its profile in the ``connector_service.conformance`` entry-point
group (``mygateway = "my_package.conformance:PROFILE"``), keyed by the connector's name.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from connector_service.testing.profile import ConnectorProfile

__all__ = ["BUILTIN_PROFILES", "ENTRY_POINT_GROUP", "load_profiles"]

ENTRY_POINT_GROUP = "connector_service.conformance"
BUILTIN_PROFILES = (
    "sandbox", "stripe", "adyen", "checkout", "paypal", "paystack", "rapyd", "square",
    "braintree", "mollie", "razorpay", "authorizenet",
    "cybersource", "xendit", "mercadopago",
)  # fmt: skip


def load_profiles() -> dict[str, ConnectorProfile]:
    """Every available profile by connector name (a built-in cannot be replaced)."""
    found: dict[str, ConnectorProfile] = {}
    for name in BUILTIN_PROFILES:
        module = importlib.import_module(f"connector_service.testing.profiles.{name}")
        found[name] = module.PROFILE
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in found:
            continue
        profile = ep.load()
        if isinstance(profile, ConnectorProfile) and profile.connector == ep.name:
            found[ep.name] = profile
    return found
