"""Fixtures: one real mock-server process per test worker, on a free loopback port."""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from deribit_mock.process import ROOT, MockServer, start_mock, stop_mock
from deribit_session_client import AuthenticatedClient, Client

pytest_plugins = ["pytester"]  # tests that run pytest on a downstream-style test file

ACCESS_TOKEN = "tok-SECRET-4f9a1c"
CLIENT_ID = "client-7"
CLIENT_SECRET = "csecret-SECRET-88d2e0"

# The suite runs the keeper on asyncio's own loop (as a plain install does) although the dev
# venv has uvloop; tests/test_transports.py runs a session on uvloop in a process of its own.
os.environ.setdefault("DERIBIT_KEEPER_LOOP", "asyncio")


@pytest.fixture(scope="session")
def mock_server() -> Iterator[MockServer]:
    server = start_mock(
        {
            "DERIBIT_MOCK_CLIENT_ID": CLIENT_ID,
            "DERIBIT_MOCK_CLIENT_SECRET": CLIENT_SECRET,
            "DERIBIT_MOCK_ACCESS_TOKEN": ACCESS_TOKEN,
        }
    )
    yield server
    stop_mock(server)


@pytest.fixture
def mock(mock_server: MockServer) -> MockServer:
    """The worker's mock server, reset to a clean state for this test."""
    mock_server.reset()
    return mock_server


FAST_RETRIES: dict[str, Any] = {"initial_retry_delay": 0.01, "max_retry_delay": 0.05}


def credentials(**options: Any) -> dict[str, Any]:
    """WebSocketClient options for the tests' mock (or a scripted server: any credentials do),
    with a fast reconnect backoff; ``options`` add to them or replace them."""
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "initial_retry_delay": 0.02,
        "max_retry_delay": 0.1,
        **options,
    }


@pytest.fixture
def client(mock: MockServer) -> Iterator[Client]:
    with Client(base_url=mock.api_url, **FAST_RETRIES) as c:
        yield c


@pytest.fixture
def auth_client(mock: MockServer) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient(base_url=mock.api_url, token=ACCESS_TOKEN, **FAST_RETRIES) as c:
        yield c


@pytest.fixture
def basic_client(mock: MockServer) -> Iterator[AuthenticatedClient]:
    with AuthenticatedClient.from_client_credentials(
        base_url=mock.api_url, client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **FAST_RETRIES
    ) as c:
        yield c


@pytest.fixture
def scratch() -> Iterator[Path]:
    """An empty folder inside the repository (ruff must read the same configuration as for generated/)."""
    path = ROOT / ".tmp" / f"test-{uuid.uuid4().hex}"
    path.mkdir(parents=True)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def wait_until(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """Polls ``check`` until it returns something true (returned), for at most ``timeout``
    seconds: a generous bound for a loaded machine, never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Names each method of the spec the mock answers only with the spec's example (no handler
    yet), and where its handler goes: the contract tests pass on its shape, not its logic."""
    from deribit_mock.methods import example_only

    missing = sorted(example_only())
    if missing:
        terminalreporter.section("the mock serves these spec methods from their example only")
        for name in missing:
            short = name.split("/", 1)[-1]
            terminalreporter.write_line(
                f"{name}: add its handler to deribit_mock/methods.py:"
                f' @method("{name}", params=..., response=...) def {short}(call: Call) -> ...'
            )
