from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..._operations import OPERATIONS
from ...models.error_response import ErrorResponse
from ...models.expected_result import ExpectedResult
from ...models.test_response import TestResponse
from ...types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ..._core.ws.client import WebSocketClient
    from ...client import AuthenticatedClient, Client, TimeoutTypes


_OPERATION = OPERATIONS["test"]

_MODELS: dict[int, type[Any]] = {
    200: TestResponse,
    400: ErrorResponse,
    429: ErrorResponse,
}


def sync_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    expected_result: ExpectedResult | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | TestResponse]:
    """Tests the connection to the API server, and returns its version.

    Tests the connection to the API server, and returns its version. This is the answer
    to a heartbeat `test_request`. With `expected_result=exception` the server answers
    with an error instead, for testing error handling.

    Args:
        client: The client to send with.
        expected_result (ExpectedResult | Unset): Makes `public/test` answer with an error.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | TestResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return client._detailed_sync(
        _OPERATION,
        {
            "expected_result": expected_result,
        },
        _MODELS,
        timeout,
    )


def sync(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    expected_result: ExpectedResult | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> TestResponse:
    """Tests the connection to the API server, and returns its version.

    Tests the connection to the API server, and returns its version. This is the answer
    to a heartbeat `test_request`. With `expected_result=exception` the server answers
    with an error instead, for testing error handling.

    Args:
        client: The client to send with.
        expected_result (ExpectedResult | Unset): Makes `public/test` answer with an error.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        TestResponse
    """

    return client._call_sync(
        _OPERATION,
        {
            "expected_result": expected_result,
        },
        TestResponse,
        timeout,
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    expected_result: ExpectedResult | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> Response[ErrorResponse | TestResponse]:
    """Tests the connection to the API server, and returns its version.

    Tests the connection to the API server, and returns its version. This is the answer
    to a heartbeat `test_request`. With `expected_result=exception` the server answers
    with an error instead, for testing error handling.

    Args:
        client: The client to send with.
        expected_result (ExpectedResult | Unset): Makes `public/test` answer with an error.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is too large or cannot be decoded.

    Returns:
        Response[ErrorResponse | TestResponse]: the raw answer, ``parsed`` as the model of its
        status (None when the body does not parse).
    """

    return await client._detailed_async(
        _OPERATION,
        {
            "expected_result": expected_result,
        },
        _MODELS,
        timeout,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | Client | WebSocketClient,
    expected_result: ExpectedResult | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
) -> TestResponse:
    """Tests the connection to the API server, and returns its version.

    Tests the connection to the API server, and returns its version. This is the answer
    to a heartbeat `test_request`. With `expected_result=exception` the server answers
    with an error instead, for testing error handling.

    Args:
        client: The client to send with.
        expected_result (ExpectedResult | Unset): Makes `public/test` answer with an error.
        timeout: This call's timeout, instead of the client's.

    Raises:
        errors.InvalidParamsError: A parameter breaks the spec (raised before sending) or the server says so.
        errors.APIError: The server answered with a JSON-RPC error; a subclass by code or status.
        errors.APIConnectionError: No answer after the client's retries (errors.APITimeoutError on timeouts).
        errors.ResponseValidationError: The answer is not what the spec describes.

    Returns:
        TestResponse
    """

    return await client._call_async(
        _OPERATION,
        {
            "expected_result": expected_result,
        },
        TestResponse,
        timeout,
    )
