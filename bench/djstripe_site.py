"""dj-stripe's webhook endpoint as a reference: its own virtualenv, and a tiny Django site.

The virtualenv gets dj-stripe and its stack from PyPI at the versions pinned below. It lives
outside the project, in the user's cache (`$XDG_CACHE_HOME/invoicing-bench`, by default
`~/.cache/invoicing-bench`), so that the project's tree holds only the project's own code. The
Django site is written by `write_site` into a scratch folder: Django's default middleware (as
`startproject` makes it), the webhook route, and a `/healthz`. dj-stripe runs in one of two
modes:

- `record`: the `WebhookEventTrigger` row only (verified, stored, processing handed to a
  callback that does nothing, as a site passing events to a queue would);
- `process`: dj-stripe's default processing, which fetches the objects from Stripe: its API
  base points at the emulator, where the invoices the events name exist.

The database is tuned as this server's is: SQLite in WAL mode with a 5 s busy timeout and
`synchronous=NORMAL` (and IMMEDIATE transactions, Django's advice for concurrent writers);
PostgreSQL with persistent connections (`CONN_MAX_AGE=None`), so neither pays a connect per
request.
"""

import hashlib
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "invoicing-bench"
)
VENV = os.path.join(CACHE, "djstripe-venv")
PINS = ("dj-stripe==2.11.0", "Django==5.2.19", "stripe==15.6.2", "psycopg[binary]==3.3.9",
        "gunicorn==27.0.1")  # fmt: skip
ENDPOINT_UUID = "5f0c2a8e-3b1d-4c7a-9e2f-6a1b8d4c0e11"
WEBHOOK_PATH = f"/stripe/webhook/{ENDPOINT_UUID}/"
API_KEY = "sk_test_benchDjstripe0000000000000000"

_SETTINGS = '''"""The benchmark's dj-stripe site; database and mode from the environment."""
import os

SECRET_KEY = "bench-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "benchsite.urls"
WSGI_APPLICATION = "benchsite.wsgi.application"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "djstripe",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
TEMPLATES = []
_url = os.environ["DATABASE_URL"]
if _url.startswith("sqlite:///"):
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _url[len("sqlite:///"):],
        "OPTIONS": {
            "timeout": 5,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }}
else:
    _rest = _url.split("://", 1)[1]
    _auth, _where = _rest.split("@", 1)
    _hostport, _name = _where.split("/", 1)
    _host, _port = _hostport.split(":")
    DATABASES = {"default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _name, "USER": _auth, "HOST": _host, "PORT": _port,
        "CONN_MAX_AGE": None,
    }}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STRIPE_LIVE_MODE = False
STRIPE_TEST_SECRET_KEY = "{api_key}"
STRIPE_API_HOST = os.environ.get("STRIPE_API_HOST", "http://127.0.0.1:9")
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_WEBHOOK_VALIDATION = "verify_signature"
if os.environ.get("DJSTRIPE_MODE") == "record":
    DJSTRIPE_WEBHOOK_EVENT_CALLBACK = "benchsite.urls.record_only"
SILENCED_SYSTEM_CHECKS = ["djstripe.W002"]  # the emulator's API base, on purpose
LOGGING = {"version": 1, "disable_existing_loggers": False}
'''

_URLS = '''"""The webhook route, a health check, and the record-only callback."""
from django.http import HttpResponse
from django.urls import include, path


def record_only(trigger, api_key=None):
    """Keep the verified trigger row; process nothing (a queue would take it from here)."""


def healthz(request):
    return HttpResponse("ok")


urlpatterns = [
    path("stripe/", include("djstripe.urls", namespace="djstripe")),
    path("healthz", healthz),
]
'''

_WSGI = """import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
application = get_wsgi_application()

from djstripe.models import Invoice, InvoiceItem, LineItem  # noqa: E402

# The emulator expands single ids but not lists of ids (`discounts`); these invoices have no
# discounts, so the expansion would add nothing to the answers.
for model in (Invoice, InvoiceItem, LineItem):
    model.expand_fields = [f for f in model.expand_fields if "discounts" not in f]
"""

_SETUP = '''"""Migrate, then the account, API key and webhook endpoint rows dj-stripe looks up."""
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
django.setup()
from django.core.management import call_command  # noqa: E402
from djstripe.models import Account, APIKey, WebhookEndpoint  # noqa: E402

call_command("migrate", verbosity=0)
account = Account.objects.create(id="acct_bench", livemode=False,
                                 stripe_data={{"id": "acct_bench", "object": "account"}})
APIKey.objects.create(secret="{api_key}", type="secret", livemode=False,
                      djstripe_owner_account=account)
WebhookEndpoint.objects.create(
    id="we_bench", livemode=False, secret=sys.argv[1], url="http://127.0.0.1/",
    enabled_events=["*"], status="enabled", api_version="", djstripe_uuid="{uuid}",
    djstripe_owner_account=account,
    stripe_data={{"id": "we_bench", "object": "webhook_endpoint"}},
)
'''


def ensure_venv():
    """The virtualenv's bin folder, created and filled from PyPI on first use."""
    marker = os.path.join(VENV, "pins.txt")
    wanted = "\n".join(PINS)
    if os.path.exists(marker) and open(marker).read() == wanted:
        return os.path.join(VENV, "bin")
    subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True)
    pip = [os.path.join(VENV, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *PINS], check=True)
    with open(marker, "w") as out:
        out.write(wanted)
    return os.path.join(VENV, "bin")


def write_site(folder):
    """Write the `benchsite` package into `folder`; return `folder`."""
    package = os.path.join(folder, "benchsite")
    os.makedirs(package, exist_ok=True)
    files = {
        "__init__.py": "",
        "settings.py": _SETTINGS.replace("{api_key}", API_KEY),
        "urls.py": _URLS,
        "wsgi.py": _WSGI,
        "setup.py": _SETUP.format(api_key=API_KEY, uuid=ENDPOINT_UUID),
    }
    for name, text in files.items():
        with open(os.path.join(package, name), "w") as out:
            out.write(text)
    return folder


def prepare_database(bindir, folder, database_url, secret):
    """Migrate an empty database and add the rows the webhook needs."""
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    python = os.path.join(bindir, "python")
    subprocess.run(
        [python, "-m", "benchsite.setup", secret], cwd=folder, env=env, check=True,
        capture_output=True,
    )  # fmt: skip


def sqlite_template(bindir, folder, secret):
    """A migrated SQLite database with the webhook's rows, made once for these pins and kept
    in the cache beside the virtualenv (dj-stripe's migrations take minutes); its URL."""
    digest = hashlib.sha256("\n".join([*PINS, ENDPOINT_UUID, secret]).encode()).hexdigest()[:12]
    path = os.path.join(os.path.dirname(VENV), f"djstripe-{digest}.db")
    if not os.path.exists(path):
        scratch = os.path.join(folder, "djstripe-template.db")
        prepare_database(bindir, folder, f"sqlite:///{scratch}", secret)
        shutil.move(scratch, path)
    return f"sqlite:///{path}"


def count_sql(mode):
    """The SQL counting the webhook events dj-stripe took in `mode` (SQLite and PostgreSQL)."""
    done = "valid" if mode == "record" else "valid AND processed"
    return f"SELECT count(*) FROM djstripe_webhookeventtrigger WHERE {done}"  # noqa: S608 (fixed)
