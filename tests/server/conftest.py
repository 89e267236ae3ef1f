"""Fixtures only the server's tests use (the shared ones are in tests/conftest.py)."""

import pytest

from invoicing.record import migrate
from invoicing.record.database import make_engine
from tests.helpers import TEST_KEYS, serve_api


@pytest.fixture
def test_mode(emulator, sqlite_url):
    """The server with (fake) test keys, its Stripe calls going to the emulator."""
    yield from serve_api(emulator, sqlite_url, **TEST_KEYS)


@pytest.fixture
def engine(upgraded_url):
    """The local database alone, no server: on SQLite and on PostgreSQL, made by the server's
    own make_engine and brought to the newest migration."""
    made = make_engine(upgraded_url)
    migrate.upgrade(made)
    yield made
    made.dispose()
