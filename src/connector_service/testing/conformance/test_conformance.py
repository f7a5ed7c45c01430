"""The conformance checks, run once per connector profile (see conftest.py).

Every check drives the real REST server; the fake behind it validates each request
against the gateway's published spec (the ``api`` fixture asserts ``violations`` stays
empty). The log-leak scan is last: it reads the log every earlier check produced.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest

from connector_service.testing.client import Api
from connector_service.testing.e2e import assert_log_clean, gateway_key
from connector_service.testing.profile import Card, ConnectorProfile, Decline, ThreeDS
from connector_service.testing.rig import Rig

MODIFIED = ("capture", "void")


def _has(rig: Rig, flow: str) -> bool:
    return flow in {f.value for f in rig.connector.meta.flows}


def _approved(rig: Rig) -> str:
    """What an approved card payment is: authorized, or paid at once where the gateway
    has no separate capture (it declares no ``capture`` flow)."""
    return "authorized" if _has(rig, "capture") else "captured"


def _refunds_pending(p: ConnectorProfile) -> bool:
    """Whether a new refund answers ``pending`` (read back ``succeeded``)."""
    return p.async_modifications or p.async_refunds


def _card(rig: Rig, card: Card) -> dict[str, Any]:
    """The card as the gateway takes it: itself, or tokenized in the customer's browser."""
    return rig.profile.card_method(rig.fake, card)


def _payment(rig: Rig, card: Card, amount: int, capture: str | None = None, **extra: Any) -> Any:
    if capture is None:  # manual where the gateway can authorize only
        capture = "manual" if _has(rig, "capture") else "automatic"
    return {
        "amount": card.amount or amount,
        "currency": rig.profile.currency,
        "capture_method": capture,
        "payment_method": _card(rig, card),
        # what the gateway needs of every payment besides the card (Paystack: an email)
        **rig.profile.extra.get("payment_fields", {}),
        **extra,
    }


def test_declares_its_flows(rig: Rig, api: Api) -> None:
    data = api.ok("GET", "/v1/connectors")
    info = next(c for c in data["data"] if c["name"] == rig.profile.connector)
    declared = set(info["flows"])
    assert rig.profile.flows <= declared, rig.profile.flows - declared
    assert declared == {f.value for f in rig.connector.meta.flows}
    assert rig.account in info["accounts"]
    if rig.profile.settles_by == "webhook":  # nothing to read back: no sync is claimed
        assert not declared & {"sync", "refund_sync"}, declared


def test_authorize_partial_capture_refund_then_sync(rig: Rig, api: Api) -> None:
    p = rig.profile
    auth = api.ok("POST", "/v1/payments", _payment(rig, p.success, 2000, reference="cf-1"))
    assert auth["status"] == _approved(rig) and auth["account"] == rig.account
    assert auth["connector"] == p.connector and auth["connector_payment_id"]
    assert auth["payment_method"]["card"]["last4"] == p.success.number[-4:]
    pid = auth["id"]
    paid = 2000  # a one-step gateway (no capture flow) has been paid in full
    if _has(rig, "capture") and p.extra.get("full_capture_only"):
        # The gateway captures the whole authorized amount only (Razorpay): a partial
        # capture is an honest 422 and nothing is captured; then the whole amount.
        status, err, _ = api.call("POST", f"/v1/payments/{pid}/capture", {"amount": 1500})
        assert status == 422 and err["error"]["type"] == "not_supported", err
        captured = api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 2000})
        assert captured["id"] == pid and captured["status"] == "captured", captured
        assert captured["amount_captured"] == 2000
    elif _has(rig, "capture"):
        paid = 1500
        captured = api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 1500})
        assert captured["id"] == pid
        if p.async_modifications:
            assert captured["status"] == "processing" and captured["pending_reason"]
        else:
            assert captured["status"] == "partially_captured"
            assert captured["amount_captured"] == 1500
    refunds = []
    for amount in (500, 400):
        refund = api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": amount})
        assert refund["amount"] == amount and refund["payment_id"] == pid
        assert refund["status"] == ("pending" if _refunds_pending(p) else "succeeded")
        refunds.append(refund)
    assert refunds[0]["connector_refund_id"] != refunds[1]["connector_refund_id"]
    if p.rejects_over_refund:  # e.g. 1500 captured, 900 refunded: 601 is more than is left
        over = {"amount": paid - 900 + 1}
        status, err, _ = api.call("POST", f"/v1/payments/{pid}/refunds", over)
        assert status == 400 and err["error"]["type"] == "invalid_request", err
    if p.settles_by == "webhook":  # no read-back call: an honest 422, never a guess
        for path in (f"/v1/payments/{pid}", f"/v1/refunds/{refunds[0]['id']}"):
            status, err, _ = api.call("GET", path)
            assert status == 422 and err["error"]["type"] == "not_supported", err
        return
    synced = api.ok("GET", f"/v1/payments/{pid}")
    assert synced["status"] in {"partially_captured", "captured"}, synced
    assert synced["id"] == pid
    if "amount_captured" in synced:
        assert synced["amount_captured"] == paid
    for refund in refunds:
        again = api.ok("GET", f"/v1/refunds/{refund['id']}")
        assert again["status"] == "succeeded" and again["amount"] == refund["amount"]
        assert again["connector_refund_id"] == refund["connector_refund_id"]


