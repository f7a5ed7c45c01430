"""Razorpay UPI AutoPay (issue 15): a recurring mandate on UPI, set up with
``POST /v1/mandates``: a customer, an order with ``method: upi`` and the token's terms,
the authorization payment (``POST /payments/create/upi`` with ``recurring: "1"``, intent
or collect); the customer approves in their UPI app, NPCI confirms the token later
(``token.confirmed``), and the completion reads the token's recurring status. Then
merchant-initiated charges through ``/payments/create/recurring``, debited after the
pre-debit notification. Requests checked against the fake's contract, answers parsed
from fixtures shaped after Razorpay's; then the whole life through the service against
the contract-checking fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from connector_service.domain.common import AwaitCustomer, Customer, DisplayQr
from connector_service.domain.errors import ErrorType, ServiceError
from connector_service.domain.flows import Flow, MandateCompleteData, MandateSetupData
from connector_service.domain.ids import MandateRef
from connector_service.domain.payment_methods import Upi
from connector_service.domain.status import MandateStatus
from connector_service.testing.fakes.razorpay import (
    WEBHOOK_SECRET,
    check_request,
    webhook_headers,
)
from connector_service.testing.profiles.razorpay import PROFILE
from connector_service.testing.rig import Rig, open_rig
from tests.connectors.harness import drive, response
from tests.connectors.razorpay_support import (
    BASE,
    BROWSER,
    CONNECTOR,
    KEY_ID,
    KEY_SECRET,
    ctx,
    fixture,
)

VPA = "gaurav.kumar@exampleupi"
PID, CID, TID = "pay_QAuT7mXk2WpZ4c", "cust_Q7kS9bWq4ZyX1e", "token_QAuV2cWp9NtL3b"


def setup(pm: Upi, **extra: Any) -> MandateSetupData:
    fields: dict[str, Any] = {
        "payment_method": pm, "currency": "INR", "amount": 0,
        "customer": Customer(email="jane@example.com", name="Jane Shopper", phone="+919000090000"),
        "reference": "autopay-7", "browser": BROWSER, "return_url": "https://shop.example/back",
    }  # fmt: skip
    return MandateSetupData(**(fields | extra))


def run_setup(pm: Upi, **options: str) -> tuple[list[Any], Any]:
    created = "upi_mandate_intent_created" if pm.vpa is None else "upi_collect_created"
    answers = [
        response(200, fixture("customer_created")),
        response(200, fixture("order_upi_token_created")),
        response(200, fixture(created)),
    ]
    return drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(options), setup(pm), answers)


def pending_ref() -> MandateRef:
    meta = {"customer_id": CID, "order_id": "order_QAuSz4Hn7VcB1d", "payment_id": PID,
            "email": "jane@example.com", "contact": "+919000090000", "method": "upi"}  # fmt: skip
    return MandateRef("rp", "razorpay", "", customer_id=CID, currency="INR", meta=meta)


def complete(*answers: str) -> tuple[list[Any], Any]:
    data = MandateCompleteData(mandate=pending_ref(), params={})
    return drive(
        CONNECTOR, Flow.COMPLETE_MANDATE, ctx(), data, [response(200, fixture(a)) for a in answers]
    )


def test_upi_declares_recurring() -> None:
    from connector_service.connectors.capabilities import MethodFlow
    from connector_service.domain.payment_methods import PaymentMethodType

    assert MethodFlow.RECURRING in CONNECTOR.meta.methods[PaymentMethodType.UPI].flows


def test_intent_registration_asks_for_a_upi_token_and_shows_the_mandate_link() -> None:
    requests, result = run_setup(Upi())
    for request in requests:
        check_request(request, KEY_ID, KEY_SECRET)
    assert [r.url.removeprefix(BASE) for r in requests] == [
        "/customers", "/orders", "/payments/create/upi",
    ]  # fmt: skip
    order = json.loads(requests[1].body)
    assert (order["method"], order["customer_id"], order["payment_capture"]) == ("upi", CID, False)
    assert order["token"]["frequency"] == "as_presented" and order["token"]["max_amount"] > 0
    sent = json.loads(requests[2].body)
    assert (sent["recurring"], sent["customer_id"], sent["method"]) == ("1", CID, "upi")
    assert sent["upi"] == {"flow": "intent"} and sent["order_id"] == order_id()
    assert (sent["ip"], sent["user_agent"]) == ("203.0.113.7", "Mozilla/5.0 (test)")
    assert result.status is MandateStatus.PENDING and result.connector_mandate_id is None
    assert isinstance(result.next_action, DisplayQr)
    assert result.next_action.payload.startswith("upi://mandate?")
    assert result.meta["method"] == "upi" and result.meta["payment_id"] == PID


def order_id() -> str:
    return str(fixture("order_upi_token_created")["id"])


def test_collect_registration_sends_the_vpa_and_waits() -> None:
    requests, result = run_setup(Upi(vpa=VPA))
    check_request(requests[2], KEY_ID, KEY_SECRET)
    assert json.loads(requests[2].body)["upi"] == {
        "flow": "collect", "vpa": VPA, "expiry_time": "10",
    }  # fmt: skip
    assert isinstance(result.next_action, AwaitCustomer)


def test_a_frequency_upi_does_not_take_is_refused_before_any_call() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(CONNECTOR, Flow.SETUP_MANDATE, ctx({"mandate_frequency": "weekly"}), setup(Upi()), [])
    assert exc.value.code == "invalid_account_option"
    requests, _ = run_setup(Upi(), mandate_frequency="monthly")
    assert json.loads(requests[1].body)["token"]["frequency"] == "monthly"


def test_missing_browser_is_a_4xx_naming_the_field() -> None:
    with pytest.raises(ServiceError) as exc:
        drive(CONNECTOR, Flow.SETUP_MANDATE, ctx(), setup(Upi(), browser=None), [])
    assert exc.value.type is ErrorType.INVALID_REQUEST and exc.value.field == "browser.ip_address"


def test_completion_follows_the_payment_then_the_token() -> None:
    requests, waiting = complete("payment_upi_autopay_created")
    assert [r.url.removeprefix(BASE) for r in requests] == [f"/payments/{PID}"]
    assert waiting.status is MandateStatus.PENDING and waiting.connector_mandate_id is None
    requests, initiated = complete("payment_upi_autopay_authorized", "token_upi_initiated")
    assert [r.url.removeprefix(BASE) for r in requests] == [
        f"/payments/{PID}", f"/customers/{CID}/tokens/{TID}",
    ]  # fmt: skip
    for request in requests:
        check_request(request, KEY_ID, KEY_SECRET)
    assert initiated.status is MandateStatus.PENDING and initiated.connector_mandate_id == TID
    _, active = complete("payment_upi_autopay_authorized", "token_upi_confirmed")
    assert active.status is MandateStatus.ACTIVE and active.connector_mandate_id == TID
    assert active.connector_customer_id == CID and active.meta["method"] == "upi"
    _, rejected = complete("payment_upi_autopay_authorized", "token_upi_rejected")
    assert rejected.status is MandateStatus.FAILED and rejected.failure is not None
    assert rejected.failure.code == "transaction_not_allowed"
    assert rejected.failure.gateway is not None
    assert rejected.failure.gateway.message == "Mandate rejected by the customer's bank"


def test_a_failed_authorization_fails_the_mandate_without_a_token_read() -> None:
    failed = fixture("payment_failed") | {"method": "upi", "card": None, "token_id": None}
    data = MandateCompleteData(mandate=pending_ref(), params={})
    requests, result = drive(CONNECTOR, Flow.COMPLETE_MANDATE, ctx(), data, [response(200, failed)])
    assert len(requests) == 1 and result.status is MandateStatus.FAILED
    assert result.failure is not None


# --------------------------------------------------------------------------- through the service


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("razorpay-autopay")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def mandate_body(pm: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "currency": "INR", "payment_method": pm,
        "customer": {"id": "cus-42", "email": "jane@example.com", "phone": "+919000090000",
                     "name": "Jane Shopper"},
        "browser": {"ip_address": "203.0.113.7", "user_agent": "Mozilla/5.0 (test)"}, **extra,
    }  # fmt: skip


def charge(mandate_id: str, amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "INR", "capture_method": "automatic",
            "payment_method": {"type": "mandate", "mandate_id": mandate_id}}  # fmt: skip


def test_autopay_through_the_service_registers_confirms_charges_and_revokes(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    mandate = api.ok("POST", "/v1/mandates", mandate_body({"type": "upi"}))
    assert mandate["status"] == "pending", mandate
    assert mandate["next_action"]["type"] == "display_qr"
    assert mandate["next_action"]["payload"].startswith("upi://mandate?")
    mid = mandate["id"]
    # not approved yet: still pending, and it cannot be charged
    assert api.ok("POST", f"/v1/mandates/{mid}/complete", {})["status"] == "pending"
    status, err, _ = api.call("POST", "/v1/payments", charge(mid, 50000))
    assert status == 409, err
    pid = _newest_upi(rig)
    fake.customer_upi_app(pid)  # the customer approves the mandate in their UPI app
    initiated = api.ok("POST", f"/v1/mandates/{mid}/complete", {})
    assert initiated["status"] == "pending" and initiated["connector_mandate_id"], initiated
    fake.npci_confirm(initiated["connector_mandate_id"])  # token.confirmed
    active = api.ok("POST", f"/v1/mandates/{mid}/complete", {})
    assert active["status"] == "active" and active["id"] == mid, active
    assert active["connector_mandate_id"] == initiated["connector_mandate_id"]
    # a charge: processing until Razorpay debits it after the pre-debit notification
    paid = api.ok("POST", "/v1/payments", charge(mid, 50000))
    assert paid["status"] == "processing", paid
    fake.upi_debit(paid["connector_payment_id"])
    assert api.ok("GET", f"/v1/payments/{paid['id']}")["status"] == "captured"
    over = api.call("POST", "/v1/payments", charge(mid, 2_000_000))  # above max_amount
    assert over[0] == 400 and over[1]["error"]["field"] == "amount", over
    revoked = api.ok("POST", f"/v1/mandates/{mid}/revoke")
    assert revoked["status"] == "revoked"


def _post_event(rig: Rig, event: str, name: str, entity: dict[str, Any]) -> dict[str, Any]:
    """Razorpay's webhook ``event`` about ``entity``; the unified event stored."""
    body = json.dumps({"entity": "event", "account_id": "acc_Q1", "event": event,
                       "contains": [name], "payload": {name: {"entity": entity}},
                       "created_at": 1764700000}).encode()  # fmt: skip
    headers = {"Content-Type": "application/json", **webhook_headers(body, WEBHOOK_SECRET)}
    status, _, _ = rig.api.call(
        "POST", f"/v1/webhooks/razorpay/{rig.account}", raw=body, headers=headers
    )
    assert status == 200
    event_id = headers["X-Razorpay-Event-Id"]
    data = rig.api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    (stored,) = [e for e in data if e["connector_event_id"] == event_id]
    return dict(rig.api.ok("GET", f"/v1/admin/webhooks/events/{stored['id']}")["event"])


