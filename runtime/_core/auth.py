"""The WebSocket session's credentials on the keeper's loop: the ``public/auth`` request (client
credentials or a signature), the tokens it returns, and the timer that refreshes them."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .answers import checked
from .errors import AuthenticationError, DeribitError, ResponseValidationError
from .session import client_signature, refresh_delay

if TYPE_CHECKING:
    from .ws_settings import Settings

__all__ = ["Auth"]

logger = logging.getLogger("deribit_session_client")

#: Sends the session's own call: (method, params, bound) -> the answer's envelope.
Request = Callable[[str, dict[str, Any], float | None], Awaitable[dict[str, Any]]]


class Auth:
    """Authenticates a connection and keeps its token fresh (moved by the keeper's loop only).

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
        self.request = request
        self.alive = alive
        self.replace = replace
        self.stop = stop
        self.redacted = redacted
        self.refresh_token: str | None = None
        #: Kept only to mask it wherever a server might quote it.
        self.access_token: str | None = None
        self.refresher: asyncio.Task[None] | None = None

    @property
    def secrets(self) -> tuple[str | None, ...]:
        """Every secret this session knows, for masking by value."""
        return (self.settings.secret, self.settings.access_token, self.access_token, self.refresh_token)

    def cancel(self) -> None:
        """No refresh is due any more (the connection is gone, or the session stopped)."""
        if self.refresher is not None and self.refresher is not asyncio.current_task():
            self.refresher.cancel()

    def params(self, refresh: bool) -> dict[str, Any] | None:
        """What ``public/auth`` is sent with (None: no credentials, nothing to authenticate)."""
        settings = self.settings
        if settings.secret is None or settings.client_id is None:
            return None
        params: dict[str, Any]
        if refresh and self.refresh_token is not None:
            params = {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        elif settings.auth_kind == "client_credentials":
            params = {
                "grant_type": "client_credentials",
                "client_id": settings.client_id,
                "client_secret": settings.secret,
            }
        else:
            timestamp = int(time.time() * 1000)
            nonce = secrets.token_hex(8)
            params = {
                "grant_type": "client_signature",
                "client_id": settings.client_id,
                "timestamp": timestamp,
                "nonce": nonce,
                "data": "",
                "signature": client_signature(settings.secret, timestamp, nonce),
            }
        if settings.scope and not refresh:
            params["scope"] = settings.scope
        return params

    async def authenticate(self, refresh: bool = False, deadline: float | None = None) -> None:
        """Authenticates (by ``deadline`` on the loop's clock, else within the call timeout),
        keeps the tokens and schedules the next refresh."""
        params = self.params(refresh)
        if params is None:
            return
        loop = asyncio.get_running_loop()
        bound = self.settings.call_timeout if deadline is None else max(deadline - loop.time(), 0.001)
        result = checked(await self.request("public/auth", params, bound))["result"]
        if not isinstance(result, dict) or not isinstance(result.get("access_token"), str):
            raise ResponseValidationError("public/auth answered without an access token")
        renewal = result.get("refresh_token")
        self.refresh_token = renewal if isinstance(renewal, str) else None
        self.access_token = result["access_token"]
        self.cancel()
        delay = refresh_delay(result.get("expires_in"), self.settings.min_refresh_interval)
        if delay is not None and self.alive():
            self.refresher = asyncio.create_task(self._refresh_later(delay))

    async def _refresh_later(self, after: float) -> None:
        await asyncio.sleep(after)
        if not self.alive():
            return
        try:
            await self.authenticate(refresh=True)
            logger.info("Access token refreshed")
        except AuthenticationError:
            logger.warning("Refreshing the access token was refused; authenticating again")
            self.refresh_token = None
            try:
                await self.authenticate()
            except AuthenticationError as exc:
                self.stop(exc, "Refreshing the access token was refused, and so was a new authentication")
        except DeribitError as exc:
            logger.warning(
                "Refreshing the access token failed (%s); the connection will be replaced", self.redacted(str(exc))
            )
            self.replace()
