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
from connector_service.testing.conformance.conftest import Rig
from connector_service.testing.e2e import assert_log_clean, gateway_key
from connector_service.testing.profile import Card, Decline

MODIFIED = ("capture", "void")


def _payment(rig: Rig, card: Card, amount: int, capture: str = "manual", **extra: Any) -> Any:
    return {
        "amount": card.amount or amount,
        "currency": rig.profile.currency,
        "capture_method": capture,
        "payment_method": card.payment_method(),
        **extra,
    }


def test_declares_its_flows(rig: Rig, api: Api) -> None:
    data = api.ok("GET", "/v1/connectors")
    info = next(c for c in data["data"] if c["name"] == rig.profile.connector)
    declared = set(info["flows"])
    assert rig.profile.flows <= declared, rig.profile.flows - declared
    assert declared == {f.value for f in rig.connector.meta.flows}
    assert rig.account in info["accounts"]


def test_authorize_partial_capture_refund_then_sync(rig: Rig, api: Api) -> None:
    p = rig.profile
    auth = api.ok("POST", "/v1/payments", _payment(rig, p.success, 2000, reference="cf-1"))
    assert auth["status"] == "authorized" and auth["account"] == rig.account
    assert auth["connector"] == p.connector and auth["connector_payment_id"]
    assert auth["payment_method"]["card"]["last4"] == p.success.number[-4:]
    pid = auth["id"]
    captured = api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 1500})
    assert captured["id"] == pid
    if p.async_modifications:
        assert captured["status"] == "processing" and captured["pending_reason"]
    else:
        assert captured["status"] == "partially_captured" and captured["amount_captured"] == 1500
    refunds = []
    for amount in (500, 400):
        refund = api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": amount})
        assert refund["amount"] == amount and refund["payment_id"] == pid
        assert refund["status"] == ("pending" if p.async_modifications else "succeeded")
        refunds.append(refund)
    assert refunds[0]["connector_refund_id"] != refunds[1]["connector_refund_id"]
    if p.settles_by == "webhook":  # no read-back call: an honest 422, never a guess
        for path in (f"/v1/payments/{pid}", f"/v1/refunds/{refunds[0]['id']}"):
            status, err, _ = api.call("GET", path)
            assert status == 422 and err["error"]["type"] == "not_supported", err
        return
    synced = api.ok("GET", f"/v1/payments/{pid}")
    assert synced["status"] in {"partially_captured", "captured"}, synced
    assert synced["id"] == pid
    if "amount_captured" in synced:
        assert synced["amount_captured"] == 1500
    for refund in refunds:
        again = api.ok("GET", f"/v1/refunds/{refund['id']}")
        assert again["status"] == "succeeded" and again["amount"] == refund["amount"]


def test_purchase(rig: Rig, api: Api) -> None:
    p = rig.profile
    purchase = api.ok("POST", "/v1/payments", _payment(rig, p.success, 2500, "automatic"))
    if p.async_modifications and p.extra.get("purchase_pending"):
        assert purchase["status"] == "processing"
        synced = api.ok("GET", f"/v1/payments/{purchase['id']}")
        assert synced["status"] == "captured"
    else:
        assert purchase["status"] == "captured" and purchase["amount_captured"] == 2500


def test_void(rig: Rig, api: Api) -> None:
    p = rig.profile
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


@pytest.mark.parametrize("which", ["soft_decline", "hard_decline"])
def test_declines_are_results(rig: Rig, api: Api, which: str) -> None:
    decline: Decline = getattr(rig.profile, which)
    status, declined, _ = api.call("POST", "/v1/payments", _payment(rig, decline.card, 700))
    assert status == 201, declined
    assert declined["status"] == "failed" and declined["connector_payment_id"]
    failure = declined["failure"]
    assert failure["code"] == decline.code and failure["category"] == decline.category, failure


