"""A gunicorn worker that reads each request whole before the application sees it.

gunicorn's sync worker reads a request with its one thread, so a client that sends a byte at a
time holds a worker for as long as it likes, and a few such clients hold every worker. This
worker sets a connection whose request has not fully arrived aside, reads all of those with
one selector as their bytes come, and serves a request, as the sync worker does, once its
headers and body are here. The wait for the client's close after an answer (gunicorn's
graceful close, up to 2 s) happens in the same selector. The application still runs one
request at a time in the worker's one thread: no threads, no monkey-patching.

    gunicorn -k invoicing.web.buffered_worker.BufferedWorker server:app
    (gunicorn.conf.py sets it)
"""

import collections
import errno
import os
import re
import resource
import selectors
import socket
import time

from gunicorn.workers.sync import SyncWorker

# Requests are read whole up to this size. The application refuses bodies over 1 MiB
# (invoicing.MAX_BODY) by their Content-Length, without reading them, so a larger request is
# handed over as it stands.
MAX_BUFFERED = 2 * 1024 * 1024
# A request must arrive whole within this many seconds of its connection, however it trickles.
ARRIVAL_SECONDS = 30.0
# After an answer, how long the client gets to close its side first.
LINGER_SECONDS = 2.0

_HEAD_END = b"\r\n\r\n"
_FIELDS = re.compile(rb"\r\n(content-length|transfer-encoding|expect)[ \t]*:([^\r\n]*)", re.I)
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class _Arriving:
    """A connection whose request is still arriving, and what is known of its length."""

    __slots__ = ("addr", "body_at", "chunk_at", "continued", "data", "deadline", "expects",
                 "listener", "needed", "sock", "trailers_at")  # fmt: skip

    def __init__(self, sock, addr, listener):
        self.sock, self.addr, self.listener = sock, addr, listener
        self.data = bytearray()
        self.deadline = time.monotonic() + ARRIVAL_SECONDS
        self.body_at = None  # where the body starts, once the headers are in
        self.needed = None  # the request's whole length, for a Content-Length body
        self.chunk_at = None  # the next chunk's size line, for a chunked body
        self.trailers_at = None  # where to look for the end, after the last chunk
        self.expects = self.continued = False  # `Expect: 100-continue`, and whether answered

    def add(self, chunk):
        """Take bytes that arrived; True once the request is whole, or once gunicorn can answer
        it as it stands (malformed, ambiguous, or a body too large to accept)."""
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
        framing = [(name, value) for name, value in fields if name != b"expect"]
        if len(framing) != 1:
            return False  # no body, or framing gunicorn refuses
        name, value = framing[0]
        if name == b"content-length":
            if not value.isdigit() or int(value) > MAX_BUFFERED:
                return False
            self.needed = self.body_at + int(value)
            return True
        if value == b"chunked":
            self.chunk_at = self.body_at
            return True
        return False  # a transfer coding gunicorn does not read: it refuses it

    def _chunks_complete(self):
        data = self.data
        while self.trailers_at is None:
            line_end = data.find(b"\r\n", self.chunk_at)
            if line_end < 0:
                return len(data) - self.chunk_at > 1024  # a size line that long is malformed
            size = data[self.chunk_at : line_end].split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size):
                return True  # malformed: gunicorn refuses it
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
    """A client socket whose request is already read: gunicorn reads the request from here,
    and the wait for the client's close after the answer goes back to the worker's selector."""

    def __init__(self, sock, data, linger):
        self._sock = sock
        self._data = memoryview(data)
        self._linger = linger
        self._answered = False

    def recv(self, size):
        """The buffered request first, then the socket; nothing once the answer is out."""
        if self._data:
            chunk, self._data = self._data[:size].tobytes(), self._data[size:]
            return chunk
        if self._answered:
            return b""
        return self._sock.recv(size)

    def shutdown(self, how):
        """Shut down; gunicorn shuts the writing side once the answer is out."""
        self._sock.shutdown(how)
        self._answered = True

    def close(self):
        """Close now, or once the client has closed its side (at most LINGER_SECONDS)."""
        if self._answered:
            self._linger(self._sock)
        else:
            self._sock.close()

    def __getattr__(self, name):
        return getattr(self._sock, name)


