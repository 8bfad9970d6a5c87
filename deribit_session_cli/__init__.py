"""``deribit-session``: the session-management API from a shell, for the people who run it.

``status`` (is it reachable, who am I, is cancel-on-disconnect on), ``cod get|enable|disable``
(the account's default, over HTTP as the exchange allows), ``watch`` (a live WebSocket session:
each heartbeat answered, each reconnect and what was restored) and ``mock`` (the mock exchange).
Installed with ``pip install "deribit-session-client[cli]"`` (click and rich).

Exit codes: 0 success, 2 usage, 3 authentication refused, 4 exchange unreachable, 5 exchange
error. Credentials come from ``DERIBIT_CLIENT_ID`` and ``DERIBIT_CLIENT_SECRET`` (or
``--client-secret-file``), never from an argument: it would show in ``ps``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

import click

from deribit_session_client import AuthenticatedClient, Client, WebSocketClient
from deribit_session_client.errors import APIConnectionError, AuthenticationError, DeribitError

__all__ = ["main"]

TESTNET = "https://test.deribit.com"
PRODUCTION = "https://www.deribit.com"
OK, USAGE, AUTH_REFUSED, UNREACHABLE, EXCHANGE_ERROR = 0, 2, 3, 4, 5


@dataclass
class Context:
    base: str
    json: bool
    timeout: float
    secret_file: str | None

    @property
    def api_url(self) -> str:
        return self.base + "/api/v2"

    @property
    def ws_url(self) -> str:
        return ("wss" if self.base.startswith("https") else "ws") + self.base[self.base.index(":") :] + "/ws/api/v2"

    def credentials(self) -> tuple[str, str]:
        client_id = os.environ.get("DERIBIT_CLIENT_ID")
        if self.secret_file is not None:
            with open(self.secret_file, encoding="utf-8") as file:
                secret: str | None = file.read().strip()
        else:
            secret = os.environ.get("DERIBIT_CLIENT_SECRET")
        if not client_id or not secret:
            raise click.UsageError(
                "credentials: set DERIBIT_CLIENT_ID, and DERIBIT_CLIENT_SECRET or --client-secret-file"
            )
        return client_id, secret

    def say(self, fields: dict[str, Any], text: str) -> None:
        """One result: a JSON object with --json, else a line for people (rich markup)."""
        if self.json:
            click.echo(json.dumps(fields))
        else:
            _console().print(text, highlight=False)


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=True)


@contextmanager
def exit_codes(ctx: Context) -> Iterator[None]:
    """Each failure as its exit code, its message (the package keeps secrets out of it) on stderr."""
    try:
        yield
    except AuthenticationError as exc:
        fail(ctx, AUTH_REFUSED, exc)
    except APIConnectionError as exc:  # (timeouts too)
        fail(ctx, UNREACHABLE, exc)
    except DeribitError as exc:
        fail(ctx, EXCHANGE_ERROR, exc)


def fail(ctx: Context, code: int, exc: DeribitError) -> NoReturn:
    message = json.dumps({"error": type(exc).__name__, "message": str(exc)}) if ctx.json else f"error: {exc}"
    click.echo(message, err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--testnet", "network", flag_value="testnet", default=True, help="test.deribit.com (the default).")
@click.option("--production", "network", flag_value="production", help="www.deribit.com: real money.")
@click.option("--url", default=None, help="Another exchange's base URL (http[s]://host[:port]), a mock's say.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: one JSON object per line.")
@click.option("--timeout", default=5.0, show_default=True, help="Seconds to connect and for each call.")
@click.option("--client-secret-file", type=click.Path(exists=True, dir_okay=False), help="Read the secret here.")
@click.pass_context
def cli(
    click_ctx: click.Context,
    network: str,
    url: str | None,
    as_json: bool,
    timeout: float,
    client_secret_file: str | None,
) -> None:
    """Deribit session management from a shell. The default exchange is TESTNET, not
    production (--production to change it). Credentials: DERIBIT_CLIENT_ID and
    DERIBIT_CLIENT_SECRET, or --client-secret-file; never an argument.

    Exit codes: 0 success, 2 usage, 3 authentication refused, 4 exchange unreachable,
    5 exchange error."""
    base = (url or (PRODUCTION if network == "production" else TESTNET)).rstrip("/").removesuffix("/api/v2")
    if not base.startswith(("http://", "https://")):
        raise click.BadParameter("must start with http:// or https://", param_hint="--url")
    click_ctx.obj = Context(base, as_json, timeout, client_secret_file)


def _signature_auth(client: Client, client_id: str, secret: str) -> dict[str, Any]:
    """``public/auth`` with a signature (the secret never crosses the wire): the token's result."""
    from deribit_session_client.api.authentication import auth

    timestamp, nonce = int(time.time() * 1000), secrets.token_hex(8)
    signature = hmac.new(secret.encode(), f"{timestamp}\n{nonce}\n".encode(), hashlib.sha256).hexdigest()
    answer = auth.sync(
        client=client,
        grant_type="client_signature",
        client_id=client_id,
        timestamp=timestamp,
        nonce=nonce,
        data="",
        signature=signature,
    )
    return answer.result.to_dict()


