"""What a session's connection receives, handled on the keeper's loop in the step that parsed
it: answers matched to their calls, each ``test_request`` answered at once, notifications handed
to the callback thread; the connection watched for silence, and its end made a loss."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from .answers import rpc_error
from .errors import APIConnectionError, ResponseValidationError, excerpt
from .notifications import NOTIFICATION_PREFIXES
from .session import Incoming
from .wire import Link

if TYPE_CHECKING:
    from .supervisor import Supervisor

__all__ = ["Reader"]

logger = logging.getLogger("deribit_session_client")


class Reader:
    """Reads for one :class:`~.supervisor.Supervisor` (whose state it moves, on the same loop)."""

    def __init__(self, sup: Supervisor) -> None:
        self.sup = sup
        self.last_frame = 0.0

    async def read(self, conn: Link) -> str:
        """Waits until the connection ends, then fails the calls that waited on it and records
        the loss. Returns the cause."""
        sup = self.sup
        loop = asyncio.get_running_loop()
        self.last_frame = loop.time()
        watchdog = loop.create_task(self._watch(conn))  # one timer, not a timeout per frame
        try:
            cause = await asyncio.shield(conn.ended)
        finally:
            watchdog.cancel()
        was_ready = sup.life.ready
        if was_ready:
            sup.life.lost()  # before any caller is woken: one told of the loss sees it
        failed = sup.out.lost(APIConnectionError(f"the connection was lost: {cause}"))
        if was_ready:
            sup.last_disconnect = {
                "at": time.time(),
                "cause": sup.redacted(cause),
                "calls_failed": failed,
                # connection-scope cancel-on-disconnect as this client set it on that connection
                "cancel_on_disconnect": "cancel_on_disconnect" in sup.session.state,
                "down_s": None,
            }
        return cause

    def on_message(self, conn: Link, raw: str | bytes) -> None:
        """One message, as the connection parsed it: handled, and a test_request answered in
        this same step. Never raises: a frame that cannot be handled is logged, and the
        connection goes on."""
        stats = self.sup.stats
        try:
            self.last_frame = asyncio.get_running_loop().time()
            received = time.perf_counter()  # (uvloop's loop time moves in whole milliseconds)
            if type(raw) is str and raw.startswith(NOTIFICATION_PREFIXES):
                self.sup.callbacks.notification(raw)  # parsed on the notification thread, not here
                return
            frame = self._handle(conn, raw)
            if frame is None or not conn.write(frame):
                return
        except Exception:
            logger.exception("Handling a WebSocket frame failed")
            return
        self.sup.settings.limiter.charge("public/test")  # (it costs credits at the exchange too)
        stats["test_requests_answered"] += 1
        stats["last_test_request_answer_ms"] = round((time.perf_counter() - received) * 1000.0, 3)

    def _hung_limit(self) -> float | None:
        hung_after = self.sup.settings.hung_after
        if hung_after is not None:
            return hung_after
        heartbeat = self.sup.session.state.get("heartbeat")
        if heartbeat is None:
            return None  # nothing is due from the server: the keepalive pings watch the connection
        interval = float(heartbeat[2].get("interval", 0))
        # The server sends a frame every interval; pongs never surface here, so the ping side
        # of "hung" is the transport's keepalive's (no pong within ping_timeout: it fails).
        return 2.0 * interval if interval > 0 else None

    async def _watch(self, conn: Link) -> None:
        """Aborts the connection when nothing arrived for the hung limit (heartbeats on)."""
        loop = asyncio.get_running_loop()
        while True:
            limit = self._hung_limit()
            if limit is None:
                await asyncio.sleep(1.0)
                continue
            silent = loop.time() - self.last_frame
            if silent >= limit:
                conn.abort(f"nothing received for {limit:.1f} s: the server looks hung")
                return
            await asyncio.sleep(limit - silent)

    def _handle(self, conn: Link, raw: str | bytes) -> str | None:
        """Handles one frame; returns the answer to send for a test_request."""
        sup = self.sup
        try:
            incoming = sup.session.receive(raw)
        except ResponseValidationError as exc:
            logger.warning("Dropped a frame that is not JSON-RPC: %s", sup.redacted(str(exc)))
            return None
        kind = incoming.kind
        if kind == "test_request":
            if not sup.lease.holds():
                return None  # the program did not renew its lease: let the exchange end the session
            return sup.session.request("public/test", {}, None)[1]
        self._dispatch(incoming)
        return None

    def _dispatch(self, incoming: Incoming) -> None:
        sup = self.sup
        kind = incoming.kind
        if kind == "answer":
            call = sup.out.answered(incoming.id)
            if call is not None:
                incoming.message["_raw"] = incoming.raw
                if logger.isEnabledFor(logging.DEBUG):
                    logger.debug("WebSocket <- %s id=%d", call.method, incoming.id)
                sup.answered(call, incoming.message)
        elif kind == "internal":
            error = rpc_error(incoming.message)
            if error is not None:
                logger.warning("The server refused the client's own public/test: %s", sup.redacted(str(error)))
        elif kind == "notification":
            sup.callbacks.notification(incoming.message)
        elif kind == "unknown":
            logger.info("Dropped an answer for no pending call (id %s)", sup.redacted(excerpt(repr(incoming.id), 40)))
