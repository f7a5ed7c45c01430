"""Authorize.net end to end: the REST server (a real service process) against the loopback
fake, which checks every request against its XSD-ordered contract; and the executor
against the same fake for what the service's own replay would hide (the gateway's
duplicate window answering a resend with the original transaction). A lost answer found
by its invoice number is in tests/server/test_unresolved_settles.py."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from connector_service.connectors.authorizenet import AuthorizenetConnector
from connector_service.connectors.base import ConnectorContext
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import AuthorizeData, Flow
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor
from connector_service.testing.fakes.authorizenet import (
    SUCCESS_CARD,
    notification,
    webhook_headers,
)
from connector_service.testing.profiles.authorizenet import PROFILE
from connector_service.testing.rig import Rig, open_rig

CARD = {"type": "card", "number": SUCCESS_CARD, "exp_month": 12, "exp_year": 2034, "cvc": "123"}


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("authorizenet-e2e")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def sent(rig: Rig, operation: str) -> list[dict[str, Any]]:
    out = []
    for request in rig.fake.received:
        doc = json.loads(request.body or b"{}")
        if operation in doc:
            out.append(doc[operation])
    return out


def payment(amount: int, pm: dict[str, Any] = CARD, capture: str = "manual", **extra: Any) -> Any:
    return {
        "amount": amount,
        "currency": "USD",
        "capture_method": capture,
        "payment_method": pm,
        **extra,
    }


def test_an_accept_js_token_pays_as_opaque_data(rig: Rig) -> None:
    token = rig.fake.tokenize(SUCCESS_CARD)
    paid = rig.api.ok(
        "POST", "/v1/payments", payment(1800, {"type": "token", "token": token}, "automatic")
    )
    assert paid["status"] == "captured", paid
    last = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
    assert last["payment"]["opaqueData"]["dataValue"] == token
    refund = rig.api.ok("POST", f"/v1/payments/{paid['id']}/refunds", {"amount": 800})
    assert refund["status"] == "succeeded", refund
    # the refund named the last four digits the authorization answered
    refunded = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
    assert refunded["payment"]["creditCard"] == {
        "cardNumber": SUCCESS_CARD[-4:],
        "expirationDate": "XXXX",
    }


def test_a_refund_before_settlement_is_a_conflict_and_a_void_works(rig: Rig) -> None:
    rig.fake.auto_settle = False  # the gateway's batch has not closed yet
    try:
        auth = rig.api.ok("POST", "/v1/payments", payment(2100))
        captured = rig.api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
        assert captured["status"] == "captured", captured
        status, err, _ = rig.api.call("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 500})
        assert status == 409 and err["error"]["code"] == "payment_not_refundable", err
        assert err["error"]["gateway"]["code"] == "54"
        synced = rig.api.ok("GET", f"/v1/payments/{auth['id']}")
        assert synced["connector_status"] == "capturedPendingSettlement", synced
        voided = rig.api.ok("POST", f"/v1/payments/{auth['id']}/void", {})
        assert voided["status"] == "voided", voided
    finally:
        rig.fake.auto_settle = True


def test_a_card_saved_with_a_payment_is_charged_later(rig: Rig) -> None:
    first = rig.api.ok(
        "POST",
        "/v1/payments",
        payment(
            1500,
            capture="automatic",
            setup_future_usage="off_session",
            customer={"id": "shopper-e2e", "email": "ada@example.com"},
        ),
    )
    assert first["status"] == "captured" and first["mandate"]["status"] == "active", first
    created = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
    assert created["profile"] == {"createProfile": "true"}
    mit = payment(700, {"type": "mandate", "mandate_id": first["mandate"]["id"]}, "automatic")
    charge = rig.api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "captured", charge
    charged = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
    # the profile the first payment made (the fake's CIM) is the one charged
    profile = charged["profile"]
    stored = rig.fake.profiles[profile["customerProfileId"]]
    assert stored["merchantCustomerId"] == "shopper-e2e"
    assert (
        stored["payment_profiles"][profile["paymentProfile"]["paymentProfileId"]]["cardNumber"]
        == SUCCESS_CARD
    )
    assert charged["processingOptions"] == {"isSubsequentAuth": "true"}


def test_a_refund_notification_is_stored_once(rig: Rig) -> None:
    paid = rig.api.ok("POST", "/v1/payments", payment(1600, capture="automatic"))
    refund = rig.api.ok("POST", f"/v1/payments/{paid['id']}/refunds", {"amount": 600})
    body = notification(
        "net.authorize.payment.refund.created",
        {
            "responseCode": 1,
            "authAmount": 6.0,
            "entityName": "transaction",
            "id": refund["connector_refund_id"],
        },
    )
    url = f"/v1/webhooks/authorizenet/{rig.account}"
    headers = {"Content-Type": "application/json", **webhook_headers(body)}
    for _ in range(2):
        status, _, _ = rig.api.call("POST", url, raw=body, headers=headers)
        assert status == 200
    event_id = json.loads(body)["notificationId"]
    data = rig.api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    stored = [e for e in data if e["connector_event_id"] == event_id]
    assert len(stored) == 1 and stored[0]["type"] == "refund.succeeded", stored
    # the payload names the refund's transaction only: the event still carries the ids
    # the API gave the refund and its payment
    event = rig.api.ok("GET", f"/v1/admin/webhooks/events/{stored[0]['id']}")["event"]
    assert event["data"]["refund"]["id"] == refund["id"], event
    assert event["data"]["refund"]["payment_id"] == paid["id"], event
    assert event["connector_payment_id"] == paid["connector_payment_id"], event


async def test_a_resend_within_the_duplicate_window_answers_the_original(rig: Rig) -> None:
    """The executor sends the same transaction twice (as after a lost answer): the
    gateway answers reason 11 with the original transId, which is read back."""
    connector = AuthorizenetConnector()
    ctx = ConnectorContext(
        account="anet-e2e",
        connector="authorizenet",
        credentials={k: Secret(v) for k, v in rig.fake.credentials.items()},
        options={},
        base_url=rig.fake.base_url,
        idempotency_key="resend-1",
    )
    card = Card(number=Secret(SUCCESS_CARD), exp_month=12, exp_year=2034, cvc=Secret("123"))
    data = AuthorizeData(
        amount=4321,
        currency="USD",
        payment_method=card,
        capture_method=CaptureMethod.MANUAL,
        reference="resend-ref-1",
    )
    executor = Executor()
    try:
        first = await executor.run(connector, Flow.AUTHORIZE, ctx, data)
        again = await executor.run(connector, Flow.AUTHORIZE, ctx, data)
        bad = ConnectorContext(
            account="anet-e2e",
            connector="authorizenet",
            credentials={"api_login_id": Secret("nobody"), "transaction_key": Secret("x" * 16)},
            options={},
            base_url=rig.fake.base_url,
        )
        with pytest.raises(ServiceError) as err:
            await executor.run(connector, Flow.AUTHORIZE, bad, data)
    finally:
        await executor.close()
    assert first.status is PaymentStatus.AUTHORIZED
    assert again.status is PaymentStatus.AUTHORIZED
    assert again.connector_payment_id == first.connector_payment_id
    made = [t for t in rig.fake.transactions.values() if t["invoice"] == "resend-ref-1"]
    assert len(made) == 1, "the resend made a second transaction"
    assert sent(rig, "getTransactionDetailsRequest")[-1]["transId"] == first.connector_payment_id
    assert err.value.code == "gateway_authentication_failed"


# --------------------------------------------------------------------------- eChecks

ACH = {
    "type": "ach_debit",
    "account_number": "000123456789",
    "routing_number": "110000000",
    "account_holder_name": "Jenny Rosen",
    "mandate_acceptance": {
        "accepted_at": "2026-12-03T10:00:00Z",
        "ip_address": "192.0.2.7",
        "user_agent": "Mozilla/5.0",
    },
}


def test_an_echeck_is_processing_until_it_settles_then_refunds(rig: Rig) -> None:
    rig.fake.auto_settle = False  # the batch closes later
    try:
        paid = rig.api.ok("POST", "/v1/payments", payment(2500, ACH, "automatic"))
        assert paid["status"] == "processing", paid
        assert paid["pending_reason"] == "settlement_pending", paid
        assert paid["payment_method"] == {"type": "ach_debit"}, paid
        assert "000123456789" not in json.dumps(paid)
        debit = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
        assert debit["payment"]["bankAccount"]["echeckType"] == "WEB"
        synced = rig.api.ok("GET", f"/v1/payments/{paid['id']}")
        assert synced["status"] == "processing", synced
        # not settled: the gateway refuses a refund (void it instead)
        status, err, _ = rig.api.call("POST", f"/v1/payments/{paid['id']}/refunds", {"amount": 500})
        assert status == 409 and err["error"]["code"] == "payment_not_refundable", err
        rig.fake.settle()
    finally:
        rig.fake.auto_settle = True
    settled = rig.api.ok("GET", f"/v1/payments/{paid['id']}")
    assert settled["status"] == "captured" and settled["amount_captured"] == 2500, settled
    refund = rig.api.ok("POST", f"/v1/payments/{paid['id']}/refunds", {"amount": 1000})
    assert refund["status"] == "succeeded", refund
    credit = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
    assert credit["payment"] == {
        "bankAccount": {
            "accountType": "checking",
            "routingNumber": "XXXX0000",
            "accountNumber": "XXXX6789",
            "nameOnAccount": "Jenny Rosen",
        }
    }


def _authcapture_event(
    rig: Rig, paid: dict[str, Any], invoice: str | None = None
) -> dict[str, Any]:
    """Post Authorize.net's authcapture.created for ``paid``; the unified event stored."""
    payload = {
        "responseCode": 1,
        "authAmount": paid["amount"] / 100,
        "entityName": "transaction",
        "id": paid["connector_payment_id"],
    }
    if invoice is not None:
        payload["invoiceNumber"] = invoice
    body = notification("net.authorize.payment.authcapture.created", payload)
    headers = {"Content-Type": "application/json", **webhook_headers(body)}
    status, _, _ = rig.api.call(
        "POST", f"/v1/webhooks/authorizenet/{rig.account}", raw=body, headers=headers
    )
    assert status == 200
    event_id = json.loads(body)["notificationId"]
    data = rig.api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    (stored,) = [e for e in data if e["connector_event_id"] == event_id]
    return dict(rig.api.ok("GET", f"/v1/admin/webhooks/events/{stored['id']}")["event"])


