"""Moved: the composition root is :mod:`connector_service.runtime` (it wires storage,
executor, service, webhooks and reconciler, so it sits above ``core``). Kept so existing
imports keep working."""

from connector_service.runtime import Runtime

__all__ = ["Runtime"]
