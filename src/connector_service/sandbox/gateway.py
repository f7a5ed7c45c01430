"""The simulated gateway behind the ``sandbox`` connector.

Test cards (any future expiry, any 3-digit CVC) choose the behaviour; every other
Luhn-valid number succeeds. The table is the documentation: README.md is generated
from it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from connector_service.connectors.base import Headers, HttpRequest, HttpResponse
from connector_service.domain.payment_methods import detect_brand
from connector_service.executor.http import OutcomeUnknown, Timeouts
from connector_service.sandbox import webhooks
from connector_service.storage.base import Storage

NS = "sandbox"
log = logging.getLogger("connector_service.sandbox")
# The connector account a request comes from (the ``Sandbox-Account`` header): the
# account whose webhook URL hears about the objects the request creates.
_ACCOUNT: contextvars.ContextVar[str | None] = contextvars.ContextVar("account", default=None)
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
             "Succeeds, then the cardholder disputes it: a `dispute.opened` webhook follows"),
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

_enc = msgspec.json.Encoder()


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
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


class SandboxGateway:
    """Implements the executor's transport protocol for ``sandbox://`` URLs."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
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
            return 200, await self._route(request.method, parts, payload)
        except GatewayAnswer as answer:
            return answer.status, answer.body

    async def _idempotent(
        self, key: str, request: HttpRequest, payload: dict[str, Any], parts: list[str]
    ) -> tuple[int, dict[str, Any]]:
        stored = await self.storage.get(NS + ":idem", key)
        if stored is not None:
            saved = msgspec.json.decode(stored)
            if saved["fingerprint"] != [request.method, "/".join(parts), payload]:
                return 400, {
                    "error": {
                        "type": "idempotency_error",
                        "code": "idempotency_key_reused",
                        "message": "Keys must not be reused with other parameters.",
                    }
                }
            return int(saved["status"]), dict(saved["body"])
        try:
            status, body = 200, await self._route(request.method, parts, payload)
        except GatewayAnswer as answer:
            status, body = answer.status, answer.body
        if status < 500:
            record = {
                "fingerprint": [request.method, "/".join(parts), payload],
                "status": status,
                "body": body,
            }
            await self.storage.put(NS + ":idem", key, _enc.encode(record), ttl=86400)
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
            case "POST", ["v1", "payments", pid, "void"]:
                return await self.void(pid)
            case "POST", ["v1", "payments", pid, "refunds"]:
                return await self.refund(pid, p)
            case "GET", ["v1", "refunds", rid]:
                return await self._load("refund", rid)
            case "POST", ["v1", "mandates"]:
                return await self.create_mandate(p)
            case "POST", ["v1", "mandates", mid, "revoke"]:
                return await self.revoke_mandate(mid)
        raise _err(404, "invalid_request_error", "not_found", "Unknown endpoint.")

    # ---- ledger helpers

    async def _load(self, kind: str, rid: str) -> dict[str, Any]:
        raw = await self.storage.get(NS, f"{kind}:{rid}")
        if raw is None:
            raise _err(404, "invalid_request_error", "resource_missing", f"No such {kind}: {rid}")
        record: dict[str, Any] = msgspec.json.decode(raw)
        return record

    async def _save(self, kind: str, record: dict[str, Any]) -> None:
        await self.storage.put(NS, f"{kind}:{record['id']}", _enc.encode(record))
        if kind == "payment" and record.get("reference"):
            await self.storage.put(NS, f"payment_ref:{record['reference']}", record["id"].encode())

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
        }
        if behaviour in DECLINES:
            code, message, advice = DECLINES[behaviour]
            payment["status"] = "declined"
            payment["decline"] = {"code": code, "message": message, "advice_code": advice}
            await self._save("payment", payment)
            self._emit_payment(payment)
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
                    "payment": payment,
                },
            )
        if behaviour == "challenge":
            payment["status"] = "requires_authentication"
            base = str(p.get("authentication_base_url") or "http://127.0.0.1:8080").rstrip("/")
            payment["next_action"] = {"redirect_url": f"{base}/sandbox/3ds/{payment['id']}"}
        elif behaviour == "processing":
            payment["status"] = "pending"
        else:
            self._succeed(payment)
        if p.get("store") and payment["status"] != "declined":
            mandate_record = self._mandate_record(card, behaviour, p.get("customer_id"))
            mandate_record["currency"] = currency
            await self._save("mandate", mandate_record)
            payment["mandate_id"] = mandate_record["id"]
        await self._save("payment", payment)
        self._emit_payment(payment)
        if payment.get("mandate_id"):
            self._emit("mandate.active", await self._load("mandate", payment["mandate_id"]))
        if behaviour == "dispute":
            await self._open_dispute(payment)
        if behaviour == "timeout":
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
            if payment["status"] == "pending":
                self._succeed(payment)

        payment = await self._load("payment", pid)
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
        def apply(payment: dict[str, Any]) -> None:
            if payment["status"] not in ("authorized",):
                raise _err(
                    409,
                    "invalid_request_error",
                    "payment_not_capturable",
                    f"A payment in status {payment['status']} cannot be captured.",
                )
            amount = p.get("amount", payment["amount"])
            if not isinstance(amount, int) or amount <= 0:
                raise _err(
                    400, "invalid_request_error", "parameter_invalid", "Invalid amount.", "amount"
                )
            if amount > payment["amount"]:
                raise _err(
                    400,
                    "invalid_request_error",
                    "amount_too_large",
                    "The capture amount exceeds the authorized amount.",
                    "amount",
                )
            payment["amount_captured"] = amount
            payment["status"] = "captured" if amount == payment["amount"] else "partially_captured"

        result = await self._change("payment", pid, apply)
        self._emit_payment(result)
        return result

    async def void(self, pid: str) -> dict[str, Any]:
        def apply(payment: dict[str, Any]) -> None:
            if payment["status"] not in ("authorized", "requires_authentication", "pending"):
                raise _err(
                    409,
                    "invalid_request_error",
                    "payment_not_voidable",
                    f"A payment in status {payment['status']} cannot be voided.",
                )
            payment["status"] = "voided"
            payment["next_action"] = None

        result = await self._change("payment", pid, apply)
        self._emit_payment(result)
        return result

    async def refund(self, pid: str, p: dict[str, Any]) -> dict[str, Any]:
        refund: dict[str, Any] = {}

        def apply(payment: dict[str, Any]) -> None:
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
            refund.update(
                {
                    "id": _new_id("sbr"),
                    "object": "refund",
                    "payment": pid,
                    "amount": amount,
                    "currency": payment["currency"],
                    "status": "succeeded",
                    "reference": p.get("reference"),
                    "created": int(time.time()),
                    "account": payment.get("account"),
                }
            )

        await self._change("payment", pid, apply)
        await self._save("refund", refund)
        self._emit("refund.succeeded", refund)
        return refund

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
        if behaviour in DECLINES:
            code, message, advice = DECLINES[behaviour]
            mandate["status"] = "declined"
            mandate["decline"] = {"code": code, "message": message, "advice_code": advice}
        await self._save("mandate", mandate)
        self._emit(
            "mandate.declined" if mandate["status"] == "declined" else "mandate.active", mandate
        )
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
            "evidence_due_by": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 7 * 86400)),
            "created": now,
            "account": payment.get("account"),
        }
        await self._save("dispute", dispute)
        self._emit("dispute.created", dispute)

    # ---- webhooks (the scheme is documented in sandbox/webhooks.py)

    _PAYMENT_EVENTS = {
        "authorized": "payment.authorized",
        "captured": "payment.captured",
        "partially_captured": "payment.captured",
        "declined": "payment.declined",
        "voided": "payment.voided",
        "pending": "payment.pending",
        "requires_authentication": "payment.requires_authentication",
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
