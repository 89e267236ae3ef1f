"""Fixtures shared by the emulator's and the server's tests."""

import pytest
import stripe

from stripe_emulator import Emulator, WSGIClient
from tests.helpers import Receiver

TEST_KEY = "sk_test_emulator_key"


@pytest.fixture
def emulator():
    """A fresh emulator with fast retries and a short processing delay."""
    em = Emulator(processing_seconds=0.2, webhook_first_retry=0.05, webhook_attempts=4)
    yield em
    em.close()


@pytest.fixture
def client(emulator):
    """The real SDK client, talking to the emulator in process."""
    return stripe.StripeClient(
        TEST_KEY,
        base_addresses={"api": "http://emulator.test"},
        http_client=WSGIClient(emulator),
    )


@pytest.fixture
def receiver():
    """A local HTTP endpoint for webhook deliveries."""
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def unused_port():
    """A TCP port nothing listens on right now."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
