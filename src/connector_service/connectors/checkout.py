"""Checkout.com: the unified payments API (``/payments``) of both account generations.

Two generations share one API shape: "ABC" accounts (the 2021 public spec) authenticate
with the raw secret key, "NAS" accounts (the generation current accounts use) with
``Bearer <secret key>`` and must name a processing channel on every payment. The account
option ``key_type`` (``nas`` by default, or ``abc``) picks one.

The methods beyond cards (their ``source`` objects, the wallet-token exchange) are in
``checkout_methods.py``.

Captures, voids and refunds answer ``202 Accepted`` with an ``action_id``: their outcome
arrives later (webhook, or ``GET /payments/{id}`` and ``GET /payments/{id}/actions``), so
they are reported as processing / pending, never as done.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

import msgspec
from msgspec import Meta

from connector_service.connectors import checkout_methods as cko
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
    gateway_error,
    json_body,
    require_id,
    scrub_common,
)
from connector_service.connectors.kit import methods as pm_kit
from connector_service.connectors.kit import webhooks as checks
from connector_service.domain.common import (
    Address,
    CardSummary,
    Customer,
    RedirectAction,
)
from connector_service.domain.declines import CHECKOUT_RECOMMENDATION
from connector_service.domain.errors import (
    DeclineCode,
    ErrorType,
    Failure,
    GatewayDetail,
    ServiceError,
    decline,
    invalid,
    not_supported,
)
from connector_service.domain.flows import (
    AuthorizeData,
    CaptureData,
    CompleteAuthorizeData,
    DisputeAcceptData,
    DisputeEvidenceData,
    DisputeListData,
    DisputeListResult,
    DisputeResult,
    DisputeSyncData,
    EvidenceLimits,
    Flow,
    IncrementData,
    ListMandatesData,
    MandateCompleteData,
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
    ApplePay,
    Card,
    GooglePay,
    NetworkToken,
    Token,
)
from connector_service.domain.status import (
    CaptureMethod,
    DisputeReason,
    DisputeStatus,
    EvidenceType,
    MandateStatus,
    PaymentStatus,
    RefundStatus,
)

# --------------------------------------------------------------------------- 1. metadata

KEY_TYPES = ("nas", "abc")
MIT_PAYMENT_TYPES = ("Recurring", "Unscheduled", "Installment")


# ---- connector_options (issue 19): the Payments API's own fields (NAS preview spec).


class CheckoutDescriptor(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, Meta(min_length=1, max_length=25, description="billing_descriptor.name")]
    city: Annotated[str, Meta(min_length=1, max_length=13, description="billing_descriptor.city")]


class CheckoutMarketplace(msgspec.Struct, forbid_unknown_fields=True):
    sub_entity_id: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=64,
            description="marketplace.sub_entity_id: the sub-entity the payment is processed "
            "on behalf of (ent_...)",
        ),
    ]


class CheckoutPaymentOptions(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """``connector_options.checkout`` on a payment."""

    processing_channel_id: (
        Annotated[
            str,
            Meta(
                pattern=r"^pc_[a-z0-9]{26}$(?!\n)",
                description="processing_channel_id for this payment (NAS keys; overrides the "
                "account's)",
            ),
        ]
        | None
    ) = None
    payment_type: (
        Annotated[
            Literal["Regular", "Recurring", "MOTO"],
            Meta(description="payment_type of a customer-initiated card payment"),
        ]
        | None
    ) = None
    billing_descriptor: CheckoutDescriptor | None = None
    marketplace: CheckoutMarketplace | None = None


class CheckoutConnector(Connector):
    meta = ConnectorMeta(
        name="checkout",
        display_name="Checkout.com",
        base_url_test="https://api.sandbox.checkout.com",
        base_url_live="https://api.checkout.com",
        credential_fields=(
            CredentialField("secret_key", "Secret API key (sk_...)"),
            CredentialField(
                "webhook_secret",
                "Signature key of the webhook (Cko-Signature HMAC-SHA256 key)",
                required=False,
            ),
            CredentialField(
                "webhook_authorization",
                "Value of the Authorization header configured on the webhook, if any",
                required=False,
            ),
            CredentialField(
                "public_key",
                "Public API key (pk_...): Apple Pay / Google Pay tokens are exchanged with it",
                required=False,
            ),
        ),
        option_fields=(
            CredentialField(
                "key_type", "Account generation: nas (default, Bearer key) or abc", False
            ),
            CredentialField(
                "processing_channel_id", "Processing channel (pc_...); required for nas", False
            ),
            CredentialField(
                "mit_payment_type",
                "payment_type of stored-card payments: Recurring (default), Unscheduled, "
                "Installment",
                False,
            ),
        ),
        # Per method: flows, countries, currencies (checkout_methods.METHODS).
        methods=cko.METHODS,
        idempotency="Cko-Idempotency-Key header",
        multiple_captures=True,  # capture_type NonFinal (NAS accounts)
        docs_url="https://www.checkout.com/docs",
        secret_fields=("secret_key", "webhook_secret", "webhook_authorization", "public_key"),
        # capture_type is not an option: the unified final_capture sets it (NonFinal).
        options=kit.ConnectorOptions(payment=CheckoutPaymentOptions),
        # splits: the Payments API specs here have only marketplace.sub_entity_id, no
        # amount allocations: a payment can go wholly to one sub-entity, nothing finer.
        # order: no items on a payment request in these specs.
        splits="one split of the whole amount (no application_fee) -> marketplace."
        "sub_entity_id (NAS); partial splits and fees not supported (no amount allocations "
        "in the specs); refunds come back from the sub-entity's payment as is",
    )
    supports_mandate_charges = True

    # Text (each field at most 500 characters, per the spec) and files: uploaded first to
    # POST /files (JPEG, PNG or PDF, at most 4 MB, per the spec), then named by id in the
    # evidence's *_file fields, one file per field. Evidence is staged (PUT) and
    # submitted (POST) separately.
    evidence_limits = EvidenceLimits(
        text_types=frozenset({
            EvidenceType.SHIPPING_DOCUMENTATION, EvidenceType.SERVICE_DOCUMENTATION,
            EvidenceType.RECEIPT, EvidenceType.CUSTOMER_COMMUNICATION,
            EvidenceType.REFUND_POLICY, EvidenceType.CANCELLATION_POLICY,
            EvidenceType.UNCATEGORIZED, EvidenceType.PRODUCT_DESCRIPTION,
        }),
        file_types=frozenset({
            EvidenceType.SHIPPING_DOCUMENTATION, EvidenceType.RECEIPT,
            EvidenceType.CUSTOMER_COMMUNICATION, EvidenceType.REFUND_POLICY,
            EvidenceType.UNCATEGORIZED,
        }),
        content_types=frozenset({"image/jpeg", "image/png", "application/pdf"}),
        max_file_bytes=4 * 1024 * 1024,
        max_files=5,
        max_text_chars=500,
    )  # fmt: skip

    # ----------------------------------------------------------------------- 2. auth

    @staticmethod
    def _headers(ctx: ConnectorContext, *, idempotent_post: bool = False) -> dict[str, str]:
        key = ctx.credential("secret_key")
        if _key_type(ctx) == "nas" and not key.startswith("Bearer "):
            key = f"Bearer {key}"
        headers = {"Authorization": key, "Accept": "application/json"}
        if idempotent_post:
            headers["Content-Type"] = "application/json"
            if ctx.idempotency_key:
                headers["Cko-Idempotency-Key"] = ctx.idempotency_key
        return headers

    def _post(
        self, ctx: ConnectorContext, path: str, body: dict[str, Any], flow: Flow
    ) -> HttpRequest:
        return HttpRequest(
            "POST",
            f"{ctx.base_url}{path}",
            self._headers(ctx, idempotent_post=True),
            json_body(drop_none(body)),
            flow=flow.value,
            idempotent=bool(ctx.idempotency_key),
        )

    def _get(self, ctx: ConnectorContext, path: str, flow: Flow) -> HttpRequest:
        return HttpRequest(
            "GET", f"{ctx.base_url}{path}", self._headers(ctx), flow=flow.value, idempotent=True
        )

    # ----------------------------------------------------------------------- 3. builders

    def build_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> HttpRequest:
        pm = data.payment_method
        body = self._payment_body(ctx, data.amount, data.currency, data.reference)
        body["capture"] = data.capture_method is CaptureMethod.AUTOMATIC
        if data.incremental_authorization:  # POST /payments/{id}/authorizations may raise it
            _nas_only(ctx, "incremental_authorization", "an estimated authorization")
            body["authorization_type"] = "Estimated"
        body["description"] = data.description
        body["metadata"] = data.metadata or None
        body["shipping"] = {"address": _address(data.shipping)} if data.shipping else None
        if isinstance(pm, StoredMandate):
            ref = pm.ref
            body["source"] = {"type": "id", "id": ref.connector_mandate_id}
            body["payment_type"] = _mit_payment_type(ctx)
            body["merchant_initiated"] = True
            body["previous_payment_id"] = ref.network_transaction_id or ref.meta.get("payment_id")
            body["customer"] = _customer(None, ref.customer_id)
        elif isinstance(pm, Card | Token):
            body["source"] = _source(pm, data.billing)
            body["customer"] = _customer(
                data.customer, pm.customer_id if isinstance(pm, Token) else None
            )
            body["payment_ip"] = _ipv4(data.customer, data.browser)
            if data.setup_future_usage:
                body["payment_type"] = _mit_payment_type(ctx)
                body["merchant_initiated"] = False
            self._three_ds(body, data.return_url)
            if isinstance(pm, Card) and pm.three_ds is not None:  # authenticated elsewhere
                body["3ds"] = cko.three_ds(pm)
        elif cko.builds(pm):
            body["source"] = cko.source(pm, data)
            body["customer"] = _customer(data.customer, None)
            body["payment_ip"] = _ipv4(data.customer, data.browser)
            if not isinstance(pm, NetworkToken):  # back from the method's page
                body["success_url"] = body["failure_url"] = _return_url(data.return_url)
        else:
            raise ServiceError(
                ErrorType.NOT_SUPPORTED,
                "payment_method_not_supported",
                f"Checkout.com does not support {type(pm).__name__.lower()} payments here",
                field="payment_method.type",
            )
        options = kit.options_of(data, CheckoutPaymentOptions)
        if options is not None:
            body |= _payment_options(ctx, options, merchant_initiated=isinstance(pm, StoredMandate))
        body |= _sub_entity(ctx, data, options)
        return self._post(ctx, "/payments", body, Flow.AUTHORIZE)

    def steps_authorize(self, ctx: ConnectorContext, data: AuthorizeData) -> Steps:
        """An encrypted wallet token is first exchanged (``POST /tokens``, public key) for
        a ``tok_…``, then paid as a token source; everything else is one call."""
        pm = data.payment_method
        if isinstance(pm, cko.WALLETS):
            exchanged = yield self._token_request(ctx, pm)
            token = cko.token_of(_body(exchanged), exchanged)
            # An Apple Pay token is authenticated on the device: no 3-D Secure redirect. A
            # Google Pay one may be a PAN_ONLY card: 3-D Secure when the shopper can return.
            return_url = None if isinstance(pm, ApplePay) else data.return_url
            data = msgspec.structs.replace(
                data, payment_method=Token(token=token), return_url=return_url
            )
        response = yield self.build_authorize(ctx, data)
        return self.parse_authorize(ctx, data, response)

    def _token_request(self, ctx: ConnectorContext, pm: ApplePay | GooglePay) -> HttpRequest:
        key = ctx.credentials.get("public_key")
        if key is None or not key.reveal():
            raise not_supported(
                "Checkout.com exchanges wallet tokens with the account's public key: "
                "the account has no public_key credential",
                "payment_method.type",
            )
        value = key.reveal()
        if _key_type(ctx) == "nas" and not value.startswith("Bearer "):
            value = f"Bearer {value}"
        headers = {
            "Authorization": value,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        return HttpRequest(
            "POST", f"{ctx.base_url}/tokens", headers, json_body(cko.token_body(pm)),
            flow=Flow.AUTHORIZE.value, idempotent=True,  # a second token is harmless
        )  # fmt: skip

    def build_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData
    ) -> HttpRequest:
        # The customer came back from the 3-D Secure page (with ?cko-session-id=sid_...);
        # the payment itself now carries the outcome.
        pid = data.payment.connector_payment_id
        return self._get(ctx, f"/payments/{pid}", Flow.COMPLETE_AUTHORIZE)

    def build_sync(self, ctx: ConnectorContext, data: SyncData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        if not pid:
            # Outcome unknown at create: find it by the reference we sent ("Get payment
            # lists", GET /payments?reference=…, newest first).
            reference = require_id(data.payment.meta.get("reference"), Flow.SYNC.value)
            query = urlencode({"reference": reference, "limit": 10})
            return self._get(ctx, f"/payments?{query}", Flow.SYNC)
        return self._get(ctx, f"/payments/{pid}", Flow.SYNC)

    def build_capture(self, ctx: ConnectorContext, data: CaptureData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        body = {
            "amount": _to_cko(data.amount, data.payment.currency),
            "reference": _reference(data.reference),
            "metadata": data.metadata or None,
        }
        if not data.final_capture:  # more captures may follow; Final releases the rest
            _nas_only(ctx, "final_capture", "several captures of one payment")
            body["capture_type"] = "NonFinal"
        return self._post(ctx, f"/payments/{pid}/captures", body, Flow.CAPTURE)

    def build_increment(self, ctx: ConnectorContext, data: IncrementData) -> HttpRequest:
        """Checkout.com takes the amount to ADD to the authorization (not the new total)."""
        _nas_only(ctx, "id", "incremental authorizations")
        pid = data.payment.connector_payment_id
        body = {
            "amount": _to_cko(data.increment, data.payment.currency),
            "reference": _reference(data.reference),
        }
        return self._post(ctx, f"/payments/{pid}/authorizations", body, Flow.INCREMENT)

    def build_list_mandates(self, ctx: ConnectorContext, data: ListMandatesData) -> HttpRequest:
        """The customer's instruments come with the customer (GET /customers/{id})."""
        if not CUSTOMER_ID.fullmatch(data.customer_id):
            raise invalid(
                "invalid_customer_id",
                "Checkout.com customer ids look like cus_ and 26 characters",
                "customer",
            )
        return self._get(ctx, f"/customers/{data.customer_id}", Flow.LIST_MANDATES)

    def build_void(self, ctx: ConnectorContext, data: VoidData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        reference = data.payment.meta.get("reference")
        body = {"reference": reference if reference and len(reference) <= 50 else None}
        return self._post(ctx, f"/payments/{pid}/voids", body, Flow.VOID)

    def build_refund(self, ctx: ConnectorContext, data: RefundData) -> HttpRequest:
        pid = data.payment.connector_payment_id
        body = {
            "amount": _to_cko(data.amount, data.payment.currency),
            "reference": _reference(data.reference),
            "metadata": data.metadata or None,
        }
        return self._post(ctx, f"/payments/{pid}/refunds", body, Flow.REFUND)

    def build_refund_sync(self, ctx: ConnectorContext, data: RefundSyncData) -> HttpRequest:
        pid = data.refund.meta.get("payment_id") or data.refund.connector_payment_id
        return self._get(ctx, f"/payments/{pid}/actions", Flow.REFUND_SYNC)

    def build_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData
    ) -> HttpRequest:
        # The zero-amount verification's payment now carries the 3-D Secure outcome and,
        # once verified, the stored source (src_...).
        return self._get(
            ctx, f"/payments/{data.mandate.meta.get('payment_id', '')}", Flow.COMPLETE_MANDATE
        )

    def build_setup_mandate(self, ctx: ConnectorContext, data: MandateSetupData) -> HttpRequest:
        # A zero-amount card verification ("Card Verified") stores the card as a source
        # (src_...) that later merchant-initiated payments reuse.
        pm = pm_kit.card_or_token(data.payment_method, "Checkout.com")
        body = self._payment_body(ctx, 0, data.currency, data.reference)
        body["capture"] = False
        body["source"] = _source(pm, data.billing)
        body["customer"] = _customer(
            data.customer, pm.customer_id if isinstance(pm, Token) else None
        )
        body["payment_type"] = _mit_payment_type(ctx)
        body["merchant_initiated"] = False
        body["payment_ip"] = _ipv4(data.customer, data.browser)
        body["description"] = data.description
        body["metadata"] = data.metadata or None
        self._three_ds(body, data.return_url)
        return self._post(ctx, "/payments", body, Flow.SETUP_MANDATE)

    def build_revoke_mandate(self, ctx: ConnectorContext, data: MandateRevokeData) -> HttpRequest:
        sid = data.mandate.connector_mandate_id
        return HttpRequest(
            "DELETE",
            f"{ctx.base_url}/instruments/{sid}",
            self._headers(ctx),
            flow=Flow.REVOKE_MANDATE.value,
            idempotent=True,
        )

    # ---- disputes

    def build_dispute_sync(self, ctx: ConnectorContext, data: DisputeSyncData) -> HttpRequest:
        return self._get(
            ctx, f"/disputes/{kit.segment(data.dispute.connector_dispute_id)}", Flow.DISPUTE_SYNC
        )

    def build_dispute_list(self, ctx: ConnectorContext, data: DisputeListData) -> HttpRequest:
        # Checkout.com pages by offset: the cursor is the next page's skip.
        skip = int(data.cursor) if data.cursor and data.cursor.isdigit() else 0
        return self._get(ctx, f"/disputes?limit={data.limit}&skip={skip}", Flow.DISPUTE_LIST)

    def steps_dispute_accept(self, ctx: ConnectorContext, data: DisputeAcceptData) -> Steps:
        did = kit.segment(data.dispute.connector_dispute_id)
        accepted = yield HttpRequest(
            "POST", f"{ctx.base_url}/disputes/{did}/accept", self._headers(ctx),
            flow=Flow.DISPUTE_ACCEPT.value, idempotent=True,
        )  # fmt: skip
        _body(accepted)  # 204, no body
        current = yield self.build_dispute_sync(ctx, DisputeSyncData(dispute=data.dispute))
        return _dispute(_body(current))

    def steps_dispute_evidence(self, ctx: ConnectorContext, data: DisputeEvidenceData) -> Steps:
        did = kit.segment(data.dispute.connector_dispute_id)
        evidence: dict[str, str] = {}
        for kind, text in data.text.items():
            field = EVIDENCE_TEXT_FIELD[kind]
            evidence[field] = f"{evidence[field]}\n{text}" if field in evidence else text
        for f in data.files:
            field = EVIDENCE_FILE_FIELD[f.type]
            if field in evidence:
                raise invalid(
                    "duplicate_evidence",
                    f"Checkout.com takes one {f.type.value} file per dispute",
                    "evidence",
                )
            content_type, body = kit.multipart_form([
                ("file", f.file_name, f.content_type, f.content),
                ("purpose", None, "text/plain", b"dispute_evidence"),
            ])  # fmt: skip
            uploaded = yield HttpRequest(
                "POST", f"{ctx.base_url}/files",
                self._headers(ctx) | {"Content-Type": content_type}, body,
                flow=Flow.DISPUTE_EVIDENCE.value, idempotent=False,
            )  # fmt: skip
            file_id = kit.text(kit.obj(_body(uploaded)).get("id"))
            if not file_id:
                raise gateway_error(uploaded, code=None, message="Checkout.com answered no file id")
            evidence[field] = file_id
        staged = yield HttpRequest(
            "PUT", f"{ctx.base_url}/disputes/{did}/evidence",
            self._headers(ctx) | {"Content-Type": "application/json"}, json_body(evidence),
            flow=Flow.DISPUTE_EVIDENCE.value, idempotent=True,
        )  # fmt: skip
        _body(staged)
        if data.submit:
            submitted = yield HttpRequest(
                "POST", f"{ctx.base_url}/disputes/{did}/evidence", self._headers(ctx),
                flow=Flow.DISPUTE_EVIDENCE.value, idempotent=True,
            )  # fmt: skip
            _body(submitted)
        current = yield self.build_dispute_sync(ctx, DisputeSyncData(dispute=data.dispute))
        result = _dispute(_body(current))
        if data.submit and result.status is DisputeStatus.NEEDS_RESPONSE:
            # Submitted: under review from now on, though the read may still lag.
            result = msgspec.structs.replace(result, status=DisputeStatus.UNDER_REVIEW)
        return msgspec.structs.replace(result, evidence_submitted=data.submit or None)

    def parse_dispute_sync(
        self, ctx: ConnectorContext, data: DisputeSyncData, response: HttpResponse
    ) -> DisputeResult:
        return _dispute(_body(response))

    def parse_dispute_list(
        self, ctx: ConnectorContext, data: DisputeListData, response: HttpResponse
    ) -> DisputeListResult:
        body = kit.obj(_body(response))
        items = [_dispute(d) for d in body.get("data") or [] if isinstance(d, dict)]
        skip, total = body.get("skip"), body.get("total_count")
        following = (skip if isinstance(skip, int) else 0) + len(items)
        total = total if isinstance(total, int) else 0
        more = bool(items) and following < total
        return DisputeListResult(disputes=items, next_cursor=str(following) if more else None)

    def _payment_body(
        self, ctx: ConnectorContext, amount: int, currency: str, reference: str
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "amount": _to_cko(amount, currency),
            "currency": currency,
            "reference": _reference(reference),
        }
        if _key_type(ctx) == "nas":
            body["processing_channel_id"] = ctx.option("processing_channel_id")
        return body

    @staticmethod
    def _three_ds(body: dict[str, Any], return_url: str | None) -> None:
        """3-D Secure runs when the customer can be sent away and brought back."""
        if not return_url:
            return
        if len(return_url) > 255:
            raise invalid(
                "return_url_too_long",
                "Checkout.com takes return URLs of 255 characters at most",
                "return_url",
            )
        body["3ds"] = {"enabled": True}
        body["success_url"] = return_url
        body["failure_url"] = return_url

    # ----------------------------------------------------------------------- 4. parsers

    def parse_authorize(
        self, ctx: ConnectorContext, data: AuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        body = _body(response)
        result = _payment(body, data.currency, data.capture_method)
        if data.setup_future_usage and body.get("approved") is True:
            mandate = _mandate(body)
            if mandate.connector_mandate_id:
                result.mandate = mandate
        return result

    def parse_complete_authorize(
        self, ctx: ConnectorContext, data: CompleteAuthorizeData, response: HttpResponse
    ) -> PaymentResult:
        return self.parse_sync(ctx, SyncData(payment=data.payment), response)

    def parse_sync(
        self, ctx: ConnectorContext, data: SyncData, response: HttpResponse
    ) -> PaymentResult:
        body = _body(response)
        ref = data.payment
        if not ref.connector_payment_id:
            found = [p for p in body.get("data") or [] if isinstance(p, dict) and p.get("id")]
            if not found:  # never created (the request did not arrive), or not listed yet
                return PaymentResult(
                    status=PaymentStatus.UNRESOLVED, pending_reason="not_found_at_gateway"
                )
            body = max(found, key=lambda p: str(p.get("requested_on") or ""))
        return _payment(body, ref.currency, CaptureMethod(ref.capture_method))

    def parse_capture(
        self, ctx: ConnectorContext, data: CaptureData, response: HttpResponse
    ) -> PaymentResult:
        body = _body(response, not_allowed="payment_not_capturable")
        return PaymentResult(
            status=PaymentStatus.PROCESSING,
            connector_payment_id=data.payment.connector_payment_id,
            pending_reason="capture_pending",
            meta=_ids(action_id=body.get("action_id")),
        )

    def parse_increment(
        self, ctx: ConnectorContext, data: IncrementData, response: HttpResponse
    ) -> PaymentResult:
        body = _body(response, not_allowed="payment_not_incrementable")
        answer = kit.obj(body)
        approved = answer.get("approved") is True and answer.get("status") == "Authorized"
        return PaymentResult(
            status=PaymentStatus.AUTHORIZED,  # a declined increment leaves it authorized
            connector_payment_id=data.payment.connector_payment_id,
            amount=data.amount if approved else data.payment.amount,
            connector_status=kit.text(answer.get("status")),
            failure=None if approved else _failure(answer),
            meta=_ids(action_id=kit.text(answer.get("action_id"))),
        )

    def parse_list_mandates(
        self, ctx: ConnectorContext, data: ListMandatesData, response: HttpResponse
    ) -> StoredMethods:
        body = kit.obj(_body(response))
        customer = kit.text(body.get("id")) or data.customer_id
        methods = []
        for raw in body.get("instruments") or []:
            item = kit.obj(raw)
            source_id = kit.text(item.get("id"))
            if not source_id or item.get("type") not in (None, "card"):
                continue
            methods.append(
                MandateResult(
                    status=MandateStatus.ACTIVE,
                    connector_mandate_id=source_id,
                    connector_customer_id=customer,
                    connector_status="instrument",
                    card=_summary(item),
                )
            )
        return StoredMethods(methods=methods)

    def parse_void(
        self, ctx: ConnectorContext, data: VoidData, response: HttpResponse
    ) -> PaymentResult:
        body = _body(response, not_allowed="payment_not_voidable")
        return PaymentResult(
            status=PaymentStatus.PROCESSING,
            connector_payment_id=data.payment.connector_payment_id,
            pending_reason="void_pending",
            meta=_ids(action_id=body.get("action_id")),
        )

    def parse_refund(
        self, ctx: ConnectorContext, data: RefundData, response: HttpResponse
    ) -> RefundResult:
        body = _body(response, not_allowed="payment_not_refundable")
        action_id = str(body.get("action_id") or "")
        if not action_id:
            raise gateway_error(response, code=None, message="refund accepted without action_id")
        pid = data.payment.connector_payment_id
        return RefundResult(
            status=RefundStatus.PENDING,
            connector_refund_id=action_id,
            amount=data.amount,
            pending_reason="refund_pending",
            meta=_ids(action_id=action_id, payment_id=pid),
        )

    def parse_refund_sync(
        self, ctx: ConnectorContext, data: RefundSyncData, response: HttpResponse
    ) -> RefundResult:
        body = _body(response)
        ref = data.refund
        action_id = ref.meta.get("action_id") or ref.connector_refund_id
        action = (
            next((a for a in body if isinstance(a, dict) and a.get("id") == action_id), None)
            if isinstance(body, list)
            else None
        )
        meta = _ids(action_id=action_id, payment_id=ref.connector_payment_id)
        if action is None:  # not processed yet
            return RefundResult(
                status=RefundStatus.PENDING,
                connector_refund_id=action_id,
                pending_reason="refund_pending",
                meta=meta,
            )
        approved = action.get("approved")
        status = (
            RefundStatus.SUCCEEDED
            if approved is True
            else RefundStatus.FAILED
            if approved is False
            else RefundStatus.PENDING
        )
        amount = action.get("amount")
        return RefundResult(
            status=status,
            connector_refund_id=action_id,
            amount=_from_cko(amount, ref.currency) if isinstance(amount, int) else None,
            connector_status=kit.text(action.get("response_summary")),
            failure=_failure(action) if status is RefundStatus.FAILED else None,
            meta=meta,
        )

    def parse_setup_mandate(
        self, ctx: ConnectorContext, data: MandateSetupData, response: HttpResponse
    ) -> MandateResult:
        return _mandate(_body(response))

    def parse_complete_mandate(
        self, ctx: ConnectorContext, data: MandateCompleteData, response: HttpResponse
    ) -> MandateResult:
        return _mandate(_body(response))

    def parse_revoke_mandate(
        self, ctx: ConnectorContext, data: MandateRevokeData, response: HttpResponse
    ) -> MandateResult:
        _body(response)
        return MandateResult(
            status=MandateStatus.REVOKED,
            connector_mandate_id=data.mandate.connector_mandate_id,
            connector_customer_id=data.mandate.customer_id,
            connector_status="deleted",
        )

    # ----------------------------------------------------------------------- 7. webhooks

    def webhook_identify(self, headers: dict[str, str], body: bytes) -> WebhookIdentity:
        event = kit.decode_object(body)
        return WebhookIdentity(event_id=kit.text(event.get("id")) if event else None)

    def webhook_verify(self, ctx: ConnectorContext, headers: dict[str, str], body: bytes) -> bool:
        """``Cko-Signature`` is the hex HMAC-SHA256 of the raw body under the webhook's
        signature key; when the webhook is also configured with an ``Authorization``
        header value, that must match too. The scheme signs no timestamp."""
        secret = ctx.credentials.get("webhook_secret")
        signature = headers.get("cko-signature", "").strip().lower()
        if secret is None or not secret.reveal() or not signature:
            return False
        if not kit.constant_time_equal(kit.hmac_sha256_hex(secret.reveal(), body), signature):
            return False
        authorization = ctx.credentials.get("webhook_authorization")
        if authorization is not None and authorization.reveal():
            return kit.constant_time_equal(headers.get("authorization", ""), authorization.reveal())
        return True

    def webhook_parse(self, headers: dict[str, str], body: bytes) -> list[WebhookEvent]:
        event = kit.decode_object(body)
        if not event or not isinstance(event.get("data"), dict):
            raise invalid("invalid_webhook", "not a Checkout.com webhook event")
        checks.envelope(event, "Checkout.com", id_key="id", type_key="type")
        checks.minor_amount(event["data"], "amount", "data.amount")
        checks.currency(event["data"], "currency", "data.currency")
        kind = str(event.get("type", ""))
        data: dict[str, Any] = event["data"]
        unified = WEBHOOK_EVENTS.get(kind, WebhookEventType.UNKNOWN)
        currency = kit.text(data.get("currency"))
        raw_amount = data.get("amount")
        amount = (
            _from_cko(raw_amount, currency)
            if isinstance(raw_amount, int) and currency and _known(currency)
            else None
        )
        out = WebhookEvent(
            event_id=str(event.get("id", "")),
            type=unified,
            connector_event_type=kind,
            amount=amount,
            currency=currency,
            occurred_at=kit.text(event.get("created_on")),
        )
        if kind.startswith("dispute_"):
            out.connector_payment_id = kit.text(data.get("payment_id"))
            out.dispute = DisputeResult(
                status=kit.status_of(DISPUTE_EVENT_STATUS, kind[8:], DisputeStatus.UNDER_REVIEW),
                connector_dispute_id=str(data.get("id", "")),
                connector_payment_id=out.connector_payment_id,
                amount=amount,
                currency=currency,
                reason=kit.text(data.get("reason_code")) or kit.text(data.get("category")),
                unified_reason=kit.status_of(
                    DISPUTE_REASON, data.get("category"), DisputeReason.OTHER
                )
                if data.get("category")
                else None,
                connector_status=kind,
                evidence_due_by=kit.text(data.get("evidence_required_by")),
            )
            return [out]
        out.connector_payment_id = kit.text(data.get("payment_id")) or kit.text(data.get("id"))
        if unified in REFUND_EVENTS:
            action_id = kit.text(data.get("action_id"))
            out.refund = RefundResult(
                status=REFUND_EVENTS[unified],
                connector_refund_id=action_id,
                amount=amount,
                connector_status=kind,
                failure=_failure(data) if unified is WebhookEventType.REFUND_FAILED else None,
                meta=_ids(action_id=action_id, payment_id=out.connector_payment_id),
            )
        elif unified in (WebhookEventType.MANDATE_ACTIVE, WebhookEventType.MANDATE_FAILED):
            out.mandate = _mandate(data, status_override=kind)
        elif unified is not WebhookEventType.UNKNOWN and out.connector_payment_id:
            out.payment = _event_payment(kind, unified, data, currency, amount)
        return [out]

    # ----------------------------------------------------------------------- 8. scrub

    def scrub(self, transcript: str) -> str:
        # Keys first: a partial match elsewhere would leave the rest of a dashed ABC key.
        text = _HEADER_LINE.sub(r"\1[REDACTED]", transcript)
        text = scrub_common(_API_KEY.sub("[REDACTED]", text))
        text = _TOKEN_DATA.sub(r'\1"[REDACTED]"', text)
        text = _METHOD_FIELDS.sub(r'\1[REDACTED]"', text)
        return _CARD_NUMBER.sub(r"\1[CARD]\2", text)


_HEADER_LINE = re.compile(r"(?im)^([<>]?[ \t]*(?:authorization|cko-signature)[ \t]*:[ \t]*)(\S.*)$")
_API_KEY = re.compile(r"\b(?:Bearer\s+)?[sp]k_(?:sbox_|test_)?[A-Za-z0-9][A-Za-z0-9-]{7,}")
_CARD_NUMBER = re.compile(r'("number"\s*:\s*")\d{12,19}(")')
# A wallet's encrypted token (an object, one level of nesting: Apple Pay's header) and the
# Boleto payer's CPF / CNPJ (a network token's DPAN is a card number to the common scrub,
# its cryptogram a method secret).
_TOKEN_DATA = re.compile(r'("token_data"\s*:\s*)\{(?:[^{}]|\{[^{}]*\})*\}')
_METHOD_FIELDS = re.compile(r'("(?:document)"\s*:\s*")(?:[^"\\]|\\.)*"')


# --------------------------------------------------------------------------- 5. status maps

# Every status the specs (PaymentResponse, Payment, webhook Data) and the docs name.
# Statuses that depend on context (Pending: redirect or not; Authorized: capture wanted
# or not; Captured: more to capture or not) are refined in _payment_status.
PAYMENT_STATUS: dict[str, PaymentStatus] = {
    "Pending": PaymentStatus.PROCESSING, "Retry Scheduled": PaymentStatus.PROCESSING,
    "Authorized": PaymentStatus.AUTHORIZED, "Card Verified": PaymentStatus.AUTHORIZED,
    "Partially Captured": PaymentStatus.PARTIALLY_CAPTURED,
    "Captured": PaymentStatus.CAPTURED, "Paid": PaymentStatus.CAPTURED,
    "Partially Refunded": PaymentStatus.CAPTURED, "Refunded": PaymentStatus.CAPTURED,
    "Voided": PaymentStatus.VOIDED,
    "Declined": PaymentStatus.FAILED, "Expired": PaymentStatus.FAILED,
    "Canceled": PaymentStatus.FAILED, "Cancelled": PaymentStatus.FAILED,
}  # fmt: skip
MANDATE_STATUS: dict[str, MandateStatus] = {
    "Card Verified": MandateStatus.ACTIVE, "Authorized": MandateStatus.ACTIVE,
    "Captured": MandateStatus.ACTIVE, "Paid": MandateStatus.ACTIVE,
    "Pending": MandateStatus.PENDING,
    "Declined": MandateStatus.FAILED, "Expired": MandateStatus.FAILED,
    "Canceled": MandateStatus.FAILED, "Cancelled": MandateStatus.FAILED,
    # webhook events carrying a verification outcome
    "card_verified": MandateStatus.ACTIVE, "card_verification_declined": MandateStatus.FAILED,
}  # fmt: skip
DISPUTE_STATUS: dict[str, DisputeStatus] = {
    "evidence_required": DisputeStatus.NEEDS_RESPONSE,
    "evidence_under_review": DisputeStatus.UNDER_REVIEW,
    "arbitration_under_review": DisputeStatus.UNDER_REVIEW,
    "won": DisputeStatus.WON, "arbitration_won": DisputeStatus.WON,
    "canceled": DisputeStatus.WON,  # the issuer withdrew it
    "lost": DisputeStatus.LOST, "arbitration_lost": DisputeStatus.LOST,
    "expired": DisputeStatus.LOST,  # no evidence in time
    "accepted": DisputeStatus.ACCEPTED,
    "resolved": DisputeStatus.ACCEPTED,  # settled without a chargeback (e.g. refunded)
}  # fmt: skip


def _payment_status(payment: CkoPayment, capture_method: CaptureMethod) -> PaymentStatus:
    raw = payment.status
    status = kit.status_of(PAYMENT_STATUS, raw, PaymentStatus.PROCESSING)
    if raw == "Pending" and payment.redirect:
        return PaymentStatus.REQUIRES_ACTION
    if raw == "Authorized" and capture_method is CaptureMethod.AUTOMATIC:
        return PaymentStatus.PROCESSING  # approved; the capture is still to come
    if status is PaymentStatus.CAPTURED and (payment.balances.available_to_capture or 0) > 0:
        return PaymentStatus.PARTIALLY_CAPTURED
    return status


# --------------------------------------------------------------------------- 6. error maps

# response_code -> unified reason (20xxx soft declines, 30xxx hard declines, 40xxx risk
# responses in Checkout.com's words). The category is the unified code's
# (domain/declines.py), not the range's: an expired card is hard whatever its range.
_DECLINES = (
    # 20001 refer to card issuer; 20002 refer to card issuer, special conditions
    (DeclineCode.GENERIC_DECLINE, "20001 20002"),
    # 20003 invalid merchant; 20012 invalid transaction; 20031 bank not supported by switch;
    # 20057 not permitted to cardholder; 20058 not permitted to terminal; 20093 violation of
    # law; 30044 AMLD5 anonymous prepaid
    (DeclineCode.TRANSACTION_NOT_ALLOWED, "20003 20012 20031 20057 20058 20093 30044"),
    (DeclineCode.DO_NOT_HONOR, "20005"),
    # 20030 format error; 20092 no route to destination; 20096 system malfunction; 20153 3DS
    # system malfunction
    (DeclineCode.PROCESSING_ERROR, "20006 20030 20092 20096 20153"),
    # 20009 request in progress; 20019 re-enter transaction; 20090 cut-off in progress
    (DeclineCode.TRY_AGAIN_LATER, "20009 20019 20090"),
    (DeclineCode.INVALID_AMOUNT, "20013"),
    # 20015 no such issuer; 20056 no card record
    (DeclineCode.INCORRECT_NUMBER, "20014 20015 20056"),
    # 20038 PIN tries exceeded; 20061 withdrawal amount limit; 20065 withdrawal frequency
    # limit; 20075 PIN tries exceeded
    (DeclineCode.LIMIT_EXCEEDED, "20038 20061 20065 20075"),
    (DeclineCode.INSUFFICIENT_FUNDS, "20051"),
    # 30033 expired, pick up
    (DeclineCode.EXPIRED_CARD, "20054 30033"),
    (DeclineCode.INCORRECT_PIN, "20055"),
    # 20063 security violation; 20083 fraud / security related; 20183 security; 30034
    # suspected fraud, pick up
    (DeclineCode.FRAUD_SUSPECTED, "20059 20063 20083 20183 30034"),
    # 20078 blocked, first use; 30036 restricted, pick up; 30046 closed account
    (DeclineCode.RESTRICTED_CARD, "20062 20078 30036 30046"),
    # 20068 issuer response too late
    (DeclineCode.ISSUER_UNAVAILABLE, "20068 20091"),
    # 20082 negative CAM, dCVV, iCVV or CVV results; 20087 bad track data (CVV / expiry);
    # 200N7 CVV2 failure
    (DeclineCode.INCORRECT_CVC, "20082 20087 200N7"),
    # 200R1 stop payment order; 200R3 revocation of all authorizations
    (DeclineCode.REVOCATION_OF_AUTHORIZATION, "200R1 200R3"),
    # 20151 cardholder failed 3DS; 20152 3DS not completed in time
    (DeclineCode.AUTHENTICATION_FAILED, "20151 20152"),
    # 20154 3DS authentication required
    (DeclineCode.AUTHENTICATION_REQUIRED, "20154"),
    # 30007 special conditions; 30038 PIN tries exceeded, pick up
    (DeclineCode.PICKUP_CARD, "30004 30007 30035 30037 30038"),
    (DeclineCode.LOST_CARD, "30041"),
    (DeclineCode.STOLEN_CARD, "30043"),
)  # fmt: skip
DECLINE_MAP: kit.DeclineTable = kit.decline_table(_DECLINES)
# Checkout.com recommendation codes (processing.recommendation_code) override the category.
RECOMMENDATION_CATEGORY = CHECKOUT_RECOMMENDATION

# error_type (first) and error_codes of 4xx answers -> unified type, code and field. The
# field codes come with 422 answers, where the type is the HTTP status's anyway.
_R = kit.ErrorRule
_BAD = ErrorType.INVALID_REQUEST, "gateway_rejected_request"
ERROR_MAP: kit.ErrorTable = {
    "duplicate_requests_detected": _R(ErrorType.CONFLICT, "duplicate_request"),
    "conflict": _R(ErrorType.CONFLICT, "gateway_conflict"),
    "operation_not_allowed": _R(ErrorType.CONFLICT, "operation_not_allowed"),
    "card_number_invalid": _R(*_BAD, "payment_method.number"),
    "card_number_required": _R(*_BAD, "payment_method.number"),
    "card_expiry_month_invalid": _R(*_BAD, "payment_method.exp_month"),
    "card_expiry_year_invalid": _R(*_BAD, "payment_method.exp_year"),
    "card_expired": _R(*_BAD, "payment_method.exp_year"),
    "cvv_invalid": _R(*_BAD, "payment_method.cvc"),
    "amount_invalid": _R(*_BAD, "amount"),
    "currency_invalid": _R(*_BAD, "currency"),
    "currency_required": _R(*_BAD, "currency"),
    "reference_invalid": _R(*_BAD, "reference"),
    "success_url_invalid": _R(*_BAD, "return_url"),
    "failure_url_invalid": _R(*_BAD, "return_url"),
    "customer_email_invalid": _R(*_BAD, "customer.email"),
    "customer_id_invalid": _R(*_BAD, "customer.id"),
    "source_id_invalid": _R(*_BAD, "payment_method.mandate_id"),
    "token_invalid": _R(*_BAD, "payment_method.token"),
}


DISPUTE_REASON: dict[str, DisputeReason] = {
    "fraudulent": DisputeReason.FRAUDULENT,
    "unrecognized": DisputeReason.UNRECOGNIZED,
    "canceled_recurring": DisputeReason.SUBSCRIPTION_CANCELED,
    "product_service_not_received": DisputeReason.PRODUCT_NOT_RECEIVED,
    "not_as_described": DisputeReason.PRODUCT_UNACCEPTABLE,
    "credit_not_issued": DisputeReason.CREDIT_NOT_PROCESSED,
    "duplicate": DisputeReason.DUPLICATE,
    "incorrect_amount": DisputeReason.PROCESSING_ERROR,
    "general": DisputeReason.GENERAL,
}
# Unified evidence text -> ProvideEvidenceRequest's text field (two may share one:
# they are joined, one per line).
EVIDENCE_TEXT_FIELD: dict[EvidenceType, str] = {
    EvidenceType.SHIPPING_DOCUMENTATION: "proof_of_delivery_or_service_text",
    EvidenceType.SERVICE_DOCUMENTATION: "proof_of_delivery_or_service_text",
    EvidenceType.RECEIPT: "invoice_or_receipt_text",
    EvidenceType.CUSTOMER_COMMUNICATION: "customer_communication_text",
    EvidenceType.REFUND_POLICY: "refund_or_cancellation_policy_text",
    EvidenceType.CANCELLATION_POLICY: "refund_or_cancellation_policy_text",
    EvidenceType.UNCATEGORIZED: "additional_evidence_text",
    EvidenceType.PRODUCT_DESCRIPTION: "additional_evidence_text",
}


# Unified evidence file -> ProvideEvidenceRequest's file field (a file id from /files).
EVIDENCE_FILE_FIELD: dict[EvidenceType, str] = {
    EvidenceType.SHIPPING_DOCUMENTATION: "proof_of_delivery_or_service_file",
    EvidenceType.RECEIPT: "invoice_or_receipt_file",
    EvidenceType.CUSTOMER_COMMUNICATION: "customer_communication_file",
    EvidenceType.REFUND_POLICY: "refund_or_cancellation_policy_file",
    EvidenceType.UNCATEGORIZED: "additional_evidence_file",
}


def _dispute(body: Any) -> DisputeResult:
    """A dispute (GET /disputes/{id}) or a list item (DisputeSummary)."""
    d = kit.obj(body)
    payment = kit.obj(d.get("payment"))
    currency = kit.text(d.get("currency"))
    raw_amount = d.get("amount")
    raw = kit.text(d.get("status"))
    return DisputeResult(
        status=kit.status_of(DISPUTE_STATUS, raw, DisputeStatus.UNDER_REVIEW),
        connector_dispute_id=str(d.get("id") or ""),
        connector_payment_id=kit.text(d.get("payment_id")) or kit.text(payment.get("id")),
        amount=_from_cko(raw_amount, currency)
        if isinstance(raw_amount, int) and currency and _known(currency)
        else None,
        currency=currency,
        reason=kit.text(d.get("reason_code")) or kit.text(d.get("category")),
        unified_reason=kit.status_of(DISPUTE_REASON, d.get("category"), DisputeReason.OTHER),
        connector_status=raw,
        evidence_due_by=kit.text(d.get("evidence_required_by")),
        created=kit.text(d.get("received_on")),
    )


def _body(response: HttpResponse, *, not_allowed: str | None = None) -> Any:
    """The decoded answer, or the one error a gateway error body means."""
    body = response.json()
    if response.status < 400:
        return body
    raise _error(response, kit.obj(body), not_allowed)


def _error(response: HttpResponse, body: dict[str, Any], not_allowed: str | None) -> ServiceError:
    codes = [str(c) for c in body.get("error_codes") or []]
    error_type = kit.text(body.get("error_type"))
    raw_code = codes[0] if codes else error_type
    message = ", ".join(codes) if codes else error_type
    detail = GatewayDetail(code=raw_code, message=message, http_status=response.status)
    if response.status == 403 and not_allowed:
        # On payment actions 403 means "not allowed in this state", not bad credentials.
        return ServiceError(
            ErrorType.CONFLICT,
            not_allowed,
            "Checkout.com does not allow this action now.",
            gateway=detail,
        )
    if any(c.startswith("processing_channel_id") for c in codes):
        return ServiceError(
            ErrorType.CONNECTOR,
            "gateway_misconfigured",
            "The account's processing_channel_id is missing or wrong.",
            gateway=detail,
            http_status=502,
            field=next((ERROR_MAP[c].field for c in codes if c in ERROR_MAP), None),
        )
    return kit.error_from(
        response, ERROR_MAP, codes=[error_type, *codes], raw_code=raw_code, message=message
    )


def _failure(body: dict[str, Any]) -> Failure:
    raw = kit.text_or_number(body.get("response_code"))
    summary = kit.text(body.get("response_summary"))
    if raw is None and isinstance(body.get("actions"), list):
        # GET /payments/{id} keeps the codes on its action summaries (newest first).
        for action in body["actions"]:
            if (
                isinstance(action, dict)
                and action.get("response_code")
                and action.get("type") in ("Authorization", "Card Verification")
            ):
                raw = kit.text_or_number(action["response_code"])
                summary = kit.text(action.get("response_summary"))
                break
    processing = kit.obj(body.get("processing"))
    if raw is None:
        status = kit.text(body.get("status"))
        return decline(
            DeclineCode.GENERIC_DECLINE,
            raw_message=summary or status,
            message=f"The payment ended as {status}." if status else None,
        )
    risk = raw.startswith("4")  # 40xxx: risk responses
    code = kit.decline_of(
        DECLINE_MAP, raw, default=DeclineCode.BLOCKED if risk else DeclineCode.GENERIC_DECLINE
    )
    recommendation = kit.text(processing.get("recommendation_code"))
    return decline(
        code,
        raw_code=raw,
        raw_message=summary,
        advice_code=kit.text(processing.get("partner_merchant_advice_code")),
        advice_vocabulary=CHECKOUT_RECOMMENDATION,
        advice=recommendation,
    )


# --------------------------------------------------------------------------- 7. webhook tables

# dispute_<status> events: every dispute status, plus the events that are not statuses.
DISPUTE_EVENT_STATUS: dict[str, DisputeStatus] = DISPUTE_STATUS | {
    "received": DisputeStatus.NEEDS_RESPONSE,
    "evidence_submitted": DisputeStatus.UNDER_REVIEW,
    "evidence_acknowledged_by_scheme": DisputeStatus.UNDER_REVIEW,
    "arbitration_sent_to_scheme": DisputeStatus.UNDER_REVIEW,
}
WEBHOOK_EVENTS: dict[str, WebhookEventType] = {
    "payment_approved": WebhookEventType.PAYMENT_AUTHORIZED,
    "payment_pending": WebhookEventType.PAYMENT_PROCESSING,
    "payment_retry_scheduled": WebhookEventType.PAYMENT_PROCESSING,
    "payment_capture_pending": WebhookEventType.PAYMENT_PROCESSING,
    "payment_captured": WebhookEventType.PAYMENT_CAPTURED,
    "payment_paid": WebhookEventType.PAYMENT_CAPTURED,
    "payment_declined": WebhookEventType.PAYMENT_FAILED,
    "payment_expired": WebhookEventType.PAYMENT_FAILED,
    "payment_canceled": WebhookEventType.PAYMENT_FAILED,
    "payment_cancelled": WebhookEventType.PAYMENT_FAILED,
    "payment_authentication_failed": WebhookEventType.PAYMENT_FAILED,
    "payment_voided": WebhookEventType.PAYMENT_VOIDED,
    "payment_capture_declined": WebhookEventType.CAPTURE_FAILED,
    "payment_refunded": WebhookEventType.REFUND_SUCCEEDED,
    "payment_refund_pending": WebhookEventType.REFUND_PENDING,
    "payment_refund_declined": WebhookEventType.REFUND_FAILED,
    "card_verified": WebhookEventType.MANDATE_ACTIVE,
    "card_verification_declined": WebhookEventType.MANDATE_FAILED,
    # payment_void_declined and anything new: UNKNOWN (kept with its raw type)
} | {
    f"dispute_{status}": {
        DisputeStatus.NEEDS_RESPONSE: WebhookEventType.DISPUTE_OPENED,
        DisputeStatus.UNDER_REVIEW: WebhookEventType.DISPUTE_UPDATED,
        DisputeStatus.WON: WebhookEventType.DISPUTE_WON,
        DisputeStatus.LOST: WebhookEventType.DISPUTE_LOST,
        DisputeStatus.ACCEPTED: WebhookEventType.DISPUTE_LOST,
    }[unified]
    for status, unified in DISPUTE_EVENT_STATUS.items()
}
REFUND_EVENTS: dict[WebhookEventType, RefundStatus] = {
    WebhookEventType.REFUND_SUCCEEDED: RefundStatus.SUCCEEDED,
    WebhookEventType.REFUND_PENDING: RefundStatus.PENDING,
    WebhookEventType.REFUND_FAILED: RefundStatus.FAILED,
}
# The payment status an event proves (events carry the action, not the payment status).
_EVENT_PAYMENT_STATUS: dict[WebhookEventType, PaymentStatus] = {
    WebhookEventType.PAYMENT_AUTHORIZED: PaymentStatus.AUTHORIZED,
    WebhookEventType.PAYMENT_PROCESSING: PaymentStatus.PROCESSING,
    WebhookEventType.PAYMENT_CAPTURED: PaymentStatus.CAPTURED,
    WebhookEventType.PAYMENT_FAILED: PaymentStatus.FAILED,
    WebhookEventType.PAYMENT_VOIDED: PaymentStatus.VOIDED,
    WebhookEventType.CAPTURE_FAILED: PaymentStatus.AUTHORIZED,
}


def _event_payment(
    kind: str,
    unified: WebhookEventType,
    data: dict[str, Any],
    currency: str | None,
    amount: int | None,
) -> PaymentResult:
    status = _EVENT_PAYMENT_STATUS.get(unified, PaymentStatus.PROCESSING)
    balances = kit.obj(data.get("balances"))
    captured = balances.get("total_captured")
    if status is PaymentStatus.CAPTURED and (balances.get("available_to_capture") or 0) > 0:
        status = PaymentStatus.PARTIALLY_CAPTURED
    failed = unified in (WebhookEventType.PAYMENT_FAILED, WebhookEventType.CAPTURE_FAILED)
    return PaymentResult(
        status=status,
        connector_payment_id=kit.text(data.get("id")),
        amount=amount if unified is not WebhookEventType.PAYMENT_CAPTURED else None,
        amount_captured=_from_cko(captured, currency)
        if isinstance(captured, int) and currency and _known(currency)
        else (amount if unified is WebhookEventType.PAYMENT_CAPTURED else None),
        connector_status=kind,
        failure=_failure(data) if failed else None,
        network_transaction_id=kit.text(data.get("scheme_id")),
        card=_summary(data.get("source")),
        reference=kit.text(data.get("reference")),
        meta=_ids(action_id=kit.text(data.get("action_id"))),
    )


# --------------------------------------------------------------------------- helpers

# Checkout.com's own amount exponents (https://www.checkout.com/docs "Format the amount
# value"): these are whole units, these are thousandths (last digit must be 0), every
# other currency, CLP included, is in hundredths.
CKO_ZERO_DECIMAL = frozenset("BIF DJF GNF ISK JPY KMF KRW PYG RWF UGX VUV VND XAF XOF XPF".split())
CKO_THREE_DECIMAL = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
CKO_MAX_AMOUNT = 999_999_999  # at most nine digits


CKO = kit.Exponents(
    "Checkout.com",
    exceptions=dict.fromkeys(CKO_ZERO_DECIMAL, 0)
    | dict.fromkeys(CKO_THREE_DECIMAL, 3)
    | dict.fromkeys("CLP CLF UYI UYW".split(), 2),  # ISO: 0, 4, 0, 4 decimals
    tens_only=CKO_THREE_DECIMAL,
)


def _to_cko(amount: int, currency: str) -> int:
    """ISO-4217 minor units -> Checkout.com's amount for ``currency``."""
    try:
        value = CKO.to_gateway(amount, currency)
    except UnknownCurrency as exc:
        raise invalid("invalid_currency", str(exc), "currency") from None
    if value > CKO_MAX_AMOUNT:
        raise invalid(
            "amount_too_large", "Checkout.com takes amounts of at most nine digits", "amount"
        )
    return value


def _from_cko(value: int, currency: str) -> int:
    """Checkout.com's amount -> ISO-4217 minor units."""
    return CKO.from_gateway(value, currency)


def _known(currency: str) -> bool:
    try:
        CKO.of(currency)
    except UnknownCurrency:
        return False
    return True


def _key_type(ctx: ConnectorContext) -> str:
    value = ctx.option("key_type", "nas").lower()
    if value not in KEY_TYPES:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            f"option key_type must be one of {', '.join(KEY_TYPES)}",
        )
    return value


