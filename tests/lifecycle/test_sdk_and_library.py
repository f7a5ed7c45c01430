"""Issue 16 from the Python SDK (sync and async) against a real service, and in library
mode: increment, several captures, the stored methods list."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from connector_service.config import hash_key
from connector_service.domain.errors import ServiceError
from connector_service.library import ConnectorService
from connector_service_client import AsyncClient, Client, InvalidRequestError
from connector_service_client import models as api
from tests.conftest import ServiceProcess, start_service

CARD = {"type": "card", "number": "4242424242424242", "exp_month": 12, "exp_year": 2034,
        "cvc": "123"}  # fmt: skip
CONFIG = f"""
[[accounts]]
id = "sandbox"
connector = "sandbox"

[[callers]]
id = "shop-a"
key_sha256 = "{hash_key("key-a")}"
accounts = ["sandbox"]
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("sdk-lifecycle"), CONFIG)
    yield svc
    svc.stop()


def _auth(amount: int = 8000, **flags: bool) -> dict[str, object]:
    return {"amount": amount, "currency": "EUR", "payment_method": CARD,
            "capture_method": "manual", **flags}  # fmt: skip


def test_sync_client_increments_and_captures_in_parts(service: ServiceProcess) -> None:
    with Client(service.url, "key-a") as cs:
        p = cs.create_payment(_auth(incremental_authorization=True, multiple_captures=True))
        raised = cs.increment(p.id, {"total_amount": 9000, "reason": "late checkout"})
        assert isinstance(raised, api.Payment) and raised.amount == 9000
        part = cs.capture(p.id, {"amount": 4000, "final_capture": False})
        assert part.status == "partially_captured" and part.amount_captured == 4000
        rest = cs.capture(p.id)
        assert rest.status == "captured" and rest.amount_captured == 9000
        with pytest.raises(InvalidRequestError) as bad:
            cs.increment(p.id, {"total_amount": 100})
        assert bad.value.code == "amount_not_increased"


async def test_async_client_lists_stored_methods(service: ServiceProcess) -> None:
    customer = f"sdk-{uuid.uuid4().hex[:8]}"
    async with AsyncClient(service.url, "key-a") as cs:
        mandate = await cs.create_mandate(
            {"currency": "EUR", "payment_method": CARD, "customer": {"id": customer}}
        )
        listed = await cs.list_mandates("sandbox", customer)
        assert isinstance(listed, api.MandateList)
        assert [m.id for m in listed.data] == [mandate.id]
        card = listed.data[0].payment_method.card  # type: ignore[union-attr]
        assert card is not None and card.last4 == "4242" and card.brand == "visa"
        await cs.revoke_mandate(mandate.id)
        assert (await cs.list_mandates("sandbox", customer)).data == []


async def test_library_mode_has_the_same_flows() -> None:
    customer = f"lib-{uuid.uuid4().hex[:8]}"
    async with ConnectorService() as cs:
        p = await cs.create_payment(_auth(3000, multiple_captures=True))
        one = await cs.capture(p.id, {"amount": 1000, "final_capture": False})
        two = await cs.capture(p.id, {"amount": 1000, "final_capture": False})
        assert (one.amount_captured, two.amount_captured) == (1000, 2000)
        assert two.status.value == "partially_captured"
        with pytest.raises(ServiceError) as over:
            await cs.refund(p.id, {"amount": 2001})
        assert over.value.code == "amount_too_large" and over.value.field == "amount"
        plain = await cs.create_payment(_auth(3000))
        with pytest.raises(ServiceError) as flag:
            await cs.increment(plain.id, {"total_amount": 4000})
        assert flag.value.code == "payment_not_incrementable"
        m = await cs.create_mandate(
            {"currency": "EUR", "payment_method": CARD, "customer": {"id": customer}}
        )
        listed = await cs.list_mandates("sandbox", customer)
        assert [x.id for x in listed.data] == [m.id]
        with pytest.raises(ServiceError) as missing:
            await cs.list_mandates("sandbox", "")
        assert missing.value.field == "customer"
