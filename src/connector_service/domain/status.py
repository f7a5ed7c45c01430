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

    @property
    def is_final(self) -> bool:
        return self in (DisputeStatus.WON, DisputeStatus.LOST, DisputeStatus.ACCEPTED)


class DisputeReason(StrEnum):
    """Why the cardholder disputed, unified across gateways (the gateway's own reason is
    kept beside it as ``connector_reason``). ``other``: a reason no table maps."""

    FRAUDULENT = "fraudulent"
    UNRECOGNIZED = "unrecognized"
    DUPLICATE = "duplicate"
    PRODUCT_NOT_RECEIVED = "product_not_received"
    PRODUCT_UNACCEPTABLE = "product_unacceptable"
    CREDIT_NOT_PROCESSED = "credit_not_processed"
    SUBSCRIPTION_CANCELED = "subscription_canceled"
    PROCESSING_ERROR = "processing_error"
    GENERAL = "general"
    OTHER = "other"


class EvidenceType(StrEnum):
    """One piece of dispute evidence, unified; each connector maps the ones its gateway
    takes (``evidence_limits``) and refuses the others with a 400 naming the field."""

    PRODUCT_DESCRIPTION = "product_description"
    CUSTOMER_COMMUNICATION = "customer_communication"
    RECEIPT = "receipt"
    SHIPPING_DOCUMENTATION = "shipping_documentation"
    REFUND_POLICY = "refund_policy"
    CANCELLATION_POLICY = "cancellation_policy"
    SERVICE_DOCUMENTATION = "service_documentation"
    CUSTOMER_SIGNATURE = "customer_signature"
    UNCATEGORIZED = "uncategorized"


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