def test_full_refund_after_partial_capture_refunds_what_was_captured(rig: Rig, api: Api) -> None:
    p = rig.profile
    if "sync" not in {f.value for f in rig.connector.meta.flows}:
        pytest.skip(f"{p.connector} cannot read the captured amount back (no sync)")
    if not _has(rig, "capture"):
        pytest.skip(f"{p.connector} has no separate capture")
    if p.extra.get("full_capture_only"):
        pytest.skip(f"{p.connector} captures the whole authorized amount only")
    auth = api.ok("POST", "/v1/payments", _payment(rig, p.success, 8000))
    api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 5000})
    status, refund, _ = api.call("POST", f"/v1/payments/{auth['id']}/refunds", {})
    assert status == 201, refund
    assert refund["amount"] == 5000, refund


def test_purchase(rig: Rig, api: Api) -> None:
    p = rig.profile
    purchase = api.ok("POST", "/v1/payments", _payment(rig, p.success, 2500, "automatic"))
    if p.async_modifications and p.extra.get("purchase_pending"):
        assert purchase["status"] == "processing"
        synced = api.ok("GET", f"/v1/payments/{purchase['id']}")
        assert synced["status"] == "captured"
    else:
        assert purchase["status"] == "captured" and purchase["amount_captured"] == 2500
    refund = api.ok("POST", f"/v1/payments/{purchase['id']}/refunds", {})
    assert refund["amount"] == 2500, refund
    assert refund["status"] == ("pending" if _refunds_pending(p) else "succeeded"), refund


def test_a_one_step_gateway_refuses_what_it_cannot_do(rig: Rig, api: Api) -> None:
    if _has(rig, "capture"):
        pytest.skip(f"{rig.profile.connector} authorizes and captures separately")
    calls = rig.gateway_calls()
    body = _payment(rig, rig.profile.success, 1000, "manual")
    status, err, _ = api.call("POST", "/v1/payments", body)
    assert status == 422 and err["error"]["type"] == "not_supported", err
    assert err["error"]["field"] == "capture_method", err
    assert rig.gateway_calls() == calls, "a request reached the gateway"
    paid = api.ok("POST", "/v1/payments", _payment(rig, rig.profile.success, 1000))
    for action in ("capture", "void"):
        status, err, _ = api.call("POST", f"/v1/payments/{paid['id']}/{action}", {})
        assert status == 422 and err["error"]["type"] == "not_supported", (action, err)


def test_void(rig: Rig, api: Api) -> None:
    p = rig.profile
    if not _has(rig, "void"):
        pytest.skip(f"{p.connector} declares no void")
    auth = api.ok("POST", "/v1/payments", _payment(rig, p.success, 4200))
    voided = api.ok("POST", f"/v1/payments/{auth['id']}/void", {"reason": "duplicate"})
    if p.async_modifications:
        assert voided["status"] == "processing" and voided["pending_reason"]
    else:
        assert voided["status"] == "voided"
    if p.settles_by == "sync":
        synced = api.ok("GET", f"/v1/payments/{auth['id']}")
        assert synced["status"] == "voided"
        status, err, _ = api.call("POST", f"/v1/payments/{auth['id']}/void", {})
        assert status == 409 and err["error"]["type"] == "conflict", err


def _assert_declined(rig: Rig, api: Api, decline: Decline) -> None:
    status, declined, _ = api.call("POST", "/v1/payments", _payment(rig, decline.card, 700))
    assert status == 201, declined
    assert declined["status"] == "failed" and declined["connector_payment_id"]
    failure = declined["failure"]
    assert failure["code"] == decline.code and failure["category"] == decline.category, failure


