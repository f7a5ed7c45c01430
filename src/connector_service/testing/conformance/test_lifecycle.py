"""Conformance of the payment lifecycle's later steps (issue 16), per connector profile:
raising an authorization (``increment``), several partial captures (the
``multiple_captures`` capability) and a customer's stored methods (``list_mandates``).

Each check skips for a connector that does not declare the flow or capability; what a
connector declares it must do through the real REST server, against its spec-checking
fake. Amounts and statuses allow for gateways that confirm modifications later
(``profile.async_modifications``: ``processing`` until the webhook)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from connector_service.testing.client import Api
from connector_service.testing.rig import Rig


def _flows(rig: Rig) -> set[str]:
    return {f.value for f in rig.connector.meta.flows}


def _auth(rig: Rig, api: Api, amount: int, **flags: bool) -> dict[str, Any]:
    """A manual-capture authorization asking for ``flags``; a connector that declares the
    later flow but cannot ask for it at create (Stripe's pinned API) is asked without."""
    p = rig.profile
    body = {
        "amount": amount,
        "currency": p.currency,
        "capture_method": "manual",
        "payment_method": p.success.payment_method(),
        **p.extra.get("payment_fields", {}),
        **flags,
    }
    status, auth, _ = api.call("POST", "/v1/payments", body)
    if status == 422 and auth["error"]["field"] in flags:
        assert auth["error"]["type"] == "not_supported", auth
        auth = api.ok("POST", "/v1/payments", {k: v for k, v in body.items() if k not in flags})
    assert auth["status"] == "authorized", auth
    created: dict[str, Any] = auth
    return created


def test_increment_raises_the_authorization(rig: Rig, api: Api) -> None:
    p = rig.profile
    if "increment" not in _flows(rig):
        pytest.skip(f"{p.connector} declares no incremental authorization")
    auth = _auth(rig, api, 10000, incremental_authorization=True)
    raised = api.ok("POST", f"/v1/payments/{auth['id']}/increment", {"total_amount": 12500})
    assert raised["id"] == auth["id"] and "failure" not in raised, raised
    assert raised["amount"] == 12500, raised
    assert raised["status"] in ({"authorized", "processing"} if p.async_modifications
                                else {"authorized"}), raised  # fmt: skip
    calls = rig.gateway_calls()
    status, err, _ = api.call(
        "POST", f"/v1/payments/{auth['id']}/increment", {"total_amount": 12500}
    )
    assert status == 400 and err["error"]["code"] == "amount_not_increased", err
    assert rig.gateway_calls() == calls, "a request that cannot raise it reached the gateway"
    captured = api.ok("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert captured["status"] in {"captured", "processing"}, captured
    if captured["status"] == "captured":
        assert captured["amount_captured"] == 12500, captured


def test_increment_is_refused_where_not_declared(rig: Rig, api: Api) -> None:
    p = rig.profile
    if "increment" in _flows(rig) or "capture" not in _flows(rig):
        pytest.skip(f"{p.connector} declares incremental authorization (or has no capture)")
    calls = rig.gateway_calls()
    body = {"amount": 1000, "currency": p.currency, "capture_method": "manual",
            "payment_method": p.success.payment_method(), "incremental_authorization": True,
            **p.extra.get("payment_fields", {})}  # fmt: skip
    status, err, _ = api.call("POST", "/v1/payments", body)
    assert status == 422 and err["error"]["type"] == "not_supported", err
    assert err["error"]["field"] == "incremental_authorization", err
    assert rig.gateway_calls() == calls, "a request reached the gateway"


def _capabilities(api: Api, name: str) -> dict[str, Any]:
    info = api.ok("GET", "/v1/connectors")
    found: dict[str, Any] = next(c for c in info["data"] if c["name"] == name)
    return found


def test_several_partial_captures_add_up(rig: Rig, api: Api) -> None:
    p = rig.profile
    if not _capabilities(api, p.connector).get("multiple_captures"):
        pytest.skip(f"{p.connector} declares no multiple partial captures")
    auth = _auth(rig, api, 10000, multiple_captures=True)
    pid = auth["id"]
    totals = []
    for amount in (3000, 2000):
        done = api.ok("POST", f"/v1/payments/{pid}/capture",
                      {"amount": amount, "final_capture": False})  # fmt: skip
        if p.async_modifications:
            assert done["status"] == "processing" and done["pending_reason"], done
        else:
            assert done["status"] == "partially_captured", done
            totals.append(done["amount_captured"])
    if totals:
        assert totals == [3000, 5000]
    calls = rig.gateway_calls()
    status, err, _ = api.call("POST", f"/v1/payments/{pid}/capture", {"amount": 5001})
    assert status == 400 and err["error"]["code"] == "amount_too_large", err
    status, err, _ = api.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 5001})
    assert status == 400 and err["error"]["code"] == "amount_too_large", err
    assert rig.gateway_calls() == calls, "a request beyond what is left reached the gateway"
    last = api.ok("POST", f"/v1/payments/{pid}/capture", {"amount": 1000})  # final
    assert last["status"] in {"partially_captured", "processing"}, last
    status, err, _ = api.call("POST", f"/v1/payments/{pid}/capture", {"amount": 100})
    assert status == 409 and err["error"]["code"] == "payment_not_capturable", err
    if not p.async_modifications:
        assert last["amount_captured"] == 6000, last
        # within one capture: PayPal refunds one capture at a time
        refund = api.ok("POST", f"/v1/payments/{pid}/refunds", {"amount": 2500})
        assert refund["amount"] == 2500, refund


