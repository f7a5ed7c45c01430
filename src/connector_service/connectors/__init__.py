"""Connectors: pure translation between the unified model and one gateway's API each.

A connector never performs I/O. For every flow it has a ``build_<flow>`` that returns an
:class:`~connector_service.connectors.base.HttpRequest` and a ``parse_<flow>`` that turns
an :class:`~connector_service.connectors.base.HttpResponse` into a unified result. The
executor does the I/O.
"""
