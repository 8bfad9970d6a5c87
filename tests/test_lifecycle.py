"""The WebSocket session's lifecycle (sans-I/O): every transition from every state, the legal
ones and the refused ones, and what ``stats["state"]`` reports for each state."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from deribit_session_client._core.engine.lifecycle import Lifecycle, LifecycleError, State

BUG = RuntimeError("a bug")

#: transition -> (the states it starts from, where it goes)
TRANSITIONS: dict[str, tuple[set[State], State | None]] = {
    "open": ({State.CLOSED}, State.CONNECTING),
    "connected": ({State.CONNECTING, State.RECONNECTING}, State.AUTHENTICATING),
    "authenticated": ({State.AUTHENTICATING}, State.RESTORING),
    "restored": ({State.RESTORING}, State.READY),
    "lost": ({State.AUTHENTICATING, State.RESTORING, State.READY, State.RECONNECTING}, State.RECONNECTING),
    "logged_out": ({State.READY, State.RESTORING}, State.LOGGED_OUT),
    "fail": (
        {State.CONNECTING, State.AUTHENTICATING, State.RESTORING, State.READY, State.RECONNECTING},
        State.FAILED,
    ),
    "close": (set(State), State.CLOSED),
}


def at(state: State, *, ever_ready: bool = True) -> Lifecycle:
    life = Lifecycle()
    life.state = state
    life.ever_ready = ever_ready
    return life


def move(life: Lifecycle, transition: str) -> None:
    step: Callable[..., None] = getattr(life, transition)
    if transition == "fail":
        step(BUG)
    else:
        step()


CASES = [(t, s) for t in TRANSITIONS for s in State]


@pytest.mark.parametrize(("transition", "start"), CASES, ids=[f"{t}-from-{s.name}" for t, s in CASES])
def test_each_transition_from_each_state(transition: str, start: State) -> None:
    life = at(start)
    allowed, target = TRANSITIONS[transition]
    if start in allowed:
        move(life, transition)
        assert life.state is target
    else:
        with pytest.raises(LifecycleError, match=f"from {start.name}"):
            move(life, transition)
        assert life.state is start  # a refused transition changes nothing


def test_a_whole_life_reports_what_stats_show() -> None:
    life = Lifecycle()
    seen = [life.public]
    for transition in ("open", "connected", "authenticated", "restored", "lost", "connected", "authenticated"):
        move(life, transition)
        seen.append(life.public)
    move(life, "restored")
    seen.append(life.public)
    move(life, "fail")
    seen.append(life.public)
    assert life.error is BUG and life.stopped
    move(life, "close")
    seen.append(life.public)
    assert seen == [
        "closed",
        "connecting",
        "connecting",
        "connecting",
        "ready",
        "reconnecting",
        "reconnecting",
        "reconnecting",
        "ready",
        "failed",
        "closed",
    ]


def test_there_is_no_reconnect_before_the_first_connection_was_ready() -> None:
    life = Lifecycle()
    life.open()
    life.connected()
    with pytest.raises(LifecycleError, match="before the first connection was ready"):
        life.lost()
    life.close()
    assert life.state is State.CLOSED


def test_a_new_life_forgets_the_last_ones_error_and_readiness() -> None:
    life = at(State.READY)
    life.fail(BUG)
    life.close()
    life.open()
    assert (life.state, life.error, life.ever_ready, life.public) == (State.CONNECTING, None, False, "connecting")


def test_logged_out_shows_as_closed_and_never_reconnects() -> None:
    life = at(State.READY)
    life.logged_out()
    assert life.public == "closed" and life.stopped
    with pytest.raises(LifecycleError):
        life.lost()
