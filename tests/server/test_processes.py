"""The sandbox ledger lives in the service's storage: payments survive a restart and are
consistent across worker processes. And the README's demo runs against a real server."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import start_service
from tests.server.client import Api


async def test_payment_survives_a_restart(tmp_path: Path) -> None:
    svc = start_service(tmp_path)
    try:
        payment = await Api(svc.url).pay(capture_method="manual")
    finally:
        svc.stop()
    again = start_service(tmp_path)  # same SQLite file, new process
    try:
        api = Api(again.url)
        captured = await api.ok("POST", f"/v1/payments/{payment['id']}/capture", {"amount": 600})
        assert captured["status"] == "partially_captured"
        refund = await api.ok("POST", f"/v1/payments/{payment['id']}/refunds", {"amount": 600})
        assert refund["status"] == "succeeded"
    finally:
        again.stop()


async def test_two_workers_share_one_ledger(tmp_path: Path) -> None:
    svc = start_service(tmp_path, workers=2)
    try:
        api = Api(svc.url)
        payments = await asyncio.gather(*(api.pay(capture_method="manual") for _ in range(10)))
        # captures land on either worker; each sees the authorization the other made
        captures = await asyncio.gather(
            *(api.ok("POST", f"/v1/payments/{p['id']}/capture", {}) for p in payments)
        )
        assert {c["status"] for c in captures} == {"captured"}
        # refunds racing on one payment never refund more than was captured
        pid = payments[0]["id"]
        results = await asyncio.gather(
            *(api.call("POST", f"/v1/payments/{pid}/refunds", {"amount": 300}) for _ in range(6))
        )
        ok = [doc for status, doc, _ in results if status == 201]
        assert len(ok) == 3  # 3 x 300 = 900 <= 1000; the rest are refused
        assert all(status == 400 for status, _, _ in results if status != 201)
    finally:
        svc.stop()


def test_demo_command_against_a_running_service(tmp_path: Path) -> None:
    svc = start_service(tmp_path)
    try:
        out = subprocess.run(
            [sys.executable, "-m", "connector_service.cli.main", "demo", "--url", svc.url],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
    finally:
        svc.stop()
    lines = out.stdout.splitlines()
    assert any(line.startswith("1. authorize") and "authorized" in line for line in lines)
    assert any(line.startswith("2. capture") and "partially_captured" in line for line in lines)
    assert any(line.startswith("3. refund") and "succeeded" in line for line in lines)
    assert any("insufficient_funds" in line and "soft" in line for line in lines)


def test_demo_reports_a_missing_service(capsys: pytest.CaptureFixture[str]) -> None:
    from connector_service.cli.main import main
    from tests.conftest import free_port

    assert main(["demo", "--url", f"http://127.0.0.1:{free_port()}"]) == 1
    assert "start the service first" in capsys.readouterr().out
