"""The tests' own HTTP server (tests/helpers/serving.py): every answer is closed, even when its
client resets the connection, so that no file it held is left to the garbage collector (a
ResourceWarning, which fails the suite)."""

import socket
import struct
import threading

from tests.helpers.serving import LiveServer

BODY = b"served"


class Answer:
    """An answer of known length that ends only once the client has reset its connection."""

    def __init__(self, reset):
        self.reset, self.closed = reset, threading.Event()

    def __iter__(self):
        yield BODY
        # The whole body is out: wait until the client's reset has arrived, so that it meets
        # the server after the answer and before the server closes it.
        self.reset.wait(10)
        threading.Event().wait(0.2)

    def close(self):
        """What a file's answer does: let go of the file."""
        self.closed.set()


def test_an_answer_is_closed_when_its_client_resets_the_connection():
    reset = threading.Event()
    answer = Answer(reset)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Length", str(len(BODY)))])
        return answer

    server = LiveServer(app)
    try:
        with socket.create_connection(("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            received = b""
            while not received.endswith(BODY):
                received += client.recv(4096)
            # Closing with SO_LINGER at 0 s sends a reset, as a browser that drops a request does.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        reset.set()
        assert answer.closed.wait(10), "the answer was never closed"
    finally:
        server.stop()
