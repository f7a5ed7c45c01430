"""A throw-away virtualenv that sees this environment's packages, for installing a plug-in.

Why not ``--system-site-packages``: the test environment is itself a virtualenv, and that
flag would expose the *base* interpreter's packages, not ours. Instead the new venv's
site-packages gets a ``.pth`` line that adds ours as a site directory (so its own ``.pth``
files — the editable install of connector-service — are honoured too). The plug-in is
then installed into the new venv only (``--no-deps --no-build-isolation``: nothing is
downloaded; hatchling comes from our environment), so this environment never sees it.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
from pathlib import Path


def make_venv(where: Path) -> Path:
    """Create the venv; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    ours = [sysconfig.get_paths()["purelib"], *site.getsitepackages()]
    lines = "".join(f"import site; site.addsitedir({p!r})\n" for p in dict.fromkeys(ours))
    Path(purelib, "_connector_service_parent_env.pth").write_text(lines)
    return python


def pip_install(python: Path, project: Path) -> None:
    """Install ``project`` into the venv of ``python`` with our pip, nothing downloaded."""
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    cmd = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
           "--no-deps", "--no-build-isolation", str(project)]  # fmt: skip
    subprocess.run(cmd, check=True, env=env, capture_output=True, timeout=120)


def run_conformance(python: Path, cwd: Path, name: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "--pyargs",
           "connector_service.testing.conformance", "--connector", name]  # fmt: skip
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
