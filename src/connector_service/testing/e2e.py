"""Pieces of a REST end-to-end run: account TOML, the gateway-side idempotency key, and
the log-leak scan.

Why in the package: the conformance suite and per-gateway end-to-end tests (ours and a
plug-in's) configure the service and read its log the same way.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from connector_service.testing.service import ServiceProcess

__all__ = [
    "LOCAL_CALLER",
    "account_toml",
    "assert_log_clean",
    "card",
    "credential_toml",
    "gateway_key",
    "service_config",
    "toml_str",
]

# The service's caller when no [[callers]] are configured (server/app.py ANONYMOUS).
LOCAL_CALLER = "local"


def toml_str(value: str) -> str:
    """A TOML basic string (JSON's escapes are a subset TOML accepts for these values)."""
    return json.dumps(value)


def credential_toml(value: str | tuple[str, str]) -> str:
    """A literal credential, or ("env", NAME) for ``{ env = "NAME" }``."""
    if isinstance(value, tuple):
        kind, name = value
        return f"{{ {kind} = {toml_str(name)} }}"
    return toml_str(value)


def account_toml(
    account_id: str,
    connector: str,
    base_url: str,
    credentials: Mapping[str, str | tuple[str, str]],
    options: Mapping[str, str] | None = None,
    timeout_seconds: float = 10,
) -> str:
    creds = ", ".join(f"{k} = {credential_toml(v)}" for k, v in credentials.items())
    opts = ", ".join(f"{k} = {toml_str(v)}" for k, v in (options or {}).items())
    return (
        "[[accounts]]\n"
        f"id = {toml_str(account_id)}\n"
        f"connector = {toml_str(connector)}\n"
        f"base_url = {toml_str(base_url)}\n"
        f"timeout_seconds = {timeout_seconds}\n"
        f"credentials = {{ {creds} }}\n"
        f"options = {{ {opts} }}\n"
    )


def service_config(default_account: str, *accounts: str) -> str:
    """Debug logging: every gateway exchange is written to the log (scrubbed), which is
    what the final no-secrets-in-the-log check of each module reads."""
    head = f'default_account = {toml_str(default_account)}\n\n[server]\nlog_level = "debug"\n\n'
    return head + "\n".join(accounts)


def gateway_key(account: str, key: str, caller: str = LOCAL_CALLER) -> str:
    """The key the service derives from a caller's Idempotency-Key for the gateway
    (README "Idempotency": per API key and account)."""
    digest = hashlib.sha256(f"{caller}\x00{account}\x00{key}".encode()).hexdigest()
    return f"cs-{digest[:40]}"


def card(number: str, cvc: str, holder: str | None = None, **extra: Any) -> dict[str, Any]:
    pm: dict[str, Any] = {
        "type": "card",
        "number": number,
        "exp_month": 12,
        "exp_year": 2034,
        "cvc": cvc,
    }
    if holder:
        pm["holder_name"] = holder
    return pm | extra


_CVC_NEAR = r"(?i)(cvc|cvv|cvn|security.?code|card\[cvc\])\W{{0,8}}{cvc}\b"


def assert_log_clean(
    service: ServiceProcess,
    *,
    card_numbers: Iterable[str],
    cvcs: Iterable[str],
    secrets: Iterable[str],
) -> str:
    """No card number, CVC or credential in the service's log; returns the log.

    CVCs are short, so they are looked for next to a CVC field name (as a JSON body, a
    form body or a header would carry them), not as bare digits that random ids and
    timestamps also contain."""
    log = service.logs()
    for number in card_numbers:
        assert number not in log, f"card number {number[:6]}… in the service log"
        spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
        assert spaced not in log
    for cvc in cvcs:
        found = re.search(_CVC_NEAR.format(cvc=re.escape(cvc)), log)
        assert found is None, f"CVC in the service log: {found.group(0) if found else ''}"
    for secret in secrets:
        assert secret and secret not in log, f"credential {secret[:6]}… in the service log"
    return log
