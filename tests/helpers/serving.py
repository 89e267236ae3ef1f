"""Serving a WSGI app on a free loopback port from a thread, for tests, benchmarks and scripts."""

import socket
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

# How often a server thread looks for a request to stop: stop() waits up to this long
# (socketserver's default of 0.5 s, at every test's teardown, added minutes to the suite).
POLL_SECONDS = 0.05
_ANSWER = "tests.answer"  # the environ's key for the app's answer


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


class _Answer:
    """A WSGI answer whose `close` runs once, however often it is called."""

    def __init__(self, answer):
        self._answer, self._open = answer, True

    def __iter__(self):
        return iter(self._answer)

    def close(self):
        """Close the app's answer, the first time only."""
        if self._open:
            self._open = False
            if hasattr(self._answer, "close"):
                self._answer.close()


class QuietHandler(WSGIRequestHandler):
    """No access line per request: the app logs its own. Every answer is closed: werkzeug
    skips that when the client resets the connection once the answer is out (its read of
    what the client sent after it raises first), which would leave a static file's answer to
    the garbage collector, a ResourceWarning that fails the test that happens to be running."""

    def run_wsgi(self):
        """Serve one request as werkzeug does, then close its answer if werkzeug did not."""
        try:
            super().run_wsgi()
        finally:
            answer = getattr(self, "environ", {}).get(_ANSWER)
            if answer is not None:
                answer.close()

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
        # Kept where the handler finds it, to close it if werkzeug does not (QuietHandler).
        answer = environ[_ANSWER] = _Answer(self.app(environ, start_response))
        return answer

    def stop(self):
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()
