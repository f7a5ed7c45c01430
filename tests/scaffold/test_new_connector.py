"""``connector-service new-connector``: what it refuses, what it writes, and that what it
writes is house-style code (ruff, ``mypy --strict``, its own unit tests green)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from connector_service.cli.main import main
from connector_service.scaffold import ScaffoldError, plan, validate_name

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LONGEST = "z" + "long_name9" * 3 + "x"  # 32 characters: the longest name allowed


@pytest.mark.parametrize(
    "bad",
    ["a", "Acme", "1pay", "acme-pay", "acme pay", "z" * 33, "acme_", "ac__me", "stripe", "sandbox"],
)
def test_bad_names_are_refused_naming_the_rule(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new-connector", bad, "--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "NAME" in err and repr(bad) in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_good_name_is_accepted() -> None:
    validate_name("acmepay")
    validate_name(LONGEST)


def test_layout_without_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-connector", "acmepay", "--dir", str(tmp_path)]) == 0
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {
        "acmepay_connector/__init__.py",
        "acmepay_connector/connector.py",
        "acmepay_connector/fake.py",
        "acmepay_connector/conformance.py",
        "acmepay_connector/fixtures/payment_authorized.json",
        "acmepay_connector/fixtures/payment_declined.json",
        "acmepay_connector/fixtures/refund_succeeded.json",
        "acmepay_connector/fixtures/error_not_capturable.json",
        "acmepay_connector/fixtures/event_payment_captured.json",
        "tests/test_acmepay_connector.py",
    }
    assert str(tmp_path / "acmepay_connector" / "connector.py") in capsys.readouterr().out


def test_the_module_keeps_the_house_section_order(tmp_path: Path) -> None:
    scaffold = plan("acmepay", tmp_path)
    module = scaffold.files[tmp_path / "acmepay_connector" / "connector.py"]
    sections = ["1. metadata", "2. auth", "3. builders", "4. parsers", "7. webhooks", "8. scrub"]
    positions = [module.index(f"# {'-' * 10}") >= 0 and module.index(s) for s in sections]
    assert positions == sorted(positions)
    tables = ["5. status maps", "6. error maps", "7. webhook tables"]
    assert [module.index(s) for s in tables] == sorted(module.index(s) for s in tables)
    assert "class AcmepayConnector(Connector):" in module and "$" not in module


def test_package_has_both_entry_points(tmp_path: Path) -> None:
    assert main(["new-connector", "acme_pay", "--package", "--dir", str(tmp_path)]) == 0
    pyproject = (tmp_path / "plugin-acme_pay" / "pyproject.toml").read_text()
    assert '[project.entry-points."connector_service.connectors"]' in pyproject
    assert 'acme_pay = "acme_pay_connector.connector:AcmePayConnector"' in pyproject
    assert '[project.entry-points."connector_service.conformance"]' in pyproject
    assert 'acme_pay = "acme_pay_connector.conformance:PROFILE"' in pyproject
    assert (tmp_path / "plugin-acme_pay" / "src" / "acme_pay_connector" / "fake.py").is_file()


def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    assert main(["new-connector", "acmepay", "--dir", str(tmp_path)]) == 0
    fake = tmp_path / "acmepay_connector" / "fake.py"
    fake.write_text("# edited by the author\n")
    (tmp_path / "tests" / "test_acmepay_connector.py").unlink()
    with pytest.raises(ScaffoldError, match="refusing to overwrite"):
        from connector_service.scaffold import write

        write(plan("acmepay", tmp_path))
    assert fake.read_text() == "# edited by the author\n"
    assert not (tmp_path / "tests" / "test_acmepay_connector.py").exists()  # nothing written
    assert main(["new-connector", "acmepay", "--dir", str(tmp_path)]) == 2


def _run(cmd: list[str], cwd: Path, **env: str) -> None:
    done = subprocess.run(
        cmd, cwd=cwd, capture_output=True, text=True, timeout=300, env={**os.environ, **env}
    )
    assert done.returncode == 0, f"{cmd}:\n{done.stdout}\n{done.stderr}"


@pytest.mark.parametrize("source", ["generated", "example"])
def test_generated_code_passes_ruff_mypy_and_its_own_tests(source: str, tmp_path: Path) -> None:
    """The longest allowed name still fits the line length; the example stays clean too."""
    if source == "generated":
        assert main(["new-connector", LONGEST, "--package", "--dir", str(tmp_path)]) == 0
        root = tmp_path / f"plugin-{LONGEST}"
    else:
        root = REPO / "examples" / "plugin-acmepay"
    _run([str(BIN / "ruff"), "check", "--no-cache", "."], root)
    _run([str(BIN / "ruff"), "format", "--check", "--no-cache", "."], root)
    _run([str(BIN / "mypy"), "--cache-dir", str(tmp_path / "mypy")], root)
    _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], root,
         PYTHONPATH=str(root / "src"))  # fmt: skip
