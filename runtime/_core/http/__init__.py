"""The HTTP clients (:class:`~.client.Client`, :class:`~.authenticated.AuthenticatedClient`):
connection pools, credentials and signatures, deadlines, retries and logging, over httpx."""
