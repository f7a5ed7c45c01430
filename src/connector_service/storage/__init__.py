"""Reliability state behind one interface: memory (tests, library), SQLite (embedded
default), PostgreSQL (many instances). Never payment card data."""

from connector_service.storage.base import Storage
from connector_service.storage.factory import open_outbox, open_storage

__all__ = ["Storage", "open_outbox", "open_storage"]
