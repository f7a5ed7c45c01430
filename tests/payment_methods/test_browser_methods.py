"""One payment method of each kind on the sandbox, driven end to end in a real headless
Chromium against the REST service: what the customer sees and clicks on the hosted page
(a bank redirect, a QR code, a voucher, a debit being cleared, the stand-in for the
customer's app, a wallet's payment sheet), then the payment as the merchant reads it."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import pytest_asyncio

from connector_service.testing.service import start_service
from tests.conftest import ServiceProcess
from tests.payment_methods.examples import example, payment
from tests.payment_methods.test_sandbox_methods import iban_ending
from tests.server.client import Api
from tests.server.test_rest_flows import (
    CONFIG,
    service,  # noqa: F401 - the shared module server
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser() -> AsyncIterator[Any]:
    """One Chromium for the module (a new page per test)."""
    if CHROMIUM is None:
        if os.environ.get("CS_REQUIRE_BROWSER"):
            pytest.fail("CS_REQUIRE_BROWSER is set but no chromium is installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture(scope="module")
def slow_bank(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A service whose sandbox bank takes 5 s to clear a debit (``[sandbox]
    debit_settle_seconds``; 1 s by default): the page must be seen pending first, and
    opening Chromium's page took up to 2.9 s on a loaded 2-core machine."""
    svc = start_service(
        tmp_path_factory.mktemp("slow-bank"), CONFIG + "\n[sandbox]\ndebit_settle_seconds = 5\n"
    )
    yield svc
    svc.stop()


@pytest.fixture
def api(service: ServiceProcess) -> Api:  # noqa: F811
    return Api(service.url, "key-a")


def back(service: ServiceProcess) -> str:  # noqa: F811
    """The merchant's return page: any loopback page does (the service's /health)."""
    return f"{service.url}/health"


async def status_of(api: Api, payment_id: str) -> str:
    return str((await api.ok("GET", f"/v1/payments/{payment_id}"))["status"])


REDIRECT_CASES = [("#approve", "approved", "captured"), ("#decline", "declined", "failed")]


@pytest.mark.parametrize(("button", "result", "final"), REDIRECT_CASES)
async def test_redirect_ideal_approve_or_decline_at_the_bank(
    service: ServiceProcess,  # noqa: F811
    api: Api,
    browser: Any,
    button: str,
    result: str,
    final: str,
) -> None:
    created = await api.ok("POST", "/v1/payments", payment("ideal", return_url=back(service)))
    assert created["status"] == "requires_action"
    action = created["next_action"]
    assert action["type"] == "redirect"
    page = await browser.new_page()
    try:
        await page.goto(action["url"])
        assert await page.text_content("#amount") == "15.00 EUR"
        assert await page.text_content("#method") == "ideal"
        await page.click(button)
        await page.wait_for_url(f"{back(service)}?*")
        query = parse_qs(urlsplit(page.url).query)
        assert query["result"] == [result]
        assert query["sandbox_payment"] == [created["connector_payment_id"]]
    finally:
        await page.close()
    assert await status_of(api, created["id"]) == final


async def test_qr_pix_is_shown_and_scanned(api: Api, browser: Any) -> None:
    created = await api.ok("POST", "/v1/payments", payment("pix", amount=2990))
    qr = created["next_action"]
    assert qr["type"] == "display_qr"
    page = await browser.new_page()
    try:
        await page.goto(qr["url"])
        # The page shows the very code the API answered: the image and its payload.
        assert await page.get_attribute("#qr", "src") == qr["image"]
        assert await page.text_content("#payload") == qr["payload"]
        width = await page.evaluate("document.querySelector('#qr').naturalWidth")
        assert width > 0  # a PNG the browser could decode
        await page.click("#scan")
        assert await page.text_content("#payment-status") == "captured"
    finally:
        await page.close()
    assert await status_of(api, created["id"]) == "captured"


async def test_voucher_oxxo_is_printed_then_paid_at_the_store(api: Api, browser: Any) -> None:
    created = await api.ok("POST", "/v1/payments", payment("oxxo", amount=5000))
    voucher = created["next_action"]
    assert voucher["type"] == "display_voucher"
    page = await browser.new_page()
    try:
        await page.goto(voucher["url"])
        assert await page.text_content("#voucher") == voucher["reference"]
        assert await page.text_content("#barcode") == voucher["barcode"]
        assert await status_of(api, created["id"]) == "requires_action"  # not paid yet
        await page.click("#pay")  # the store takes the cash
        assert await page.text_content("#payment-status") == "captured"
    finally:
        await page.close()
    assert await status_of(api, created["id"]) == "captured"


