"""Gateway statuses -> unified statuses. Unknown statuses are never success: they get
the connector's (pending-like) default and are logged, so a new gateway status shows up
in the logs instead of being read as money moved."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from connector_service.domain.status import MandateStatus, PaymentStatus, RefundStatus

S = TypeVar("S", bound=Enum)

log = logging.getLogger("connector_service.connectors")

# Outcomes that say money moved or a mandate may be charged: never a default.
SUCCESS: frozenset[Enum] = frozenset(
    {
        PaymentStatus.AUTHORIZED,
        PaymentStatus.CAPTURED,
        PaymentStatus.PARTIALLY_CAPTURED,
        RefundStatus.SUCCEEDED,
        MandateStatus.ACTIVE,
    }
)


def status_of(table: Mapping[str, S], raw: object, default: S) -> S:
    """``table[raw]``, or ``default`` (logged) when the gateway sent a status the table
    does not know. A success status as ``default`` is a programming error."""
    if default in SUCCESS:
        raise ValueError(f"an unknown gateway status must not default to {default}")
    key = raw if isinstance(raw, str) else ""
    found = table.get(key)
    if found is not None:
        return found
    if key:
        log.warning(
            "unknown gateway status", extra={"status": key[:64], "default": str(default.value)}
        )
    return default
