"""openapi-typescript with its default options turns docs/openapi.json into types under
which a minimal ``createPayment`` (only the required fields) compiles with ``tsc --strict``.

Why: generators are how most clients meet the document; a ``default: null`` or a body
typed too loosely or too tightly shows up here as a compile error, not in a user's build.
The tools are the TypeScript SDK's own devDependencies (``sdk/typescript``).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.server import npm_tools

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / "sdk" / "typescript"
DOC = json.loads((ROOT / "docs" / "openapi.json").read_text())
CREATE = DOC["paths"]["/v1/payments"]["post"]
CREATE_BODY = CREATE["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/")[-1]
REQUIRED_ONLY = CREATE["requestBody"]["content"]["application/json"]["example"]

PROGRAM = """import type {{ paths }} from "./schema.js";

type Create = paths["/v1/payments"]["post"];
type Body = NonNullable<Create["requestBody"]>["content"]["application/json"];
type Created = Create["responses"][201]["content"]["application/json"];

declare function createPayment(body: Body): Promise<Created>;

export async function main(): Promise<string> {{
  const payment = await createPayment({body});
  return payment.id + payment.status;
}}
"""


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    bin_dir = npm_tools.installed(SDK)
    out = tmp_path_factory.mktemp("ts")
    subprocess.run(
        [str(bin_dir / "openapi-typescript"), str(ROOT / "docs" / "openapi.json"),
         "-o", str(out / "schema.ts")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return out


def compile_call(directory: Path, body: object) -> subprocess.CompletedProcess[str]:
    (directory / "main.ts").write_text(PROGRAM.format(body=json.dumps(body, indent=2)))
    return subprocess.run(
        [str(SDK / "node_modules" / ".bin" / "tsc"), "--noEmit", "--strict",
         "--target", "ES2022", "--module", "NodeNext", "--moduleResolution", "NodeNext",
         "--skipLibCheck", "main.ts"],
        cwd=directory, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_minimal_create_payment_compiles(schema: Path) -> None:
    assert set(REQUIRED_ONLY) == set(DOC["components"]["schemas"][CREATE_BODY]["required"])
    done = compile_call(schema, REQUIRED_ONLY)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_create_payment_without_a_required_field_does_not(schema: Path) -> None:
    # Proof that the types constrain the call: without ``amount`` tsc must refuse it.
    body = {k: v for k, v in REQUIRED_ONLY.items() if k != "amount"}
    done = compile_call(schema, body)
    assert done.returncode != 0 and "amount" in done.stdout, done.stdout
