"""The suite's pytest plumbing: ``--connector``, one fake and one service per connector.

``--connector NAME`` (repeatable) chooses connectors; without it every registered
connector (built-in or installed plug-in) that has a profile runs. A connector named but
without a profile is a usage error, not a silent pass; the option is declared by
``plugin.py`` (a ``pytest11`` entry point), which pytest loads before parsing the
command line.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector_service.testing.client import Api
from connector_service.testing.conformance.selection import selected
from connector_service.testing.profile import ConnectorProfile
from connector_service.testing.rig import Rig, open_rig


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "profile" in metafunc.fixturenames:
        chosen = selected(metafunc.config.getoption("--connector"))
        metafunc.parametrize(
            "profile", chosen, ids=[p.connector for p in chosen], indirect=True, scope="module"
        )


@pytest.fixture(scope="module")
def profile(request: pytest.FixtureRequest) -> ConnectorProfile:
    chosen: ConnectorProfile = request.param
    return chosen


@pytest.fixture(scope="module")
def rig(profile: ConnectorProfile, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with open_rig(profile, tmp_path_factory.mktemp(f"conformance-{profile.connector}")) as rig:
        yield rig


@pytest.fixture
def api(rig: Rig) -> Iterator[Api]:
    """The client; after each check, every request the fake received met the spec."""
    yield rig.api
    if rig.fake is not None:
        assert rig.fake.violations == [], rig.fake.violations
