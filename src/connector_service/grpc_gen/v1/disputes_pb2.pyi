import datetime

from connector_service.grpc_gen.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetDisputeRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class AcceptDisputeRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DisputeEvidence(_message.Message):
    __slots__ = ("type", "text", "file", "file_name", "content_type")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    type: str
    text: str
    file: bytes
    file_name: str
    content_type: str
    def __init__(self, type: _Optional[str] = ..., text: _Optional[str] = ..., file: _Optional[bytes] = ..., file_name: _Optional[str] = ..., content_type: _Optional[str] = ...) -> None: ...

class SubmitDisputeEvidenceRequest(_message.Message):
    __slots__ = ("id", "evidence", "submit")
    ID_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SUBMIT_FIELD_NUMBER: _ClassVar[int]
    id: str
    evidence: _containers.RepeatedCompositeFieldContainer[DisputeEvidence]
    submit: bool
    def __init__(self, id: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[DisputeEvidence, _Mapping]]] = ..., submit: _Optional[bool] = ...) -> None: ...

class Dispute(_message.Message):
    __slots__ = ("id", "status", "amount", "payment_id", "connector", "account", "connector_dispute_id", "reason", "evidence_due_by", "connector_payment_id", "connector_reason", "evidence_submitted", "created", "connector_status")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_DISPUTE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_DUE_BY_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_PAYMENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_SUBMITTED_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: _common_pb2.DisputeStatus
    amount: _common_pb2.Money
    payment_id: str
    connector: str
    account: str
    connector_dispute_id: str
    reason: str
    evidence_due_by: _timestamp_pb2.Timestamp
    connector_payment_id: str
    connector_reason: str
    evidence_submitted: bool
    created: _timestamp_pb2.Timestamp
    connector_status: str
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[_common_pb2.DisputeStatus, str]] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., payment_id: _Optional[str] = ..., connector: _Optional[str] = ..., account: _Optional[str] = ..., connector_dispute_id: _Optional[str] = ..., reason: _Optional[str] = ..., evidence_due_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., connector_payment_id: _Optional[str] = ..., connector_reason: _Optional[str] = ..., evidence_submitted: _Optional[bool] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., connector_status: _Optional[str] = ...) -> None: ...

class ListDisputesRequest(_message.Message):
    __slots__ = ("account", "page_size", "page_token")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account: str
    page_size: int
    page_token: str
    def __init__(self, account: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDisputesResponse(_message.Message):
    __slots__ = ("disputes", "next_page_token")
    DISPUTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    disputes: _containers.RepeatedCompositeFieldContainer[Dispute]
    next_page_token: str
    def __init__(self, disputes: _Optional[_Iterable[_Union[Dispute, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
