"""Small test helpers: a webhook receiver and Stripe's signature, written out."""

import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


def generate_header(payload, secret, timestamp=None):
    """A `Stripe-Signature` header for `payload`, as Stripe computes it."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    if isinstance(payload, str):
        payload = payload.encode()
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def post_signed(url, payload, secret, http=None):
    """POST `payload` (bytes, or JSON-able) to `url`, signed with `secret` as Stripe signs."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "Stripe-Signature": generate_header(body, secret),
        "Content-Type": "application/json",
    }
    return (http or requests).post(url, data=body, headers=headers, timeout=30)


def wait_for(predicate, timeout=10.0, interval=0.02):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


class Receiver:
    """A real local HTTP endpoint that records what is POSTed to it."""

    def __init__(self):
        self.received = []
        self.failures_left = 0
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.received.append((dict(self.headers), body))
                failing = receiver.failures_left > 0
                receiver.failures_left -= failing
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/webhook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def events(self):
        """The JSON bodies received so far."""
        return [json.loads(body) for _, body in self.received]

    def close(self):
        """Stop listening."""
        self._server.shutdown()
        self._server.server_close()


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def clean_env(tmp_path, **extra):
    """The environment of a fresh shell: no Stripe or emulator settings, a temp database."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STRIPE_", "DATABASE_", "EMULATOR_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'invoicing.db'}"
    env.update(extra)
    return env


def start_gunicorn(env, port):
    """`gunicorn server:app` on `port`, returned once it answers /healthz."""
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    process = subprocess.Popen(
        [gunicorn, "server:app", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def healthy():
        try:
            return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok
        except requests.ConnectionError:
            return False

    try:
        wait_for(healthy, timeout=30)
    except BaseException:
        process.kill()
        raise
    return process


def stop(process):
    """Stop gunicorn as a service manager does (SIGTERM), and wait for a clean exit."""
    process.terminate()
    assert process.wait(timeout=30) == 0
