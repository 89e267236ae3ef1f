"""A stateful, Stripe-compatible API for offline use and tests.

    emulator = Emulator()
    client = stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": "http://emulator"},
        http_client=WSGIClient(emulator),
    )

or over HTTP with `serve(emulator, port=12111)` / `python -m stripe_emulator`.
"""

import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import Emulator
from .state import StateFileError
from .transport import WSGIClient
from .webhooks import sign

__all__ = ["Emulator", "Server", "StateFileError", "WSGIClient", "serve", "sign"]


class _QuietHandler(WSGIRequestHandler):
    """No access log line per request: the emulator runs beside a server with its own."""

    def log_request(self, *args, **kwargs):
        pass


class Server:
    """An emulator served over HTTP from a background thread."""

    def __init__(self, emulator, host, port):
        self.emulator = emulator
        self._server = make_server(
            host, port, emulator, threaded=True, request_handler=_QuietHandler
        )
        self.port = emulator.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        # stop() waits for the serving loop to look again: 0.05 s, where socketserver's 0.5 s
        # default made each stop take half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        """Start answering; return self."""
        self._thread.start()
        return self

    def stop(self):
        """Stop answering and stop webhook deliveries."""
        self._server.shutdown()
        self._server.server_close()
        self.emulator.close()


def serve(emulator=None, host="127.0.0.1", port=0):
    """Serve an emulator (a new one by default) on `host:port` (0 picks a free port)."""
    return Server(emulator or Emulator(), host, port).start()