async def test_virtual_account_shows_the_transfer_then_the_bank_pays(
    api: Api, browser: Any
) -> None:
    created = await api.ok("POST", "/v1/payments", payment("virtual_account", amount=150000))
    transfer = created["next_action"]
    assert transfer["type"] == "display_bank_transfer"
    page = await browser.new_page()
    try:
        await page.goto(transfer["url"])
        assert await page.text_content("#bank") == transfer["bank"] == "BCA"
        assert await page.text_content("#account-number") == transfer["account_number"]
        assert await status_of(api, created["id"]) == "requires_action"  # not paid yet
        await page.click("#pay")  # the transfer arrives at the bank
        assert await page.text_content("#payment-status") == "captured"
    finally:
        await page.close()
    assert await status_of(api, created["id"]) == "captured"


DEBIT_CASES = [("0001", "captured", "captured"), ("0002", "declined", "failed")]


@pytest.mark.parametrize(("last4", "shown", "final"), DEBIT_CASES)
async def test_debit_sepa_is_cleared_or_bounces_while_the_page_watches(
    slow_bank: ServiceProcess,
    browser: Any,
    last4: str,
    shown: str,
    final: str,
) -> None:
    api = Api(slow_bank.url, "key-a")
    pm = example("sepa_debit", iban=iban_ending("DE", "37040044", last4))
    created = await api.ok(
        "POST", "/v1/payments", payment("sepa_debit", payment_method=pm, customer={"id": "c1"})
    )
    assert created["status"] == "processing" and created.get("next_action") is None
    assert created["mandate"]["status"] == "active"
    page = await browser.new_page()
    try:
        await page.goto(f"{slow_bank.url}/sandbox/pay/{created['connector_payment_id']}")
        assert await page.text_content("#payment-status") == "pending"
        # The page reloads itself while the bank clears the debit (5 s here); the
        # page shows the sandbox's own status (a bounce is "declined").
        await page.wait_for_function(
            "!['pending', undefined].includes("
            "document.querySelector('#payment-status')?.textContent)",
            timeout=30000,
        )
        assert await page.text_content("#payment-status") == shown
    finally:
        await page.close()
    synced = await api.ok("GET", f"/v1/payments/{created['id']}")
    assert synced["status"] == final
    if final == "failed":
        assert synced["failure"]["gateway"]["code"] == "insufficient_funds"


async def test_await_customer_blik_is_confirmed_in_the_app(
    service: ServiceProcess,  # noqa: F811
    api: Api,
    browser: Any,
) -> None:
    created = await api.ok("POST", "/v1/payments", payment("blik", return_url=back(service)))
    action = created["next_action"]
    assert action["type"] == "await_customer" and action["message"]
    page = await browser.new_page()
    try:
        await page.goto(action["url"])  # the stand-in for the customer's banking app
        assert action["message"] in (await page.content())
        await page.click("#approve")
        await page.wait_for_url(f"{back(service)}?*")
    finally:
        await page.close()
    assert await status_of(api, created["id"]) == "captured"


@pytest.mark.parametrize(("button", "final"), [("#pay", "captured"), ("#decline", "failed")])
async def test_wallet_apple_pay_sheet_hands_over_a_token(
    service: ServiceProcess,  # noqa: F811
    api: Api,
    browser: Any,
    button: str,
    final: str,
) -> None:
    # The wallet's sheet runs before the payment exists: it gives the merchant page a token.
    sheet = f"{service.url}/sandbox/wallet/apple_pay?" + urlencode(
        {"amount": "15.00", "currency": "EUR", "return_url": back(service)}
    )
    page = await browser.new_page()
    try:
        await page.goto(sheet)
        assert await page.text_content("#amount") == "15.00 EUR"
        await page.click(button)
        await page.wait_for_url(f"{back(service)}?*")
        query = parse_qs(urlsplit(page.url).query)
    finally:
        await page.close()
    assert query["wallet"] == ["apple_pay"]
    pm = {"type": "apple_pay", "token": query["token"][0]}
    status, created, _ = await api.call(
        "POST", "/v1/payments", payment("apple_pay", payment_method=pm)
    )
    assert created["status"] == final, (status, created)
    assert await status_of(api, created["id"]) == final


async def test_the_wallet_sheet_needs_an_http_return_url(
    service: ServiceProcess,  # noqa: F811
) -> None:
    import aiohttp

    async def status(path: str) -> int:
        async with aiohttp.ClientSession() as http, http.get(service.url + path) as resp:
            return resp.status

    sheet = "/sandbox/wallet/apple_pay?"
    assert await status(sheet + urlencode({"return_url": "javascript:alert(1)"})) == 400
    assert await status(sheet) == 400
    assert await status("/sandbox/wallet/samsung_pay?return_url=https://x.example") == 404
    assert await status(sheet + urlencode({"return_url": "https://x.example"})) == 200
