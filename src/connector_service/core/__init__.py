"""The flows, shared by the REST server, library mode and (later) gRPC: one
implementation of each operation."""

from connector_service.core.service import PaymentService, RequestCredentials

__all__ = ["PaymentService", "RequestCredentials"]
