"""A loopback fake of Authorize.net's JSON API: ``createTransactionRequest`` (authOnly,
authCapture, priorAuthCapture, void, refund; card, Accept.js ``opaqueData``, an eCheck's
``bankAccount`` or a CIM profile), ``getTransactionDetailsRequest`` and the CIM calls
the connector makes.

Authorize.net publishes its API as an XML schema (AnetApiSchema.xsd), not as OpenAPI,
so :meth:`AuthorizenetFake.check` is a hand-written contract of that schema's parts
the connector uses: :data:`CONTRACT` lists, per element, its children *in the XSD's
sequence order* (the JSON API refuses another order) and their kinds; an unknown
child, a child out of order, a missing required one or a wrong JSON type is a
violation. ``tests/connectors/test_authorizenet_sdk.py`` checks both directions
against the official SDK: the connector's requests, turned into XML, are accepted by
the SDK's pyxb bindings of the XSD, and the SDK's own requests pass this contract.

Like the gateway, it answers HTTP 200 to everything, with a UTF-8 byte-order mark
before the JSON, and puts the outcome in ``messages.resultCode`` and
``transactionResponse.responseCode``. Behaviour is chosen by card number (``DECLINES``);
a resent transaction within ``duplicateWindow`` is answered "duplicate" (reason 11)
with the original ``transId``. The sandbox settles captures in a nightly batch; this
fake's batch closes at once (``auto_settle``), so refunds can follow a capture in a
test run; with ``auto_settle = False`` a refund of an unsettled capture is refused
with reason 54, as the gateway does. An eCheck (``bankAccount``, authCapture only)
settles with the same batch; :meth:`AuthorizenetFake.return_item` is the bank returning
it later (``returnedItem`` with the ACH return code). A CIM payment profile may hold a
bank account (``createCustomerProfileRequest``, or ``createProfile`` on an eCheck debit):
its charges are eCheck debits, and ``getCustomerProfileRequest`` shows it masked.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import random
import secrets
import string
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from connector_service.connectors.base import HttpRequest
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation

# Made per process: the API login id is 8-25 characters, the transaction key 16.
LOGIN_ID = "".join(random.choices(string.ascii_letters + string.digits, k=10))
TRANSACTION_KEY = "".join(random.choices(string.ascii_letters + string.digits, k=16))
SIGNATURE_KEY = secrets.token_hex(64).upper()  # the Merchant Interface shows 128 hex digits

SUCCESS_CARD = "4111111111111111"
# card number -> (responseCode, response reason code, reason text)
DECLINES: dict[str, tuple[str, str, str]] = {
    "4000000000000002": ("2", "2", "This transaction has been declined."),
    "4000000000000069": ("3", "8", "The credit card has expired."),
    "4000000000000127": ("2", "44", "This transaction has been declined."),
    "4000000000000119": ("2", "4", "This transaction has been declined."),
    "4000000000009987": ("2", "250", "This transaction has been declined."),
}
WALLETS = ("COMMON.APPLE.INAPP.PAYMENT", "COMMON.GOOGLE.INAPP.PAYMENT")
# bank account number -> (responseCode, reason code, text): an eCheck the gateway refuses
ECHECK_ERRORS: dict[str, tuple[str, str, str]] = {
    "000000000010": ("3", "10", "The account number is invalid."),
}
_ACCOUNT_TYPES = {"4": "Visa", "5": "MasterCard", "3": "AmericanExpress", "6": "Discover"}
_ids = itertools.count(random.randint(40_000_000_000, 49_000_000_000))
_profile_ids = itertools.count(random.randint(500_000_000, 600_000_000))

# --------------------------------------------------------------------------- the contract

S = "string"
# element -> ordered (child, kind, required); kind: "string", another element's name, or
# ["name"] for a repeated element (a JSON array, or one object).
CONTRACT: dict[str, list[tuple[str, Any, bool]]] = {
    "createTransactionRequest": [
        ("merchantAuthentication", "merchantAuthentication", True),
        ("clientId", S, False),
        ("refId", S, False),
        ("transactionRequest", "transactionRequest", True),
    ],
    "getTransactionDetailsRequest": [
        ("merchantAuthentication", "merchantAuthentication", True),
        ("clientId", S, False),
        ("refId", S, False),
        ("transId", S, True),
    ],
    "createCustomerProfileRequest": [
        ("merchantAuthentication", "merchantAuthentication", True),
        ("clientId", S, False),
        ("refId", S, False),
        ("profile", "customerProfile", True),
        ("validationMode", S, False),
    ],
    "getCustomerProfileRequest": [
        ("merchantAuthentication", "merchantAuthentication", True),
        ("clientId", S, False),
        ("refId", S, False),
        ("customerProfileId", S, False),
        ("merchantCustomerId", S, False),
        ("email", S, False),
        ("unmaskExpirationDate", S, False),
        ("includeIssuerInfo", S, False),
    ],
    "getUnsettledTransactionListRequest": [
        ("merchantAuthentication", "merchantAuthentication", True),
        ("clientId", S, False),
        ("refId", S, False),
        ("status", S, False),
        ("sorting", "sorting", False),
        ("paging", "paging", False),
    ],
    "sorting": [("orderBy", S, True), ("orderDescending", S, True)],
    "paging": [("limit", S, True), ("offset", S, True)],
    "deleteCustomerPaymentProfileRequest": [
        ("merchantAuthentication", "merchantAuthentication", True),
        ("clientId", S, False),
        ("refId", S, False),
        ("customerProfileId", S, True),
        ("customerPaymentProfileId", S, True),
    ],
    "merchantAuthentication": [("name", S, True), ("transactionKey", S, True)],
    "transactionRequest": [
        ("transactionType", S, True),
        ("amount", S, False),
        ("currencyCode", S, False),
        ("payment", "payment", False),
        ("profile", "transactionProfile", False),
        ("refTransId", S, False),
        ("order", "order", False),
        ("lineItems", "lineItems", False),
        ("tax", "extendedAmount", False),
        ("duty", "extendedAmount", False),
        ("shipping", "extendedAmount", False),
        ("taxExempt", S, False),
        ("poNumber", S, False),
        ("customer", "customer", False),
        ("billTo", "address", False),
        ("shipTo", "address", False),
        ("customerIP", S, False),
        ("transactionSettings", "transactionSettings", False),
        ("userFields", "userFields", False),
        ("processingOptions", "processingOptions", False),
        ("subsequentAuthInformation", "subsequentAuthInformation", False),
    ],
    "payment": [
        ("creditCard", "creditCard", False),
        ("bankAccount", "bankAccount", False),
        ("opaqueData", "opaqueData", False),
    ],
    "bankAccount": [
        ("accountType", S, False),
        ("routingNumber", S, True),
        ("accountNumber", S, True),
        ("nameOnAccount", S, True),
        ("echeckType", S, False),
        ("bankName", S, False),
        ("checkNumber", S, False),
    ],
    "creditCard": [
        ("cardNumber", S, True),
        ("expirationDate", S, True),
        ("cardCode", S, False),
    ],
    "opaqueData": [("dataDescriptor", S, True), ("dataValue", S, True)],
    "transactionProfile": [
        ("createProfile", S, False),
        ("customerProfileId", S, False),
        ("paymentProfile", "paymentProfileRef", False),
    ],
    "paymentProfileRef": [("paymentProfileId", S, True), ("cardCode", S, False)],
    "order": [("invoiceNumber", S, False), ("description", S, False)],
    "customer": [("type", S, False), ("id", S, False), ("email", S, False)],
    "address": [
        ("firstName", S, False),
        ("lastName", S, False),
        ("company", S, False),
        ("address", S, False),
        ("city", S, False),
        ("state", S, False),
        ("zip", S, False),
        ("country", S, False),
    ],
    "lineItems": [("lineItem", ["lineItem"], True)],
    "lineItem": [
        ("itemId", S, True),
        ("name", S, True),
        ("description", S, False),
        ("quantity", S, True),
        ("unitPrice", S, True),
        ("taxable", S, False),
        ("taxAmount", S, False),
    ],
    "extendedAmount": [("amount", S, True), ("name", S, False), ("description", S, False)],
    "userFields": [("userField", ["userField"], True)],
    "userField": [("name", S, True), ("value", S, True)],
    "transactionSettings": [("setting", ["setting"], False)],
    "setting": [("settingName", S, True), ("settingValue", S, True)],
    "processingOptions": [
        ("isFirstRecurringPayment", S, False),
        ("isFirstSubsequentAuth", S, False),
        ("isSubsequentAuth", S, False),
        ("isStoredCredentials", S, False),
    ],
    "subsequentAuthInformation": [
        ("originalNetworkTransId", S, False),
        ("originalAuthAmount", S, False),
        ("reason", S, False),
    ],
    "customerProfile": [
        ("merchantCustomerId", S, False),
        ("description", S, False),
        ("email", S, False),
        ("paymentProfiles", ["paymentProfile"], False),
    ],
    "paymentProfile": [
        ("customerType", S, False),
        ("billTo", "address", False),
        ("payment", "payment", True),
        ("defaultPaymentProfile", S, False),
    ],
}
OPERATIONS = frozenset(
    {"createTransactionRequest", "getTransactionDetailsRequest",
     "getUnsettledTransactionListRequest", "createCustomerProfileRequest",
     "getCustomerProfileRequest",
     "deleteCustomerPaymentProfileRequest"}
)  # fmt: skip
TRANSACTION_TYPES = {
    "authOnlyTransaction", "authCaptureTransaction", "priorAuthCaptureTransaction",
    "voidTransaction", "refundTransaction",
}  # fmt: skip


def check_body(body: dict[str, Any]) -> None:
    """Raise SpecViolation unless ``body`` is one request of :data:`CONTRACT`."""
    if len(body) != 1:
        raise SpecViolation(f"one root element expected, got {sorted(body)}")
    root, inner = next(iter(body.items()))
    if root not in OPERATIONS:
        raise SpecViolation(f"{root}: not an operation this fake serves")
    _check(root, inner, root)
    if root == "createTransactionRequest":
        kind = inner["transactionRequest"]["transactionType"]
        if kind not in TRANSACTION_TYPES:
            raise SpecViolation(f"transactionType {kind!r} is not served")
        bank = inner["transactionRequest"].get("payment", {}).get("bankAccount")
        if bank is not None:
            _check_bank_account(kind, bank)
    if root == "createCustomerProfileRequest":
        for pp in _as_list(inner["profile"].get("paymentProfiles")):
            if "bankAccount" in pp["payment"]:
                _check_bank_account(root, pp["payment"]["bankAccount"])


def _check(element: str, value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise SpecViolation(f"{where}: an object expected")
    children = CONTRACT[element]
    rank = {name: i for i, (name, _, _) in enumerate(children)}
    last = -1
    for key, child in value.items():
        if key not in rank:
            raise SpecViolation(f"{where}.{key}: not in the schema")
        if rank[key] < last:
            raise SpecViolation(f"{where}.{key}: out of the schema's order")
        last = rank[key]
        _, kind, _ = children[rank[key]]
        path = f"{where}.{key}"
        if kind == S:
            if not isinstance(child, str):
                raise SpecViolation(f"{path}: a string expected, got {type(child).__name__}")
        elif isinstance(kind, list):
            for item in child if isinstance(child, list) else [child]:
                _check(kind[0], item, path)
        else:
            _check(kind, child, path)
    for name, _, required in children:
        if required and name not in value:
            raise SpecViolation(f"{where}.{name}: required")


ACCOUNT_TYPES = ("checking", "savings", "businessChecking")  # bankAccountTypeEnum
ECHECK_TYPES = ("PPD", "WEB", "CCD", "TEL", "ARC", "BOC")  # echeckTypeEnum


def _check_bank_account(kind: str, bank: dict[str, Any]) -> None:
    """eCheck.Net debits (authCapture) and credits (refund), and CIM stores an account
    as a payment profile: it does not hold a debit for a later capture. The XSD's
    facets: routing number 9, account number 17, name on account 22 characters at most."""
    if kind not in ("authCaptureTransaction", "refundTransaction", "createCustomerProfileRequest"):
        raise SpecViolation(f"{kind}: eCheck.Net takes a bankAccount on authCapture or refund")
    if bank.get("accountType", "checking") not in ACCOUNT_TYPES:
        raise SpecViolation(f"bankAccount.accountType {bank['accountType']!r}")
    if bank.get("echeckType", "WEB") not in ECHECK_TYPES:
        raise SpecViolation(f"bankAccount.echeckType {bank['echeckType']!r}")
    for key, most in (("routingNumber", 9), ("accountNumber", 17), ("nameOnAccount", 22)):
        if not 0 < len(bank[key]) <= most:
            raise SpecViolation(f"bankAccount.{key}: 1-{most} characters")


def check_request(request: HttpRequest) -> None:
    if request.method != "POST" or not request.url.endswith("/xml/v1/request.api"):
        raise SpecViolation(f"{request.method} {request.url}: the API is one POST URL")
    content_type = {k.lower(): v for k, v in request.headers.items()}.get("content-type", "")
    if not content_type.startswith(("application/json", "text/json")):
        raise SpecViolation(f"content type {content_type!r}: the JSON API wants JSON")
    try:
        body = json.loads((request.body or b"").decode("utf-8-sig"))
    except ValueError as exc:
        raise SpecViolation(f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise SpecViolation("the body is not an object")
    check_body(body)


def webhook_headers(body: bytes, key: str = SIGNATURE_KEY) -> dict[str, str]:
    """What the gateway sends with a notification: ``sha512=`` and the upper-case hex
    HMAC-SHA512 of the body under the Signature Key."""
    digest = hmac.new(key.encode(), body, hashlib.sha512).hexdigest().upper()
    return {"X-ANET-Signature": f"sha512={digest}"}


def notification(event_type: str, payload: dict[str, Any]) -> bytes:
    event = {
        "notificationId": secrets.token_hex(4)
        + "-"
        + secrets.token_hex(2)
        + "-4d7f-"
        + secrets.token_hex(2)
        + "-"
        + secrets.token_hex(6),
        "eventType": event_type,
        "eventDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "webhookId": "72a55c78-66e6-4b1e-a4d6-3f925c00561f",
        "payload": payload,
    }
    return json.dumps(event).encode()


def answer(body: dict[str, Any]) -> web.Response:
    """The gateway's answer: HTTP 200, a byte-order mark, then the JSON."""
    data = b"\xef\xbb\xbf" + json.dumps(body).encode()
    return web.Response(status=200, body=data, content_type="application/json", charset="utf-8")