def _mit_payment_type(ctx: ConnectorContext) -> str:
    value = ctx.option("mit_payment_type", "Recurring")
    if value not in MIT_PAYMENT_TYPES:
        raise ServiceError(
            ErrorType.INVALID_REQUEST,
            "invalid_account_option",
            f"option mit_payment_type must be one of {', '.join(MIT_PAYMENT_TYPES)}",
        )
    return value


def _reference(reference: str) -> str:
    if len(reference) > 50:
        raise invalid(
            "reference_too_long",
            "Checkout.com takes references of 50 characters at most",
            "reference",
        )
    return reference


_CUSTOMER_ID = re.compile(r"^cus_\w{26}$")
_IPV4 = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$")


def _customer(customer: Customer | None, customer_id: str | None) -> dict[str, Any] | None:
    """Checkout.com customer ids look like cus_ + 26 characters; other ids are the
    caller's own and are not sent (the customer is matched by email instead)."""
    cid = customer_id or (customer.id if customer else None)
    out = {
        "id": cid if cid and _CUSTOMER_ID.match(cid) else None,
        "email": customer.email if customer else None,
        "name": customer.name if customer else None,
    }
    return drop_none(out) or None


def _ipv4(customer: Customer | None, browser: Any) -> str | None:
    for ip in (customer.ip_address if customer else None, getattr(browser, "ip_address", None)):
        if ip and _IPV4.match(ip):
            return str(ip)
    return None


