"""Subscriptions on a WebSocketClient: ``subscribe`` and ``subscribe_async`` (a handler per
channel), ``stream`` (an async iterator), and the :class:`Subscription` they return. Each
subscribe is the spec's ``public/subscribe`` or ``private/subscribe`` call, so the session
records the channels as the exchange confirmed them and subscribes again after a reconnect."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Self

from ..engine.session import chunked
from ..errors import (
    APIConnectionError,
    AuthenticationError,
    ResponseValidationError,
    SubscriptionRefusedError,
    excerpt,
)
from .notifications import DEFAULT_MAX_PENDING, Handler, Router, is_private_channel

__all__ = ["Stream", "Subscription", "Subscriptions"]

logger = logging.getLogger("deribit_session_client")


def _scope_of(channels: list[str]) -> str:
    return "private" if any(is_private_channel(c) for c in channels) else "public"


def _plan(channels: Iterable[str], can_authenticate: bool) -> tuple[str, list[str]]:
    """The scope to subscribe with and the channels, checked before anything is sent."""
    if isinstance(channels, str):
        raise TypeError("channels is a list of channel names, not one string")
    wanted = list(dict.fromkeys(channels))
    if not wanted or not all(isinstance(c, str) and c for c in wanted):
        raise ValueError("channels must be a non-empty list of channel names")
    private = [c for c in wanted if is_private_channel(c)]
    if private and not can_authenticate:
        raise AuthenticationError(f"private channels need an authenticated client (credentials or a token): {private}")
    return ("private" if private else "public"), wanted


class _Entry:
    """One subscription's place in the router (two subscriptions of one function are two entries)."""

    __slots__ = ("handler",)

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def __call__(self, params: dict[str, Any]) -> Any:
        return self.handler(params)


class Subscription:
    """Channels subscribed with one handler. ``channels``: those the exchange confirmed;
    ``refused``: those it left out (not subscribed). ``unsubscribe()`` stops the handler and
    unsubscribes each channel no other handler of the client still wants."""

    def __init__(
        self, client: Subscriptions, scope: str, channels: list[str], refused: list[str], entry: _Entry
    ) -> None:
        self._client = client
        self.scope = scope
        self.channels = tuple(channels)
        self.refused = tuple(refused)
        self._entry = entry
        self.handler = entry.handler
        self.active = True
        #: Channels whose unsubscribe has not been answered yet (retried by unsubscribe()).
        self._leaving: list[str] = []

    def __repr__(self) -> str:
        return f"Subscription(channels={list(self.channels)!r}, active={self.active})"

    def _drop(self) -> list[str]:
        """The channels to unsubscribe: those no other subscription wants, the first time; after
        a failed unsubscribe, those it did not get through."""
        if self.active:
            self.active = False
            self._leaving = self._client._router.remove(list(self.channels), self._entry)
        return [channel for channel in self._leaving if channel not in self._client._router.table]

    def _wanted_again(self, unwanted: list[str]) -> list[str]:
        """Channels another subscription took while this unsubscribe was on its way."""
        table = self._client._router.table
        return [channel for channel in unwanted if channel in table]

    def unsubscribe(self) -> None:
        """Stops the handler, and unsubscribes the channels no other subscription wants. They
        are not restored after a reconnect even if this call fails (a timeout while the
        connection is replaced, say); call it again to retry the unsubscribe itself."""
        unwanted = self._drop()
        if unwanted and self._client.open:
            for run in chunked(unwanted):
                self._client.call(f"{self.scope}/unsubscribe", {"channels": run})
                self._leaving = [channel for channel in self._leaving if channel not in run]
            again = self._wanted_again(unwanted)
            if again:
                self._client.call(f"{_scope_of(again)}/subscribe", {"channels": again})

    async def unsubscribe_async(self) -> None:
        unwanted = self._drop()
        if unwanted and self._client.open:
            for run in chunked(unwanted):
                await self._client.call_async(f"{self.scope}/unsubscribe", {"channels": run})
                self._leaving = [channel for channel in self._leaving if channel not in run]
            again = self._wanted_again(unwanted)
            if again:
                await self._client.call_async(f"{_scope_of(again)}/subscribe", {"channels": again})

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.unsubscribe()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.unsubscribe_async()


