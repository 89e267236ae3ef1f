"""The buffered worker's limits under `gunicorn server:app` as deployed (web/buffered_worker.py
and gunicorn.conf.py, emulator mode): clients that never read their answers, bodies that never
finish arriving, and chunked bodies the app cannot decode, each through real sockets."""

import base64
import contextlib
import json
import os
import select
import selectors
import socket
import subprocess
import sys
import time

import pytest
import requests

from invoicing import MAX_BODY, stripe_catalog
from invoicing.record import database, invoices
from invoicing.web.buffered_worker import ANSWERS_CAP, ARRIVING_CAP
from stripe_emulator import Emulator, serve
from tests.helpers import HOOK_SECRET, ROOT, clean_env, sdk_client, stop, wait_for, worker_pids
from tests.helpers.serving import free_port

MiB = 1024 * 1024
PASSWORD = "worker-limits-password"
# The big answer: GET /invoices with 60 invoices of 250 lines, about 5 MB.
INVOICES, LINES = 60, 250
# A client that never reads gets a receive window this small (set before connecting, so the
# system does not grow it): what the server's send buffer does not take stays on its side.
READER_WINDOW = 4096
with open("/proc/sys/net/ipv4/tcp_wmem") as tcp_wmem:
    SEND_BUFFER_MAX = int(tcp_wmem.read().split()[2])


class Served:
    """gunicorn as deployed on 127.0.0.1:`port`; gunicorn's log and the app's (stdout) are
    both in `log`."""

    def __init__(self, port, env, master, log):
        self.port, self.env, self.master, self.log = port, env, master, log
        self.url = f"http://127.0.0.1:{port}"

    def health(self, timeout=5):
        """The status of GET /healthz, or the name of the error when it is not answered."""
        try:
            return requests.get(f"{self.url}/healthz", timeout=timeout).status_code
        except requests.RequestException as error:
            return type(error).__name__

    def rss(self):
        """Each worker's resident memory in MiB, by pid."""
        sizes = {}
        for pid in worker_pids(self.master.pid):
            with open(f"/proc/{pid}/status") as status:
                line = next(line for line in status if line.startswith("VmRSS:"))
            sizes[pid] = int(line.split()[1]) / 1024
        return sizes


@contextlib.contextmanager
def gunicorn(folder, **settings):
    """`gunicorn server:app` with the repository's gunicorn.conf.py, its Stripe calls going to
    an emulator served from this process (no STRIPE_SECRET_KEY: emulator mode)."""
    emulator = Emulator()
    emulator_server = serve(emulator)
    stripe_catalog.seed_catalog(sdk_client(emulator))
    settings = {"RECONCILE_SECONDS": "0", "WEB_CONCURRENCY": "1", **settings}
    env = clean_env(
        folder, STRIPE_WEBHOOK_SECRET=HOOK_SECRET, STRIPE_API_BASE=emulator_server.url,
        **settings,
    )  # fmt: skip
    port = free_port()
    log = folder / "gunicorn.log"
    with open(log, "w") as out:
        master = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "gunicorn"), "server:app",
             "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=out, stderr=out,
        )  # fmt: skip
    served = Served(port, env, master, log)
    try:
        wait_for(lambda: served.health(timeout=2) == 200, timeout=30)
        workers = int(settings["WEB_CONCURRENCY"])
        wait_for(lambda: len(worker_pids(master.pid)) == workers, timeout=30)
        yield served
    finally:
        stop(master)
        emulator_server.stop()


def fill_invoices(served):
    """INVOICES invoices of LINES lines each in the server's database, so that GET /invoices
    answers about 5 MB."""
    line = {
        "price": "price_0123456789abcdefghijklmn", "quantity": 1, "amount": 2000,
        "description": "Gold Special, the long name of a product " + "x" * 220,
    }  # fmt: skip
    engine = database.make_engine(served.env["DATABASE_URL"])
    try:
        with database.begin(engine) as db:
            for n in range(INVOICES):
                invoices.record_invoice(
                    db,
                    {"id": f"in_big{n:04d}", "status": "open", "customer": "cus_big",
                     "email": "big@example.com", "amount_due": 2000 * LINES, "amount_paid": 0,
                     "currency": "usd", "created": 1_700_000_000 + n, "lines": [line] * LINES},
                )  # fmt: skip
    finally:
        engine.dispose()
    answer = requests.get(f"{served.url}/invoices", timeout=30)
    assert answer.status_code == 200 and len(answer.content) > 4_500_000
    if len(answer.content) <= SEND_BUFFER_MAX:
        pytest.skip("this system's send buffers take a whole answer: no client can stall it")
    return len(answer.content)


