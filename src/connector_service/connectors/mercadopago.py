"""Mercado Pago: the Checkout API (``/v1/payments``, refunds, card tokens, customers and
their cards), with a Bearer access token (``TEST-...`` / ``APP_USR-...``).

Why it looks the way it does:

- Mercado Pago charges a **card token** (``/v1/card_tokens``), never card data in the
  payment. A full card is tokenized first (the same call MercadoPago.js makes in the
  browser, here server to server); a ``token`` payment method is a card token made in
  the browser. A payment also names its ``payment_method_id`` (``visa``, ``master``,
  ``elo``...): it is found the way MercadoPago.js finds it, by matching the card's first
  six digits against the BIN patterns of ``GET /v1/payment_methods`` (Latin American
  BINs such as ``503175`` are ``master`` and ``5067..`` are ``elo``: no generic IIN table
  tells them apart);
- amounts are ``transaction_amount``, a JSON number in major units (``10.5``); a payment
  names no currency: the seller's site's is charged, so with the account option
  ``currency`` a payment in another one is refused before anything is sent;
- ``capture: false`` authorizes only; a capture is ``PUT /v1/payments/{id}`` with
  ``capture: true`` and, for a partial capture, the ``transaction_amount`` to take (the
  payment's amount becomes the captured one); a void is the same ``PUT`` with
  ``status: cancelled``; refunds are ``POST /v1/payments/{id}/refunds`` (partial with an
  ``amount``, several allowed);
- 3-D Secure: ``three_d_secure_mode: optional`` lets the issuer ask for a challenge; the
  payment then answers ``pending`` / ``pending_challenge`` with ``three_ds_info``
  (``external_resource_url`` and ``creq``), which the customer's browser POSTs. The
  payment is read again to complete it;
- a stored card is a card of a Mercado Pago **customer** (``POST /v1/customers`` then
  ``POST /v1/customers/{id}/cards`` with a card token); a merchant-initiated charge makes a
  token of the stored card (``card_id``) and pays with ``payer.type: customer``; a payment
  that stores the card saves it first (a card token pays *or* saves, once) and pays with
  a token of the saved card and its security code;
- Pix is a payment with ``payment_method_id: pix`` and no card token: it answers
  ``pending`` with the QR code in ``point_of_interaction`` (a ``display_qr`` next action)
  and is paid at once when the customer pays it;
- Boleto (``bolbradesco``) and OXXO (``oxxo``) are cash vouchers (``payment_type_id:
  ticket``): no card token either; they answer ``pending`` / ``pending_waiting_payment``
  with the voucher at ``transaction_details.external_resource_url`` (a ``display_voucher``
  next action) and are ``approved`` days later, when the customer pays at a bank or a
  store; unpaid by ``date_of_expiration`` they end ``cancelled`` / ``expired``. A boleto
  names its payer in full (CPF or CNPJ and the postal address, a Banco Central rule);
- the caller's Idempotency-Key reaches Mercado Pago as ``X-Idempotency-Key`` on every
  POST and PUT (Mercado Pago answers a repeat with the first outcome);
- webhooks: ``x-signature: ts=<unix>,v1=<hex>`` is an HMAC-SHA256 under the application's
  secret of the manifest ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;``. The body
  names the payment only (``data.id``): once the signature holds, the payment is read
  with the account's token and the event is what was read; a chargeback notification
  (``topic_chargebacks_wh``) reads the chargeback, a read-only dispute. See
  docs/connectors/mercadopago.md.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from msgspec import Meta

from connector_service.connectors import kit
from connector_service.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorMeta,
    CredentialField,
    HttpRequest,
    HttpResponse,
    Steps,
    drop_none,
    json_body,
    scrub_common,
)
from connector_service.connectors.capabilities import AUTHORIZE, CAPTURE, RECURRING, REFUND, takes
from connector_service.connectors.kit import methods as payer_of
from connector_service.domain.common import (
    Address,
    CardSummary,
    Customer,
    DisplayQr,
    DisplayVoucher,
    RedirectAction,
)
from connector_service.domain.errors import (
    DeclineCode,
    ErrorType,
    Failure,
    GatewayDetail,
    ServiceError,
    decline,
    invalid,
)
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    DisputeResult,
    DisputeSyncData,
    Flow,
    ListMandatesData,
    MandateResult,
    MandateRevokeData,
    MandateSetupData,
    PaymentResult,
    RefundData,
    RefundResult,
    RefundSyncData,
    StoredMandate,
    StoredMethods,
    SyncData,
    VoidData,
    WebhookEvent,
    WebhookEventType,
    WebhookIdentity,
)
from connector_service.domain.money import UnknownCurrency
from connector_service.domain.payment_methods import (
    Boleto,
    Card,
    Oxxo,
    PaymentMethodType,
    Pix,
    Token,
    type_of,
)
from connector_service.domain.status import (
    CaptureMethod,
    DisputeReason,
    DisputeStatus,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

IDEMPOTENCY_MAX = 64  # X-Idempotency-Key: 1 to 64 characters
DESCRIPTION_MAX = 600
STATEMENT_DESCRIPTOR_MAX = 22
WEBHOOK_TOLERANCE = 300  # seconds either side of ts
# Mercado Pago's sites: Argentina, Brazil, Chile, Colombia, Mexico, Peru, Uruguay.
CURRENCIES = frozenset({"ARS", "BRL", "CLP", "COP", "MXN", "PEN", "UYU"})
# A cash voucher's due date: 1 to 30 days from its issue (Checkout API, "Expiration date
# of cash payment"); Mercado Pago's default is 3 days.
VOUCHER_DAYS_MAX = 30
# The payment_method_id of each voucher on /v1/payments (the Orders API names the boleto
# "boleto"; the Payments API this connector calls, "bolbradesco").
VOUCHER_METHOD_IDS = {PaymentMethodType.BOLETO: "bolbradesco", PaymentMethodType.OXXO: "oxxo"}
# Brazil's federal units, the two letters a boleto's payer.address.federal_unit takes.
FEDERAL_UNITS = frozenset(
    "AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO".split()
)
COUNTRIES = frozenset({"AR", "BR", "CL", "CO", "MX", "PE", "UY"})


# ---- connector_options (issue 19): Create payment fields of the same name.


class MercadoPagoPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.mercadopago`` on a payment (Create payment)."""

    installments: (
        Annotated[
            int,
            Meta(ge=1, le=48, description="installments: the number of instalments (default 1)"),
        ]
        | None
    ) = None
    issuer_id: (
        Annotated[
            str,
            Meta(
                pattern=r"^\d{1,12}$(?!\n)",
                description="issuer_id: the card's issuer, as the installments look-up "
                "names it (some issuers' instalments need it)",
            ),
        ]
        | None
    ) = None
    binary_mode: (
        Annotated[
            bool,
            Meta(description="binary_mode: approved or rejected at once, never in_process"),
        ]
        | None
    ) = None
    payer_identification_type: (
        Annotated[
            str,
            Meta(
                pattern=r"^[A-Za-z]{2,12}$(?!\n)",
                description="payer.identification.type: CPF, CNPJ, DNI, CURP, RUT... (with "
                "payer_identification_number)",
            ),
        ]
        | None
    ) = None
    payer_identification_number: (
        Annotated[
            str,
            Meta(
                pattern=r"^[0-9A-Za-z.\-]{1,32}$(?!\n)",
                description="payer.identification.number (with payer_identification_type)",
            ),
        ]
        | None
    ) = None


