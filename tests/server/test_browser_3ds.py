"""The sandbox's 3-D Secure page in a real headless Chromium: a customer clicks through
the challenge, lands on the merchant's return URL, and the payment moves on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import ServiceProcess
from tests.server.client import Api
from tests.server.test_rest_flows import service  # noqa: F401 - the shared module server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CS_REQUIRE_BROWSER"):
            pytest.fail("CS_REQUIRE_BROWSER is set but no chromium is installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.mark.parametrize(("button", "final"), [("#complete", "authorized"), ("#fail", "failed")])
async def test_customer_completes_challenge_in_a_browser(
    service: ServiceProcess,  # noqa: F811
    chromium: str,
    tmp_path: Path,
    button: str,
    final: str,
) -> None:
    from playwright.async_api import async_playwright

    api = Api(service.url, "key-a")
    # The merchant's return page is the service's own /health: any page on loopback works.
    payment = await api.pay(
        "4000000000003253",
        capture_method="manual",
        amount=4200,
        currency="EUR",
        return_url=f"{service.url}/health",
    )
    assert payment["status"] == "requires_action"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            page = await browser.new_page()
            await page.goto(payment["next_action"]["url"])
            assert await page.text_content("#amount") == "42.00 EUR"
            assert await page.text_content("#last4") == "3253"
            await page.screenshot(path=str(tmp_path / "challenge.png"))
            await page.click(button)
            await page.wait_for_url(f"{service.url}/health?*")
            assert "authentication=" in page.url
            assert '"ok"' in await page.content()
        finally:
            await browser.close()
    synced = await api.ok("GET", f"/v1/payments/{payment['id']}")
    assert synced["status"] == final
