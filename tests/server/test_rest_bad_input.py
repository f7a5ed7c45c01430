"""Bad input: every malformed request gets a 4xx with a stable code naming the field;
callers are isolated; nothing leaks into the logs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ServiceProcess
from tests.server.client import Api, card
from tests.server.test_rest_flows import service  # noqa: F401 - the shared module server

GOOD: dict[str, Any] = {"amount": 1000, "currency": "EUR", "payment_method": card()}


def with_(path: str, value: Any) -> dict[str, Any]:
    body = json.loads(json.dumps(GOOD))
    target = body
    *parents, leaf = path.split(".")
    for p in parents:
        target = target[p]
    if value is _DELETE:
        del target[leaf]
    else:
        target[leaf] = value
    return body


_DELETE = object()


@pytest.fixture
def a(service: ServiceProcess) -> Api:  # noqa: F811
    return Api(service.url, "key-a")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        (with_("amount", "ten"), "invalid_amount", "amount"),
        (with_("amount", 0), "invalid_amount", "amount"),
        (with_("amount", -5), "invalid_amount", "amount"),
        (with_("amount", 10.5), "invalid_amount", "amount"),
        (with_("amount", _DELETE), "missing_field", "amount"),
        (with_("currency", "XYZ"), "invalid_currency", "currency"),
        (with_("currency", "eur"), "invalid_currency", "currency"),
        (with_("currency", _DELETE), "missing_field", "currency"),
        (with_("payment_method", _DELETE), "missing_field", "payment_method"),
        (with_("payment_method.number", "4242424242424241"), "invalid_card_number",
         "payment_method.number"),
        (with_("payment_method.number", "4242abcd"), "invalid_card_number",
         "payment_method.number"),
        (with_("payment_method.number", _DELETE), "missing_field", "payment_method.number"),
        (with_("payment_method.exp_month", 13), "invalid_expiry", "payment_method.exp_month"),
        (with_("payment_method.exp_year", 2020), "card_expired", "payment_method.exp_year"),
        (with_("payment_method.cvc", "12"), "invalid_cvc", "payment_method.cvc"),
        (with_("payment_method.cvc", 123), "invalid_cvc", "payment_method.cvc"),
        (with_("payment_method.type", "bitcoin"), "unknown_type", "payment_method.type"),
        (with_("capture_method", "later"), "invalid_field", "capture_method"),
        (with_("return_url", "javascript:alert(1)"), "invalid_field", "return_url"),
        (with_("metadata", {"k": 5}), "invalid_field", "metadata"),
        (with_("surprise", 1), "unknown_field", "surprise"),
        (with_("customer", {"email": "not-an-email"}), "invalid_field", "customer.email"),
        (with_("billing", {"country": "Germany"}), "invalid_field", "billing.country"),
        ({**GOOD, "amount": 2 * 10**9, "currency": "JPY"}, "amount_too_large", "amount"),
        ({**GOOD, "amount": 10**16}, "invalid_amount", "amount"),
        ({**GOOD, "account": "nope"}, "unknown_account", "account"),
        ({**GOOD, "connector": "sandbox"}, "credentials_required", "connector"),
        ({**GOOD, "payment_method": {"type": "mandate", "mandate_id": "man_forged"}},
         "mandate_not_found", "payment_method.mandate_id"),
        ({**GOOD, "payment_method": {"type": "wallet", "wallet": "apple_pay"}},
         "unknown_type", "payment_method.type"),
        ({**GOOD, "payment_method": {"type": "token", "token": "tok_elsewhere"}},
         "not_supported", "payment_method.type"),
        ({**GOOD, "currency": "USD", "payment_method": {"type": "ideal"}},
         "not_supported", "currency"),
    ],
)  # fmt: skip
async def test_invalid_payment_bodies(a: Api, body: dict[str, Any], code: str, field: str) -> None:
    status, err, _ = await a.call("POST", "/v1/payments", body)
    assert 400 <= status < 500, err
    assert err["error"]["code"] == code, err
    assert err["error"]["field"] == field, err
    assert "4242424242424242" not in json.dumps(err)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_field"),
        (b'"text"', "invalid_field"),
        (b"\xff\xfe", "invalid_json"),
    ],
)
async def test_unparseable_bodies(a: Api, raw: bytes, code: str) -> None:
    status, err, _ = await a.call("POST", "/v1/payments", raw=raw)
    assert status == 400 and err["error"]["code"] == code


async def test_empty_body_names_the_missing_field(a: Api) -> None:
    status, err, _ = await a.call("POST", "/v1/payments", raw=b"")
    assert status == 400 and err["error"]["code"] == "missing_field"


async def test_a_upi_mandate_where_upi_is_not_recurring_is_refused(a: Api) -> None:
    """UPI is a mandate (AutoPay) only where the connector declares upi's recurring flow:
    the sandbox takes UPI payments, not UPI mandates."""
    body = {"currency": "INR", "payment_method": {"type": "upi", "vpa": "ada@okicici"},
            "customer": {"id": "cus-1", "email": "ada@example.com"}}  # fmt: skip
    status, err, _ = await a.call("POST", "/v1/mandates", body)
    assert status == 422 and err["error"]["code"] == "not_supported", err
    assert err["error"]["field"] == "payment_method.type", err
    status, err, _ = await a.call("POST", "/v1/mandates", {**body, "payment_method": {
        "type": "netbanking", "bank": "HDFC"}})  # fmt: skip
    assert status == 400 and err["error"]["code"] == "unknown_type", err
    assert err["error"]["field"] == "payment_method.type", err


_ACH = {"type": "ach_debit", "account_number": "000123456789", "routing_number": "110000000",
        "account_holder_name": "Jenny Rosen",
        "mandate_acceptance": {"accepted_at": "2026-12-03T10:00:00Z", "ip_address": "192.0.2.7",
                               "user_agent": "Mozilla/5.0"}}  # fmt: skip


async def test_a_bank_account_is_stored_only_where_ach_debit_is_recurring(a: Api) -> None:
    """A US bank account is a mandate (or stored with a debit) only where the connector
    declares ach_debit's recurring flow (Authorize.net's CIM): the sandbox debits ACH
    but stores no bank account. Refused before any gateway call, naming the field; the
    account number is in no answer."""
    body = {"currency": "USD", "payment_method": _ACH,
            "customer": {"id": "cus-1", "email": "ada@example.com"}}  # fmt: skip
    status, err, _ = await a.call("POST", "/v1/mandates", body)
    assert status == 422 and err["error"]["code"] == "not_supported", err
    assert err["error"]["field"] == "payment_method.type", err
    debit = {"amount": 1000, "currency": "USD", "payment_method": _ACH,
             "setup_future_usage": "off_session"}  # fmt: skip
    status, err, _ = await a.call("POST", "/v1/payments", debit)
    assert status == 422 and err["error"]["code"] == "not_supported", err
    assert err["error"]["field"] == "setup_future_usage", err
    assert "000123456789" not in json.dumps(err)
    # other bank debits are not stored with a payment at all (the model refuses it)
    sepa = {"type": "sepa_debit", "iban": "DE89370400440532013000",
            "account_holder_name": "Jenny Rosen",
            "mandate_acceptance": _ACH["mandate_acceptance"]}  # fmt: skip
    status, err, _ = await a.call("POST", "/v1/payments", {**debit, "currency": "EUR",
                                                           "payment_method": sepa})  # fmt: skip
    assert status == 400 and err["error"]["field"] == "setup_future_usage", err


async def test_oversized_body_is_413(a: Api) -> None:
    big = {**GOOD, "description": "x" * 10_000}
    status, err, _ = await a.call("POST", "/v1/payments", big)
    assert status == 413 and err["error"]["code"] == "body_too_large"


async def test_capture_and_refund_amount_checks(a: Api) -> None:
    payment = await a.pay(capture_method="manual")
    pid = payment["id"]
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/capture", {"amount": 1001})
    assert status == 400 and err["error"]["field"] == "amount"
    assert err["error"]["code"] == "amount_too_large"
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/capture", {"amount": -1})
    assert status == 400 and err["error"]["field"] == "amount"
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 2000})
    assert status == 400 and err["error"]["field"] == "amount"
    # refunding an uncaptured authorization is a state conflict at the gateway
    status, err, _ = await a.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 10})
    assert status == 409 and err["error"]["code"] == "payment_not_refundable"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/payments/pay_doesnotexist"),
        ("GET", "/v1/payments/not-even-an-id"),
        ("POST", "/v1/payments/pay_AAAA/capture"),
        ("GET", "/v1/refunds/re_AAAA"),
        ("POST", "/v1/mandates/man_AAAA/revoke"),
    ],
)
async def test_unknown_ids_are_404(a: Api, method: str, path: str) -> None:
    status, err, _ = await a.call(method, path, {} if method == "POST" else None)
    assert status == 404 and err["error"]["type"] == "not_found"
    assert err["error"]["field"] == "id"


async def test_tampered_id_is_404(a: Api) -> None:
    payment = await a.pay()
    pid = payment["id"]
    tampered = pid[:-3] + ("AAA" if not pid.endswith("AAA") else "BBB")
    status, _, _ = await a.call("GET", f"/v1/payments/{tampered}")
    assert status == 404


async def test_unknown_route_and_method(a: Api) -> None:
    status, err, _ = await a.call("GET", "/v1/nothing")
    assert status == 404 and err["error"]["code"] == "route_not_found"
    status, err, _ = await a.call("DELETE", "/v1/payments")
    assert status == 405 and err["error"]["code"] == "method_not_allowed"


async def test_invalid_idempotency_key(a: Api) -> None:
    status, err, _ = await a.call(
        "POST", "/v1/payments", GOOD, headers={"Idempotency-Key": "x" * 300}
    )
    assert status == 400 and err["error"]["field"] == "Idempotency-Key"


# ---------------------------------------------------------------- callers and tenants


async def test_missing_and_wrong_api_keys(service: ServiceProcess) -> None:  # noqa: F811
    status, err, _ = await Api(service.url).call("POST", "/v1/payments", GOOD)
    assert status == 401 and err["error"]["code"] == "missing_api_key"
    status, err, _ = await Api(service.url, "wrong").call("GET", "/v1/connectors")
    assert status == 401 and err["error"]["code"] == "invalid_api_key"


async def test_callers_never_reach_each_others_payments(service: ServiceProcess) -> None:  # noqa: F811
    a, b = Api(service.url, "key-a"), Api(service.url, "key-b")
    payment = await a.pay(capture_method="manual")
    pid = payment["id"]
    for method, path, body in [
        ("GET", f"/v1/payments/{pid}", None),
        ("POST", f"/v1/payments/{pid}/capture", {}),
        ("POST", f"/v1/payments/{pid}/void", {}),
        ("POST", f"/v1/payments/{pid}/refunds", {}),
    ]:
        status, err, _ = await b.call(method, path, body)
        assert status == 404, (method, path, err)
    status, err, _ = await b.call("POST", "/v1/payments", {**GOOD, "account": "sandbox"})
    assert status == 403 and err["error"]["code"] == "account_not_allowed"
    # b's own payment works, and a cannot see it either
    own = await b.pay()
    assert own["account"] == "sandbox-b"
    status, _, _ = await a.call("GET", f"/v1/payments/{own['id']}")
    assert status == 404
    # the payment a made is untouched
    assert (await a.ok("GET", f"/v1/payments/{pid}"))["status"] == "authorized"


async def test_per_request_credentials_for_platforms(service: ServiceProcess) -> None:  # noqa: F811
    platform = Api(service.url, "key-platform")
    creds = {"X-Connector-Credentials": json.dumps({"connector": "sandbox", "credentials": {}})}
    payment = await platform.ok(
        "POST", "/v1/payments", {**GOOD, "capture_method": "manual"}, headers=creds
    )
    assert payment["account"] == "@sandbox"
    # later calls need the credentials again
    status, _, _ = await platform.call("GET", f"/v1/payments/{payment['id']}")
    assert status == 404
    synced = await platform.ok("GET", f"/v1/payments/{payment['id']}", headers=creds)
    assert synced["status"] == "authorized"
    # an ordinary key may not send credentials; a broken header is a 400 without echo
    status, err, _ = await Api(service.url, "key-a").call(
        "POST", "/v1/payments", GOOD, headers=creds
    )
    assert status == 403 and err["error"]["code"] == "request_credentials_not_allowed"
    status, err, _ = await platform.call(
        "POST",
        "/v1/payments",
        GOOD,
        headers={"X-Connector-Credentials": '{"connector": "sandbox", "credentials": {"k": 1}}'},
    )
    assert status == 400 and err["error"]["field"] == "X-Connector-Credentials"
    # and the platform key has no configured accounts of its own
    status, err, _ = await platform.call("POST", "/v1/payments", {**GOOD, "account": "sandbox"})
    assert status == 403


async def test_logs_hold_no_card_data_or_keys(service: ServiceProcess) -> None:  # noqa: F811
    a = Api(service.url, "key-a")
    await a.pay("5555555555554444", description="card 5555555555554444 cvc=987")
    await a.call("POST", "/v1/payments", with_("payment_method.number", "4000000000009995"))
    await a.call("POST", "/v1/payments", raw=b'{"payment_method": {"number": "4242424242424242"')
    logs = service.logs()
    assert "request" in logs  # the access log is there
    for secret in ("5555555555554444", "4000000000009995", "4242424242424242", "key-a"):
        assert secret not in logs, secret


async def test_admin_endpoints_need_an_admin_key(service: ServiceProcess) -> None:  # noqa: F811
    status, err, _ = await Api(service.url, "key-a").call("GET", "/v1/admin/breakers")
    assert status == 403 and err["error"]["code"] == "admin_only"
