"""A loopback fake of Braintree's GraphQL API (``POST /graphql``).

Every request is checked before it is answered: Basic credentials, ``Braintree-Version``
(a date) and ``Content-Type``, then the document and its variables against Braintree's
published schema (``braintree/schema.graphql`` under ``CS_SPECS_DIR``) with graphql-core.
The answer is then *executed* against that same schema by graphql-core, with a small
ledger as the resolvers, so every answer has exactly the shape the schema gives the
fields the connector asked for (unions and interfaces by ``__typename``, enums, ids).

The ledger follows Braintree's rules as its docs state them: a tokenized card is single
use; ``authorizePaymentMethod`` makes an ``AUTHORIZED`` transaction, ``chargePaymentMethod``
a ``SUBMITTED_FOR_SETTLEMENT`` one; a partial capture is a child transaction of the
authorization; only a settled transaction can be refunded (``91506`` otherwise), never
beyond what is left (``91521``); ``reverseTransaction`` voids what has not settled and
refunds what has. Sandbox triggers: an amount from 2000.00 to 2999.99 is processor
declined with that code, 3000.00 fails (processor network unavailable); card
``4000111111111115`` is declined ``2000``, ``4000111111111511`` is gateway rejected
(``FRAUD``). ``settle_at_once`` (default True) plays the sandbox's settlement batch at
once: a transaction submitted for settlement is settled when it is next refunded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from graphql import GraphQLError, execute_sync, parse
from graphql.language import (
    DocumentNode,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    OperationDefinitionNode,
)

from connector_service.connectors.base import HttpRequest
from connector_service.testing import graphql_spec
from connector_service.testing.fakes.base import FakeGateway
from connector_service.testing.spec import SpecViolation, spec_path

SPEC = "braintree/schema.graphql"
PUBLIC_KEY = "fakepublickey0042"
# Made per process: never a committed key-shaped literal.
PRIVATE_KEY = secrets.token_hex(16)
SUCCESS_CARD = "4111111111111111"
DECLINED_CARD = "4000111111111115"  # processor declined 2000 (Do Not Honor)
REJECTED_CARD = "4000111111111511"  # the fake's own trigger: gateway rejected, FRAUD
_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}")
_legacy = itertools.count(10_000_000)


def _undeprecate_interface_fields(document: DocumentNode) -> None:
    """Braintree's schema marks some fields ``@deprecated`` on a type although the
    interface field they implement is not (``InStoreContext.id``/``.reader``), which
    graphql-core refuses to build. Drop those directives: nothing else changes."""
    interfaces: dict[str, dict[str, bool]] = {}
    for node in document.definitions:
        if isinstance(node, InterfaceTypeDefinitionNode):
            interfaces[node.name.value] = {
                f.name.value: any(d.name.value == "deprecated" for d in f.directives or ())
                for f in node.fields or ()
            }
    for node in document.definitions:
        if not isinstance(node, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode):
            continue
        for iface in node.interfaces or ():
            declared = interfaces.get(iface.name.value, {})
            for f in node.fields or ():
                if f.name.value in declared and not declared[f.name.value] and f.directives:
                    kept = tuple(d for d in f.directives if d.name.value != "deprecated")
                    object.__setattr__(f, "directives", kept)


graphql_spec.register_fix(SPEC, _undeprecate_interface_fields)


def schema_path() -> Any:
    return spec_path(SPEC)


def global_id(kind: str, legacy: str) -> str:
    """A GraphQL id the way Braintree forms them: unpadded base64 of ``kind_legacy``."""
    return base64.b64encode(f"{kind}_{legacy}".encode()).decode().rstrip("=")


def _major(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}"


def _minor(value: str) -> int:
    return int(Decimal(value) * 100)


class _Refusal(GraphQLError):
    def __init__(self, message: str, error_class: str, legacy: str | None = None,
                 input_path: list[str] | None = None) -> None:  # fmt: skip
        extensions: dict[str, Any] = {"errorClass": error_class}
        if legacy:
            extensions["legacyCode"] = legacy
        if input_path:
            extensions["inputPath"] = input_path
        super().__init__(message, extensions=extensions)


@dataclass
class FakeMethod:
    id: str
    number: str
    exp_month: str
    exp_year: str
    usage: str = "SINGLE_USE"
    used: bool = False
    deleted: bool = False


@dataclass
class FakeTransaction:
    id: str
    legacy: str
    amount: int  # minor units (USD-like, two decimals)
    currency: str
    status: str
    order_id: str | None
    method: FakeMethod
    merchant_account: str
    events: list[dict[str, Any]] = field(default_factory=list)
    children: list[FakeTransaction] = field(default_factory=list)
    parent: FakeTransaction | None = None
    refunds: list[FakeRefund] = field(default_factory=list)
    vaulted: FakeMethod | None = None

    @property
    def refunded(self) -> int:
        return sum(r.amount for r in self.refunds if r.status != "VOIDED")


@dataclass
class FakeRefund:
    id: str
    legacy: str
    amount: int
    currency: str
    order_id: str | None
    transaction: FakeTransaction
    status: str = "SUBMITTED_FOR_SETTLEMENT"


class BraintreeFake(FakeGateway):
    def __init__(self) -> None:
        super().__init__()
        self.public_key = PUBLIC_KEY
        self.private_key = PRIVATE_KEY
        self.secret = PRIVATE_KEY
        self.merchant_account = "fake_usd_account"
        self.currency = "USD"
        self.settle_at_once = True
        self.methods: dict[str, FakeMethod] = {}
        self.transactions: dict[str, FakeTransaction] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.operations: list[tuple[str, dict[str, Any]]] = []  # (operation, variables)

    @property
    def credentials(self) -> dict[str, str]:
        return {"public_key": self.public_key, "private_key": self.private_key}

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/graphql", self.graphql)

    # ---- request checks

    def authenticate(self, request: web.Request) -> web.StreamResponse | None:
        token = base64.b64encode(f"{self.public_key}:{self.private_key}".encode()).decode()
        if request.headers.get("Authorization") == f"Basic {token}":
            return None
        return web.json_response(
            {
                "errors": [
                    {
                        "message": "Authentication failed.",
                        "extensions": {"errorClass": "AUTHENTICATION"},
                    }
                ]
            },
            status=401,
        )

    def check(self, request: HttpRequest) -> None:
        version = request.headers.get("Braintree-Version", "")
        if not _VERSION.fullmatch(version):
            raise SpecViolation(f"Braintree-Version must be a YYYY-MM-DD date, not {version!r}")
        if not request.headers.get("Content-Type", "").startswith("application/json"):
            raise SpecViolation("Content-Type must be application/json")
        try:
            body = json.loads(request.body or b"")
        except ValueError as exc:
            raise SpecViolation(f"body is not JSON: {exc}") from None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            raise SpecViolation('body must be {"query": "...", "variables": {...}}')
        variables = body.get("variables", {})
        if not isinstance(variables, dict) or set(body) - {"query", "variables", "operationName"}:
            raise SpecViolation("variables must be an object; no other body keys")
        graphql_spec.validate_operation(schema_path(), body["query"], variables)

    def rejection(self, request: HttpRequest, violation: SpecViolation) -> web.StreamResponse:
        return web.json_response(
            {"errors": [{"message": str(violation), "extensions": {"errorClass": "VALIDATION"}}]},
            status=200,
        )

    # ---- the endpoint

    async def graphql(self, request: web.Request) -> web.Response:
        body = await request.json()
        document = parse(body["query"])
        variables = body.get("variables") or {}
        name = next(
            (
                d.name.value
                for d in document.definitions
                if isinstance(d, OperationDefinitionNode) and d.name
            ),
            "anonymous",
        )
        self.operations.append((name, variables))
        result = execute_sync(
            graphql_spec.load_schema(schema_path()), document, root_value=_Root(self),
            variable_values=variables,
        )  # fmt: skip
        out: dict[str, Any] = {"data": result.data}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        out["extensions"] = {"requestId": secrets.token_hex(8)}
        return web.json_response(out)

    # ---- documents (what the resolvers answer, the schema's field names)

    def _money(self, minor: int, currency: str) -> dict[str, Any]:
        return {"value": _major(minor), "currencyCode": currency, "currencyIsoCode": currency}

    def card_doc(self, m: FakeMethod) -> dict[str, Any]:
        return {
            "__typename": "CreditCardDetails", "brandCode": "VISA", "last4": m.number[-4:],
            "bin": m.number[:6], "expirationMonth": m.exp_month, "expirationYear": m.exp_year,
        }  # fmt: skip

    def method_doc(self, m: FakeMethod) -> dict[str, Any]:
        return {"__typename": "PaymentMethod", "id": m.id, "legacyId": m.id, "usage": m.usage,
                "details": self.card_doc(m)}  # fmt: skip

    def transaction_doc(self, t: FakeTransaction, *, links: bool = True) -> dict[str, Any]:
        """``t`` as the schema's Transaction; ``links``: with its parent or children
        (one level: a child inside its parent does not name the parent again)."""
        doc: dict[str, Any] = {
            "__typename": "Transaction", "id": t.id, "legacyId": t.legacy, "orderId": t.order_id,
            "status": t.status, "merchantAccountId": t.merchant_account,
            "amount": self._money(t.amount, t.currency),
            "paymentMethod": self.method_doc(t.vaulted or t.method),
            "paymentMethodSnapshot": {
                "__typename": "CreditCardTransactionDetails",
                "networkTransactionId": f"NTI{t.legacy}",
                "creditCard": self.card_doc(t.method),
            },
            "statusHistory": t.events,
            "refunds": [self.refund_doc(r) for r in t.refunds],
            "partialCaptureDetails": None,
        }  # fmt: skip
        if t.children and links:
            doc["partialCaptureDetails"] = {
                "__typename": "ParentAuthorization",
                "childCaptures": [self.transaction_doc(c, links=False) for c in t.children],
                "totalAmountAuthorized": self._money(t.amount, t.currency),
            }
        elif t.parent is not None and links:
            doc["partialCaptureDetails"] = {
                "__typename": "ChildCapture",
                "parentAuthorization": self.transaction_doc(t.parent, links=False)
                | {
                    "partialCaptureDetails": self.transaction_doc(t.parent)["partialCaptureDetails"]
                },
            }
        return doc

    def refund_doc(self, r: FakeRefund) -> dict[str, Any]:
        return {
            "__typename": "Refund", "id": r.id, "legacyId": r.legacy, "orderId": r.order_id,
            "status": r.status, "amount": self._money(r.amount, r.currency),
            "refundedTransaction": {"__typename": "Transaction", "id": r.transaction.id},
            "statusHistory": [],
        }  # fmt: skip

    # ---- webhooks (signed the way Braintree does, with this fake's own code)

    def notify(self, kind: str, subject: str, timestamp: int | None = None) -> bytes:
        """A notification of ``kind`` about ``subject`` (its XML), as Braintree's XML."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp or time.time()))
        return (
            "<notification>"
            f'<timestamp type="datetime">{stamp}</timestamp>'
            f"<kind>{kind}</kind>"
            f"<subject>{subject}</subject>"
            "</notification>"
        ).encode()

    def transaction_xml(self, t: FakeTransaction) -> str:
        return (
            "<transaction>"
            f"<id>{t.legacy}</id><global-id>{t.id}</global-id>"
            f"<status>{t.status.lower()}</status><type>sale</type>"
            f"<currency-iso-code>{t.currency}</currency-iso-code>"
            f"<amount>{_major(t.amount)}</amount>"
            f"<order-id>{t.order_id or ''}</order-id>"
            f"<merchant-account-id>{t.merchant_account}</merchant-account-id>"
            "</transaction>"
        )

    def refund_xml(self, r: FakeRefund, status: str = "processor_declined") -> str:
        return (
            "<transaction>"
            f"<id>{r.legacy}</id><global-id>{r.id}</global-id><type>credit</type>"
            f"<status>{status}</status><currency-iso-code>{r.currency}</currency-iso-code>"
            f"<amount>{_major(r.amount)}</amount>"
            f"<refunded-transaction-id>{r.transaction.legacy}</refunded-transaction-id>"
            "</transaction>"
        )

    def dispute_xml(self, t: FakeTransaction, status: str = "open") -> str:
        return (
            f"<dispute><id>dp_{t.legacy}</id><amount>{_major(t.amount)}</amount>"
            f"<currency-iso-code>{t.currency}</currency-iso-code><status>{status}</status>"
            "<kind>chargeback</kind><reason>fraud</reason>"
            '<reply-by-date type="date">2026-12-31</reply-by-date>'
            f"<transaction><id>{t.legacy}</id><amount>{_major(t.amount)}</amount></transaction>"
            "</dispute>"
        )

    def notification(self, kind: str, t: FakeTransaction, timestamp: int | None = None) -> bytes:
        """The XML notification Braintree would send about transaction ``t``."""
        return self.notify(kind, self.transaction_xml(t), timestamp)