def test_a_non_final_capture_is_refused_where_not_declared(rig: Rig, api: Api) -> None:
    p = rig.profile
    if _capabilities(api, p.connector).get("multiple_captures") or "capture" not in _flows(rig):
        pytest.skip(f"{p.connector} declares multiple captures (or has no capture)")
    auth = _auth(rig, api, 1000)
    calls = rig.gateway_calls()
    status, err, _ = api.call(
        "POST", f"/v1/payments/{auth['id']}/capture", {"amount": 500, "final_capture": False}
    )
    assert status == 422 and err["error"]["field"] == "final_capture", err
    assert rig.gateway_calls() == calls, "a request reached the gateway"


def test_stored_methods_list_with_the_mandate_ids(rig: Rig, api: Api) -> None:
    p = rig.profile
    if not {"list_mandates", "setup_mandate"} <= _flows(rig):
        pytest.skip(f"{p.connector} declares no stored methods list")
    customer = {"id": f"cf-{uuid.uuid4().hex[:12]}", "email": "jane@example.com",
                "name": "Jane Shopper"}  # fmt: skip
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": p.currency, "payment_method": p.success.payment_method(), "customer": customer,
    })  # fmt: skip
    assert mandate["status"] == "active" and mandate["customer_id"], mandate
    query = f"account={rig.account}&customer={mandate['customer_id']}"
    listed = api.ok("GET", f"/v1/mandates?{query}")
    assert listed["object"] == "list"
    ids = [m["id"] for m in listed["data"]]
    assert mandate["id"] in ids, (mandate, listed)
    mine = next(m for m in listed["data"] if m["id"] == mandate["id"])
    assert mine["connector_mandate_id"] == mandate["connector_mandate_id"]
    assert mine["status"] == "active" and mine["account"] == rig.account
    card = mine["payment_method"]["card"]
    assert set(card) <= {"brand", "last4", "exp_month", "exp_year"}, card
    assert card["last4"] == p.success.number[-4:], card
    assert p.success.number not in str(listed) and "fingerprint" not in str(listed)
    api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    after = api.ok("GET", f"/v1/mandates?{query}")
    assert mandate["id"] not in [m["id"] for m in after["data"]], after


def test_stored_methods_list_is_refused_where_not_declared(rig: Rig, api: Api) -> None:
    p = rig.profile
    if "list_mandates" in _flows(rig):
        pytest.skip(f"{p.connector} declares the stored methods list")
    calls = rig.gateway_calls()
    status, err, _ = api.call("GET", f"/v1/mandates?account={rig.account}&customer=cf-1")
    assert status == 422 and err["error"]["type"] == "not_supported", err
    assert rig.gateway_calls() == calls, "a request reached the gateway"
