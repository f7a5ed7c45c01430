from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListConnectorsRequest(_message.Message):
    __slots__ = ("page_size", "page_token")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListConnectorsResponse(_message.Message):
    __slots__ = ("connectors", "next_page_token")
    CONNECTORS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    connectors: _containers.RepeatedCompositeFieldContainer[ConnectorInfo]
    next_page_token: str
    def __init__(self, connectors: _Optional[_Iterable[_Union[ConnectorInfo, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ConnectorInfo(_message.Message):
    __slots__ = ("name", "display_name", "flows", "payment_methods", "currencies", "countries", "credential_fields", "option_fields", "webhooks", "idempotency", "docs_url", "accounts", "multiple_captures", "methods", "connector_options", "splits")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_METHODS_FIELD_NUMBER: _ClassVar[int]
    CURRENCIES_FIELD_NUMBER: _ClassVar[int]
    COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELDS_FIELD_NUMBER: _ClassVar[int]
    OPTION_FIELDS_FIELD_NUMBER: _ClassVar[int]
    WEBHOOKS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_FIELD_NUMBER: _ClassVar[int]
    DOCS_URL_FIELD_NUMBER: _ClassVar[int]
    ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    MULTIPLE_CAPTURES_FIELD_NUMBER: _ClassVar[int]
    METHODS_FIELD_NUMBER: _ClassVar[int]
    CONNECTOR_OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SPLITS_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    flows: _containers.RepeatedScalarFieldContainer[str]
    payment_methods: _containers.RepeatedScalarFieldContainer[str]
    currencies: _containers.RepeatedScalarFieldContainer[str]
    countries: _containers.RepeatedScalarFieldContainer[str]
    credential_fields: _containers.RepeatedScalarFieldContainer[str]
    option_fields: _containers.RepeatedScalarFieldContainer[str]
    webhooks: bool
    idempotency: str
    docs_url: str
    accounts: _containers.RepeatedScalarFieldContainer[str]
    multiple_captures: bool
    methods: _containers.RepeatedCompositeFieldContainer[PaymentMethodInfo]
    connector_options: _containers.RepeatedScalarFieldContainer[str]
    splits: bool
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., flows: _Optional[_Iterable[str]] = ..., payment_methods: _Optional[_Iterable[str]] = ..., currencies: _Optional[_Iterable[str]] = ..., countries: _Optional[_Iterable[str]] = ..., credential_fields: _Optional[_Iterable[str]] = ..., option_fields: _Optional[_Iterable[str]] = ..., webhooks: _Optional[bool] = ..., idempotency: _Optional[str] = ..., docs_url: _Optional[str] = ..., accounts: _Optional[_Iterable[str]] = ..., multiple_captures: _Optional[bool] = ..., methods: _Optional[_Iterable[_Union[PaymentMethodInfo, _Mapping]]] = ..., connector_options: _Optional[_Iterable[str]] = ..., splits: _Optional[bool] = ...) -> None: ...

class PaymentMethodInfo(_message.Message):
    __slots__ = ("type", "flows", "currencies", "countries", "external_3ds")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FLOWS_FIELD_NUMBER: _ClassVar[int]
    CURRENCIES_FIELD_NUMBER: _ClassVar[int]
    COUNTRIES_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_3DS_FIELD_NUMBER: _ClassVar[int]
    type: str
    flows: _containers.RepeatedScalarFieldContainer[str]
    currencies: _containers.RepeatedScalarFieldContainer[str]
    countries: _containers.RepeatedScalarFieldContainer[str]
    external_3ds: bool
    def __init__(self, type: _Optional[str] = ..., flows: _Optional[_Iterable[str]] = ..., currencies: _Optional[_Iterable[str]] = ..., countries: _Optional[_Iterable[str]] = ..., external_3ds: _Optional[bool] = ...) -> None: ...
