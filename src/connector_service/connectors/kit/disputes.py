"""Card-scheme dispute reason codes -> the unified :class:`DisputeReason`.

Gateways that pass the scheme's own reason code through (Adyen's chargebackReasonCode,
Checkout.com's reason_code) give Visa's ``10.4``-style codes or Mastercard's four-digit
ones; the scheme decides what they mean, so one table serves every connector. A code no
row names is ``other``, never a guess.
"""

from __future__ import annotations

from connector_service.domain.status import DisputeReason

_R = DisputeReason
# Visa Claims Resolution groups (10 fraud, 11 authorisation, 12 processing errors,
# 13 consumer disputes), refined where one code has a clear meaning.
VISA: dict[str, DisputeReason] = {
    "10.1": _R.FRAUDULENT, "10.2": _R.FRAUDULENT, "10.3": _R.FRAUDULENT,
    "10.4": _R.FRAUDULENT, "10.5": _R.FRAUDULENT,
    "11.1": _R.PROCESSING_ERROR, "11.2": _R.PROCESSING_ERROR, "11.3": _R.PROCESSING_ERROR,
    "12.1": _R.PROCESSING_ERROR, "12.2": _R.PROCESSING_ERROR, "12.3": _R.PROCESSING_ERROR,
    "12.4": _R.PROCESSING_ERROR, "12.5": _R.PROCESSING_ERROR, "12.6.1": _R.DUPLICATE,
    "12.6.2": _R.DUPLICATE, "12.7": _R.PROCESSING_ERROR,
    "13.1": _R.PRODUCT_NOT_RECEIVED, "13.2": _R.SUBSCRIPTION_CANCELED,
    "13.3": _R.PRODUCT_UNACCEPTABLE, "13.4": _R.PRODUCT_UNACCEPTABLE,
    "13.5": _R.PRODUCT_UNACCEPTABLE, "13.6": _R.CREDIT_NOT_PROCESSED,
    "13.7": _R.SUBSCRIPTION_CANCELED, "13.8": _R.PRODUCT_NOT_RECEIVED,
    "13.9": _R.PRODUCT_NOT_RECEIVED,
}  # fmt: skip
MASTERCARD: dict[str, DisputeReason] = {
    "4837": _R.FRAUDULENT, "4840": _R.FRAUDULENT, "4849": _R.FRAUDULENT,
    "4863": _R.UNRECOGNIZED, "4870": _R.FRAUDULENT, "4871": _R.FRAUDULENT,
    "4834": _R.DUPLICATE, "4841": _R.SUBSCRIPTION_CANCELED, "4853": _R.PRODUCT_UNACCEPTABLE,
    "4855": _R.PRODUCT_NOT_RECEIVED, "4860": _R.CREDIT_NOT_PROCESSED,
    "4808": _R.PROCESSING_ERROR, "4831": _R.PROCESSING_ERROR, "4842": _R.PROCESSING_ERROR,
}  # fmt: skip


def scheme_reason(code: str | None) -> DisputeReason:
    """The unified reason of a scheme reason code (``other`` when no table has it)."""
    key = (code or "").strip()
    return VISA.get(key) or MASTERCARD.get(key) or DisputeReason.OTHER
