"""docs/openapi.json passes Redocly CLI's recommended ruleset with 0 errors.

Why Redocly (``tools/openapi-lint``, MIT): one self-contained npm package (no dependency
tree to audit), OpenAPI 3.1 with ``webhooks``, and a JSON report the test can read.
Skipped when npm is missing, unless ``CS_REQUIRE_NODE`` is set (CI): ``npm_tools``.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.server import npm_tools

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "openapi-lint"
DOCUMENT = ROOT / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def redocly() -> Path:
    return npm_tools.installed(TOOL) / "redocly"


def lint(redocly: Path, document: Path) -> dict[str, Any]:
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    done = subprocess.run(
        [str(redocly), "lint", "--config", str(TOOL / "redocly.yaml"), "--format=json",
         str(document)],
        capture_output=True, text=True, env=env, cwd=TOOL, timeout=300,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_the_document_has_no_lint_errors(redocly: Path) -> None:
    report = lint(redocly, DOCUMENT)
    problems = [
        f"{p['severity']} {p['ruleId']}: {p['message']} at "
        f"{[loc.get('pointer') for loc in p.get('location', [])]}"
        for p in report["problems"]
    ]
    print("\n".join(problems))  # warnings are shown with -s; the report lists them
    assert report["totals"]["errors"] == 0, problems
    assert report["totals"]["warnings"] == 0, problems


def test_the_linter_reports_a_broken_document(redocly: Path, tmp_path: Path) -> None:
    # Proof that the linter runs with its rules: a dangling $ref and a duplicated
    # operationId are errors under the recommended ruleset.
    doc = copy.deepcopy(json.loads(DOCUMENT.read_text()))
    op = doc["paths"]["/v1/payments"]["post"]
    op["responses"]["201"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/NoSuchThing"
    }
    doc["paths"]["/v1/payments/{id}"]["get"]["operationId"] = op["operationId"]
    broken = tmp_path / "openapi.json"
    broken.write_text(json.dumps(doc))
    report = lint(redocly, broken)
    rules = {p["ruleId"] for p in report["problems"] if p["severity"] == "error"}
    assert report["totals"]["errors"] >= 2
    assert {"no-unresolved-refs", "operation-operationId-unique"} <= rules, rules
