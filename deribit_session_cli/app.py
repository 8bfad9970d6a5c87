"""The ``deribit-session`` commands, for the people who run the session-management API.

``status`` (is it reachable, who am I, is cancel-on-disconnect on), ``cod get|enable|disable``
(the account's default, over HTTP as the exchange allows), ``watch`` (a live WebSocket session:
each heartbeat answered, each reconnect and what was restored) and ``mock`` (the mock exchange).
Installed with ``pip install "deribit-session-client[cli]"`` (click and rich).

Exit codes: 0 success, 2 usage, 3 authentication refused, 4 exchange unreachable, 5 exchange
error. Credentials come from ``DERIBIT_CLIENT_ID`` and ``DERIBIT_CLIENT_SECRET`` (or
``--client-secret-file``), never from an argument: it would show in ``ps``.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import urlsplit

import click

from deribit_session_client import AuthenticatedClient, Client, WebSocketClient
from deribit_session_client.errors import APIConnectionError, AuthenticationError, DeribitError

__all__ = ["cli", "run"]

TESTNET = "https://test.deribit.com"
PRODUCTION = "https://www.deribit.com"
OK, USAGE, AUTH_REFUSED, UNREACHABLE, EXCHANGE_ERROR = 0, 2, 3, 4, 5


@dataclass
class Context:
    base: str
    json: bool
    timeout: float
    secret_file: str | None
    #: Every secret this run knows: masked in whatever it prints (a server may quote one).
    secrets: list[str] = field(default_factory=list)

    @property
    def api_url(self) -> str:
        return self.base + "/api/v2"

    @property
    def ws_url(self) -> str:
        return ("wss" if self.base.startswith("https") else "ws") + self.base[self.base.index(":") :] + "/ws/api/v2"

    def credentials(self) -> tuple[str, str]:
        client_id = os.environ.get("DERIBIT_CLIENT_ID")
        if not client_id:
            raise click.UsageError("DERIBIT_CLIENT_ID is not set")
        if self.secret_file is not None:
            try:
                with open(self.secret_file, encoding="utf-8") as file:
                    secret = file.read().strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise click.UsageError(
                    f"the secret file {self.secret_file} cannot be read: {type(exc).__name__}"
                ) from None
            if not secret:
                raise click.UsageError(f"the secret file {self.secret_file} is empty")
        else:
            secret = os.environ.get("DERIBIT_CLIENT_SECRET", "")
            if not secret:
                raise click.UsageError("the secret: set DERIBIT_CLIENT_SECRET or give --client-secret-file")
        self.secrets.append(secret)
        return client_id, secret

    def masked(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def say(self, fields: dict[str, Any], text: str, style: str | None = None) -> None:
        """One result: a JSON object with --json, else a line for people (secrets masked)."""
        if self.json:
            click.echo(self.masked(json.dumps(fields)))
        else:
            _console().print(self.masked(text), highlight=False, markup=False, style=style)


def _console() -> Any:
    from rich.console import Console

    return Console(soft_wrap=True)


class _JsonLogs(logging.Formatter):
    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx

    def format(self, record: logging.LogRecord) -> str:
        return self.ctx.masked(json.dumps({"event": "log", "level": record.levelname, "message": record.getMessage()}))


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
    click.echo(ctx.masked(message), err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="deribit-session-client")
@click.option("--testnet", "network", flag_value="testnet", default=True, help="test.deribit.com (the default).")
@click.option("--production", "network", flag_value="production", help="www.deribit.com: real money.")
@click.option(
    "--url",
    default=None,
    help="Another exchange's base URL (http[s]://host[:port]), e.g. a mock's; default: DERIBIT_API_URL or"
    " DERIBIT_WS_URL when set.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: one JSON object per line.")
@click.option(
    "--timeout",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0, 600, min_open=True),
    help="Seconds for each call, connecting and retries included.",
)
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
    if url is not None and network == "production":
        raise click.UsageError("--production and --url name two exchanges: give one")
    if url is None and network != "production":  # (the variables the docs export for the mock)
        url = _url_from_environment()
    base = (url or (PRODUCTION if network == "production" else TESTNET)).rstrip("/").removesuffix("/api/v2")
    try:
        parsed = urlsplit(base)
        parsed.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError as exc:
        raise click.BadParameter(f"not a URL: {exc}", param_hint="--url") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise click.BadParameter("must be http:// or https:// and a host", param_hint="--url")
    click_ctx.obj = Context(base, as_json, timeout, client_secret_file)
    if as_json:  # (the client's own log lines, a reconnect say, as JSON too)
        handler = logging.StreamHandler()
        handler.setFormatter(_JsonLogs(click_ctx.obj))
        logging.getLogger("deribit_session_client").addHandler(handler)
        logging.getLogger("deribit_session_client").propagate = False


def _url_from_environment() -> str | None:
    """The base URL ``DERIBIT_API_URL`` (or else ``DERIBIT_WS_URL``) names, if either is set."""
    api = os.environ.get("DERIBIT_API_URL")
    if api:
        return api.rstrip("/").removesuffix("/api/v2")
    ws = os.environ.get("DERIBIT_WS_URL")
    if ws:
        scheme, _, rest = ws.rstrip("/").removesuffix("/ws/api/v2").partition("://")
        return {"ws": "http", "wss": "https"}.get(scheme, scheme) + "://" + rest
    return None


def _signature_auth(client: Client, client_id: str, secret: str) -> dict[str, Any]:
    """``public/auth`` with a signature (the secret never crosses the wire): the token's result."""
    from deribit_session_client._core.engine.setup import Credentials  # (the same distribution: its signing rule)
    from deribit_session_client.api.authentication import auth

    params = Credentials(client_id, secret).params(refresh=False, now=time.time())
    assert params is not None
    answer = auth.sync(client=client, **params)
    return answer.result.to_dict()


