"""The documented command line of the conformance suite works outside the repository.

Run from an empty directory (no pyproject, no testpaths): before the ``pytest11`` plug-in,
pytest refused ``--connector`` as an unknown argument there, because the suite's conftest
is loaded only after the command line is parsed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path


def test_pyargs_with_connector_option_runs_from_anywhere(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--pyargs",
           "connector_service.testing.conformance", "--connector", "sandbox"]  # fmt: skip
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "unrecognized arguments" not in out
    assert re.search(r"^\d+ passed", done.stdout, re.M), out
