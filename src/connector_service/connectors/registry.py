"""Finds connectors: the built-in modules plus third-party packages.

A third-party package adds a connector without forking by declaring an entry point in the
``connector_service.connectors`` group that names its ``Connector`` subclass::

    [project.entry-points."connector_service.connectors"]
    mygateway = "my_package.mygateway:MyGatewayConnector"
"""

from __future__ import annotations

import importlib
import logging
from importlib.metadata import entry_points

from connector_service.connectors.base import Connector

ENTRY_POINT_GROUP = "connector_service.connectors"

# module -> class name; modules that are not present yet are simply skipped.
BUILTIN: dict[str, str] = {
    "connector_service.connectors.sandbox": "SandboxConnector",
    "connector_service.connectors.stripe": "StripeConnector",
    "connector_service.connectors.adyen": "AdyenConnector",
    "connector_service.connectors.checkout": "CheckoutConnector",
    "connector_service.connectors.paypal": "PayPalConnector",
    "connector_service.connectors.paystack": "PaystackConnector",
    "connector_service.connectors.rapyd": "RapydConnector",
    "connector_service.connectors.square": "SquareConnector",
    "connector_service.connectors.braintree": "BraintreeConnector",
    "connector_service.connectors.mollie": "MollieConnector",
    "connector_service.connectors.razorpay": "RazorpayConnector",
    "connector_service.connectors.authorizenet": "AuthorizenetConnector",
    "connector_service.connectors.cybersource": "CybersourceConnector",
    "connector_service.connectors.xendit": "XenditConnector",
    "connector_service.connectors.mercadopago": "MercadoPagoConnector",
}

log = logging.getLogger(__name__)


def _builtin() -> dict[str, type[Connector]]:
    found: dict[str, type[Connector]] = {}
    for module_name, class_name in BUILTIN.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        cls: type[Connector] = getattr(module, class_name)
        found[cls.meta.name] = cls
    return found


def load_connectors(*, include_entry_points: bool = True) -> dict[str, Connector]:
    """Instances of every available connector, keyed by name.

    A plug-in is refused, with a logged error, when its entry-point name collides with a
    built-in connector, when its class declares a ``meta.name`` other than the entry
    point's name (the class's name is what accounts and routes use, so a mismatch is how
    a package named ``totally_new`` would quietly become ``stripe``), or when two entry
    points claim the same name. Nothing installed can replace a built-in."""
    classes = _builtin()
    builtin = frozenset(classes)
    if include_entry_points:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            if ep.name in builtin:
                log.error(
                    "connector entry point %r refused: it has the name of a built-in connector",
                    ep.name,
                )
                continue
            try:
                cls = ep.load()
            except Exception:
                log.exception("could not load connector entry point %r", ep.name)
                continue
            if not (isinstance(cls, type) and issubclass(cls, Connector)):
                log.error("entry point %r is not a Connector subclass", ep.name)
                continue
            declared = getattr(getattr(cls, "meta", None), "name", None)
            if declared != ep.name:
                log.error(
                    "connector entry point %r refused: its class declares meta.name %r; "
                    "the two must be the same",
                    ep.name,
                    declared,
                )
                continue
            if ep.name in classes:
                log.error(
                    "connector entry point %r refused: another package already provides it",
                    ep.name,
                )
                continue
            classes[ep.name] = cls
    return {name: cls() for name, cls in sorted(classes.items())}