@pytest.mark.parametrize("which", ["soft_decline", "hard_decline"])
def test_declines_are_results(rig: Rig, api: Api, which: str) -> None:
    _assert_declined(rig, api, getattr(rig.profile, which))


def test_more_declines_are_results(rig: Rig, api: Api) -> None:
    if not rig.profile.more_declines:
        pytest.skip(f"{rig.profile.connector}'s profile names no further declines")
    for decline in rig.profile.more_declines:
        _assert_declined(rig, api, decline)


def test_a_retry_with_the_same_reference_is_a_new_attempt(rig: Rig, api: Api) -> None:
    p = rig.profile
    ref = f"cf-retry-{uuid.uuid4().hex[:8]}"
    declined = api.ok(
        "POST", "/v1/payments", _payment(rig, p.soft_decline.card, 1313, reference=ref)
    )
    assert declined["status"] == "failed", declined
    retry = api.ok("POST", "/v1/payments", _payment(rig, p.success, 1414, reference=ref))
    assert retry["status"] == _approved(rig) and retry["amount"] == (p.success.amount or 1414)
    assert retry["connector_payment_id"] != declined["connector_payment_id"]
    assert retry["id"] != declined["id"]


def _then_sync(rig: Rig, api: Api, payment: dict[str, Any]) -> dict[str, Any]:
    """The payment as the gateway now has it (the answer itself without read-back)."""
    if "sync" not in {f.value for f in rig.connector.meta.flows}:
        return payment
    return api.ok("GET", f"/v1/payments/{payment['id']}")


def _challenged(rig: Rig, api: Api, three_ds: ThreeDS, capture: str) -> dict[str, Any]:
    body = _payment(rig, three_ds.card, 3300, capture, return_url=three_ds.return_url)
    auth = api.ok("POST", "/v1/payments", body)
    assert auth["status"] == "requires_action", auth
    assert auth["next_action"]["type"] == "redirect" and auth["next_action"]["url"]
    return auth


def _complete(rig: Rig, three_ds: ThreeDS, payment: dict[str, Any], passed: bool) -> Any:
    params = three_ds.complete(rig.fake, payment, passed)
    rig.seen_secrets.extend(params[k] for k in three_ds.secret_params if params.get(k))
    return params


@pytest.mark.parametrize("capture", ["manual", "automatic"])
@pytest.mark.parametrize("passed", [True, False], ids=["passed", "failed"])
def test_three_ds_then_complete(rig: Rig, api: Api, passed: bool, capture: str) -> None:
    three_ds = rig.profile.three_ds
    if three_ds is None:
        pytest.skip(f"{rig.profile.connector}'s profile declares no 3-D Secure card")
    if not passed and not rig.profile.extra.get("three_ds_can_fail", True):
        pytest.skip(f"{rig.profile.connector}'s fake has no failing challenge")
    if capture == "manual" and not _has(rig, "capture"):
        pytest.skip(f"{rig.profile.connector} has no separate capture")
    auth = _challenged(rig, api, three_ds, capture)
    params = _complete(rig, three_ds, auth, passed)
    done = api.ok("POST", f"/v1/payments/{auth['id']}/complete", {"params": params})
    assert done["id"] == auth["id"] and done["connector_payment_id"] == auth["connector_payment_id"]
    if not passed:  # declined, and it stays declined: nothing is charged
        for answer in (done, _then_sync(rig, api, done)):
            assert answer["status"] == "failed", answer
            assert answer["failure"]["code"] == "authentication_failed", answer
        return
    if capture == "manual":
        assert done["status"] == "authorized", done
        done = api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    if done["status"] == "processing":  # accepted; the outcome is read back, if it can be
        done = _then_sync(rig, api, done)
    assert done["status"] in (
        {"captured", "processing"} if rig.profile.settles_by == "webhook" else {"captured"}
    ), done
    if "amount_captured" in done and done["status"] == "captured":
        assert done["amount_captured"] == 3300, done


