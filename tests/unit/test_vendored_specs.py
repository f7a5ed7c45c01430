"""The vendored gateway specs are the upstream files, and the lookup order holds.

``specs/README.md`` is the provenance table (upstream repository, path, commit, licence,
SHA-256) written by ``scripts/vendor_specs.py``; a file edited or swapped by accident
would silently change what the contract tests check, so every file is compared with it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests.contract import spec

ROW = re.compile(
    r"^\| `(?P<file>[^`]+)` \| (?P<repo>[\w.-]+/[\w.-]+) \| `[^`]+` \| (?P<commit>[0-9a-f]{40}) "
    r"\| (?P<licence>MIT|Apache-2\.0|BSD-[23]-Clause) \| (?P<sha>[0-9a-f]{64}) \|$"
)


def provenance() -> dict[str, re.Match[str]]:
    text = (spec.VENDORED / "README.md").read_text(encoding="utf-8")
    rows = [ROW.match(line) for line in text.splitlines() if line.startswith("| `")]
    assert rows and all(rows), "a provenance row does not have the expected shape"
    return {m["file"]: m for m in rows if m is not None}


def test_every_vendored_file_matches_its_provenance_row() -> None:
    table = provenance()
    on_disk = {
        p.relative_to(spec.VENDORED).as_posix()
        for p in spec.VENDORED.rglob("*")
        if p.is_file() and p.name != "README.md"
    }
    assert on_disk == set(table), "files and provenance rows differ"
    for name, row in table.items():
        digest = hashlib.sha256((spec.VENDORED / name).read_bytes()).hexdigest()
        assert digest == row["sha"], f"{name} differs from the upstream file"


def test_every_vendored_gateway_folder_carries_its_licence() -> None:
    table = provenance()
    for folder in {name.split("/")[0] for name in table}:
        licences = [n for n in table if n.split("/")[0] == folder and "LICENSE" in n]
        assert licences, f"specs/{folder} has no licence file"


def test_specs_whose_licence_forbids_it_are_not_vendored() -> None:
    assert not (spec.VENDORED / "braintree").exists()
    assert not (spec.VENDORED / "checkout").exists()


def test_lookup_prefers_vendored_then_cs_specs_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "stripe").mkdir()
    (tmp_path / "stripe" / "spec3.yaml").write_text("shadow")
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "here.json").write_text("{}")
    monkeypatch.setenv("CS_SPECS_DIR", str(tmp_path))
    assert spec.spec_path("stripe/spec3.yaml") == spec.VENDORED / "stripe" / "spec3.yaml"
    assert spec.spec_path("only/here.json") == tmp_path / "only" / "here.json"


def test_a_missing_spec_skips_with_its_reason_outside_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spec, "SHARED", tmp_path / "none")
    monkeypatch.delenv("CS_SPECS_DIR", raising=False)
    monkeypatch.delenv("CS_REQUIRE_SPECS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="CS_SPECS_DIR"):
        spec.spec_path("checkout/swagger.json")


def test_a_missing_spec_fails_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spec, "SHARED", tmp_path / "none")
    monkeypatch.delenv("CS_SPECS_DIR", raising=False)
    monkeypatch.setenv("CS_REQUIRE_SPECS", "1")
    with pytest.raises(AssertionError, match=r"checkout/swagger\.json"):
        spec.spec_path("checkout/swagger.json")