class Stream:
    """``async for message in ws.stream(channels)``: each notification's ``params``
    (``{"channel": ..., "data": ...}``) on the caller's event loop. Use it as ``async with`` (or
    call ``aclose()``) to unsubscribe when done; it ends when the client closes. At most
    ``max_pending`` messages wait, counted before they reach the caller's loop (a loop that is
    blocked holds no more than that); beyond it the oldest are dropped (``dropped``)."""

    def __init__(self, client: Subscriptions, channels: Iterable[str], max_pending: int) -> None:
        self._client = client
        self._channels = list(channels)
        self._lock = threading.Lock()  # (the notification thread adds, the caller's loop takes)
        self._pending: deque[dict[str, Any]] = deque()
        self._woken = False  # a wake-up is on its way to the caller's loop
        self._ready: asyncio.Event | None = None
        self._max_pending = max_pending
        self._subscription: Subscription | None = None
        self._finished = False  # the client closed: what is pending is the last
        self._ended = False
        self._ended_hook: Callable[[], None] | None = None
        self.dropped = 0

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        router = self._client._router
        self._ready = asyncio.Event()

        def wake() -> None:
            with self._lock:
                self._woken = False
            assert self._ready is not None
            self._ready.set()

        def handler(params: dict[str, Any]) -> None:
            with self._lock:
                if len(self._pending) >= self._max_pending:
                    self._pending.popleft()
                    self.dropped += 1
                self._pending.append(params)
                if self._woken:
                    return
                self._woken = True
            try:
                loop.call_soon_threadsafe(wake)
            except RuntimeError:  # its event loop is closed: the stream was abandoned
                self._abandoned()

        def ended() -> None:
            self._finished = True
            try:
                loop.call_soon_threadsafe(wake)
            except RuntimeError:
                pass

        self._ended_hook = ended
        router.on_clear(ended)
        self._subscription = await self._client.subscribe_async(self._channels, handler)

    def _abandoned(self) -> None:
        """On the notification thread: unsubscribes a stream whose event loop is gone."""
        self._ended = True
        if self._ended_hook is not None:
            self._client._router.off_clear(self._ended_hook)
        subscription = self._subscription
        if subscription is not None:
            try:
                subscription.unsubscribe()
            except Exception as exc:  # (the client may be closing: nothing is left to undo)  # noqa: BLE001
                logger.debug("Unsubscribing an abandoned stream failed: %s", type(exc).__name__)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> dict[str, Any]:
        if self._ended:
            raise StopAsyncIteration
        if self._subscription is None:
            await self._start()
        assert self._ready is not None
        while True:
            with self._lock:
                if self._pending:
                    return self._pending.popleft()
            if self._finished:
                self._ended = True
                raise StopAsyncIteration
            self._ready.clear()
            with self._lock:
                if self._pending:
                    continue
            await self._ready.wait()

    async def __aenter__(self) -> Self:
        await self._start()
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._ended = True
        if self._ended_hook is not None:
            self._client._router.off_clear(self._ended_hook)
        if self._subscription is not None:
            try:
                await self._subscription.unsubscribe_async()
            except APIConnectionError:
                pass  # closed meanwhile: nothing is subscribed any more


class Subscriptions:
    """The subscriptions of one :class:`~.client.WebSocketClient` (composed into it): made with its
    calls (``call``, ``call_async``) and routed by its router."""

    def __init__(
        self,
        router: Router,
        call: Callable[..., Any],
        call_async: Callable[..., Awaitable[Any]],
        can_authenticate: bool,
        is_open: Callable[[], bool],
    ) -> None:
        self._router = router
        self.call = call
        self.call_async = call_async
        self._can_authenticate = can_authenticate
        self._is_open = is_open

    @property
    def open(self) -> bool:
        """The client is open (an unsubscribe after close() sends nothing)."""
        return self._is_open()

    def _subscribed(self, scope: str, wanted: list[str], answer: list[Any], entry: _Entry) -> Subscription:
        if not all(isinstance(channel, str) for channel in answer):
            self._router.remove(wanted, entry)
            raise ResponseValidationError(f"{scope}/subscribe answered with {excerpt(repr(answer), 120)}, not channels")
        listed = set(answer)
        refused = [c for c in wanted if c not in listed]
        if refused:
            self._router.remove(refused, entry)
        if len(refused) == len(wanted):
            raise SubscriptionRefusedError(f"the exchange subscribed none of {wanted}", refused)
        if refused:
            logger.warning("The exchange did not subscribe %s (the others are subscribed)", refused)
        return Subscription(self, scope, [c for c in wanted if c in listed], refused, entry)

    def subscribe(self, channels: Iterable[str], handler: Callable[[dict[str, Any]], Any]) -> Subscription:
        """:meth:`~.client.WebSocketClient.subscribe`."""
        scope, wanted = _plan(channels, self._can_authenticate)
        entry = _Entry(handler)
        self._router.add(wanted, entry)  # first: a notification may come before the answer
        answer: list[Any] = []
        try:
            for run in chunked(wanted):  # (each call fits in a frame)
                result = self.call(f"{scope}/subscribe", {"channels": run})
                answer += result if isinstance(result, list) else [result]
        except BaseException:
            self._router.remove(wanted, entry)
            raise
        return self._subscribed(scope, wanted, answer, entry)

    async def subscribe_async(self, channels: Iterable[str], handler: Callable[[dict[str, Any]], Any]) -> Subscription:
        """:meth:`~.client.WebSocketClient.subscribe_async`."""
        scope, wanted = _plan(channels, self._can_authenticate)
        entry = _Entry(handler)
        self._router.add(wanted, entry)
        answer: list[Any] = []
        try:
            for run in chunked(wanted):
                result = await self.call_async(f"{scope}/subscribe", {"channels": run})
                answer += result if isinstance(result, list) else [result]
        except BaseException:
            self._router.remove(wanted, entry)
            raise
        return self._subscribed(scope, wanted, answer, entry)

    def stream(self, channels: Iterable[str], *, max_pending: int = DEFAULT_MAX_PENDING) -> Stream:
        """:meth:`~.client.WebSocketClient.stream`."""
        return Stream(self, channels, max_pending)
