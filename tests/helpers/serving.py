"""Serving a WSGI app on a free loopback port from a thread, for tests, benchmarks and scripts."""

import socket
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

# How often a server thread looks for a request to stop: stop() waits up to this long
# (socketserver's default of 0.5 s, at every test's teardown, added minutes to the suite).
POLL_SECONDS = 0.05


def serve_in_thread(server):
    """Run `server.serve_forever` in a daemon thread, stoppable within POLL_SECONDS."""
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, daemon=True
    ).start()


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
        serve_in_thread(self._server)

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    def stop(self):
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
