"""Copy the redistributable gateway specs into ``specs/`` and write its provenance table.

Why: the contract tests validate every request a connector builds against the gateway's
own published spec, and a user cloning the repository must have those specs. Only specs
whose upstream repository grants MIT, Apache-2.0 or BSD terms are copied (byte for byte,
beside their licence file); the rest are read from ``CS_SPECS_DIR`` when present
(``tests/contract/spec.py``). ``specs/README.md`` records, per file, the upstream
repository, path, commit and SHA-256; ``tests/unit/test_vendored_specs.py`` checks the
files against it.

    python scripts/vendor_specs.py [SOURCE_DIR]     # default: ../shared/specs
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "specs"


@dataclass(frozen=True)
class Source:
    file: str  # path under specs/
    repo: str  # upstream GitHub repository
    path: str  # path in that repository
    commit: str
    licence: str


ADYEN = "Adyen/adyen-openapi"
PAYPAL = "paypal/paypal-rest-api-specifications"
PAYPAL_COMMIT = "fb6f12627e27331d8fb9117a0bc077cef632cc69"

SOURCES = [
    Source("adyen/CheckoutService-v71.json", ADYEN, "json/CheckoutService-v71.json",
           "74fabab0628019206b77c4823776b726345a035d", "MIT"),
    Source("adyen/CheckoutService-v72.json", ADYEN, "json/CheckoutService-v72.json",
           "74fabab0628019206b77c4823776b726345a035d", "MIT"),
    Source("adyen/Webhooks-v1.json", ADYEN, "json/Webhooks-v1.json",
           "02d10c0110523a6a85ae331d2de5ab402c291095", "MIT"),
    Source("adyen/TokenizationNotification-v1.json", ADYEN,
           "json/TokenizationNotification-v1.json",
           "7d778859b9d07e6bca9d5d300f15f421938d1b64", "MIT"),
    Source("adyen/DisputeService-v30.json", ADYEN, "json/DisputeService-v30.json",
           "5fa78af1a0473933cbdcf3c3b2eed83dd76dd5b4", "MIT"),
    Source("adyen/LICENSE", ADYEN, "LICENSE", "aa014f0cbdb58ff5c44a2ff9d5fe734642210aff", "MIT"),
    Source("paypal/checkout_orders_v2.json", PAYPAL, "openapi/checkout_orders_v2.json",
           PAYPAL_COMMIT, "Apache-2.0"),
    Source("paypal/payments_payment_v2.json", PAYPAL, "openapi/payments_payment_v2.json",
           PAYPAL_COMMIT, "Apache-2.0"),
    Source("paypal/vault_payment_tokens_v3.json", PAYPAL, "openapi/vault_payment_tokens_v3.json",
           PAYPAL_COMMIT, "Apache-2.0"),
    Source("paypal/notifications_webhooks_v1.json", PAYPAL,
           "openapi/notifications_webhooks_v1.json", PAYPAL_COMMIT, "Apache-2.0"),
    Source("paypal/customer_disputes_v1.json", PAYPAL, "openapi/customer_disputes_v1.json",
           PAYPAL_COMMIT, "Apache-2.0"),
    Source("paypal/LICENSE", PAYPAL, "LICENSE", "ec4d8f36a6ab0abcc3865e1072aaddc85ea14d5c",
           "Apache-2.0"),
    Source("stripe/spec3.yaml", "stripe/openapi", "openapi/spec3.yaml",
           "63a674638635c68de26b9f3add13e58198f4df44", "MIT"),
    Source("stripe/LICENSE", "stripe/openapi", "LICENSE",
           "f6c2a48fbac2819d1feba8143d942ffc65e1c0d2", "MIT"),
    Source("square/api.json", "square/connect-api-specification", "api.json",
           "e83ac55f53288e4f527eb335c2080418dc7def27", "Apache-2.0"),
    Source("square/LICENSE", "square/connect-api-specification", "LICENSE",
           "5733f6624e9a5b930a8426f0e02a6bf7e35c6c0f", "Apache-2.0"),
    Source("paystack/paystack.yaml", "PaystackOSS/openapi", "dist/paystack.yaml",
           "1b37aae7dbf62343daf08933a7a5866ee9f94ca2", "MIT"),
    Source("paystack/LICENSE", "PaystackOSS/openapi", "LICENSE",
           "9678dea922a900b2485969592055ccf634460352", "MIT"),
    Source("rapyd/rapyd-openapi.yaml", "Rapyd-Samples/RapydOpenAPI", "rapyd-openapi.yaml",
           "f3121a7a3bb27858d85bdcc1954ef7fc92043d4e", "MIT"),
    Source("rapyd/LICENSE.md", "Rapyd-Samples/RapydOpenAPI", "LICENSE.md",
           "f3121a7a3bb27858d85bdcc1954ef7fc92043d4e", "MIT"),
]  # fmt: skip

HEADER = """\
# Vendored gateway specifications

The gateways' own published API specifications that their licences let us redistribute
(MIT or Apache-2.0), copied byte for byte from the upstream repositories with each
repository's licence file beside them. The contract tests validate every request a
connector builds against these (`tests/contract/spec.py`). Written by
`scripts/vendor_specs.py`; `tests/unit/test_vendored_specs.py` checks every file against
the SHA-256 below. These files keep their upstream licences, not this project's.
A spec's commit is the last one that changed it; a licence file's is the head of the
upstream snapshot it was copied from.

Not vendored, read from `CS_SPECS_DIR` when it is set (else `../shared/specs`), and the
tests needing them skip with the reason outside CI (`CS_REQUIRE_SPECS=1` makes a missing
spec a failure):

- `checkout/swagger.json`, `checkout/preview-crusoe-swagger.json` (Checkout.com): the
  repository's MIT licence is the template author's, while the spec's own `info.license`
  points to Checkout.com's terms: not a clear grant.
- `braintree/schema.graphql` (Braintree): the upstream repository has no licence.

| file | upstream repository | upstream path | commit | licence | sha256 |
|---|---|---|---|---|---|
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str]) -> int:
    source = Path(argv[1]) if len(argv) > 1 else ROOT.parent / "shared" / "specs"
    rows = []
    for item in SOURCES:
        dest = TARGET / item.file
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / item.file, dest)
        rows.append(
            f"| `{item.file}` | {item.repo} | `{item.path}` | {item.commit} | {item.licence} "
            f"| {sha256(dest)} |"
        )
    (TARGET / "README.md").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} files and specs/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