def _messages(ok: bool, code: str, text: str) -> dict[str, Any]:
    return {"resultCode": "Ok" if ok else "Error", "message": [{"code": code, "text": text}]}


def _api_error(code: str, text: str, ref_id: str | None = None) -> web.Response:
    body: dict[str, Any] = {"messages": _messages(False, code, text)}
    if ref_id:
        body = {"refId": ref_id, **body}
    return answer(body)


# --------------------------------------------------------------------------- the fake


class AuthorizenetFake(FakeGateway):
    def __init__(self) -> None:
        super().__init__()
        self.login_id, self.transaction_key = LOGIN_ID, TRANSACTION_KEY
        self.transactions: dict[str, dict[str, Any]] = {}
        self.profiles: dict[str, dict[str, Any]] = {}  # customerProfileId -> profile
        self.auto_settle = True
        self._recent: dict[tuple[str, ...], tuple[float, str]] = {}  # duplicate window
        self._pending_key: tuple[str, ...] = ()
        self.nonces: dict[str, str] = {}  # Accept.js nonce -> card number

    @property
    def credentials(self) -> dict[str, str]:
        return {
            "api_login_id": self.login_id,
            "transaction_key": self.transaction_key,
            "webhook_secret": SIGNATURE_KEY,
        }

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/xml/v1/request.api", self._handle)

    def check(self, request: HttpRequest) -> None:
        check_request(request)

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        # What the gateway answers to a body its schema refuses.
        return _api_error("E00003", f"The element is invalid: {violation}")

    # ------------------------------------------------------------------ dispatch

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = json.loads((await request.read()).decode("utf-8-sig"))
        root, inner = next(iter(body.items()))
        auth = inner["merchantAuthentication"]
        if auth["name"] != self.login_id or auth["transactionKey"] != self.transaction_key:
            return _api_error(
                "E00007",
                "User authentication failed due to invalid authentication values.",
                inner.get("refId"),
            )
        handler = {
            "createTransactionRequest": self._transaction,
            "getTransactionDetailsRequest": self._details,
            "getUnsettledTransactionListRequest": self._unsettled,
            "createCustomerProfileRequest": self._create_profile,
            "getCustomerProfileRequest": self._get_profile,
            "deleteCustomerPaymentProfileRequest": self._delete_payment_profile,
        }[root]
        return handler(inner)

    # ------------------------------------------------------------------ transactions

    def _transaction(self, inner: dict[str, Any]) -> web.Response:
        tx = inner["transactionRequest"]
        ref_id = inner.get("refId")
        kind = tx["transactionType"]
        duplicate = self._duplicate(tx)
        if duplicate is not None:
            return self._tx_answer(ref_id, "3", "11", "A duplicate transaction has been submitted.",
                                   duplicate)  # fmt: skip
        if kind in ("authOnlyTransaction", "authCaptureTransaction"):
            result = self._payment(tx, ref_id)
        elif kind == "priorAuthCaptureTransaction":
            result = self._capture(tx, ref_id)
        elif kind == "voidTransaction":
            result = self._void(tx, ref_id)
        else:
            result = self._refund(tx, ref_id)
        return result

    def _duplicate(self, tx: dict[str, Any]) -> str | None:
        """The original transId when the same transaction came within the window."""
        window = 120
        for setting in _as_list(tx.get("transactionSettings", {}).get("setting")):
            if setting["settingName"] == "duplicateWindow":
                window = int(setting["settingValue"])
        payment = tx.get("payment", {})
        key = (
            tx["transactionType"],
            tx.get("amount", ""),
            payment.get("creditCard", {}).get("cardNumber", "")
            or payment.get("bankAccount", {}).get("accountNumber", "")
            or payment.get("opaqueData", {}).get("dataValue", "")
            or json.dumps(tx.get("profile", {}), sort_keys=True),
            tx.get("order", {}).get("invoiceNumber", ""),
            tx.get("refTransId", ""),
        )
        now = time.monotonic()
        seen = self._recent.get(key)
        if seen is not None and now - seen[0] < window:
            return seen[1]
        # Remembered under the id the transaction gets (``_remember``): the handlers are
        # synchronous, so no other request runs in between.
        self._pending_key = key
        return None

    def _remember(self, trans_id: str) -> None:
        self._recent[self._pending_key] = (time.monotonic(), trans_id)

    def _payment(self, tx: dict[str, Any], ref_id: str | None) -> web.Response:
        payment = tx.get("payment", {})
        profile_ref = tx.get("profile", {})
        card = payment.get("creditCard")
        bank = payment.get("bankAccount")
        pan = exp = None
        if card is not None:
            pan, exp = card["cardNumber"], card["expirationDate"]
        elif bank is not None:
            return self._echeck(tx, bank, ref_id)
        elif "opaqueData" in payment and payment["opaqueData"]["dataDescriptor"] in WALLETS:
            pan, exp = SUCCESS_CARD, "2034-12"  # the wallet's device card, approved
        elif "opaqueData" in payment:
            pan = self.nonces.get(payment["opaqueData"]["dataValue"])
            if pan is None:
                return self._tx_answer(ref_id, "3", "117", "Invalid opaque data.", "0")
            exp = "2034-12"
        elif profile_ref.get("customerProfileId"):
            stored = self._stored(profile_ref)
            if stored is None:
                return _api_error("E00040", "The record cannot be found.", ref_id)
            if "bank" in stored:
                if tx["transactionType"] != "authCaptureTransaction":
                    # the gateway's own refusal of an eCheck held for capture
                    text = "This eCheck.Net type is not allowed when using the payment gateway."
                    return self._tx_answer(ref_id, "3", "245", text, "0")
                return self._echeck(tx, dict(stored["bank"]), ref_id)
            pan, exp = stored["cardNumber"], stored["expirationDate"]
        else:
            return self._tx_answer(ref_id, "3", "33", "Credit card number is required.", "0")
        trans_id = str(next(_ids))
        self._remember(trans_id)
        amount = Decimal(tx["amount"])
        auth_only = tx["transactionType"] == "authOnlyTransaction"
        record: dict[str, Any] = {
            "transId": trans_id,
            "type": tx["transactionType"],
            "amount": amount,
            "settle": Decimal(0),
            "refunded": Decimal(0),
            "pan": pan,
            "invoice": tx.get("order", {}).get("invoiceNumber"),
            "submitted": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z",
            "network": "".join(random.choices(string.ascii_uppercase + string.digits, k=15)),
            "profile": {k: v for k, v in profile_ref.items() if k != "createProfile"},
        }
        self.transactions[trans_id] = record
        declined = DECLINES.get(pan or "")
        if declined is None and exp is not None and exp < datetime.now(UTC).strftime("%Y-%m"):
            declined = ("3", "8", "The credit card has expired.")
        if declined is not None:
            record |= {"status": "declined", "code": declined[0], "reason": declined[1]}
            return self._tx_answer(ref_id, declined[0], declined[1], declined[2], trans_id)
        record |= {"code": "1", "reason": "1"}
        if auth_only:
            record["status"] = "authorizedPendingCapture"
        else:
            record["settle"] = amount
            record["status"] = self._captured_status()
        created = None
        if profile_ref.get("createProfile") == "true":
            created = self._new_profile(
                tx.get("customer", {}).get("id"), None, tx.get("customer", {}).get("email"),
                pan, exp,
            )  # fmt: skip
            record["profile"] = created
        return self._tx_answer(ref_id, "1", "1", "This transaction has been approved.", trans_id,
                               profile=created)  # fmt: skip

    def _echeck(self, tx: dict[str, Any], bank: dict[str, Any], ref_id: str | None) -> web.Response:
        """An eCheck debit (of an account given, or of a stored profile's): taken in
        (response code 1), pending settlement until the batch closes; no authorization
        code, no AVS or card code result. ``createProfile`` stores the account."""
        profile_ref = tx.get("profile", {})
        trans_id = str(next(_ids))
        self._remember(trans_id)
        amount = Decimal(tx["amount"])
        record: dict[str, Any] = {
            "transId": trans_id,
            "type": tx["transactionType"],
            "amount": amount,
            "settle": amount,
            "refunded": Decimal(0),
            "pan": None,
            "bank": {
                "accountType": bank.get("accountType", "checking"),
                "routingNumber": f"XXXX{bank['routingNumber'][-4:]}",
                "accountNumber": f"XXXX{bank['accountNumber'][-4:]}",
                "nameOnAccount": bank["nameOnAccount"],
                "echeckType": bank.get("echeckType", "WEB"),
            },
            "invoice": tx.get("order", {}).get("invoiceNumber"),
            "submitted": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z",
            "network": None,
            "profile": {k: v for k, v in profile_ref.items() if k != "createProfile"},
            "returned": [],
        }
        self.transactions[trans_id] = record
        refused = ECHECK_ERRORS.get(bank["accountNumber"])
        if refused is not None:
            record |= {"status": "generalError", "code": refused[0], "reason": refused[1]}
            return self._tx_answer(ref_id, refused[0], refused[1], refused[2], trans_id)
        record |= {"code": "1", "reason": "1", "status": self._captured_status()}
        created = None
        if profile_ref.get("createProfile") == "true":
            customer = tx.get("customer", {})
            created = self._new_profile(customer.get("id"), None, customer.get("email"),
                                        None, None, bank=bank)  # fmt: skip
            record["profile"] = created
        return self._tx_answer(ref_id, "1", "1", "This transaction has been approved.", trans_id,
                               profile=created)  # fmt: skip

    def return_item(self, trans_id: str, code: str = "R01",
                    description: str = "Insufficient Funds") -> None:  # fmt: skip
        """The customer's bank returns a settled eCheck (days later, at the gateway)."""
        record = self.transactions[trans_id]
        record["status"] = "returnedItem"
        record["returned"].append({
            "id": str(next(_ids)),
            "dateUTC": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "dateLocal": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
            "code": code,
            "description": description,
        })  # fmt: skip

    def settle(self) -> None:
        """The day's batch closes: unsettled captures and debits settle."""
        for record in self.transactions.values():
            if record["status"] == "capturedPendingSettlement":
                record["status"] = "settledSuccessfully"

    def _captured_status(self) -> str:
        return "settledSuccessfully" if self.auto_settle else "capturedPendingSettlement"

    def _capture(self, tx: dict[str, Any], ref_id: str | None) -> web.Response:
        original = self.transactions.get(tx.get("refTransId", ""))
        if original is None:
            return self._tx_answer(ref_id, "3", "16", "The transaction cannot be found.", "0")
        if original["status"] in ("capturedPendingSettlement", "settledSuccessfully"):
            text = "This transaction has already been captured."
            return self._tx_answer(ref_id, "3", "311", text, "0")
        if original["status"] != "authorizedPendingCapture":
            return self._tx_answer(ref_id, "3", "16", "The transaction cannot be found.", "0")
        amount = Decimal(tx.get("amount") or original["amount"])
        if amount > original["amount"]:
            return self._tx_answer(
                ref_id, "3", "47",
                "The amount requested for settlement cannot be greater than the original "
                "amount authorized.", "0",
            )  # fmt: skip
        self._remember(original["transId"])
        original |= {"settle": amount, "status": self._captured_status()}
        return self._tx_answer(ref_id, "1", "1", "This transaction has been approved.",
                               original["transId"], ref_trans=original["transId"])  # fmt: skip

    def _void(self, tx: dict[str, Any], ref_id: str | None) -> web.Response:
        original = self.transactions.get(tx.get("refTransId", ""))
        if original is None:
            return self._tx_answer(ref_id, "3", "16", "The transaction cannot be found.", "0")
        if original["status"] == "voided":
            return self._tx_answer(ref_id, "1", "310", "This transaction has already been voided.",
                                   original["transId"])  # fmt: skip
        if original["status"] not in ("authorizedPendingCapture", "capturedPendingSettlement"):
            return self._tx_answer(ref_id, "3", "16", "The transaction cannot be found.", "0")
        self._remember(original["transId"])
        original["status"] = "voided"
        return self._tx_answer(ref_id, "1", "1", "This transaction has been approved.",
                               original["transId"], ref_trans=original["transId"])  # fmt: skip

    def _refund(self, tx: dict[str, Any], ref_id: str | None) -> web.Response:
        original = self.transactions.get(tx.get("refTransId", ""))
        if original is None:
            return self._tx_answer(ref_id, "3", "16", "The transaction cannot be found.", "0")
        card = tx.get("payment", {}).get("creditCard")
        bank = tx.get("payment", {}).get("bankAccount")
        if original["status"] != "settledSuccessfully":
            return self._tx_answer(
                ref_id, "3", "54",
                "The referenced transaction does not meet the criteria for issuing a credit.",
                "0",
            )  # fmt: skip
        if card is not None and (original["pan"] is None
                                 or card["cardNumber"] != original["pan"][-4:]):  # fmt: skip
            return self._tx_answer(ref_id, "3", "54", "The referenced transaction does not meet "
                                   "the criteria for issuing a credit.", "0")  # fmt: skip
        if bank is not None and not _same_account(bank, original.get("bank")):
            return self._tx_answer(ref_id, "3", "54", "The referenced transaction does not meet "
                                   "the criteria for issuing a credit.", "0")  # fmt: skip
        amount = Decimal(tx["amount"])
        if original["refunded"] + amount > original["settle"]:
            return self._tx_answer(
                ref_id, "3", "55",
                "The sum of credits against the referenced transaction would exceed original "
                "debit amount.", "0",
            )  # fmt: skip
        trans_id = str(next(_ids))
        self._remember(trans_id)
        original["refunded"] += amount
        self.transactions[trans_id] = {
            "transId": trans_id,
            "type": "refundTransaction",
            "amount": amount,
            "settle": amount,
            "refunded": Decimal(0),
            "pan": original["pan"],
            "bank": original.get("bank"),
            "invoice": tx.get("order", {}).get("invoiceNumber"),
            "submitted": original["submitted"],
            "network": None,
            "profile": {},
            "refTransId": original["transId"],
            "status": "refundPendingSettlement",
            "code": "1",
            "reason": "1",
        }
        return self._tx_answer(ref_id, "1", "1", "This transaction has been approved.", trans_id,
                               ref_trans=original["transId"])  # fmt: skip

    def _tx_answer(
        self,
        ref_id: str | None,
        code: str,
        reason: str,
        text: str,
        trans_id: str,
        *,
        ref_trans: str = "",
        profile: dict[str, str] | None = None,
    ) -> web.Response:
        record = self.transactions.get(trans_id, {})
        pan = record.get("pan") or ""
        bank = record.get("bank")
        carded = code == "1" and bank is None  # an eCheck has no auth, AVS or card code
        tr: dict[str, Any] = {
            "responseCode": code,
            "authCode": secrets.token_hex(3).upper() if carded else "",
            "avsResultCode": "Y" if carded else "P",
            "cvvResultCode": "M" if carded else "",
            "cavvResultCode": "2" if carded else "",
            "transId": trans_id,
            "refTransID": ref_trans,
            "transHash": "",
            "testRequest": "0",
            "accountNumber": bank["accountNumber"] if bank else f"XXXX{pan[-4:]}" if pan else "",
            "accountType": "eCheck" if bank else _ACCOUNT_TYPES.get(pan[:1], "Visa") if pan else "",
        }
        if code in ("1", "4"):
            tr["messages"] = [{"code": reason, "description": text}]
        else:
            tr["errors"] = [{"errorCode": reason, "errorText": text}]
        tr["transHashSha2"] = ""
        if profile is not None:
            tr["profile"] = profile
        if code == "1" and record.get("network"):
            tr["networkTransId"] = record["network"]
        ok = code in ("1", "4")
        body: dict[str, Any] = {"transactionResponse": tr}
        if ref_id:
            body["refId"] = ref_id
        body["messages"] = (
            _messages(True, "I00001", "Successful.")
            if ok
            else _messages(False, "E00027", "The transaction was unsuccessful.")
        )
        return answer(body)

    def _details(self, inner: dict[str, Any]) -> web.Response:
        record = self.transactions.get(inner["transId"])
        if record is None:
            return _api_error("E00040", "The record cannot be found.")
        return answer({"transaction": self.view(record),
                       "messages": _messages(True, "I00001", "Successful.")})  # fmt: skip

    def _unsettled(self, inner: dict[str, Any]) -> web.Response:
        """Transactions not settled yet, newest first (the fake's ids grow with time)."""
        settled = ("settledSuccessfully", "refundSettledSuccessfully")
        rows = [r for r in self.transactions.values() if r["status"] not in settled]
        rows.sort(key=lambda r: int(r["transId"]), reverse=True)
        limit = int(inner.get("paging", {}).get("limit", "1000"))
        listed = []
        for r in rows[:limit]:
            pan = r.get("pan") or ""
            doc = {
                "transId": r["transId"],
                "submitTimeUTC": r["submitted"],
                "submitTimeLocal": r["submitted"][:-1],
                "transactionStatus": r["status"],
            }
            if r.get("invoice"):
                doc["invoiceNumber"] = r["invoice"]
            bank = r.get("bank")
            doc |= {
                "accountType": "eCheck" if bank else _ACCOUNT_TYPES.get(pan[:1], "Visa"),
                "accountNumber": bank["accountNumber"] if bank else f"XXXX{pan[-4:]}",
                "settleAmount": float(r["amount"]),
                "marketType": "eCommerce",
                "product": "Card Not Present",
            }
            listed.append(doc)
        return answer(
            {
                "messages": _messages(True, "I00001", "Successful."),
                "transactions": listed,
                "totalNumInResultSet": len(listed),
            }
        )

    def view(self, record: dict[str, Any]) -> dict[str, Any]:
        """A transaction as getTransactionDetails shows it (JSON numbers for codes and
        amounts, as the JSON API sends them)."""
        doc: dict[str, Any] = {"transId": record["transId"]}
        if record.get("refTransId"):
            doc["refTransId"] = record["refTransId"]
        doc |= {
            "submitTimeUTC": record["submitted"],
            "transactionType": record["type"],
            "transactionStatus": record["status"],
            "responseCode": int(record["code"]),
            "responseReasonCode": int(record["reason"]),
            "responseReasonDescription": "Approval" if record["code"] == "1" else "Declined",
        }
        if record.get("invoice"):
            doc["order"] = {"invoiceNumber": record["invoice"]}
        doc["authAmount"] = float(record["amount"])
        doc["settleAmount"] = float(record["settle"])
        pan = record.get("pan") or ""
        if record.get("bank"):
            doc["payment"] = {"bankAccount": dict(record["bank"])}
        else:
            doc["payment"] = {
                "creditCard": {
                    "cardNumber": f"XXXX{pan[-4:]}",
                    "expirationDate": "XXXX",
                    "cardType": _ACCOUNT_TYPES.get(pan[:1], "Visa"),
                }
            }
        if record.get("returned"):
            doc["returnedItems"] = list(record["returned"])  # the XSD's place: before profile
        if record.get("profile", {}).get("customerProfileId"):
            doc["profile"] = {
                "customerProfileId": record["profile"]["customerProfileId"],
                "customerPaymentProfileId": record["profile"]
                .get("paymentProfile", {})
                .get("paymentProfileId", record["profile"].get("customerPaymentProfileId", "")),
            }
        if record.get("network"):
            doc["networkTransId"] = record["network"]
        return doc

    # ------------------------------------------------------------------ CIM

    def _stored(self, profile_ref: dict[str, Any]) -> dict[str, Any] | None:
        profile = self.profiles.get(profile_ref.get("customerProfileId", ""))
        ppid = profile_ref.get("paymentProfile", {}).get("paymentProfileId", "")
        if profile is None:
            return None
        stored: dict[str, Any] | None = profile["payment_profiles"].get(ppid)
        return stored

    def _new_profile(
        self, customer_id: str | None, description: str | None, email: str | None,
        pan: str | None, exp: str | None, *, bank: dict[str, str] | None = None,
    ) -> dict[str, str]:  # fmt: skip
        pid, ppid = str(next(_profile_ids)), str(next(_profile_ids))
        stored: dict[str, Any] = (
            {"bank": _stored_bank(bank)}
            if bank is not None
            else {"cardNumber": pan or "", "expirationDate": exp or ""}
        )
        self.profiles[pid] = {
            "merchantCustomerId": customer_id,
            "description": description,
            "email": email,
            "payment_profiles": {ppid: stored},
        }
        return {"customerProfileId": pid, "customerPaymentProfileId": ppid}

    def _create_profile(self, inner: dict[str, Any]) -> web.Response:
        profile = inner["profile"]
        ref_id = inner.get("refId")
        triple = (profile.get("merchantCustomerId"), profile.get("description"),
                  profile.get("email"))  # fmt: skip
        if not any(triple):
            return _api_error("E00041", "One or more fields in the profile must contain a value.",
                              ref_id)  # fmt: skip
        for pid, existing in self.profiles.items():
            if (existing["merchantCustomerId"], existing["description"], existing["email"]) == (
                triple
            ):
                return _api_error("E00039", f"A duplicate record with ID {pid} already exists.",
                                  ref_id)  # fmt: skip
        payment_profiles = _as_list(profile.get("paymentProfiles"))
        cards: list[tuple[str, str]] = []
        banks: list[dict[str, str]] = []
        for pp in payment_profiles:
            payment = pp["payment"]
            if "bankAccount" in payment:
                banks.append(_stored_bank(payment["bankAccount"]))
            elif "creditCard" in payment:
                cards.append((payment["creditCard"]["cardNumber"],
                              payment["creditCard"]["expirationDate"]))  # fmt: skip
            else:
                pan = self.nonces.get(payment["opaqueData"]["dataValue"])
                if pan is None:
                    return _api_error("E00114", "Invalid OTS Token.", ref_id)
                cards.append((pan, "2034-12"))
        validations = []
        if inner.get("validationMode", "none") != "none":
            for pan, _ in cards:
                code, reason, text = DECLINES.get(
                    pan, ("1", "1", "This transaction has been approved.")
                )
                trans_id = str(next(_ids))
                validations.append(
                    f"{code},1,{reason},{text},{'A1B2C3' if code == '1' else ''},Y,{trans_id},"
                    ",,0.00,CC,auth_only,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
                    f"XXXX{pan[-4:]},Visa,,,,,,,,,,,,,,,,,"
                )
                if code != "1":
                    return answer({
                        **({"refId": ref_id} if ref_id else {}),
                        "messages": _messages(False, "E00027", text),
                        "customerPaymentProfileIdList": [],
                        "customerShippingAddressIdList": [],
                        "validationDirectResponseList": validations,
                    })  # fmt: skip
        pid = str(next(_profile_ids))
        stored: list[dict[str, Any]] = [
            {"cardNumber": pan, "expirationDate": exp} for pan, exp in cards
        ] + [{"bank": bank} for bank in banks]
        ids = [str(next(_profile_ids)) for _ in stored]
        self.profiles[pid] = {
            "merchantCustomerId": triple[0],
            "description": triple[1],
            "email": triple[2],
            "payment_profiles": dict(zip(ids, stored, strict=True)),
        }
        body: dict[str, Any] = {"customerProfileId": pid, "customerPaymentProfileIdList": ids,
                                "customerShippingAddressIdList": []}  # fmt: skip
        # the schema requires the list (empty without a validation: a bank account's,
        # or validationMode none)
        body["validationDirectResponseList"] = validations
        if ref_id:
            body = {"refId": ref_id, **body}
        body["messages"] = _messages(True, "I00001", "Successful.")
        return answer(body)

    def _get_profile(self, inner: dict[str, Any]) -> web.Response:
        pid = inner.get("customerProfileId", "")
        profile = self.profiles.get(pid)
        if profile is None:
            return _api_error("E00040", "The record cannot be found.")
        unmask = inner.get("unmaskExpirationDate") == "true"
        doc: dict[str, Any] = {
            k: profile[k] for k in ("merchantCustomerId", "description", "email") if profile[k]
        }
        doc["customerProfileId"] = pid
        doc["paymentProfiles"] = [
            {
                "customerType": "individual",
                "customerProfileId": pid,
                "customerPaymentProfileId": ppid,
                "payment": {"bankAccount": _masked_bank(card["bank"])}
                if "bank" in card
                else {
                    "creditCard": {
                        "cardNumber": f"XXXX{card['cardNumber'][-4:]}",
                        "expirationDate": card["expirationDate"] if unmask else "XXXX",
                        "cardType": _ACCOUNT_TYPES.get(card["cardNumber"][:1], "Visa"),
                    }
                },
            }
            for ppid, card in profile["payment_profiles"].items()
        ]
        doc["profileType"] = "regular"
        return answer({"profile": doc, "messages": _messages(True, "I00001", "Successful.")})

    def _delete_payment_profile(self, inner: dict[str, Any]) -> web.Response:
        profile = self.profiles.get(inner["customerProfileId"])
        ppid = inner["customerPaymentProfileId"]
        if profile is None or ppid not in profile["payment_profiles"]:
            return _api_error("E00040", "The record cannot be found.", inner.get("refId"))
        del profile["payment_profiles"][ppid]
        return answer({"messages": _messages(True, "I00001", "Successful.")})

    # ------------------------------------------------------------------ Accept.js

    def tokenize(self, number: str) -> str:
        """What Accept.js does in the customer's browser: a card becomes a one-time
        ``opaqueData.dataValue`` (a base64-looking nonce)."""
        nonce = "eyJjb2RlIjoiNTBfMl8wNjAwMDU" + secrets.token_hex(24)
        self.nonces[nonce] = number
        return nonce


