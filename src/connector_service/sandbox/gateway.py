"""The simulated gateway behind the ``sandbox`` connector.

Test cards (any future expiry, any 3-digit CVC) choose the behaviour; every other
Luhn-valid number succeeds. The table is the documentation: README.md is generated
from it.

It must behave like a real gateway when the service crashes or re-sends, so a POST
with an ``Idempotency-Key`` never has an effect twice:

1. The key is *claimed* first, in one atomic write holding a keyed hash of the request
   (never the request: it carries the card number and CVC) and a random *token*.
2. Every object the request creates gets an id derived from that token, and each object
   is committed with one atomic create-if-absent write (the charge *is* that write).
   State changes (capture, void, refund) record the token in the object they change, in
   the same write.
3. The answer is stored on the claim.

A re-sent request whose claim has no answer yet (the first process died, or is still
running) resumes with the same token: the create-if-absent write finds the object the
first attempt committed, so the second attempt answers with it instead of charging
again. There is no moment at which a charge exists that a retry with the same key cannot
find.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import hashlib
import hmac
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from connector_service.connectors.base import Headers, HttpRequest, HttpResponse
from connector_service.domain.payment_methods import detect_brand
from connector_service.domain.splits import split_refund
from connector_service.executor.http import OutcomeUnknown, Timeouts
from connector_service.sandbox import methods, webhooks
from connector_service.storage.base import Storage

NS = "sandbox"
log = logging.getLogger("connector_service.sandbox")
# The connector account a request comes from (the ``Sandbox-Account`` header): the
# account whose webhook URL hears about the objects the request creates.
_ACCOUNT: contextvars.ContextVar[str | None] = contextvars.ContextVar("account", default=None)
# The claim token of the idempotent request being served (see the module docstring):
# the ids of what it creates derive from it, so a resumed attempt finds them.
_TOKEN: contextvars.ContextVar[str | None] = contextvars.ContextVar("token", default=None)
_SEQ: contextvars.ContextVar[dict[str, int] | None] = contextvars.ContextVar("seq", default=None)
# account, headers, body -> sent (raises when the receiver did not take it)
WebhookSink = Callable[[str, dict[str, str], bytes], Awaitable[None]]
WEBHOOK_RETRY_DELAYS = (0.0, 0.5, 2.0, 5.0)  # best effort, like a gateway (shortened)


@dataclass(frozen=True, slots=True)
class TestCard:
    number: str
    behaviour: str
    description: str


TEST_CARDS: tuple[TestCard, ...] = (
    TestCard("4242424242424242", "success", "Visa: succeeds"),
    TestCard("5555555555554444", "success", "Mastercard: succeeds"),
    TestCard("378282246310005", "success", "American Express: succeeds"),
    TestCard("4000000000003253", "challenge",
             "3-D Secure challenge: `requires_action` with a redirect to the service's "
             "own challenge page; completing it authorizes, failing it declines"),
    TestCard("4000000000009995", "insufficient_funds",
             "Soft decline: `insufficient_funds` (category `soft`, advice code 02)"),
    TestCard("4000000000000127", "incorrect_cvc", "Soft decline: `incorrect_cvc`"),
    TestCard("4000000000000002", "stolen_card",
             "Hard decline: `stolen_card` (category `hard`, advice code 03)"),
    TestCard("4000000000000069", "expired_card", "Hard decline: `expired_card`"),
    TestCard("4000000000000770", "processing",
             "`processing` at first; the next sync finds it succeeded"),
    TestCard("4000000000000119", "unavailable",
             "The gateway answers 503 (unavailable, nothing was charged)"),
    TestCard("4000000000001000", "slow", "Succeeds after 1.5 seconds"),
    TestCard("4000000000000259", "dispute",
             "Succeeds, then the cardholder disputes it (`needs_response`, a `dispute.opened` "
             "webhook). Evidence moves it to `under_review`; evidence text containing "
             "`winning_evidence` then wins it, `losing_evidence` loses it (each with its "
             "webhook); accepting it makes it `accepted`"),
    TestCard("4000000000006975", "increment_declines",
             "Authorizes; raising the authorization (`POST /v1/payments/{id}/increment`) "
             "declines with `insufficient_funds` and leaves it as it was"),
    TestCard("4000000000005555", "timeout",
             "The gateway charges, then never answers: the payment comes back "
             "`unresolved` and a later sync finds it succeeded"),
)  # fmt: skip

BEHAVIOUR = {card.number: card.behaviour for card in TEST_CARDS}

DECLINES: dict[str, tuple[str, str, str | None]] = {
    # behaviour: (decline_code, message, network advice code)
    "insufficient_funds": ("insufficient_funds", "The card has insufficient funds.", "02"),
    "incorrect_cvc": ("incorrect_cvc", "The card's security code is incorrect.", None),
    "stolen_card": ("stolen_card", "The card was reported stolen.", "03"),
    "expired_card": ("expired_card", "The card has expired.", None),
    "revoked": ("revocation_of_authorization", "The customer revoked the mandate.", "03"),
    "authentication_failed": ("authentication_failed", "3-D Secure authentication failed.", None),
}

SLOW_SECONDS = 1.5
DISPUTE_INDEX_MAX = 1000  # disputes an account's list remembers (newest first)

_enc = msgspec.json.Encoder()
# Canonical form for fingerprints: keys sorted, so equal requests hash equally.
_canonical = msgspec.json.Encoder(order="sorted")


class GatewayAnswer(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body


def _err(
    status: int, type_: str, code: str, message: str, param: str | None = None
) -> GatewayAnswer:
    error: dict[str, Any] = {"type": type_, "code": code, "message": message}
    if param:
        error["param"] = param
    return GatewayAnswer(status, {"error": error})


def _new_id(prefix: str) -> str:
    """A fresh id, or inside an idempotent request one derived from its claim token, so
    that a resumed attempt names (and therefore finds) the objects the first one made."""
    token, seq = _TOKEN.get(), _SEQ.get()
    if token is None or seq is None or prefix in ("req", "sbevt"):
        return f"{prefix}_{uuid.uuid4().hex[:24]}"
    n = seq[prefix] = seq.get(prefix, 0) + 1  # the same request makes the same objects
    return f"{prefix}_{hashlib.sha256(f'{token}:{prefix}:{n}'.encode()).hexdigest()[:24]}"


class _IdemClaim:
    """The atomic decision on one idempotency record: new claim, resume, replay, reuse."""

    def __init__(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.token = ""
        self.replay: tuple[int, dict[str, Any]] | None = None
        self.reused = False

    def __call__(self, old: bytes | None) -> bytes:
        if old is not None:
            record = msgspec.json.decode(old)
            if record.get("fingerprint") != self.fingerprint:
                self.reused = True
                return old
            if record.get("status"):
                self.replay = int(record["status"]), dict(record["body"])
                return old
            self.token = str(record["token"])  # resume what an earlier attempt began
            return old
        self.token = uuid.uuid4().hex
        return _enc.encode({"fingerprint": self.fingerprint, "token": self.token})


class SandboxGateway:
    """Implements the executor's transport protocol for ``sandbox://`` URLs."""

    def __init__(
        self,
        storage: Storage,
        fingerprint_key: bytes | None = None,
        *,
        debit_settle_seconds: float = methods.DEBIT_SETTLE_SECONDS,
    ) -> None:
        self.storage = storage
        self.debit_settle_seconds = debit_settle_seconds  # [sandbox] debit_settle_seconds
        # Key of the idempotency fingerprints (HMAC-SHA256). Instances sharing a database
        # must share it (the runtime derives it from the service's id_key); a hash with a
        # known key over a card number would be guessable, so it never is stored.
        self._fp_key = hmac.new(
            fingerprint_key or os.urandom(32), b"sandbox-idempotency-fingerprint", hashlib.sha256
        ).digest()
        # Webhooks are sent only once the service wires these (see webhooks/system.py).
        self.webhook_sink: WebhookSink | None = None
        self.webhook_secret: Callable[[str], str | None] | None = None
        self._webhook_tasks: set[asyncio.Task[None]] = set()

    # ---- transport entry point

    async def send(self, request: HttpRequest, timeouts: Timeouts) -> HttpResponse:
        started = time.perf_counter()
        try:
            status, body = await asyncio.wait_for(
                self._dispatch(request), timeout=request.timeout or timeouts.read
            )
        except TimeoutError:
            raise OutcomeUnknown(
                "the sandbox gateway did not answer in time; the outcome is unknown "
                "until the payment is synced"
            ) from None
        return HttpResponse(
            status=status,
            headers=Headers({"content-type": "application/json", "request-id": _new_id("req")}),
            body=_enc.encode(body),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    async def _dispatch(self, request: HttpRequest) -> tuple[int, dict[str, Any]]:
        path = request.url.split("://", 1)[-1].split("/", 1)[-1]
        path, _, query = path.partition("?")
        parts = path.strip("/").split("/")
        try:
            payload = msgspec.json.decode(request.body) if request.body else {}
        except msgspec.DecodeError:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "invalid_json",
                    "message": "Body is not JSON.",
                }
            }
        key = request.headers.get("Idempotency-Key")
        _ACCOUNT.set(request.headers.get("Sandbox-Account"))
        try:
            if request.method == "POST" and key:
                return await self._idempotent(key, request, payload, parts)
            if request.method == "GET" and parts == ["v1", "disputes"]:
                return 200, await self.list_disputes(dict(parse_qsl(query)))
            return 200, await self._route(request.method, parts, payload)
        except GatewayAnswer as answer:
            return answer.status, answer.body

    def fingerprint(self, method: str, path: str, payload: dict[str, Any]) -> str:
        """Keyed hash of the request's canonical form: it tells an identical request
        from a different one and reveals nothing of the card it carried."""
        canonical = _canonical.encode([method, path, payload])
        return hmac.new(self._fp_key, canonical, hashlib.sha256).hexdigest()

    async def _idempotent(
        self, key: str, request: HttpRequest, payload: dict[str, Any], parts: list[str]
    ) -> tuple[int, dict[str, Any]]:
        fp = self.fingerprint(request.method, "/".join(parts), payload)
        claim = _IdemClaim(fp)
        await self.storage.update(NS + ":idem", key, claim, ttl=86400)
        if claim.reused:
            return 400, {
                "error": {
                    "type": "idempotency_error",
                    "code": "idempotency_key_reused",
                    "message": "Keys must not be reused with other parameters.",
                }
            }
        if claim.replay is not None:
            return claim.replay
        _TOKEN.set(claim.token)
        _SEQ.set({})
        try:
            status, body = 200, await self._route(request.method, parts, payload)
        except GatewayAnswer as answer:
            status, body = answer.status, answer.body
        finally:
            _TOKEN.set(None)
            _SEQ.set(None)

        def finish(old: bytes | None) -> bytes | None:
            if old is None or msgspec.json.decode(old).get("token") != claim.token:
                return old  # expired and claimed anew meanwhile: not ours to answer
            if status >= 500:
                return None  # nothing was done: the key is free again
            done = {"fingerprint": fp, "token": claim.token, "status": status, "body": body}
            return _enc.encode(done)

        await self.storage.update(NS + ":idem", key, finish, ttl=86400)
        return status, body

    async def _route(self, method: str, parts: list[str], p: dict[str, Any]) -> dict[str, Any]:
        match method, parts:
            case "POST", ["v1", "payments"]:
                return await self.create_payment(p)
            case "GET", ["v1", "payments", "by-reference", reference]:
                raw = await self.storage.get(NS, f"payment_ref:{reference}")
                if raw is None:
                    raise _err(
                        404,
                        "invalid_request_error",
                        "resource_missing",
                        f"No payment with reference {reference}",
                    )
                return await self.get_payment(raw.decode())
            case "GET", ["v1", "payments", pid]:
                return await self.get_payment(pid)
            case "POST", ["v1", "payments", pid, "capture"]:
                return await self.capture(pid, p)
            case "POST", ["v1", "payments", pid, "increment"]:
                return await self.increment(pid, p)
            case "GET", ["v1", "customers", customer, "mandates"]:
                return await self.list_mandates(customer)
            case "POST", ["v1", "payments", pid, "void"]:
                return await self.void(pid)
            case "POST", ["v1", "payments", pid, "refunds"]:
                return await self.refund(pid, p)
            case "GET", ["v1", "refunds", rid]:
                return await self._load("refund", rid)
            case "POST", ["v1", "payments", pid, "customer"]:
                return await self.customer_acts(pid, p.get("result") == "approve")
            case "POST", ["v1", "scans"]:
                return await self.scan(str(p.get("payload", "")))
            case "POST", ["v1", "vouchers", number, "pay"]:
                return await self.pay_voucher(number)
            case "POST", ["v1", "mandates"]:
                return await self.create_mandate(p)
            case "POST", ["v1", "mandates", mid, "revoke"]:
                return await self.revoke_mandate(mid)
            case "GET", ["v1", "disputes", did]:
                return await self._load("dispute", did)
            case "POST", ["v1", "disputes", did, "evidence"]:
                return await self.dispute_evidence(did, p)
            case "POST", ["v1", "disputes", did, "accept"]:
                return await self.accept_dispute(did)
            case "GET", ["v1", "balances", destination]:
                return await self.balance(destination)
        raise _err(404, "invalid_request_error", "not_found", "Unknown endpoint.")

    # ---- ledger helpers

    async def _load(self, kind: str, rid: str) -> dict[str, Any]:
        raw = await self.storage.get(NS, f"{kind}:{rid}")
        if raw is None:
            raise _err(404, "invalid_request_error", "resource_missing", f"No such {kind}: {rid}")
        record: dict[str, Any] = msgspec.json.decode(raw)
        return record

    async def _create(self, kind: str, record: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Commit a new ledger object in one atomic create-if-absent write. Returns the
        stored object and whether this call created it: ``False`` means an earlier
        attempt of the same idempotent request already did (its id derives from the
        claim token), and that object is the answer."""
        if kind == "payment" and record.get("reference"):
            # The reference index first: a payment it points to may not exist yet (then
            # a sync by reference says "no such payment", which is true), never the
            # other way round.
            await self.storage.put(NS, f"payment_ref:{record['reference']}", record["id"].encode())
        existing: list[bytes] = []

        def create(old: bytes | None) -> bytes:
            if old is not None:
                existing.append(old)
                return old
            return _enc.encode(record)

        await self.storage.update(NS, f"{kind}:{record['id']}", create)
        if existing:
            stored: dict[str, Any] = msgspec.json.decode(existing[0])
            return stored, False
        return record, True

    @staticmethod
    def _first_time(record: dict[str, Any]) -> bool:
        """Record the current idempotent request on ``record`` (inside its atomic
        update); False when that request already changed it (a resumed attempt)."""
        token = _TOKEN.get()
        if token is None:
            return True
        ops: list[str] = record.setdefault("ops", [])
        if token in ops:
            return False
        ops.append(token)
        return True

    async def _change(
        self, kind: str, rid: str, fn: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Atomic read-modify-write of one ledger record (workers may race on it)."""
        result: dict[str, Any] = {}

        def apply(old: bytes | None) -> bytes:
            if old is None:
                raise _err(
                    404, "invalid_request_error", "resource_missing", f"No such {kind}: {rid}"
                )
            record = msgspec.json.decode(old)
            fn(record)
            result.update(record)
            return _enc.encode(record)

        await self.storage.update(NS, f"{kind}:{rid}", apply)
        return result

    # ---- payments

    async def create_payment(self, p: dict[str, Any]) -> dict[str, Any]:
        amount, currency = p.get("amount"), p.get("currency")
        if not isinstance(amount, int) or amount <= 0:
            raise _err(
                400, "invalid_request_error", "parameter_invalid", "Invalid amount.", "amount"
            )
        if not isinstance(currency, str) or len(currency) != 3:
            raise _err(
                400, "invalid_request_error", "parameter_invalid", "Invalid currency.", "currency"
            )
        if isinstance(p.get("method"), dict):
            return await self.create_method_payment(p, amount, currency)
        mandate = None
        if p.get("mandate_id"):
            mandate = await self._load("mandate", p["mandate_id"])
            card = mandate["card"]
            behaviour = "revoked" if mandate["status"] == "revoked" else mandate["behaviour"]
            if behaviour == "challenge":  # merchant-initiated: no customer to challenge
                behaviour = "success"
        elif isinstance(p.get("card"), dict):
            number = str(p["card"].get("number", ""))
            behaviour = BEHAVIOUR.get(number, "success")
            if behaviour == "challenge" and isinstance(p["card"].get("three_ds"), dict):
                behaviour = "success"  # authenticated elsewhere: no second challenge
            card = {
                "brand": detect_brand(number).value,
                "last4": number[-4:],
                "exp_month": p["card"].get("exp_month"),
                "exp_year": p["card"].get("exp_year"),
            }
        else:
            raise _err(
                400,
                "invalid_request_error",
                "parameter_missing",
                "A card or a mandate_id is required.",
                "card",
            )

        if behaviour == "unavailable":
            raise _err(503, "api_error", "service_unavailable", "The sandbox is unavailable.")
        if behaviour == "slow":
            await asyncio.sleep(SLOW_SECONDS)

        payment: dict[str, Any] = {
            "id": _new_id("sbp"),
            "object": "payment",
            "amount": amount,
            "currency": currency,
            "capture": bool(p.get("capture", True)),
            "amount_captured": 0,
            "amount_refunded": 0,
            "card": card,
            "reference": p.get("reference"),
            "return_url": p.get("return_url"),
            "created": int(time.time()),
            "next_action": None,
            "decline": None,
            "mandate_id": None,
            "network_transaction_id": _new_id("ntid"),
            "off_session": bool(mandate),
            "account": _ACCOUNT.get(),
            # Asked for at create: raisable (increment) / capturable in parts.
            "incremental": bool(p.get("incremental")),
            "multicapture": bool(p.get("multicapture")),
            "behaviour": behaviour,
        }
        for option in ("descriptor_suffix", "risk_label"):
            if p.get(option) is not None:
                payment[option] = p[option]
        payment |= _splits_in(p, amount)
        if behaviour in DECLINES:
            code, message, advice = DECLINES[behaviour]
            payment["status"] = "declined"
            payment["decline"] = {"code": code, "message": message, "advice_code": advice}
        elif behaviour == "challenge":
            payment["status"] = "requires_authentication"
            base = str(p.get("authentication_base_url") or "http://127.0.0.1:8080").rstrip("/")
            payment["next_action"] = {"redirect_url": f"{base}/sandbox/3ds/{payment['id']}"}
        elif behaviour == "processing":
            payment["status"] = "pending"
        else:
            self._succeed(payment)
        mandate_record: dict[str, Any] | None = None
        if p.get("store") and payment["status"] != "declined":
            mandate_record = self._mandate_record(card, behaviour, p.get("customer_id"))
            mandate_record["currency"] = currency
            mandate_record, _ = await self._create("mandate", mandate_record)
            await self._index_mandate(mandate_record)
            payment["mandate_id"] = mandate_record["id"]
        payment, created = await self._create("payment", payment)  # the charge
        if created:
            if payment["status"] == "captured":
                await self._credit(payment)
            self._emit_payment(payment)
            if mandate_record is not None:
                self._emit("mandate.active", mandate_record)
            if behaviour == "dispute":
                await self._open_dispute(payment)
        if payment["status"] == "declined":
            decline = payment["decline"]
            raise GatewayAnswer(
                402,
                {
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "decline_code": decline["code"],
                        "message": decline["message"],
                        "advice_code": decline["advice_code"],
                    },
                    "payment": payment,
                },
            )
        if behaviour == "timeout" and created:
            await asyncio.sleep(3600)  # charged, but the answer never comes
        return payment

    @staticmethod
    def _succeed(payment: dict[str, Any]) -> None:
        if payment["capture"]:
            payment["status"] = "captured"
            payment["amount_captured"] = payment["amount"]
        else:
            payment["status"] = "authorized"
        payment["next_action"] = None

    async def get_payment(self, pid: str) -> dict[str, Any]:
        def settle(payment: dict[str, Any]) -> None:
            if payment.get("method"):
                methods.settle_due(payment, type(self))
            elif payment["status"] == "pending":
                self._succeed(payment)

        payment = await self._load("payment", pid)
        if payment.get("method") and payment["status"] in ("pending", "requires_customer"):
            settled = await self._change("payment", pid, settle)
            if payment["status"] != settled["status"]:
                self._emit_payment(settled)
            return settled
        if payment["status"] == "pending":
            settled = await self._change("payment", pid, settle)
            if payment["status"] != settled["status"]:
                self._emit_payment(settled)
            return settled
        return payment

    async def authenticate(self, pid: str, success: bool) -> dict[str, Any]:
        """Called by the challenge page when the customer completes (or fails) 3-D Secure."""

        def apply(payment: dict[str, Any]) -> None:
            if payment["status"] != "requires_authentication":
                return
            changed.append(True)
            if success:
                self._succeed(payment)
            else:
                code, message, advice = DECLINES["authentication_failed"]
                payment["status"] = "declined"
                payment["next_action"] = None
                payment["decline"] = {"code": code, "message": message, "advice_code": advice}

        changed: list[bool] = []
        result = await self._change("payment", pid, apply)
        if changed:
            self._emit_payment(result)
        return result

    async def capture(self, pid: str, p: dict[str, Any]) -> dict[str, Any]:
        """Capture all or part of an authorization. ``final: false`` (a payment created
        with ``multicapture``) leaves it open for further captures up to the authorized
        amount; a final capture releases what is left."""
        changed: list[bool] = []

        def apply(payment: dict[str, Any]) -> None:
            if not self._first_time(payment):
                return  # a resumed attempt: the first one captured it
            changed.append(True)
            final = p.get("final", True) is not False
            still_open = payment["status"] == "partially_captured" and payment.get("capture_open")
            if payment["status"] != "authorized" and not still_open:
                raise _err(
                    409,
                    "invalid_request_error",
                    "payment_not_capturable",
                    f"A payment in status {payment['status']} cannot be captured.",
                )
            if not final and not payment.get("multicapture"):
                raise _err(
                    400,
                    "invalid_request_error",
                    "parameter_invalid",
                    "final=false needs a payment created with multicapture.",
                    "final",
                )
            left = payment["amount"] - payment["amount_captured"]
            amount = p.get("amount", left)
            if not isinstance(amount, int) or amount <= 0:
                raise _err(
                    400, "invalid_request_error", "parameter_invalid", "Invalid amount.", "amount"
                )
            if amount > left:
                raise _err(
                    400,
                    "invalid_request_error",
                    "amount_too_large",
                    "The capture amount exceeds what is left of the authorization.",
                    "amount",
                )
            payment["amount_captured"] += amount
            full = payment["amount_captured"] == payment["amount"]
            payment["status"] = "captured" if full else "partially_captured"
            payment["capture_open"] = not final and not full
            if p.get("note"):
                payment["capture_note"] = p["note"]

        result = await self._change("payment", pid, apply)
        if changed:
            await self._credit(result)
            self._emit_payment(result)
        return result

    async def increment(self, pid: str, p: dict[str, Any]) -> dict[str, Any]:
        """Raise an authorization to ``amount`` (the new total) of a payment created with
        ``incremental``; the ``increment_declines`` card declines it, leaving it as it was."""
        declined: list[bool] = []

        def apply(payment: dict[str, Any]) -> None:
            if not self._first_time(payment):
                declined.extend(payment.get("increment_declined", [])[-1:])
                return
            if payment["status"] != "authorized" or not payment.get("incremental"):
                raise _err(
                    409,
                    "invalid_request_error",
                    "payment_not_incrementable",
                    "Only an authorization created with incremental=true and not yet "
                    "captured can be raised.",
                )
            amount = p.get("amount")
            if not isinstance(amount, int) or amount <= payment["amount"]:
                raise _err(
                    400,
                    "invalid_request_error",
                    "parameter_invalid",
                    "amount must be the new total, above the authorized amount.",
                    "amount",
                )
            refused = payment.get("behaviour") == "increment_declines"
            payment.setdefault("increment_declined", []).append(refused)
            if refused:
                declined.append(True)
                return
            payment["amount"] = amount

        result = await self._change("payment", pid, apply)
        if declined and declined[-1]:
            code, message, advice = DECLINES["insufficient_funds"]
            raise GatewayAnswer(
                402,
                {
                    "error": {
                        "type": "card_error",
                        "code": "card_declined",
                        "decline_code": code,
                        "message": message,
                        "advice_code": advice,
                    },
                    "payment": result,
                },
            )
        self._emit_payment(result)  # payment.authorized, with the new amount
        return result

    async def void(self, pid: str) -> dict[str, Any]:
        changed: list[bool] = []

        def apply(payment: dict[str, Any]) -> None:
            if not self._first_time(payment):
                return
            changed.append(True)
            voidable = ("authorized", "requires_authentication", "requires_customer", "pending")
            if payment["status"] not in voidable or payment.get("settles_at"):
                raise _err(
                    409,
                    "invalid_request_error",
                    "payment_not_voidable",
                    f"A payment in status {payment['status']} cannot be voided.",
                )
            payment["status"] = "voided"
            payment["next_action"] = None

        result = await self._change("payment", pid, apply)
        if changed:
            self._emit_payment(result)
        return result

    async def refund(self, pid: str, p: dict[str, Any]) -> dict[str, Any]:
        refund: dict[str, Any] = {}
        rid = _new_id("sbr")

        def apply(payment: dict[str, Any]) -> None:
            # The refund's amount is kept on the payment, in the write that applies it,
            # so a resumed attempt rebuilds the same refund instead of refunding again.
            applied: dict[str, int] = payment.setdefault("refund_amounts", {})
            if not self._first_time(payment) and rid in applied:
                refund.update(self._refund_record(rid, payment, applied[rid], p))
                return
            if payment["status"] not in ("captured", "partially_captured"):
                raise _err(
                    409,
                    "invalid_request_error",
                    "payment_not_refundable",
                    f"A payment in status {payment['status']} cannot be refunded.",
                )
            remaining = payment["amount_captured"] - payment["amount_refunded"]
            amount = p.get("amount", remaining)
            if not isinstance(amount, int) or amount <= 0:
                raise _err(
                    400, "invalid_request_error", "parameter_invalid", "Invalid amount.", "amount"
                )
            if amount > remaining:
                raise _err(
                    400,
                    "invalid_request_error",
                    "amount_too_large",
                    "The refund amount exceeds what is left to refund.",
                    "amount",
                )
            payment["amount_refunded"] += amount
            applied[rid] = amount
            refund.update(self._refund_record(rid, payment, amount, p))
            refund.update(_reverse_splits(payment, amount))

        await self._change("payment", pid, apply)
        stored, created = await self._create("refund", refund)
        if created:
            for part in stored.get("reversed_splits", []):
                await self._add_balance(part["destination"], stored["currency"], -part["amount"])
            self._emit("refund.succeeded", stored)
        return stored

    # ---- marketplace splits (issue 19): balances per destination

    async def _credit(self, payment: dict[str, Any]) -> None:
        """Credit each split's destination once the payment is captured (once)."""
        if not payment.get("splits"):
            return
        credited: list[bool] = []

        def mark(record: dict[str, Any]) -> None:
            if not record.get("splits_credited"):
                record["splits_credited"] = True
                credited.append(True)

        await self._change("payment", payment["id"], mark)
        if credited:
            for split in payment["splits"]:
                await self._add_balance(split["destination"], payment["currency"], split["amount"])

    async def _add_balance(self, destination: str, currency: str, amount: int) -> None:
        def add(old: bytes | None) -> bytes:
            record: dict[str, Any] = (
                msgspec.json.decode(old) if old is not None else {"available": {}}
            )
            record["available"][currency] = record["available"].get(currency, 0) + amount
            return _enc.encode(record)

        await self.storage.update(NS, f"balance:{destination}", add)

    async def balance(self, destination: str) -> dict[str, Any]:
        raw = await self.storage.get(NS, f"balance:{destination}")
        available = msgspec.json.decode(raw)["available"] if raw is not None else {}
        return {"object": "balance", "destination": destination, "available": available}

    @staticmethod
    def _refund_record(
        rid: str, payment: dict[str, Any], amount: int, p: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "id": rid,
            "object": "refund",
            "payment": payment["id"],
            "amount": amount,
            "currency": payment["currency"],
            "status": "succeeded",
            "reference": p.get("reference"),
            "created": int(time.time()),
            "account": payment.get("account"),
            **({"note": p["note"]} if p.get("note") else {}),
        }

    # ---- payment methods beyond cards (the shapes are documented in sandbox/methods.py)

    async def create_method_payment(
        self, p: dict[str, Any], amount: int, currency: str
    ) -> dict[str, Any]:
        method: dict[str, Any] = p["method"]
        try:
            methods.kind(method)
        except (ValueError, KeyError):
            raise _err(
                400, "invalid_request_error", "parameter_invalid", "Unknown method.", "method.type"
            ) from None
        capture = bool(p.get("capture", True)) or method.get("type") not in methods.CAPTURABLE
        payment: dict[str, Any] = {
            "id": _new_id("sbp"),
            "object": "payment",
            "amount": amount,
            "currency": currency,
            "capture": capture,
            "amount_captured": 0,
            "amount_refunded": 0,
            "reference": p.get("reference"),
            "return_url": p.get("return_url"),
            "created": int(time.time()),
            "next_action": None,
            "decline": None,
            "mandate_id": None,
            "off_session": False,
            "account": _ACCOUNT.get(),
        }
        base = str(p.get("authentication_base_url") or "http://127.0.0.1:8080").rstrip("/")
        mandate = methods.new_record(
            payment, method, p, base, self._succeed, self.debit_settle_seconds
        )
        if mandate is not None:
            mandate["id"] = _new_id("sbm")
            mandate["currency"] = currency
            mandate, _ = await self._create("mandate", mandate)
            payment["mandate_id"] = mandate["id"]
        if payment.get("voucher"):
            await self.storage.put(NS, f"voucher:{payment['voucher']}", payment["id"].encode())
        payment, created = await self._create("payment", payment)
        if created:
            self._emit_payment(payment)
            if mandate is not None:
                self._emit("mandate.active", mandate)
            if payment.get("settles_at"):
                delay = max(0.0, float(payment["settles_at"]) - time.time())
                task = asyncio.get_running_loop().create_task(
                    methods.settle_later(self, payment["id"], delay)
                )
                self._webhook_tasks.add(task)
                task.add_done_callback(self._webhook_tasks.discard)
        if payment["status"] == "declined":
            decline = payment["decline"]
            raise GatewayAnswer(
                402,
                {
                    "error": {
                        "type": "payment_method_error",
                        "code": "payment_declined",
                        "decline_code": decline["code"],
                        "message": decline["message"],
                        "advice_code": None,
                    },
                    "payment": payment,
                },
            )
        return payment

    async def settle(self, pid: str) -> dict[str, Any]:
        """Settle what is due on a method payment (a debit's clearing); a sync does the same."""
        return await self.get_payment(pid)

    async def customer_acts(self, pid: str, approve: bool) -> dict[str, Any]:
        """The customer approved or declined (hosted page, banking app, QR scan)."""
        changed: list[bool] = []

        def apply(payment: dict[str, Any]) -> None:
            if payment.get("method") and not methods.settle_due(payment, type(self)):
                if methods.customer_acts(payment, approve, type(self)):
                    changed.append(True)
            elif payment.get("method"):
                changed.append(True)  # it expired meanwhile

        result = await self._change("payment", pid, apply)
        if changed:
            self._emit_payment(result)
        return result

    async def scan(self, payload: str) -> dict[str, Any]:
        """A banking / wallet app scanned a sandbox QR code and the customer paid."""
        pid = methods.decode_payload(payload)
        if not pid:
            raise _err(
                400, "invalid_request_error", "parameter_invalid", "Not a sandbox QR code.",
                "payload",
            )  # fmt: skip
        payment = await self._load("payment", pid)
        if payment.get("method", {}).get("kind") != "qr":
            raise _err(409, "invalid_request_error", "not_a_qr_payment", "Not a QR payment.")
        return await self.customer_acts(pid, True)

    async def pay_voucher(self, number: str) -> dict[str, Any]:
        """The store or bank took the cash for voucher ``number``."""
        raw = await self.storage.get(NS, f"voucher:{number}")
        if raw is None:
            raise _err(404, "invalid_request_error", "resource_missing", f"No voucher {number}")
        return await self.customer_acts(raw.decode(), True)

    # ---- mandates

    @staticmethod
    def _mandate_record(card: dict[str, Any], behaviour: str, customer: Any) -> dict[str, Any]:
        return {
            "id": _new_id("sbm"),
            "object": "mandate",
            "status": "active",
            "card": card,
            "behaviour": behaviour,
            "customer_id": customer,
            "account": _ACCOUNT.get(),
            "network_transaction_id": _new_id("ntid"),
            "created": int(time.time()),
        }

    async def _index_mandate(self, mandate: dict[str, Any]) -> None:
        """The customer's stored methods, per account (one tenant never lists another's)."""
        customer = mandate.get("customer_id")
        if not customer:
            return

        def add(old: bytes | None) -> bytes:
            ids: list[str] = msgspec.json.decode(old) if old is not None else []
            if mandate["id"] not in ids:
                ids.append(mandate["id"])
            return _enc.encode(ids)

        await self.storage.update(NS, f"customer_mandates:{mandate.get('account')}:{customer}", add)

    async def list_mandates(self, customer: str) -> dict[str, Any]:
        """A customer's active stored methods, card summaries only (a revoked one is
        deleted, as at a real gateway)."""
        raw = await self.storage.get(NS, f"customer_mandates:{_ACCOUNT.get()}:{customer}")
        data = []
        for mid in msgspec.json.decode(raw) if raw is not None else []:
            mandate = await self._load("mandate", mid)
            if mandate["status"] == "active":
                data.append({k: v for k, v in mandate.items() if k != "behaviour"})
        return {"object": "list", "data": data, "has_more": False}

    async def create_mandate(self, p: dict[str, Any]) -> dict[str, Any]:
        card_in = p.get("card")
        if not isinstance(card_in, dict):
            raise _err(
                400, "invalid_request_error", "parameter_missing", "A card is required.", "card"
            )
        number = str(card_in.get("number", ""))
        behaviour = BEHAVIOUR.get(number, "success")
        if behaviour == "unavailable":
            raise _err(503, "api_error", "service_unavailable", "The sandbox is unavailable.")
        card = {
            "brand": detect_brand(number).value,
            "last4": number[-4:],
            "exp_month": card_in.get("exp_month"),
            "exp_year": card_in.get("exp_year"),
        }
        mandate = self._mandate_record(card, behaviour, p.get("customer_id"))
        mandate["currency"] = p.get("currency")
        if p.get("note"):
            mandate["note"] = p["note"]
        if behaviour in DECLINES:
            code, message, advice = DECLINES[behaviour]
            mandate["status"] = "declined"
            mandate["decline"] = {"code": code, "message": message, "advice_code": advice}
        mandate, created = await self._create("mandate", mandate)
        if mandate["status"] == "active":
            await self._index_mandate(mandate)
        if created:
            kind = "mandate.declined" if mandate["status"] == "declined" else "mandate.active"
            self._emit(kind, mandate)
        return mandate

    async def revoke_mandate(self, mid: str) -> dict[str, Any]:
        changed: list[bool] = []

        def apply(mandate: dict[str, Any]) -> None:
            if mandate["status"] != "revoked":
                changed.append(True)
            mandate["status"] = "revoked"

        result = await self._change("mandate", mid, apply)
        if changed:
            self._emit("mandate.revoked", result)
        return result

    # ---- disputes

    async def _open_dispute(self, payment: dict[str, Any]) -> None:
        now = int(time.time())
        dispute = {
            "id": _new_id("sbd"),
            "object": "dispute",
            "payment": payment["id"],
            "amount": payment["amount"],
            "currency": payment["currency"],
            "status": "needs_response",
            "reason": "fraudulent",
            "evidence_submitted": False,
            "evidence_due_by": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 7 * 86400)),
            "created": now,
            "account": payment.get("account"),
        }
        dispute, created = await self._create("dispute", dispute)
        if created and dispute.get("account"):
            account = str(dispute["account"])

            def index(old: bytes | None) -> bytes:
                ids: list[str] = msgspec.json.decode(old) if old else []
                return _enc.encode([dispute["id"], *ids][:DISPUTE_INDEX_MAX])

            await self.storage.update(NS, f"dispute_index:{account}", index)
        self._emit("dispute.created", dispute)

    async def list_disputes(self, query: dict[str, str]) -> dict[str, Any]:
        """The account's disputes, newest first: ``limit`` and ``starting_after`` (the
        last id of the previous page), like Stripe's lists."""
        account = _ACCOUNT.get() or ""
        raw = await self.storage.get(NS, f"dispute_index:{account}")
        ids: list[str] = msgspec.json.decode(raw) if raw else []
        limit = int(query.get("limit", "10")) if query.get("limit", "10").isdigit() else 10
        after = query.get("starting_after")
        if after:
            if after not in ids:
                raise _err(400, "invalid_request_error", "invalid_cursor", "Unknown cursor.")
            ids = ids[ids.index(after) + 1 :]
        page = [await self._load("dispute", did) for did in ids[:limit]]
        return {"object": "list", "data": page, "has_more": len(ids) > limit}

    async def dispute_evidence(self, did: str, p: dict[str, Any]) -> dict[str, Any]:
        """Evidence: ``evidence`` (type -> text) and ``files`` (type, file_name,
        content_type, content_base64); only their names, sizes and digests are kept.
        ``submit`` sends it for review: ``under_review``, then a decision by the text —
        ``winning_evidence`` wins, ``losing_evidence`` loses, anything else stays under
        review (as Stripe's test mode does)."""
        texts = p.get("evidence") or {}
        files = p.get("files") or []
        if not isinstance(texts, dict) or not isinstance(files, list):
            raise _err(400, "invalid_request_error", "invalid_evidence", "Malformed evidence.")
        kept = []
        for f in files:
            try:
                content = base64.b64decode(str(f["content_base64"]), validate=True)
            except (KeyError, TypeError, ValueError):
                raise _err(
                    400, "invalid_request_error", "invalid_evidence", "Malformed file.", "files"
                ) from None
            kept.append({
                "type": f.get("type"), "file_name": f.get("file_name"),
                "content_type": f.get("content_type"), "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            })  # fmt: skip
        submit = bool(p.get("submit"))
        changed: list[str] = []

        def apply(dispute: dict[str, Any]) -> None:
            if dispute["status"] != "needs_response":
                raise _err(
                    400, "invalid_request_error", "dispute_not_open",
                    f"The dispute is {dispute['status']}.",
                )  # fmt: skip
            evidence = dispute.setdefault("evidence", {})
            evidence.update({str(k): str(v) for k, v in texts.items()})
            dispute.setdefault("evidence_files", []).extend(kept)
            if submit:
                dispute["status"] = "under_review"
                dispute["evidence_submitted"] = True
                changed.append("dispute.updated")

        result = await self._change("dispute", did, apply)
        if changed:
            self._emit("dispute.updated", result)
            text = " ".join(str(v) for v in (result.get("evidence") or {}).values())
            outcome = "won" if "winning_evidence" in text else None
            outcome = outcome or ("lost" if "losing_evidence" in text else None)
            if outcome is not None:

                def decide(dispute: dict[str, Any]) -> None:
                    if dispute["status"] == "under_review":
                        dispute["status"] = outcome

                decided = await self._change("dispute", did, decide)
                if decided["status"] == outcome:
                    self._emit(f"dispute.{outcome}", decided)
        return result

    async def accept_dispute(self, did: str) -> dict[str, Any]:
        changed: list[bool] = []

        def apply(dispute: dict[str, Any]) -> None:
            if dispute["status"] == "accepted":
                return
            if dispute["status"] != "needs_response":
                raise _err(
                    400, "invalid_request_error", "dispute_not_open",
                    f"The dispute is {dispute['status']}.",
                )  # fmt: skip
            dispute["status"] = "accepted"
            changed.append(True)

        result = await self._change("dispute", did, apply)
        if changed:
            self._emit("dispute.accepted", result)
        return result

    # ---- webhooks (the scheme is documented in sandbox/webhooks.py)

    _PAYMENT_EVENTS = {
        "authorized": "payment.authorized",
        "captured": "payment.captured",
        "partially_captured": "payment.captured",
        "declined": "payment.declined",
        "voided": "payment.voided",
        "pending": "payment.pending",
        "requires_authentication": "payment.requires_authentication",
        "requires_customer": "payment.requires_customer",
    }

    def _emit_payment(self, payment: dict[str, Any]) -> None:
        kind = self._PAYMENT_EVENTS.get(str(payment.get("status")))
        if kind:
            self._emit(kind, payment)

    def _emit(self, kind: str, record: dict[str, Any]) -> None:
        """Sign an event about ``record`` and send it in the background: the API answer
        does not wait for it, as with a real gateway."""
        account = record.get("account")
        if not account or self.webhook_sink is None or self.webhook_secret is None:
            return
        secret = self.webhook_secret(account)
        if not secret:
            return
        now = int(time.time())
        event = {
            "id": _new_id("sbevt"),
            "type": kind,
            "account": account,
            "created": now,
            "livemode": False,
            "data": {"object": record},
        }
        body = _enc.encode(event)
        headers = {
            "Content-Type": "application/json",
            webhooks.HEADER: webhooks.sign(secret, now, body),
        }
        task = asyncio.get_running_loop().create_task(self._send_webhook(account, headers, body))
        self._webhook_tasks.add(task)
        task.add_done_callback(self._webhook_tasks.discard)

    async def _send_webhook(self, account: str, headers: dict[str, str], body: bytes) -> None:
        sink = self.webhook_sink
        error = "no sink"
        for delay in WEBHOOK_RETRY_DELAYS:
            if sink is None:
                return
            await asyncio.sleep(delay)
            try:
                await sink(account, headers, body)
                return
            except Exception as exc:
                error = type(exc).__name__
        log.warning("sandbox webhook not delivered", extra={"account": account, "error": error})

    async def flush_webhooks(self, wait_seconds: float = 10.0) -> None:
        """Wait for webhooks being sent (tests; shutdown), then drop what is left."""
        if self._webhook_tasks:
            _, pending = await asyncio.wait(set(self._webhook_tasks), timeout=wait_seconds)
            for task in pending:
                task.cancel()


def _splits_in(p: dict[str, Any], amount: int) -> dict[str, Any]:
    """The sandbox's own checks of ``splits`` / ``application_fee`` (like a gateway's)."""
    splits = p.get("splits") or []
    fee = p.get("application_fee") or 0
    if not isinstance(splits, list) or not isinstance(fee, int) or fee < 0:
        raise _err(400, "invalid_request_error", "parameter_invalid", "Invalid splits.", "splits")
    out = []
    for split in splits:
        if (
            not isinstance(split, dict)
            or not isinstance(split.get("destination"), str)
            or not split["destination"]
            or not isinstance(split.get("amount"), int)
            or split["amount"] <= 0
        ):
            raise _err(
                400, "invalid_request_error", "parameter_invalid", "Invalid split.", "splits"
            )
        out.append({"destination": split["destination"], "amount": split["amount"]})
    if sum(s["amount"] for s in out) + fee > amount:
        raise _err(
            400,
            "invalid_request_error",
            "parameter_invalid",
            "The splits and fee exceed the amount.",
            "splits",
        )
    return {"splits": out, "application_fee": fee} if out or fee else {}


def _reverse_splits(payment: dict[str, Any], amount: int) -> dict[str, Any]:
    """What a refund of ``amount`` takes back from each destination (proportionally) and
    from the platform's fee; recorded on the payment and the refund."""
    splits = payment.get("splits") or []
    if not splits and not payment.get("application_fee"):
        return {}
    captured = payment["amount_captured"]
    parts = split_refund([(s["destination"], s["amount"]) for s in splits], captured, amount)
    for split, (_, back) in zip(splits, parts, strict=True):
        split["reversed"] = split.get("reversed", 0) + back
    fee = payment.get("application_fee") or 0
    fee_back = fee * amount // captured if captured else 0
    payment["application_fee_refunded"] = payment.get("application_fee_refunded", 0) + fee_back
    return {
        "reversed_splits": [{"destination": d, "amount": a} for d, a in parts],
        "application_fee_refunded": fee_back,
    }
