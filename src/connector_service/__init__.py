"""Connector Service: one unified payments API in front of many payment gateways.

The package is laid out by architecture layer:

- ``domain``     the unified model (money, payment methods, requests, results, errors)
- ``connectors`` pure request-builder / response-parser pairs, one module per gateway
- ``executor``   the one place that performs HTTP I/O for every connector
- ``core``       the flows (authorize, capture, ...) shared by REST, gRPC and library mode
- ``storage``    the reliability state (idempotency, outbox, tokens, sandbox ledger)
- ``server``     the REST service
- ``cli``        the ``connector-service`` command
"""

from connector_service.version import __version__

__all__ = ["ConnectorService", "SyncConnectorService", "__version__"]


def __getattr__(name: str) -> object:
    # Lazy, so importing a submodule does not pull in the server stack.
    if name in __all__:
        from connector_service import library

        return getattr(library, name)
    raise AttributeError(name)