def _stored_bank(bank: dict[str, str]) -> dict[str, str]:
    """A bank account as a payment profile keeps it (full numbers: it is debited later)."""
    return {
        "accountType": bank.get("accountType", "checking"),
        "routingNumber": bank["routingNumber"],
        "accountNumber": bank["accountNumber"],
        "nameOnAccount": bank["nameOnAccount"],
        "echeckType": bank.get("echeckType", "WEB"),
    }


def _masked_bank(bank: dict[str, str]) -> dict[str, str]:
    """``bankAccountMaskedType``: the account as getCustomerProfile shows it."""
    return {
        "accountType": bank["accountType"],
        "routingNumber": f"XXXX{bank['routingNumber'][-4:]}",
        "accountNumber": f"XXXX{bank['accountNumber'][-4:]}",
        "nameOnAccount": bank["nameOnAccount"],
        "echeckType": bank["echeckType"],
    }


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _same_account(bank: dict[str, Any], original: dict[str, Any] | None) -> bool:
    """A refund's bank account is the debit's: the same last four digits of the routing
    and account numbers (full or masked ``XXXX6789``), and the same name."""
    if original is None:
        return False
    return bool(
        bank["routingNumber"][-4:] == original["routingNumber"][-4:]
        and bank["accountNumber"][-4:] == original["accountNumber"][-4:]
        and bank["nameOnAccount"] == original["nameOnAccount"]
    )
