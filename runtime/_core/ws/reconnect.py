"""When and whether a WebSocketClient connects again: the :class:`Reconnect` policy (a backoff
generator and an is-fatal rule, as websockets' ``connect`` takes them), its defaults written
here once. The keeper's loop that follows it is :func:`~.life.keep_connected`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..errors import DeribitError
from ..retry import backoff, certificate_problem

__all__ = ["DEFAULT_RECONNECT", "Reconnect"]

logger = logging.getLogger("deribit_session_client")


def refused_certificate(error: DeribitError) -> bool:
    """The default is-fatal rule: a server certificate the client refuses (retrying cannot heal it)."""
    return certificate_problem(error) is not None


@dataclass(frozen=True)
class Reconnect:
    """How a lost session connects again.

    Args:
        initial_delay: The wait before the first attempt after a loss (seconds); it doubles
            with each failed attempt, less up to 25 % jitter, up to ``max_delay``.
        max_delay: The longest wait between attempts.
        healthy_after: A connection that lived this long starts the backoff afresh.
        is_fatal: Which failure to connect ends the session instead of being retried.
    """

    initial_delay: float = 0.5
    max_delay: float = 8.0
    healthy_after: float = 10.0
    is_fatal: Callable[[DeribitError], bool] = refused_certificate

    def __post_init__(self) -> None:
        for name in ("initial_delay", "max_delay", "healthy_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"Reconnect {name} must be seconds >= 0")

    def delays(self) -> Iterator[float]:
        """The wait before each attempt of one outage, without end."""
        attempt = 0
        while True:
            yield backoff(attempt, self.initial_delay, self.max_delay)
            attempt += 1


#: What WebSocketClient does unless told otherwise.
DEFAULT_RECONNECT = Reconnect()
