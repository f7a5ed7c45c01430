"""schemathesis over the whole OpenAPI document, against the real service (sandbox account).

schemathesis runs from its own virtualenv (``make schemathesis``: ``.venv-schemathesis``
from ``requirements/schemathesis.lock``), never from the test venv: its dependencies
(``jsonschema_rs``, hypothesis, ...) would otherwise change the behaviour of other tests'
(the PayPal contract tests break). The run is bounded (``--max-examples`` per operation, a
fixed seed so CI is repeatable; ``CS_SCHEMATHESIS_SEED`` picks another) and must end with
0 server errors, 0 response-schema mismatches and 0 undocumented status codes.

Without that venv the test skips, unless ``CS_REQUIRE_SCHEMATHESIS`` is set (``.ci/run``
sets it): then the skip is a failure, so CI proves the run happened.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from connector_service.config import hash_key
from tests.conftest import ServiceProcess, start_service

ROOT = Path(__file__).resolve().parents[2]
ST_VENV = Path(os.environ.get("CS_SCHEMATHESIS_VENV", ROOT / ".venv-schemathesis"))
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
MAX_EXAMPLES = 10
SEED = os.environ.get("CS_SCHEMATHESIS_SEED", "20251202")


@pytest.fixture(scope="module")
def st_cli() -> Path:
    st = ST_VENV / "bin" / "st"
    if not st.exists():
        reason = f"schemathesis is not installed at {st} (run `make schemathesis`)"
        if os.environ.get("CS_REQUIRE_SCHEMATHESIS"):
            pytest.fail(f"CS_REQUIRE_SCHEMATHESIS is set but {reason}")
        pytest.skip(reason)
    return st


# As deployed: callers need an API key (a fresh one per run); this one may use every
# operation, the operator endpoints under /v1/admin included.
API_KEY = secrets.token_urlsafe(24)
CONFIG = f"""
[[accounts]]
id = "sandbox"
connector = "sandbox"

[[callers]]
id = "schemathesis"
key_sha256 = "{hash_key(API_KEY)}"
admin = true
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    svc = start_service(
        tmp_path_factory.mktemp("schemathesis"), CONFIG, env={"CS_GRPC_ENABLED": "0"}
    )
    yield svc
    svc.stop()


@dataclass
class Run:
    returncode: int
    output: str
    tests: int
    failures: int
    errors: int


def run_schemathesis(st: Path, location: str, base_url: str, tmp: Path, *args: str) -> Run:
    junit = tmp / "junit.xml"
    cmd = [
        str(st), "run", location, "--url", base_url, "--checks", CHECKS,
        "--seed", SEED, "--generation-database", "none", "--request-timeout", "10",
        "--no-color", "--report", "junit", "--report-junit-path", str(junit),
        "--header", f"Authorization: Bearer {API_KEY}", *args,
    ]  # fmt: skip
    # A hang guard, not a timing assertion: the bounded run takes well under a minute.
    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=600)
    output = proc.stdout + proc.stderr
    assert junit.exists(), f"schemathesis wrote no JUnit report:\n{output}"
    suites = ET.parse(junit).getroot()
    return Run(
        proc.returncode,
        output,
        int(suites.get("tests", "0")),
        int(suites.get("failures", "0")),
        int(suites.get("errors", "0")),
    )


def test_whole_document_has_no_server_errors_or_schema_mismatches(
    st_cli: Path, service: ServiceProcess, tmp_path: Path
) -> None:
    with urllib.request.urlopen(service.url + "/openapi.json") as resp:  # needs no key
        operations = sum(len(ops) for ops in json.load(resp)["paths"].values())
    # the key schemathesis sends is accepted (else every answer would be a conformant 401)
    authorized = urllib.request.Request(
        service.url + "/v1/admin/breakers", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    try:
        with urllib.request.urlopen(authorized) as resp:
            assert resp.status == 200
    except urllib.error.HTTPError as exc:
        pytest.fail(f"the API key was refused: {exc.code} {exc.read()!r}\n{service.logs()}")
    # One worker: with two threads, hypothesis' lambda descriptions (drawn for the query
    # parameters) parse source with ``ast`` concurrently, which this CPython 3.11 build
    # reports as "AST constructor recursion depth mismatch" (ast is not thread-safe there).
    run = run_schemathesis(
        st_cli, service.url + "/openapi.json", service.url, tmp_path,
        "--max-examples", str(MAX_EXAMPLES), "--workers", "1",
    )  # fmt: skip
    assert run.failures == 0 and run.errors == 0 and run.returncode == 0, run.output
    # every documented operation was exercised (JUnit has one case per operation, plus
    # one for the stateful phase)
    assert run.tests >= operations, run.output
    assert "Traceback" not in service.logs()


def test_harness_reports_a_response_schema_mismatch(
    st_cli: Path, service: ServiceProcess, tmp_path: Path
) -> None:
    """The run above can fail: the same harness over a document whose ConnectorList
    demands a property the service never sends reports the mismatch."""
    with urllib.request.urlopen(service.url + "/openapi.json") as resp:
        doc = json.load(resp)
    listing = doc["components"]["schemas"]["ConnectorList"]
    listing["properties"]["no_such_property"] = {"type": "string"}
    listing["required"] = [*listing.get("required", []), "no_such_property"]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(doc))
    run = run_schemathesis(
        st_cli, str(broken), service.url, tmp_path,
        "--include-path", "/v1/connectors", "--max-examples", "1", "--phases", "fuzzing",
    )  # fmt: skip
    assert run.returncode != 0 and run.failures >= 1, run.output
    assert "no_such_property" in run.output
