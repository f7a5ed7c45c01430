"""The secrets of payment methods beyond cards (IBANs, account numbers, wallet tokens,
cryptograms, BLIK codes, 3-D Secure values) never reach a log line, a stored row or an
answer; the common scrub masks them exactly."""

from __future__ import annotations

import logging
from pathlib import Path

import msgspec
import pytest

from connector_service import ConnectorService
from connector_service.connectors.kit.scrub import scrub_common
from tests.payment_methods.examples import example, payment

IBAN = "DE89370400440532013000"
SECRETS = {
    "sepa_debit": ({"iban": "DE89 3704 0044 0532 0130 00"}, [IBAN, "DE89 3704"]),
    "ach_debit": ({"account_number": "000123456789"}, ["000123456789"]),
    "bacs_debit": ({"account_number": "31926819"}, ["31926819"]),
    "blik": ({"code": "777123"}, ["777123"]),
    "apple_pay": ({"token": "applepay-token-Zq7xK-EC_v1"}, ["applepay-token-Zq7xK"]),
    "google_pay": ({"token": "googlepay-token-Zq7xK-ECv2"}, ["googlepay-token-Zq7xK"]),
    "network_token": (
        {"number": "4895370012003478", "cryptogram": "Crypt0gramZq7xKAAAAAAAA="},
        ["4895370012003478", "Crypt0gramZq7xK"],
    ),
}
THREE_DS = {
    "authentication_value": "CavvZq7xKAAAAAAAAAAAAAAAAAA=",
    "eci": "05",
    "version": "2.2.0",
    "ds_transaction_id": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b",
}


def test_scrub_common_masks_method_secrets_exactly() -> None:
    before = (
        '{"iban": "DE89370400440532013000", "receiver_bank_account_number": "12345678",'
        ' "cryptogram": "AgAAAAAABk4DWZ4C28yUQAAAAAA=", "note": "pay DE89370400440532013000"}'
        " payment_method_data[sepa_debit][iban]=DE89370400440532013000&blik_code=777123"
        ' body="{\\"accountNumber\\": \\"000123456789\\"}" DE00370400440532013000'
    )
    after = (
        '{"iban": "[REDACTED]", "receiver_bank_account_number": "12345678",'
        ' "cryptogram": "[REDACTED]", "note": "pay [IBAN]"}'
        " payment_method_data[sepa_debit][iban]=[REDACTED]&blik_code=[REDACTED]"
        ' body="{\\"accountNumber\\": \\"[REDACTED]\\"}" DE00370400440532013000'
    )
    # The last one fails mod 97: not an IBAN, left as it is.
    assert scrub_common(before) == after


def database_bytes(folder: Path) -> bytes:
    """The SQLite file and its journal, as on disk."""
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith("cs.db"))


async def test_no_method_secret_reaches_a_log_line_a_stored_row_or_an_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "cs.db"
    caplog.set_level(logging.DEBUG)
    answers: list[bytes] = []
    async with ConnectorService({"storage": {"url": f"sqlite:///{db}"}}) as cs:
        for pm_type, (changes, _) in SECRETS.items():
            body = payment(pm_type, payment_method=example(pm_type, **changes))
            if pm_type.endswith("_debit"):
                body["customer"] = {"id": "cus_1"}
            created = await cs.create_payment(body)
            answers.append(msgspec.json.encode(created))
            answers.append(msgspec.json.encode(await cs.get_payment(created.id)))
        card = {"type": "card", "number": "4242424242424242", "exp_month": 12,
                "exp_year": 2034, "three_ds": THREE_DS}  # fmt: skip
        done = await cs.create_payment({"amount": 1000, "currency": "EUR", "payment_method": card})
        answers.append(msgspec.json.encode(done))
    stored = database_bytes(tmp_path)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    values = [v for _, found in SECRETS.values() for v in found]
    values += ["CavvZq7xK", "4242424242424242"]
    assert stored and answers
    for value in values:
        assert value.encode() not in stored, f"{value} stored"
        assert value not in logged, f"{value} logged"
        assert all(value.encode() not in a for a in answers), f"{value} answered"
