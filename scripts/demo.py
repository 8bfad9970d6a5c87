"""make demo: watch WebSocketClient keep a session alive against the mock exchange.

Starts the mock at time scale 0.02 (a 10 s heartbeat every 0.2 s), opens a client with
heartbeats and cancel-on-disconnect, places a resting order, lets a few test_requests arrive,
drops the connection as a network failure would, and shows the exchange cancelling the order
(cancel-on-disconnect), the client reconnecting and re-applying its session before the next
call, its disconnect report naming the order, and the program placing it again. Ends with the
mock's own count of answered test_requests.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "generated"), str(ROOT)]

from deribit_mock.process import MockServer, start_mock, stop_mock  # noqa: E402
from deribit_session_client import WebSocketClient  # noqa: E402
from deribit_session_client.api.session_management import get_cancel_on_disconnect  # noqa: E402
from deribit_session_client.api.trading import buy, get_order_state  # noqa: E402

SCALE = 0.02
STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.2f} s] {text}", flush=True)


class Narrator(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        say(f"client {record.levelname.lower()}: {record.getMessage()}")


def show_events(mock: MockServer, seen: int) -> int:
    events = mock.events()
    for event in events[seen:]:
        reason = f" ({event['reason']})" if event["reason"] else ""
        orders = f": cancelled orders {', '.join(event['orders'])}" if event.get("orders") else ""
        say(f"exchange: connection {event['connection']} {event['event'].replace('_', '-')}{reason}{orders}")
    return len(events)


def main() -> None:
    logger = logging.getLogger("deribit_session_client")
    logger.addHandler(Narrator())
    logger.setLevel(logging.INFO)
    logger.propagate = False
    mock = start_mock({"DERIBIT_MOCK_TIME_SCALE": str(SCALE)})
    seen = 0
    try:
        say(f"mock exchange at {mock.ws_url}, time scale {SCALE}: heartbeat_interval=10 means every {10 * SCALE:.1f} s")
        with WebSocketClient(
            mock.ws_url,
            client_id="mock-client-id",
            client_secret="mock-client-secret",
            heartbeat_interval=10,
            cancel_on_disconnect="connection",
            initial_retry_delay=0.2,
        ) as ws:
            seen = show_events(mock, seen)
            placed = buy.sync(client=ws, instrument_name="BTC-PERPETUAL", amount=10, price=30_000, label="demo-bid")
            order = placed.result.order
            say(f"placed {order.order_id} (label {order.label!r}): a bid at {order.price:,.0f}, {order.order_state}")
            time.sleep(1.0)
            beats = mock.heartbeats()
            latency = beats["latency_ms"]
            say(
                f"heartbeats: {beats['test_requests_answered']} of {beats['test_requests_sent']} test_requests answered,"
                f" latency p50 {latency['p50']} ms, max {latency['max']} ms (measured by the exchange)"
            )
            [conn] = mock.connections()
            say(f"dropping connection {conn['id']} without a close frame, as a network failure does")
            mock.drop()
            while ws.stats["state"] == "ready" and ws.stats["reconnects"] == 0:
                time.sleep(0.01)  # (a call made before the client sees the drop would go down with it)
            say(f"client state: {ws.stats['state']}; a call now waits for the session to be restored")
            state = get_cancel_on_disconnect.sync(client=ws, scope="connection")
            seen = show_events(mock, seen)
            [conn] = mock.connections()
            say(
                f"first call on the new connection {conn['id']}: get_cancel_on_disconnect says enabled={state.result.enabled};"
                f" the exchange sees heartbeat_interval={conn['heartbeat_interval']}, cancel_on_disconnect={conn['cancel_on_disconnect']}"
            )
            report = ws.last_disconnect or {}
            for lost in report.get("orders", []):
                say(f"client's disconnect report: {lost['order_id']} ({lost['label']!r}) {lost['after_disconnect']}")
                confirmed = get_order_state.sync(client=ws, order_id=lost["order_id"]).result
                say(
                    f"the exchange confirms: {confirmed.order_id} {confirmed.order_state}, cancel_reason {confirmed.cancel_reason}"
                )
                again = buy.sync(
                    client=ws, instrument_name="BTC-PERPETUAL", amount=10, price=30_000, label=lost["label"]
                )
                say(f"placed it again: {again.result.order.order_id} ({again.result.order.order_state})")
            time.sleep(1.0)
            say(f"client stats: {ws.stats}")
        seen = show_events(mock, seen)
        beats = mock.heartbeats()
        say(
            f"the exchange's count: {beats['test_requests_answered']} of {beats['test_requests_sent']} test_requests"
            f" answered, {beats['test_requests_missed']} missed"
        )
    finally:
        stop_mock(mock)


if __name__ == "__main__":
    main()
