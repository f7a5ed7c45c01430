"""Library mode runs the same flows in-process, async and sync."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from connector_service import ConnectorService, SyncConnectorService
from connector_service.domain.errors import ServiceError

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}


async def test_async_flows() -> None:
    async with ConnectorService() as cs:
        payment = await cs.create_payment(
            {"amount": 900, "currency": "GBP", "payment_method": CARD, "capture_method": "manual"}
        )
        assert payment.status == "authorized"
        captured = await cs.capture(payment.id)
        assert captured.status == "captured" and captured.amount_captured == 900
        refund = await cs.refund(payment.id, {"amount": 400})
        assert (await cs.get_refund(refund.id)).amount == 400
        mandate = await cs.create_mandate(
            {"currency": "GBP", "payment_method": CARD, "customer": {"id": "c1"}}
        )
        mit = await cs.create_payment({
            "amount": 100, "currency": "GBP",
            "payment_method": {"type": "mandate", "mandate_id": mandate.id},
        })  # fmt: skip
        assert mit.status == "captured"
        assert (await cs.revoke_mandate(mandate.id)).status == "revoked"
        assert "sandbox" in {c.name for c in cs.connectors()}


async def test_library_validates_like_the_api() -> None:
    async with ConnectorService() as cs:
        with pytest.raises(ServiceError) as err:
            bad_card = {**CARD, "number": "4242424242424241"}
            await cs.create_payment({"amount": 900, "currency": "GBP", "payment_method": bad_card})
        assert err.value.code == "invalid_card_number"
        assert err.value.field == "payment_method.number"


def test_sync_wrapper() -> None:
    with SyncConnectorService() as cs:
        payment = cs.create_payment({"amount": 500, "currency": "JPY", "payment_method": CARD})
        assert payment.status == "captured"
        assert cs.get_payment(payment.id).status == "captured"


def test_example_runs() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "library_mode.py"
    out = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["partially_captured", "2000", "succeeded", "500"]
