"""Status enums of every unified resource.

``unresolved`` is a first-class payment status: it means the service does not know
the outcome (a timeout after the request reached the gateway) and must not guess.
"""

from __future__ import annotations

from enum import StrEnum


class PaymentStatus(StrEnum):
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    AUTHORIZED = "authorized"
    PARTIALLY_CAPTURED = "partially_captured"
    CAPTURED = "captured"
    VOIDED = "voided"
    FAILED = "failed"
    UNRESOLVED = "unresolved"

    @property
    def is_final(self) -> bool:
        return self in (PaymentStatus.CAPTURED, PaymentStatus.VOIDED, PaymentStatus.FAILED)


class RefundStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class MandateStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REVOKED = "revoked"
    FAILED = "failed"


class DisputeStatus(StrEnum):
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"
    ACCEPTED = "accepted"


class CaptureMethod(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class DeclineCategory(StrEnum):
    """How a caller should react to a decline.

    ``soft``: the same card may succeed later or with more data (e.g. insufficient funds,
    authentication required); ``hard``: do not retry this card (stolen, closed, invalid);
    ``retry_later``: a temporary problem at the issuer or network.
    """

    SOFT = "soft"
    HARD = "hard"
    RETRY_LATER = "retry_later"
