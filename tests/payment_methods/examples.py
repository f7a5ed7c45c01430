"""The examples of every payment method (connector_service.domain.method_examples, the
ones docs/payment-methods.md shows) and bad inputs naming the field each must be refused
for."""

from __future__ import annotations

from typing import Any

from connector_service.domain.method_examples import ACCEPTANCE, EXAMPLES

__all__ = ["ACCEPTANCE", "BAD", "EXAMPLES", "example", "payment"]

BAD: dict[str, list[tuple[dict[str, Any], str]]] = {
    "card": [
        (
            {
                "three_ds": {
                    "authentication_value": "short",
                    "eci": "05",
                    "version": "2.2.0",
                    "ds_transaction_id": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b",
                }
            },
            "payment_method.three_ds.authentication_value",
        ),
        (
            {
                "three_ds": {
                    "authentication_value": "AAABBEg0VhI0VniQEjRWAAAAAAA=",
                    "eci": "5",
                    "version": "2.2.0",
                }
            },
            "payment_method.three_ds.eci",
        ),
        (
            {
                "three_ds": {
                    "authentication_value": "AAABBEg0VhI0VniQEjRWAAAAAAA=",
                    "eci": "05",
                    "version": "2.2.0",
                }
            },
            "payment_method.three_ds.ds_transaction_id",
        ),
    ],
    "network_token": [
        ({"number": "4895370012003479"}, "payment_method.number"),
        ({"cryptogram": None}, "payment_method.cryptogram"),
        ({"eci": "7"}, "payment_method.eci"),
    ],
    "apple_pay": [
        ({"token": ""}, "payment_method.token"),
        ({"token": None}, "payment_method.token"),
    ],
    "google_pay": [({"token": ""}, "payment_method.token")],
    "paypal": [({"email": "x@example.com"}, "payment_method.email")],
    "ideal": [({"bank": "ing bank!"}, "payment_method.bank")],
    "bancontact": [({"bank": "kbc"}, "payment_method.bank")],
    "eps": [({"bank": ""}, "payment_method.bank")],
    "blik": [
        ({"code": "12345"}, "payment_method.code"),
        ({"code": "12a456"}, "payment_method.code"),
    ],
    "przelewy24": [({"bank": "x" * 65}, "payment_method.bank")],
    "sepa_debit": [
        ({"iban": "DE89370400440532013001"}, "payment_method.iban"),
        ({"iban": "DE8937040044053201300"}, "payment_method.iban"),
        ({"mandate_acceptance": None}, "payment_method.mandate_acceptance"),
        (
            {"mandate_acceptance": {"accepted_at": "2026-11-30T09:15:00Z"}},
            "payment_method.mandate_acceptance.ip_address",
        ),
        ({"account_holder_name": ""}, "payment_method.account_holder_name"),
    ],
    "ach_debit": [
        ({"routing_number": "110000001"}, "payment_method.routing_number"),
        ({"account_number": "12"}, "payment_method.account_number"),
        ({"account_type": "brokerage"}, "payment_method.account_type"),
    ],
    "bacs_debit": [
        ({"sort_code": "1088"}, "payment_method.sort_code"),
        ({"account_number": "1234567"}, "payment_method.account_number"),
    ],
    "pix": [({"expires_after_seconds": 10}, "payment_method.expires_after_seconds")],
    "upi": [({"vpa": "jenny"}, "payment_method.vpa"), ({"vpa": "j@1"}, "payment_method.vpa")],
    "paynow": [({"vpa": "x@y"}, "payment_method.vpa")],
    "promptpay": [({"phone": "1"}, "payment_method.phone")],
    "boleto": [
        ({"tax_id": "529.982.247-26"}, "payment_method.tax_id"),
        ({"tax_id": "11.222.333/0001-82"}, "payment_method.tax_id"),
        ({"tax_id": None}, "payment_method.tax_id"),
    ],
    "oxxo": [({"expires_after_days": 0}, "payment_method.expires_after_days")],
    "konbini": [({"expires_after_days": 61}, "payment_method.expires_after_days")],
    "klarna": [({"token": "x"}, "payment_method.token")],
    "afterpay_clearpay": [({"code": "1"}, "payment_method.code")],
    "affirm": [({"iban": "x"}, "payment_method.iban")],
    "alipay": [({"vpa": "x"}, "payment_method.vpa")],
    "wechat_pay": [({"bank": "x"}, "payment_method.bank")],
    "netbanking": [
        ({"bank": None}, "payment_method.bank"),
        ({"bank": "HD FC"}, "payment_method.bank"),
    ],
    "qris": [({"expires_after_seconds": 5}, "payment_method.expires_after_seconds")],
    "ewallet": [
        ({"provider": "paypal"}, "payment_method.provider"),
        ({"provider": "ovo"}, "payment_method.phone"),
        ({"provider": "ovo", "phone": "0812"}, "payment_method.phone"),
    ],
    "virtual_account": [
        ({"bank": None}, "payment_method.bank"),
        ({"account_holder_name": "   "}, "payment_method.account_holder_name"),
        ({"account_holder_name": "Toko\x00Jenny"}, "payment_method.account_holder_name"),
        ({"bank": "BCA\n"}, "payment_method.bank"),
        ({"expires_after_days": 0}, "payment_method.expires_after_days"),
    ],
}


def example(pm_type: str, **changes: Any) -> dict[str, Any]:
    import copy

    pm = copy.deepcopy(EXAMPLES[pm_type][0])
    for key, value in changes.items():
        if value is None:
            pm.pop(key, None)
        else:
            pm[key] = value
    return pm


def payment(pm_type: str, amount: int = 1500, **extra: Any) -> dict[str, Any]:
    pm, currency, country = EXAMPLES[pm_type]
    body: dict[str, Any] = {"amount": amount, "currency": currency, "payment_method": pm}
    if country:
        body["billing"] = {"country": country}
    body.update(extra)
    return body
