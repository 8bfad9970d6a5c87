"""The exchange's rate limits on the client's side: the credit pools (:mod:`.limiter`) and
waiting for a call's turn in a thread or on a loop (:mod:`.turns`), shared by the HTTP and the
WebSocket clients."""
