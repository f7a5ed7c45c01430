"""Reliability state behind one interface: memory (tests, library), SQLite (embedded
default), PostgreSQL (many instances). Never payment card data."""

from connector_service.storage.base import Storage, open_storage

__all__ = ["Storage", "open_storage"]