@cli.command()
@click.pass_obj
def status(ctx: Context) -> None:
    """The server's version and round trip, the token's scope, and the account's
    cancel-on-disconnect setting."""
    from deribit_session_client.api.session_management import get_cancel_on_disconnect
    from deribit_session_client.api.supporting import test

    client_id, secret = ctx.credentials()
    with exit_codes(ctx), Client(base_url=ctx.api_url, timeout=ctx.timeout, max_retries=0) as public:
        test.sync(client=public)  # (the connection opened: the round trip below is the call's alone)
        started = time.perf_counter()
        version = test.sync(client=public).result.version
        rtt_ms = round((time.perf_counter() - started) * 1000, 1)
        token = _signature_auth(public, client_id, secret)
        with AuthenticatedClient.from_client_signature(
            base_url=ctx.api_url, client_id=client_id, client_secret=secret, timeout=ctx.timeout
        ) as private:
            enabled = get_cancel_on_disconnect.sync(client=private, scope="account").result.enabled
    fields = {
        "url": ctx.base,
        "version": version,
        "round_trip_ms": rtt_ms,
        "scope": token.get("scope"),
        "cancel_on_disconnect": enabled,
    }
    ctx.say(
        fields,
        f"{ctx.base}: version {version}, round trip {rtt_ms} ms\n"
        f"token scope: {token.get('scope')}\n"
        f"cancel-on-disconnect (account default): {'[green]on[/]' if enabled else '[red]off[/]'}",
    )


@cli.group()
def cod() -> None:
    """The account's cancel-on-disconnect default (over HTTP, as the exchange allows)."""


def _cod(action: str, scope: str) -> Callable[[Context], None]:
    def run(ctx: Context) -> None:
        from deribit_session_client.api.session_management import (
            disable_cancel_on_disconnect,
            enable_cancel_on_disconnect,
            get_cancel_on_disconnect,
        )

        if scope == "connection":
            raise click.UsageError(
                "--scope connection lasts as long as one connection, and this command's ends as it "
                "exits: use the account scope (the default), or WebSocketClient(cancel_on_disconnect=...)"
            )
        client_id, secret = ctx.credentials()
        with (
            exit_codes(ctx),
            AuthenticatedClient.from_client_signature(
                base_url=ctx.api_url, client_id=client_id, client_secret=secret, timeout=ctx.timeout
            ) as client,
        ):
            if action != "get":
                operation = enable_cancel_on_disconnect if action == "enable" else disable_cancel_on_disconnect
                operation.sync(client=client, scope="account")
            enabled = get_cancel_on_disconnect.sync(client=client, scope="account").result.enabled
        ctx.say(
            {"scope": "account", "cancel_on_disconnect": enabled},
            f"cancel-on-disconnect (account default): {'on' if enabled else 'off'}",
        )

    return run


for _action in ("get", "enable", "disable"):

    def _command(ctx: Context, scope: str, action: str = _action) -> None:
        _cod(action, scope)(ctx)

    cod.command(name=_action, help=f"{_action.capitalize()} the account's cancel-on-disconnect default.")(
        click.option(
            "--scope",
            type=click.Choice(["account", "connection"]),
            default="account",
            show_default=True,
            help="Only account makes sense for a command that exits.",
        )(click.pass_obj(_command))
    )


@cli.command()
@click.option("--heartbeat", default=10.0, show_default=True, help="public/set_heartbeat interval, seconds (>= 10).")
@click.option("--cancel-on-disconnect", is_flag=True, help="Enable it for this connection (and each reconnect).")
@click.pass_obj
def watch(ctx: Context, heartbeat: float, cancel_on_disconnect: bool) -> None:
    """Hold a WebSocket session and show each test_request answered (with its latency) and
    each reconnect (its cause, the state restored), until Ctrl-C: then a summary."""
    from .watch import Watcher

    client_id, secret = ctx.credentials()
    restored = {"heartbeat_interval": heartbeat, "cancel_on_disconnect": cancel_on_disconnect}
    watcher = Watcher(ctx.say, restored)
    client = WebSocketClient(
        ctx.ws_url,
        client_id=client_id,
        client_secret=secret,
        heartbeat_interval=heartbeat,
        cancel_on_disconnect="connection" if cancel_on_disconnect else None,
        connect_timeout=ctx.timeout,
        on_reconnect=watcher.reconnected,
        on_error=watcher.error,
    )
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with exit_codes(ctx):
        client.open()
        try:
            watcher.watch(client, stop)
        finally:
            client.close()
    watcher.summary(client)


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port to listen on (127.0.0.1).")
@click.option("--tls", is_flag=True, help="https:// and wss:// with a test CA (its path is printed).")
def mock(port: int, tls: bool) -> None:
    """Run the mock exchange (needs the [testing] extra)."""
    try:
        from deribit_mock.__main__ import main as run_mock
    except ImportError as exc:
        raise click.UsageError(
            f'the mock needs the [testing] extra: pip install "deribit-session-client[testing]" ({exc.name} missing)'
        ) from None
    sys.argv = ["deribit_mock", "--port", str(port), *(["--tls"] if tls else [])]
    run_mock()


def main() -> None:
    """The console script."""
    cli(prog_name="deribit-session")
