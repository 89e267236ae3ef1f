"""One structured line per request: method, path (no query: it may hold emails), status, time,
and whatever the view adds in `g.log_fields` (a webhook adds its event: id, type, invoice,
outcome)."""

import logging
import sys
import time

from flask import current_app, g, request

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _start():
    g.started = time.perf_counter()


def _log(response):
    took = (time.perf_counter() - g.pop("started", time.perf_counter())) * 1000
    extra = "".join(f" {key}={value}" for key, value in g.pop("log_fields", {}).items())
    current_app.logger.info(
        "request method=%s path=%s status=%d ms=%.1f remote=%s%s",
        request.method,
        request.path,
        response.status_code,
        took,
        request.remote_addr,
        extra,
    )
    return response


def init_app(app):
    """Log each request once, in key=value form, at INFO."""
    if not app.logger.handlers or app.logger.level == logging.NOTSET:
        # These lines are the access log: stdout, as gunicorn's would be; errors go to stderr.
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter(_FORMAT))
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)
    app.before_request(_start)
    app.after_request(_log)
