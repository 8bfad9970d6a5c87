from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .._core.spec.models import (
    expect_object,
    field_error,
    model_repr,
)
from ..models.subscription_notification_jsonrpc import (
    SubscriptionNotificationJsonrpc,
    check_subscription_notification_jsonrpc,
)
from ..models.subscription_notification_method import (
    SubscriptionNotificationMethod,
    check_subscription_notification_method,
)

if TYPE_CHECKING:
    from ..models.subscription_notification_params import SubscriptionNotificationParams


T = TypeVar("T", bound="SubscriptionNotification")


@_attrs_define(repr=False)
class SubscriptionNotification:
    """A notification on a subscribed channel (no `id`). Not the answer of any path: what
    arrives on the connection after `public/subscribe` or `private/subscribe`.

        Attributes:
            jsonrpc (SubscriptionNotificationJsonrpc):
            method (SubscriptionNotificationMethod):
            params (SubscriptionNotificationParams):
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    jsonrpc: SubscriptionNotificationJsonrpc
    method: SubscriptionNotificationMethod
    params: SubscriptionNotificationParams
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        jsonrpc: str = self.jsonrpc

        method: str = self.method

        params = self.params.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "jsonrpc": jsonrpc,
                "method": method,
                "params": params,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.subscription_notification_params import SubscriptionNotificationParams  # noqa: PLC0415

        d = expect_object(src_dict)
        _jsonrpc = d.pop("jsonrpc")
        try:
            jsonrpc = check_subscription_notification_jsonrpc(_jsonrpc)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("jsonrpc", exc) from None

        _method = d.pop("method")
        try:
            method = check_subscription_notification_method(_method)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("method", exc) from None

        _params = d.pop("params")
        try:
            params = SubscriptionNotificationParams.from_dict(_params)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("params", exc) from None

        subscription_notification = cls(
            jsonrpc=jsonrpc,
            method=method,
            params=params,
        )

        subscription_notification.additional_properties = d
        return subscription_notification

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