def _address(address: Address | None) -> dict[str, Any] | None:
    if address is None:
        return None
    return (
        drop_none(
            {
                "address_line1": address.line1,
                "address_line2": address.line2,
                "city": address.city,
                "state": address.state,
                "zip": address.postal_code,
                "country": address.country,
            }
        )
        or None
    )


def _source(pm: Card | Token, billing: Address | None) -> dict[str, Any]:
    if isinstance(pm, Card):
        return drop_none(
            {
                "type": "card",
                "number": pm.number.reveal(),
                "expiry_month": pm.exp_month,
                "expiry_year": pm.exp_year,
                "cvv": pm.cvc.reveal() if pm.cvc else None,
                "name": pm.holder_name,
                "billing_address": _address(billing),
            }
        )
    if pm.token.startswith("src_"):  # a stored source/instrument
        return {"type": "id", "id": pm.token}
    return drop_none({"type": "token", "token": pm.token, "billing_address": _address(billing)})


def _return_url(url: str | None) -> str | None:
    if url and len(url) > 255:
        raise invalid(
            "return_url_too_long",
            "Checkout.com takes return URLs of 255 characters at most",
            "return_url",
        )
    return url


def _redirect(body: dict[str, Any]) -> str | None:
    links = body.get("_links")
    if isinstance(links, dict) and isinstance(links.get("redirect"), dict):
        return kit.text(links["redirect"].get("href"))
    return None


