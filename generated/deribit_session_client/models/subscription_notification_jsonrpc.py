from typing import Literal

SubscriptionNotificationJsonrpc = Literal["2.0"]

SUBSCRIPTION_NOTIFICATION_JSONRPC_VALUES: set[SubscriptionNotificationJsonrpc] = {
    "2.0",
}


def check_subscription_notification_jsonrpc(value: str) -> SubscriptionNotificationJsonrpc:
    if value in SUBSCRIPTION_NOTIFICATION_JSONRPC_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SUBSCRIPTION_NOTIFICATION_JSONRPC_VALUES!r}")
