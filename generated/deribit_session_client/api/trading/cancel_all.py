from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.count_response import CountResponse
from ...models.error_response import ErrorResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, TimeoutTypes


_OPERATION = OPERATIONS["cancel_all"]

_MODELS: dict[int, type[Any]] = {
    200: CountResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[CountResponse | ErrorResponse]:
    """Cancels every open order of the account.

    Cancels every open order of the account, on any connection; answers how many.

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[CountResponse | ErrorResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(_OPERATION, {}, _MODELS, timeout)


def sync(
    *,
    client: AuthenticatedClient | WebSocketClient,
    timeout: TimeoutTypes | Unset = UNSET,
) -> CountResponse:
    """Cancels every open order of the account.

    Cancels every open order of the account, on any connection; answers how many.

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        CountResponse
    """

    return client._call_sync(_OPERATION, {}, CountResponse, timeout)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | WebSocketClient,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[CountResponse | ErrorResponse]:
    """Cancels every open order of the account.

    Cancels every open order of the account, on any connection; answers how many.

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[CountResponse | ErrorResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(_OPERATION, {}, _MODELS, timeout)


async def asyncio(
    *,
    client: AuthenticatedClient | WebSocketClient,
    timeout: TimeoutTypes | Unset = UNSET,
) -> CountResponse:
    """Cancels every open order of the account.

    Cancels every open order of the account, on any connection; answers how many.

    Args:
        client: The client to send with.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        CountResponse
    """

    return await client._call_async(_OPERATION, {}, CountResponse, timeout)
