"""The physical limits for a Python webhook here: plain WSGI callables, no framework, no ORM.

    gunicorn bench.bare_wsgi:verify_app   # verify the signature, answer 200
    gunicorn bench.bare_wsgi:store_app    # verify, INSERT the event, COMMIT, then answer 200

`store_app` writes to the server's own `events` table (one row per event id, a repeat changes
nothing) with the plain driver: sqlite3 with the server's PRAGMAs, or psycopg, as DATABASE_URL
names, each in autocommit. One connection per worker, opened on its first request (after the
fork).
"""

import json
import os
import sqlite3
import time

import stripe

SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
TOLERANCE = 300
_OK = [b'{"received":true}']
_HEADERS = [("Content-Type", "application/json"), ("Content-Length", "17")]
_INSERT = (
    "INSERT INTO events (id, type, created, received, invoice_id, payload) "
    "VALUES ({0}, {0}, {0}, {0}, {0}, {0}) ON CONFLICT (id) DO NOTHING"
)


def _verified(environ):
    """The body if the Stripe-Signature header signs it; else None."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    try:
        stripe.WebhookSignature.verify_header(
            body, environ.get("HTTP_STRIPE_SIGNATURE", ""), SECRET, TOLERANCE
        )
    except stripe.SignatureVerificationError:
        return None
    return body


def _answer(start_response, status="200 OK"):
    start_response(status, _HEADERS if status.startswith("200") else [("Content-Length", "0")])
    return _OK if status.startswith("200") else []


def verify_app(environ, start_response):
    """Verify the signature and answer 200 (GET answers 200 too, as a health check)."""
    if environ["REQUEST_METHOD"] == "POST" and _verified(environ) is None:
        return _answer(start_response, "400 Bad Request")
    return _answer(start_response)


def _connect(url):
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url[len("sqlite:///") :], timeout=5, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection, _INSERT.format("?")
    import psycopg  # only where PostgreSQL is used

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(dsn, autocommit=True), _INSERT.format("%s")


_db = None


def store_app(environ, start_response):
    """Verify, store the event once in its own transaction, and answer 200 after the commit."""
    global _db
    if environ["REQUEST_METHOD"] != "POST":
        return _answer(start_response)
    body = _verified(environ)
    if body is None:
        return _answer(start_response, "400 Bad Request")
    event = json.loads(body)
    if _db is None:
        _db = _connect(os.environ["DATABASE_URL"])
    connection, insert = _db
    row = (event["id"], event["type"], event["created"], int(time.time()), None, body.decode())
    # One statement in autocommit is a transaction of its own: committed when it returns, in
    # one round trip on PostgreSQL (BEGIN and COMMIT would add two).
    connection.execute(insert, row)
    return _answer(start_response)
