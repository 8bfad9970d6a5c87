"""The liveness lease on the keeper's loop: heartbeats are answered, calls go out and a lost
connection is replaced only while the program renewed it in time (WebSocketClient(lease=...))."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from ..errors import DeribitError, LeaseExpiredError

__all__ = ["Lease"]

logger = logging.getLogger("deribit_session_client")


class Lease:
    """Whether the program is still alive, as its renewals say (``remaining``: seconds left, or
    None without a lease). Each lapse is reported once: at ERROR and through ``report``."""

    def __init__(
        self, seconds: float | None, remaining: Callable[[], float | None], report: Callable[[DeribitError], None]
    ) -> None:
        self.seconds = seconds
        self.remaining = remaining
        self.report = report
        self.reported = False

    def holds(self) -> bool:
        """Whether the lease (if any) still holds; when it has just lapsed, says so (once per lapse)."""
        remaining = self.remaining()
        if remaining is None or remaining > 0:
            self.reported = False
            return True
        if not self.reported:
            self.reported = True
            error = self.error()
            logger.error("%s", error)
            self.report(error)
        return False

    def error(self) -> LeaseExpiredError:
        return LeaseExpiredError(
            f"renew() was not called within the {self.seconds} s lease: heartbeats are no longer"
            " answered and calls are refused; the exchange will close the connection (cancel-on-disconnect"
            " fires), and the client reconnects after the next renew()"
        )

    async def watch(self) -> None:
        """Reports the lapse when it happens, not when the next test_request comes (a busy
        connection gets none), and so stops calls going out on it."""
        while True:
            remaining = self.remaining()
            if remaining is None:
                return
            self.holds()  # (reports a lapse once; a renew() makes the next one reported again)
            await asyncio.sleep(remaining if remaining > 0 else 0.05)

    async def renewed(self, stopped: Callable[[], bool]) -> None:
        """Returns once the lease holds (at once if it does), or the session stopped: no
        reconnect while it is lapsed."""
        if self.holds():  # (a lapse is reported here, if nothing did yet)
            return
        logger.warning("The liveness lease has lapsed: no reconnect until renew() is called")
        while not stopped():
            if self.holds():
                return
            await asyncio.sleep(0.05)