def _mit(rig: Rig, mandate: dict[str, Any], amount: int = 999) -> dict[str, Any]:
    return {"amount": amount, "currency": rig.profile.currency, "capture_method": "automatic",
            "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip


def _refused_without_a_call(rig: Rig, api: Api, path: str, body: Any, field: str | None) -> None:
    """The service knows the mandate is not active: a 409, and the gateway is not asked."""
    calls = rig.gateway_calls()
    status, err, _ = api.call("POST", path, body)
    assert status == 409 and err["error"]["code"] == "mandate_not_active", err
    if field is not None:
        assert err["error"]["field"] == field, err
    assert rig.gateway_calls() == calls, "a request reached the gateway"


def test_mandate_setup_charge_revoke(rig: Rig, api: Api) -> None:
    p = rig.profile
    if "setup_mandate" not in {f.value for f in rig.connector.meta.flows}:
        pytest.skip(f"{p.connector} declares no mandates")
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": p.currency, "payment_method": _card(rig, p.success),
        "customer": {"id": "shopper-42", "email": "jane@example.com", "name": "Jane Shopper"},
        **p.extra.get("mandate_fields", {}),  # what the gateway needs besides (Razorpay: browser)
    })  # fmt: skip
    assert mandate["status"] == "active" and mandate["connector_mandate_id"], mandate
    mit = _mit(rig, mandate)
    charges = [api.ok("POST", "/v1/payments", mit) for _ in range(2)]  # repeatable
    for charge in charges:
        assert charge["status"] in {"captured", "processing"}, charge
        assert charge["account"] == rig.account and charge["amount"] == 999
        if charge["status"] == "processing":
            assert _then_sync(rig, api, charge)["status"] in {"captured", "processing"}
    assert charges[0]["connector_payment_id"] != charges[1]["connector_payment_id"]
    revoked = api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked" and revoked["id"] == mandate["id"]
    _refused_without_a_call(rig, api, "/v1/payments", mit, "payment_method.mandate_id")


def test_mandate_needing_three_ds_is_completed_then_charged(rig: Rig, api: Api) -> None:
    p = rig.profile
    if "complete_mandate" not in {f.value for f in rig.connector.meta.flows}:
        pytest.skip(f"{p.connector} declares no mandate completion")
    three_ds = p.mandate_three_ds
    assert three_ds is not None, (
        f"{p.connector} declares complete_mandate: profile.mandate_three_ds"
    )
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": p.currency, "payment_method": _card(rig, three_ds.card),
        "customer": {"email": "bruce@wayne.example"}, "return_url": three_ds.return_url,
        **p.extra.get("mandate_fields", {}),
    })  # fmt: skip
    assert mandate["status"] == "pending" and mandate["next_action"]["type"] == "redirect"
    mit = _mit(rig, mandate, 1500)
    # Not active yet: charging or revoking it is a clear 409, and nothing is sent.
    _refused_without_a_call(rig, api, "/v1/payments", mit, None)
    _refused_without_a_call(rig, api, f"/v1/mandates/{mandate['id']}/revoke", None, None)
    params = _complete(rig, three_ds, mandate, True)
    done = api.ok("POST", f"/v1/mandates/{mandate['id']}/complete", {"params": params})
    assert done["id"] == mandate["id"]  # one mandate, one id, before and after
    assert done["status"] == "active" and done["connector_mandate_id"], done
    status, err, _ = api.call("POST", f"/v1/mandates/{mandate['id']}/complete", {})
    assert status == 409 and err["error"]["code"] == "mandate_not_pending", err
    charge = api.ok("POST", "/v1/payments", mit)
    assert charge["status"] in {"captured", "processing"}, charge
    revoked = api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked" and revoked["id"] == mandate["id"]


def _disputed(rig: Rig, api: Api) -> Any:
    """A payment the cardholder disputes (the profile's way), found in the account's list
    under its payment's id."""
    scenario = rig.profile.disputes
    assert scenario is not None
    payment = api.ok("POST", "/v1/payments", _payment(rig, scenario.card, 1500, "automatic"))
    scenario.open(rig.fake, payment)
    listed = api.ok("GET", f"/v1/disputes?account={rig.account}&limit=100")
    [dispute] = [d for d in listed["data"] if d.get("payment_id") == payment["id"]]
    assert dispute["connector_payment_id"] == payment["connector_payment_id"], dispute
    return dispute


