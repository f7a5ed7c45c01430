"""The lock files cover what pyproject.toml asks for, pin it with hashes, and keep
schemathesis' dependencies out of the test venv.

Regenerating the locks needs PyPI (``make lock``), so this does not re-resolve: it checks
that every requirement of pyproject.toml and ``requirements/*.in`` has a pin that
satisfies it. A dependency added without ``make lock`` fails here, not on a fresh install.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
REQ = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def pins(lock: Path) -> dict[str, set[str]]:
    """name -> pinned versions (a universal lock may pin one name per platform)."""
    found: dict[str, set[str]] = {}
    lines = lock.read_text().splitlines()
    for i, line in enumerate(lines):
        match = _PIN.match(line)
        if match:
            assert line.rstrip().endswith("\\") and "--hash=sha256:" in lines[i + 1], (
                f"{lock.name}: {match.group(1)} is pinned without a hash"
            )
            found.setdefault(canonicalize_name(match.group(1)), set()).add(match.group(2))
    return found


def requirements_in(path: Path) -> list[str]:
    return [
        line.split("#")[0].strip()
        for line in path.read_text().splitlines()
        if line.split("#")[0].strip()
    ]


def unsatisfied(requirements: list[str], lock: Path) -> list[str]:
    pinned = pins(lock)
    problems = []
    for text in requirements:
        req = Requirement(text)
        versions = pinned.get(canonicalize_name(req.name), set())
        if not any(req.specifier.contains(v, prereleases=True) for v in versions):
            problems.append(f"{text} (locked: {sorted(versions) or 'nothing'})")
    return problems


def test_dev_lock_satisfies_pyproject_and_dev_in() -> None:
    wanted = [
        *PYPROJECT["project"]["dependencies"],
        *PYPROJECT["project"]["optional-dependencies"]["dev"],
        *requirements_in(REQ / "dev.in"),
    ]
    assert unsatisfied(wanted, REQ / "dev.lock") == [], "run `make lock`"


@pytest.mark.parametrize(
    ("lock", "source"),
    [("pip.lock", "pip.in"), ("schemathesis.lock", "schemathesis.in"), ("bench.lock", None)],
)
def test_other_locks_satisfy_their_sources(lock: str, source: str | None) -> None:
    wanted = (
        requirements_in(REQ / source)
        if source
        else PYPROJECT["project"]["optional-dependencies"]["bench"]
    )
    assert unsatisfied(wanted, REQ / lock) == [], "run `make lock`"


def test_bench_lock_agrees_with_dev_lock() -> None:
    """make bench installs bench.lock into the test venv: it must not move a dev pin."""
    dev, bench = pins(REQ / "dev.lock"), pins(REQ / "bench.lock")
    moved = {name: (dev[name], v) for name, v in bench.items() if name in dev and dev[name] != v}
    assert moved == {}


def test_schemathesis_stays_out_of_the_test_venv() -> None:
    dev = pins(REQ / "dev.lock")
    for name in ("schemathesis", "jsonschema-rs", "hypothesis"):
        assert name not in dev, f"{name} must only be in requirements/schemathesis.lock"
    assert "schemathesis" in pins(REQ / "schemathesis.lock")


def test_unsatisfied_names_a_requirement_the_lock_misses(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    lock.write_text("msgspec==0.18.6 \\\n    --hash=sha256:00\n")
    assert unsatisfied(["msgspec>=0.19", "starlette>=0.40"], lock) == [
        "msgspec>=0.19 (locked: ['0.18.6'])",
        "starlette>=0.40 (locked: nothing)",
    ]
    lock.write_text("msgspec==0.19.0\n")
    with pytest.raises(AssertionError, match="without a hash"):
        pins(lock)
