"""The unified API's REST table: one row per operation, driving both the routes
(``server/app.py``) and the OpenAPI document (``server/openapi.py``)."""

from __future__ import annotations

from connector_service.domain import api
from connector_service.server import operations as ops
from connector_service.server.operations import BreakerList, ConnectorList
from connector_service.server.rest import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/v1/payments", ops.CREATE_PAYMENT,
             "Authorize or purchase; or charge a mandate (merchant-initiated)",
             api.PaymentCreate, api.Payment, 201),
    Endpoint("GET", "/v1/payments/{id}", ops.GET_PAYMENT, "Sync a payment from the gateway",
             None, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/capture", ops.CAPTURE_PAYMENT,
             "Capture an authorized payment (full or partial; several with final_capture=false)",
             api.CaptureCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/increment", ops.INCREMENT_PAYMENT,
             "Raise an authorization to a new total (incremental authorization)",
             api.IncrementCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/void", ops.VOID_PAYMENT,
             "Void (cancel) an authorization", api.VoidCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/complete", ops.COMPLETE_PAYMENT,
             "Complete a payment after the customer's redirect (3-D Secure)",
             api.CompleteCreate, api.Payment),
    Endpoint("POST", "/v1/payments/{id}/refunds", ops.CREATE_REFUND,
             "Refund a payment (full or partial, several times)", api.RefundCreate, api.Refund,
             201, "refunds"),
    Endpoint("GET", "/v1/refunds/{id}", ops.GET_REFUND, "Sync a refund from the gateway", None,
             api.Refund, 200, "refunds"),
    Endpoint("POST", "/v1/mandates", ops.CREATE_MANDATE,
             "Set up a mandate: store a card at the gateway for merchant-initiated charges",
             api.MandateCreate, api.Mandate, 201, "mandates"),
    Endpoint("GET", "/v1/mandates", ops.LIST_MANDATES,
             "List a customer's payment methods stored at the gateway (card summaries only)",
             None, api.MandateList, 200, "mandates", ("account", "customer")),
    Endpoint("POST", "/v1/mandates/{id}/revoke", ops.REVOKE_MANDATE,
             "Revoke a mandate (delete the stored payment method)", None,
             api.Mandate, 200, "mandates"),
    Endpoint("POST", "/v1/mandates/{id}/complete", ops.COMPLETE_MANDATE,
             "Complete a mandate set-up after the customer's redirect (3-D Secure)",
             api.CompleteCreate, api.Mandate, 200, "mandates"),
    Endpoint("GET", "/v1/disputes/{id}", ops.GET_DISPUTE,
             "A dispute (chargeback): from the gateway where it has a read, else as its "
             "webhooks told", None, api.Dispute, 200, "disputes"),
    Endpoint("GET", "/v1/disputes", ops.LIST_DISPUTES,
             "An account's disputes, as the gateway lists them (newest first)", None,
             api.DisputeList, 200, "disputes", ("account", "limit", "cursor")),
    Endpoint("POST", "/v1/disputes/{id}/accept", ops.ACCEPT_DISPUTE,
             "Accept a dispute (concede it: the cardholder keeps the funds)", None,
             api.Dispute, 200, "disputes"),
    Endpoint("POST", "/v1/disputes/{id}/evidence", ops.SUBMIT_DISPUTE_EVIDENCE,
             "Answer a dispute with evidence (text and files; the gateway's limits apply)",
             api.DisputeEvidenceCreate, api.Dispute, 200, "disputes"),
    Endpoint("POST", "/v1/routing/preview", ops.PREVIEW_ROUTING,
             "Which accounts a payment would be routed to, in order, and why (charges nothing)",
             api.PaymentCreate, api.RoutingDetails, 200, "routing"),
    Endpoint("GET", "/v1/admin/breakers", ops.LIST_BREAKERS,
             "Circuit-breaker state of the accounts this key may use (admin keys only)", None,
             BreakerList, 200, "admin"),
    Endpoint("GET", "/v1/connectors", ops.LIST_CONNECTORS,
             "List connectors, their capabilities and the accounts this key may use", None,
             ConnectorList, 200, "connectors", ("cursor",)),
)  # fmt: skip