def test_authcapture_created_is_captured_for_a_card_but_processing_for_an_echeck(
    rig: Rig,
) -> None:
    """The same event announces a captured card and a merely submitted eCheck: the
    eCheck can still be returned, so its event says processing, not captured."""
    card = rig.api.ok("POST", "/v1/payments", payment(1300, capture="automatic"))
    event = _authcapture_event(rig, card)
    assert event["type"] == "payment.captured", event
    assert event["data"]["payment"]["status"] == "captured", event
    rig.fake.auto_settle = False
    try:
        debit = rig.api.ok("POST", "/v1/payments", payment(1400, ACH, "automatic"))
        event = _authcapture_event(rig, debit)
    finally:
        rig.fake.auto_settle = True
    assert event["type"] == "payment.processing", event
    shown = event["data"]["payment"]
    assert shown["status"] == "processing" and shown["id"] == debit["id"], event
    assert shown["pending_reason"] == "settlement_pending", event
    assert shown["payment_method"] == {"type": "ach_debit"}, event
    assert "amount_captured" not in shown or not shown["amount_captured"], event


def test_a_returned_echeck_is_failed_with_the_return_reason(rig: Rig) -> None:
    paid = rig.api.ok("POST", "/v1/payments", payment(1200, ACH, "automatic"))
    rig.fake.return_item(paid["connector_payment_id"], "R01", "Insufficient Funds")
    synced = rig.api.ok("GET", f"/v1/payments/{paid['id']}")
    assert synced["status"] == "failed", synced
    assert synced["failure"]["code"] == "insufficient_funds", synced
    assert synced["failure"]["gateway"]["code"] == "R01", synced


