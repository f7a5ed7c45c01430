"""The Python client as a distribution: its wheel is small (aiohttp and msgspec, none of
the server's dependencies) and typed (``py.typed``: an application's mypy sees the real
return types, no ``Any``)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from mypy import api as mypy_api

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk" / "python"
SERVER_ONLY = {"grpcio", "protobuf", "asyncpg", "uvicorn", "starlette", "aiosqlite",
               "cryptography", "connector-service"}  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(SDK)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    (built,) = out.glob("connector_service_client-*.whl")
    return built


def test_the_wheel_depends_on_aiohttp_and_msgspec_only(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        (meta,) = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        text = zf.read(meta).decode()
        names = zf.namelist()
    requires = [line.split(":", 1)[1].strip() for line in text.splitlines()
                if line.startswith("Requires-Dist:")]  # fmt: skip
    dists = {re.split(r"[\s<>=!~;\[(]", r, maxsplit=1)[0].lower() for r in requires}
    assert dists == {"aiohttp", "msgspec"}, requires
    assert not dists & SERVER_ONLY
    assert "connector_service_client/py.typed" in names
    assert "connector_service_client/models.py" in names
    assert not [n for n in names if n.startswith("connector_service/")]
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


SAMPLE = """
from connector_service_client import AsyncClient, Client, models

def sync_app(cs: Client) -> None:
    card = models.Card(number="4242424242424242", exp_month=12, exp_year=2034)
    p = cs.create_payment(models.PaymentCreate(amount=1, currency="EUR", payment_method=card))
    reveal_type(p)
    reveal_type(p.status)
    reveal_type(p.failure)
    reveal_type(cs.refund(p.id, {"amount": 1}))
    reveal_type(cs.connectors())
    reveal_type(cs.create_mandate)

async def async_app(cs: AsyncClient) -> None:
    reveal_type(await cs.get_payment("pay_1"))
    reveal_type(await cs.preview_routing({"amount": 1}))
"""


def test_an_applications_mypy_sees_typed_results_and_no_any(tmp_path: Path) -> None:
    """mypy --strict on a sample application, finding the client as an installed package
    (the venv's editable install), not through this repository's mypy_path."""
    app = tmp_path / "app.py"
    app.write_text(SAMPLE)
    stdout, stderr, _ = mypy_api.run(
        ["--strict", "--no-incremental", "--config-file", "/dev/null",
         "--python-executable", sys.executable, str(app)]
    )  # fmt: skip
    revealed = re.findall(r'Revealed type is "(.*)"', stdout)
    assert len(revealed) == 8, stdout + stderr
    assert not [r for r in revealed if "Any" in r], revealed
    assert revealed[0] == "connector_service_client.models.Payment"
    assert "Literal['authorized']" in revealed[1] and "Literal['captured']" in revealed[1]
    assert revealed[2] == "connector_service_client.models.Failure | None"
    assert revealed[3] == "connector_service_client.models.Refund"
    assert revealed[4].endswith("list[connector_service_client.models.ConnectorInfo]")
    assert revealed[6] == "connector_service_client.models.Payment"
    assert revealed[7] == "connector_service_client.models.RoutingDetails"
    # reveal_type notes aside, the sample is clean under --strict
    errors = [line for line in stdout.splitlines() if ": error:" in line]
    assert errors == [], stdout
