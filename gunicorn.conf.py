"""gunicorn settings, picked up by a plain `gunicorn server:app`."""

import ctypes
import json
import logging
import multiprocessing
import os
import re
import sys

from gunicorn import util
from gunicorn.glogging import Logger

# `gunicorn` run from the venv's bin/ has that folder, not this one, on its path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# (Names imported here must not be gunicorn settings: `config` is one.)
from invoicing.config import load_env, mode_of, whole_number
from invoicing.errors import ConfigError

load_env()


def _whole_number(name, default, low, high):
    try:
        return whole_number(os.environ, name, default, low, high)
    except ConfigError as error:
        sys.exit(f"Configuration error: {error}")


bind = f"0.0.0.0:{_whole_number('PORT', 4242, 1, 65535)}"
workers = _whole_number("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1, 1, 256)
threads = _whole_number("GUNICORN_THREADS", 1, 1, 256)
# Served without a buffering proxy, a sync worker is held by any client that sends its request
# slowly, and a few such clients hold them all. This worker reads each request whole, all
# connections at once, before serving it as the sync worker does (see its module). Threads
# mean gunicorn's gthread worker, whose threads a slow client can still hold one by one.
worker_class = "invoicing.web.buffered_worker.BufferedWorker" if threads == 1 else "gthread"
# Stripe calls can take seconds; past this a stuck worker is replaced.
timeout = 60
graceful_timeout = 30
keepalive = 5
# The app logs one structured line per request (invoicing/web/logs.py); gunicorn's access
# log would repeat it.
accesslog = None
errorlog = "-"

# gunicorn's own lines quote what a client sent ("Invalid request from ip=...: <the line>"):
# control characters in them are escaped, so that no client can forge a line or a terminal.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Escaped(logging.Filter):
    def filter(self, record):
        """Escape the record's control characters; keep every record."""
        message = record.getMessage()
        record.msg = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", message).replace(
            "\n", "\\n"
        )
        record.args = None
        return True


class EscapedLogger(Logger):
    """gunicorn's logger, with client-sent text escaped in its error log."""

    def setup(self, cfg):
        """Set up as gunicorn does, then escape every line of the error log."""
        super().setup(cfg)
        self.error_log.addFilter(_Escaped())


logger_class = EscapedLogger

# 413 and 503 are the buffered worker's own: a body declared over the app's limit, and a
# request refused when the requests arriving at a worker hold over its cap.
_CODES = {400: "bad_request", 403: "forbidden", 413: "too_large", 414: "too_large",
          417: "bad_request", 431: "too_large", 500: "internal_error",
          503: "server_busy"}  # fmt: skip


def _write_json_error(sock, status, reason, _details):
    """What gunicorn answers for a request it cannot read, in the one error shape (JSON), never
    an HTML page; its details, which echo what the client sent, stay in the log."""
    error = {"message": f"{reason}.", "field": None, "code": _CODES.get(status, "bad_request")}
    body = json.dumps({"error": error}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


util.write_error = _write_json_error


def on_starting(server):
    """Emulator mode: one emulator for the whole server, made ready before any worker starts.

    The workers inherit its address, webhook secret and DOMAIN through the environment, so
    every worker sees the same Stripe state and the emulator's webhooks reach this server.
    """
    from invoicing import app_or_exit

    if mode_of(os.environ.get("STRIPE_SECRET_KEY", "").strip()) != "emulator":
        return
    address = server.cfg.address[0]
    if not os.environ.get("DOMAIN", "").strip() and isinstance(address, tuple):
        os.environ["DOMAIN"] = f"http://localhost:{address[1]}"
    app = app_or_exit()
    os.environ["STRIPE_API_BASE"] = app.config["STRIPE_API_BASE"]
    os.environ["STRIPE_WEBHOOK_SECRET"] = ",".join(app.config["STRIPE_WEBHOOK_SECRETS"])
    app.extensions["db"].dispose()  # the workers open their own connections
    server.log.info("Stripe emulator at %s", app.config["STRIPE_API_BASE"])


_M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameter


def post_fork(server, worker):
    """Each worker gives large freed blocks (request bodies, answers) back to the system at
    once. glibc raises its threshold for mapping a block alone (128 KiB) to the size of each
    such block freed, so later ones come from a heap that keeps what it grew to: after 500
    half-sent bodies closed, a worker kept 8 to 35 MiB more than before; with the threshold
    fixed, under 1 MiB (tests/server/test_worker_limits.py)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return  # not glibc
    mallopt(_M_MMAP_THRESHOLD, 128 * 1024)


def post_worker_init(worker):
    """Each worker may run reconciliation; the database lease lets one at a time do it."""
    from invoicing import reconciler

    # Other apps served with this file (bench/bare_webhook.py) have no reconciliation.
    if "RECONCILE_SECONDS" in worker.wsgi.config:
        reconciler.start(worker.wsgi)
