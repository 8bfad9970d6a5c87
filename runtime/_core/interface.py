"""What a generated operation needs of the client it is given: four methods, which ``Client``,
``AuthenticatedClient`` and ``WebSocketClient`` all provide. mypy checks that they do (the
assignments at the end), so a change to either client that breaks the generated code fails
``make lint``, not a user's call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from .spec.answers import Model
    from .spec.operations import Operation
    from .types import Response

__all__ = ["OperationClient"]

T = TypeVar("T", bound="Model")


class OperationClient(Protocol):
    """The calls every generated ``sync``/``asyncio``/``*_detailed`` function makes."""

    def _call_sync(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: Any) -> T: ...

    async def _call_async(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: Any) -> T: ...

    def _detailed_sync(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: Any
    ) -> Response[Any]: ...

    async def _detailed_async(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: Any
    ) -> Response[Any]: ...


if TYPE_CHECKING:  # checked by mypy, never run

    def _both_clients_satisfy_it(http: Client, signed: AuthenticatedClient, ws: WebSocketClient) -> None:
        clients: list[OperationClient] = [http, signed, ws]
        del clients

    from .http.authenticated import AuthenticatedClient
    from .http.client import Client
    from .ws.client import WebSocketClient
