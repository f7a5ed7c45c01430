"""``config check`` names every problem in one run, and every start-up failure of
``serve`` is one clear (JSON) line on stderr with a non-zero exit: real subprocesses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port

BROKEN = """
[server]
port = "x"
workers = 0
bogus = 1
[storage]
url = "mysql://x"
[breaker]
min_calls = -1
[[accounts]]
id = "a b"
connector = "sandbox"
[[callers]]
id = "c"
key_sha256 = "zz"
[extra]
x = 1
"""


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "connector_service.cli.main", *args],
        cwd=cwd, env=full, input=stdin, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_config_check_names_every_problem_in_one_run(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(BROKEN)
    out = _cli("config", "check", "bad.toml", cwd=tmp_path)
    errors = [line for line in out.stdout.splitlines() if line.startswith("error: ")]
    assert out.returncode == 1
    expected = [
        "server: unknown field 'bogus'",
        "server.port: Expected `int`, got `str`",
        "server.workers: Expected `int` >= 1",
        "breaker.min_calls: Expected `int` >= 1",
        "unknown section 'extra'",
        "storage.url: unsupported scheme 'mysql'",
        "accounts[0].id:",
        "callers[0].key_sha256:",
    ]
    for text in expected:
        assert any(text in line for line in errors), (text, out.stdout)
    assert len(errors) == len(expected)
    assert f"{len(expected)} problem(s) found" in out.stdout


@pytest.mark.parametrize(
    "url", ["memory://", "sqlite:///./x.db", "postgresql://u@127.0.0.1/db", "postgres://h/d"]
)
def test_supported_storage_urls_pass(tmp_path: Path, url: str) -> None:
    out = _cli("config", "check", cwd=tmp_path, env={"CS_STORAGE_URL": url})
    assert out.returncode == 0, out.stdout
    assert out.stdout.startswith("ok: ")


def test_bad_environment_integers_are_problems_not_tracebacks(tmp_path: Path) -> None:
    out = _cli("config", "check", cwd=tmp_path, env={"CS_PORT": "abc", "CS_WORKERS": "0"})
    assert out.returncode == 1
    assert "error: CS_PORT: expected an integer, got 'abc'" in out.stdout
    assert "error: CS_WORKERS:" in out.stdout
    assert "Traceback" not in out.stderr


def test_connect_reports_unreachable_storage(tmp_path: Path) -> None:
    dead = f"postgresql://postgres:hunter22@127.0.0.1:{free_port()}/nothing"
    out = _cli("config", "check", "--connect", cwd=tmp_path, env={"CS_STORAGE_URL": dead})
    assert out.returncode == 1
    assert "error: storage postgresql://…@127.0.0.1" in out.stdout
    assert "cannot connect" in out.stdout
    assert "hunter22" not in out.stdout + out.stderr
    # without --connect the same file is fine: the URL itself is well formed
    assert _cli("config", "check", cwd=tmp_path, env={"CS_STORAGE_URL": dead}).returncode == 0


def test_connect_reaches_postgres(tmp_path: Path, postgres_dsn: str) -> None:
    out = _cli("config", "check", "--connect", cwd=tmp_path, env={"CS_STORAGE_URL": postgres_dsn})
    assert out.returncode == 0, out.stdout


def test_connect_sqlite_directory_missing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/no/such/dir/x.db"
    out = _cli("config", "check", "--connect", cwd=tmp_path, env={"CS_STORAGE_URL": url})
    assert out.returncode == 1
    assert "does not exist" in out.stdout
    assert not (tmp_path / "no").exists()


def _one_error_line(out: subprocess.CompletedProcess[str]) -> str:
    """The start-up failure: JSON lines only, exactly one of them an error, no traceback."""
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    lines = [json.loads(line) for line in out.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line["level"] == "error"]
    assert len(errors) == 1, out.stderr
    message: str = errors[0]["msg"]
    assert message.startswith("cannot start: ")
    return message


def _serve_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "CS_PORT": str(free_port()),
        "CS_GRPC_ENABLED": "0",
        "CS_STORAGE_URL": f"sqlite:///{tmp_path / 'svc.db'}",
        **extra,
    }


def test_serve_unreachable_postgres_is_one_line(tmp_path: Path) -> None:
    dead = f"postgresql://postgres:hunter22@127.0.0.1:{free_port()}/nothing"
    out = _cli("serve", cwd=tmp_path, env=_serve_env(tmp_path, CS_STORAGE_URL=dead))
    message = _one_error_line(out)
    assert "storage postgresql://…@127.0.0.1" in message
    assert "hunter22" not in out.stderr


def test_serve_bad_config_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text(BROKEN)
    env = _serve_env(tmp_path)
    del env["CS_STORAGE_URL"]  # the file's mysql:// URL is one of the problems
    out = _cli("serve", "--config", "bad.toml", cwd=tmp_path, env=env)
    message = _one_error_line(out)
    assert "8 configuration problem(s)" in message
    assert "unsupported scheme 'mysql'" in message
    assert not (tmp_path / "connector-service.db").exists()


def test_serve_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = _cli("serve", cwd=tmp_path, env=_serve_env(tmp_path, CS_PORT=str(port)))
    message = _one_error_line(out)
    assert f"cannot listen on 127.0.0.1:{port}" in message


def test_serve_bad_id_key_is_one_line(tmp_path: Path) -> None:
    config = '[server]\nid_key = { env = "CS_TEST_NOT_SET_ANYWHERE" }\n'
    (tmp_path / "c.toml").write_text(config)
    out = _cli("serve", "--config", "c.toml", cwd=tmp_path, env=_serve_env(tmp_path))
    message = _one_error_line(out)
    assert message.count("server.id_key") == 1
    assert "CS_TEST_NOT_SET_ANYWHERE is not set" in message


def test_serve_empty_id_key_is_refused(tmp_path: Path) -> None:
    out = _cli("serve", cwd=tmp_path, env=_serve_env(tmp_path, CS_ID_KEY=" "))
    assert "server.id_key: empty" in _one_error_line(out)
