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

__version__ = "0.1.0"
