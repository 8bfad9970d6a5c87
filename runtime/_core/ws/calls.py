"""The caller's side of a WebSocket call: the :class:`~..engine.calls.Call` (made and encoded in the
caller's thread) is handed to the keeper's loop, where the supervisor writes it or keeps it
(:mod:`..engine.calls` states the rules), and the caller waits on its token. A caller that gives up
(timeout, cancel, interrupt) has its call forgotten on the keeper, so it never goes out after."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ..engine.calls import Call, Expired, after_sending, expire, timed_out
from ..engine.session import RpcSession, seconds, with_access_token
from ..errors import APIConnectionError, DeribitError
from ..limits.limiter import Limiter
from ..limits.turns import wait_turn_async, wait_turn_sync
from ..spec import registry
from ..spec.answers import checked, detailed, typed
from ..spec.operations import Operation
from ..types import Response, Unset
from .threads import Keeper, Waiter

if TYPE_CHECKING:
    from ..spec.answers import Model
    from .life import Life
    from .supervisor import Supervisor

T = TypeVar("T", bound="Model")

__all__ = ["Calls", "keeper_for_calls", "new_call", "roundtrip_async", "roundtrip_sync"]

logger = logging.getLogger("deribit_session_client")


def keeper_for_calls(keeper: Keeper | None) -> Keeper:
    """The keeper of an open client in this process, or APIConnectionError."""
    if keeper is None:
        raise APIConnectionError("the WebSocketClient is not open: use `with WebSocketClient(...)` or open()")
    if keeper.inherited:
        raise APIConnectionError("this WebSocketClient was opened in the parent process: open a new one after fork()")
    return keeper


def new_call(
    sup: Supervisor, method: str, params: dict[str, Any], op: Operation | None, token: Any, access_token: str | None
) -> Call:
    """A call, checked and encoded in the caller's thread (InvalidParamsError before anything
    is sent); ``on_reconnect``'s calls may go out while the session is being restored."""
    sent = with_access_token(method, params, access_token)
    tail = RpcSession.encode_call(method, sent)
    callbacks = sup.callbacks
    bypass = callbacks.in_on_reconnect and threading.current_thread() is callbacks.reconnect_thread()
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug("WebSocket -> %s %s", method, registry.masked_params(sent))
    return Call(method, params, tail, op, token, bypass)


def roundtrip_sync(
    keeper: Keeper, sup: Supervisor, call: Call, bound: float | None, limiter: Limiter
) -> dict[str, Any]:
    """Waits for the call's credits, hands ``call`` (its token a :class:`~.threads.Waiter`)
    over and waits for its answer: up to ``bound`` in all."""
    timeout = bound  # (what the error says: the caller's own timeout)
    if not sup.stopped:  # (a stopped client fails the call at once, unsent and uncharged)
        started = time.monotonic()
        wait_turn_sync(limiter, call.method, call.op, bound, lambda pause: _pause_sync(sup.closing, pause))
        call.charged = True
        if bound is not None:
            bound = max(bound - (time.monotonic() - started), 0.0)
    _hand_over(keeper, sup, call)
    token: Waiter = call.token
    try:
        return token.wait(bound)
    except BaseException as exc:  # timed out, interrupted: it must not go out after this
        token.abandoned = True
        _call_soon(keeper, sup.forget, call)
        if isinstance(exc, TimeoutError):
            error = _timed_out(call, timeout)
            raise error from error.__cause__
        raise


async def roundtrip_async(
    keeper: Keeper, sup: Supervisor, call: Call, bound: float | None, limiter: Limiter
) -> dict[str, Any]:
    """Waits for the call's credits, hands ``call`` (its token a future of the running loop)
    over and awaits its answer: up to ``bound`` in all."""
    timeout = bound
    if not sup.stopped:
        started = time.monotonic()
        await wait_turn_async(limiter, call.method, call.op, bound, lambda pause: _pause_async(sup.closing, pause))
        call.charged = True
        if bound is not None:
            bound = max(bound - (time.monotonic() - started), 0.0)
    loop = asyncio.get_running_loop()
    token: asyncio.Future[dict[str, Any]] = call.token
    # One timer handle, not wait_for's extra future and callbacks (make bench: ws_async).
    timer = None if bound is None else loop.call_later(bound, expire, token)
    try:
        if loop is keeper.loop:  # called from the keeper's own loop
            sup.submit(call)
        else:
            _hand_over(keeper, sup, call)
        return await token
    except BaseException as exc:  # timed out, cancelled: its token is done, so it never goes out
        _call_soon(keeper, sup.forget, call)
        if isinstance(exc, Expired):
            error = _timed_out(call, timeout)
            raise error from error.__cause__
        raise
    finally:
        if timer is not None:
            timer.cancel()