def test_dispute_read_answer_and_accept(rig: Rig, api: Api) -> None:
    if rig.profile.disputes is None or not (
        _has(rig, "dispute_list") and _has(rig, "dispute_accept")
    ):
        pytest.skip(f"{rig.profile.connector} declares no dispute list and accept")
    dispute = _disputed(rig, api)
    got = api.ok("GET", f"/v1/disputes/{dispute['id']}")
    assert got["id"] == dispute["id"] and got["status"] == "needs_response", got
    assert got["amount"] == 1500 and got["currency"] == rig.profile.currency
    if _has(rig, "dispute_evidence"):
        answered = api.ok("POST", f"/v1/disputes/{dispute['id']}/evidence", {
            "evidence": [{"type": "uncategorized", "text": "Delivered and signed for."}],
        })  # fmt: skip
        assert answered["id"] == dispute["id"] and answered["evidence_submitted"] is True
        assert answered["status"] == "under_review", answered
        dispute = _disputed(rig, api)
    accepted = api.ok("POST", f"/v1/disputes/{dispute['id']}/accept")
    assert accepted["id"] == dispute["id"] and accepted["status"] == "accepted", accepted
    status, body = api.call("POST", f"/v1/disputes/{dispute['id']}/accept")[:2]
    assert status == 409 and body["error"]["code"] == "dispute_not_open", body


def test_vouchers_are_shown_paid_later_and_read_back(rig: Rig, api: Api) -> None:
    """A voucher is ``requires_action`` with a ``display_voucher`` (its page and the
    reference the customer quotes), ``captured`` once paid, ``failed`` if it expires
    unpaid; it is never held (``capture_method: manual`` is a 422 before any call)."""
    p = rig.profile
    if not p.vouchers:
        pytest.skip(f"{p.connector}'s profile has no voucher method")
    declared = api.ok("GET", "/v1/connectors")
    (mine,) = [c for c in declared["data"] if c["name"] == p.connector]
    for voucher in p.vouchers:
        kind = voucher.payment_method["type"]
        assert kind in {m["type"] for m in mine["methods"]}, (kind, "is not declared")
        body = {"amount": 2500, "currency": p.currency, "capture_method": "automatic",
                "payment_method": dict(voucher.payment_method), **voucher.fields}  # fmt: skip
        pending = api.ok("POST", "/v1/payments", body)
        action = pending["next_action"]
        assert pending["status"] == "requires_action", pending
        assert action["type"] == "display_voucher" and action["url"] and action["reference"]
        assert api.ok("GET", f"/v1/payments/{pending['id']}")["status"] == "requires_action"
        voucher.pay(rig.fake, pending)
        paid = api.ok("GET", f"/v1/payments/{pending['id']}")
        assert paid["status"] == "captured" and paid["amount_captured"] == 2500, paid
        if voucher.expire is not None:
            unpaid = api.ok("POST", "/v1/payments", body)
            voucher.expire(rig.fake, unpaid)
            assert api.ok("GET", f"/v1/payments/{unpaid['id']}")["status"] == "failed"
        calls = rig.gateway_calls()
        status, err, _ = api.call("POST", "/v1/payments", {**body, "capture_method": "manual"})
        assert status == 422 and err["error"]["field"] == "capture_method", err
        assert rig.gateway_calls() == calls


def test_idempotency(rig: Rig, api: Api) -> None:
    p = rig.profile
    key = f"cf-{uuid.uuid4().hex[:12]}"
    body = _payment(rig, p.success, 1234)
    status, first, _ = api.call("POST", "/v1/payments", body, headers={"Idempotency-Key": key})
    assert status == 201, first
    calls = rig.gateway_calls()
    status, again, headers = api.call(
        "POST", "/v1/payments", body, headers={"Idempotency-Key": key}
    )
    assert status == 201 and headers.get("idempotent-replayed") == "true"
    assert again["connector_payment_id"] == first["connector_payment_id"]
    changed = {**body, "amount": 1235}
    status, err, _ = api.call("POST", "/v1/payments", changed, headers={"Idempotency-Key": key})
    assert status == 409, err
    assert rig.gateway_calls() == calls, "a replay (or a changed body) reached the gateway"
    if p.idempotency_header is None or rig.fake is None:
        return
    cap_key = f"cf-cap-{uuid.uuid4().hex[:12]}"
    api.ok("POST", f"/v1/payments/{first['id']}/capture", {}, headers={"Idempotency-Key": cap_key})
    sent = {r.headers.get(p.idempotency_header) for r in rig.fake.received}
    for flow, k in (("authorize", key), ("capture", cap_key)):
        wanted = p.idempotency_key(gateway_key(rig.account, k), flow)
        assert wanted in sent, f"{p.idempotency_header}: {wanted} not sent for {flow}"


