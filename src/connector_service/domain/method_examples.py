"""One valid example per payment method: what docs/payment-methods.md shows (generated
from here by ``make readme``) and what the tests pay with, each with the currency and
billing country the sandbox takes it in."""

from __future__ import annotations

from typing import Any

ACCEPTANCE = {
    "accepted_at": "2026-11-30T09:15:00Z",
    "type": "online",
    "ip_address": "203.0.113.7",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
}

# type -> (payment_method, currency, billing country or None)
EXAMPLES: dict[str, tuple[dict[str, Any], str, str | None]] = {
    "card": (
        {
            "type": "card",
            "number": "4242424242424242",
            "exp_month": 12,
            "exp_year": 2034,
            "cvc": "123",
        },
        "EUR",
        None,
    ),
    "network_token": (
        {
            "type": "network_token",
            "number": "4895370012003478",
            "exp_month": 12,
            "exp_year": 2033,
            "cryptogram": "AgAAAAAABk4DWZ4C28yUQAAAAAA=",
            "eci": "07",
            "source": "apple_pay",
        },
        "EUR",
        None,
    ),
    "apple_pay": (
        {
            "type": "apple_pay",
            "token": '{"version":"EC_v1","data":"3+f4oOTwPa6f1UZ6tG...","signature":"MIA..."}',
        },
        "USD",
        None,
    ),
    "google_pay": (
        {
            "type": "google_pay",
            "token": '{"signature":"MEQCIH...","protocolVersion":"ECv2","signedMessage":"..."}',
        },
        "EUR",
        None,
    ),
    "paypal": ({"type": "paypal"}, "EUR", None),
    "ideal": ({"type": "ideal", "bank": "ing"}, "EUR", "NL"),
    "bancontact": ({"type": "bancontact"}, "EUR", "BE"),
    "eps": ({"type": "eps"}, "EUR", "AT"),
    "blik": ({"type": "blik", "code": "777123"}, "PLN", "PL"),
    "przelewy24": ({"type": "przelewy24"}, "PLN", "PL"),
    "sepa_debit": (
        {
            "type": "sepa_debit",
            "iban": "DE89 3704 0044 0532 0130 00",
            "account_holder_name": "Jenny Rosen",
            "mandate_acceptance": ACCEPTANCE,
        },
        "EUR",
        "DE",
    ),
    "ach_debit": (
        {
            "type": "ach_debit",
            "account_number": "000123456789",
            "routing_number": "110000000",
            "account_holder_name": "Jenny Rosen",
            "account_type": "checking",
            "mandate_acceptance": ACCEPTANCE,
        },
        "USD",
        "US",
    ),
    "bacs_debit": (
        {
            "type": "bacs_debit",
            "sort_code": "10-88-00",
            "account_number": "00012345",
            "account_holder_name": "Jenny Rosen",
            "mandate_acceptance": ACCEPTANCE,
        },
        "GBP",
        "GB",
    ),
    "pix": ({"type": "pix", "expires_after_seconds": 3600}, "BRL", "BR"),
    "upi": ({"type": "upi", "vpa": "jenny@okaxis"}, "INR", "IN"),
    "paynow": ({"type": "paynow"}, "SGD", "SG"),
    "promptpay": ({"type": "promptpay"}, "THB", "TH"),
    "boleto": (
        {"type": "boleto", "tax_id": "529.982.247-25", "expires_after_days": 3},
        "BRL",
        "BR",
    ),
    "oxxo": ({"type": "oxxo", "expires_after_days": 2}, "MXN", "MX"),
    "konbini": ({"type": "konbini"}, "JPY", "JP"),
    "klarna": ({"type": "klarna"}, "EUR", "DE"),
    "afterpay_clearpay": ({"type": "afterpay_clearpay"}, "GBP", "GB"),
    "affirm": ({"type": "affirm"}, "USD", "US"),
    "alipay": ({"type": "alipay"}, "CNY", None),
    "wechat_pay": ({"type": "wechat_pay"}, "CNY", None),
    "netbanking": ({"type": "netbanking", "bank": "HDFC"}, "INR", "IN"),
    "qris": ({"type": "qris"}, "IDR", "ID"),
    "ewallet": ({"type": "ewallet", "provider": "gcash"}, "PHP", "PH"),
    "virtual_account": (
        {"type": "virtual_account", "bank": "BCA", "account_holder_name": "Toko Jenny"},
        "IDR",
        "ID",
    ),
}

# type -> [(changes to the example, the field the 4xx must name)]; None deletes the key.

# Shown in the docs only: these need something stored first (a gateway's payment method,
# a mandate this service set up), so the tests build them themselves.
DOC_ONLY: dict[str, tuple[dict[str, Any], str, str | None]] = {
    "token": (
        {"type": "token", "token": "pm_1QxYz2AbCdEfGh", "customer_id": "cus_R2d2"},
        "EUR",
        None,
    ),
    "mandate": ({"type": "mandate", "mandate_id": "man_8xKq3Vb2"}, "EUR", None),
}
