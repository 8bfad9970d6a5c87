"""httpcore network backends for the connection pools the clients make.

- Sync: every connect, read and write is bounded by the current attempt's deadline (kept
  per thread), so a server that drips its headers one byte at a time cannot hold a call past
  its timeout: httpx alone bounds each read, not the whole.
- Async: the sockets are remembered, so that a pool left behind by an event loop that has
  closed (each ``asyncio.run()`` is a new loop) can still have its sockets closed.

They are installed through httpcore's public ``network_backend`` interface, on the pool of
httpx's default transport; a transport a user supplies is left alone. Imported when the first
pool is made, so that importing the package does not load httpcore.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import httpcore

from .deadline import cap as _cap

__all__ = ["install_async_tracking", "install_sync_deadlines"]


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _cap(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:  # (h11 hands over an empty body and an empty end of message: nothing to bound)
            self._inner.write(buffer, _cap(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None) -> Any:
        inner = self._inner.start_tls(ssl_context, server_hostname, _cap(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _cap(timeout, httpcore.ConnectTimeout), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, _cap(timeout, httpcore.ConnectTimeout), socket_options)
        return _DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _TrackingBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner
        self.streams: weakref.WeakSet[httpcore.AsyncNetworkStream] = weakref.WeakSet()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        self.streams.add(stream)
        return stream

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(path, timeout, socket_options)
        self.streams.add(stream)
        return stream

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

    def close_sockets(self) -> None:
        """Close every socket at the OS level (for a pool whose event loop has closed)."""
        for stream in list(self.streams):
            sock = stream.get_extra_info("socket")
            # asyncio hands out a TransportSocket view; the socket itself is behind it.
            sock = getattr(sock, "_sock", sock)
            if sock is not None and hasattr(sock, "close"):
                try:
                    sock.close()
                except OSError:
                    pass


def _pool_of(client: Any) -> Any:
    transport = getattr(client, "_transport", None)
    pool = getattr(transport, "_pool", None)
    return pool if pool is not None and hasattr(pool, "_network_backend") else None


def install_sync_deadlines(client: Any) -> None:
    """Bound ``client``'s (an ``httpx.Client`` this package made) network operations by
    :class:`.deadline.attempt_deadline`."""
    pool = _pool_of(client)
    if pool is not None and isinstance(pool._network_backend, httpcore.NetworkBackend):
        pool._network_backend = _DeadlineBackend(pool._network_backend)


def install_async_tracking(client: Any) -> _TrackingBackend | None:
    """Remember the sockets of ``client`` (an ``httpx.AsyncClient`` this package made)."""
    pool = _pool_of(client)
    if pool is None:
        return None
    backend = _TrackingBackend(pool._network_backend)
    pool._network_backend = backend
    return backend