# ---------------------------------------------------------------- webhooks


def _stored(api: Api, event_id: str) -> int:
    """How many stored events carry ``event_id`` (by id: the gateway may send its own
    webhooks meanwhile, as the sandbox does)."""
    data = api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"]
    return sum(1 for e in data if e["connector_event_id"] == event_id)


def test_webhook_verification(rig: Rig, api: Api) -> None:
    hooks = rig.profile.webhooks
    if hooks is None:
        pytest.skip(f"{rig.profile.connector}'s profile declares no webhooks")
    payment = api.ok("POST", "/v1/payments", _payment(rig, rig.profile.success, 2600, "automatic"))
    body = hooks.sample(rig.fake, payment)
    url = f"/v1/webhooks/{rig.profile.connector}/{rig.account}"
    now = int(time.time())
    gid = payment["connector_payment_id"].encode()
    assert gid in body, "the sample must be about the payment"

    def post(headers: dict[str, str], raw: bytes) -> int:
        status, _, _ = api.call(
            "POST", url, raw=raw, headers={"Content-Type": "application/json", **headers}
        )
        return status

    bad: dict[str, tuple[dict[str, str], bytes]] = {}
    headers, signed = hooks.sign(body, hooks.secret, now)
    # A fixed "Z" left an id that already ended in "Z" untouched (a flaky "tampered body
    # accepted"); a scheme whose body does not show the id as is tampers its own way.
    tampered_id = gid[:-1] + (b"Y" if gid.endswith(b"Z") else b"Z")
    tampered = hooks.tamper(signed, gid) if hooks.tamper else signed.replace(gid, tampered_id, 1)
    assert tampered != signed, "tampering must change the signed body"
    bad["tampered"] = (headers, tampered)
    if hooks.signed:
        bad["wrong secret"] = hooks.sign(body, hooks.secret + "x", now)
    if hooks.tolerance_seconds is not None:
        bad["stale"] = hooks.sign(body, hooks.secret, now - hooks.tolerance_seconds - 120)
    bad["missing"] = hooks.strip(headers, signed)
    lowered = {k.lower(): v for k, v in headers.items()}
    event_id = rig.connector.webhook_identify(lowered, signed).event_id
    assert event_id, "the sample must carry an event id"
    if hooks.stored_id is not None:
        event_id = hooks.stored_id(rig.fake, signed)
    assert _stored(api, event_id) == 0
    for case, (h, raw) in bad.items():
        assert post(h, raw) == 401, case
    assert _stored(api, event_id) == 0, "a webhook that failed verification was stored"
    assert post(headers, signed) == hooks.accepted_status
    assert _stored(api, event_id) == 1
    assert post(headers, signed) == hooks.accepted_status  # a redelivery: stored once
    assert _stored(api, event_id) == 1


# ---------------------------------------------------------------- never leak


def test_scrub_removes_card_data_and_credentials(rig: Rig) -> None:
    p = rig.profile
    number, cvc = p.success.number, p.success.cvc
    # Credentials a request carries (a webhook secret never travels; the log scan covers it),
    # in the headers gateways put them in.
    creds = p.account_credentials(rig.fake)
    secrets = sorted(v for k, v in creds.items() if k != "webhook_secret" and len(v) >= 8)
    transcript = (
        "POST /payments HTTP/1.1\n"
        + "".join(f"Authorization: Bearer {s}\nX-API-Key: {s}\n" for s in secrets)
        + f'\n{{"card":{{"number":"{number}","cvc":"{cvc}","exp_month":12}},'
        + f'"source":{{"number":"{number}","cvv":"{cvc}"}}}}\n'
        + f"card[number]={number}&card[cvc]={cvc}&payment_method_data[card][number]={number}\n"
    )
    assert number in transcript and all(s in transcript for s in secrets)  # before
    scrubbed = rig.connector.scrub(transcript)
    assert number not in scrubbed, scrubbed
    for secret in secrets:
        assert secret not in scrubbed, f"credential {secret[:6]}… survived scrub()"
    near = re.compile(r"(?i)(cvc|cvv)\W{0,8}" + re.escape(cvc) + r"\b")
    assert near.search(scrubbed) is None, scrubbed