class MercadoPagoConnector(Connector):
    meta = ConnectorMeta(
        name="mercadopago",
        display_name="Mercado Pago",
        # One host: the access token (TEST-... / APP_USR-... of a test user) picks the mode.
        base_url_test="https://api.mercadopago.com",
        base_url_live="https://api.mercadopago.com",
        credential_fields=(
            CredentialField(
                "access_token", "Access token (TEST-... / APP_USR-...), Your integrations"
            ),
            CredentialField(
                "webhook_secret",
                "The application's webhook secret signature (Your integrations > Webhooks)",
                False,
            ),
        ),
        option_fields=(
            CredentialField(
                "currency",
                "The currency of the seller's site (BRL, ARS, MXN, CLP, COP, PEN, UYU): a "
                "payment names no currency, the site's is charged, so a payment in another "
                "one is refused before it is sent",
                False,
            ),
            CredentialField(
                "user_id",
                "The seller's Mercado Pago user id (a notification's user_id): picks this "
                "account for a webhook when several accounts share one webhook URL",
                False,
            ),
        ),
        # A card (or a browser card token) is authorized, captured in part or in full,
        # refunded and stored; a stored card is charged the same way, without 3-D Secure.
        methods={
            PaymentMethodType.CARD: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            PaymentMethodType.TOKEN: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            PaymentMethodType.MANDATE: takes(AUTHORIZE, CAPTURE, REFUND, RECURRING),
            # Pix: a QR code paid from the customer's bank app, paid at once, refundable.
            PaymentMethodType.PIX: takes(
                AUTHORIZE, REFUND, countries=frozenset({"BR"}), currencies=frozenset({"BRL"})
            ),
            # Cash vouchers, paid days later at a bank (boleto) or an OXXO store; an
            # approved one is refunded through the same refunds API (to the payer's bank
            # account for a boleto, to the payer's Mercado Pago account for cash).
            PaymentMethodType.BOLETO: takes(
                AUTHORIZE, REFUND, countries=frozenset({"BR"}), currencies=frozenset({"BRL"})
            ),
            PaymentMethodType.OXXO: takes(
                AUTHORIZE, REFUND, countries=frozenset({"MX"}), currencies=frozenset({"MXN"})
            ),
        },
        currencies=CURRENCIES,
        countries=COUNTRIES,
        options=kit.ConnectorOptions(payment=MercadoPagoPaymentOptions),
        idempotency="X-Idempotency-Key header",
        docs_url="https://www.mercadopago.com/developers/en/reference",
        secret_fields=("access_token", "webhook_secret"),
    )
    supports_mandate_charges = True

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {ctx.credential('access_token')}",
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def _call(
        self,
        ctx: ConnectorContext,
        method: str,
        path: str,
        flow: Flow,
        body: dict[str, Any] | None = None,
        *,
        key_suffix: str = "",
    ) -> HttpRequest:
        """A request; a POST or PUT carries the caller's key as ``X-Idempotency-Key``
        (with a suffix per step of a flow of several calls), so re-sending it after an
        ambiguous failure cannot act twice. Mercado Pago requires the header on a
        payment: without a caller's key a fresh one is sent, as the official SDK does,
        and the request is not re-sent blindly."""
        headers = self._headers(ctx)
        idempotent = method in ("GET", "DELETE")
        if method in ("POST", "PUT"):
            if ctx.idempotency_key:
                headers["X-Idempotency-Key"] = _key(ctx.idempotency_key + key_suffix)
                idempotent = True
            else:
                headers["X-Idempotency-Key"] = uuid.uuid4().hex
        raw = json_body(drop_none(body)) if body is not None else None
        return HttpRequest(
            method, f"{ctx.base_url}{path}", headers, raw, flow=flow.value, idempotent=idempotent
        )

    # ----------------------------------------------------------------------- 3. builders

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        """A card token (made from the card, read back from a browser token, or made from
        a stored card), its payment method id, then the payment."""
        pm = data.payment_method
        automatic = data.capture_method is CaptureMethod.AUTOMATIC
        _check_currency(ctx, data.currency)
        options = _payment_options(data)  # both checked before anything is sent
        payer = _payer(data.customer)
        mandate: MandateResult | None = None
        if isinstance(pm, Pix):
            return (yield from self._pix(ctx, data, pm, payer, options))
        if isinstance(pm, Boleto | Oxxo):
            return (yield from self._voucher(ctx, data, pm, payer, options))
        if isinstance(pm, StoredMandate):
            ref = pm.ref
            cid = kit.require_id(ref.customer_id, Flow.CHARGE_MANDATE.value)
            method_id = kit.require_id(ref.meta.get("payment_method_id"), "mandate")
            answer = yield self._call(
                ctx, "POST", "/v1/card_tokens", Flow.AUTHORIZE,
                {"card_id": ref.connector_mandate_id, "customer_id": cid},
                key_suffix="-card-token",
            )  # fmt: skip
            token = _card_token(answer)
            payer = {"type": "customer", "id": cid, "email": ref.meta.get("email")}
            three_ds = None
        elif data.setup_future_usage and isinstance(pm, Card | Token):
            # Saved first (a card token pays or saves once), then paid as the customer
            # with a token of the saved card: the payment answers with its mandate.
            customer = data.customer or Customer()
            mandate = yield from self._save_card(ctx, pm, customer, Flow.AUTHORIZE)
            cid = mandate.connector_customer_id or ""
            saved = {
                "card_id": mandate.connector_mandate_id,
                "customer_id": cid,
                "security_code": pm.cvc.reveal() if isinstance(pm, Card) and pm.cvc else None,
            }
            answer = yield self._call(
                ctx, "POST", "/v1/card_tokens", Flow.AUTHORIZE, saved,
                key_suffix="-saved-card-token",
            )  # fmt: skip
            token = _card_token(answer)
            method_id = kit.require_id(mandate.meta.get("payment_method_id"), "mandate")
            payer = {"type": "customer", "id": cid, "email": customer.email}
            three_ds = "optional"
        else:
            if payer.get("email") is None:  # refused before anything is sent
                raise invalid(
                    "missing_field", "Mercado Pago needs the payer's email", "customer.email"
                )
            token = yield from self._tokenize(ctx, pm, Flow.AUTHORIZE)
            method_id = yield from self._method_id(ctx, token, Flow.AUTHORIZE)
            three_ds = "optional"
        if options.payer_identification_type:
            payer["identification"] = {
                "type": options.payer_identification_type.upper(),
                "number": options.payer_identification_number,
            }
        body: dict[str, Any] = {
            "transaction_amount": _amount(data.amount, data.currency),
            "token": token.id,
            "description": (data.description or f"Payment {data.reference}")[:DESCRIPTION_MAX],
            "installments": options.installments or 1,
            "issuer_id": options.issuer_id,
            "binary_mode": options.binary_mode,
            "payment_method_id": method_id,
            "payer": payer,
            "capture": automatic,
            "external_reference": data.reference or None,
            "statement_descriptor": (data.statement_descriptor or "")[:STATEMENT_DESCRIPTOR_MAX]
            or None,
            "three_d_secure_mode": three_ds,
            "metadata": data.metadata or None,
        }
        response = yield self._call(ctx, "POST", "/v1/payments", Flow.AUTHORIZE, body)
        result = _payment(_payment_object(response), data.amount)
        if mandate is not None and result.status is not PaymentStatus.FAILED:
            result.mandate = mandate
        return result

    def _pix(
        self,
        ctx: ConnectorContext,
        data: AuthorizeData,
        pm: Pix,
        payer: dict[str, Any],
        options: MercadoPagoPaymentOptions,
    ) -> Steps:
        """A Pix payment: no card token, ``payment_method_id: pix``; it answers
        ``pending`` with the QR code (``point_of_interaction.transaction_data``) and is
        paid at once when the customer pays it (read by sync or the webhook)."""
        _paid_at_once(data, "a Pix payment")
        if payer.get("email") is None:
            raise invalid("missing_field", "Mercado Pago needs the payer's email", "customer.email")
        if options.payer_identification_type:
            payer["identification"] = {
                "type": options.payer_identification_type.upper(),
                "number": options.payer_identification_number,
            }
        expires = _expiry(pm.expires_after_seconds) if pm.expires_after_seconds else None
        body = {
            "transaction_amount": _amount(data.amount, data.currency),
            "description": (data.description or f"Payment {data.reference}")[:DESCRIPTION_MAX],
            "payment_method_id": "pix",
            "payer": payer,
            "external_reference": data.reference or None,
            "date_of_expiration": expires,
            "metadata": data.metadata or None,
        }
        response = yield self._call(ctx, "POST", "/v1/payments", Flow.AUTHORIZE, body)
        return _payment(_payment_object(response), data.amount)

    def _voucher(
        self,
        ctx: ConnectorContext,
        data: AuthorizeData,
        pm: Boleto | Oxxo,
        payer: dict[str, Any],
        options: MercadoPagoPaymentOptions,
    ) -> Steps:
        """A boleto or an OXXO voucher: no card token; ``payment_method_id``
        ``bolbradesco`` / ``oxxo`` and ``date_of_expiration`` from ``expires_after_days``.
        A boleto is registered at a bank in the payer's name, so Mercado Pago requires
        the payer's first and last name, CPF / CNPJ and postal address: each missing one
        is refused here, naming our field, before anything is sent."""
        method = "Boleto" if isinstance(pm, Boleto) else "OXXO"
        _paid_at_once(data, f"a {method} voucher")
        payer["email"] = payer_of.payer_email(data, "Mercado Pago", method)
        if isinstance(pm, Boleto):
            first, last = payer_of.payer_name(data, "Mercado Pago", method)
            payer.update(
                first_name=first,
                last_name=last,
                identification={"type": "CPF" if len(pm.tax_id) == 11 else "CNPJ",
                                "number": pm.tax_id},
                address=_boleto_address(data.billing),
            )  # fmt: skip
        elif options.payer_identification_type:
            payer["identification"] = {
                "type": options.payer_identification_type.upper(),
                "number": options.payer_identification_number,
            }
        days = pm.expires_after_days
        if days is not None and days > VOUCHER_DAYS_MAX:
            raise payer_of.bad_field(
                "payment_method.expires_after_days",
                f"a Mercado Pago {method} voucher is due within {VOUCHER_DAYS_MAX} days",
            )
        body = {
            "transaction_amount": _amount(data.amount, data.currency),
            "description": (data.description or f"Payment {data.reference}")[:DESCRIPTION_MAX],
            "payment_method_id": VOUCHER_METHOD_IDS[type_of(pm)],
            "payer": payer,
            "external_reference": data.reference or None,
            "date_of_expiration": _expiry(days * 86400) if days else None,
            "metadata": data.metadata or None,
        }
        response = yield self._call(ctx, "POST", "/v1/payments", Flow.AUTHORIZE, body)
        return _payment(_payment_object(response), data.amount)

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        # After the challenge: the payment now carries the issuer's outcome.
        pid = kit.segment(data.payment.connector_payment_id)
        return self._call(ctx, "GET", f"/v1/payments/{pid}", Flow.COMPLETE_AUTHORIZE)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        if not pid:  # unresolved: find it by the reference sent as external_reference
            reference = kit.require_id(data.payment.meta.get("reference"), Flow.SYNC.value)
            query = urlencode(
                {"external_reference": reference, "sort": "date_created", "criteria": "desc"}
            )
            return self._call(ctx, "GET", f"/v1/payments/search?{query}", Flow.SYNC)
        return self._call(ctx, "GET", f"/v1/payments/{kit.segment(pid)}", Flow.SYNC)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        body = {
            "capture": True,
            "transaction_amount": _amount(data.amount, data.payment.currency),
        }
        return self._call(ctx, "PUT", f"/v1/payments/{pid}", Flow.CAPTURE, body)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        return self._call(ctx, "PUT", f"/v1/payments/{pid}", Flow.VOID, {"status": "cancelled"})

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        pid = kit.segment(data.payment.connector_payment_id)
        body = {"amount": _amount(data.amount, data.payment.currency)}
        return self._call(ctx, "POST", f"/v1/payments/{pid}/refunds", Flow.REFUND, body)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        pid = kit.segment(data.refund.connector_payment_id)
        rid = kit.segment(data.refund.connector_refund_id)
        return self._call(ctx, "GET", f"/v1/payments/{pid}/refunds/{rid}", Flow.REFUND_SYNC)

    def steps_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> Steps:
        """A card token, a customer (the one with this email, if Mercado Pago has it),
        then the card saved to that customer: its ``id`` is the mandate."""
        return (
            yield from self._save_card(
                ctx,
                payer_of.card_or_token(data.payment_method, "Mercado Pago"),
                data.customer,
                Flow.SETUP_MANDATE,
            )
        )

    def _save_card(
        self, ctx: ConnectorContext, pm: Card | Token, customer: Customer, flow: Flow
    ) -> Steps:
        if not customer.email:  # refused before anything is sent
            raise invalid(
                "missing_field", "Mercado Pago keys a customer by its email", "customer.email"
            )
        token = yield from self._tokenize(ctx, pm, flow)
        created = yield self._call(
            ctx, "POST", "/v1/customers", flow, _customer(customer), key_suffix="-customer"
        )
        body = kit.obj(_json(created))
        cid = kit.text(body.get("id")) if created.status < 300 else None
        if cid is None and _cause_codes(body) & {"101"}:  # "the customer already exist"
            found = yield self._call(
                ctx, "GET", f"/v1/customers/search?email={kit.segment(customer.email)}", flow
            )
            results = kit.obj(_object(found)).get("results")
            first = results[0] if isinstance(results, list) and results else {}
            cid = kit.text(kit.obj(first).get("id"))
        if cid is None:
            raise _error(created, body, None)
        saved = yield self._call(
            ctx, "POST", f"/v1/customers/{kit.segment(cid)}/cards", flow,
            {"token": token.id}, key_suffix="-card",
        )  # fmt: skip
        card = kit.decode_as(_object(saved), MercadoPagoCard)
        if card is None or not card.id:
            raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mercado Pago saved no card.")
        method_id = _method_of(card)
        return MandateResult(
            status=MandateStatus.ACTIVE,
            connector_mandate_id=card.id,
            connector_customer_id=cid,
            connector_status="saved",
            card=_card_summary(card.last_four_digits, method_id, card),
            meta=_ids(payment_method_id=method_id, email=customer.email),
        )

    def build_dispute_sync(self, ctx: ConnectorContext, data: DisputeSyncData) -> HttpRequest:
        cid = kit.segment(data.dispute.connector_dispute_id)
        return self._call(ctx, "GET", f"/v1/chargebacks/{cid}", Flow.DISPUTE_SYNC)

    def build_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> HttpRequest:
        cid = kit.segment(data.customer_id)
        return self._call(ctx, "GET", f"/v1/customers/{cid}/cards", Flow.LIST_MANDATES)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        ref = data.mandate
        cid = kit.segment(kit.require_id(ref.customer_id, Flow.REVOKE_MANDATE.value))
        card = kit.segment(ref.connector_mandate_id)
        return self._call(ctx, "DELETE", f"/v1/customers/{cid}/cards/{card}", Flow.REVOKE_MANDATE)

    def _tokenize(self, ctx: ConnectorContext, pm: object, flow: Flow) -> Steps:
        """The card token of a card (made now) or of a browser token (read back)."""
        if isinstance(pm, Card):
            cardholder = {"name": pm.holder_name} if pm.holder_name else None
            body = {
                "card_number": pm.number.reveal(),
                "expiration_month": pm.exp_month,
                "expiration_year": pm.exp_year,
                "security_code": pm.cvc.reveal() if pm.cvc else None,
                "cardholder": cardholder,
            }
            answer = yield self._call(
                ctx, "POST", "/v1/card_tokens", flow, body, key_suffix="-card-token"
            )
        elif isinstance(pm, Token):
            tid = kit.segment(pm.token)
            answer = yield self._call(ctx, "GET", f"/v1/card_tokens/{tid}", flow)
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Mercado Pago takes a card, a card token or a mandate, "
                f"not {type(pm).__name__.lower()}",
                field="payment_method.type",
            )
        return _card_token(answer)

    def _method_id(self, ctx: ConnectorContext, token: CardToken, flow: Flow) -> Steps:
        """The ``payment_method_id`` whose BIN pattern the card's first six digits match."""
        answer = yield self._call(ctx, "GET", "/v1/payment_methods", flow)
        methods = kit.decode_as(_json(answer), list[PaymentMethod]) or []
        found = _match_bin(methods, token.first_six_digits or "")
        if found is None:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                "Mercado Pago offers no card payment method for this card's BIN",
                field="payment_method.number",
            )
        return found

    # ----------------------------------------------------------------------- 4. parsers

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        return _payment(_payment_object(response), data.payment.amount)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        if not data.payment.connector_payment_id:
            found = kit.decode_as(_object(response), SearchResults)
            payments = found.results if found else []
            if not payments:  # never created (or not searchable yet)
                return PaymentResult(
                    status=PaymentStatus.UNRESOLVED,
                    connector_payment_id="",
                    pending_reason="not_found_at_gateway",
                )
            latest = max(payments, key=lambda p: (p.date_created or "", p.id))
            return _payment(latest, data.payment.amount or None)
        return _payment(_payment_object(response), data.payment.amount)

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        payment = _payment_object(response, not_allowed="payment_not_capturable")
        return _payment(payment, data.payment.amount)

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        payment = _payment_object(response, not_allowed="payment_not_voidable")
        return _payment(payment, data.payment.amount)

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        # A refund beyond what is left is Mercado Pago's 400: the request's fault.
        return _refund(_object(response), data.payment.currency)

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        return _refund(_object(response), data.refund.currency)

    def parse_dispute_sync(
        self, ctx: ConnectorContext, data: DisputeSyncData, response: HttpResponse
    ) -> DisputeResult:
        return _dispute(_object(response))

    def parse_list_mandates(
        self, ctx: ConnectorContext, data: ListMandatesData, response: HttpResponse
    ) -> StoredMethods:
        """The customer's saved cards, each a mandate (its card summary only)."""
        if response.status >= 300:
            raise _error(response, kit.obj(_json(response)), None)
        cards = kit.decode_as(_json(response), list[MercadoPagoCard]) or []
        return StoredMethods(
            methods=[
                MandateResult(
                    status=MandateStatus.ACTIVE,
                    connector_mandate_id=card.id,
                    connector_customer_id=card.customer_id or data.customer_id,
                    connector_status="saved",
                    card=_card_summary(card.last_four_digits, _method_of(card), card),
                    meta=_ids(payment_method_id=_method_of(card)),
                )
                for card in cards
            ]
        )

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        _object(response)
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="deleted",
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        """The notification's own ``id`` (one per change, the same on a redelivery) and
        the seller's ``user_id`` as the account hint."""
        note = _notification(body)
        if note is None:
            return WebhookIdentity()
        return WebhookIdentity(
            event_id=kit.text_or_number(note.get("id")),
            account_hint=kit.text_or_number(note.get("user_id")),
        )

    def webhook_verify(
        self, ctx: ConnectorContext, headers: dict[str, str], body: bytes
    ) -> bool | HttpRequest:
        """The ``x-signature`` HMAC over the manifest (constant time, ``ts`` within the
        tolerance); once it holds, a payment notification fetches the payment it names,
        so the event is the payment's state as Mercado Pago has it."""
        stored = ctx.credentials.get("webhook_secret")
        secret = stored.reveal() if stored is not None else ""
        note = _notification(body)
        if not secret or note is None:
            return False
        data_id = _data_id(note)
        if not verify_signature(
            headers.get("x-signature", ""), headers.get("x-request-id"), data_id, secret
        ):
            return False
        kind = note.get("type")
        if kind not in FETCHED or not data_id:
            return True
        path = f"{FETCHED[kind]}/{kit.segment(data_id)}"
        return self._call(ctx, "GET", path, Flow.VERIFY_WEBHOOK)

    def parse_verify_webhook(self, ctx: ConnectorContext, response: HttpResponse) -> bool:
        if response.status >= 500 or response.status == 429:
            raise kit.gateway_error(response, code=None, message="Mercado Pago is unavailable")
        if response.status != 200:
            return False  # 404: no such payment for this account's token
        return bool(kit.text_or_number(kit.obj(_json(response)).get("id")))

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        """A notification about something other than a payment (verified by signature
        alone): kept as an ``unknown`` event."""
        note = _envelope(body)
        kind = kit.text(note.get("action")) or kit.text(note.get("type")) or "unknown"
        return [
            WebhookEvent(
                event_id=kit.text_or_number(note.get("id")) or "",
                type=WebhookEventType.UNKNOWN,
                connector_event_type=kind,
                occurred_at=kit.text(note.get("date_created")),
            )
        ]

    def webhook_parse_fetched(
        self, headers: dict[str, str], body: bytes, response: HttpResponse
    ) -> list[WebhookEvent]:
        """The object read for a verified notification. A payment: one event of its
        status, whose id is the notification's (a redelivery is stored once, a new change
        is new), and one per refund it lists, whose id is the refund's id and status. A
        chargeback: one dispute event."""
        note = _envelope(body)
        raw = kit.obj(_json(response))
        if note.get("type") == "topic_chargebacks_wh":
            return [_dispute_event(note, raw)]
        kit.webhooks.currency(raw, "currency_id", "currency_id")
        for key in ("transaction_amount", "transaction_amount_refunded"):
            kit.webhooks.major_number(raw, key, key, currency_key="currency_id")
        payment = kit.decode_as(raw, MercadoPagoPayment)
        if payment is None or str(payment.id) != _data_id(note):
            raise invalid("invalid_webhook", "the payment read is not the one named", "data.id")
        result = _payment(payment, None)
        currency = payment.currency_id or ""
        refunds = [
            WebhookEvent(
                event_id=f"{refund.id}:{refund.status}",
                type=REFUND_EVENTS.get(parsed.status, WebhookEventType.UNKNOWN),
                connector_event_type=f"refund.{refund.status}",
                connector_payment_id=str(payment.id),
                refund=parsed,
                amount=parsed.amount,
                currency=payment.currency_id,
            )
            for refund in payment.refunds
            for parsed in [_refund_result(refund, currency)]
        ]
        return [
            WebhookEvent(
                event_id=kit.text_or_number(note.get("id")) or "",
                type=_event_type(result.status),
                connector_event_type=f"{kit.text(note.get('action')) or 'payment'}"
                f":{payment.status}",
                connector_payment_id=str(payment.id),
                payment=result,
                amount=result.amount,
                currency=payment.currency_id,
                occurred_at=payment.date_last_updated or kit.text(note.get("date_created")),
            ),
            *refunds,
        ]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        """The common scrub, plus Mercado Pago's token shapes (``TEST-``/``APP_USR-``
        access tokens), the card token API's ``card_number`` / ``security_code`` and the
        card tokens themselves (``token`` in a payment, ``id`` in the Card Token API's
        answer), wherever they appear; and the payer's tax id (a boleto's CPF / CNPJ,
        ``payer.identification.number``), as personal data."""
        text = _ACCESS_TOKEN.sub("[REDACTED]", transcript)
        text = _SECRET_FIELD.sub(r"\1[REDACTED]\2", text)
        text = _IDENTIFICATION.sub(r"\1[REDACTED]\2", text)
        if "/card_tokens" in text:  # the Card Token API answers the token as its "id"
            text = _TOKEN_ID.sub(r"\1[REDACTED]\2", text)
        return scrub_common(text)


