"""``Rig``: one connector under test — its fake, one account on it, the real service.

Why a module of its own: the conformance suite builds one per profile, and a connector's
own gateway-specific tests (``tests/server/test_<name>_specifics.py`` for the built-ins,
a plug-in's equivalent) start exactly the same set-up with :func:`open_rig`, so the
two never drift apart and the specific tests stay small.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connector_service.connectors.base import Connector
from connector_service.connectors.registry import load_connectors
from connector_service.testing.client import Api
from connector_service.testing.e2e import account_toml, service_config
from connector_service.testing.profile import ConnectorProfile
from connector_service.testing.service import ServiceProcess, start_service

__all__ = ["Rig", "open_rig"]


@dataclass
class Rig:
    """One connector under test: its profile, fake, account, service and client."""

    profile: ConnectorProfile
    fake: Any
    account: str
    service: ServiceProcess
    api: Api
    connector: Connector
    # Secrets a check came across on the way (e.g. a client secret a 3-D Secure redirect
    # handed the browser): the log-leak scan looks for them too.
    seen_secrets: list[str] = field(default_factory=list)

    def card_numbers(self) -> list[str]:
        return sorted({c.number for c in self._cards()})

    def cvcs(self) -> list[str]:
        return sorted({c.cvc for c in self._cards()})

    def secrets(self) -> list[str]:
        creds = self.profile.account_credentials(self.fake)
        values = [v for v in creds.values() if len(v) >= 8]
        return sorted({*values, *self.profile.secrets(self.fake), *self.seen_secrets})

    def _cards(self) -> list[Any]:
        p = self.profile
        cards = [p.success, p.soft_decline.card, p.hard_decline.card]
        cards += [d.card for d in p.more_declines]
        for three_ds in (p.three_ds, p.mandate_three_ds):
            if three_ds is not None:
                cards.append(three_ds.card)
        return cards

    def gateway_calls(self) -> int:
        """Requests the fake has received so far (0 for a connector without network)."""
        return len(self.fake.received) if self.fake is not None else 0


@contextmanager
def open_rig(
    profile: ConnectorProfile,
    tmp: Path,
    *,
    extra_accounts: Sequence[str] = (),
    env: dict[str, str] | None = None,
) -> Iterator[Rig]:
    """Start the profile's fake (on its own thread) and the service with one account
    ``<connector>-conformance`` on it (plus ``extra_accounts``, TOML); stop both after.

    The account's credentials are ``{ env = "…" }`` references the service reads from
    its environment, as an operator configures them (never literals in a file)."""
    fake = profile.fake() if profile.fake is not None else None
    if fake is not None:
        fake.start_in_thread()
    try:
        account = f"{profile.connector}-conformance"
        base_url = fake.base_url if fake is not None else ""
        creds: dict[str, str | tuple[str, str]] = {}
        env = dict(env or {})
        for key, value in profile.account_credentials(fake).items():
            name = re.sub(r"\W", "_", f"CS_CONFORMANCE_{profile.connector}_{key}".upper())
            creds[key], env[name] = ("env", name), value
        toml = account_toml(
            account, profile.connector, base_url, creds, dict(profile.account_options(fake))
        )
        if not base_url:
            toml = toml.replace('base_url = ""\n', "")
        service = start_service(tmp, service_config(account, toml, *extra_accounts), env=env)
        try:
            connector = load_connectors()[profile.connector]
            yield Rig(profile, fake, account, service, Api(service.url), connector)
        finally:
            service.stop()
    finally:
        if fake is not None:
            fake.stop_thread()