def _defer_accept(listener):
    """Where the system can, accept a connection only once its first bytes are in (as nginx's
    `deferred`): a request then usually arrives whole with its connection and is served at
    once, by the worker that took it, rather than set aside while other workers are idle."""
    if hasattr(socket, "TCP_DEFER_ACCEPT") and listener.family in (socket.AF_INET, socket.AF_INET6):
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_DEFER_ACCEPT, 1)


class BufferedWorker(SyncWorker):
    """gunicorn's sync worker, serving a request only once it has arrived whole."""

    def run(self):
        """Accept, read and serve until told to stop."""
        if self.cfg.is_ssl:
            # Encrypted bytes cannot be read ahead here; TLS belongs to the proxy in front.
            self.log.warning("TLS given to gunicorn: requests are read as the sync worker does")
            return super().run()
        self._selector = selectors.DefaultSelector()
        self._arriving = collections.OrderedDict()  # oldest first
        self._lingering = collections.OrderedDict()
        soft_limit, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        self._capacity = max(1, min(self.cfg.worker_connections, soft_limit - 64))
        self._selector.register(self.PIPE[0], selectors.EVENT_READ, self._wake)
        for listener in self.sockets:
            listener.setblocking(False)
            _defer_accept(listener)
            self._selector.register(listener, selectors.EVENT_READ, self._accept)
        try:
            while self.alive and self.is_parent_alive():
                self.notify()
                for key, _ in self._selector.select(self._next_timeout()):
                    key.data(key.fileobj)
                self._expire(time.monotonic())
        finally:
            for sock in [*self._arriving, *self._lingering]:
                sock.close()
            self._selector.close()
        return None

    def _wake(self, pipe):
        # A signal arrived (gunicorn writes to this pipe): the loop then looks at self.alive.
        try:
            os.read(pipe, 4096)
        except BlockingIOError:
            pass

    def _next_timeout(self):
        soonest = time.monotonic() + 1.0
        if self._arriving:
            soonest = min(soonest, next(iter(self._arriving.values())).deadline)
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
            self._drop(next(iter(self._arriving)))  # out of descriptors: the oldest goes
            return
        if len(self._arriving) >= self._capacity:
            self._drop(next(iter(self._arriving)))
        sock.setblocking(False)
        self._arriving[sock] = _Arriving(sock, addr, listener)
        self._selector.register(sock, selectors.EVENT_READ, self._read)
        self._read(sock)  # the request often came with the connection

    def _read(self, sock):
        arriving = self._arriving[sock]
        try:
            chunk = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._drop(sock)
        elif arriving.add(chunk):
            self._selector.unregister(sock)
            del self._arriving[sock]
            sock.setblocking(True)
            answered = _Arrived(sock, arriving.data, self._linger)
            self.handle(arriving.listener, answered, arriving.addr)
        elif arriving.expects and not arriving.continued:
            # The client waits for this before sending its body. gunicorn says it again when it
            # reads the request; HTTP allows any number of 1xx answers before the final one.
            arriving.continued = True
            try:
                sock.send(_CONTINUE)
            except OSError:
                self._drop(sock)

    def _linger(self, sock):
        sock.setblocking(False)
        self._lingering[sock] = time.monotonic() + LINGER_SECONDS
        self._selector.register(sock, selectors.EVENT_READ, self._drain)

    def _drain(self, sock):
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

    def _drop(self, sock):
        self._selector.unregister(sock)
        del self._arriving[sock]
        sock.close()

    def _expire(self, now):
        while self._arriving and next(iter(self._arriving.values())).deadline <= now:
            self._drop(next(iter(self._arriving)))
        while self._lingering and next(iter(self._lingering.values())) <= now:
            self._close_lingering(next(iter(self._lingering)))