_ACCESS_TOKEN = re.compile(r"\b(?:TEST|APP_USR)-[A-Za-z0-9-]{16,}")
_TOKEN_ID = re.compile(r'("id"\s*:\s*")[0-9a-f]{32}(")')
# (in JSON, or escaped inside a JSON string: a body logged as a string)
_IDENTIFICATION = re.compile(
    r'(\\?"identification\\?"\s*:\s*\{[^{}]*?\\?"number\\?"\s*:\s*\\?")[^"\\]*(\\?")'
)
_SECRET_FIELD = re.compile(r'("(?:card_number|security_code|token)"\s*:\s*")[^"]*(")')


# --------------------------------------------------------------------------- Mercado Pago objects


class ThreeDSInfo(msgspec.Struct, frozen=True):
    external_resource_url: str | None = None
    creq: str | None = None


class PaymentCard(msgspec.Struct, frozen=True):
    first_six_digits: str | None = None
    last_four_digits: str | None = None
    expiration_month: int | None = None
    expiration_year: int | None = None
    id: str | None = None  # the stored card's id, on a customer's payment


class MercadoPagoRefund(msgspec.Struct, frozen=True):
    id: int
    payment_id: int | None = None
    amount: float | None = None
    status: str | None = None
    date_created: str | None = None


