"""The sandbox's payment methods beyond cards, each with its realistic shape.

The ``sandbox`` connector sends ``{"method": {"type": …, …}}`` instead of a card; what
happens next depends on the method's kind (``MethodKind``):

- **wallet** (``apple_pay``, ``google_pay``, ``network_token``): authorized at once like a
  card. A wallet token ``sandbox_decline`` is declined (``insufficient_funds``).
- **redirect** (``paypal``, ``ideal``, ``bancontact``, ``eps``, ``przelewy24``, ``klarna``,
  ``afterpay_clearpay``, ``affirm``, ``netbanking``, ``ewallet`` but OVO):
  ``requires_customer`` with a redirect to the hosted page ``/sandbox/pay/<id>``; its
  *Approve* button captures (or authorizes, for a manual capture of a method that has
  one), *Decline* declines (``customer_declined``); the browser then goes to the
  ``return_url``.
- **qr** (``pix``, ``upi`` without a VPA, ``paynow``, ``promptpay``, ``qris``,
  ``alipay``, ``wechat_pay``): ``requires_customer`` with the QR code (payload and a PNG
  data URL) and the hosted page showing it. "Scanning" is ``POST /sandbox/scan`` with the payload
  (what a banking app does), or the page's *Scan with the sandbox app* button. Unpaid at
  ``expires_at``, the payment fails (``expired``) at the next sync.
- **app_confirm** (``blik``, ``upi`` with a VPA, ``ewallet`` OVO): ``requires_customer``
  while the customer confirms in their app (``await_customer``; the hosted page stands in
  for the app). The BLIK code ``000000`` and the VPA ``decline@sandbox`` are declined by the "app".
- **voucher** (``boleto``, ``oxxo``, ``konbini``, ``virtual_account``): ``requires_customer``
  with the voucher (number, barcode digits, expiry, printable page), or for a virtual
  account the bank transfer to make (``display_bank_transfer``: bank, account number,
  name). It is paid later: ``POST /sandbox/vouchers/<number>/pay`` (what the store or bank
  does).
- **bank_debit** (``sepa_debit``, ``ach_debit``, ``bacs_debit``): ``pending`` at once, with
  the debit mandate; it settles ``[sandbox] debit_settle_seconds`` (default
  :data:`DEBIT_SETTLE_SECONDS`) later (by webhook, or at a
  sync after that), as ``captured`` or, for an IBAN or account number ending in ``0002``,
  bounced (``declined``, ``insufficient_funds``); one ending in ``0003`` bounces as a
  closed account (``account_closed``).

Every change is told by the usual ``payment.*`` webhooks and every state is what a sync
answers. Nothing secret is kept: the ledger holds a method summary (type, last four of
an account, bank), never an IBAN, account number, cryptogram, code or wallet token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connector_service.domain.payment_methods import (
    METHOD_KIND,
    PUSH_WALLETS,
    MethodKind,
    PaymentMethodType,
)

if TYPE_CHECKING:
    from connector_service.sandbox.gateway import SandboxGateway

DEBIT_SETTLE_SECONDS = 1.0
QR_EXPIRES_SECONDS = 15 * 60
VOUCHER_EXPIRES_DAYS = 3
DECLINE_TOKEN = "sandbox_decline"
DECLINE_BLIK = "000000"
DECLINE_VPA = "decline@sandbox"
BOUNCES: dict[str, tuple[str, str]] = {
    # last four digits of the IBAN / account number → (decline code, message)
    "0002": ("insufficient_funds", "The debit bounced: insufficient funds."),
    "0003": ("account_closed", "The debit bounced: the account is closed."),
}
# Methods whose sandbox authorization can be held and captured later.
CAPTURABLE = frozenset(
    {"paypal", "klarna", "afterpay_clearpay", "affirm", "apple_pay", "google_pay", "network_token"}
)

_METHOD_DECLINES = {
    "customer_declined": "The customer declined the payment.",
    "expired": "The customer did not pay before the payment expired.",
}


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def kind(method: dict[str, Any]) -> MethodKind:
    pm = PaymentMethodType(str(method.get("type")))
    if pm is PaymentMethodType.UPI and method.get("vpa"):
        return MethodKind.APP_CONFIRM
    if pm is PaymentMethodType.EWALLET and method.get("provider") in PUSH_WALLETS:
        return MethodKind.APP_CONFIRM
    return METHOD_KIND[pm]


def summary(method: dict[str, Any]) -> dict[str, Any]:
    """What the ledger keeps of the method: never a secret."""
    out: dict[str, Any] = {"type": method.get("type")}
    for key in ("bank", "provider", "sort_code", "routing_number", "account_type", "source"):
        if method.get(key):
            out[key] = method[key]
    account = method.get("iban") or method.get("account_number") or method.get("number")
    if isinstance(account, str) and account:
        out["last4"] = account[-4:]
    if method.get("iban"):
        out["country"] = str(method["iban"])[:2]
    return out


def qr_payload(method_type: str, pid: str, amount: int, currency: str) -> str:
    """A payload in the shape of the EMVCo merchant-presented QR (tag-length-value), as
    Pix, PayNow, PromptPay and UPI use: the sandbox's merchant account names the payment."""

    def tlv(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    account = tlv("00", f"sandbox.{method_type}") + tlv("01", pid)
    body = (
        tlv("00", "01")
        + tlv("01", "12")
        + tlv("26", account)
        + tlv("53", currency)
        + tlv("54", str(amount))
        + tlv("58", "ZZ")
        + tlv("59", "SANDBOX")
    )
    body += "6304"
    return body + f"{_crc16(body.encode()):04X}"


def _crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE, the checksum EMV QR payloads end with (tag 63)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def qr_image(payload: str) -> str:
    """The QR code of ``payload`` as a ``data:image/png;base64`` URL."""
    import segno

    png = segno.make(payload, error="m").png_data_uri(scale=4)
    return str(png)


def voucher_number(pid: str) -> str:
    digits = str(int(hashlib.sha256(pid.encode()).hexdigest()[:16], 16))
    return digits[:12].rjust(12, "0")


def barcode(number: str, amount: int) -> str:
    """Digits a store's scanner would read (an ITF-style line: number + amount + check)."""
    line = f"{number}{amount:010d}"
    check = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(line)) % 10
    return f"{line}{(10 - check) % 10}"


