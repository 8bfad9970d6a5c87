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

if TYPE_CHECKING:
    from ..models.order import Order
    from ..models.trade import Trade


T = TypeVar("T", bound="OrderPlacement")


@_attrs_define(repr=False)
class OrderPlacement:
    """
    Attributes:
        order (Order): An order as the exchange keeps it. The exchange sends more fields (`api`,
            `reduce_only`, `web`, `mmp`, ...); they are kept as extra properties.
        trades (list[Trade]):
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    order: Order
    trades: list[Trade]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        order = self.order.to_dict()

        trades = []
        for trades_item_data in self.trades:
            trades_item = trades_item_data.to_dict()
            trades.append(trades_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "order": order,
                "trades": trades,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.order import Order  # noqa: PLC0415
        from ..models.trade import Trade  # noqa: PLC0415

        d = expect_object(src_dict)
        _order = d.pop("order")
        try:
            order = Order.from_dict(_order)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("order", exc) from None

        _trades = d.pop("trades")
        try:
            trades = []
            _trades = _trades
            for trades_item_data in _trades:
                trades_item = Trade.from_dict(trades_item_data)

                trades.append(trades_item)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("trades", exc) from None

        order_placement = cls(
            order=order,
            trades=trades,
        )

        order_placement.additional_properties = d
        return order_placement

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