def stalled_reader(port):
    """A client that asks for GET /invoices and never reads the answer."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, READER_WINDOW)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    sock.sendall(b"GET /invoices HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    return sock


def answer_started(sock):
    """True once the server has sent the start of an answer (or closed)."""
    return bool(select.select([sock], [], [], 0)[0])


def half_sent_bodies(port, count, size=MAX_BODY):
    """`count` connections, each declaring a `size`-byte webhook body and sending all of it but
    the last 100 bytes, all at once through one selector (at most 30 s); the sockets, open."""
    head = (
        b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Stripe-Signature: t=1,v1=0\r\nContent-Length: %d\r\n\r\n" % size
    )
    message = memoryview(head + b" " * (size - 100))
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    with selectors.DefaultSelector() as selector:
        for sock in sockets:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_WRITE, [0])
        deadline = time.monotonic() + 30
        while selector.get_map() and time.monotonic() < deadline:
            for key, _ in selector.select(1):
                sent = key.data
                try:
                    sent[0] += key.fileobj.send(message[sent[0] : sent[0] + 262144])
                except BlockingIOError:
                    continue
                except OSError:  # refused and closed by the server
                    sent[0] = len(message)
                if sent[0] >= len(message):
                    selector.unregister(key.fileobj)
        assert not selector.get_map(), "the bodies were not all sent within 30 s"
    return sockets


def first_answer(sock):
    """What the server has sent on a socket so far (its status line and body), or b""."""
    try:
        return sock.recv(65536)
    except OSError:
        return b""


def error_of(answer):
    """The error JSON of a raw answer, with its status line and headers."""
    head, _, body = answer.partition(b"\r\n\r\n")
    return head, json.loads(body)["error"]


# 1. Clients that do not read their answers hold no worker.


def test_clients_that_never_read_hold_no_worker_and_are_dropped(tmp_path):
    # gunicorn's timeout at 4 s: a worker blocked writing to them would be killed within the
    # test; the worker must only drop those clients (after the same 4 s without progress).
    with gunicorn(tmp_path, WEB_CONCURRENCY="2", GUNICORN_CMD_ARGS="--timeout 4") as served:
        size = fill_invoices(served)
        workers = sorted(worker_pids(served.master.pid))
        readers = [stalled_reader(served.port) for _ in range(8)]
        try:
            statuses = []
            begun = time.monotonic()
            while time.monotonic() < begun + 8:
                statuses.append(served.health())
                time.sleep(0.25)
            assert set(statuses) == {200}, statuses
            # Each reader got the start of its answer, then was reset: never the whole of it.
            received = []
            for reader in readers:
                got = b""
                with contextlib.suppress(OSError):
                    while chunk := reader.recv(65536):
                        got += chunk
                received.append(len(got))
            assert all(0 < n < size for n in received), received
        finally:
            for reader in readers:
                reader.close()
        assert sorted(worker_pids(served.master.pid)) == workers
    log = served.log.read_text()
    assert "WORKER TIMEOUT" not in log and "Traceback" not in log
    assert log.count("took nothing for 4 s") == 8


def test_answers_kept_for_clients_that_never_read_stay_within_the_workers_cap(tmp_path):
    with gunicorn(tmp_path) as served:
        fill_invoices(served)
        fill_invoices(served)  # the app's own memory for such an answer is in the baseline
        (before,) = served.rss().values()
        readers = []
        try:
            for _ in range(40):
                readers.append(stalled_reader(served.port))
            wait_for(lambda: all(answer_started(r) for r in readers), timeout=25)
            (during,) = served.rss().values()
            assert served.health() == 200
        finally:
            for reader in readers:
                reader.close()
    # 40 answers of 5 MB (each held whole until all of it is out: 200 MB) are over the cap:
    # the clients that took nothing for longest are dropped, and what the worker keeps stays
    # under it (the bound adds 16 MiB for the answer being made and the worker's own
    # bookkeeping).
    assert "answers over the worker's cap" in served.log.read_text()
    assert during - before < (ANSWERS_CAP + 16 * MiB) / MiB, (before, during)


# 2. Request bodies that never finish arriving hold bounded memory.


def test_a_body_declared_over_the_limit_is_refused_at_once(tmp_path):
    with gunicorn(tmp_path) as served:
        with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
            sock.sendall(
                b"POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b"Stripe-Signature: t=1,v1=0\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1)
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    head, error = error_of(answer)
    assert head.startswith(b"HTTP/1.1 413 ")
    assert b"Content-Type: application/json" in head and b"Connection: close" in head
    assert error == {"message": "Content Too Large.", "field": None, "code": "too_large"}


def test_half_sent_bodies_stay_within_the_workers_cap_and_are_freed(tmp_path):
    with gunicorn(tmp_path) as served:
        for _ in range(3):  # the worker's memory after a few requests is the baseline
            assert served.health() == 200
        (before,) = served.rss().values()
        bodies = half_sent_bodies(served.port, 500)
        answers = [b""] * len(bodies)

        def settled():
            # The worker has read what was sent: all but the bodies its cap holds are refused.
            for i, sock in enumerate(bodies):
                answers[i] = answers[i] or first_answer(sock)
            refused = sum(a.startswith(b"HTTP/1.1 503 ") for a in answers)
            return refused >= len(bodies) - ARRIVING_CAP / MiB

        try:
            wait_for(settled, timeout=10)
            (during,) = served.rss().values()
            assert served.health() == 200
        finally:
            for sock in bodies:
                sock.close()
        # Gone, their buffers go back to the system at once (measured: under 1 MiB is kept).
        wait_for(lambda: next(iter(served.rss().values())) - before < 8, timeout=5)
    # 500 MiB offered: the worker holds up to its cap (64 bodies) and refuses the rest, each
    # with a 503.
    refused = [a for a in answers if a.startswith(b"HTTP/1.1 503 ")]
    assert len(answers) - len(refused) >= ARRIVING_CAP / MiB / 2, len(refused)
    assert all(a.startswith(b"HTTP/1.1 503 ") or a == b"" for a in answers)
    head, error = error_of(refused[0])
    assert b"Content-Type: application/json" in head and b"Connection: close" in head
    assert error == {"message": "Service Unavailable.", "field": None, "code": "server_busy"}
    # The cap, and about 1/8 more that a growing buffer may reserve, plus 16 MiB for the
    # worker's own bookkeeping and reads in progress (500 MiB held without the cap).
    assert during - before < (ARRIVING_CAP * 9 / 8 + 16 * MiB) / MiB, (before, during)


# 3. Malformed chunked bodies are the client's error (400), under either worker.

MALFORMED_CHUNKS = {
    "a quoted CR LF in an extension": b'5;name="a\r\nb"\r\nhello\r\n0\r\n\r\n',
    "a negative size": b"-5\r\nhello\r\n0\r\n\r\n",
    "data longer than its size": b"3\r\nhello\r\n0\r\n\r\n",
    "a bad trailer": b"5\r\nhello\r\n0\r\nBad Trailer\r\n\r\n",
}


@pytest.fixture(
    scope="module",
    params=[("1", ""), ("1", PASSWORD), ("2", ""), ("2", PASSWORD)],
    ids=["buffered", "buffered, password", "gthread", "gthread, password"],
)
def chunked_server(request, tmp_path_factory):
    """The buffered worker (1 thread) or gthread (2), with and without ADMIN_PASSWORD."""
    threads, password = request.param
    folder = tmp_path_factory.mktemp("chunked")
    with gunicorn(folder, GUNICORN_THREADS=threads, ADMIN_PASSWORD=password) as served:
        yield served, password


@pytest.mark.parametrize("route", ["/webhook", "/invoices"])
@pytest.mark.parametrize("body", MALFORMED_CHUNKS.values(), ids=MALFORMED_CHUNKS.keys())
def test_a_malformed_chunked_body_is_a_400_in_the_error_shape(chunked_server, route, body):
    served, password = chunked_server
    head = (
        b"POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Stripe-Signature: t=1,v1=0\r\nTransfer-Encoding: chunked\r\n" % route.encode()
    )
    if password:
        credentials = base64.b64encode(f"admin:{password}".encode())
        head += b"Authorization: Basic %s\r\n" % credentials
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
        sock.sendall(head + b"\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status, error = error_of(answer)
    assert status.startswith(b"HTTP/1.1 400 ") and b"Content-Type: application/json" in status
    assert error["code"] == "invalid_body" and error["field"] is None
    log = served.log.read_text()
    assert "Traceback" not in log and "unhandled error" not in log


# Both at once, timed: a probe is answered within a second.


@pytest.mark.timing
def test_health_answers_within_a_second_beside_stalled_readers_and_half_sent_bodies(tmp_path):
    with gunicorn(tmp_path, WEB_CONCURRENCY="3") as served:
        fill_invoices(served)
        readers, bodies = [], []
        try:
            readers = [stalled_reader(served.port) for _ in range(32)]
            # Every answer made (the app's own time for 32 of 5 MB), and kept for its reader.
            wait_for(lambda: all(answer_started(r) for r in readers), timeout=25)
            bodies = half_sent_bodies(served.port, 500)
            slow = []
            begun = time.monotonic()
            for _ in range(20):
                started = time.monotonic()
                status = served.health()
                took = time.monotonic() - started
                if status != 200 or took > 1.0:
                    slow.append((round(started - begun, 2), status, round(took, 2)))
                time.sleep(max(0.0, 0.25 - took))
        finally:
            for sock in readers + bodies:
                sock.close()
    assert slow == [], f"{len(slow)} of 20 probes late or failed (at s, status, took s)"
