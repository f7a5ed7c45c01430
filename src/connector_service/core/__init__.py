"""The flows, shared by the REST server, library mode and (later) gRPC: one
implementation of each operation."""

from connector_service.core.context import RequestContext, RequestCredentials
from connector_service.core.service import PaymentService

__all__ = ["PaymentService", "RequestContext", "RequestCredentials"]
