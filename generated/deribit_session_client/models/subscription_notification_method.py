from typing import Literal

SubscriptionNotificationMethod = Literal["subscription"]

SUBSCRIPTION_NOTIFICATION_METHOD_VALUES: set[SubscriptionNotificationMethod] = {
    "subscription",
}


def check_subscription_notification_method(value: str) -> SubscriptionNotificationMethod:
    if value in SUBSCRIPTION_NOTIFICATION_METHOD_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {SUBSCRIPTION_NOTIFICATION_METHOD_VALUES!r}")
