"""The JSON-RPC session of one WebSocket client, apart from any socket (sans-I/O).

It numbers requests, matches answers to them, tells heartbeats and notifications apart, and
keeps the connection state that must be put back on every new connection (which methods set
what is declared in the spec, ``x-connection-state``). :class:`~.protocol.SessionProtocol`
drives it; everything here is testable without a network.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import threading
from collections.abc import Mapping
from typing import Any

from ..errors import InvalidParamsError, ResponseValidationError

__all__ = ["MAX_FRAME_BYTES", "Incoming", "RpcSession", "client_signature", "refresh_delay", "seconds"]

#: A call's bound, as over HTTP (also what bounds a setup when calls have no bound).
DEFAULT_TIMEOUT = 10.0
#: The share of ``expires_in`` after which the access token is refreshed.
REFRESH_AT = 0.8
#: The shortest wait before a refresh, whatever ``expires_in`` the server gave (0.001 made a
#: refresh storm): by default at most six re-authentications a minute.
MIN_REFRESH_INTERVAL = 10.0

#: The exchange refuses a frame over 32 kB (-32600); the client refuses to send one.
MAX_FRAME_BYTES = 32 * 1024
#: The most a restored set's items take in one call (the rest of the frame: method, id, token).
SET_CHUNK_BYTES = 24 * 1024

_MISSING = object()
#: ``public/test``'s request, encoded once: every test_request is answered with it.
_TEST_TAIL = '"method": "public/test", "params": {}'

#: The encoder of every call (json.dumps with an option makes an encoder per call).
_ENCODE = json.JSONEncoder(allow_nan=False).encode


def refresh_delay(expires_in: Any, floor: float = MIN_REFRESH_INTERVAL) -> float | None:
    """Seconds until the token is refreshed: ``REFRESH_AT`` of a positive, finite
    ``expires_in``, never less than ``floor``; None (no refresh) for anything else."""
    if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)):
        return None
    try:
        seconds = float(expires_in)
    except OverflowError:  # an integer beyond any float: a lifetime past any refresh
        return None
    if not (math.isfinite(seconds) and seconds > 0):
        return None
    return max(seconds * REFRESH_AT, floor)


def seconds(value: Any, name: str) -> float | None:
    """A bound in seconds: None (no limit) for None, infinity, or more than any timer takes;
    InvalidParamsError (before anything is sent) for what is not positive seconds."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:  # (NaN is not > 0)
        raise InvalidParamsError.client_side(param=name, reason="must be positive seconds or None")
    return None if value >= threading.TIMEOUT_MAX else float(value)


def with_access_token(method: str, params: dict[str, Any], token: str | None) -> dict[str, Any]:
    """``params`` of a private method with the client's access token added (a client that
    authenticates with a token only sends it with each private call)."""
    if token and method.startswith("private/") and "access_token" not in params:
        return {**params, "access_token": token}
    return params


def chunked(items: list[str]) -> list[list[str]]:
    """``items`` in runs that each fit in one request frame (``SET_CHUNK_BYTES`` of JSON)."""
    runs: list[list[str]] = []
    run: list[str] = []
    size = 0
    for item in items:
        cost = len(json.dumps(item)) + 2
        if run and size + cost > SET_CHUNK_BYTES:
            runs.append(run)
            run, size = [], 0
        run.append(item)
        size += cost
    if run:
        runs.append(run)
    return runs


def client_signature(secret: str, timestamp: int, nonce: str, data: str = "") -> str:
    """``public/auth``'s ``client_signature``: lowercase hex HMAC-SHA256 of ``timestamp\\nnonce\\ndata``."""
    return hmac.new(secret.encode(), f"{timestamp}\n{nonce}\n{data}".encode(), hashlib.sha256).hexdigest()


class Incoming:
    """One frame from the server, classified.

    ``kind`` is ``answer`` (``id`` matches a call), ``internal`` (the answer to a call the
    session made itself, such as a ``test_request``'s ``public/test``), ``unknown`` (an answer
    to no call), ``test_request``, ``heartbeat`` or ``notification``.
    """

    __slots__ = ("id", "kind", "message", "raw")

    def __init__(self, kind: str, message: dict[str, Any], raw: str, rpc_id: Any = None) -> None:
        self.kind = kind
        self.message = message
        self.raw = raw
        self.id = rpc_id