class CkoBalances(msgspec.Struct, frozen=True):
    total_captured: int | None = None
    available_to_capture: int | None = None


class CkoLink(msgspec.Struct, frozen=True):
    href: str | None = None


class CkoPayment(msgspec.Struct, frozen=True):
    """The payment of ``POST /payments`` and ``GET /payments/{id}``: the fields read
    here (the rest, and any Checkout.com adds, are ignored). The decline codes stay in
    the body, read by :func:`_failure`, which webhooks and actions share."""

    id: str = ""
    status: str = ""
    amount: int | None = None
    balances: CkoBalances = CkoBalances()
    links: dict[str, CkoLink] = msgspec.field(default_factory=dict, name="_links")
    scheme_id: str | None = None
    action_id: str | None = None
    source: dict[str, Any] | None = None

    @property
    def redirect(self) -> str | None:
        link = self.links.get("redirect")
        return kit.text(link.href) if link else None


def _payment(body: Any, currency: str, capture_method: CaptureMethod) -> PaymentResult:
    payment = kit.decode_as(body, CkoPayment) if isinstance(body, dict) else None
    if payment is None or not payment.id:
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Checkout.com answered without a payment."
        )
    status = _payment_status(payment, capture_method)
    amount, captured = payment.amount, payment.balances.total_captured
    redirect = payment.redirect
    return PaymentResult(
        status=status,
        connector_payment_id=payment.id,
        amount=_from_cko(amount, currency) if amount is not None else None,
        amount_captured=_from_cko(captured, currency) if captured is not None else None,
        connector_status=payment.status or None,
        next_action=RedirectAction(url=redirect)
        if status is PaymentStatus.REQUIRES_ACTION and redirect
        else None,
        failure=_failure(body) if status is PaymentStatus.FAILED else None,
        network_transaction_id=kit.text(payment.scheme_id),
        pending_reason="capture_pending"
        if status is PaymentStatus.PROCESSING and payment.status == "Authorized"
        else None,
        card=_summary(payment.source),
        meta=_ids(action_id=payment.action_id),
    )


