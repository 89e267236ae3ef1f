"""A gunicorn worker that reads each request whole before the application sees it. It writes
each answer as the client takes it, too: gunicorn's sync worker does both with its one thread,
so that a client sending a byte at a time, or reading nothing, holds it. Here one selector
reads all arriving requests, sends what a socket does not take of an answer at once, and waits
for each client's close after its answer (gunicorn's graceful close, up to 2 s); the app still
runs one request at a time, in one thread. What a worker holds is capped (docs/deploying.md).
"""

import collections
import contextlib
import errno
import os
import re
import resource
import selectors
import socket
import struct
import time

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

from invoicing import MAX_BODY

MiB = 1024 * 1024
# A body declared over MAX_BODY (the app's limit) is a 413 at once; a request is read whole up
# to MAX_BUFFERED (such a body, its headers, its chunks' framing), else handed over as it is.
MAX_BUFFERED = 2 * MiB
ARRIVING_CAP = 64 * MiB  # what a worker's arriving requests hold; over it, the largest gets 503
# What one answer (twice the largest: 100 invoices of 250 long lines are 8 MB) and a worker's
# answers keep unsent: over the first its client is dropped, over the second the one that took
# nothing for longest, as is one that takes nothing for gunicorn's `timeout`.
ANSWER_CAP, ANSWERS_CAP = 16 * MiB, 64 * MiB
ARRIVAL_SECONDS = 30.0  # for a request to arrive whole, however it trickles
LINGER_SECONDS = 2.0  # after an answer, for the client to close its side first

_HEAD_END = b"\r\n\r\n"
_FIELDS = re.compile(rb"\r\n(content-length|transfer-encoding|expect)[ \t]*:([^\r\n]*)", re.I)
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_RESET = struct.pack("ii", 1, 0)  # SO_LINGER 0 s: close() resets, freeing the buffers at once


class _Arriving:
    """A connection whose request is still arriving, and what is known of its length."""

    __slots__ = ("addr", "body_at", "chunk_at", "continued", "data", "deadline", "expects",
                 "listener", "needed", "refused", "sock", "trailers_at")  # fmt: skip

    def __init__(self, sock, addr, listener):
        self.sock, self.addr, self.listener = sock, addr, listener
        self.data = bytearray()
        self.deadline = time.monotonic() + ARRIVAL_SECONDS
        self.body_at = None  # where the body starts, once the headers are in
        self.needed = None  # the request's whole length, for a Content-Length body
        self.chunk_at = None  # the next chunk's size line, for a chunked body
        self.trailers_at = None  # where to look for the end, after the last chunk
        self.expects = self.continued = False  # `Expect: 100-continue`, and whether answered
        self.refused = None  # (status, reason, why) when the worker answers it itself

    def add(self, chunk):
        """Take bytes that arrived; True once the request is whole, or once it can be answered
        as it stands (malformed, ambiguous, or a body too large to accept)."""
        before = len(self.data)
        self.data += chunk
        if len(self.data) >= MAX_BUFFERED:
            return True
        if self.body_at is None:
            end = self.data.find(_HEAD_END, max(0, before - 3))
            if end < 0:
                return False
            self.body_at = end + len(_HEAD_END)
            if not self._frame(bytes(self.data[:end])):
                return True
        if self.needed is not None:
            return len(self.data) >= self.needed
        return self._chunks_complete()

    def _frame(self, head):
        """Read the body's framing from the headers; False when there is nothing to wait for."""
        fields = [(name.lower(), value.strip().lower()) for name, value in _FIELDS.findall(head)]
        self.expects = (b"expect", b"100-continue") in fields
        lengths = [value for name, value in fields if name == b"content-length"]
        codings = b",".join(value for name, value in fields if name == b"transfer-encoding")
        if codings:
            # gunicorn reads a body whose last coding is chunked, and refuses any other.
            if lengths or codings.rsplit(b",", 1)[-1].strip() != b"chunked":
                return False
            self.chunk_at = self.body_at
            return True
        if len(lengths) != 1 or not lengths[0].isdigit():
            return False  # no body, or one gunicorn refuses
        if int(lengths[0]) > MAX_BODY:
            self.refused = (413, "Content Too Large", f"a body over {MAX_BODY} bytes")
            return False
        self.needed = self.body_at + int(lengths[0])
        return True

    def _chunks_complete(self):
        data = self.data
        while self.trailers_at is None:
            line_end = data.find(b"\r\n", self.chunk_at)
            if line_end < 0:
                return len(data) - self.chunk_at > 1024  # a size line that long is malformed
            size = data[self.chunk_at : line_end].split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size):
                return True  # malformed: the app refuses it
            if int(size, 16) == 0:
                self.trailers_at = line_end
                break
            self.chunk_at = line_end + 2 + int(size, 16) + 2
            if self.chunk_at > len(data):
                return False
        if data.find(_HEAD_END, self.trailers_at) >= 0:
            return True
        self.trailers_at = max(self.trailers_at, len(data) - 3)
        return False


