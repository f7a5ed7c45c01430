"""``/docs`` in a real headless Chromium, from a real service, with the browser allowed to
reach nothing but that service: the packaged page lists every operation."""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ServiceProcess, start_service

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CONFIG = '[[accounts]]\nid = "sandbox"\nconnector = "sandbox"\n'


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(tmp_path_factory.mktemp("docs"), CONFIG, env={"CS_GRPC_ENABLED": "0"})
    yield svc
    svc.stop()


def test_docs_assets_are_served_with_a_strict_policy(service: ServiceProcess) -> None:
    with urllib.request.urlopen(service.url + "/docs", timeout=30) as resp:
        html = resp.read().decode()
        csp = resp.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'none'" in csp
    assert 'src="/docs/docs.js"' in html and "http" not in html.replace('href="/openapi', "")
    for asset in ("/docs/docs.js", "/docs/docs.css"):
        with urllib.request.urlopen(service.url + asset, timeout=30) as resp:
            assert resp.status == 200 and resp.read()


async def test_docs_page_lists_every_operation_offline(service: ServiceProcess) -> None:
    if CHROMIUM is None:
        if os.environ.get("CS_REQUIRE_BROWSER"):
            pytest.fail("CS_REQUIRE_BROWSER is set but no chromium is installed")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.async_api import Route, async_playwright

    doc = json.loads((ROOT / "docs" / "openapi.json").read_text())
    wanted = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
    origin = urlsplit(service.url).netloc
    blocked: list[str] = []

    async def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).netloc == origin:
            await route.continue_()
        else:
            blocked.append(route.request.url)
            await route.abort()

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            page = await browser.new_page()
            await page.route("**/*", only_loopback)
            await page.goto(service.url + "/docs")
            await page.wait_for_selector("body[data-ready]")
            shown = set(await page.eval_on_selector_all(
                "section.op", "nodes => nodes.map(n => n.dataset.operation)"
            ))  # fmt: skip
            text = await page.text_content("main") or ""
        finally:
            await browser.close()
    assert wanted <= shown, wanted - shown
    assert "event_payment_captured" in shown  # the webhooks are listed too
    assert "/v1/payments/{id}/capture" in text and "Body (optional)" in text
    assert blocked == []
