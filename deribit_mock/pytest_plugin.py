"""A pytest plugin for downstream teams: the mock exchange as a fixture.

Installed with ``pip install "deribit-session-client[testing]"`` and loaded by pytest through
the ``pytest11`` entry point. ``deribit_mock`` is one mock exchange process per test session
(on a free loopback port), reset before each test that uses it::

    def test_my_strategy_survives_a_drop(deribit_mock):
        with WebSocketClient(deribit_mock.ws_url, client_id=deribit_mock.client_id,
                             client_secret=deribit_mock.client_secret,
                             heartbeat_interval=10, cancel_on_disconnect="connection") as ws:
            deribit_mock.drop()
            ...
        assert deribit_mock.events()

``deribit_mock_tls`` is the same over ``https://`` and ``wss://`` with a test CA; its
``ssl_context`` trusts that CA.

Nothing heavy is imported until a test asks for the fixture, so the plugin costs nothing
where the mock's dependencies (the ``testing`` extra) are not installed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .process import DeribitMock, MockServer

__all__ = ["DeribitMock", "deribit_mock", "deribit_mock_tls"]


def __getattr__(name: str) -> Any:
    # DeribitMock lives with MockServer (deribit_mock.process), imported when a test asks for it.
    if name == "DeribitMock":
        from .process import DeribitMock

        return DeribitMock
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CLIENT_ID = "mock-client-id"
CLIENT_SECRET = "mock-client-secret"
ACCESS_TOKEN = "mock-access-token"


#: What the mock server needs beyond the base install: the ``testing`` extra.
_EXTRA_MODULES = ("starlette", "uvicorn", "pydantic")
_INSTALL_HINT = 'pip install "deribit-session-client[testing]"'


def _require_testing_extra() -> None:
    """Fails the asking test (not the whole run) when the mock's dependencies are missing."""
    import importlib.util

    missing = [name for name in _EXTRA_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        pytest.fail(
            f"the deribit_mock fixture needs the mock exchange's dependencies ({', '.join(missing)} missing):"
            f" {_INSTALL_HINT}",
            pytrace=False,
        )


def _serve(tls: bool) -> Iterator[MockServer]:
    _require_testing_extra()
    from .process import start_mock, stop_mock

    env = {
        "DERIBIT_MOCK_CLIENT_ID": CLIENT_ID,
        "DERIBIT_MOCK_CLIENT_SECRET": CLIENT_SECRET,
        "DERIBIT_MOCK_ACCESS_TOKEN": ACCESS_TOKEN,
        **{k: v for k, v in os.environ.items() if k.startswith("DERIBIT_MOCK_")},
    }
    server = start_mock(env, tls=tls)
    yield server
    stop_mock(server)


@pytest.fixture(scope="session")
def _deribit_mock_server() -> Iterator[MockServer]:
    yield from _serve(tls=False)


@pytest.fixture(scope="session")
def _deribit_mock_tls_server() -> Iterator[MockServer]:
    yield from _serve(tls=True)


@pytest.fixture
def deribit_mock(_deribit_mock_server: MockServer) -> DeribitMock:
    """The session's mock exchange, reset for this test (state, faults, time scale, connections)."""
    from .process import DeribitMock

    _deribit_mock_server.reset()
    return DeribitMock(_deribit_mock_server)


@pytest.fixture
def deribit_mock_tls(_deribit_mock_tls_server: MockServer) -> DeribitMock:
    """The same over ``https://`` and ``wss://``, with a test CA made for this session:
    ``ssl_context`` trusts it (``WebSocketClient(..., ssl=...)``, ``Client(..., verify_ssl=...)``)."""
    from .process import DeribitMock

    _deribit_mock_tls_server.reset()
    return DeribitMock(_deribit_mock_tls_server)
