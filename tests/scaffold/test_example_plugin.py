"""Plug-ins installed for real: the example package, and a freshly generated one, each in
a new virtualenv, pass the conformance suite run exactly as the docs say.

The second test is the measured "time from ``new-connector`` to a conformance-green
trivial connector" (printed; ``-s`` shows it): generate, install, run the suite.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from connector_service.cli.main import main
from tests.scaffold.venvs import make_venv, pip_install, run_conformance

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "plugin-acmepay"


def _green(done_stdout: str, out: str) -> None:
    summary = re.search(r"^(\d+) passed(.*)$", done_stdout, re.M)
    assert summary, out
    assert "failed" not in summary.group(2) and "error" not in summary.group(2), out
    assert int(summary.group(1)) >= 10, out  # every flow check ran, not a skipped run


def test_example_plugin_passes_the_conformance_suite(tmp_path: Path) -> None:
    project = tmp_path / "plugin-acmepay"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".*", "__pycache__"))
    python = make_venv(tmp_path / "venv")
    pip_install(python, project)
    done = run_conformance(python, tmp_path, "acmepay")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    _green(done.stdout, out)


def test_new_connector_to_conformance_green(tmp_path: Path) -> None:
    started = time.perf_counter()
    assert main(["new-connector", "tinypay", "--package", "--dir", str(tmp_path)]) == 0
    python = make_venv(tmp_path / "venv")
    pip_install(python, tmp_path / "plugin-tinypay")
    done = run_conformance(python, tmp_path, "tinypay")
    elapsed = time.perf_counter() - started
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    _green(done.stdout, out)
    print(f"new-connector -> conformance green: {elapsed:.1f} s")
