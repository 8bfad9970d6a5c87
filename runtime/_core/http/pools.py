"""The HTTP clients' connection pools: one sync pool per client family, one async pool per
event loop (closed when that loop shuts down)."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    import asyncio


logger = logging.getLogger("deribit_session_client")


class Pools:
    """The httpx clients (connection pools) of a client and the clones ``with_options()`` makes.

    An async pool is kept per event loop: an ``httpx.AsyncClient`` cannot outlive the loop it
    was used on. ``depth`` counts the ``with`` blocks open on the client and its clones; when
    the last one ends, the pools close.
    """

    __slots__ = ("__weakref__", "async_", "depth", "lock", "owner", "sync", "sync_external")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.owner: weakref.ref[object] | None = None  # (the client that made them)
        self.sync: httpx.Client | None = None
        self.sync_external = False
        self.async_: list[AsyncPool] = []
        self.depth = 0

    def take_sync(self) -> httpx.Client | None:
        """Forget the sync pool; returns it when it is this package's to close."""
        with self.lock:
            pool, external = self.sync, self.sync_external
            self.sync, self.sync_external = None, False
        return None if external else pool

    def take_async(self) -> list[AsyncPool]:
        """Forget the async pools; returns those that are this package's to close."""
        with self.lock:
            taken, self.async_ = self.async_, []
        return [p for p in taken if not p.external]


CLOSING: set[Any] = set()  # tasks closing replaced pools (kept referenced until done)


async def close_at_loop_shutdown(client: httpx.AsyncClient) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await client.aclose()


class AsyncPool:
    """One event loop's ``httpx.AsyncClient``.

    A pool this package made closes itself when its loop shuts down: ``asyncio.run()`` (and
    pytest-asyncio) close every async generator of the loop before closing it, and the pool
    keeps one open whose ``finally`` closes the pool, on the loop, while it still runs.
    """

    __slots__ = ("client", "closer", "external", "loop", "tracker")

    def __init__(self, loop: asyncio.AbstractEventLoop, client: httpx.AsyncClient, external: bool) -> None:
        self.loop = weakref.ref(loop)
        self.client = client
        self.external = external
        if external:
            self.tracker = None
        else:
            from .network import install_async_tracking  # httpcore: loaded with the first pool

            self.tracker = install_async_tracking(client)
        self.closer: Any = None
        if not external:
            self.closer = close_at_loop_shutdown(client)
            task = loop.create_task(self.closer.__anext__())  # starts it: the loop now tracks it
            CLOSING.add(task)
            task.add_done_callback(CLOSING.discard)

    def dispose(self) -> None:
        """Close this pool from outside its loop: through the loop while it runs, else at the OS level."""
        import asyncio

        loop = self.loop()
        if loop is not None and not loop.is_closed() and loop.is_running():
            asyncio.run_coroutine_threadsafe(self.client.aclose(), loop)
        elif self.tracker is not None:
            self.tracker.close_sockets()
