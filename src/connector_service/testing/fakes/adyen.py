"""A loopback fake of Adyen's Checkout API v71, strict about the contract.

Every request it receives is validated against the official ``CheckoutService-v71.json``
(``connector_service.testing.spec``) and answered ``400`` with the violation when invalid; a wrong
``X-API-Key`` gets ``401``. Its answers follow the spec's response schemas and a small
in-memory state keeps authorise -> capture -> refund consistent. Like Adyen, it answers
modifications with ``"received"`` and records the outcome as a signed standard webhook
(``notifications``) that tests can feed to the connector.

Test triggers follow Adyen's test environment: the card ``holderName`` picks a refusal
(``NOT_ENOUGH_BALANCE``, ``CARD_EXPIRED``, ``CVC_DECLINED``, ``DECLINED``, ``FRAUD``,
``ERROR``, ``ISSUER_UNAVAILABLE``), card 4917 6100 0000 0000 asks for 3-D Secure.

Methods beyond cards answer with the action Adyen's test environment gives for each
(``METHOD_ACTIONS``): a redirect (completed through ``/payments/details``), a QR code, a
voucher, an ``await`` for the shopper's app, ``Received`` for bank debits, ``Authorised``
for wallets. :meth:`AdyenFake.settle` is the shopper paying (or the debit bouncing): it
records the ``AUTHORISATION`` webhook naming the method, as Adyen sends it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import string
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation, validate_request

SPEC = "adyen/CheckoutService-v71.json"
SPEC_BASE = "https://checkout-test.adyen.com/v71"
DISPUTE_SPEC = "adyen/DisputeService-v30.json"
DISPUTE_BASE = "https://ca-test.adyen.com/ca/services/DisputeService/v30"
DISPUTE_PATH = "/ca/services/DisputeService/v30"
API_KEY = "AQEyhmfxKonIYxZGw0m/n3Q5qf3VaY9UCJ14XWZE03G/k2NFikzVGEiYj+4vtN01BchqAcwRr"
HMAC_KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
MERCHANT = "TestMerchantECOM"
THREE_DS_CARD = "4917610000000000"

# holderName -> (resultCode, refusalReasonCode, refusalReason, merchantAdviceCode)
REFUSALS: dict[str, tuple[str, str, str, str | None]] = {
    "DECLINED": ("Refused", "2", "Refused", "03: Do not try again"),
    "CARD_EXPIRED": ("Refused", "6", "Expired Card", None),
    "NOT_ENOUGH_BALANCE": ("Refused", "12", "Not enough balance", None),
    "CVC_DECLINED": ("Refused", "24", "CVC Declined", None),
    "FRAUD": ("Refused", "20", "FRAUD", None),
    "ISSUER_UNAVAILABLE": ("Refused", "9", "Issuer Unavailable", None),
    "ERROR": ("Error", "4", "Acquirer Error", None),
}


def psp_reference() -> str:
    return "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def sign_item(item: dict[str, Any], hex_key: str) -> str:
    amount = item.get("amount") or {}
    fields = (
        item.get("pspReference"),
        item.get("originalReference"),
        item.get("merchantAccountCode"),
        item.get("merchantReference"),
        amount.get("value"),
        amount.get("currency"),
        item.get("eventCode"),
        item.get("success"),
    )
    payload = ":".join("" if f is None else str(f) for f in fields)
    digest = hmac.new(bytes.fromhex(hex_key), payload.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def notification(*items: dict[str, Any], hex_key: str = HMAC_KEY) -> bytes:
    """A standard webhook body holding ``items``, each signed with ``hex_key``."""
    wrapped = []
    for item in items:
        signed = json.loads(json.dumps(item))
        signed.setdefault("additionalData", {})["hmacSignature"] = sign_item(signed, hex_key)
        wrapped.append({"NotificationRequestItem": signed})
    return json.dumps({"live": "false", "notificationItems": wrapped}).encode()


@dataclass
class Payment:
    psp: str
    reference: str
    merchant: str
    amount: int
    currency: str
    manual: bool
    status: str  # pending_3ds | pending | authorised | captured | cancelled | refused
    captured: int = 0
    refunded: int = 0
    card_last4: str = ""
    preauth: bool = False  # authorisationType PreAuth: /amountUpdates may raise it
    method: str = "scheme"  # paymentMethod.type


# paymentMethod.type -> (resultCode, action type or None) of the first answer.
METHOD_ACTIONS: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(
        ("paypal", "ideal", "eps", "alipay", "klarna", "clearpay", "afterpaytouch", "affirm"),
        ("RedirectShopper", "redirect"),
    ),
    **dict.fromkeys(
        ("bcmc_mobile", "pix", "paynow", "promptpay", "upi_qr", "wechatpayQR"),
        ("Pending", "qrCode"),
    ),
    **dict.fromkeys(("boletobancario", "oxxo", "econtext_stores"), ("PresentToShopper", "voucher")),
    **dict.fromkeys(("blik", "upi_collect"), ("Pending", "await")),
    **dict.fromkeys(("sepadirectdebit", "ach", "directdebit_GB"), ("Received", None)),
    **dict.fromkeys(("applepay", "googlepay"), ("Authorised", None)),
}
# Methods with a separate capture (manualCapture holds them); the rest are captured at once.
CAPTURABLE = frozenset({"paypal", "klarna", "clearpay", "afterpaytouch", "affirm", "applepay",
                        "googlepay", "scheme", "networkToken"})  # fmt: skip


@dataclass(eq=False)
class AdyenFake(FakeGateway):
    api_key: str = API_KEY
    hmac_key: str = HMAC_KEY
    payments: dict[str, Payment] = field(default_factory=dict)
    stored: dict[str, str] = field(default_factory=dict)  # storedPaymentMethodId -> shopper
    stored_cards: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> summary
    redirect_results: dict[str, str] = field(default_factory=dict)  # redirectResult -> psp
    idempotency: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)  # dispute psp ->

    base_path = "/v71"

    def __post_init__(self) -> None:
        FakeGateway.__init__(self)

    @property
    def requests(self) -> list[HttpRequest]:
        return self.received

    def redirect_result_for(self, psp: str) -> str:
        """What the shopper's browser would bring back after the 3-D Secure page."""
        return next(k for k, v in self.redirect_results.items() if v == psp)

    def webhook(self, index: int = -1) -> bytes:
        return notification(self.notifications[index], hex_key=self.hmac_key)

    # ------------------------------------------------------------------ dispatch

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self._handle)

    def check(self, request: HttpRequest) -> None:
        path = urlsplit(request.url).path
        if path.startswith(DISPUTE_PATH):
            as_sent = HttpRequest(
                request.method, DISPUTE_BASE + path.removeprefix(DISPUTE_PATH),
                request.headers, request.body,
            )  # fmt: skip
            validate_request(DISPUTE_SPEC, as_sent, DISPUTE_BASE)
            return
        # Validated as if sent to the real test host: the spec then loads once per run.
        as_sent = HttpRequest(
            request.method,
            SPEC_BASE + request.url.removeprefix(self.base_url),
            request.headers,
            request.body,
        )
        validate_request(SPEC, as_sent, SPEC_BASE)

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return _error(400, "702", f"spec violation: {violation}", "validation")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if request.headers.get("X-API-Key") != self.api_key:
            return _error(401, "000", "HTTP Status Response - Unauthorized", "security")
        key = request.headers.get("Idempotency-Key")
        if key and key in self.idempotency:
            path, status, body = self.idempotency[key]
            if path == request.path:
                return web.Response(
                    status=status,
                    body=body,
                    content_type="application/json",
                    headers={"Idempotency-Key": key},
                )
        body = json.loads(raw) if raw else {}
        if request.path.startswith(DISPUTE_PATH):
            return self._dispute_call(request.path.removeprefix(DISPUTE_PATH), body)
        path = request.path.removeprefix("/v71")
        answer = self._route(request.method, path, body, dict(request.query))
        if key and answer.status < 500:
            body = answer.body if isinstance(answer.body, bytes) else b""
            self.idempotency[key] = (request.path, answer.status, body)
        return answer

    def _route(
        self, method: str, path: str, body: dict[str, Any], query: dict[str, str]
    ) -> web.Response:
        if method == "POST" and path == "/payments":
            return self._payments(body)
        if method == "POST" and path == "/payments/details":
            return self._details(body)
        if method == "POST" and path == "/cancels":
            return self._standalone_cancel(body)
        m = re.fullmatch(r"/payments/([^/]+)/(captures|cancels|refunds|reversals)", path)
        if method == "POST" and m:
            return self._modification(m.group(1), m.group(2), body)
        m = re.fullmatch(r"/payments/([^/]+)/amountUpdates", path)
        if method == "POST" and m:
            return self._amount_update(m.group(1), body)
        if method == "GET" and path == "/storedPaymentMethods":
            return self._list_stored(query)
        m = re.fullmatch(r"/storedPaymentMethods/([^/]+)", path)
        if method == "DELETE" and m:
            return self._delete_stored(m.group(1), query)
        return _error(404, "000", "HTTP Status Response - Not Found", "validation")

    # ------------------------------------------------------------------ payments

    def _payments(self, body: dict[str, Any]) -> web.Response:
        pm = body["paymentMethod"]
        amount, currency = body["amount"]["value"], body["amount"]["currency"]
        manual = body.get("additionalData", {}).get("manualCapture") == "true"
        shopper = body.get("shopperReference")
        psp = psp_reference()
        extra: dict[str, Any] = {}
        last4 = ""
        if pm.get("type") in METHOD_ACTIONS:
            return self._method(body, pm["type"], psp, amount, currency, manual)
        if "storedPaymentMethodId" in pm:
            if self.stored.get(pm["storedPaymentMethodId"]) != shopper:
                return _error(422, "800", "Contract not found", "validation", psp)
            last4 = "1111"
        else:
            number = pm["number"]
            last4 = number[-4:]
            extra.update(
                cardSummary=last4,
                cardBin=number[:6],
                expiryDate=f"{int(pm['expiryMonth'])}/{pm['expiryYear']}",
                paymentMethod="visa" if number.startswith("4") else "mc",
                networkTxReference="777718270854480",
            )
            refusal = REFUSALS.get(pm.get("holderName") or "")
            if refusal:
                code, reason_code, reason, advice = refusal
                if advice:
                    extra["merchantAdviceCode"] = advice
                extra["refusalReasonRaw"] = f"{reason_code.rjust(2, '0')} : {reason}"
                self._notify("AUTHORISATION", psp, None, body, amount, currency, False, reason)
                return _ok(
                    200,
                    {
                        "additionalData": extra,
                        "pspReference": psp,
                        "resultCode": code,
                        "refusalReason": reason,
                        "refusalReasonCode": reason_code,
                        "merchantReference": body["reference"],
                    },
                )
        payment = Payment(
            psp, body["reference"], body["merchantAccount"], amount, currency, manual, "", 0, 0
        )
        payment.card_last4 = last4
        payment.preauth = body.get("additionalData", {}).get("authorisationType") == "PreAuth"
        self.payments[psp] = payment
        if body.get("storePaymentMethod") and shopper:
            stored_id = psp_reference()
            self.stored[stored_id] = shopper
            self.stored_cards[stored_id] = {
                "brand": "visa" if pm["number"].startswith("4") else "mc",
                "lastFour": last4,
                "expiryMonth": str(pm["expiryMonth"]).rjust(2, "0"),
                "expiryYear": str(pm["expiryYear"]),
                "holderName": pm.get("holderName") or "",
            }
            extra.update(
                {
                    "tokenization.shopperReference": shopper,
                    "tokenization.storedPaymentMethodId": stored_id,
                    "tokenization.store.operationType": "created",
                    "recurringProcessingModel": body.get("recurringProcessingModel", ""),
                }
            )
        if "number" in pm and pm["number"] == THREE_DS_CARD:
            payment.status = "pending_3ds"
            token = "Ab02b4c0!" + base64.b64encode(psp.encode()).decode()
            self.redirect_results[token] = psp
            return _ok(
                200,
                {
                    "additionalData": {"cardSummary": last4, "cardBin": pm["number"][:6]},
                    "pspReference": psp,
                    "resultCode": "RedirectShopper",
                    "action": {
                        "paymentMethodType": "scheme",
                        "url": f"{self.base_url.removesuffix('/v71')}/threeDS/redirect?psp={psp}",
                        "method": "GET",
                        "type": "redirect",
                    },
                },
            )
        self._authorise(payment, body.get("captureDelayHours") == 0)
        extra.update(authCode="065696", refusalReasonRaw="AUTHORISED")
        self._notify("AUTHORISATION", psp, None, body, amount, currency, True, None, extra)
        return _ok(
            200,
            {
                "additionalData": extra,
                "pspReference": psp,
                "resultCode": "Authorised",
                "amount": {"value": amount, "currency": currency},
                "merchantReference": body["reference"],
                "paymentMethod": {"brand": extra.get("paymentMethod", "visa"), "type": "scheme"},
            },
        )

    def _method(
        self, body: dict[str, Any], kind: str, psp: str, amount: int, currency: str, manual: bool
    ) -> web.Response:
        payment = Payment(
            psp, body["reference"], body["merchantAccount"], amount, currency, manual, "pending"
        )
        payment.method = kind
        self.payments[psp] = payment
        code, action_type = METHOD_ACTIONS[kind]
        answer: dict[str, Any] = {
            "pspReference": psp,
            "resultCode": code,
            "merchantReference": body["reference"],
        }
        base = self.base_url.removesuffix("/v71")
        if code == "Authorised":  # a wallet token: like a card
            self._authorise(payment, body.get("captureDelayHours") == 0)
            self._notify("AUTHORISATION", psp, None, body, amount, currency, True, None,
                         method=kind)  # fmt: skip
            answer["paymentMethod"] = {"type": kind, "brand": "visa_" + kind}
            answer["additionalData"] = {"cardSummary": "4242", "paymentMethod": "visa"}
        elif action_type == "redirect":
            token = "Ab02b4c0!" + base64.b64encode(psp.encode()).decode()
            self.redirect_results[token] = psp
            answer["action"] = {
                "paymentMethodType": kind, "type": "redirect", "method": "GET",
                "url": f"{base}/hpp/checkout.shtml?u=redirect&psp={psp}",
            }  # fmt: skip
        elif action_type == "qrCode":
            answer["action"] = {
                "paymentMethodType": kind, "type": "qrCode",
                "qrCodeData": "00020101021226870014br.gov.bcb.pix2565qr.adyen.com/"
                f"{psp}5204000053039865802BR6304ABCD",
                "url": f"{base}/hpp/qrcode.shtml?psp={psp}",
                "expiresAt": "2026-12-03T12:00:00Z",
            }  # fmt: skip
        elif action_type == "voucher":
            answer["action"] = {
                "paymentMethodType": kind, "type": "voucher",
                "reference": "03399.33335 33823.303087 68000.000009 1 93020000001500",
                "alternativeReference": "03391930200000015003333538233030876800000000",
                "downloadUrl": f"{base}/hpp/generationBoleto.shtml?data={psp}",
                "instructionsUrl": f"{base}/hpp/voucherInstructions.shtml?psp={psp}",
                "expiresAt": "2026-12-06T00:00:00",
                "merchantName": "TestMerchant",
                "totalAmount": {"currency": currency, "value": amount},
                "initialAmount": {"currency": currency, "value": amount},
            }  # fmt: skip
        elif action_type == "await":
            answer["action"] = {"paymentMethodType": kind, "type": "await", "url": ""}
        if kind == "sepadirectdebit":
            answer["additionalData"] = {
                "sepadirectdebit.mandateId": psp,
                "sepadirectdebit.dateOfSignature": "2026-12-03",
                "sepadirectdebit.sequenceType": "OneOff",
            }
        return _ok(200, answer)

    def settle(self, psp: str, success: bool = True, reason: str | None = None) -> None:
        """The shopper paid (scanned, confirmed, paid the voucher), or the debit was
        collected; with ``success`` False it failed or bounced. Records the webhook."""
        payment = self.payments[psp]
        if success:
            self._authorise(payment, payment.method not in CAPTURABLE or not payment.manual)
        else:
            payment.status = "refused"
        body = {"merchantAccount": payment.merchant, "reference": payment.reference}
        self._notify(
            "AUTHORISATION", psp, None, body, payment.amount, payment.currency, success,
            reason, method=payment.method,
        )  # fmt: skip

    def _authorise(self, payment: Payment, immediate_capture: bool) -> None:
        if payment.manual or not immediate_capture:
            payment.status = "authorised"
        else:
            payment.status, payment.captured = "captured", payment.amount

    def _details(self, body: dict[str, Any]) -> web.Response:
        token = body["details"].get("redirectResult", "")
        psp = self.redirect_results.pop(token, None)
        if psp is None:
            return _error(422, "14_018", "Invalid payload provided", "validation")
        payment = self.payments[psp]
        self._authorise(payment, immediate_capture=True)
        if payment.method != "scheme":  # a redirect method: Adyen's webhook names it
            body = {"merchantAccount": payment.merchant, "reference": payment.reference}
            self._notify(
                "AUTHORISATION", psp, None, body, payment.amount, payment.currency, True, None,
                method=payment.method,
            )  # fmt: skip
        return _ok(
            200,
            {
                "additionalData": {"cardSummary": payment.card_last4, "authCode": "044925"},
                "pspReference": psp,
                "resultCode": "Authorised",
                "merchantReference": payment.reference,
            },
        )

    # ------------------------------------------------------------------ modifications

    def _modification(self, psp: str, kind: str, body: dict[str, Any]) -> web.Response:
        payment = self.payments.get(psp)
        if payment is None:
            return _error(422, "167", "Original pspReference required for this operation")
        mod = psp_reference()
        answer: dict[str, Any] = {
            "merchantAccount": body["merchantAccount"],
            "paymentPspReference": psp,
            "pspReference": mod,
            "status": "received",
        }
        if body.get("reference"):
            answer["reference"] = body["reference"]
        amount = body.get("amount", {}).get("value", 0)
        currency = payment.currency
        if kind == "captures":  # several partial captures add up to the authorised amount
            capturable = payment.status in ("authorised", "captured")
            ok = capturable and payment.captured + amount <= payment.amount
            if ok:
                payment.captured += amount
                payment.status = "captured"
            self._notify(
                "CAPTURE", mod, psp, body, amount, currency, ok,
                None if ok else "Insufficient balance on payment",
            )  # fmt: skip
            answer["amount"] = body["amount"]
        elif kind == "cancels":
            ok = payment.status == "authorised"
            if ok:
                payment.status = "cancelled"
            self._notify("CANCELLATION", mod, psp, body, payment.amount, currency, ok, None)
        elif kind == "refunds":
            ok = payment.refunded + amount <= payment.captured
            if ok:
                payment.refunded += amount
            self._notify(
                "REFUND", mod, psp, body, amount, currency, ok,
                None if ok else "Transaction hasn't been captured, refund not possible",
            )  # fmt: skip
            answer["amount"] = body["amount"]
        else:  # reversals: cancel or refund, whichever applies
            self._notify("CANCEL_OR_REFUND", mod, psp, body, payment.amount, currency, True, None)
        return _ok(201, answer)

    def _standalone_cancel(self, body: dict[str, Any]) -> web.Response:
        mod = psp_reference()
        for payment in self.payments.values():
            if payment.reference == body["paymentReference"]:
                ok = payment.status == "authorised"
                if ok:
                    payment.status = "cancelled"
                self._notify(
                    "CANCELLATION", mod, payment.psp, body, payment.amount, payment.currency,
                    ok, None,
                )  # fmt: skip
        return _ok(
            201,
            {
                "merchantAccount": body["merchantAccount"],
                "paymentReference": body["paymentReference"],
                "pspReference": mod,
                "status": "received",
            },
        )

    def _amount_update(self, psp: str, body: dict[str, Any]) -> web.Response:
        payment = self.payments.get(psp)
        if payment is None:
            return _error(422, "167", "Original pspReference required for this operation")
        mod = psp_reference()
        amount = body["amount"]["value"]
        ok = payment.preauth and payment.status == "authorised" and amount > payment.amount
        if ok:
            payment.amount = amount
        self._notify(
            "AUTHORISATION_ADJUSTMENT", mod, psp, body, amount, payment.currency, ok,
            None if ok else "Not a pre-authorisation",
        )  # fmt: skip
        answer = {
            "merchantAccount": body["merchantAccount"], "paymentPspReference": psp,
            "pspReference": mod, "reference": body.get("reference"), "amount": body["amount"],
            "status": "received",
        }  # fmt: skip
        return _ok(201, {k: v for k, v in answer.items() if v is not None})

    def _list_stored(self, query: dict[str, str]) -> web.Response:
        shopper = query.get("shopperReference")
        methods = [
            {"id": sid, "type": "scheme", "shopperReference": shopper,
             "supportedRecurringProcessingModels": ["UnscheduledCardOnFile"], **card}
            for sid, card in self.stored_cards.items()
            if self.stored.get(sid) == shopper
        ]  # fmt: skip
        return _ok(
            200,
            {"merchantAccount": query.get("merchantAccount"), "shopperReference": shopper,
             "storedPaymentMethods": methods},
        )  # fmt: skip

    def _delete_stored(self, stored_id: str, query: dict[str, str]) -> web.Response:
        if self.stored.get(stored_id) != query.get("shopperReference"):
            return _error(422, "800", "Contract not found")
        del self.stored[stored_id]
        return web.Response(status=204)

    # ------------------------------------------------------------------ webhooks

    # ------------------------------------------------------------------ disputes
    # Opened by a test (Adyen's test cards open them only on live-like flows); the
    # notification is what Adyen would send. acceptDispute answers per the Dispute API.

    def open_dispute(self, payment_psp: str, reason_code: str = "10.4") -> dict[str, Any]:
        """A NOTIFICATION_OF_CHARGEBACK item about ``payment_psp`` (sign with notification)."""
        payment = self.payments[payment_psp]
        psp = psp_reference()
        self.disputes[psp] = {"payment": payment_psp, "status": "Undefended"}
        return {
            "additionalData": {
                "chargebackReasonCode": reason_code, "disputeStatus": "Undefended",
                "defensePeriodEndsAt": "2030-01-01T00:00:00+01:00",
                "chargebackSchemeCode": "visa",
            },
            "amount": {"value": payment.amount, "currency": payment.currency},
            "eventCode": "NOTIFICATION_OF_CHARGEBACK",
            "eventDate": "2026-01-02T01:00:00+01:00",
            "merchantAccountCode": payment.merchant, "merchantReference": payment.reference,
            "originalReference": payment_psp, "pspReference": psp,
            "reason": "Fraudulent transaction", "success": "true",
        }  # fmt: skip

    def _dispute_call(self, path: str, body: dict[str, Any]) -> web.Response:
        dispute = self.disputes.get(str(body.get("disputePspReference")))
        if path == "/acceptDispute":
            if dispute is None:
                result = {"success": False, "errorMessage": "Dispute not found"}
            elif dispute["status"] not in ("Undefended", "Accepted"):
                result = {"success": False, "errorMessage": "Dispute is already defended"}
            else:
                dispute["status"] = "Accepted"
                result = {"success": True}
            return _ok(200, {"disputeServiceResult": result})
        return _error(404, "000", "HTTP Status Response - Not Found", "validation")

    def _notify(
        self,
        event: str,
        psp: str,
        original: str | None,
        body: dict[str, Any],
        value: int,
        currency: str,
        success: bool,
        reason: str | None,
        extra: dict[str, Any] | None = None,
        method: str | None = None,
    ) -> None:
        payment = self.payments.get(original or psp)
        item: dict[str, Any] = {
            "additionalData": dict(extra or {}),
            "amount": {"value": value, "currency": currency},
            "eventCode": event,
            "eventDate": "2026-01-01T01:00:00+01:00",
            "merchantAccountCode": body["merchantAccount"],
            "merchantReference": payment.reference if payment else body.get("reference", ""),
            "pspReference": psp,
            "reason": reason or "",
            "success": "true" if success else "false",
        }
        if original:
            item["originalReference"] = original
        if method:
            item["paymentMethod"] = method
        self.notifications.append(item)


def _ok(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(body), content_type="application/json")


def _error(
    status: int,
    code: str,
    message: str,
    error_type: str = "validation",
    psp: str | None = None,
) -> web.Response:
    body: dict[str, Any] = {
        "status": status,
        "errorCode": code,
        "message": message,
        "errorType": error_type,
    }
    if psp:
        body["pspReference"] = psp
    return _ok(status, body)


@pytest.fixture(name="adyen_fake")
async def adyen_fake_fixture() -> AsyncIterator[AdyenFake]:
    """A started fake; the test fails if any request it saw broke the spec."""
    fake = AdyenFake()
    await fake.start()
    try:
        yield fake
        assert fake.violations == [], fake.violations
    finally:
        await fake.close()
