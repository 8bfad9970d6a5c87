"""The WebSocket session's token refresh on the keeper's loop: the timer that re-authenticates
before the token expires (the request and the tokens themselves: :class:`~.setup.Credentials`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .errors import AuthenticationError, DeribitError
from .setup import Credentials

if TYPE_CHECKING:
    from .ws_settings import Settings

__all__ = ["Auth"]

logger = logging.getLogger("deribit_session_client")

#: Sends the session's own call: (method, params, bound) -> the answer's envelope.
Request = Callable[[str, dict[str, Any], float | None], Awaitable[dict[str, Any]]]


class Auth:
    """Keeps a connection's token fresh (moved by the keeper's loop only).

    A refresh that fails for the connection's sake (a timeout, a lost answer) replaces the
    connection (``replace``); one the exchange refuses is followed by a fresh authentication,
    and when that is refused too the session cannot go on (``stop``)."""

    def __init__(
        self,
        settings: Settings,
        request: Request,
        alive: Callable[[], bool],
        replace: Callable[[], None],
        stop: Callable[[DeribitError, str], None],
        redacted: Callable[[str], str],
    ) -> None:
        self.settings = settings
        self.credentials = Credentials(
            settings.client_id,
            settings.secret,
            auth_kind=settings.auth_kind,
            scope=settings.scope,
            access_token=settings.access_token,
            min_refresh_interval=settings.min_refresh_interval,
        )
        self.request = request
        self.alive = alive
        self.replace = replace
        self.stop = stop
        self.redacted = redacted
        self.refresher: asyncio.Task[None] | None = None

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """Every secret this session knows, for masking by value."""
        return self.credentials.secrets

    def cancel(self) -> None:
        """No refresh is due any more (the connection is gone, or the session stopped)."""
        if self.refresher is not None and self.refresher is not asyncio.current_task():
            self.refresher.cancel()

    def schedule(self) -> None:
        """The next refresh, when the last answer said the token expires."""
        self.cancel()
        delay = self.credentials.refresh_in
        if delay is not None and self.alive():
            self.refresher = asyncio.create_task(self._refresh_later(delay))

    async def authenticate(self, refresh: bool = False) -> None:
        """Authenticates within the call timeout, keeps the tokens and schedules the next refresh."""
        params = self.credentials.params(refresh, time.time())
        if params is None:
            return
        self.credentials.accept(await self.request("public/auth", params, self.settings.call_timeout))
        self.schedule()

    async def _refresh_later(self, after: float) -> None:
        await asyncio.sleep(after)
        if not self.alive():
            return
        try:
            await self.authenticate(refresh=True)
            logger.info("Access token refreshed")
        except AuthenticationError:
            logger.warning("Refreshing the access token was refused; authenticating again")
            self.credentials.refresh_token = None
            try:
                await self.authenticate()
            except AuthenticationError as exc:
                self.stop(exc, "Refreshing the access token was refused, and so was a new authentication")
        except DeribitError as exc:
            logger.warning(
                "Refreshing the access token failed (%s); the connection will be replaced", self.redacted(str(exc))
            )
            self.replace()
