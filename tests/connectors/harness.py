"""The connector harness moved into the package (``connector_service.testing.harness``)
so plug-in connectors can use it; the tests keep importing it from here."""

from connector_service.testing.harness import drive, make_ctx, response

__all__ = ["drive", "make_ctx", "response"]
