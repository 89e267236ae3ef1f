"""Stripe's wire format: form-encoded parameters in, JSON answers with Stripe's headers out."""

import time
from email.utils import formatdate
from urllib.parse import parse_qsl

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wsgi import get_input_stream

from .store import API_VERSION, random_token, to_json

_FORM = "application/x-www-form-urlencoded"


def fields(environ, method):
    """The call's parameters as (key, value) pairs: the query of a GET, the form of a POST."""
    if method != "POST":
        return parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if environ.get("CONTENT_TYPE", "").partition(";")[0].strip() != _FORM:
        return []
    body = get_input_stream(environ).read().decode("utf-8", "replace")
    return parse_qsl(body, keep_blank_values=True)


class Answer:
    """A JSON answer as a WSGI app."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __call__(self, environ, start_response):
        """Send the status, the headers and the body."""
        start_response(f"{self.status} {HTTP_STATUS_CODES.get(self.status, '')}", self.headers)
        return [self.body]


def encode(body):
    """A JSON body as bytes."""
    return to_json(body).encode()


def answer(data, status=200, headers=None, request_id=None, moment=None):
    """An encoded JSON body with Stripe's headers (`Request-Id`, `Stripe-Version`, and the
    `Date`: `moment` by the emulator's clock, which clients use as Stripe's)."""
    fixed = [
        ("Date", formatdate(time.time() if moment is None else moment, usegmt=True)),
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(data))),
        ("Request-Id", request_id or f"req_{random_token(14)}"),
        ("Stripe-Version", API_VERSION),
    ]
    return Answer(status, fixed + list((headers or {}).items()), data)


def json_answer(body):
    """A JSON-able body as a 200 answer."""
    return answer(encode(body))


def error_answer(error, moment=None):
    """A `StripeAPIError` as Stripe answers it (at `moment` by the emulator's clock), with
    `Stripe-Should-Retry` when it has one."""
    headers = {}
    if error.should_retry is not None:
        headers["Stripe-Should-Retry"] = "true" if error.should_retry else "false"
    request_id = f"req_{random_token(14)}"
    return answer(encode(error.body(request_id)), error.status, headers, request_id, moment)