@pytest.mark.parametrize("passed", [True, False], ids=["passed", "failed"])
def test_three_ds_then_complete(rig: Rig, api: Api, passed: bool) -> None:
    three_ds = rig.profile.three_ds
    if three_ds is None:
        pytest.skip(f"{rig.profile.connector}'s profile declares no 3-D Secure card")
    if not passed and not rig.profile.extra.get("three_ds_can_fail", True):
        pytest.skip(f"{rig.profile.connector}'s fake has no failing challenge")
    body = _payment(rig, three_ds.card, 3300, return_url=three_ds.return_url)
    auth = api.ok("POST", "/v1/payments", body)
    assert auth["status"] == "requires_action", auth
    assert auth["next_action"]["type"] == "redirect" and auth["next_action"]["url"]
    params = three_ds.complete(rig.fake, auth, passed)
    done = api.ok("POST", f"/v1/payments/{auth['id']}/complete", {"params": params})
    assert done["id"] == auth["id"]
    if passed:
        assert done["status"] == "authorized", done
    else:
        assert done["status"] == "failed" and done["failure"]["code"] == "authentication_failed"


def test_mandate_setup_charge_revoke(rig: Rig, api: Api) -> None:
    p = rig.profile
    if "setup_mandate" not in {f.value for f in rig.connector.meta.flows}:
        pytest.skip(f"{p.connector} declares no mandates")
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": p.currency, "payment_method": p.success.payment_method(),
        "customer": {"id": "shopper-42", "email": "jane@example.com", "name": "Jane Shopper"},
    })  # fmt: skip
    assert mandate["status"] == "active", mandate
    mit = {"amount": 999, "currency": p.currency, "capture_method": "automatic",
           "payment_method": {"type": "mandate", "mandate_id": mandate["id"]}}  # fmt: skip
    charge = api.ok("POST", "/v1/payments", mit)
    assert charge["status"] in {"captured", "processing"}, charge
    revoked = api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked" and revoked["id"] == mandate["id"]
    status, err, _ = api.call("POST", "/v1/payments", mit)
    assert 400 <= status < 500, err


def test_idempotency(rig: Rig, api: Api) -> None:
    p = rig.profile
    key = f"cf-{uuid.uuid4().hex[:12]}"
    body = _payment(rig, p.success, 1234)
    status, first, _ = api.call("POST", "/v1/payments", body, headers={"Idempotency-Key": key})
    assert status == 201, first
    status, again, headers = api.call(
        "POST", "/v1/payments", body, headers={"Idempotency-Key": key}
    )
    assert status == 201 and headers.get("idempotent-replayed") == "true"
    assert again["connector_payment_id"] == first["connector_payment_id"]
    changed = {**body, "amount": 1235}
    status, err, _ = api.call("POST", "/v1/payments", changed, headers={"Idempotency-Key": key})
    assert status == 409, err
    if p.idempotency_header is None or rig.fake is None:
        return
    cap_key = f"cf-cap-{uuid.uuid4().hex[:12]}"
    api.ok("POST", f"/v1/payments/{first['id']}/capture", {}, headers={"Idempotency-Key": cap_key})
    sent = {r.headers.get(p.idempotency_header) for r in rig.fake.received}
    for flow, k in (("authorize", key), ("capture", cap_key)):
        wanted = p.idempotency_key(gateway_key(rig.account, k), flow)
        assert wanted in sent, f"{p.idempotency_header}: {wanted} not sent for {flow}"


# ---------------------------------------------------------------- webhooks


def _events(api: Api) -> int:
    return len(api.ok("GET", "/v1/admin/webhooks/events?limit=500")["data"])


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
    bad["tampered"] = (headers, signed.replace(gid, gid[:-1] + b"Z", 1))
    bad["wrong secret"] = hooks.sign(body, hooks.secret + "x", now)
    if hooks.tolerance_seconds is not None:
        bad["stale"] = hooks.sign(body, hooks.secret, now - hooks.tolerance_seconds - 120)
    bad["missing"] = hooks.strip(headers, signed)
    before = _events(api)
    for case, (h, raw) in bad.items():
        assert post(h, raw) == 401, case
    assert _events(api) == before, "a webhook that failed verification was stored"
    assert post(headers, signed) == hooks.accepted_status
    assert _events(api) == before + 1


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


def test_the_log_holds_no_card_data_or_credentials(rig: Rig, api: Api) -> None:
    api.ok("POST", "/v1/payments", _payment(rig, rig.profile.success, 1100))
    log = assert_log_clean(
        rig.service, card_numbers=rig.card_numbers(), cvcs=rig.cvcs(), secrets=rig.secrets()
    )
    if rig.fake is not None:  # the exchanges were logged (debug): the scan means something
        assert "connector_service.transcript" in log
