"""Slow clients under `gunicorn server:app` as deployed: sockets that send a request a byte at a
time must not keep anyone else from being answered."""

import select
import socket
import threading
import time

import pytest
import requests

from stripe_emulator import Emulator, serve
from tests.helpers import clean_env, generate_header, start_gunicorn, stop

SECRET = "whsec_slow_clients_0123456789"
TRICKLE_SECONDS = 10.0
BYTE_EVERY = 2.0
POLL_EVERY = 0.25
ANSWER_WITHIN = 1.0


def header_opening(port):
    """The start of a request whose headers never end: the sender gives one byte at a time."""
    return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % port + b"x" * 200


def body_opening(port):
    """Complete headers for a 1,000-byte webhook body that then comes one byte at a time."""
    signature = generate_header(b"{}", SECRET).encode()
    head = (
        b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        b"Stripe-Signature: %s\r\nContent-Length: 1000\r\n\r\n" % (port, signature)
    )
    return head, b"{" + b" " * 998 + b"}"


class Trickler:
    """One slow client: sends its request's bytes one every BYTE_EVERY seconds, and opens a new
    connection to start over whenever the server answers or closes it, as an attacker would."""

    def __init__(self, port, kind):
        self.port = port
        self.kind = kind
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        """Start trickling; return self."""
        self._thread.start()
        return self

    def stop(self):
        """Stop and close the connection."""
        self._stop.set()
        self._thread.join(timeout=10)

    def _request(self):
        if self.kind == "headers":
            return b"", header_opening(self.port)
        return body_opening(self.port)

    def _run(self):
        while not self._stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    self.connections += 1
                    head, slow = self._request()
                    sock.sendall(head)
                    for i in range(len(slow)):
                        sock.send(slow[i : i + 1])
                        if self._stop.wait(BYTE_EVERY) or self._answered(sock):
                            break
            except OSError:
                self._stop.wait(0.1)  # refused or closed by the server: start over

    @staticmethod
    def _answered(sock):
        """True when the server has sent something or closed the connection."""
        readable, _, _ = select.select([sock], [], [], 0)
        return bool(readable)


@pytest.fixture
def deployed(tmp_path, unused_port):
    """`gunicorn server:app` with 3 workers, its Stripe calls going to a served emulator."""
    emulator_server = serve(Emulator())
    env = clean_env(
        tmp_path, STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_API_BASE=emulator_server.url,
        WEB_CONCURRENCY="3", RECONCILE_SECONDS="0",
    )  # fmt: skip
    master = start_gunicorn(env, unused_port)
    try:
        yield unused_port
    finally:
        stop(master)
        emulator_server.stop()


@pytest.mark.parametrize(
    "kinds",
    [["headers"] * 8, ["headers"] * 16 + ["body"] * 16],
    ids=["8 slow headers", "16 slow headers and 16 slow bodies"],
)
def test_health_answers_within_a_second_while_clients_trickle(deployed, kinds):
    port = deployed
    tricklers = [Trickler(port, kind).start() for kind in kinds]
    slow = []
    polls = 0
    try:
        time.sleep(0.5)  # every trickler connected and holding whatever it can
        begun = time.monotonic()
        while time.monotonic() < begun + TRICKLE_SECONDS:
            started = time.monotonic()
            try:
                status = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            took = time.monotonic() - started
            polls += 1
            if status != 200 or took > ANSWER_WITHIN:
                slow.append((round(started - begun, 2), status, round(took, 2)))
            time.sleep(max(0.0, POLL_EVERY - took))
    finally:
        for trickler in tricklers:
            trickler.stop()
    assert all(t.connections for t in tricklers)
    assert slow == [], f"{len(slow)} of {polls} polls late or failed (at s, status, took s)"
    assert polls >= TRICKLE_SECONDS / POLL_EVERY / 2