def _mandate(body: Any, *, status_override: str | None = None) -> MandateResult:
    if not isinstance(body, dict):
        raise ServiceError(
            ErrorType.CONNECTOR, "gateway_error", "Checkout.com answered without a payment."
        )
    raw = status_override or kit.text(body.get("status")) or ""
    source = kit.obj(body.get("source"))
    customer = kit.obj(body.get("customer"))
    source_id = kit.text(source.get("id"))
    status = kit.status_of(MANDATE_STATUS, raw, MandateStatus.PENDING)
    if status is MandateStatus.ACTIVE and not source_id:
        status = MandateStatus.PENDING  # nothing to charge later without a source id
    redirect = _redirect(body)
    pid = kit.text(body.get("payment_id")) or kit.text(body.get("id"))
    return MandateResult(
        status=status,
        connector_mandate_id=source_id,
        connector_customer_id=kit.text(customer.get("id")),
        network_transaction_id=kit.text(body.get("scheme_id")),
        connector_status=raw or None,
        next_action=RedirectAction(url=redirect)
        if status is MandateStatus.PENDING and redirect
        else None,
        failure=_failure(body) if status is MandateStatus.FAILED else None,
        card=_summary(source),
        meta=_ids(payment_id=pid),
    )


_BRANDS = {
    "visa": "visa", "mastercard": "mastercard", "american express": "amex", "amex": "amex",
    "discover": "discover", "diners club international": "diners", "diners": "diners",
    "jcb": "jcb", "china unionpay": "unionpay", "unionpay": "unionpay", "maestro": "maestro",
}  # fmt: skip