def test_an_unsettled_echeck_is_voided(rig: Rig) -> None:
    rig.fake.auto_settle = False
    try:
        paid = rig.api.ok("POST", "/v1/payments", payment(900, ACH, "automatic"))
        voided = rig.api.ok("POST", f"/v1/payments/{paid['id']}/void", {})
        assert voided["status"] == "voided", voided
    finally:
        rig.fake.auto_settle = True


def test_a_held_echeck_is_refused_naming_capture_method_without_a_call(rig: Rig) -> None:
    calls = len(rig.fake.received)
    status, err, _ = rig.api.call("POST", "/v1/payments", payment(900, ACH, "manual"))
    assert status == 422 and err["error"]["field"] == "capture_method", err
    assert len(rig.fake.received) == calls


def test_a_refused_account_number_is_a_400_naming_it(rig: Rig) -> None:
    bad = ACH | {"account_number": "000000000010"}
    status, err, _ = rig.api.call("POST", "/v1/payments", payment(900, bad, "automatic"))
    assert status == 400 and err["error"]["field"] == "payment_method.account_number", err
    assert "000000000010" not in json.dumps(err)


def test_no_account_number_in_a_stored_row_or_a_log_line(rig: Rig) -> None:
    """The eCheck's account number (unique to this test) went to the gateway, and is in
    none of the service's stored bytes (SQLite file and WAL) nor its DEBUG log, which
    carries every gateway exchange (scrubbed)."""
    account = "7" + str(uuid.uuid4().int)[:11]
    pm = ACH | {"account_number": account}
    paid = rig.api.ok("POST", "/v1/payments", payment(1300, pm, "automatic"))
    rig.api.ok("GET", f"/v1/payments/{paid['id']}")
    rig.api.ok("POST", f"/v1/payments/{paid['id']}/refunds", {"amount": 300})
    debit = [d for d in sent(rig, "createTransactionRequest")
             if d["transactionRequest"].get("payment", {}).get("bankAccount", {})
             .get("accountNumber") == account]  # fmt: skip
    assert len(debit) == 1  # the gateway got it: the scan below can find it if it leaked
    db = Path(rig.service.env["CS_STORAGE_URL"].removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    logs = rig.service.log_path.read_bytes()
    assert b"connector_service.transcript" in logs and b"bankAccount" in logs
    assert stored and account.encode() not in stored
    assert account.encode() not in logs


# --------------------------------------------------------------------------- stored eChecks


def _bank_mandate(rig: Rig, pm: dict[str, Any] = ACH, customer: str = "shopper-ach") -> Any:
    return rig.api.ok(
        "POST",
        "/v1/mandates",
        {
            "currency": "USD",
            "payment_method": pm,
            "customer": {"id": customer, "email": "jenny@example.com", "name": "Jenny Rosen"},
        },
    )


def test_a_bank_account_mandate_is_debited_as_an_echeck_settled_by_sync_and_refunded(
    rig: Rig,
) -> None:
    mandate = _bank_mandate(rig)
    assert mandate["status"] == "active", mandate
    assert mandate["payment_method"] == {"type": "ach_debit"}, mandate
    assert "000123456789" not in json.dumps(mandate)
    (created,) = sent(rig, "createCustomerProfileRequest")[-1:]
    (payment_profile,) = created["profile"]["paymentProfiles"]
    assert list(payment_profile["payment"]["bankAccount"]) == [
        "accountType", "routingNumber", "accountNumber", "nameOnAccount", "echeckType"
    ]  # fmt: skip
    assert created["validationMode"] == "testMode"
    rig.fake.auto_settle = False  # the batch closes later
    try:
        mit = payment(2200, {"type": "mandate", "mandate_id": mandate["id"]}, "automatic")
        charge = rig.api.ok("POST", "/v1/payments", mit)
        assert charge["status"] == "processing", charge
        assert charge["pending_reason"] == "settlement_pending", charge
        assert not charge.get("amount_captured"), charge
        charged = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
        assert (
            charged["profile"]["paymentProfile"]["paymentProfileId"]
            == (mandate["connector_mandate_id"])
        )
        assert "processingOptions" not in charged and "payment" not in charged
        # the gateway's authcapture.created for it: processing, never captured
        event = _authcapture_event(rig, charge)
        assert event["type"] == "payment.processing", event
        assert event["data"]["payment"]["pending_reason"] == "settlement_pending", event
        synced = rig.api.ok("GET", f"/v1/payments/{charge['id']}")
        assert synced["status"] == "processing", synced
        status, err, _ = rig.api.call("POST", f"/v1/payments/{charge['id']}/refunds", {"amount": 1})
        assert status == 409 and err["error"]["code"] == "payment_not_refundable", err
        rig.fake.settle()
    finally:
        rig.fake.auto_settle = True
    settled = rig.api.ok("GET", f"/v1/payments/{charge['id']}")
    assert settled["status"] == "captured" and settled["amount_captured"] == 2200, settled
    refund = rig.api.ok("POST", f"/v1/payments/{charge['id']}/refunds", {"amount": 700})
    assert refund["status"] == "succeeded", refund
    credit = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
    assert credit["payment"]["bankAccount"]["accountNumber"] == "XXXX6789"
    # listed with no card summary; revoked as any profile
    listed = rig.api.ok(
        "GET", f"/v1/mandates?account={rig.account}&customer={mandate['customer_id']}"
    )
    (shown,) = [m for m in listed["data"] if m["id"] == mandate["id"]]
    assert "card" not in (shown.get("payment_method") or {}), shown
    revoked = rig.api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke", {})
    assert revoked["status"] == "revoked", revoked


def test_a_bank_account_mandate_is_not_held_for_capture(rig: Rig) -> None:
    mandate = _bank_mandate(rig, customer="shopper-ach-held")
    calls = len(rig.fake.received)
    held = payment(900, {"type": "mandate", "mandate_id": mandate["id"]}, "manual")
    status, err, _ = rig.api.call("POST", "/v1/payments", held)
    assert status == 422 and err["error"]["field"] == "capture_method", err
    assert len(rig.fake.received) == calls


def test_an_echeck_saved_with_a_debit_is_charged_later_as_an_echeck(rig: Rig) -> None:
    first = rig.api.ok(
        "POST",
        "/v1/payments",
        payment(
            1500,
            ACH,
            "automatic",
            setup_future_usage="off_session",
            customer={"id": "shopper-ach-sfu", "email": "jenny@example.com"},
        ),
    )
    assert first["status"] == "processing", first
    assert first["mandate"]["status"] == "active", first
    debit = sent(rig, "createTransactionRequest")[-1]["transactionRequest"]
    assert debit["profile"] == {"createProfile": "true"} and "bankAccount" in debit["payment"]
    assert "processingOptions" not in debit
    profile = next(p for p in rig.fake.profiles.values()
                   if p["merchantCustomerId"] == "shopper-ach-sfu")  # fmt: skip
    (stored,) = profile["payment_profiles"].values()
    assert stored["bank"]["accountNumber"] == ACH["account_number"]
    mit = payment(600, {"type": "mandate", "mandate_id": first["mandate"]["id"]}, "automatic")
    charge = rig.api.ok("POST", "/v1/payments", mit)
    assert charge["status"] == "processing", charge
    assert charge["pending_reason"] == "settlement_pending", charge
    rig.fake.settle()
    assert rig.api.ok("GET", f"/v1/payments/{charge['id']}")["status"] == "captured"


def test_no_account_number_in_a_stored_row_or_a_log_line_of_a_bank_mandate(rig: Rig) -> None:
    """As for a debit: the bank mandate's account number (unique to this test) went to
    the gateway, and is in none of the service's stored bytes (mandate, payment and
    refund rows) nor its DEBUG log; nor is one stored with a debit (setup_future_usage)."""
    account = "8" + str(uuid.uuid4().int)[:11]
    saved_with_debit = "9" + str(uuid.uuid4().int)[:11]
    mandate = _bank_mandate(rig, ACH | {"account_number": account}, customer="shopper-ach-scan")
    mit = payment(1300, {"type": "mandate", "mandate_id": mandate["id"]}, "automatic")
    charge = rig.api.ok("POST", "/v1/payments", mit)
    rig.api.ok("GET", f"/v1/payments/{charge['id']}")
    rig.api.ok("POST", f"/v1/payments/{charge['id']}/refunds", {"amount": 300})
    rig.api.ok("GET", f"/v1/mandates?account={rig.account}&customer={mandate['customer_id']}")
    first = rig.api.ok(
        "POST",
        "/v1/payments",
        payment(1400, ACH | {"account_number": saved_with_debit}, "automatic",
                setup_future_usage="off_session",
                customer={"id": "shopper-ach-scan2", "email": "jenny@example.com"}),
    )  # fmt: skip
    assert first["mandate"]["status"] == "active", first
    profiles = [p for p in sent(rig, "createCustomerProfileRequest")
                if p["profile"]["paymentProfiles"][0]["payment"]["bankAccount"]
                ["accountNumber"] == account]  # fmt: skip
    assert len(profiles) == 1  # the gateway got it: the scan below can find it if it leaked
    db = Path(rig.service.env["CS_STORAGE_URL"].removeprefix("sqlite:///"))
    stored = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    logs = rig.service.log_path.read_bytes()
    assert b"createCustomerProfileRequest" in logs and b"bankAccount" in logs
    assert stored
    for number in (account, saved_with_debit):
        assert number.encode() not in stored
        assert number.encode() not in logs


def test_an_unresolved_charge_of_a_bank_mandate_is_not_announced_captured(rig: Rig) -> None:
    """The gateway took the debit in but its answer was lost: the payment is unresolved,
    with no gateway answer to say it is an eCheck. Its record says so from the mandate
    (a bank debit), so the gateway's authcapture.created settles it as processing, under
    the id the caller holds: the bank can still return the debit."""
    mandate = _bank_mandate(rig, customer="shopper-lost")
    rig.fake.auto_settle = False
    real = rig.fake._transaction

    def answer_lost(inner: Any) -> Any:
        real(inner)  # the gateway takes the debit in ...
        return web.Response(status=500, text="internal error")  # ... the answer is lost

    rig.fake._transaction = answer_lost
    try:
        charge = {"type": "mandate", "mandate_id": mandate["id"]}
        status, lost, _ = rig.api.call(
            "POST", "/v1/payments", payment(2200, charge, "automatic", reference="sub-lost-0001")
        )
    finally:
        rig.fake._transaction = real
    try:
        assert (status, lost["status"]) == (201, "unresolved"), lost
        gateway_id = list(rig.fake.transactions)[-1]
        paid = {"amount": 2200, "connector_payment_id": gateway_id}
        event = _authcapture_event(rig, paid, invoice="sub-lost-0001")
    finally:
        rig.fake.auto_settle = True
    assert event["type"] == "payment.processing", event
    shown = event["data"]["payment"]
    assert (shown["status"], shown["id"]) == ("processing", lost["id"]), event


def test_a_bank_mandate_is_charged_in_us_dollars_only_and_never_captured(rig: Rig) -> None:
    """A stored bank account is charged as a mandate, which the ach_debit declaration's
    limits do not reach: the connector keeps them, before any call."""
    mandate = _bank_mandate(rig, customer="shopper-eur")
    charge = {"type": "mandate", "mandate_id": mandate["id"]}
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call(
        "POST", "/v1/payments", {**payment(1500, charge, "automatic"), "currency": "EUR"}
    )
    assert (status, err["error"]["type"], err["error"]["field"]) == (
        422, "not_supported", "currency"
    ), err  # fmt: skip
    assert rig.gateway_calls() == calls
    rig.fake.auto_settle = False
    try:
        debit = rig.api.ok("POST", "/v1/payments", payment(1500, charge, "automatic"))
    finally:
        rig.fake.auto_settle = True
    assert debit["status"] == "processing", debit
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", f"/v1/payments/{debit['id']}/capture", {})
    assert (status, err["error"]["type"], err["error"]["field"]) == (422, "not_supported", "id")
    assert rig.gateway_calls() == calls


def test_an_unresolved_payment_with_a_generated_reference_is_settled_by_its_invoice(
    rig: Rig,
) -> None:
    """The service's own reference (27 characters) reaches Authorize.net cut to the 20 of
    ``invoiceNumber``, and its webhooks name that: the event about a payment answered
    ``unresolved`` is linked to the id the caller holds, not issued a new one."""
    rig.fake.auto_settle = False
    real = rig.fake._transaction

    def answer_lost(inner: Any) -> Any:
        real(inner)
        return web.Response(status=500, text="internal error")

    rig.fake._transaction = answer_lost
    try:
        status, lost, _ = rig.api.call("POST", "/v1/payments", payment(2400, ACH, "automatic"))
    finally:
        rig.fake._transaction = real
    try:
        assert (status, lost["status"]) == (201, "unresolved"), lost
        (request,) = sent(rig, "createTransactionRequest")[-1:]
        invoice = request["transactionRequest"]["order"]["invoiceNumber"]
        assert len(invoice) == 20
        gateway_id = list(rig.fake.transactions)[-1]
        paid = {"amount": 2400, "connector_payment_id": gateway_id}
        event = _authcapture_event(rig, paid, invoice=invoice)
    finally:
        rig.fake.auto_settle = True
    shown = event["data"]["payment"]
    assert (event["type"], shown["id"]) == ("payment.processing", lost["id"]), event
    assert rig.api.ok("GET", f"/v1/payments/{lost['id']}")["connector_payment_id"] == gateway_id
