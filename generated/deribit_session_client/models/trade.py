from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .._core.spec.models import (
    expect_float,
    expect_int,
    expect_object,
    expect_str,
    field_error,
    model_repr,
)
from ..models.trade_direction import TradeDirection, check_trade_direction

T = TypeVar("T", bound="Trade")


@_attrs_define(repr=False)
class Trade:
    """A trade an order made (the exchange sends more fields; kept as extra properties).

    Attributes:
        trade_id (str):
        instrument_name (str):
        order_id (str):
        direction (TradeDirection):
        price (float):
        amount (float):
        timestamp (int):
    """

    __test__ = False  # not a test class, whatever its name, when a user's test module imports it

    trade_id: str
    instrument_name: str
    order_id: str
    direction: TradeDirection
    price: float
    amount: float
    timestamp: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        trade_id = self.trade_id

        instrument_name = self.instrument_name

        order_id = self.order_id

        direction: str = self.direction

        price = self.price

        amount = self.amount

        timestamp = self.timestamp

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "trade_id": trade_id,
                "instrument_name": instrument_name,
                "order_id": order_id,
                "direction": direction,
                "price": price,
                "amount": amount,
                "timestamp": timestamp,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = expect_object(src_dict)
        trade_id = expect_str(d.pop("trade_id"), "trade_id")

        instrument_name = expect_str(d.pop("instrument_name"), "instrument_name")

        order_id = expect_str(d.pop("order_id"), "order_id")

        _direction = d.pop("direction")
        try:
            direction = check_trade_direction(_direction)

        except (KeyError, TypeError, ValueError) as exc:
            raise field_error("direction", exc) from None

        price = expect_float(d.pop("price"), "price")

        amount = expect_float(d.pop("amount"), "amount")

        timestamp = expect_int(d.pop("timestamp"), "timestamp")

        trade = cls(
            trade_id=trade_id,
            instrument_name=instrument_name,
            order_id=order_id,
            direction=direction,
            price=price,
            amount=amount,
            timestamp=timestamp,
        )

        trade.additional_properties = d
        return trade

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
