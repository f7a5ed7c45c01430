"""The sandbox gateway's webhooks: its own scheme, documented like a gateway would.

When a payment, refund, mandate or dispute changes, the sandbox sends::

    POST <service>/v1/webhooks/sandbox/<account>
    Content-Type: application/json
    Sandbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

    {"id": "sbevt_…", "type": "payment.captured", "account": "<account>",
     "created": <unix seconds>, "livemode": false,
     "data": {"object": {…the sandbox's payment / refund / mandate / dispute record…}}}

Types: ``payment.authorized``, ``payment.captured`` (full or partial), ``payment.declined``,
``payment.voided``, ``payment.pending``, ``payment.requires_authentication``,
``refund.succeeded``, ``mandate.active``, ``mandate.declined``, ``mandate.revoked``,
``dispute.created``, ``dispute.updated`` (evidence submitted), ``dispute.won``,
``dispute.lost``, ``dispute.accepted``. Receivers must reject a timestamp more than five
minutes away from their clock; several ``v1=`` entries may appear while a secret is being rotated.

The secret is the account's ``webhook_secret`` credential or, when it has none, one
derived from the service's ``id_key`` and the account id (:func:`default_secret`), so the
sandbox works with no configuration and every instance agrees on it.
"""

from __future__ import annotations

import hashlib
import hmac

TOLERANCE_SECONDS = 300
HEADER = "Sandbox-Signature"


def default_secret(id_key: bytes, account: str) -> str:
    digest = hmac.new(id_key, f"sandbox-webhook-secret\x00{account}".encode(), hashlib.sha256)
    return "sbwhsec_" + digest.hexdigest()[:40]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Sandbox-Signature`` header value."""
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"
