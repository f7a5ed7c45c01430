from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from connector_service.cli.main import main
from connector_service.config import ConfigError, hash_key, load_config


def test_defaults_give_a_sandbox_on_loopback() -> None:
    config = load_config(data={})
    assert list(config.accounts) == ["sandbox"]
    assert config.server.host == "127.0.0.1" and config.callers == {}


def test_no_callers_forces_loopback_with_a_warning() -> None:
    config = load_config(data={"server": {"host": "0.0.0.0"}})
    assert config.server.host == "127.0.0.1"
    assert any("binding to 127.0.0.1" in w for w in config.warnings)
    keyed = load_config(data={
        "server": {"host": "0.0.0.0"},
        "callers": [{"id": "a", "key_sha256": hash_key("k")}],
    })  # fmt: skip
    assert keyed.server.host == "0.0.0.0"


def test_secrets_from_env_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from connector_service.connectors.base import CredentialField
    from connector_service.connectors.sandbox import SandboxConnector

    class Keyed(SandboxConnector):
        meta = dataclasses.replace(
            SandboxConnector.meta,
            name="keyed",
            credential_fields=(CredentialField("api_key", "key"), CredentialField("other", "x")),
        )

    (tmp_path / "secret").write_text("from-file\n")
    monkeypatch.setenv("MY_KEY", "from-env")
    config = load_config(
        data={"accounts": [{"id": "k", "connector": "keyed", "credentials": {
            "api_key": {"env": "MY_KEY"}, "other": {"file": str(tmp_path / "secret")}}}]},
        connectors={"keyed": Keyed()},
    )  # fmt: skip
    creds = config.accounts["k"].credentials
    assert creds["api_key"].reveal() == "from-env"
    assert creds["other"].reveal() == "from-file"
    assert "from-env" not in repr(config)


def test_every_problem_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        """
default_account = "ghost"
[[accounts]]
id = "s1"
connector = "sandbox"
[[accounts]]
id = "s1"
connector = "sandbox"
[[accounts]]
id = "x"
connector = "no-such-gateway"
[[accounts]]
id = "y"
connector = "sandbox"
options = { colour = "blue" }
credentials = { api_key = { env = "CS_TEST_UNSET_VARIABLE" } }
[[accounts]]
id = "bad id!"
connector = "sandbox"
[[callers]]
id = "c"
key_sha256 = "{key}"
accounts = ["nowhere"]
[[callers]]
id = "d"
key_sha256 = "short"
""".replace("{key}", hash_key("k"))
    )
    assert main(["config", "check", str(path)]) == 1
    out = capsys.readouterr().out
    for expected in [
        "duplicate account id",
        "unknown connector 'no-such-gateway'",
        "has no option 'colour'",
        "CS_TEST_UNSET_VARIABLE is not set",
        "has no credential 'api_key'",
        "accounts[4]",
        "unknown account 'nowhere'",
        "callers[1]",
        "default_account: unknown account 'ghost'",
    ]:
        assert expected in out, (expected, out)
    with pytest.raises(ConfigError):
        load_config(path)


def test_config_check_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.toml"
    path.write_text('[[accounts]]\nid = "main"\nconnector = "sandbox"\n')
    assert main(["config", "check", str(path)]) == 0
    assert "ok: 1 account(s)" in capsys.readouterr().out


def test_invalid_toml_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[[accounts]\n")
    assert main(["config", "check", str(path)]) == 1
    assert "invalid TOML" in capsys.readouterr().out


def test_connectors_command_lists_the_sandbox(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["connectors", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "Sandbox (`sandbox`)" in out and "| connector |" in out
