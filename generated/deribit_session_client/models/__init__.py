"""Contains all the data models used in inputs/outputs.

Each model's module is imported when the model is first asked for (PEP 562), so that an
operation loads only the models it uses."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .auth_response import AuthResponse
    from .auth_result import AuthResult
    from .cancel_on_disconnect_response import CancelOnDisconnectResponse
    from .cancel_on_disconnect_state import CancelOnDisconnectState
    from .channels_response import ChannelsResponse
    from .count_response import CountResponse
    from .envelope import Envelope
    from .error_detail import ErrorDetail
    from .error_response import ErrorResponse
    from .expected_result import ExpectedResult
    from .get_open_orders_by_currency_currency import GetOpenOrdersByCurrencyCurrency
    from .grant_type import GrantType
    from .json_rpc_version import JsonRpcVersion
    from .ok_response import OkResponse
    from .ok_result import OkResult
    from .order import Order
    from .order_direction import OrderDirection
    from .order_order_state import OrderOrderState
    from .order_placed_response import OrderPlacedResponse
    from .order_placement import OrderPlacement
    from .order_response import OrderResponse
    from .order_type import OrderType
    from .orders_response import OrdersResponse
    from .scope import Scope
    from .subscription_notification import SubscriptionNotification
    from .subscription_notification_jsonrpc import SubscriptionNotificationJsonrpc
    from .subscription_notification_method import SubscriptionNotificationMethod
    from .subscription_notification_params import SubscriptionNotificationParams
    from .test_response import TestResponse
    from .test_result import TestResult
    from .time_in_force import TimeInForce
    from .trade import Trade
    from .trade_direction import TradeDirection

#: Each model's name -> its module ("from .ok_response import OkResponse": ".ok_response").
_MODULES = {
    "AuthResponse": ".auth_response",
    "AuthResult": ".auth_result",
    "CancelOnDisconnectResponse": ".cancel_on_disconnect_response",
    "CancelOnDisconnectState": ".cancel_on_disconnect_state",
    "ChannelsResponse": ".channels_response",
    "CountResponse": ".count_response",
    "Envelope": ".envelope",
    "ErrorDetail": ".error_detail",
    "ErrorResponse": ".error_response",
    "ExpectedResult": ".expected_result",
    "GetOpenOrdersByCurrencyCurrency": ".get_open_orders_by_currency_currency",
    "GrantType": ".grant_type",
    "JsonRpcVersion": ".json_rpc_version",
    "OkResponse": ".ok_response",
    "OkResult": ".ok_result",
    "Order": ".order",
    "OrderDirection": ".order_direction",
    "OrderOrderState": ".order_order_state",
    "OrderPlacedResponse": ".order_placed_response",
    "OrderPlacement": ".order_placement",
    "OrderResponse": ".order_response",
    "OrderType": ".order_type",
    "OrdersResponse": ".orders_response",
    "Scope": ".scope",
    "SubscriptionNotification": ".subscription_notification",
    "SubscriptionNotificationJsonrpc": ".subscription_notification_jsonrpc",
    "SubscriptionNotificationMethod": ".subscription_notification_method",
    "SubscriptionNotificationParams": ".subscription_notification_params",
    "TestResponse": ".test_response",
    "TestResult": ".test_result",
    "TimeInForce": ".time_in_force",
    "Trade": ".trade",
    "TradeDirection": ".trade_direction",
}


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(module, __name__), name)
    globals()[name] = value  # (the next lookup finds it without this function)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = (
    "AuthResponse",
    "AuthResult",
    "CancelOnDisconnectResponse",
    "CancelOnDisconnectState",
    "ChannelsResponse",
    "CountResponse",
    "Envelope",
    "ErrorDetail",
    "ErrorResponse",
    "ExpectedResult",
    "GetOpenOrdersByCurrencyCurrency",
    "GrantType",
    "JsonRpcVersion",
    "OkResponse",
    "OkResult",
    "Order",
    "OrderDirection",
    "OrderOrderState",
    "OrderPlacedResponse",
    "OrderPlacement",
    "OrderResponse",
    "OrdersResponse",
    "OrderType",
    "Scope",
    "SubscriptionNotification",
    "SubscriptionNotificationJsonrpc",
    "SubscriptionNotificationMethod",
    "SubscriptionNotificationParams",
    "TestResponse",
    "TestResult",
    "TimeInForce",
    "Trade",
    "TradeDirection",
)
