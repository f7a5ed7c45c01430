"""Rapyd end to end: the REST server (a real service process) against the loopback fake,
which recomputes every request's signature and validates it against the vendored spec.
The last checks drive the shared executor directly with wrong credentials and a replayed
idempotency key."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from connector_service.connectors.rapyd import RapydConnector
from connector_service.domain.errors import ServiceError
from connector_service.domain.flows import AuthorizeData, Flow
from connector_service.domain.payment_methods import Card
from connector_service.domain.secret import Secret
from connector_service.domain.status import CaptureMethod, PaymentStatus
from connector_service.executor import Executor
from connector_service.testing.e2e import assert_log_clean
from connector_service.testing.profiles.rapyd import PROFILE
from connector_service.testing.rig import Rig, open_rig
from tests.connectors.harness import make_ctx
from tests.fakes.rapyd import RapydFake

pytestmark = pytest.mark.filterwarnings("ignore:Unsupported scheme type")
PAN, CVC = "4111111111111111", "123"


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(PROFILE, tmp_path_factory.mktemp("rapyd-e2e")) as rig:
        yield rig
        assert rig.fake.violations == [], rig.fake.violations


def card_payment(amount: int, capture: str = "manual", **extra: Any) -> dict[str, Any]:
    pm = {"type": "card", "number": PAN, "cvc": CVC, "exp_month": 12, "exp_year": 2034}
    return {"amount": amount, "currency": "EUR", "capture_method": capture,
            "payment_method": pm, **extra}  # fmt: skip


def sent(rig: Rig, method: str, suffix: str) -> list[dict[str, Any]]:
    """The JSON bodies the fake received for ``method`` on paths ending in ``suffix``."""
    fake: RapydFake = rig.fake
    return [
        json.loads(r.body) if r.body else {}
        for r in fake.received
        if r.method == method and urlsplit(r.url).path.endswith(suffix)
    ]


def test_lifecycle_in_major_units_with_one_id(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    auth = api.ok("POST", "/v1/payments", card_payment(2000, reference="e2e-1"))
    assert auth["status"] == "authorized" and auth["amount"] == 2000
    gid = auth["connector_payment_id"]
    assert gid.startswith("payment_") and sent(rig, "POST", "/v1/payments")[-1]["amount"] == 20
    captured = api.ok("POST", f"/v1/payments/{auth['id']}/capture", {"amount": 1550})
    assert captured["status"] == "partially_captured" and captured["amount_captured"] == 1550
    assert captured["id"] == auth["id"]
    assert sent(rig, "POST", "/capture")[-1] == {"amount": 15.5}
    assert fake.payments[gid].amount == Decimal("15.5")
    first = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 550})
    second = api.ok("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 1000})
    assert {first["status"], second["status"]} == {"succeeded"}
    assert first["connector_refund_id"] != second["connector_refund_id"]
    assert [b["amount"] for b in sent(rig, "POST", "/v1/refunds")[-2:]] == [5.5, 10]
    status, err, _ = api.call("POST", f"/v1/payments/{auth['id']}/refunds", {"amount": 1})
    assert status == 400 and err["error"]["type"] == "invalid_request", err
    again = api.ok("GET", f"/v1/refunds/{first['id']}")
    assert again["id"] == first["id"] and again["amount"] == 550
    synced = api.ok("GET", f"/v1/payments/{auth['id']}")
    assert synced["status"] == "partially_captured" and synced["amount_captured"] == 1550


def test_void_then_capture_is_a_conflict(rig: Rig) -> None:
    api = rig.api
    auth = api.ok("POST", "/v1/payments", card_payment(3100))
    voided = api.ok("POST", f"/v1/payments/{auth['id']}/void", {})
    assert voided["status"] == "voided"
    assert sent(rig, "DELETE", auth["connector_payment_id"]) == [{}]  # DELETE, no body
    status, err, _ = api.call("POST", f"/v1/payments/{auth['id']}/capture", {})
    assert status == 409 and err["error"]["type"] == "conflict", err


def test_three_ds_redirect_then_complete(rig: Rig) -> None:
    api = rig.api
    body = card_payment(4400, "automatic", return_url="https://shop.example/back")
    pending = api.ok("POST", "/v1/payments", body)
    assert pending["status"] == "requires_action"
    request = sent(rig, "POST", "/v1/payments")[-1]
    assert request["payment_method_options"] == {"3d_required": True}
    assert request["complete_payment_url"] == "https://shop.example/back"
    params = PROFILE.three_ds.complete(rig.fake, pending, True)  # type: ignore[union-attr]
    done = api.ok("POST", f"/v1/payments/{pending['id']}/complete", {"params": params})
    assert done["status"] == "captured" and done["id"] == pending["id"]


def test_stored_card_is_a_customer_payment_method(rig: Rig) -> None:
    api, fake = rig.api, rig.fake
    mandate = api.ok("POST", "/v1/mandates", {
        "currency": "EUR", "payment_method": card_payment(0)["payment_method"],
        "customer": {"id": "shopper-9", "email": "ada@example.com", "name": "Ada L"},
    })  # fmt: skip
    assert mandate["status"] == "active" and mandate["connector_mandate_id"].startswith("card_")
    created = sent(rig, "POST", "/v1/customers")[-1]
    assert created["name"] == "Ada L" and created["payment_method"]["type"] == "de_visa_card"
    charge = api.ok("POST", "/v1/payments", {
        "amount": 1234, "currency": "EUR", "capture_method": "automatic",
        "payment_method": {"type": "mandate", "mandate_id": mandate["id"]},
    })  # fmt: skip
    assert charge["status"] == "captured"
    mit = sent(rig, "POST", "/v1/payments")[-1]
    assert mit["payment_method"] == mandate["connector_mandate_id"]
    assert mit["customer"].startswith("cus_") and mit["initiation_type"] == "unscheduled"
    revoked = api.ok("POST", f"/v1/mandates/{mandate['id']}/revoke")
    assert revoked["status"] == "revoked"
    assert all(mandate["connector_mandate_id"] not in c["methods"] for c in fake.customers.values())


def test_the_log_holds_no_card_data_or_keys(rig: Rig) -> None:
    rig.api.ok("POST", "/v1/payments", card_payment(1100))
    log = assert_log_clean(rig.service, card_numbers=[PAN], cvcs=[CVC], secrets=rig.secrets())
    assert "connector_service.transcript" in log


# ---------------------------------------------------------------------- the executor


def authorize() -> AuthorizeData:
    return AuthorizeData(
        amount=1999,
        currency="EUR",
        payment_method=Card(number=Secret(PAN), exp_month=12, exp_year=2034, cvc=Secret(CVC)),
        capture_method=CaptureMethod.MANUAL,
        reference=f"e2e-{uuid.uuid4().hex[:8]}",
    )


def _other_last_char(text: str) -> str:
    return text[:-1] + ("1" if text.endswith("0") else "0")


async def test_wrong_secret_is_a_configuration_error_and_a_replay_is_one_payment(
    tmp_path: Path,
) -> None:
    fake = RapydFake()
    await fake.start()
    executor = Executor()
    connector = RapydConnector()
    try:
        # A different last character (a fixed "0" was the right key 1 time in 16).
        wrong_secret = _other_last_char(fake.secret)
        assert wrong_secret != fake.secret
        wrong = make_ctx(
            connector,
            {"access_key": fake.access_key, "secret_key": wrong_secret},
            base_url=fake.base_url,
        )
        with pytest.raises(ServiceError) as err:
            await executor.run(connector, Flow.AUTHORIZE, wrong, authorize())
        assert err.value.code == "gateway_authentication_failed"
        assert fake.payments == {} and len(fake.violations) == 1  # a request signed wrongly
        fake.violations.clear()
        good = make_ctx(connector, fake.credentials, base_url=fake.base_url,
                        idempotency_key=f"idem-{uuid.uuid4().hex}")  # fmt: skip
        data = authorize()
        first = await executor.run(connector, Flow.AUTHORIZE, good, data)
        again = await executor.run(connector, Flow.AUTHORIZE, good, data)
        assert first.status is PaymentStatus.AUTHORIZED
        assert again.connector_payment_id == first.connector_payment_id
        assert len(fake.payments) == 1  # the gateway made one payment
        assert fake.violations == []
    finally:
        await executor.close()
        await fake.close()
