"""Shared pieces of the gateway end-to-end tests (tests/server/test_e2e_<gateway>.py).

Each of those modules starts one loopback fake of a real gateway and one real service
process whose TOML config points an account's ``base_url`` at the fake; the tests then
drive the service through REST only and look at what the fake received. The generic
scenarios live in the conformance suite (``connector_service.testing.conformance``); the
helpers themselves are in ``connector_service.testing.e2e``.
"""

from __future__ import annotations

from connector_service.testing.e2e import (
    LOCAL_CALLER,
    account_toml,
    assert_log_clean,
    card,
    credential_toml,
    gateway_key,
    service_config,
    toml_str,
)
from tests.server.client import Api

__all__ = [
    "LOCAL_CALLER",
    "account_toml",
    "assert_log_clean",
    "card",
    "credential_toml",
    "declared_flows",
    "gateway_key",
    "service_config",
    "toml_str",
]


async def declared_flows(api: Api, connector: str) -> set[str]:
    data = await api.ok("GET", "/v1/connectors")
    info = next(c for c in data["data"] if c["name"] == connector)
    return set(info["flows"])
