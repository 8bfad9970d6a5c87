"""One HTTP call with its retries: each attempt bounded by its deadline (connect, write and
every read), its body read within the response limit, and what a failure or an answer
proves deciding whether it is tried again (:class:`~.attempts.Attempts`)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import httpx

from ..errors import DeribitError
from ..limits.turns import wait_turn_async, wait_turn_sync
from ..retry import CLOCK
from ..spec.operations import Operation
from ..types import Unset
from .attempts import Answer, Attempts, Failed
from .deadline import TimeoutTypes, attempt_deadline

if TYPE_CHECKING:
    from .attempts import Sender

__all__ = ["send_async", "send_sync"]


def send_sync(client: Sender, op: Operation, params: dict[str, Any], timeout: TimeoutTypes | Unset) -> Answer:
    attempt = Attempts(client, op, params, timeout)
    limiter = client.limiter()
    while True:
        deadline = attempt.deadline()
        bound = None if deadline is None else deadline - CLOCK.monotonic()
        wait_turn_sync(limiter, op.rpc_method, op, bound, CLOCK.sleep)  # (it counts in the attempt's deadline)
        try:
            answer = _attempt_sync(client, attempt, deadline)
        except Failed as failed:
            delay = attempt.retry_after_failure(failed)
            if delay is None:
                raise failed.error from failed.cause
        else:
            delay = attempt.retry_after_answer(answer)
            if delay is None:
                return answer
        CLOCK.sleep(delay)


def _attempt_sync(client: Sender, attempt: Attempts, deadline: float | None) -> Answer:
    sent = time.perf_counter()
    auth = client._auth()
    http = client.get_httpx_client()  # each attempt: a pool closed meanwhile is made again
    try:
        with attempt_deadline(deadline):  # bounds every connect, read and write (network.py)
            request = attempt.build(http, deadline)
            response = http.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT, stream=True)
            try:
                chunks = attempt.start_body(response)
                for chunk in response.iter_bytes():
                    attempt.add_chunk(chunks, chunk, deadline)
            finally:
                response.close()
    except DeribitError:
        raise
    except Exception as exc:
        raise attempt.failed(exc, sent) from exc
    return attempt.answer(response, chunks, sent)


async def send_async(client: Sender, op: Operation, params: dict[str, Any], timeout: TimeoutTypes | Unset) -> Answer:
    attempt = Attempts(client, op, params, timeout)
    limiter = client.limiter()
    while True:
        deadline = attempt.deadline()
        bound = None if deadline is None else deadline - CLOCK.monotonic()
        await wait_turn_async(limiter, op.rpc_method, op, bound, CLOCK.async_sleep)
        try:
            answer = await _attempt_async(client, attempt, deadline)
        except Failed as failed:
            delay = attempt.retry_after_failure(failed)
            if delay is None:
                raise failed.error from failed.cause
        else:
            delay = attempt.retry_after_answer(answer)
            if delay is None:
                return answer
        await CLOCK.async_sleep(delay)


async def _attempt_async(client: Sender, attempt: Attempts, deadline: float | None) -> Answer:
    sent = time.perf_counter()
    auth = client._auth()
    http = client.get_async_httpx_client()
    chunks: list[bytes] = []
    import asyncio  # (here, not at import: a program that never calls async code does not pay for it)

    wrote: list[str] = []  # (an order call's: whether its request was sent before the timeout)
    try:
        # asyncio.timeout bounds the whole attempt exactly, however the server drips.
        async with asyncio.timeout(None if deadline is None else max(deadline - CLOCK.monotonic(), 0.0)):
            request = attempt.build(http, deadline)
            if attempt.order_call:

                async def trace(event: str, info: dict[str, Any]) -> None:
                    if event.endswith("send_request_headers.started"):
                        wrote.append(event)

                request.extensions["trace"] = trace
            response = await http.send(request, auth=auth or httpx.USE_CLIENT_DEFAULT, stream=True)
            try:
                chunks = attempt.start_body(response)
                async for chunk in response.aiter_bytes():
                    attempt.add_chunk(chunks, chunk, deadline)
            finally:
                await response.aclose()
    except DeribitError:
        raise
    except TimeoutError as exc:
        # (httpx's own timeouts tell connecting from waiting; asyncio's does not: an order call
        # whose request was never written timed out connecting, and never left)
        if attempt.order_call and not wrote:
            raise attempt.failed(httpx.ConnectTimeout("the call's timeout ran out connecting"), sent) from exc
        raise attempt.failed(httpx.ReadTimeout("the call's timeout ran out"), sent) from exc
    except Exception as exc:
        raise attempt.failed(exc, sent) from exc
    return attempt.answer(response, chunks, sent)