def sign_notification(xml: bytes, public_key: str, private_key: str) -> bytes:
    """The form Braintree posts: ``bt_signature`` and ``bt_payload`` (base64 in lines)."""
    payload = base64.encodebytes(xml)
    key = hashlib.sha1(private_key.encode()).digest()  # noqa: S324 (Braintree's scheme)
    mac = hmac.new(key, payload, hashlib.sha1).hexdigest()
    return urlencode({"bt_signature": f"{public_key}|{mac}", "bt_payload": payload}).encode()


def restamp(xml: bytes, timestamp: int) -> bytes:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))
    return re.sub(rb'(<timestamp type="datetime">)[^<]*(</timestamp>)',
                  rb"\g<1>" + stamp.encode() + rb"\g<2>", xml, count=1)  # fmt: skip


# --------------------------------------------------------------------------- resolvers


class _Search:
    def __init__(self, fake: BraintreeFake) -> None:
        self.fake = fake

    def transactions(self, info: Any, input: dict[str, Any], **_: Any) -> dict[str, Any]:
        wanted = (input.get("orderId") or {}).get("is")
        found = [t for t in self.fake.transactions.values()
                 if t.parent is None and wanted is not None and t.order_id == wanted]  # fmt: skip
        return {
            "edges": [{"cursor": t.id, "node": self.fake.transaction_doc(t)} for t in found],
            "pageInfo": {"hasNextPage": False, "hasPreviousPage": False},
        }