@cli.command()
@click.pass_obj
def status(ctx: Context) -> None:
    """The server's version and round trip, the token's scope, and the account's
    cancel-on-disconnect setting."""
    from deribit_session_client.api.session_management import get_cancel_on_disconnect
    from deribit_session_client.api.supporting import test

    client_id, secret = ctx.credentials()
    with (
        exit_codes(ctx),
        Client(base_url=ctx.api_url, timeout=ctx.timeout, retry_deadline=ctx.timeout, max_retries=0) as public,
    ):
        test.sync(client=public)  # (the connection opened: the round trip below is the call's alone)
        started = time.perf_counter()
        version = test.sync(client=public).result.version
        rtt_ms = round((time.perf_counter() - started) * 1000, 1)
        token = _signature_auth(public, client_id, secret)
        with AuthenticatedClient.from_client_signature(
            base_url=ctx.api_url,
            client_id=client_id,
            client_secret=secret,
            timeout=ctx.timeout,
            retry_deadline=ctx.timeout,
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
        f"cancel-on-disconnect (account default): {'on' if enabled else 'off'}",
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
                base_url=ctx.api_url,
                client_id=client_id,
                client_secret=secret,
                timeout=ctx.timeout,
                retry_deadline=ctx.timeout,
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
@click.option(
    "--heartbeat",
    default=10.0,
    show_default=True,
    type=click.FloatRange(10, 3600),
    help="public/set_heartbeat interval, seconds (>= 10).",
)
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
    with exit_codes(ctx):
        try:
            client.open()  # (Ctrl-C here: KeyboardInterrupt, the client closed, exit 130)
        except BaseException:
            client.close()
            raise
        signal.signal(signal.SIGINT, lambda *_: stop.set())
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            watcher.watch(client, stop)
        finally:
            client.close()
    watcher.summary(client)
    if watcher.stopped and watcher.failure is not None:  # it stopped by itself
        fail(ctx, AUTH_REFUSED if isinstance(watcher.failure, AuthenticationError) else EXCHANGE_ERROR, watcher.failure)


@cli.command()
@click.option("--port", default=8000, show_default=True, help="Port to listen on (127.0.0.1).")
@click.option("--tls", is_flag=True, help="https:// and wss:// with a test CA (its path is printed).")
@click.option(
    "--realistic", is_flag=True, help="Answer 10030 to WebSocket-only methods over HTTP, as the exchange does."
)
def mock(port: int, tls: bool, realistic: bool) -> None:
    """Run the mock exchange (needs the [testing] extra)."""
    import importlib.util

    missing = [
        name for name in ("starlette", "uvicorn", "pydantic", "trustme") if importlib.util.find_spec(name) is None
    ]
    if missing:
        raise click.UsageError(
            f'the mock needs the [testing] extra: pip install "deribit-session-client[testing]" ({", ".join(missing)} missing)'
        )
    from deribit_mock.__main__ import main as run_mock

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise click.UsageError(f"port {port} is in use") from None
    sys.argv = [
        "deribit_mock",
        "--port",
        str(port),
        *(["--tls"] if tls else []),
        *(["--realistic"] if realistic else []),
    ]
    try:
        run_mock()
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise click.UsageError(f"the mock could not start (exit {exc.code})") from None


#: The options of the command line as a whole: accepted after a command too (``status --json``).
_GLOBAL_FLAGS = {"--json", "--testnet", "--production"}
_GLOBAL_VALUES = {"--url", "--timeout", "--client-secret-file"}


def global_options_first(args: list[str]) -> list[str]:
    """``args`` with the global options that come after the command moved before it (click
    reads them only there); a ``--`` ends the options, as usual."""
    moved: list[str] = []
    rest: list[str] = []
    command_seen = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if command_seen and (arg in _GLOBAL_FLAGS or name in _GLOBAL_VALUES):
            takes_value = name in _GLOBAL_VALUES and "=" not in arg
            moved += args[i : i + (2 if takes_value else 1)]
            i += 2 if takes_value else 1
            continue
        if not command_seen and not arg.startswith("-"):
            command_seen = True
        elif not command_seen and arg in _GLOBAL_VALUES:  # a global option's value is no command
            rest += args[i : i + 2]
            i += 2
            continue
        rest.append(arg)
        i += 1
    return moved + rest


def run() -> None:
    """The command line: click's usage errors as exit 2 (as JSON with --json), Ctrl-C as 130."""
    args = global_options_first(sys.argv[1:])
    as_json = "--json" in args
    try:
        cli.main(args=args, prog_name="deribit-session", standalone_mode=False)
    except click.ClickException as exc:
        if as_json:
            click.echo(json.dumps({"error": type(exc).__name__, "message": exc.format_message()}), err=True)
        else:
            exc.show()
        sys.exit(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo(json.dumps({"error": "Interrupted"}) if as_json else "interrupted", err=True)
        sys.exit(130)
