"""What ships: the licence in every artefact, one version everywhere, ``--version``.

The wheel and sdist are built for real (hatchling, from the test venv, into a temporary
directory) and the npm tarball's file list is npm's own (``npm pack --dry-run --json``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest

import connector_service
from connector_service.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
SDK_TS = ROOT / "sdk" / "typescript"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_licence_is_the_apache_2_text() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.lstrip().startswith("Apache License\n")
    assert "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text
    assert PYPROJECT["project"]["license"] == "Apache-2.0"
    # the npm package ships its own copy (npm only packs files under sdk/typescript)
    assert (SDK_TS / "LICENSE").read_text() == text
    assert json.loads((SDK_TS / "package.json").read_text())["license"] == "Apache-2.0"


def test_wheel_and_sdist_contain_the_licence(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-d", str(tmp_path)],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("*.whl")
    (sdist,) = tmp_path.glob("*.tar.gz")
    licence = (ROOT / "LICENSE").read_bytes()
    name = f"connector_service-{connector_service.__version__}"
    with zipfile.ZipFile(wheel) as whl:
        assert whl.read(f"{name}.dist-info/licenses/LICENSE") == licence
        metadata = whl.read(f"{name}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "License-File: LICENSE" in metadata
    with tarfile.open(sdist) as tar:
        member = tar.extractfile(f"{name}/LICENSE")
        assert member is not None and member.read() == licence


def test_npm_tarball_contains_the_licence() -> None:
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("CS_REQUIRE_NODE"):
            pytest.fail("CS_REQUIRE_NODE is set but npm is missing")
        pytest.skip("npm is not installed")
    out = subprocess.run(
        [npm, "pack", "--dry-run", "--json", "--ignore-scripts"],
        cwd=SDK_TS, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    (pack,) = json.loads(out)
    paths = {f["path"] for f in pack["files"]}
    assert "LICENSE" in paths and "package.json" in paths
    assert pack["version"] == connector_service.__version__


def test_one_version_everywhere() -> None:
    """pyproject, the package, the installed metadata, the TypeScript SDK and the
    OpenAPI document's info.version move together (CONTRIBUTING.md, "Versioning")."""
    expected = PYPROJECT["project"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", expected)
    assert connector_service.__version__ == expected
    assert version("connector-service") == expected
    assert json.loads((SDK_TS / "package.json").read_text())["version"] == expected
    openapi = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert openapi["info"]["version"] == expected
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## [{expected}]" in changelog and "## [Unreleased]" in changelog


def test_version_flag_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"connector-service {version('connector-service')}"
    # and the installed console script says the same
    script = Path(sys.executable).parent / "connector-service"
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"connector-service {connector_service.__version__}"


def test_policies_exist_and_say_what_they_must() -> None:
    security = (ROOT / "SECURITY.md").read_text()
    assert "Supported versions" in security and "Reporting a vulnerability" in security
    contributing = (ROOT / "CONTRIBUTING.md").read_text()
    for topic in ("make test", "make lock", "Adding a connector", "Versioning", "Style"):
        assert topic in contributing, topic