def test_connector_options_reach_the_gateway_and_typos_are_400s(rig: Rig, api: Api) -> None:
    """Issue 19: the profile's sample ``connector_options`` block is mapped to the
    gateway's own field (seen on the fake, spec-validated like every request); another
    connector's block rides along unsent; an undeclared option is a 400 naming it."""
    p = rig.profile
    if p.options is None:
        pytest.skip(f"{p.connector}'s profile has no connector_options sample")
    marker = "not-for-this-gateway"
    ride_along = (
        {"stripe": {"transfer_group": marker}}
        if p.connector != "stripe"
        else {"sandbox": {"descriptor_suffix": marker[:10]}}
    )
    blocks = {p.connector: dict(p.options.block), **ride_along}
    before = rig.gateway_calls()
    payment = api.ok(
        "POST", "/v1/payments", _payment(rig, p.success, 1300, connector_options=blocks)
    )
    assert payment["status"] == _approved(rig), payment
    if p.options.sent is not None and rig.fake is not None:
        sent = rig.fake.received[before:]
        assert any(p.options.sent(r) for r in sent), [r.url for r in sent]
        assert not any(marker[:10].encode() in (r.body or b"") for r in sent)
    typo = {p.connector: {**p.options.block, "no_such_option": "x"}}
    before = rig.gateway_calls()
    status, err, _ = api.call(
        "POST", "/v1/payments", _payment(rig, p.success, 1300, connector_options=typo)
    )
    assert status == 400, err
    assert err["error"]["code"] == "unknown_option", err
    assert err["error"]["field"] == f"connector_options.{p.connector}.no_such_option", err
    assert rig.gateway_calls() == before  # refused before anything was sent


def test_splits_are_mapped_and_reversed_or_not_supported(rig: Rig, api: Api) -> None:
    """Issue 19: a connector declaring split support maps one split and the fee (seen on
    the fake) and its refund carries the reversal (a fee-only gateway: the fee alone; a
    whole-only one: one split of the whole amount; what it cannot map refused first); any
    other answers 422 not_supported naming ``splits`` before anything is sent."""
    p = rig.profile
    destination = p.splits.destination if p.splits is not None else "cf-dest"
    split: dict[str, Any] = {
        "splits": [{"destination": destination, "amount": 700}],
        "application_fee": 200,
    }
    if rig.connector.meta.splits is None:
        before = rig.gateway_calls()
        status, err, _ = api.call("POST", "/v1/payments", _payment(rig, p.success, 1000, **split))
        assert status == 422 and err["error"]["code"] == "not_supported", err
        assert err["error"]["field"] == "splits", err
        assert rig.gateway_calls() == before
        return
    assert p.splits is not None, f"{p.connector} declares splits: its profile needs a sample"
    if p.splits.fee_only or p.splits.whole_only:  # what it cannot map: refused first
        before = rig.gateway_calls()
        status, err, _ = api.call("POST", "/v1/payments", _payment(rig, p.success, 1000, **split))
        assert status == 422 and err["error"]["code"] == "not_supported", err
        assert err["error"]["field"] == "splits", err
        assert rig.gateway_calls() == before
        split = (
            {"application_fee": 200}
            if p.splits.fee_only
            else {"splits": [{"destination": destination, "amount": 1000}]}
        )
    before = rig.gateway_calls()
    payment = api.ok("POST", "/v1/payments", _payment(rig, p.success, 1000, "automatic", **split))
    assert payment["status"] in {"captured", "processing"}, payment
    if p.splits.sent is not None and rig.fake is not None:
        sent = rig.fake.received[before:]
        assert any(p.splits.sent(r) for r in sent), [r.url for r in sent]
    if payment["status"] == "processing":
        api.ok("GET", f"/v1/payments/{payment['id']}")
    before = rig.gateway_calls()
    refund = api.ok("POST", f"/v1/payments/{payment['id']}/refunds", {"amount": 500})
    assert refund["amount"] == 500
    if p.splits.refund_sent is not None and rig.fake is not None:
        sent = rig.fake.received[before:]
        assert any(p.splits.refund_sent(r) for r in sent), [r.url for r in sent]


def test_the_log_holds_no_card_data_or_credentials(rig: Rig, api: Api) -> None:
    api.ok("POST", "/v1/payments", _payment(rig, rig.profile.success, 1100))
    log = assert_log_clean(
        rig.service, card_numbers=rig.card_numbers(), cvcs=rig.cvcs(), secrets=rig.secrets()
    )
    if rig.fake is not None:  # the exchanges were logged (debug): the scan means something
        assert "connector_service.transcript" in log