class RpcSession:
    """Request ids, calls waiting for answers, and the connection state to re-apply."""

    def __init__(self) -> None:
        self._next_id = 0
        #: id -> the caller's token (a future, for the asyncio layer)
        self.pending: dict[int, Any] = {}
        self._internal: set[int] = set()
        #: key -> (order, method, params): what the calls made so far set on the connection
        self.state: dict[str, tuple[int, str, dict[str, Any]]] = {}
        #: key -> (order, adding method, its array parameter, the items in order of joining)
        self.sets: dict[str, tuple[int, str, str, dict[str, None]]] = {}
        self._sent = 0  # calls that set or take away state, in the order they went out
        #: (key, item or None for all of it) -> when a call that takes it away went out
        self._taken: dict[tuple[str, str | None], int] = {}

    # -- outgoing ----------------------------------------------------------------------------

    def request(self, method: str, params: Mapping[str, Any], token: Any = None) -> tuple[int, str]:
        """A new request's id and frame; ``token`` is handed back with its answer (None: an
        internal call whose answer is dropped)."""
        rpc_id, frame = self.request_encoded(self.encode_call(method, params), token)
        if token is None:
            del self.pending[rpc_id]
            self._internal.add(rpc_id)
        return rpc_id, frame

    @staticmethod
    def encode_call(method: str, params: Mapping[str, Any]) -> str:
        """A call's method and params as the tail of a request frame (``"method": ..., "params":
        {...}``), encoded once, by the caller: InvalidParamsError for parameters that are not
        JSON, nest too deeply or make a frame the exchange would refuse for its size."""
        try:
            tail = _ENCODE({"method": method, "params": params})[1:-1]
        except (TypeError, ValueError) as exc:
            raise InvalidParamsError.client_side(param="params", reason=f"must be JSON values ({exc})") from None
        except RecursionError:
            raise InvalidParamsError.client_side(param="params", reason="nests too deeply to send") from None
        # (the frame adds the jsonrpc version and an id: under 50 bytes; a caller who gives up
        # on a frame over the limit learns why before anything is sent)
        if len(tail) > (MAX_FRAME_BYTES - 50) // 4 and len(tail.encode()) + 50 > MAX_FRAME_BYTES:
            raise InvalidParamsError.client_side(
                param="params",
                reason=f"the request is larger than the exchange's {MAX_FRAME_BYTES // 1024} kB frame limit",
            )
        return tail

    def answer_test_request(self) -> str:
        """The frame that answers a ``test_request`` (``public/test``, whose answer is dropped)."""
        rpc_id, frame = self.request_encoded(_TEST_TAIL, None)
        del self.pending[rpc_id]
        self._internal.add(rpc_id)
        return frame

    def request_encoded(self, tail: str, token: Any) -> tuple[int, str]:
        """A new request's id and frame from :meth:`encode_call`'s tail; ``token`` is handed back
        with its answer."""
        rpc_id = self._next_id = self._next_id + 1
        self.pending[rpc_id] = token
        return rpc_id, f'{{"jsonrpc": "2.0", "id": {rpc_id}, {tail}}}'

    def forget(self, rpc_id: int) -> Any:
        """Stop waiting for ``rpc_id`` (timed out or cancelled); returns its token."""
        self._internal.discard(rpc_id)
        return self.pending.pop(rpc_id, None)

    def abandon_all(self) -> list[Any]:
        """Every waiting call's token (the connection is gone): they will get no answer."""
        tokens = list(self.pending.values())
        self.pending.clear()
        self._internal.clear()
        return tokens

    # -- incoming ----------------------------------------------------------------------------

    def receive(self, raw: str | bytes) -> Incoming:
        """Classifies one frame; raises ResponseValidationError for one that is not JSON-RPC."""
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        try:
            message = json.loads(text)
        except (ValueError, RecursionError):
            raise ResponseValidationError("a WebSocket frame is not JSON", body=text) from None
        if not isinstance(message, dict):
            raise ResponseValidationError("a WebSocket frame is not a JSON object", body=text)
        rpc_id = message.get("id", _MISSING)
        if rpc_id is _MISSING or rpc_id is None:
            method = message.get("method")
            params = message.get("params")
            if method == "heartbeat" and isinstance(params, dict):
                kind = "test_request" if params.get("type") == "test_request" else "heartbeat"
                return Incoming(kind, message, text)
            if isinstance(method, str):
                return Incoming("notification", message, text)
            return Incoming("unknown", message, text)  # an error about a frame it could not read
        # (the client's ids are ints: a bool is not one, though Python counts True as 1)
        if type(rpc_id) is int and rpc_id in self._internal:
            self._internal.discard(rpc_id)
            return Incoming("internal", message, text, rpc_id)
        if type(rpc_id) is int and rpc_id in self.pending:
            return Incoming("answer", message, text, rpc_id)
        return Incoming("unknown", message, text, rpc_id)

    def answered(self, rpc_id: int) -> Any:
        """The token of the call that ``rpc_id`` answers (and stop waiting for it)."""
        return self.pending.pop(rpc_id, None)

    # -- connection state ----------------------------------------------------------------------

    def record(
        self,
        declaration: Mapping[str, Any] | None,
        method: str,
        params: Mapping[str, Any],
        result: Any = None,
        sent_at: int | None = None,
    ) -> None:
        """After a successful call: what it set on the connection, as the spec declares
        (``x-connection-state``: ``key``, ``action`` ``set`` or ``clear``, ``order``, and
        ``when``: parameter -> the values, null for absent, for which it applies; for a set,
        ``add`` or ``remove`` the items of ``param``: those the answer lists when it lists them).
        ``sent_at`` (what :meth:`sent` returned for the call): what a later call took away
        before this answer came stays away."""
        if not declaration:
            return
        for name, allowed in (declaration.get("when") or {}).items():
            if params.get(name) not in allowed:
                return
        action = declaration.get("action", "set")
        keys = declaration["key"]
        if action == "clear":
            for key in keys if isinstance(keys, list) else [keys]:
                self.state.pop(str(key), None)
                self.sets.pop(str(key), None)
            return
        if action == "set":
            if not self._taken_since(str(keys), None, sent_at):
                self.state[str(keys)] = (int(declaration.get("order", 0)), method, dict(params))
            return
        param = str(declaration["param"])
        asked = [item for item in params.get(param) or () if isinstance(item, str)]
        if action == "add":
            key = str(keys)
            if not isinstance(result, list):
                return  # (an answer that lists nothing subscribes nothing: it is malformed)
            listed = result
            items = [item for item in listed if isinstance(item, str) and not self._taken_since(key, item, sent_at)]
            order, _, _, members = self.sets.get(key, (int(declaration.get("order", 0)), method, param, {}))
            members.update(dict.fromkeys(items))
            self.sets[key] = (order, method, param, members)
            return
        for key in keys if isinstance(keys, list) else [keys]:  # remove
            found = self.sets.get(str(key))
            if found is None:
                continue
            for item in asked:
                found[3].pop(item, None)
            if not found[3]:
                del self.sets[str(key)]

    @staticmethod
    def forgets_when_sent(declaration: Mapping[str, Any] | None) -> bool:
        """Whether what the call declares is taken away (remove, clear): forgotten as soon as
        it is sent, since a new connection starts without it whatever the answer."""
        if not declaration:
            return False
        return declaration.get("action", "set") in ("remove", "clear")

    def sent(self, declaration: Mapping[str, Any] | None, method: str, params: Mapping[str, Any]) -> int:
        """A call went out: what it takes away is forgotten now (see :meth:`forgets_when_sent`),
        and stays so against answers to calls sent before it. Returns the call's place in the
        order of sending (for :meth:`succeeded`)."""
        self._sent += 1
        if declaration and self.forgets_when_sent(declaration):
            keys = declaration["key"]
            items = params.get(str(declaration["param"])) if declaration.get("action") == "remove" else None
            for key in keys if isinstance(keys, list) else [keys]:
                for item in items if isinstance(items, list) else [None]:
                    self._taken[(str(key), item if isinstance(item, str) else None)] = self._sent
            self.record(declaration, method, params)
        return self._sent

    def _taken_since(self, key: str, item: str | None, sent_at: int | None) -> bool:
        """Whether ``item`` of ``key`` (or all of it) was taken away after ``sent_at``."""
        if sent_at is None:
            return False
        return max(self._taken.get((key, item), 0), self._taken.get((key, None), 0)) > sent_at

    def succeeded(
        self,
        declaration: Mapping[str, Any] | None,
        method: str,
        params: Mapping[str, Any],
        envelope: Mapping[str, Any],
        sent_at: int | None = None,
    ) -> bool:
        """A call's answer came: what a successful call sets is recorded (to put it back on the
        next connection), unless a call sent after it took that away. Whether it was recorded."""
        if not declaration or "result" not in envelope or "error" in envelope or self.forgets_when_sent(declaration):
            return False
        self.record(declaration, method, params, envelope.get("result"), sent_at)
        return True

    def logged_out(self) -> None:
        """private/logout went out: the session ends, and nothing is put back."""
        self.state.clear()
        self.sets.clear()

    def set_of(self, method: str) -> str | None:
        """The set that ``method`` adds to, when it restores one (None: it sets a value)."""
        return next((key for key, (_, adder, _, _) in self.sets.items() if adder == method), None)

    def members(self, key: str) -> list[str]:
        """The items of the set ``key`` (subscribed channels, say), in the order they joined."""
        found = self.sets.get(key)
        return list(found[3]) if found is not None else []

    def drop(self, key: str, items: list[str]) -> None:
        """Takes ``items`` out of the set ``key`` (the exchange refused them on a restore)."""
        self.record({"key": key, "action": "remove", "param": "items"}, "", {"items": items})

    def reapply(self) -> list[tuple[str, dict[str, Any]]]:
        """The calls that put the connection state back, in the spec's order: one per value,
        and for each set the adding method with its items, split to fit a frame."""
        steps: list[tuple[int, str, dict[str, Any]]] = list(self.state.values())
        for order, method, param, members in self.sets.values():
            steps += [(order, method, {param: chunk}) for chunk in chunked(list(members))]
        return [(method, params) for _, method, params in sorted(steps, key=lambda s: s[0])]
