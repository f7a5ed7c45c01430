from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Split(_message.Message):
    __slots__ = ("destination", "amount")
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    destination: str
    amount: int
    def __init__(self, destination: _Optional[str] = ..., amount: _Optional[int] = ...) -> None: ...

class LineItem(_message.Message):
    __slots__ = ("name", "quantity", "unit_amount", "tax_amount", "sku")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TAX_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SKU_FIELD_NUMBER: _ClassVar[int]
    name: str
    quantity: int
    unit_amount: int
    tax_amount: int
    sku: str
    def __init__(self, name: _Optional[str] = ..., quantity: _Optional[int] = ..., unit_amount: _Optional[int] = ..., tax_amount: _Optional[int] = ..., sku: _Optional[str] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("line_items", "tax_amount", "shipping_amount", "customer_reference")
    LINE_ITEMS_FIELD_NUMBER: _ClassVar[int]
    TAX_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SHIPPING_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    line_items: _containers.RepeatedCompositeFieldContainer[LineItem]
    tax_amount: int
    shipping_amount: int
    customer_reference: str
    def __init__(self, line_items: _Optional[_Iterable[_Union[LineItem, _Mapping]]] = ..., tax_amount: _Optional[int] = ..., shipping_amount: _Optional[int] = ..., customer_reference: _Optional[str] = ...) -> None: ...
