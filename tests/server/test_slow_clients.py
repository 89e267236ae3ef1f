"""A cross-cutting suite, slow clients under `gunicorn server:app` as deployed
(web/buffered_worker.py and gunicorn.conf.py): sockets that send a request a byte at a time
must not keep anyone else from being answered."""

import json
import select
import socket
import threading
import time

import pytest
import requests

from stripe_emulator import Emulator
from tests.helpers import HOOK_SECRET, generate_header, wait_for
from tests.helpers import deployed as deployed_server
from tests.helpers.serving import free_port

# Every test here times answers: run alone, not beside the rest of the suite.
pytestmark = pytest.mark.timing
TRICKLE_SECONDS = 10.0
BYTE_EVERY = 2.0
POLL_EVERY = 0.25
ANSWER_WITHIN = 1.0
# Each served port's gunicorn error log.
ERROR_LOGS = {}


def header_opening(port):
    """The start of a request whose headers never end: the sender gives one byte at a time."""
    return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Slow: " % port + b"x" * 200


def body_opening(port):
    """Complete headers for a 1,000-byte webhook body that then comes one byte at a time."""
    signature = generate_header(b"{}", HOOK_SECRET).encode()
    head = (
        b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        b"Stripe-Signature: %s\r\nContent-Length: 1000\r\n\r\n" % (port, signature)
    )
    return head, b"{" + b" " * 998 + b"}"


def whole_request(port):
    """A complete request, sent at once by a client that then keeps the connection open."""
    return b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % port


class Trickler:
    """One slow client. `headers`: sends its request line and headers a byte every BYTE_EVERY
    seconds; `body`: sends whole headers, then its body that way; `close`: sends a whole request
    and does not close after the answer, for BYTE_EVERY seconds. Each starts over on a new
    connection whenever the server answers or closes, as an attacker would."""

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
        if self.kind == "close":
            return whole_request(self.port), b""
        return body_opening(self.port)

    def _run(self):
        while not self._stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
                    self.connections += 1
                    head, slow = self._request()
                    sock.sendall(head)
                    if not slow:
                        self._stop.wait(BYTE_EVERY)
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


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    """`gunicorn server:app` with 3 workers, its Stripe calls going to a served emulator."""
    port = free_port()
    folder = tmp_path_factory.mktemp("slow")
    ERROR_LOGS[port] = folder / "gunicorn.log"
    with open(ERROR_LOGS[port], "w") as errors:
        with deployed_server(folder, port, Emulator(), errors, WEB_CONCURRENCY="3"):
            yield port


@pytest.mark.parametrize(
    "kinds",
    [["headers"] * 8, ["headers"] * 12 + ["body"] * 12 + ["close"] * 8],
    ids=["8 slow headers", "32 slow headers, bodies and closes"],
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


# Requests that arrive in pieces, as real clients send them, are read whole and answered.


def exchange(port, pieces, pause=0.3):
    """Send `pieces` of a request with `pause` seconds between them; return the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        for i, piece in enumerate(pieces):
            if i:
                time.sleep(pause)
            sock.sendall(piece)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def event_request(port, framing):
    """A signed webhook request for an event the server ignores: its headers and its body."""
    body = json.dumps({
        "id": f"evt_{framing}_{time.time_ns()}", "type": "customer.created",
        "created": int(time.time()), "data": {"object": {"object": "customer", "id": "cus_1"}},
    }).encode()  # fmt: skip
    head = (
        b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n"
        b"Stripe-Signature: %s\r\nConnection: close\r\n"
        % (port, generate_header(body, HOOK_SECRET).encode())
    )
    if framing == "chunked":
        chunks = [body[:40], body[40:]]
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        return head + b"Transfer-Encoding: chunked\r\n\r\n", body
    if framing == "expect":
        head += b"Expect: 100-continue\r\n"
    return head + b"Content-Length: %d\r\n\r\n" % len(body), body


@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_a_webhook_arriving_in_pieces_is_answered(deployed, framing):
    head, body = event_request(deployed, framing)
    answer = exchange(deployed, [head[:30], head[30:] + body[:25], body[25:60], body[60:]])
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"outcome":"ignored"' in answer.replace(b" ", b"")


def test_a_client_expecting_100_continue_gets_it_before_sending_its_body(deployed):
    head, body = event_request(deployed, "expect")
    with socket.create_connection(("127.0.0.1", deployed), timeout=5) as sock:
        sock.sendall(head)
        assert sock.recv(65536).startswith(b"HTTP/1.1 100 ")
        sock.sendall(body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert b"HTTP/1.1 200 " in answer


def test_a_body_over_the_limit_is_refused_without_waiting_for_it(deployed):
    head = (
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nConnection: close\r\nStripe-Signature: t=1,v1=0\r\n"
        b"Content-Length: 5000000\r\n\r\n"
    )
    started = time.monotonic()
    assert exchange(deployed, [head]).startswith(b"HTTP/1.1 413 ")
    assert time.monotonic() - started < ANSWER_WITHIN


def test_a_malformed_request_is_refused_at_once_in_json(deployed):
    started = time.monotonic()
    answer = exchange(deployed, [b"NOT HTTP \x1b[2JAT ALL\r\n\r\n"])
    assert time.monotonic() - started < ANSWER_WITHIN
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"Content-Type: application/json" in head
    assert json.loads(body)["error"]["code"] == "bad_request"
    # gunicorn's warning quotes the line the client sent, its escape character escaped.
    logged = wait_for(
        lambda: (
            "Invalid request" in ERROR_LOGS[deployed].read_text()
            and ERROR_LOGS[deployed].read_text()
        )
    )
    assert "\x1b" not in logged and "\\x1b[2JAT" in logged