class TransactionData(msgspec.Struct, frozen=True):
    qr_code: str | None = None
    qr_code_base64: str | None = None
    ticket_url: str | None = None


class PointOfInteraction(msgspec.Struct, frozen=True):
    transaction_data: TransactionData | None = None


class Barcode(msgspec.Struct, frozen=True):
    content: str | None = None


class TransactionDetails(msgspec.Struct, frozen=True):
    """A cash voucher's details: its printable page, the reference the customer quotes
    at the store, and (boleto) the typed line of its barcode."""

    external_resource_url: str | None = None
    payment_method_reference_id: str | int | None = None
    verification_code: str | int | None = None
    digitable_line: str | None = None
    barcode: Barcode | None = None


class MercadoPagoPayment(msgspec.Struct, frozen=True):
    """The fields of a Payment read here (Mercado Pago sends many more; they are ignored)."""

    id: int
    status: str
    status_detail: str | None = None
    transaction_amount: float | None = None
    transaction_amount_refunded: float | None = None
    currency_id: str | None = None
    captured: bool | None = None
    payment_method_id: str | None = None
    payment_type_id: str | None = None
    external_reference: str | None = None
    card: PaymentCard | None = None
    three_ds_info: ThreeDSInfo | None = None
    point_of_interaction: PointOfInteraction | None = None
    transaction_details: TransactionDetails | None = None
    barcode: Barcode | None = None
    date_of_expiration: str | None = None
    refunds: list[MercadoPagoRefund] = []
    date_created: str | None = None
    date_approved: str | None = None
    date_last_updated: str | None = None


