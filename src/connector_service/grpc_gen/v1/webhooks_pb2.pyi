import datetime

from connector_service.grpc_gen.v1 import disputes_pb2 as _disputes_pb2
from connector_service.grpc_gen.v1 import mandates_pb2 as _mandates_pb2
from connector_service.grpc_gen.v1 import payments_pb2 as _payments_pb2
from connector_service.grpc_gen.v1 import refunds_pb2 as _refunds_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ParseWebhookRequest(_message.Message):
    __slots__ = ("connector", "account", "headers", "body")
    class HeadersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    HEADERS_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    connector: str
    account: str
    headers: _containers.ScalarMap[str, str]
    body: bytes
    def __init__(self, connector: _Optional[str] = ..., account: _Optional[str] = ..., headers: _Optional[_Mapping[str, str]] = ..., body: _Optional[bytes] = ...) -> None: ...

class WebhookEvent(_message.Message):
    __slots__ = ("id", "type", "connector", "account", "created", "payment", "refund", "mandate", "dispute", "more_events", "connector_event_id", "connector_event_type", "connector_payment_id", "livemode", "occurred_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_FIELD_NUMBER: _ClassVar[int]
    REFUND_FIELD_NUMBER: _ClassVar[int]
    MANDATE_FIELD_NUMBER: _ClassVar[int]
    DISPUTE_FIELD_NUMBER: _ClassVar[int]
    MORE_EVENTS_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    LIVEMODE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    connector: str
    account: str
    created: _timestamp_pb2.Timestamp
    payment: _payments_pb2.Payment
    refund: _refunds_pb2.Refund
    mandate: _mandates_pb2.Mandate
    dispute: _disputes_pb2.Dispute
    more_events: _containers.RepeatedCompositeFieldContainer[WebhookEvent]
    connector_event_id: str
    connector_event_type: str
    connector_payment_id: str
    livemode: bool
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., connector: _Optional[str] = ..., account: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., payment: _Optional[_Union[_payments_pb2.Payment, _Mapping]] = ..., refund: _Optional[_Union[_refunds_pb2.Refund, _Mapping]] = ..., mandate: _Optional[_Union[_mandates_pb2.Mandate, _Mapping]] = ..., dispute: _Optional[_Union[_disputes_pb2.Dispute, _Mapping]] = ..., more_events: _Optional[_Iterable[_Union[WebhookEvent, _Mapping]]] = ..., connector_event_id: _Optional[str] = ..., connector_event_type: _Optional[str] = ..., connector_payment_id: _Optional[str] = ..., livemode: _Optional[bool] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