class _Arrived:
    """A socket whose request is read, for gunicorn; what it does not take of an answer waits."""

    def __init__(self, worker, sock, addr, data=b""):
        self.sock, self.addr, self._worker = sock, addr, worker
        self._data = memoryview(data)
        self.unsent = collections.deque()  # pieces the client has yet to take, oldest first
        self.offset = self.held = 0  # what the client took of the first; their bytes
        self.taken_at = time.monotonic()  # when the client last took any of its answer
        self.state = "answering"  # then "sending" (unsent left), "done" or "closed" (dropped)

    def recv(self, size):
        """The request read ahead, then nothing: gunicorn never waits on this socket."""
        chunk, self._data = self._data[:size].tobytes(), self._data[size:]
        return chunk

    def sendall(self, data):
        """Send what the socket takes, keep the rest (BrokenPipeError once dropped)."""
        self._worker.write(self, data)
        return len(data)

    send = sendall

    def shutdown(self, how):
        """The answer is written: the rest of the request is not read."""
        self._data = memoryview(b"")

    def close(self):
        """The worker sends what is left, then waits for the client's close."""
        self._worker.answered(self)

    def settimeout(self, value):
        """Nothing: the socket stays non-blocking."""

    setblocking = settimeout

    def __getattr__(self, name):
        return getattr(self.sock, name)


def _defer_accept(listener):
    """Where the system can, accept a connection only once its first bytes are in (as nginx's
    `deferred`): a request then usually arrives whole with its connection and is served at
    once, by the worker that took it, rather than set aside while other workers are idle."""
    if hasattr(socket, "TCP_DEFER_ACCEPT") and listener.family in (socket.AF_INET, socket.AF_INET6):
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 1)


