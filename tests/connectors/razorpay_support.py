"""What the Razorpay method tests (UPI, netbanking, AutoPay) share: the connector, its
fixtures, test credentials and a context against Razorpay's base URL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connector_service.connectors.razorpay import RazorpayConnector
from connector_service.domain.common import BrowserInfo
from tests.connectors.harness import make_ctx

CONNECTOR = RazorpayConnector()
FIXTURES = Path(__file__).parent / "fixtures" / "razorpay"
BASE = "https://api.razorpay.com/v1"
KEY_ID = "rzp_test_" + "Xq7Lm2Vb9Nc4Tz"
KEY_SECRET = "Hs8dK2pQ9wE4rT6yU1iO3aZx"
WEBHOOK_SECRET = "whk-test-secret-5b1e"
BROWSER = BrowserInfo(ip_address="203.0.113.7", user_agent="Mozilla/5.0 (test)")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def ctx(options: dict[str, str] | None = None) -> Any:
    creds = {"key_id": KEY_ID, "key_secret": KEY_SECRET, "webhook_secret": WEBHOOK_SECRET}
    return make_ctx(CONNECTOR, creds, options or {}, base_url=BASE, idempotency_key=None)
