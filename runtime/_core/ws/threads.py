"""The threads a WebSocketClient runs on: one keeper per process (its event loop hosts every
client's connection), a callback thread per client, and the lock a sync caller waits on."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from ..engine.calls import Token

__all__ = ["CLOSING", "KEEPER_SWITCH_INTERVAL", "Callback", "Callbacks", "Keeper", "Waiter", "run_loop"]

logger = logging.getLogger("deribit_session_client")
Callback = Callable[..., Any]

#: The GIL switch interval the keeper sets when the process still has Python's default.
KEEPER_SWITCH_INTERVAL = 0.0001
PYTHON_SWITCH_INTERVAL = 0.005


#: How many times this process was forked into (counted in the child).
_FORKS = 0


class Keeper:
    """One daemon thread per process with its own event loop, hosting every client's connection.
    Started by the first client that opens and stopped when the last one closes."""

    _lock = threading.Lock()
    _current: Keeper | None = None

    @classmethod
    def forget_after_fork(cls) -> None:
        """In a forked child: the parent's keeper thread does not exist here; the next client
        starts a keeper of its own."""
        global _FORKS
        _FORKS += 1
        parent = cls._current
        if parent is not None and parent.lowered_to is not None and sys.getswitchinterval() == parent.lowered_to:
            sys.setswitchinterval(PYTHON_SWITCH_INTERVAL)  # the parent's keeper lowered it, not this process
        cls._lock = threading.Lock()
        cls._current = None
        CLOSING.clear()

    def __init__(self) -> None:
        # A Python thread that computes keeps the GIL for the switch interval (5 ms by default)
        # each time the keeper gives it up for a socket call: with a few calls per heartbeat
        # and many connections, answers waited hundreds of ms behind a busy user thread
        # (make bench: blocked_p99_ms). A shorter interval bounds that wait; it is lowered only
        # from Python's default, never raised, and never if the process chose its own.
        # The process gets its own interval back when the keeper stops (release()).
        self.lowered_to: float | None = None  # what getswitchinterval() then reads (in whole µs)
        if sys.getswitchinterval() == PYTHON_SWITCH_INTERVAL:
            sys.setswitchinterval(KEEPER_SWITCH_INTERVAL)
            self.lowered_to = sys.getswitchinterval()
        self.loop: asyncio.AbstractEventLoop = new_loop()
        self.users = 0
        self.stopping = False
        self._forks = _FORKS
        self.thread = threading.Thread(target=run_loop, args=(self.loop,), name="deribit-session-keeper", daemon=True)
        self.thread.start()

    @property
    def inherited(self) -> bool:
        """Whether this process is a fork() child of the one that started this keeper (whose
        thread does not run here). Read on every call: a counter, not a getpid() system call."""
        return self._forks != _FORKS

    @classmethod
    def acquire(cls) -> Keeper:
        with cls._lock:
            if cls._current is None:
                cls._current = Keeper()
            cls._current.users += 1
            return cls._current

    def release(self) -> None:
        with Keeper._lock:
            self.users -= 1
            if self.users > 0:
                return
            if Keeper._current is self:
                Keeper._current = None
            self.stopping = True
            if self.lowered_to is not None and sys.getswitchinterval() == self.lowered_to:
                sys.setswitchinterval(PYTHON_SWITCH_INTERVAL)  # unless the process chose another since
        self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self.thread:
            self.thread.join(5)

    def submit(self, coroutine: Awaitable[Any]) -> concurrent.futures.Future[Any]:
        """Runs ``coroutine`` on the keeper's loop; RuntimeError (the coroutine closed unrun)
        when the loop has stopped."""
        try:
            with Keeper._lock:  # (not once release() began to stop the loop: it would never run)
                if self.stopping:
                    raise RuntimeError("the keeper is stopping")
                return asyncio.run_coroutine_threadsafe(coroutine, self.loop)  # type: ignore[arg-type]
        except RuntimeError:
            close = getattr(coroutine, "close", None)
            if close is not None:
                close()
            raise


#: "asyncio" keeps the keeper on asyncio's own loop even where uvloop is installed.
KEEPER_LOOP_ENV = "DERIBIT_KEEPER_LOOP"


def new_loop() -> asyncio.AbstractEventLoop:
    """The keeper's event loop: uvloop's when installed (the ``[uvloop]`` extra), unless
    ``DERIBIT_KEEPER_LOOP=asyncio`` asks for asyncio's own."""
    if os.environ.get(KEEPER_LOOP_ENV) != "asyncio":
        try:
            import uvloop  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            pass
        else:
            return uvloop.new_event_loop()  # type: ignore[no-any-return,unused-ignore]
    return asyncio.new_event_loop()


def run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """A background thread's body: run ``loop`` until stopped, then finalize and close it."""
    asyncio.set_event_loop(loop)
    loop.run_forever()
    loop.run_until_complete(_settle_leftovers())
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


async def _settle_leftovers() -> None:
    """Work handed to a loop as it stopped still gets an outcome: what was scheduled runs its
    first step (an open() that lost a race to close() fails at once instead of never being
    answered), then every task left is cancelled and awaited."""
    await asyncio.sleep(0)
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class Callbacks:
    """A thread with an event loop of its own, where user callbacks (sync or async) run, one
    after another in the order they were scheduled; an exception is logged and handed to
    ``report(role, callback, error)`` (which logs it), never lost."""

    def __init__(self, name: str, report: Callable[[str, Callback, BaseException], None]) -> None:
        self.report = report
        self.loop = asyncio.new_event_loop()
        self._tail: asyncio.Future[Any] | None = None
        self.thread = threading.Thread(target=run_loop, args=(self.loop,), name=f"deribit-session-{name}", daemon=True)
        self.thread.start()

    def run(self, role: str, callback: Callback, *args: Any) -> concurrent.futures.Future[Any]:
        async def invoke() -> Any:
            previous, self._tail = self._tail, asyncio.current_task()
            if previous is not None:
                await asyncio.gather(previous, return_exceptions=True)  # in order, even for async handlers
            result = callback(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        future = asyncio.run_coroutine_threadsafe(invoke(), self.loop)
        future.add_done_callback(log_callback_error(role, callback, self.report))
        return future

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self.thread:
            self.thread.join(5)


CLOSING: set[Any] = set()  # tasks that must not be garbage-collected before they finish
os.register_at_fork(after_in_child=Keeper.forget_after_fork)


class Waiter(Token):
    """A sync caller's token: the keeper leaves the answer (or the error) and releases the
    caller, who waits on a lock (lighter than a future's condition)."""

    __slots__ = ("_lock",)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._lock.acquire()

    def settle(self, message: dict[str, Any] | None, error: BaseException | None) -> None:
        if self.settled:
            return
        self.message, self.error, self.settled = message, error, True
        self._lock.release()

    def wait(self, timeout: float | None) -> dict[str, Any]:
        """The answer; raises the error it was settled with, or TimeoutError."""
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            raise TimeoutError
        if self.error is not None:
            raise self.error
        assert self.message is not None
        return self.message


def log_callback_error(
    role: str, callback: Callback, report: Callable[[str, Callback, BaseException], None]
) -> Callable[[concurrent.futures.Future[Any]], None]:
    def check(future: concurrent.futures.Future[Any]) -> None:
        if not future.cancelled() and (error := future.exception()) is not None:
            report(role, callback, error)  # (the report logs it, secrets masked, and tells on_error)

    return check
