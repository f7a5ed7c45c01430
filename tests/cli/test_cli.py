"""The command line as an operator meets it: help for every option, secrets off argv,
quiet when piped into ``head``, JSON logs from the first line, trace ids in log lines,
and no empty database created by a tool run from the wrong directory."""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from connector_service.cli.main import build_parser
from connector_service.config import TracingConfig, hash_key
from connector_service.observability import tracing
from connector_service.observability.logging import RedactingFormatter
from tests.conftest import start_service

CLI = [sys.executable, "-m", "connector_service.cli.main"]


def _parsers(
    parser: argparse.ArgumentParser, name: str
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _parsers(sub, f"{name} {sub_name}")


def test_every_option_and_argument_has_help() -> None:
    missing = []
    for name, parser in _parsers(build_parser(), "connector-service"):
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            if not action.help:
                missing.append(f"{name}: {action.option_strings or action.dest}")
    assert missing == []


def test_help_has_no_rst_markup() -> None:
    for name, parser in _parsers(build_parser(), "connector-service"):
        text = parser.format_help()
        assert "``" not in text, name
        assert ":class:" not in text and ":func:" not in text, name


def _run(
    args: list[str], stdin: str = "", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=env,
        timeout=60, check=False,
    )  # fmt: skip


def test_hash_key_reads_the_key_from_stdin() -> None:
    out = _run(["hash-key"], stdin="sk_caller_secret\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == hash_key("sk_caller_secret")


def test_hash_key_refuses_the_key_as_an_argument() -> None:
    out = _run(["hash-key", "sk_caller_secret"])
    assert out.returncode == 2
    assert "standard input" in out.stderr
    assert hash_key("sk_caller_secret") not in out.stdout


def test_hash_key_refuses_empty_input() -> None:
    out = _run(["hash-key"], stdin="")
    assert out.returncode == 2
    assert "no key" in out.stderr


def test_no_traceback_when_the_reader_closes_the_pipe() -> None:
    """The reader is gone before the first write (what `| head -1` leaves once head has
    exited): deterministic, unlike racing a real head."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        out = subprocess.run(
            [*CLI, "connectors"], stdout=write_end, stderr=subprocess.PIPE, env=env,
            timeout=60, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    err = out.stderr.decode()
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert out.returncode == 141


def test_connectors_piped_into_head() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CS_")}
    cmd = f"{sys.executable} -m connector_service.cli.main connectors | head -1"
    out = subprocess.run(
        ["bash", "-c", cmd], capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert len(out.stdout.splitlines()) == 1
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr


def test_first_log_lines_are_json(tmp_path: Path) -> None:
    svc = start_service(tmp_path)  # no callers: serve warns before uvicorn starts
    svc.stop()
    lines = [line for line in svc.log_path.read_text().splitlines() if line.strip()]
    assert lines, "the service logged nothing"
    parsed = [json.loads(line) for line in lines]  # every line, the first ones too
    assert any("no caller API keys" in entry["msg"] for entry in parsed)
    assert any("listening on" in entry["msg"] for entry in parsed)
    warnings = [entry["msg"] for entry in parsed if "id_key" in entry["msg"]]
    assert len(warnings) <= 1


def test_config_warnings_are_logged_once(tmp_path: Path) -> None:
    config = '[server]\nid_key = "a-literal-development-key"\n'
    svc = start_service(tmp_path, config)
    svc.stop()
    lines = [json.loads(line) for line in svc.log_path.read_text().splitlines() if line.strip()]
    literal = [entry for entry in lines if "server.id_key: a literal secret" in entry["msg"]]
    assert len(literal) == 1, lines


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("connector_service", logging.INFO, __file__, 1, message, (), None)


def test_trace_and_span_ids_in_log_lines_when_tracing_is_on() -> None:
    formatter = RedactingFormatter()
    assert "trace_id" not in json.loads(formatter.format(_record("untraced")))
    exporter = InMemorySpanExporter()
    assert tracing.configure(TracingConfig(), exporter=exporter)
    try:
        assert tracing.tracer is not None
        with tracing.tracer.start_as_current_span("work") as span:
            entry = json.loads(formatter.format(_record("inside a span")))
            context = span.get_span_context()
        outside = json.loads(formatter.format(_record("outside any span")))
    finally:
        tracing.shutdown()
    assert entry["trace_id"] == format(context.trace_id, "032x")
    assert entry["span_id"] == format(context.span_id, "016x")
    assert "trace_id" not in outside


def test_webhook_tools_do_not_create_an_empty_database(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = _run(["webhooks", "deliveries"], cwd=elsewhere)
    assert out.returncode == 2
    assert "no database at" in out.stderr
    assert str(elsewhere / "connector-service.db") in out.stderr
    assert list(elsewhere.iterdir()) == []
    # migrate creates the storage on purpose; then the listing works (and is empty)
    assert _run(["migrate"], cwd=elsewhere).returncode == 0
    listed = _run(["webhooks", "deliveries", "--json"], cwd=elsewhere)
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == {
        "object": "list",
        "data": [],
        "has_more": False,
        "next_cursor": None,
    }