def new_record(
    payment: dict[str, Any],
    method: dict[str, Any],
    p: dict[str, Any],
    base: str,
    succeed: Callable[[dict[str, Any]], None],
    debit_settle_seconds: float = DEBIT_SETTLE_SECONDS,
) -> dict[str, Any] | None:
    """Set up ``payment`` for a method payment; returns the mandate record of a debit
    (which settles ``debit_settle_seconds`` later). Raises ``ValueError`` naming the
    field of a method the sandbox cannot take."""
    pm_kind = kind(method)
    pid = str(payment["id"])
    now = time.time()
    page = f"{base}/sandbox/pay/{pid}"
    payment["method"] = summary(method) | {"kind": pm_kind.value}
    payment["card"] = None
    payment["network_transaction_id"] = None
    if pm_kind is MethodKind.WALLET:
        token = method.get("wallet_token") or method.get("cryptogram")
        if method.get("type") == "network_token" and method.get("number"):
            payment["card"] = {"last4": str(method["number"])[-4:], "brand": method.get("brand")}
        if token == DECLINE_TOKEN:
            decline(payment, "insufficient_funds", "The wallet's card has insufficient funds.")
        else:
            succeed(payment)
        return None
    if pm_kind is MethodKind.BANK_DEBIT:
        payment["status"] = "pending"
        payment["settles_at"] = now + debit_settle_seconds
        last4 = payment["method"].get("last4", "")
        payment["bounce"] = last4 if last4 in BOUNCES else None
        return {
            "object": "mandate",
            "status": "active",
            "method": payment["method"],
            "customer_id": p.get("customer_id"),
            "account": payment.get("account"),
            "acceptance": method.get("mandate_acceptance"),
            "created": int(now),
        }
    payment["status"] = "requires_customer"
    if pm_kind is MethodKind.REDIRECT:
        payment["next_action"] = {"type": "redirect", "url": page}
    elif pm_kind is MethodKind.QR:
        expires_in = int(method.get("expires_after_seconds") or QR_EXPIRES_SECONDS)
        payload = qr_payload(str(method["type"]), pid, payment["amount"], payment["currency"])
        payment["expires_at"] = now + expires_in
        payment["next_action"] = {
            "type": "display_qr",
            "url": page,
            "payload": payload,
            "image": qr_image(payload),
            "expires_at": _iso(now + expires_in),
        }
    elif pm_kind is MethodKind.VOUCHER:
        days = int(method.get("expires_after_days") or VOUCHER_EXPIRES_DAYS)
        number = voucher_number(pid)
        payment["expires_at"] = now + days * 86400
        payment["voucher"] = number
        if method.get("type") == "virtual_account":
            # A one-off account at the bank chosen: the transfer into it pays (the same
            # /sandbox/vouchers/<number>/pay stands in for the bank's notification).
            payment["next_action"] = {
                "type": "display_bank_transfer",
                "url": page,
                "bank": str(method["bank"]),
                "account_number": number,
                "account_holder_name": method.get("account_holder_name") or "SANDBOX MERCHANT",
                "expires_at": _iso(now + days * 86400),
            }
            return None
        payment["next_action"] = {
            "type": "display_voucher",
            "url": page,
            "reference": number,
            "barcode": barcode(number, payment["amount"]),
            "expires_at": _iso(now + days * 86400),
            "instructions_url": f"{page}?print=1",
        }
    else:  # app confirm: BLIK, UPI collect
        declined = method.get("blik_code") == DECLINE_BLIK or method.get("vpa") == DECLINE_VPA
        payment["app_declines"] = declined
        app = {"upi": "UPI app", "ewallet": "e-wallet app"}.get(
            str(method.get("type")), "banking app"
        )
        payment["next_action"] = {
            "type": "await_customer",
            "url": page,
            "message": f"Approve the payment in your {app}.",
            "expires_at": _iso(now + QR_EXPIRES_SECONDS),
        }
        payment["expires_at"] = now + QR_EXPIRES_SECONDS
    return None


