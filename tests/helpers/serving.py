"""Serving a WSGI app on a free loopback port from a thread, for tests, benchmarks and scripts."""

import socket
import threading

from werkzeug.serving import WSGIRequestHandler, make_server


def free_port():
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(WSGIRequestHandler):
    """No access line per request: the app logs its own."""

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """A WSGI app over real HTTP from a thread; `app` can be set after binding, so an app
    that must know its own URL (DOMAIN) is made once the port is known."""

    def __init__(self, app=None):
        self.app = app
        self._server = make_server(
            "127.0.0.1", 0, self._dispatch, threaded=True, request_handler=QuietHandler
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def stop(self):
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
