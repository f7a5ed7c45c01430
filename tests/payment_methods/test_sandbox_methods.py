"""Every payment method on the sandbox, in library mode, end to end: the next action's
shape, what the customer (or the bank, the store, the clock) does, and the settlement
told both by the service's webhook (through the receive pipeline and the outbox to a
real endpoint) and by a sync, with the same payment id everywhere."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from connector_service import ConnectorService
from connector_service.config import ConfigError, load_config
from connector_service.domain.common import (
    AwaitCustomer,
    DisplayBankTransfer,
    DisplayQr,
    DisplayVoucher,
    RedirectAction,
)
from connector_service.domain.payment_methods import METHOD_KIND, MethodKind, PaymentMethodType
from connector_service.domain.status import MandateStatus, PaymentStatus
from connector_service.sandbox import methods
from tests.payment_methods.examples import EXAMPLES, example, payment
from tests.webhooks.helpers import ENDPOINT_SECRET, Receiver, verify_standard


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = await Receiver().start()
    yield r
    await r.stop()


@pytest.fixture
async def cs(receiver: Receiver) -> AsyncIterator[ConnectorService]:
    config = {
        "webhooks": {"poll_interval_seconds": 0.05},
        "webhook_endpoints": [{"id": "app", "url": receiver.url, "secret": ENDPOINT_SECRET}],
    }
    async with ConnectorService(config) as service:
        yield service
        # Let what is being delivered arrive before stopping (see the refund note below).
        await service.runtime.sandbox.flush_webhooks()
        worker = service.runtime.webhooks.worker
        if worker is not None:
            await worker.drain()


def by_kind(kind: MethodKind) -> list[str]:
    return sorted(t for t in EXAMPLES if METHOD_KIND[PaymentMethodType(t)] is kind)


async def events_for(receiver: Receiver, pid: str, status: str) -> dict[str, Any]:
    """The first delivered event saying the payment ``pid`` reached ``status``."""

    def found() -> list[dict[str, Any]]:
        out = []
        for d in receiver.accepted():
            event = verify_standard(d)
            data = event["data"].get("payment") or {}
            if data.get("id") == pid and data.get("status") == status:
                out.append(event)
        return out

    await receiver.wait_for(lambda: bool(found()))
    return found()[0]


@pytest.mark.parametrize("pm_type", by_kind(MethodKind.REDIRECT))
@pytest.mark.parametrize("approve", [True, False])
async def test_redirect_methods(
    cs: ConnectorService, receiver: Receiver, pm_type: str, approve: bool
) -> None:
    created = await cs.create_payment(payment(pm_type, return_url="https://shop.example/back"))
    assert created.status is PaymentStatus.REQUIRES_ACTION
    action = created.next_action
    assert isinstance(action, RedirectAction) and action.type == "redirect"
    assert action.url.endswith(f"/sandbox/pay/{created.connector_payment_id}")
    assert created.payment_method is not None and created.payment_method.type == pm_type
    await cs.runtime.sandbox.customer_acts(created.connector_payment_id, approve)
    final = "captured" if approve else "failed"
    event = await events_for(receiver, created.id, final)
    assert event["type"] == ("payment.captured" if approve else "payment.failed")
    synced = await cs.get_payment(created.id)
    assert synced.status.value == final and synced.id == created.id
    # The method it was made with is kept (PaymentFacts), not only on the create answer.
    assert synced.payment_method is not None and synced.payment_method.type == pm_type
    if not approve:
        assert (
            synced.failure is not None
            and synced.failure.gateway is not None
            and synced.failure.gateway.code == "customer_declined"
        )


@pytest.mark.parametrize("pm_type", [t for t in by_kind(MethodKind.QR) if t != "upi"])
async def test_qr_methods_are_paid_by_scanning_the_payload(
    cs: ConnectorService, receiver: Receiver, pm_type: str
) -> None:
    created = await cs.create_payment(payment(pm_type, amount=2990))
    assert created.status is PaymentStatus.REQUIRES_ACTION
    qr = created.next_action
    assert isinstance(qr, DisplayQr) and qr.type == "display_qr"
    assert qr.image is not None and qr.image.startswith("data:image/png;base64,")
    assert methods.image_bytes(qr.image)[:8] == b"\x89PNG\r\n\x1a\n"
    assert qr.expires_at and qr.payload.startswith("000201")
    assert methods.decode_payload(qr.payload) == created.connector_payment_id
    scanned = await cs.runtime.sandbox.scan(qr.payload)  # the banking app pays
    assert scanned["status"] == "captured"
    await events_for(receiver, created.id, "captured")
    assert (await cs.get_payment(created.id)).status is PaymentStatus.CAPTURED


# (Refunds run without a webhook endpoint: stopping the service while the delivery of a
# refund event is in flight hangs in the delivery worker's stop, with cards too; see the
# report.)
@pytest.mark.parametrize("pm_type", ["pix", "ideal", "sepa_debit"])
async def test_methods_declared_refundable_refund(pm_type: str) -> None:
    async with ConnectorService() as plain:
        created = await plain.create_payment(payment(pm_type, amount=2990))
        gid = created.connector_payment_id
        if created.next_action is not None:
            await plain.runtime.sandbox.customer_acts(gid, True)
        else:  # a debit: clear it now rather than wait for the bank
            await plain.runtime.sandbox._change("payment", gid, lambda r: r.update(settles_at=1))
        assert (await plain.get_payment(created.id)).status is PaymentStatus.CAPTURED
        refund = await plain.refund(created.id, {"amount": 990})
        assert refund.status.value == "succeeded" and refund.payment_id == created.id


async def test_upi_without_a_vpa_is_a_qr_code_and_with_one_a_collect_request(
    cs: ConnectorService,
) -> None:
    intent = await cs.create_payment(payment("upi", payment_method={"type": "upi"}))
    assert isinstance(intent.next_action, DisplayQr)
    collect = await cs.create_payment(payment("upi"))
    assert isinstance(collect.next_action, AwaitCustomer)


@pytest.mark.parametrize("pm_type", ["blik", "upi"])
@pytest.mark.parametrize("declines", [False, True])
async def test_app_confirmed_methods_await_the_customer(
    cs: ConnectorService, receiver: Receiver, pm_type: str, declines: bool
) -> None:
    pm = example(pm_type)
    if declines:
        pm = example(
            pm_type, **({"code": "000000"} if pm_type == "blik" else {"vpa": "decline@sandbox"})
        )
    created = await cs.create_payment(payment(pm_type, payment_method=pm))
    action = created.next_action
    assert isinstance(action, AwaitCustomer) and action.message and action.expires_at
    await cs.runtime.sandbox.customer_acts(created.connector_payment_id, True)
    final = "failed" if declines else "captured"
    await events_for(receiver, created.id, final)
    assert (await cs.get_payment(created.id)).status.value == final


@pytest.mark.parametrize(
    "pm_type", [t for t in by_kind(MethodKind.VOUCHER) if t != "virtual_account"]
)
async def test_vouchers_are_paid_later(
    cs: ConnectorService, receiver: Receiver, pm_type: str
) -> None:
    created = await cs.create_payment(payment(pm_type, amount=5000))
    voucher = created.next_action
    assert isinstance(voucher, DisplayVoucher) and voucher.type == "display_voucher"
    assert (
        voucher.reference.isdigit()
        and voucher.barcode
        and voucher.barcode.startswith(voucher.reference)
    )
    assert voucher.expires_at and voucher.instructions_url
    assert (await cs.get_payment(created.id)).status is PaymentStatus.REQUIRES_ACTION
    await cs.runtime.sandbox.pay_voucher(voucher.reference)  # the customer pays at the store
    await events_for(receiver, created.id, "captured")
    assert (await cs.get_payment(created.id)).status is PaymentStatus.CAPTURED


async def test_a_virtual_account_is_paid_by_transfer(
    cs: ConnectorService, receiver: Receiver
) -> None:
    created = await cs.create_payment(payment("virtual_account", amount=150000))
    transfer = created.next_action
    assert isinstance(transfer, DisplayBankTransfer) and transfer.type == "display_bank_transfer"
    assert transfer.bank == "BCA" and transfer.account_number.isdigit()
    assert transfer.account_holder_name == "Toko Jenny" and transfer.expires_at
    assert (await cs.get_payment(created.id)).status is PaymentStatus.REQUIRES_ACTION
    await cs.runtime.sandbox.pay_voucher(transfer.account_number)  # the transfer arrives
    await events_for(receiver, created.id, "captured")
    assert (await cs.get_payment(created.id)).status is PaymentStatus.CAPTURED


@pytest.mark.parametrize("declines", [False, True])
async def test_a_push_wallet_awaits_the_app(
    cs: ConnectorService, receiver: Receiver, declines: bool
) -> None:
    pm = example("ewallet", provider="ovo", phone="+6281234567890")
    created = await cs.create_payment(payment("ewallet", payment_method=pm, currency="IDR"))
    action = created.next_action
    assert isinstance(action, AwaitCustomer) and action.expires_at
    await cs.runtime.sandbox.customer_acts(created.connector_payment_id, not declines)
    final = "failed" if declines else "captured"
    await events_for(receiver, created.id, final)
    assert (await cs.get_payment(created.id)).status.value == final


async def test_a_voucher_cannot_be_refunded_nor_held(cs: ConnectorService) -> None:
    from connector_service.domain.errors import ErrorType, ServiceError

    with pytest.raises(ServiceError) as held:
        await cs.create_payment(payment("oxxo", capture_method="manual"))
    assert held.value.type is ErrorType.NOT_SUPPORTED and held.value.field == "capture_method"
    created = await cs.create_payment(payment("oxxo"))
    await cs.runtime.sandbox.pay_voucher(created.next_action.reference)  # type: ignore[union-attr]
    with pytest.raises(ServiceError) as refund:
        await cs.refund(created.id, {})
    assert refund.value.type is ErrorType.NOT_SUPPORTED and "OXXO" in refund.value.message


@pytest.mark.parametrize("pm_type", by_kind(MethodKind.BANK_DEBIT))
@pytest.mark.parametrize(("last4", "final", "code"),
                         [(None, "captured", None), ("0002", "failed", "insufficient_funds"),
                          ("0003", "failed", "account_closed")])  # fmt: skip
async def test_debits_settle_later_and_can_bounce(
    cs: ConnectorService, receiver: Receiver, pm_type: str, last4: str | None, final: str,
    code: str | None,
) -> None:  # fmt: skip
    pm = example(pm_type)
    if last4 is not None:
        pm = example(pm_type, **bouncing(pm_type, last4))
    created = await cs.create_payment(payment(pm_type, payment_method=pm, customer={"id": "cus_1"}))
    assert created.status is PaymentStatus.PROCESSING and created.next_action is None
    assert created.mandate is not None and created.mandate.status is MandateStatus.ACTIVE
    event = await events_for(receiver, created.id, final)  # the bank's clearing, later
    assert event["data"]["payment"]["id"] == created.id
    synced = await cs.get_payment(created.id)
    assert synced.status.value == final
    if code:
        assert (
            synced.failure is not None
            and synced.failure.gateway is not None
            and synced.failure.gateway.code == code
        )


def bouncing(pm_type: str, last4: str) -> dict[str, str]:
    """An account of the method whose number ends in ``last4`` (and is valid)."""
    if pm_type == "sepa_debit":
        return {"iban": iban_ending("DE", "37040044", last4)}
    if pm_type == "ach_debit":
        return {"account_number": "00012345" + last4}
    return {"account_number": "0001" + last4}


def iban_ending(country: str, bank: str, last4: str) -> str:
    bban = bank + "053201" + last4
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


@pytest.mark.parametrize("pm_type", ["apple_pay", "google_pay", "network_token"])
async def test_wallets_authorize_at_once(cs: ConnectorService, pm_type: str) -> None:
    created = await cs.create_payment(payment(pm_type, capture_method="manual"))
    assert created.status is PaymentStatus.AUTHORIZED and created.next_action is None
    captured = await cs.capture(created.id, {})
    assert captured.status is PaymentStatus.CAPTURED


async def test_a_declined_wallet_token_is_a_decline(cs: ConnectorService) -> None:
    created = await cs.create_payment(
        payment("apple_pay", payment_method={"type": "apple_pay", "token": "sandbox_decline"})
    )
    assert created.status is PaymentStatus.FAILED
    assert created.failure is not None and created.failure.code == "insufficient_funds"


async def test_an_unpaid_qr_code_expires(cs: ConnectorService) -> None:
    created = await cs.create_payment(payment("pix"))

    def expire(record: dict[str, Any]) -> None:
        record["expires_at"] = 0  # the clock moved past expires_at

    await cs.runtime.sandbox._change("payment", created.connector_payment_id, expire)
    synced = await cs.get_payment(created.id)
    assert synced.status is PaymentStatus.FAILED
    assert (
        synced.failure is not None
        and synced.failure.gateway is not None
        and synced.failure.gateway.code == "expired"
    )


async def test_an_externally_authenticated_card_skips_the_challenge(cs: ConnectorService) -> None:
    challenge = {"type": "card", "number": "4000000000003253", "exp_month": 12, "exp_year": 2034}
    plain = await cs.create_payment(
        {"amount": 1000, "currency": "EUR", "payment_method": challenge}
    )
    assert plain.status is PaymentStatus.REQUIRES_ACTION
    three_ds = {
        "authentication_value": "AAABBEg0VhI0VniQEjRWAAAAAAA=",
        "eci": "05",
        "version": "2.2.0",
        "ds_transaction_id": "f25084f0-5b16-4c0a-ae5d-b24808a95e4b",
    }
    done = await cs.create_payment(
        {"amount": 1000, "currency": "EUR", "payment_method": {**challenge, "three_ds": three_ds}}
    )
    assert done.status is PaymentStatus.CAPTURED


@pytest.mark.parametrize(("provider", "currency"), [("gcash", "IDR"), ("ovo", "PHP")])
async def test_an_ewallet_in_a_currency_it_does_not_hold_is_refused(
    cs: ConnectorService, provider: str, currency: str
) -> None:
    from connector_service.domain.errors import ErrorType, ServiceError

    pm = example("ewallet", provider=provider, phone="+6281234567890")
    with pytest.raises(ServiceError) as raised:
        await cs.create_payment(payment("ewallet", payment_method=pm, currency=currency))
    assert raised.value.type is ErrorType.NOT_SUPPORTED and raised.value.field == "currency"


async def test_a_network_token_payment_keeps_its_type_with_the_card_summary(
    cs: ConnectorService,
) -> None:
    """The sandbox summarises the token's card (last four, brand): the answer shows it
    under the type the payment was made with, not as a card."""
    created = await cs.create_payment(payment("network_token"))
    shown = created.payment_method
    assert shown is not None and shown.type == "network_token", shown
    assert shown.card is not None and shown.card.last4, shown
    again = await cs.get_payment(created.id)
    assert again.payment_method is not None and again.payment_method.type == "network_token"


async def test_an_event_sent_during_the_create_is_the_same_document_as_the_answer(
    cs: ConnectorService, receiver: Receiver
) -> None:
    """The sandbox sends payment.requires_action while the create is still in flight,
    before the payment's record is saved: the event still shows the caller's metadata
    and the method type, as the answer does."""
    body = payment("virtual_account", amount=150000, metadata={"order": "42"})
    created = await cs.create_payment(body)
    first = await events_for(receiver, created.id, "requires_action")
    shown = first["data"]["payment"]
    assert shown["metadata"] == {"order": "42"} == created.metadata, shown
    assert shown["payment_method"]["type"] == "virtual_account", shown
    assert shown["reference"] == created.reference, shown


@pytest.mark.parametrize("seconds", [0.0, 600.0])
async def test_a_debit_settles_after_the_configured_time(seconds: float) -> None:
    """``[sandbox] debit_settle_seconds``: the sandbox's bank clears a debit that long
    after it was made (0: at the next sync; 600: still processing then)."""
    async with ConnectorService({"sandbox": {"debit_settle_seconds": seconds}}) as svc:
        made = time.time()
        created = await svc.create_payment(payment("sepa_debit", amount=2990))
        record = await svc.runtime.sandbox._load("payment", created.connector_payment_id)
        assert made + seconds - 1 <= float(record["settles_at"]) <= time.time() + seconds
        synced = await svc.get_payment(created.id)
        wanted = PaymentStatus.CAPTURED if seconds == 0 else PaymentStatus.PROCESSING
        assert synced.status is wanted


def test_a_negative_debit_settle_time_is_refused_naming_the_field() -> None:
    with pytest.raises(ConfigError, match=r"sandbox\.debit_settle_seconds"):
        load_config(data={"sandbox": {"debit_settle_seconds": -1}})