def decline(payment: dict[str, Any], code: str, message: str | None = None) -> None:
    payment["status"] = "declined"
    payment["next_action"] = None
    message = message or _METHOD_DECLINES.get(code, "The payment was declined.")
    payment["decline"] = {"code": code, "message": message, "advice_code": None}


def settle_due(payment: dict[str, Any], gateway: type[SandboxGateway]) -> bool:
    """Apply what time has done to ``payment`` (inside its atomic update): a debit past
    its settlement date settles or bounces; an unpaid QR, app request or voucher past
    its expiry fails. True when it changed."""
    now = time.time()
    if payment.get("status") == "pending" and payment.get("settles_at") is not None:
        if now < float(payment["settles_at"]):
            return False
        bounce = payment.get("bounce")
        if bounce in BOUNCES:
            code, message = BOUNCES[bounce]
            decline(payment, code, message)
        else:
            gateway._succeed(payment)
        return True
    if payment.get("status") == "requires_customer" and payment.get("expires_at") is not None:
        if now < float(payment["expires_at"]):
            return False
        decline(payment, "expired")
        return True
    return False


def customer_acts(payment: dict[str, Any], approve: bool, gateway: type[SandboxGateway]) -> bool:
    """The customer approved or declined on the hosted page / in the app (inside the
    payment's atomic update). True when it changed."""
    if payment.get("status") != "requires_customer":
        return False
    if approve and payment.get("app_declines"):
        approve = False
    if approve:
        gateway._succeed(payment)
    else:
        decline(payment, "customer_declined")
    return True


async def settle_later(gateway: SandboxGateway, pid: str, delay: float) -> None:
    """A debit's settlement, as the bank's clearing does it: after ``delay``."""
    await asyncio.sleep(delay)
    await gateway.settle(pid)


def decode_payload(payload: str) -> str | None:
    """The payment id a sandbox QR payload names (tag 26, sub-tag 01), or None."""
    i = 0
    while i + 4 <= len(payload):
        tag, length = payload[i : i + 2], payload[i + 2 : i + 4]
        if not length.isdigit():
            return None
        value = payload[i + 4 : i + 4 + int(length)]
        if tag == "26":
            j = 0
            while j + 4 <= len(value):
                sub, sub_len = value[j : j + 2], int(value[j + 2 : j + 4])
                if sub == "01":
                    return value[j + 4 : j + 4 + sub_len]
                j += 4 + sub_len
            return None
        i += 4 + int(length)
    return None


def image_bytes(data_url: str) -> bytes:
    return base64.b64decode(data_url.split(",", 1)[1])
