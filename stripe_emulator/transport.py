"""A `stripe.HTTPClient` that hands each request straight to the emulator's WSGI app.

The SDK's whole code path runs (encoding, headers, retries, error mapping); only the socket
is skipped, which makes tests and benchmarks fast.
"""

import io
import sys
from urllib.parse import urlsplit

import stripe
from werkzeug.datastructures import Headers


class WSGIClient(stripe.HTTPClient):
    """Send the SDK's requests to a WSGI app in this process."""

    name = "wsgi"

    def __init__(self, app, **kwargs):
        super().__init__(**kwargs)
        self.app = app

    def request(self, method, url, headers, post_data=None, **kwargs):
        """Run one request through the app; return (body, status, headers) as the SDK wants."""
        body, status, response_headers = self._call(method, url, headers, post_data)
        return body.decode("utf-8"), status, response_headers

    def request_stream(self, method, url, headers, post_data=None, **kwargs):
        """Like `request`, with the body as a readable stream."""
        body, status, response_headers = self._call(method, url, headers, post_data)
        return io.BytesIO(body), status, response_headers

    def _call(self, method, url, headers, post_data):
        parts = urlsplit(url)
        data = post_data.encode() if isinstance(post_data, str) else (post_data or b"")
        environ = {
            "REQUEST_METHOD": method.upper(),
            "SCRIPT_NAME": "",
            "PATH_INFO": parts.path,
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or (443 if parts.scheme == "https" else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": parts.netloc,
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme or "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            if key == "CONTENT_TYPE":
                environ["CONTENT_TYPE"] = value
            else:
                environ[f"HTTP_{key}"] = value
        started = []

        def start_response(status, response_headers, exc_info=None):
            started[:] = [status, response_headers]

        chunks = self.app(environ, start_response)
        try:
            body = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status, response_headers = started
        return body, int(status.split(" ", 1)[0]), Headers(response_headers)

    def close(self):
        """Nothing to release."""