def test_token_confirmed_carries_the_id_the_api_gave_the_pending_mandate(rig: Rig) -> None:
    """The set-up answered pending before the token existed; the registration payment's
    event names the token with the set-up's reference, so token.confirmed (which names
    only the token) is about the mandate id the merchant holds."""
    api, fake = rig.api, rig.fake
    mandate = api.ok("POST", "/v1/mandates", mandate_body({"type": "upi"}))
    assert mandate["status"] == "pending" and not mandate.get("connector_mandate_id")
    pid = _newest_upi(rig)
    fake.customer_upi_app(pid)
    token_id = fake.payments[pid]["token_id"]
    _post_event(rig, "payment.authorized", "payment", fake.payments[pid])
    confirmed = _post_event(rig, "token.confirmed", "token", fake.npci_confirm(token_id))
    assert confirmed["type"] == "mandate.active", confirmed
    assert confirmed["data"]["mandate"]["id"] == mandate["id"], confirmed
    assert confirmed["data"]["mandate"]["connector_mandate_id"] == token_id
    # and the API says the same mandate has that token now
    active = api.ok("POST", f"/v1/mandates/{mandate['id']}/complete", {})
    assert active["status"] == "active" and active["connector_mandate_id"] == token_id


def test_a_collect_mandate_rejected_by_the_bank_fails(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    mandate = api.ok("POST", "/v1/mandates", mandate_body({"type": "upi", "vpa": VPA}))
    assert mandate["next_action"]["type"] == "await_customer", mandate
    pid = _newest_upi(rig)
    fake.customer_upi_app(pid)
    token = fake.payments[pid]["token_id"]
    fake.npci_confirm(token, confirmed=False)
    failed = api.ok("POST", f"/v1/mandates/{mandate['id']}/complete", {})
    assert failed["status"] == "failed" and failed["failure"], failed


def _newest_upi(rig: Rig) -> str:
    upi = [(row["created_at"], p) for p, row in rig.fake.payments.items() if row["method"] == "upi"]
    return max(upi)[1]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (mandate_body({"type": "upi"}, currency="USD"), "currency"),
        (mandate_body({"type": "upi", "vpa": "no-psp"}), "payment_method.vpa"),
        (mandate_body({"type": "upi"}, browser=None), "browser.ip_address"),
    ],
)
def test_bad_autopay_input_is_a_4xx_naming_the_field(
    rig: Rig, body: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in body.items() if v is not None}
    calls = rig.gateway_calls()
    status, err, _ = rig.api.call("POST", "/v1/mandates", body)
    assert 400 <= status < 500 and err["error"]["field"] == field, (status, err)
    assert rig.gateway_calls() == calls
