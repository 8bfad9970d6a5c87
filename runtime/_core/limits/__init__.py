"""The exchange's rate limits on the client's side: the credit pools (:mod:`.credits`, sans-I/O),
shared by the clients of an account (:mod:`.limiter`), and waiting for a call's turn in a thread
or on a loop (:mod:`.turns`), shared by the HTTP and the WebSocket clients."""