class _Root:
    """The Query and Mutation fields the connector uses (graphql-core calls a callable
    attribute of the root value with the field's arguments)."""

    def __init__(self, fake: BraintreeFake) -> None:
        self.fake = fake

    # ---- queries

    def node(self, info: Any, id: str) -> dict[str, Any]:
        f = self.fake
        if id in f.transactions:
            return f.transaction_doc(f.transactions[id])
        if id in f.refunds:
            return f.refund_doc(f.refunds[id])
        if id in f.methods and not f.methods[id].deleted:
            return f.method_doc(f.methods[id])
        raise _Refusal("An object with this ID was not found.", "NOT_FOUND")

    def search(self, info: Any) -> _Search:
        return _Search(self.fake)

    def ping(self, info: Any) -> str:
        return "pong"

    # ---- mutations

    def tokenizeCreditCard(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        card = input["creditCard"]
        number = card.get("number") or ""
        if not re.fullmatch(r"\d{12,19}", number) or not _luhn(number):
            raise _Refusal("Credit card number is invalid.", "VALIDATION", "81715",
                           ["input", "creditCard", "number"])  # fmt: skip
        if not re.fullmatch(r"\d{2}", card.get("expirationMonth") or ""):
            raise _Refusal("Expiration month is invalid", "VALIDATION", "81712",
                           ["input", "creditCard", "expirationMonth"])  # fmt: skip
        legacy = f"tokencc_{secrets.token_hex(6)}"
        m = FakeMethod(global_id("paymentmethod", legacy), number, card["expirationMonth"],
                       card.get("expirationYear") or "")  # fmt: skip
        self.fake.methods[m.id] = m
        return {"paymentMethod": self.fake.method_doc(m)}

    def _method(self, pid: str) -> FakeMethod:
        m = self.fake.methods.get(pid)
        if m is None or m.deleted or (m.usage == "SINGLE_USE" and m.used):
            raise _Refusal("Unknown or expired payment method ID.", "VALIDATION", "91565",
                           ["input", "paymentMethodId"])  # fmt: skip
        return m

    def _transact(self, input: dict[str, Any], settle: bool) -> dict[str, Any]:
        f = self.fake
        m = self._method(input["paymentMethodId"])
        txn_in = input["transaction"]
        try:
            amount = _minor(txn_in["amount"])
        except ArithmeticError:
            raise _Refusal("Amount is an invalid format.", "VALIDATION", "81503",
                           ["input", "transaction", "amount"]) from None  # fmt: skip
        if amount <= 0:
            raise _Refusal("Amount must be greater than zero.", "VALIDATION", "81531",
                           ["input", "transaction", "amount"])  # fmt: skip
        account = txn_in.get("merchantAccountId") or f.merchant_account
        if account != f.merchant_account:
            raise _Refusal("Merchant account ID is invalid.", "VALIDATION", "91513",
                           ["input", "transaction", "merchantAccountId"])  # fmt: skip
        if m.usage == "SINGLE_USE":
            m.used = True
        legacy = f"{next(_legacy):x}"
        t = FakeTransaction(global_id("transaction", legacy), legacy, amount, f.currency,
                            "AUTHORIZING", txn_in.get("orderId"), m, account)  # fmt: skip
        code = int(amount // 100) if 200000 <= amount < 300100 else None
        money = f._money(amount, t.currency)
        if m.number == DECLINED_CARD:
            code = 2000
        if m.number == REJECTED_CARD:
            t.status = "GATEWAY_REJECTED"
            t.events.append({"__typename": "GatewayRejectedEvent", "status": t.status,
                             "amount": money, "gatewayRejectionReason": "FRAUD"})  # fmt: skip
        elif code == 3000:
            t.status = "FAILED"
            t.events.append(
                {
                    "__typename": "FailedEvent",
                    "status": t.status,
                    "amount": money,
                    "processorResponse": {
                        "legacyCode": "3000",
                        "message": "Processor Network Unavailable - Try Again",
                    },
                }
            )
        elif code is not None:
            t.status = "PROCESSOR_DECLINED"
            t.events.append({
                "__typename": "ProcessorDeclinedEvent", "status": t.status, "amount": money,
                "declineType": "SOFT" if code in (2001, 2002, 2003) else "HARD",
                "processorResponse": {"legacyCode": str(code), "message": _MESSAGES.get(code,
                                                                                        "Declined")},
            })  # fmt: skip
        else:
            t.status = "AUTHORIZED"
            t.events.append(
                {
                    "__typename": "AuthorizedEvent",
                    "status": "AUTHORIZED",
                    "amount": money,
                    "processorResponse": {"legacyCode": "1000", "message": "Approved"},
                }
            )
            if settle:
                t.status = "SUBMITTED_FOR_SETTLEMENT"
                t.events.append({"__typename": "SubmittedForSettlementEvent",
                                 "status": t.status, "amount": money})  # fmt: skip
            if txn_in.get("vaultPaymentMethodAfterTransacting"):
                t.vaulted = self._vault(m)
        f.transactions[t.id] = t
        return {"transaction": f.transaction_doc(t)}

    def _vault(self, m: FakeMethod) -> FakeMethod:
        legacy = f"{secrets.token_hex(4)}"
        vaulted = FakeMethod(global_id("paymentmethod", legacy), m.number, m.exp_month,
                             m.exp_year, usage="MULTI_USE")  # fmt: skip
        self.fake.methods[vaulted.id] = vaulted
        return vaulted

    def authorizePaymentMethod(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        return self._transact(input, settle=False)

    def chargePaymentMethod(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        return self._transact(input, settle=True)

    def _transaction(self, tid: str) -> FakeTransaction:
        t = self.fake.transactions.get(tid)
        if t is None:
            raise _Refusal("An object with this ID was not found.", "NOT_FOUND", None,
                           ["input", "transactionId"])  # fmt: skip
        return t

    def _amount(self, raw: str | None, default: int, path: list[str]) -> int:
        if raw is None:
            return default
        amount = _minor(raw)
        if amount <= 0:
            raise _Refusal("Amount must be greater than zero.", "VALIDATION", "81531", path)
        return amount

    def captureTransaction(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        t = self._transaction(input["transactionId"])
        if t.status != "AUTHORIZED" or t.children:
            raise _Refusal("Cannot submit for settlement unless status is authorized.",
                           "VALIDATION", "91507", ["input", "transactionId"])  # fmt: skip
        options = input.get("transaction") or {}
        amount = self._amount(input.get("amount") or options.get("amount"), t.amount,
                              ["input", "amount"])  # fmt: skip
        if amount > t.amount:
            raise _Refusal("Settlement amount is too large.", "VALIDATION", "91522",
                           ["input", "amount"])  # fmt: skip
        t.amount = amount
        t.status = "SUBMITTED_FOR_SETTLEMENT"
        t.events.append({"__typename": "SubmittedForSettlementEvent", "status": t.status,
                         "amount": self.fake._money(amount, t.currency)})  # fmt: skip
        return {"transaction": self.fake.transaction_doc(t)}

    def partialCaptureTransaction(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        f = self.fake
        parent = self._transaction(input["transactionId"])
        if parent.status != "AUTHORIZED":
            raise _Refusal("Cannot submit for settlement unless status is authorized.",
                           "VALIDATION", "91507", ["input", "transactionId"])  # fmt: skip
        path = ["input", "transaction", "amount"]
        amount = self._amount((input.get("transaction") or {}).get("amount"), 0, path)
        left = parent.amount - sum(c.amount for c in parent.children)
        if amount > left:
            raise _Refusal("Settlement amount is too large.", "VALIDATION", "91522", path)
        legacy = f"{next(_legacy):x}"
        child = FakeTransaction(global_id("transaction", legacy), legacy, amount,
                                parent.currency, "SUBMITTED_FOR_SETTLEMENT", parent.order_id,
                                parent.method, parent.merchant_account, parent=parent)  # fmt: skip
        child.events.append(
            {
                "__typename": "SubmittedForSettlementEvent",
                "status": child.status,
                "amount": f._money(amount, child.currency),
            }
        )
        parent.children.append(child)
        f.transactions[child.id] = child
        return {"capture": f.transaction_doc(child)}

    def reverseTransaction(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        f = self.fake
        t = self._transaction(input["transactionId"])
        if t.status in ("AUTHORIZED", "SUBMITTED_FOR_SETTLEMENT") and not t.children:
            t.status = "VOIDED"
            t.events.append({"__typename": "VoidedEvent", "status": "VOIDED",
                             "amount": f._money(t.amount, t.currency)})  # fmt: skip
            return {"reversal": f.transaction_doc(t)}
        if t.status in ("SETTLED", "SETTLING"):
            refund = self._make_refund(t, t.amount - t.refunded, None)
            return {"reversal": f.refund_doc(refund)}
        raise _Refusal("Transaction can only be voided if status is authorized or "
                       "submitted_for_settlement.", "VALIDATION", "91504",
                       ["input", "transactionId"])  # fmt: skip

    def _make_refund(self, t: FakeTransaction, amount: int, order_id: str | None) -> FakeRefund:
        legacy = f"{next(_legacy):x}"
        r = FakeRefund(global_id("refund", legacy), legacy, amount, t.currency, order_id, t)
        t.refunds.append(r)
        self.fake.refunds[r.id] = r
        return r

    def refundTransaction(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        t = self._transaction(input["transactionId"])
        if t.status == "SUBMITTED_FOR_SETTLEMENT" and self.fake.settle_at_once:
            t.status = "SETTLED"  # the sandbox's settlement batch ran
            t.events.append({"__typename": "SettledEvent", "status": t.status,
                             "amount": self.fake._money(t.amount, t.currency)})  # fmt: skip
        if t.status not in ("SETTLED", "SETTLING"):
            raise _Refusal("Cannot refund a transaction unless it is settled.", "VALIDATION",
                           "91506", ["input", "transactionId"])  # fmt: skip
        left = t.amount - t.refunded
        if left <= 0:
            raise _Refusal("Transaction has already been completely refunded.", "VALIDATION",
                           "91512", ["input", "transactionId"])  # fmt: skip
        options = input.get("refund") or {}
        path = ["input", "refund", "amount"]
        amount = self._amount(options.get("amount"), left, path)
        if amount > left:
            raise _Refusal("Refund amount is too large.", "VALIDATION", "91521", path)
        refund = self._make_refund(t, amount, options.get("orderId"))
        return {"refund": self.fake.refund_doc(refund)}

    def vaultPaymentMethod(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        f = self.fake
        m = self._method(input["paymentMethodId"])
        m.used = True
        vid = global_id("verification", secrets.token_hex(4))
        if m.number in (DECLINED_CARD, REJECTED_CARD):
            return {"paymentMethod": None, "verification": {
                "__typename": "Verification", "id": vid, "legacyId": vid,
                "status": "PROCESSOR_DECLINED",
                "processorResponse": {"legacyCode": "2000", "message": "Do Not Honor"},
            }}  # fmt: skip
        vaulted = self._vault(m)
        return {"paymentMethod": f.method_doc(vaulted), "verification": {
            "__typename": "Verification", "id": vid, "legacyId": vid, "status": "VERIFIED",
            "processorResponse": {"legacyCode": "1000", "message": "Approved"},
        }}  # fmt: skip

    def deletePaymentMethodFromVault(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        m = self.fake.methods.get(input["paymentMethodId"])
        if m is None or m.deleted or m.usage != "MULTI_USE":
            raise _Refusal("An object with this ID was not found.", "NOT_FOUND", None,
                           ["input", "paymentMethodId"])  # fmt: skip
        m.deleted = True
        return {"clientMutationId": input.get("clientMutationId")}


_MESSAGES = {2000: "Do Not Honor", 2001: "Insufficient Funds", 2004: "Expired Card",
             2012: "Processor Declined - Possible Lost Card", 2014: "Fraud Suspected"}  # fmt: skip


def _luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0