def _summary(source: Any) -> CardSummary | None:
    if not isinstance(source, dict) or not source.get("last4"):
        return None
    scheme = kit.text(source.get("scheme"))
    month, year = source.get("expiry_month"), source.get("expiry_year")
    return CardSummary(
        brand=_BRANDS.get(scheme.lower(), scheme.lower()) if scheme else None,
        last4=kit.text(source.get("last4")),
        exp_month=month if isinstance(month, int) else None,
        exp_year=year if isinstance(year, int) else None,
    )


CUSTOMER_ID = re.compile(r"^cus_[a-z0-9]{26}$")


def _nas_only(ctx: ConnectorContext, field: str, what: str) -> None:
    """Incremental authorizations and non-final captures exist on NAS accounts only."""
    if _key_type(ctx) != "nas":
        raise not_supported(f"Checkout.com offers {what} on NAS accounts only", field)


def _ids(**ids: str | None) -> dict[str, str]:
    return {k: v for k, v in ids.items() if v}


# --------------------------------------------------------------------------- issue 19: options


def _sub_entity(
    ctx: ConnectorContext, data: AuthorizeData, options: CheckoutPaymentOptions | None
) -> dict[str, Any]:
    """A split as Checkout.com marketplace data: the payment processed on behalf of one
    sub-entity (``marketplace.sub_entity_id``). The specs have no amount allocations, so
    only a split of the whole amount with no fee maps; the rest answers not_supported
    before any request."""
    if not data.splits and not data.application_fee:
        return {}
    if data.application_fee or len(data.splits) != 1 or data.splits[0].amount != data.amount:
        raise not_supported(
            "Checkout.com processes a payment on behalf of one sub-entity as a whole: the "
            "Payments API specs have no amount allocations or platform fee per payment",
            "application_fee" if data.application_fee and not data.splits else "splits",
        )
    if options is not None and options.marketplace is not None:
        raise invalid(
            "invalid_option",
            "marketplace.sub_entity_id and splits say the same thing: give one",
            "connector_options.checkout.marketplace",
        )
    _nas_only(ctx, "splits", "marketplace sub-entities")
    destination = data.splits[0].destination
    if not re.fullmatch(r"ent_[a-z0-9]{26}", destination):
        raise invalid(
            "invalid_splits",
            "a Checkout.com sub-entity id is ent_ and 26 characters",
            "splits[0].destination",
        )
    return {"marketplace": {"sub_entity_id": destination}}


def _payment_options(
    ctx: ConnectorContext, options: CheckoutPaymentOptions, *, merchant_initiated: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    nas = _key_type(ctx) == "nas"
    for name in ("processing_channel_id", "marketplace"):
        if getattr(options, name) is not None and not nas:
            raise not_supported(
                f"{name} is a NAS (Unified Payments API) field; this account has an ABC key",
                f"connector_options.checkout.{name}",
            )
    if options.processing_channel_id:
        body["processing_channel_id"] = options.processing_channel_id
    if options.payment_type and not merchant_initiated:  # a mandate's charge keeps its own
        body["payment_type"] = options.payment_type
    if options.billing_descriptor is not None:
        body["billing_descriptor"] = msgspec.to_builtins(options.billing_descriptor)
    if options.marketplace is not None:
        body["marketplace"] = {"sub_entity_id": options.marketplace.sub_entity_id}
    return body
