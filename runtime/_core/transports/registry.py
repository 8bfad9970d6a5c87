"""The WebSocket transports, in one registry: which library carries a session's frames, and
opening a connection on it. Each transport is a module with ``library_version()`` and
``open_connection(...)`` returning a :class:`~.wire.Link`; adding one is a line here (and its
module), nothing else."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from ..spec.meta import user_agent as default_user_agent

if TYPE_CHECKING:
    from ssl import SSLContext

    from .wire import Link, OnMessage

__all__ = ["TRANSPORTS", "TRANSPORT_ENV", "choose_transport", "open_link"]

#: The environment variable that picks a transport when the client does not.
TRANSPORT_ENV = "DERIBIT_WS_TRANSPORT"


def _picows() -> ModuleType:
    from . import on_picows

    return on_picows


def _websockets() -> ModuleType:
    from . import on_websockets

    return on_websockets


#: Each transport's name -> (its module, imported when first used; the library it needs; the
#: extra that installs it), in the order a client prefers them when several are installed.
TRANSPORTS: dict[str, tuple[Callable[[], ModuleType], str, str | None]] = {
    "picows": (_picows, "picows", "fast"),
    "websockets": (_websockets, "websockets", None),
}


def choose_transport(transport: str | None) -> str:
    """The WebSocket library a client runs on: ``transport`` if given, else the one
    ``DERIBIT_WS_TRANSPORT`` names, else the first of TRANSPORTS installed. ValueError for a
    name not in TRANSPORTS, ImportError for one whose library is not installed."""
    name = transport if transport is not None else os.environ.get(TRANSPORT_ENV) or None
    if name is None:
        return next(n for n, (_, library, _) in TRANSPORTS.items() if importlib.util.find_spec(library) is not None)
    if name not in TRANSPORTS:
        where = "transport" if transport is not None else TRANSPORT_ENV
        raise ValueError(f"{where} must be {' or '.join(map(repr, sorted(TRANSPORTS, reverse=True)))}, not {name!r}")
    _, library, extra = TRANSPORTS[name]
    if importlib.util.find_spec(library) is None:
        raise ImportError(
            f'the {name} transport needs the [{extra}] extra: pip install "deribit-session-client[{extra}]"'
        )
    return name


async def open_link(
    transport: str,
    url: str,
    on_message: OnMessage,
    *,
    connect_timeout: float,
    ping_interval: float | None,
    ping_timeout: float | None,
    max_size: int,
    ssl: SSLContext | None,
    proxy: str | Literal[True] | None,
    user_agent: str | None,
) -> Link:
    """A new connection to ``url`` on ``transport`` (each module imported the first time a
    session uses it: a transport may be an extra)."""
    chosen = TRANSPORTS[transport][0]()
    return await chosen.open_connection(  # type: ignore[no-any-return]
        url,
        on_message=on_message,
        connect_timeout=connect_timeout,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
        max_size=max_size,
        ssl=ssl,
        proxy=proxy,
        user_agent=user_agent or default_user_agent(chosen.library_version()),
    )
