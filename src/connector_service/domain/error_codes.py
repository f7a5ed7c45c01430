"""The registry of the stable error codes the service emits (``ErrorBody.code``), and
of the outcomes of a routed attempt (``Attempt.outcome``).

Why a registry: clients switch on ``code``, so the set is part of the API; the OpenAPI
document types ``ErrorBody.code`` as this closed enum (generated clients get a union of
literals) rather than a bare string. ``tests/unit/test_error_codes.py`` scans ``src/``
for every code the code can raise (literals, the helpers' templates such as
``f"{what}_not_found"``, connectors' error tables) and fails when one is missing here
or when a registered code is no longer emitted, so adding a code to a connector means
adding it here too (and the document changes with it).
"""

from __future__ import annotations

from connector_service.domain.status import PaymentStatus

ERROR_CODES: frozenset[str] = frozenset(
    {
        "access_token_missing",
        "account_and_credentials",
        "account_not_allowed",
        "account_not_found",
        "admin_only",
        "admin_required",
        "amount_not_supported",
        "amount_precision_not_supported",
        "amount_too_large",
        "amount_too_small",
        "authorization_expired",
        "body_required",
        "body_too_large",
        "card_expired",
        "connector_mismatch",
        "credentials_required",
        "cross_origin_forbidden",
        "currency_mismatch",
        "currency_not_supported",
        "dispute_not_found",
        "duplicate_key",
        "duplicate_reference",
        "duplicate_request",
        "endpoint_not_found",
        "endpoint_shared",
        "event_not_found",
        "flow_not_supported",
        "gateway_authentication_failed",
        "gateway_conflict",
        "gateway_error",
        "gateway_lock_timeout",
        "gateway_misconfigured",
        "gateway_permission_denied",
        "gateway_rate_limited",
        "gateway_rejected_request",
        "gateway_unavailable",
        "headers_too_large",
        "idempotency_key_in_use",
        "idempotency_key_required",
        "idempotency_key_reused",
        "idempotency_request_in_progress",
        "insufficient_balance",
        "internal_error",
        "invalid_account_option",
        "invalid_amount",
        "invalid_api_key",
        "invalid_option",  # issue 19: connector_options
        "invalid_order",  # issue 19: order
        "invalid_base64",
        "invalid_cursor",
        "invalid_card_number",
        "invalid_credentials_header",
        "invalid_currency",
        "invalid_cvc",
        "invalid_expiry",
        "invalid_field",
        "invalid_idempotency_key",
        "invalid_json",
        "invalid_limit",
        "invalid_live_url_prefix",
        "invalid_mandate",
        "invalid_merchant_account",
        "invalid_page_size",
        "invalid_page_token",
        "invalid_reference",
        "invalid_splits",  # issue 19: splits / application_fee
        "invalid_status",
        "invalid_stored_payment_method",
        "invalid_token",
        "invalid_webhook",
        "mandate_account_mismatch",
        "mandate_facts_unavailable",
        "mandate_not_active",
        "mandate_not_found",
        "mandate_not_pending",
        "mandate_unexpected_state",
        "mandate_without_customer",
        "metadata_too_large",
        "method_not_allowed",
        "missing_account_option",
        "missing_api_key",
        "missing_credentials",
        "missing_field",
        "missing_gateway_id",
        "missing_redirect_result",
        "no_account_available",
        "no_allowed_account",
        "no_route",
        "not_implemented",
        "not_supported",
        "operation_not_allowed",
        "payment_already_authorized",
        "payment_already_captured",
        "payment_already_refunded",
        "payment_already_voided",
        "payment_declined",
        "payment_disputed",
        "payment_facts_unavailable",
        "payment_intent_mismatch",
        "payment_method_not_supported",
        "payment_not_capturable",
        "payment_not_found",
        "payment_not_refundable",
        "payment_not_voidable",
        "payment_requires_action",
        "payment_unexpected_state",
        "payment_unresolved",
        "recurring_not_enabled",
        "reference_too_long",
        "refund_facts_unavailable",
        "refund_not_found",
        "request_credentials_not_allowed",
        "request_in_progress",
        "request_timeout",
        "resource_not_found",
        "return_url_required",
        "return_url_too_long",
        "route_not_found",
        "shopper_reference_required",
        "storage_unavailable",
        "unknown_account",
        "unknown_connector",
        "unknown_field",
        "unknown_option",  # issue 19: connector_options
        "unknown_parameter",
        "unknown_routing_profile",
        "unknown_type",
        "unknown_webhook_connector",
        "unsupported_media_type",
        "webhook_not_recorded",
        "webhook_not_verified",
        "webhook_verification_unavailable",
    }
)

# ``core/failover.py``: an account skipped (capability, open breaker), a call that failed
# over or raised, a soft decline moved on from, else the payment status it answered.
ATTEMPT_OUTCOMES: frozenset[str] = frozenset(
    {"skipped", "unresolved", "failed", "error", "declined"} | {s.value for s in PaymentStatus}
)

__all__ = ["ATTEMPT_OUTCOMES", "ERROR_CODES"]