class SearchResults(msgspec.Struct, frozen=True):
    results: list[MercadoPagoPayment] = []


class CardToken(msgspec.Struct, frozen=True):
    id: str
    first_six_digits: str | None = None
    last_four_digits: str | None = None
    status: str | None = None


class Bin(msgspec.Struct, frozen=True):
    pattern: str | None = None
    exclusion_pattern: str | None = None


class Setting(msgspec.Struct, frozen=True):
    bin: Bin | None = None


class PaymentMethod(msgspec.Struct, frozen=True):
    id: str
    payment_type_id: str | None = None
    status: str | None = None
    settings: list[Setting] = []


class CardPaymentMethod(msgspec.Struct, frozen=True):
    id: str | None = None
    name: str | None = None


class MercadoPagoCard(msgspec.Struct, frozen=True):
    id: str
    customer_id: str | None = None
    first_six_digits: str | None = None
    last_four_digits: str | None = None
    expiration_month: int | None = None
    expiration_year: int | None = None
    payment_method: CardPaymentMethod | None = None


# --------------------------------------------------------------------------- 5. status maps

PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "pending": PaymentStatus.PROCESSING,  # refined: pending_challenge asks for 3-D Secure
    "authorized": PaymentStatus.AUTHORIZED,  # pending_capture
    "in_process": PaymentStatus.PROCESSING,  # pending_contingency, pending_review_manual
    "approved": PaymentStatus.CAPTURED,
    "in_mediation": PaymentStatus.CAPTURED,  # paid, with a dispute open
    "rejected": PaymentStatus.FAILED,
    "cancelled": PaymentStatus.VOIDED,  # by_collector, by_payer; expired (refined)
    "refunded": PaymentStatus.CAPTURED,  # paid, then refunded in full
    "charged_back": PaymentStatus.CAPTURED,  # paid, then charged back
}
REFUND_STATUS: dict[str, RefundStatus] = {
    "approved": RefundStatus.SUCCEEDED,
    "in_process": RefundStatus.PENDING,
    "authorized": RefundStatus.PENDING,
    "rejected": RefundStatus.FAILED,
    "cancelled": RefundStatus.FAILED,
}
# Payment types the customer pays later or never (Pix: bank_transfer; boleto, OXXO:
# ticket; Mexican bank vouchers: atm): expired unpaid, they failed.
UNPAID_UNTIL_EXPIRY = frozenset({"ticket", "bank_transfer", "atm"})
# Notification topics whose object is read back once the signature holds.
FETCHED = {"payment": "/v1/payments", "topic_chargebacks_wh": "/v1/chargebacks"}
DISPUTE_EVENTS: dict[DisputeStatus, WebhookEventType] = {
    DisputeStatus.NEEDS_RESPONSE: WebhookEventType.DISPUTE_OPENED,
    DisputeStatus.WON: WebhookEventType.DISPUTE_WON,
    DisputeStatus.LOST: WebhookEventType.DISPUTE_LOST,
}
# Chargeback reasons as Mercado Pago names them.
DISPUTE_REASONS: dict[str, DisputeReason] = {
    "fraud": DisputeReason.FRAUDULENT,
    "unauthorized": DisputeReason.FRAUDULENT,
    "general": DisputeReason.GENERAL,
    "duplicated": DisputeReason.DUPLICATE,
    "duplicate": DisputeReason.DUPLICATE,
    "not_received": DisputeReason.PRODUCT_NOT_RECEIVED,
    "product_not_received": DisputeReason.PRODUCT_NOT_RECEIVED,
}
REFUND_EVENTS: dict[RefundStatus, WebhookEventType] = {
    RefundStatus.PENDING: WebhookEventType.REFUND_PENDING,
    RefundStatus.SUCCEEDED: WebhookEventType.REFUND_SUCCEEDED,
    RefundStatus.FAILED: WebhookEventType.REFUND_FAILED,
}
WEBHOOK_EVENTS: dict[PaymentStatus, WebhookEventType] = {
    PaymentStatus.REQUIRES_ACTION: WebhookEventType.PAYMENT_REQUIRES_ACTION,
    PaymentStatus.PROCESSING: WebhookEventType.PAYMENT_PROCESSING,
    PaymentStatus.AUTHORIZED: WebhookEventType.PAYMENT_AUTHORIZED,
    PaymentStatus.PARTIALLY_CAPTURED: WebhookEventType.PAYMENT_CAPTURED,
    PaymentStatus.CAPTURED: WebhookEventType.PAYMENT_CAPTURED,
    PaymentStatus.VOIDED: WebhookEventType.PAYMENT_VOIDED,
    PaymentStatus.FAILED: WebhookEventType.PAYMENT_FAILED,
}


# --------------------------------------------------------------------------- 6. error maps

