"""The WebSocket transports, in one registry: which library carries a session's frames, and
opening a connection on it. Each transport is a module with ``library_version()`` and
``open_connection(...)`` returning a :class:`~.wire.Link`; adding one is a line here (and its
module), nothing else."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from .meta import user_agent

if TYPE_CHECKING:
    from .wire import Link, OnMessage
    from .ws_settings import Settings

__all__ = ["TRANSPORTS", "TRANSPORT_ENV", "choose_transport", "open_link"]

#: The environment variable that picks a transport when the client does not.
TRANSPORT_ENV = "DERIBIT_WS_TRANSPORT"


def _picows() -> ModuleType:
    from . import transport_picows

    return transport_picows


def _websockets() -> ModuleType:
    from . import transport

    return transport


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


async def open_link(settings: Settings, on_message: OnMessage) -> Link:
    """A new connection for a session with these settings, on its transport (each module
    imported the first time a session uses it: a transport may be an extra)."""
    chosen = TRANSPORTS[settings.transport][0]()
    return await chosen.open_connection(  # type: ignore[no-any-return]
        settings.url,
        on_message=on_message,
        connect_timeout=settings.connect_timeout,
        ping_interval=settings.ping_interval,
        ping_timeout=settings.ping_timeout,
        max_size=settings.max_message_bytes,
        ssl=settings.ssl,
        proxy=settings.proxy,
        user_agent=settings.user_agent or user_agent(chosen.library_version()),
    )


# Copied from runtime/_core/transports.py by make generate. Do not edit here: edit runtime/_core/transports.py.
