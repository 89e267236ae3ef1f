"""One structured line per request: method, path (no query: it may hold emails), status, time,
and whatever the view adds in `g.log_fields` (a webhook adds its event: id, type, invoice,
outcome; an error adds its reason). Every value is escaped: no client can forge a line."""

import logging
import re
import sys
import time
from urllib.parse import quote

from flask import current_app, g, request

_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def _start():
    g.started = time.perf_counter()


# What a logged value may show as is: anything else (spaces, CR/LF, control characters,
# quotes, non-ASCII) is percent-encoded, so no client can forge a line or a field.
_SAFE = "/:@!$&()*+,;=~-._"


_PLAIN = re.compile("[A-Za-z0-9/:@!$&()*+,;=~._-]*")


def field(value):
    """A value as one safe key=value token of a log line."""
    text = str(value)
    if _PLAIN.fullmatch(text):  # most values: nothing to escape
        return text
    return quote(text, safe=_SAFE, errors="backslashreplace")


def _log(response):
    took = (time.perf_counter() - g.pop("started", time.perf_counter())) * 1000
    asked = request._get_current_object()  # one look-up, not one per field
    extra = g.pop("log_fields", None) or {}
    fields = {"method": asked.method, "path": asked.path, "status": response.status_code,
              "ms": f"{took:.1f}", "remote": asked.remote_addr, **extra}  # fmt: skip
    texts = [str(value) for value in fields.values()]
    # Most lines need no escaping: one check of all the values at once (a value is plain if
    # and only if all of them put together are), else each value on its own.
    if not _PLAIN.fullmatch("".join(texts)):
        texts = [field(text) for text in texts]
    current_app.logger.info(
        "request " + " ".join(f"{key}={text}" for key, text in zip(fields, texts, strict=True))
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
