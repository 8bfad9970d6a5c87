from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .._core.spec.models import (
    expect_int,
    expect_object,
    expect_str,
    model_repr,
)
from ..types import UNSET, Unset

T = TypeVar("T", bound="ErrorDetail")


@_attrs_define(repr=False)
class ErrorDetail:
    """
    Attributes:
        code (int): The JSON-RPC or Deribit error code.
        message (str): A short error message, such as `Invalid params`.
        data (Any | Unset): Free-form details; for -32602 an object with `param` and `reason`.
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    code: int
    message: str
    data: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        message = self.message

        data = self.data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "code": code,
                "message": message,
            }
        )
        if data is not UNSET:
            field_dict["data"] = data

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = expect_object(src_dict)
        code = expect_int(d.pop("code"), "code")

        message = expect_str(d.pop("message"), "message")

        data = d.pop("data", UNSET)

        error_detail = cls(
            code=code,
            message=message,
            data=data,
        )

        error_detail.additional_properties = d
        return error_detail

    __repr__ = model_repr

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