# status_detail of a rejected payment (Mercado Pago's documented values).
_DECLINES = (
    (DeclineCode.INCORRECT_NUMBER, "cc_rejected_bad_filled_card_number"),
    (DeclineCode.INVALID_EXPIRY, "cc_rejected_bad_filled_date"),
    (DeclineCode.INVALID_PAYMENT_DATA, "cc_rejected_bad_filled_other rejected_insufficient_data"),
    (DeclineCode.INCORRECT_CVC, "cc_rejected_bad_filled_security_code"),
    (DeclineCode.BLOCKED, "cc_rejected_blacklist"),
    (DeclineCode.DO_NOT_HONOR, "cc_rejected_call_for_authorize rejected_by_bank"),
    (DeclineCode.RESTRICTED_CARD, "cc_rejected_card_disabled"),
    (DeclineCode.PROCESSING_ERROR, "cc_rejected_card_error"),
    (DeclineCode.DUPLICATE_TRANSACTION, "cc_rejected_duplicated_payment"),
    (DeclineCode.FRAUD_SUSPECTED, "cc_rejected_high_risk rejected_high_risk"),
    (DeclineCode.INSUFFICIENT_FUNDS, "cc_rejected_insufficient_amount"),
    (DeclineCode.TRANSACTION_NOT_ALLOWED,
     "cc_rejected_invalid_installments rejected_by_regulations"),
    (DeclineCode.LIMIT_EXCEEDED, "cc_rejected_max_attempts cc_amount_rate_limit_exceeded"),
    (DeclineCode.GENERIC_DECLINE, "cc_rejected_other_reason"),
    (DeclineCode.AUTHENTICATION_FAILED, "cc_rejected_3ds_challenge"),
    (DeclineCode.AUTHENTICATION_REQUIRED, "cc_rejected_3ds_mandatory"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)

# Mercado Pago errors are {"message", "error", "status", "cause": [{"code", "description"}]}:
# the cause codes say what went wrong (keyed here as text).
_R = kit.ErrorRule
_I = ErrorType.INVALID_REQUEST
ERROR_MAP: kit.ErrorTable = {
    "2006": _R(_I, "invalid_field", "payment_method.token"),  # card token not found
    "2062": _R(_I, "invalid_field", "payment_method.token"),  # invalid card token
    "3003": _R(_I, "invalid_field", "payment_method.token"),  # invalid card_token_id
    "3008": _R(_I, "invalid_field", "payment_method.token"),  # card token not found
    "3011": _R(_I, "payment_method_not_supported", "payment_method"),  # no payment method
    "3012": _R(_I, "invalid_field", "payment_method.cvc"),  # security_code_length
    "3013": _R(_I, "missing_field", "payment_method.cvc"),  # security_code is required
    "3014": _R(_I, "payment_method_not_supported", "payment_method"),
    "3015": _R(_I, "invalid_field", "payment_method.number"),  # card_number_length
    "3016": _R(_I, "invalid_field", "payment_method.number"),  # invalid card_number
    "3020": _R(_I, "missing_field", "payment_method.holder_name"),  # cardholder.name
    "3029": _R(_I, "invalid_field", "payment_method.exp_month"),
    "3030": _R(_I, "invalid_field", "payment_method.exp_year"),
    "4037": _R(_I, "invalid_amount", "amount"),  # invalid transaction_amount
    "4049": _R(_I, "invalid_amount", "amount"),  # transaction_amount must be numeric
    "4050": _R(_I, "invalid_field", "customer.email"),  # payer.email must be valid
    "4051": _R(_I, "invalid_field", "customer.email"),  # payer.email too long
    "2002": _R(ErrorType.NOT_FOUND, "resource_not_found", "payment_method.mandate_id"),
    "2000": _R(ErrorType.NOT_FOUND, "resource_not_found"),  # payment not found
    "401": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "403": _R(ErrorType.CONNECTOR, "gateway_authentication_failed"),
    "404": _R(ErrorType.NOT_FOUND, "resource_not_found"),
}


def _json(response: HttpResponse) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _object(response: HttpResponse, *, not_allowed: str | None = None) -> dict[str, Any]:
    body = kit.obj(_json(response))
    if response.status < 300:
        return body
    raise _error(response, body, not_allowed)


def _cause_codes(body: dict[str, Any]) -> set[str]:
    causes = body.get("cause")
    out: set[str] = set()
    for cause in causes if isinstance(causes, list) else []:
        code = kit.text_or_number(kit.obj(cause).get("code"))
        if code:
            out.add(code)
    return out


def _error(response: HttpResponse, body: dict[str, Any], not_allowed: str | None) -> ServiceError:
    causes = body.get("cause")
    first = kit.obj(causes[0]) if isinstance(causes, list) and causes else {}
    code = kit.text_or_number(first.get("code"))
    message = kit.text(first.get("description")) or kit.text(body.get("message"))
    known = code is not None and code in ERROR_MAP
    if not_allowed and response.status in (400, 409) and not known:
        # A capture or void the payment's state does not allow (Mercado Pago answers
        # 400 with the reason in ``message``): the state's fault, not the request's.
        gateway = GatewayDetail(code=code, message=message, http_status=response.status)
        return ServiceError(
            ErrorType.CONFLICT,
            not_allowed,
            message or "Mercado Pago refused it in the payment's state.",
            gateway=gateway,
        )
    return kit.error_from(
        response,
        ERROR_MAP,
        codes=[code, str(response.status)],
        raw_code=code or kit.text(body.get("error")),
        message=message,
    )


def _payment_object(
    response: HttpResponse, *, not_allowed: str | None = None
) -> MercadoPagoPayment:
    payment = kit.decode_as(_object(response, not_allowed=not_allowed), MercadoPagoPayment)
    if payment is None:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Mercado Pago answered no payment."
        )
    return payment


def _card_token(response: HttpResponse) -> CardToken:
    token = kit.decode_as(_object(response), CardToken)
    if token is None or not token.id:
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mercado Pago made no card token.")
    return token


# --------------------------------------------------------------------------- helpers

# Colombian pesos are whole at Mercado Pago ("Prices in COP currency must be expressed
# with integer values"), though ISO 4217 gives COP two decimals: cents are refused.
MERCADOPAGO = kit.Exponents("Mercado Pago", {"COP": 0})


def _payment_options(data: AuthorizeData) -> MercadoPagoPaymentOptions:
    """The payment's ``connector_options.mercadopago``; an identification is a type and a
    number together. Splits and an application fee are refused before anything is sent
    (``splits=None`` on the metadata does that in the core)."""
    options = kit.options_of(data, MercadoPagoPaymentOptions) or MercadoPagoPaymentOptions()
    if bool(options.payer_identification_type) != bool(options.payer_identification_number):
        missing = (
            "payer_identification_number"
            if options.payer_identification_type
            else "payer_identification_type"
        )
        raise invalid(
            "invalid_option",
            "a payer identification is a type and a number",
            f"connector_options.mercadopago.{missing}",
        )
    return options


def _paid_at_once(data: AuthorizeData, what: str) -> None:
    """Pix and vouchers are paid by the customer, in full, once: nothing to capture."""
    if data.capture_method is CaptureMethod.MANUAL:
        raise ServiceError(
            ErrorType.NOT_SUPPORTED,
            "not_supported",
            f"{what} is paid at once: capture_method must be automatic",
            field="capture_method",
        )


def _expiry(seconds: int) -> str:
    """``date_of_expiration`` that many seconds from now (``yyyy-MM-dd'T'HH:mm:ss.SSSz``)."""
    return kit.utc_after(seconds, "%Y-%m-%dT%H:%M:%S.000+00:00")


# "Av. Paulista, 1578" / "Rua das Flores 12A" / "Rua Augusta, nº 500" / "Estrada Velha,
# S/N" (sem número): the street, then its number (a boleto's payer.address takes them
# apart).
_STREET_NUMBER = re.compile(
    r"^(?P<street>.*?[^\s,])[\s,]+(?:n[º°o]?\.?\s*)?(?P<number>\d[0-9A-Za-z/-]{0,9}|s/n)$",
    re.IGNORECASE,
)


def _boleto_address(billing: Address | None) -> dict[str, str]:
    """The boleto payer's ``address`` (required by Mercado Pago since 2024, a Banco
    Central rule), from the billing address: ``line1`` is "street, number", ``line2``
    the neighbourhood (bairro), ``state`` the federal unit (``SP``), ``postal_code`` the
    CEP (8 digits). A missing or unusable part is a 400 naming it."""
    need = "the payer's address (street and number, neighbourhood, city, state, CEP)"
    address = billing or Address()
    line1 = payer_of.require_field(address.line1, "billing.line1", "Mercado Pago", "Boleto", need)
    street = _STREET_NUMBER.match(line1.strip())
    if street is None:
        raise payer_of.bad_field(
            "billing.line1",
            "Mercado Pago needs the street number of a boleto's payer: give billing.line1 "
            "as 'street, number' (Av. Paulista, 1578)",
        )
    neighborhood = payer_of.require_field(
        address.line2, "billing.line2", "Mercado Pago", "Boleto",
        "the payer's neighbourhood (bairro) in billing.line2",
    )  # fmt: skip
    city = payer_of.require_field(address.city, "billing.city", "Mercado Pago", "Boleto", need)
    state = payer_of.require_field(address.state, "billing.state", "Mercado Pago", "Boleto", need)
    if state.strip().upper() not in FEDERAL_UNITS:
        raise payer_of.bad_field(
            "billing.state", "a boleto's payer state is a Brazilian federal unit's two letters (SP)"
        )
    postal = payer_of.require_field(
        address.postal_code, "billing.postal_code", "Mercado Pago", "Boleto", need
    )
    cep = re.sub(r"[\s.-]", "", postal)
    if not re.fullmatch(r"\d{8}", cep):
        raise payer_of.bad_field("billing.postal_code", "a Brazilian CEP is 8 digits (01310-100)")
    return {
        "zip_code": cep,
        "street_name": street["street"],
        "street_number": street["number"].upper(),
        "neighborhood": neighborhood.strip(),
        "city": city.strip(),
        "federal_unit": state.strip().upper(),
    }


