"""npm for the tests that run Node tools (Redocly, openapi-typescript, tsc).

Skipped when npm is missing, unless ``CS_REQUIRE_NODE`` is set (CI); ``npm ci`` runs only
when the lock is newer than the last install, as the Makefile's ``sdk-ts-test`` does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def installed(package: Path) -> Path:
    """``package``'s ``node_modules/.bin``, after ``npm ci`` when its lock changed."""
    if shutil.which("npm") is None:
        if os.environ.get("CS_REQUIRE_NODE"):
            pytest.fail("CS_REQUIRE_NODE is set but npm is missing")
        pytest.skip("npm is not installed")
    marker = package / "node_modules" / ".package-lock.json"
    lock = package / "package-lock.json"
    if not marker.exists() or marker.stat().st_mtime <= lock.stat().st_mtime:
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=package, check=True, timeout=600,
        )  # fmt: skip
    return package / "node_modules" / ".bin"
