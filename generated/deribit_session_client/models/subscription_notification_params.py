from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .._core.spec.models import (
    expect_object,
    expect_str,
    model_repr,
)

T = TypeVar("T", bound="SubscriptionNotificationParams")


@_attrs_define(repr=False)
class SubscriptionNotificationParams:
    """
    Attributes:
        channel (str):
        data (Any): The channel's payload (its shape depends on the channel).
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    channel: str
    data: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        data = self.data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channel": channel,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = expect_object(src_dict)
        channel = expect_str(d.pop("channel"), "channel")

        data = d.pop("data")

        subscription_notification_params = cls(
            channel=channel,
            data=data,
        )

        subscription_notification_params.additional_properties = d
        return subscription_notification_params

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