def _check_currency(ctx: ConnectorContext, currency: str) -> None:
    """Mercado Pago charges in the seller's site currency (a payment names none): a
    payment in another currency would be charged as that many units of the site's."""
    site = (ctx.options.get("currency") or "").upper()
    if site and currency.upper() != site:
        raise invalid(
            "currency_not_supported",
            f"this Mercado Pago account charges in {site} only",
            "currency",
        )


def _key(key: str) -> str:
    """The key as Mercado Pago takes it (at most 64 characters): a longer one is
    replaced by its SHA-256, the same for the same key."""
    if len(key) <= IDEMPOTENCY_MAX:
        return key
    return hashlib.sha256(key.encode()).hexdigest()


def _amount(minor: int, currency: str) -> float | int:
    """ISO minor units -> ``transaction_amount``, a JSON number of major units."""
    code = currency.upper()
    try:
        major = MERCADOPAGO.to_major(minor, code)
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None
    return int(major) if "." not in major else float(major)


def _minor(value: float | None, currency: str | None) -> int | None:
    if value is None or currency is None:
        return None
    try:
        digits = MERCADOPAGO.of(currency)
        return MERCADOPAGO.from_major(f"{value:.{digits}f}", currency)
    except (ValueError, UnknownCurrency):
        return None


def _payer(customer: Customer | None) -> dict[str, Any]:
    customer = customer or Customer()
    first, _, last = (customer.name or "").partition(" ")
    return {"email": customer.email, "first_name": first or None, "last_name": last or None}


def _customer(customer: Customer) -> dict[str, Any]:
    first, _, last = (customer.name or "").partition(" ")
    return {
        "email": customer.email,
        "first_name": first or None,
        "last_name": last or None,
        "description": f"customer {customer.id}" if customer.id else None,
    }


def _match_bin(methods: list[PaymentMethod], six: str) -> str | None:
    """The active card payment method whose BIN pattern matches (MercadoPago.js's rule:
    ``pattern`` matches and ``exclusion_pattern`` does not)."""
    if not re.fullmatch(r"\d{6}", six):
        return None
    for method in methods:
        if method.payment_type_id not in ("credit_card", "debit_card", "prepaid_card"):
            continue
        if method.status not in (None, "active"):
            continue
        for setting in method.settings:
            pattern = setting.bin.pattern if setting.bin else None
            exclusion = setting.bin.exclusion_pattern if setting.bin else None
            try:
                if (
                    pattern
                    and re.match(pattern, six)
                    and not (exclusion and re.match(exclusion, six))
                ):
                    return method.id
            except re.error:
                continue
    return None


def _notification(body: bytes) -> dict[str, Any] | None:
    try:
        doc = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    return doc if isinstance(doc, dict) else None


def _envelope(body: bytes) -> dict[str, Any]:
    """A notification: a JSON object whose ``id`` is a number (or a non-empty string:
    the docs show both) and whose ``type`` a non-empty string."""
    note = _notification(body)
    if note is None or not kit.text_or_number(note.get("id")):
        raise invalid("invalid_webhook", "a Mercado Pago notification has an id", "id")
    return kit.webhooks.envelope(note, "Mercado Pago notification", id_key="type", type_key="type")


def _data_id(note: dict[str, Any]) -> str | None:
    """``data.id`` as the manifest takes it: an alphanumeric id in lower case."""
    value = kit.text_or_number(kit.obj(note.get("data")).get("id"))
    return value.lower() if value else None


def verify_signature(
    header: str,
    request_id: str | None,
    data_id: str | None,
    secret: str,
    *,
    now: float | None = None,
    tolerance_seconds: float = WEBHOOK_TOLERANCE,
) -> bool:
    """Whether ``x-signature`` (``ts=<unix>,v1=<hex>``) holds the HMAC-SHA256 under
    ``secret`` of ``id:<data.id>;request-id:<x-request-id>;ts:<ts>;`` (a missing part is
    left out of the manifest), with ``ts`` within the tolerance."""
    ts: str | None = None
    given: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        key, value = key.strip().lower(), value.strip()
        if key == "ts" and value.isdigit() and len(value) <= 12:
            ts = value
        elif key == "v1" and value:
            given.append(value.lower())
    if not secret or ts is None or not given:
        return False
    current = time.time() if now is None else now
    if abs(current - int(ts)) > tolerance_seconds:
        return False
    parts = [f"id:{data_id}" if data_id else "", f"request-id:{request_id}" if request_id else ""]
    manifest = ";".join([p for p in parts if p] + [f"ts:{ts}"]) + ";"
    expected = kit.hmac_sha256_hex(secret, manifest.encode())
    return any(kit.constant_time_equal(expected, sig) for sig in given)


def _event_type(status: PaymentStatus) -> WebhookEventType:
    return WEBHOOK_EVENTS.get(status, WebhookEventType.UNKNOWN)


def _qr(payment: MercadoPagoPayment) -> TransactionData | None:
    """The Pix code of a payment waiting for it (its text and hosted page both there)."""
    poi = payment.point_of_interaction
    data = poi.transaction_data if poi else None
    return data if data and data.qr_code and data.ticket_url else None


def _voucher_details(payment: MercadoPagoPayment) -> TransactionDetails | None:
    """The cash voucher of a payment waiting for it (its printable page there)."""
    details = payment.transaction_details
    if payment.payment_type_id != "ticket" or details is None:
        return None
    return details if details.external_resource_url else None


def _expired(payment: MercadoPagoPayment) -> bool:
    """A Pix code or a voucher nobody paid by its ``date_of_expiration``: never paid, so
    it failed (a card's ``expired`` is an authorization released, a void)."""
    return (
        payment.status == "cancelled"
        and payment.status_detail == "expired"
        and payment.payment_type_id in UNPAID_UNTIL_EXPIRY
    )


def _status(payment: MercadoPagoPayment) -> PaymentStatus:
    """The table's status; ``pending_challenge`` asks for the customer only when the
    challenge's page and ``creq`` came with it (else it is pending at the gateway)."""
    status = kit.status_of(PAYMENT_STATUS, payment.status, PaymentStatus.PROCESSING)
    info = payment.three_ds_info
    if payment.status == "pending" and _qr(payment) is not None:
        return PaymentStatus.REQUIRES_ACTION  # a Pix code waiting to be paid
    if payment.status == "pending" and _voucher_details(payment) is not None:
        return PaymentStatus.REQUIRES_ACTION  # a voucher waiting to be paid
    if _expired(payment):
        return PaymentStatus.FAILED
    challenged = payment.status == "pending" and payment.status_detail == "pending_challenge"
    if challenged and info and info.external_resource_url:
        return PaymentStatus.REQUIRES_ACTION if info.creq else PaymentStatus.PROCESSING
    return status


