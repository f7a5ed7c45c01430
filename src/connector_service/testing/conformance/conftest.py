"""The suite's pytest plumbing: ``--connector``, one fake and one service per connector.

``--connector NAME`` (repeatable) chooses connectors; without it every registered
connector (built-in or installed plug-in) that has a profile runs. A connector named but
without a profile is a usage error, not a silent pass. The option itself is declared in
``plugin.py`` (a ``pytest11`` entry point), which pytest loads before parsing arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from connector_service.connectors.base import Connector
from connector_service.connectors.registry import load_connectors
from connector_service.testing.client import Api
from connector_service.testing.e2e import account_toml, service_config
from connector_service.testing.profile import ConnectorProfile
from connector_service.testing.registry import load_profiles
from connector_service.testing.service import ServiceProcess, start_service


def _selected(config: pytest.Config) -> list[ConnectorProfile]:
    profiles = load_profiles()
    registered = load_connectors()
    wanted: list[str] = config.getoption("--connector")
    if not wanted:
        return [p for name, p in profiles.items() if name in registered]
    missing = [n for n in wanted if n not in registered or n not in profiles]
    if missing:
        raise pytest.UsageError(
            f"--connector {', '.join(missing)}: not a registered connector with a "
            f"conformance profile (have: {', '.join(sorted(set(profiles) & set(registered)))})"
        )
    return [profiles[n] for n in wanted]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "profile" in metafunc.fixturenames:
        chosen = _selected(metafunc.config)
        metafunc.parametrize(
            "profile", chosen, ids=[p.connector for p in chosen], indirect=True, scope="module"
        )


@pytest.fixture(scope="module")
def profile(request: pytest.FixtureRequest) -> ConnectorProfile:
    chosen: ConnectorProfile = request.param
    return chosen


@dataclass
class Rig:
    """One connector under test: its profile, fake, account, service and client."""

    profile: ConnectorProfile
    fake: Any
    account: str
    service: ServiceProcess
    api: Api
    connector: Connector

    def card_numbers(self) -> list[str]:
        p = self.profile
        cards = [p.success, p.soft_decline.card, p.hard_decline.card]
        if p.three_ds:
            cards.append(p.three_ds.card)
        return sorted({c.number for c in cards})

    def cvcs(self) -> list[str]:
        p = self.profile
        cards = [p.success, p.soft_decline.card, p.hard_decline.card]
        return sorted({c.cvc for c in cards})

    def secrets(self) -> list[str]:
        creds = self.profile.account_credentials(self.fake)
        values = [v for v in creds.values() if len(v) >= 8]
        return sorted({*values, *self.profile.secrets(self.fake)})


@pytest.fixture(scope="module")
def rig(profile: ConnectorProfile, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    fake = profile.fake() if profile.fake is not None else None
    if fake is not None:
        fake.start_in_thread()
    account = f"{profile.connector}-conformance"
    base_url = fake.base_url if fake is not None else ""
    toml = account_toml(
        account,
        profile.connector,
        base_url,
        dict(profile.account_credentials(fake)),
        dict(profile.account_options(fake)),
    )
    if not base_url:
        toml = toml.replace('base_url = ""\n', "")
    service = start_service(
        tmp_path_factory.mktemp(f"conformance-{profile.connector}"),
        service_config(account, toml),
    )
    try:
        yield Rig(
            profile,
            fake,
            account,
            service,
            Api(service.url),
            load_connectors()[profile.connector],
        )
    finally:
        service.stop()
        if fake is not None:
            fake.stop_thread()


@pytest.fixture
def api(rig: Rig) -> Iterator[Api]:
    """The client; after each check, every request the fake received met the spec."""
    yield rig.api
    if rig.fake is not None:
        assert rig.fake.violations == [], rig.fake.violations