class BufferedWorker(SyncWorker):
    """gunicorn's sync worker, reading each request whole and writing as the client reads."""

    def run(self):
        """Accept, read, serve and write until told to stop; then finish the answers going out."""
        if self.cfg.is_ssl:
            # Encrypted bytes cannot be read ahead here; TLS belongs to the proxy in front.
            self.log.warning("TLS given to gunicorn: requests are read as the sync worker does")
            return super().run()
        self.cfg.set("sendfile", False)  # a file goes out as the rest of an answer does
        self._selector = selectors.DefaultSelector()
        # Oldest first; for _sending, the client that took nothing for longest.
        self._arriving, self._sending, self._lingering = {}, {}, {}
        self._arriving_bytes = self._unsent_bytes = 0
        # As long as gunicorn waits on a silent worker (60 s here, as nginx's send_timeout).
        self._stall = float(self.cfg.timeout or 60)
        soft_limit, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        self._capacity = max(1, min(self.cfg.worker_connections, soft_limit - 64))
        self._selector.register(self.PIPE[0], selectors.EVENT_READ, self._wake)
        for listener in self.sockets:
            listener.setblocking(False)
            _defer_accept(listener)
            self._selector.register(listener, selectors.EVENT_READ, self._accept)
        try:
            while self.alive and self.is_parent_alive():
                self._turn()
            # Stopping: answers going out get graceful_timeout (a client 2 s without reading).
            for listener in self.sockets:
                self._selector.unregister(listener)
            self._stall = LINGER_SECONDS
            deadline = time.monotonic() + self.cfg.graceful_timeout
            while self._sending and time.monotonic() < deadline:
                self._turn()
        finally:
            for sock in [*self._arriving, *self._sending, *self._lingering]:
                sock.close()
            self._selector.close()
        return None

    def _turn(self):
        self.notify()  # also while only clients are waited on: gunicorn's timeout is for the app
        for key, _ in self._selector.select(self._next_timeout()):
            key.data(key.fileobj)
        self._expire(time.monotonic())

    def _wake(self, pipe):
        # A signal arrived (gunicorn writes to this pipe): the loop then looks at self.alive.
        with contextlib.suppress(BlockingIOError):
            os.read(pipe, 4096)

    def _next_timeout(self):
        soonest = time.monotonic() + 1.0
        if self._arriving:
            soonest = min(soonest, next(iter(self._arriving.values())).deadline)
        if self._sending:
            soonest = min(soonest, next(iter(self._sending.values())).taken_at + self._stall)
        if self._lingering:
            soonest = min(soonest, next(iter(self._lingering.values())))
        return max(0.0, soonest - time.monotonic())

    def _accept(self, listener):
        # One connection per wake-up, so that requests completing meanwhile are not starved.
        try:
            sock, addr = listener.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        except OSError as error:
            if error.errno not in (errno.EMFILE, errno.ENFILE) or not self._arriving:
                raise
            self._take(next(iter(self._arriving))).close()  # out of descriptors: the oldest goes
            return
        if len(self._arriving) >= self._capacity:
            self._take(next(iter(self._arriving))).close()
        sock.setblocking(False)
        self._arriving[sock] = _Arriving(sock, addr, listener)
        self._selector.register(sock, selectors.EVENT_READ, self._read)
        self._read(sock)  # the request often came with the connection

    def _read(self, sock):
        arriving = self._arriving.get(sock)
        if arriving is None:
            return  # dropped by another event of this turn
        try:
            chunk = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._take(sock).close()
            return
        self._arriving_bytes += len(chunk)
        if arriving.add(chunk):
            self._take(sock)
            if arriving.refused:
                self._refuse(arriving, *arriving.refused)
            else:
                client = _Arrived(self, sock, arriving.addr, arriving.data)
                self.handle(arriving.listener, client, arriving.addr)  # which closes it
            return
        while self._arriving_bytes > ARRIVING_CAP:
            largest = max(self._arriving.values(), key=lambda a: (len(a.data), a.deadline))
            self._take(largest.sock)
            why = f"the requests arriving hold over {ARRIVING_CAP // MiB} MiB"
            self._refuse(largest, 503, "Service Unavailable", why)
        if sock in self._arriving and arriving.expects and not arriving.continued:
            # The client waits for this before sending its body. gunicorn says it again when it
            # reads the request; HTTP allows any number of 1xx answers before the final one.
            arriving.continued = True
            try:
                sock.send(_CONTINUE)
            except OSError:
                self._take(sock).close()

    def _take(self, sock):
        # Stop reading a request: to answer it, or to close (`_take(sock).close()`).
        self._selector.unregister(sock)
        self._arriving_bytes -= len(self._arriving.pop(sock).data)
        return sock

    def _refuse(self, arriving, status, reason, why):
        # Answered without the app, in gunicorn's error shape (JSON with gunicorn.conf.py).
        self.log.info("Refused a request from %s: %s", (arriving.addr or ["-"])[0], why)
        client = _Arrived(self, arriving.sock, arriving.addr)
        with contextlib.suppress(OSError):  # the client is gone
            util.write_error(client, status, reason, "")
        client.close()

    def write(self, client, data):
        """Send what the socket takes now, keep the rest within the caps; else BrokenPipeError."""
        if client.state != "closed":
            kept = data if type(data) is bytes else bytes(data)  # the caller may reuse a buffer
            client.unsent.append(kept)
            client.held += len(kept)
            self._unsent_bytes += len(kept)
            self._pump(client)
            if client.held > ANSWER_CAP:
                self._reset(client, f"its answer is over {ANSWER_CAP // MiB} MiB unsent")
            while self._unsent_bytes > ANSWERS_CAP and self._sending:
                self._reset(next(iter(self._sending.values())), "answers over the worker's cap")
        if client.state == "closed":
            raise BrokenPipeError(errno.EPIPE, "The client is gone")

    def _pump(self, client):
        # Send what the socket takes; a piece is held, and counted, until all of it is out.
        while client.unsent:
            piece = client.unsent[0]
            try:
                sent = client.sock.send(memoryview(piece)[client.offset :])
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self._reset(client, None)
                return
            client.taken_at = time.monotonic()
            client.offset += sent
            if client.offset < len(piece):
                return  # the socket is full
            client.unsent.popleft()
            client.offset = 0
            client.held -= len(piece)
            self._unsent_bytes -= len(piece)

    def answered(self, client):
        """gunicorn is done with the client: send what is left, then linger."""
        if client.state == "answering" and client.unsent:
            client.state = "sending"
            self._sending[client.sock] = client
            self._selector.register(client.sock, selectors.EVENT_WRITE, self._send)
        elif client.state == "answering":
            client.state = "done"
            self._linger(client.sock)

    def _send(self, sock):
        client = self._sending.get(sock)
        if client is None:
            return  # dropped by another event of this turn
        self._sending[sock] = self._sending.pop(sock)  # writable: the client took some
        self._pump(client)
        if client.state == "sending" and not client.unsent:
            del self._sending[sock]
            self._selector.unregister(sock)
            client.state = "done"
            self._linger(sock)

    def _reset(self, client, why):
        # Drop a client whose answer is not all out, freeing what it held at once.
        if why:
            self.log.info("Dropped a client at %s: %s", (client.addr or ["-"])[0], why)
        if client.state == "sending":
            del self._sending[client.sock]
            self._selector.unregister(client.sock)
        self._unsent_bytes -= client.held
        client.unsent.clear()
        client.held = client.offset = 0
        client.state = "closed"
        with contextlib.suppress(OSError):
            client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _RESET)
        client.sock.close()

    def _linger(self, sock):
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            sock.close()
            return
        self._lingering[sock] = time.monotonic() + LINGER_SECONDS
        self._selector.register(sock, selectors.EVENT_READ, self._drain)

    def _drain(self, sock):
        if sock not in self._lingering:
            return  # closed by another event of this turn
        try:
            if sock.recv(65536):
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        self._close_lingering(sock)

    def _close_lingering(self, sock):
        self._selector.unregister(sock)
        del self._lingering[sock]
        sock.close()

    def _expire(self, now):
        while self._arriving and next(iter(self._arriving.values())).deadline <= now:
            self._take(next(iter(self._arriving))).close()
        while self._sending and next(iter(self._sending.values())).taken_at + self._stall <= now:
            self._reset(next(iter(self._sending.values())), f"took nothing for {self._stall:g} s")
        while self._lingering and next(iter(self._lingering.values())) <= now:
            self._close_lingering(next(iter(self._lingering)))
