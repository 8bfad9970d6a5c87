from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .._core.spec.models import (
    expect_bool,
    expect_object,
    field_error,
    model_repr,
)
from ..models.scope import Scope, check_scope

T = TypeVar("T", bound="CancelOnDisconnectState")


@_attrs_define(repr=False)
class CancelOnDisconnectState:
    """
    Attributes:
        scope (Scope): Where a Cancel On Disconnect setting applies.
        enabled (bool): Whether Cancel On Disconnect is on for this scope.
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    scope: Scope
    enabled: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        scope: str = self.scope

        enabled = self.enabled

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "scope": scope,
                "enabled": enabled,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = expect_object(src_dict)
        _scope = d.pop("scope")
        try:
            scope = check_scope(_scope)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("scope", exc) from None

        enabled = expect_bool(d.pop("enabled"), "enabled")

        cancel_on_disconnect_state = cls(
            scope=scope,
            enabled=enabled,
        )

        cancel_on_disconnect_state.additional_properties = d
        return cancel_on_disconnect_state

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
