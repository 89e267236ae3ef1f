"""Fixtures shared by the server's, the emulator's and the browser tests (server/, emulator/,
browser/); a folder's own conftest.py holds those only its tests use."""

import os
import uuid

import pytest

from invoicing.record import migrate
from invoicing.record.database import make_engine
from stripe_emulator import Emulator
from tests.helpers import HOOK_SECRET, Receiver, sdk_client, serve_api
from tests.helpers.browser import Watched, chromium, running_site
from tests.helpers.serving import free_port

# The apps tests build in this process are configured by the tests alone, never by a
# developer's `.env` (create_app calls load_dotenv).
os.environ["PYTHON_DOTENV_DISABLED"] = "1"


@pytest.fixture
def emulator():
    """A fresh emulator with fast retries and a short processing delay."""
    em = Emulator(processing_seconds=0.2, webhook_first_retry=0.05, webhook_attempts=4)
    yield em
    em.close()


@pytest.fixture
def client(emulator):
    """The real SDK client, talking to the emulator in process."""
    return sdk_client(emulator)


@pytest.fixture
def receiver():
    """A local HTTP endpoint for webhook deliveries."""
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def unused_port():
    """A TCP port nothing listens on right now."""
    return free_port()


@pytest.fixture(scope="session")
def postgres():
    """One PostgreSQL server for the session (each test gets its own database)."""
    from tests.helpers.postgres import Postgres

    server = Postgres().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each storage test runs on SQLite and on PostgreSQL, on an empty database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'invoicing.db'}"
    postgres = request.getfixturevalue("postgres")
    return postgres.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session")
def postgres_migrated(postgres):
    """The name of a PostgreSQL database that the server's own upgrade brought from empty to
    the newest migration, once per test process, for copies (see upgraded_url)."""
    url = postgres.create_database("migrated")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return "migrated"


@pytest.fixture(params=["sqlite", "postgresql"])
def upgraded_url(request, tmp_path):
    """The database of a storage test whose server (or engine) upgrades it first, on SQLite
    and on PostgreSQL: on SQLite an empty file, which it upgrades from empty; on PostgreSQL a
    copy of postgres_migrated, which it finds at the newest migration. What PostgreSQL's
    upgrade from empty did is the same in the copy; the upgrade itself, on an empty database
    at a server's start and from older revisions, is what database_url's tests check."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'invoicing.db'}"
    template = request.getfixturevalue("postgres_migrated")
    postgres = request.getfixturevalue("postgres")
    return postgres.create_database(f"t_{uuid.uuid4().hex[:12]}", template=template)


@pytest.fixture
def sqlite_url(tmp_path):
    """A SQLite database for tests that are not about storage."""
    return f"sqlite:///{tmp_path / 'invoicing.db'}"


@pytest.fixture
def api(emulator, upgraded_url):
    """The server on SQLite and on PostgreSQL, wired to the emulator."""
    yield from serve_api(emulator, upgraded_url)


@pytest.fixture
def sqlite_api(emulator, sqlite_url):
    """The server on SQLite only, for tests that are not about storage."""
    yield from serve_api(emulator, sqlite_url)


@pytest.fixture
def hook(emulator, upgraded_url):
    """The server on SQLite and on PostgreSQL with a known webhook secret (HOOK_SECRET): the
    emulator delivers nothing to it, so the record moves only by what the test posts."""
    yield from serve_api(emulator, upgraded_url, STRIPE_WEBHOOK_SECRETS=[HOOK_SECRET])


@pytest.fixture
def sqlite_hook(emulator, sqlite_url):
    """The same on SQLite only, for tests that are not about storage."""
    yield from serve_api(emulator, sqlite_url, STRIPE_WEBHOOK_SECRETS=[HOOK_SECRET])


@pytest.fixture(scope="session")
def browser():
    """One Chromium for each test process: every test opens its own context (Watched,
    browser_page), so no page, cookie or storage passes from one test to another."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def site(tmp_path):
    """The server and its emulator over real HTTP, fresh for each browser test."""
    with running_site(tmp_path / "invoicing.db") as live:
        yield live


@pytest.fixture
def watched(browser, tmp_path):
    """A desktop-sized page whose errors fail the test."""
    w = Watched(browser, tmp_path)
    yield w
    w.close()
