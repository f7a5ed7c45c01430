"""Unified decline codes and their category: the one table (documented in docs/declines.md).

A decline's category (``soft`` / ``hard`` / ``retry_later``) is a property of its unified
code, not of the gateway that reported it: an expired card is ``hard`` wherever it was
declined. Connectors map their gateway's codes to a unified code and nothing else; the
category is looked up here.

The one exception is a *network advice code*: where the gateway passes on the card
network's (or its own normalised) advice about retrying, that advice is more specific than
the reason and overrides the category. The advice vocabularies are below too
(``MASTERCARD_ADVICE`` etc.); ``category_of`` applies the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from connector_service.domain.status import DeclineCategory


class DeclineCode(StrEnum):
    """Unified decline reasons; each connector maps its gateway's codes onto these."""

    GENERIC_DECLINE = "generic_decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    DO_NOT_HONOR = "do_not_honor"
    DO_NOT_TRY_AGAIN = "do_not_try_again"
    EXPIRED_CARD = "expired_card"
    INCORRECT_CVC = "incorrect_cvc"
    INCORRECT_PIN = "incorrect_pin"
    INCORRECT_NUMBER = "incorrect_number"
    INVALID_EXPIRY = "invalid_expiry"
    INVALID_PAYMENT_DATA = "invalid_payment_data"
    LOST_CARD = "lost_card"
    STOLEN_CARD = "stolen_card"
    PICKUP_CARD = "pickup_card"
    FRAUD_SUSPECTED = "fraud_suspected"
    RESTRICTED_CARD = "restricted_card"
    TRANSACTION_NOT_ALLOWED = "transaction_not_allowed"
    DUPLICATE_TRANSACTION = "duplicate_transaction"
    LIMIT_EXCEEDED = "limit_exceeded"
    INVALID_AMOUNT = "invalid_amount"
    AUTHENTICATION_REQUIRED = "authentication_required"
    AUTHENTICATION_FAILED = "authentication_failed"
    ISSUER_UNAVAILABLE = "issuer_unavailable"
    PROCESSING_ERROR = "processing_error"
    TRY_AGAIN_LATER = "try_again_later"
    CURRENCY_NOT_SUPPORTED = "currency_not_supported"
    REVOCATION_OF_AUTHORIZATION = "revocation_of_authorization"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class DeclineInfo:
    category: DeclineCategory
    advice: str  # what a caller should do, in a few words (docs/declines.md)


_S, _H, _R = DeclineCategory.SOFT, DeclineCategory.HARD, DeclineCategory.RETRY_LATER
_C = DeclineCode

DECLINES: Mapping[DeclineCode, DeclineInfo] = {
    _C.GENERIC_DECLINE: DeclineInfo(_S, "ask for another card, or retry later once"),
    _C.INSUFFICIENT_FUNDS: DeclineInfo(_S, "retry later or with a smaller amount"),
    _C.DO_NOT_HONOR: DeclineInfo(_S, "the customer should contact the issuer"),
    _C.DO_NOT_TRY_AGAIN: DeclineInfo(_H, "do not retry this card"),
    _C.EXPIRED_CARD: DeclineInfo(_H, "ask for an up-to-date card"),
    _C.INCORRECT_CVC: DeclineInfo(_S, "ask the customer to re-enter the security code"),
    _C.INCORRECT_PIN: DeclineInfo(_S, "ask the customer to re-enter the PIN"),
    _C.INCORRECT_NUMBER: DeclineInfo(_H, "ask for the card number again"),
    _C.INVALID_EXPIRY: DeclineInfo(_H, "ask for the expiry date again"),
    _C.INVALID_PAYMENT_DATA: DeclineInfo(_H, "fix the request or the account set-up"),
    _C.LOST_CARD: DeclineInfo(_H, "do not retry; do not tell the customer why"),
    _C.STOLEN_CARD: DeclineInfo(_H, "do not retry; do not tell the customer why"),
    _C.PICKUP_CARD: DeclineInfo(_H, "do not retry; do not tell the customer why"),
    _C.FRAUD_SUSPECTED: DeclineInfo(_H, "do not retry; review the order"),
    _C.RESTRICTED_CARD: DeclineInfo(_H, "ask for another card"),
    _C.TRANSACTION_NOT_ALLOWED: DeclineInfo(_H, "ask for another card or method"),
    _C.DUPLICATE_TRANSACTION: DeclineInfo(_H, "check for the earlier identical payment"),
    _C.LIMIT_EXCEEDED: DeclineInfo(_S, "retry later or with a smaller amount"),
    _C.INVALID_AMOUNT: DeclineInfo(_H, "fix the amount"),
    _C.AUTHENTICATION_REQUIRED: DeclineInfo(_S, "retry with 3-D Secure / the customer present"),
    _C.AUTHENTICATION_FAILED: DeclineInfo(_H, "only the customer may try again (new session)"),
    _C.ISSUER_UNAVAILABLE: DeclineInfo(_R, "retry after a delay"),
    _C.PROCESSING_ERROR: DeclineInfo(_R, "retry after a delay"),
    _C.TRY_AGAIN_LATER: DeclineInfo(_R, "retry after a delay"),
    _C.CURRENCY_NOT_SUPPORTED: DeclineInfo(_H, "use another currency or card"),
    _C.REVOCATION_OF_AUTHORIZATION: DeclineInfo(_H, "stop charging this mandate"),
    _C.BLOCKED: DeclineInfo(_H, "do not retry; review the order"),
}

# Network advice overrides (the only way a category may differ from the table above).
# Mastercard Merchant Advice Codes, passed on raw by Adyen (merchantAdviceCode) and
# PayPal (payment_advice_code).
MASTERCARD_ADVICE: Mapping[str, DeclineCategory] = {
    "01": _H,  # new account information available: this card is stale
    "02": _R,  # cannot approve at this time, try again later
    "03": _H,  # do not try again
    "21": _H,  # payment cancellation (stop recurring)
    **{str(n): _R for n in range(24, 31)},  # retry after a delay (24-30)
}
# Stripe's normalised advice (error.advice_code).
STRIPE_ADVICE: Mapping[str, DeclineCategory] = {
    "try_again_later": _R,
    "do_not_try_again": _H,
    "confirm_card_data": _S,
}
# Checkout.com recommendation codes (processing.recommendation_code).
CHECKOUT_RECOMMENDATION: Mapping[str, DeclineCategory] = {
    "01": _S,  # updated or additional information required
    "02": _R,  # try again later
    "03": _H,  # do not try again
}


def category_of(
    code: DeclineCode,
    advice: str | None = None,
    vocabulary: Mapping[str, DeclineCategory] | None = None,
) -> DeclineCategory:
    """The table's category for ``code``, unless ``advice`` (a code of the gateway's
    advice ``vocabulary``) says otherwise."""
    if advice and vocabulary is not None and advice in vocabulary:
        return vocabulary[advice]
    return DECLINES[code].category