def _timed_out(call: Call, bound: float | None) -> DeribitError:
    """A call its caller stopped waiting for: an order call that was given a request id may
    have gone out (its outcome unknown; the connection stays, so no cancel-on-disconnect)."""
    error = timed_out(call, bound)
    return after_sending(call, error, False) if call.rpc_id is not None else error


def _pause_sync(closing: threading.Event, seconds: float) -> None:
    """A caller's wait for credits, in its own thread, cut short by close()."""
    if closing.wait(seconds):
        raise APIConnectionError("the WebSocketClient was closed while the call waited for credits")


async def _pause_async(closing: threading.Event, seconds: float) -> None:
    """:func:`_pause_sync` on the caller's loop (close() is noticed within 50 ms)."""
    deadline = time.monotonic() + seconds
    while not closing.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        await asyncio.sleep(min(left, 0.05))
    raise APIConnectionError("the WebSocketClient was closed while the call waited for credits")


def _hand_over(keeper: Keeper, sup: Supervisor, call: Call) -> None:
    try:
        keeper.loop.call_soon_threadsafe(sup.submit, call)
    except RuntimeError:  # the keeper stopped: the client was closed meanwhile
        raise APIConnectionError(f"{call.method}: the WebSocketClient is closed") from None


def _call_soon(keeper: Keeper, step: Callable[[Call], None], call: Call) -> None:
    if threading.current_thread() is keeper.thread:
        step(call)
        return
    try:
        keeper.loop.call_soon_threadsafe(step, call)
    except RuntimeError:  # the keeper stopped: nothing is left to forget
        pass


class Calls:
    """The calls of one :class:`~.client.WebSocketClient` (composed into it): ``call``/``call_async``
    for any method, and the four methods every generated operation calls
    (:class:`~..interface.OperationClient`), on the session the client has now."""

    def __init__(
        self, life: Life, limiter: Limiter, access_token: str | None, timeout: Callable[[], float | None]
    ) -> None:
        self.life = life
        self.limiter = limiter
        self.access_token = access_token
        self.timeout = timeout  # (the client's ``timeout``, read at each call: a program may change it)

    def call(self, method: str, params: Mapping[str, Any] | None, timeout: float | None | Unset) -> Any:
        method = registry.canonical(method)
        envelope = self._roundtrip_sync(method, dict(params or {}), timeout, registry.operation_for(method))
        return checked(envelope, method)["result"]

    async def call_async(self, method: str, params: Mapping[str, Any] | None, timeout: float | None | Unset) -> Any:
        method = registry.canonical(method)
        envelope = await self._roundtrip_async(method, dict(params or {}), timeout, registry.operation_for(method))
        return checked(envelope, method)["result"]

    def typed_sync(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: Any) -> T:
        envelope = self._roundtrip_sync(op.rpc_method, op.prepare(values), timeout, op)
        return typed(model, envelope, op.rpc_method)

    async def typed_async(self, op: Operation, values: Mapping[str, Any], model: type[T], timeout: Any) -> T:
        envelope = await self._roundtrip_async(op.rpc_method, op.prepare(values), timeout, op)
        return typed(model, envelope, op.rpc_method)

    def detailed_sync(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: Any
    ) -> Response[Any]:
        return detailed(self._roundtrip_sync(op.rpc_method, op.prepare(values), timeout, op), models)

    async def detailed_async(
        self, op: Operation, values: Mapping[str, Any], models: Mapping[int, type[Any]], timeout: Any
    ) -> Response[Any]:
        envelope = await self._roundtrip_async(op.rpc_method, op.prepare(values), timeout, op)
        return detailed(envelope, models)

    def bound(self, timeout: Any) -> float | None:
        """A call's bound: ``timeout``, or the client's when it is UNSET."""
        value = self.timeout() if isinstance(timeout, Unset) else timeout
        return seconds(value, "timeout")

    def _roundtrip_sync(
        self, method: str, params: dict[str, Any], timeout: Any, op: Operation | None
    ) -> dict[str, Any]:
        life = self.life
        keeper = keeper_for_calls(life.keeper)
        if threading.current_thread() is keeper.thread:
            raise RuntimeError("a sync call from the keeper thread would deadlock; use call_async")
        bound = self.bound(timeout)
        call = new_call(life.sup, method, params, op, Waiter(), self.access_token)
        return roundtrip_sync(keeper, life.sup, call, bound, self.limiter)

    async def _roundtrip_async(
        self, method: str, params: dict[str, Any], timeout: Any, op: Operation | None
    ) -> dict[str, Any]:
        life = self.life
        keeper = keeper_for_calls(life.keeper)
        bound = self.bound(timeout)
        token: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        call = new_call(life.sup, method, params, op, token, self.access_token)
        return await roundtrip_async(keeper, life.sup, call, bound, self.limiter)