def _payment(payment: MercadoPagoPayment, amount: int | None) -> PaymentResult:
    """A payment; ``amount`` is what was authorized (Mercado Pago's ``transaction_amount``
    becomes the captured amount on a partial capture)."""
    status = _status(payment)
    current = _minor(payment.transaction_amount, payment.currency_id)
    total = amount if amount is not None else current
    captured: int | None = None
    if status is PaymentStatus.CAPTURED:
        captured = current
        if captured is not None and total is not None and 0 < captured < total:
            status = PaymentStatus.PARTIALLY_CAPTURED
    info = payment.three_ds_info
    action: RedirectAction | DisplayQr | DisplayVoucher | None = None
    qr = _qr(payment)
    voucher = _voucher_details(payment)
    if status is PaymentStatus.REQUIRES_ACTION and voucher is not None:
        url = voucher.external_resource_url or ""
        barcode = payment.barcode or voucher.barcode
        reference = voucher.payment_method_reference_id or voucher.verification_code
        action = DisplayVoucher(
            url=url,
            reference=str(reference or payment.id),
            barcode=(barcode.content if barcode else None) or voucher.digitable_line,
            expires_at=payment.date_of_expiration,
            instructions_url=url,
        )
    elif status is PaymentStatus.REQUIRES_ACTION and qr is not None:
        action = DisplayQr(
            url=qr.ticket_url or "",
            payload=qr.qr_code or "",
            image=f"data:image/png;base64,{qr.qr_code_base64}" if qr.qr_code_base64 else None,
            expires_at=payment.date_of_expiration,
        )
    elif status is PaymentStatus.REQUIRES_ACTION and info and info.external_resource_url:
        action = RedirectAction(
            url=info.external_resource_url,
            method="POST",
            form={"creq": info.creq or ""},
        )
    return PaymentResult(
        status=status,
        connector_payment_id=str(payment.id),
        amount=total,
        amount_captured=captured,
        connector_status=f"{payment.status}:{payment.status_detail}"
        if payment.status_detail
        else payment.status,
        next_action=action,
        failure=_failure(payment) if status is PaymentStatus.FAILED else None,
        pending_reason=_pending_reason(payment) if status is PaymentStatus.PROCESSING else None,
        card=_card_summary(
            payment.card.last_four_digits if payment.card else None,
            payment.payment_method_id,
            payment.card,
        ),
        reference=payment.external_reference or None,
    )


PENDING_REASONS = {
    "pending_review_manual": "pending_review",
    "pending_waiting_payment": "awaiting_customer",
    "pending_challenge": "awaiting_customer",
}


def _pending_reason(payment: MercadoPagoPayment) -> str:
    return PENDING_REASONS.get(payment.status_detail or "", "pending_gateway")


def _failure(payment: MercadoPagoPayment) -> Failure:
    raw = payment.status_detail
    if _expired(payment):
        return decline(
            DeclineCode.TRY_AGAIN_LATER,
            raw_code="expired",
            raw_message="the customer did not pay before the date_of_expiration",
        )
    return decline(
        kit.decline_of(DECLINE_MAP, raw, default=DeclineCode.GENERIC_DECLINE),
        raw_code=raw,
        raw_message=f"Mercado Pago rejected the payment ({raw})" if raw else None,
    )


def _refund(body: dict[str, Any], currency: str) -> RefundResult:
    refund = kit.decode_as(body, MercadoPagoRefund)
    if refund is None:
        raise ServiceError(ErrorType.CONNECTOR, "gateway_error", "Mercado Pago answered no refund.")
    return _refund_result(refund, currency)


def _refund_result(refund: MercadoPagoRefund, currency: str) -> RefundResult:
    status = kit.status_of(REFUND_STATUS, refund.status, RefundStatus.PENDING)
    return RefundResult(
        status=status,
        connector_refund_id=str(refund.id),
        amount=_minor(refund.amount, currency),
        connector_status=refund.status or None,
        failure=decline(DeclineCode.PROCESSING_ERROR, raw_code=refund.status)
        if status is RefundStatus.FAILED
        else None,
        pending_reason="refund_pending" if status is RefundStatus.PENDING else None,
        meta=_ids(payment_id=str(refund.payment_id) if refund.payment_id else None),
    )


_BRANDS = {
    "visa": "visa", "debvisa": "visa", "master": "mastercard", "debmaster": "mastercard",
    "amex": "amex", "elo": "elo", "debelo": "elo", "hipercard": "hipercard",
    "diners": "diners", "naranja": "naranja", "cabal": "cabal", "debcabal": "cabal",
    "maestro": "maestro", "cmr": "cmr", "tarshop": "tarshop",
}  # fmt: skip


def _card_summary(
    last4: str | None, method_id: str | None, card: PaymentCard | MercadoPagoCard | None
) -> CardSummary | None:
    if not last4:
        return None
    return CardSummary(
        brand=_BRANDS.get(method_id or "", method_id),
        last4=last4,
        exp_month=card.expiration_month if card else None,
        exp_year=card.expiration_year if card else None,
    )


def _flag(value: Any) -> bool | None:
    """A boolean the docs show both as JSON ``true`` and as the text ``"true"``."""
    if isinstance(value, bool) or value is None:
        return value
    text = kit.text(value)
    return {"true": True, "false": False}.get(text.lower()) if text else None


def _dispute_status(chargeback: dict[str, Any]) -> DisputeStatus:
    """``coverage_applied`` is the outcome (true: Mercado Pago covers the seller, who keeps
    the money; false: it is debited); before it, documentation still required and not
    supplied means a response is due."""
    covered = _flag(chargeback.get("coverage_applied"))
    if covered is not None:
        return DisputeStatus.WON if covered else DisputeStatus.LOST
    required = _flag(chargeback.get("documentation_required"))
    supplied = kit.text(chargeback.get("documentation_status")) in ("valid", "review_pending")
    return DisputeStatus.NEEDS_RESPONSE if required and not supplied else DisputeStatus.UNDER_REVIEW


def _dispute(chargeback: dict[str, Any]) -> DisputeResult:
    cid = kit.text_or_number(chargeback.get("id"))
    if not cid:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Mercado Pago answered no chargeback."
        )
    payments = chargeback.get("payments")
    first = payments[0] if isinstance(payments, list) and payments else None
    payment_id = kit.text_or_number(kit.obj(first).get("id") if isinstance(first, dict) else first)
    currency = (kit.text(chargeback.get("currency")) or "").upper() or None
    amount = kit.text_or_number(chargeback.get("amount"))
    try:
        minor = MERCADOPAGO.from_major(amount, currency) if amount and currency else None
    except (ValueError, UnknownCurrency):
        minor = None
    reason = kit.text(chargeback.get("reason"))
    status = _dispute_status(chargeback)
    return DisputeResult(
        status=status,
        connector_dispute_id=cid,
        connector_payment_id=payment_id,
        amount=minor,
        currency=currency,
        reason=reason,
        unified_reason=DISPUTE_REASONS.get(reason or "", DisputeReason.OTHER),
        connector_status=kit.text(chargeback.get("documentation_status")),
        evidence_due_by=kit.text(chargeback.get("date_documentation_deadline")),
        evidence_submitted=kit.text(chargeback.get("documentation_status"))
        in ("valid", "review_pending", "invalid"),
        created=kit.text(chargeback.get("date_created")),
    )


def _dispute_event(note: dict[str, Any], raw: dict[str, Any]) -> WebhookEvent:
    dispute = _dispute(raw)
    if dispute.connector_dispute_id.lower() != _data_id(note):
        raise invalid("invalid_webhook", "the chargeback read is not the one named", "data.id")
    return WebhookEvent(
        event_id=kit.text_or_number(note.get("id")) or "",
        type=DISPUTE_EVENTS.get(dispute.status, WebhookEventType.DISPUTE_UPDATED),
        connector_event_type=f"chargeback.{dispute.status.value}",
        connector_payment_id=dispute.connector_payment_id,
        dispute=dispute,
        amount=dispute.amount,
        currency=dispute.currency,
        occurred_at=kit.text(raw.get("date_last_updated")) or kit.text(note.get("date_created")),
    )


def _method_of(card: MercadoPagoCard) -> str | None:
    return card.payment_method.id if card.payment_method else None


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}
