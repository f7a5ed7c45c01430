"""The conformance suite's interface, as a plug-in author runs it: a fresh interpreter,
from a directory that is not this repository (no pyproject, no conftest of ours)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pytest", "--pyargs", "connector_service.testing.conformance",
           "-q", "-p", "no:cacheprovider", *args]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_suite_runs_for_one_connector_and_ends_with_the_summary(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "--connector", "sandbox", "-rs")
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed(, \d+ skipped)?(, \d+ warnings?)? in [\d.]+s", last), last
    # the sandbox's 3-D Secure and webhook checks run (they used to skip)
    for reason in ("declares no 3-D Secure", "declares no webhooks", "no failing challenge"):
        assert reason not in run.stdout, run.stdout


def test_an_unknown_connector_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "--connector", "nosuch")
    assert run.returncode == 4, run.stdout + run.stderr  # pytest's usage-error status
    message = run.stdout + run.stderr
    assert "--connector nosuch: not a registered connector" in message, message
    assert "sandbox" in message  # and what there is
