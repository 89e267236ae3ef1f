"""Configuration from the environment (and `.env`), checked once at start-up."""

import os
import re
from urllib.parse import urlsplit

from dotenv import load_dotenv
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from invoicing.errors import ConfigError

_KEY = re.compile(r"^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,}$")
_PUBLISHABLE = re.compile(r"^pk_(test|live)_[A-Za-z0-9_]{8,}$")
_WEBHOOK_SECRET = re.compile(r"^whsec_[A-Za-z0-9+/=_]{8,}$")
_TEST_CLOCK = re.compile(r"clock_[A-Za-z0-9]{8,64}")
_KEY_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")
EMULATOR_KEY = "sk_test_emulator"


def load_env():
    """Read `.env` into the environment (python-dotenv), as every entry point does first.

    An empty variable means its default. gunicorn reads WEB_CONCURRENCY itself, as a number,
    before any settings file, in every gunicorn a process starts: an empty one is dropped, so
    that none started from here (the benchmarks' servers, say) dies on it.
    """
    load_dotenv()
    if not os.environ.get("WEB_CONCURRENCY", "default").strip():
        del os.environ["WEB_CONCURRENCY"]


def whole_number(environ, name, default, low, high):
    """The whole number in `environ[name]` (empty: `default`), within [low, high]; else a
    ConfigError naming the variable."""
    raw = environ.get(name, "").strip() or str(default)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _seconds(environ, name, default, high):
    raw = environ.get(name, "").strip() or str(default)
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 <= value <= high:
        raise ConfigError(f"{name} must be between 0 and {high}, got {value}")
    return value


def _flag(environ, name):
    raw = environ.get(name, "").strip().lower()
    if raw not in ("", "0", "1", "true", "false", "yes", "no"):
        raise ConfigError(f"{name} must be true or false, got {raw!r}")
    return raw in ("1", "true", "yes")


def _url(environ, name, default):
    raw = environ.get(name, "").strip() or default
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def mode_of(secret_key):
    """`emulator` without a key, else `test` or `live` by the key's prefix."""
    if not secret_key:
        return "emulator"
    return "live" if "_live_" in secret_key else "test"


def from_environ(environ=None):
    """Read and check every setting; raise ConfigError on the first bad one."""
    environ = os.environ if environ is None else environ
    key = environ.get("STRIPE_SECRET_KEY", "").strip()
    if key and not _KEY.match(key):
        # Never echo a secret: say the rule, and only the prefix and length of this value.
        prefix = next((p for p in _KEY_PREFIXES if key.startswith(p)), None)
        shape = f"{prefix} and {len(key) - len(prefix)} more" if prefix else f"{len(key)}"
        raise ConfigError(
            "STRIPE_SECRET_KEY must be sk_test_, sk_live_, rk_test_ or rk_live_ followed by at "
            f"least 8 letters, digits or underscores (got {shape} characters); or empty for "
            "the built-in emulator"
        )
    publishable = environ.get("STRIPE_PUBLISHABLE_KEY", "").strip()
    if publishable and not _PUBLISHABLE.match(publishable):
        raise ConfigError("STRIPE_PUBLISHABLE_KEY must look like pk_test_... or pk_live_...")
    if key and publishable and mode_of(key) != ("live" if "_live_" in publishable else "test"):
        raise ConfigError("STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY are from different modes")
    secrets = [s.strip() for s in environ.get("STRIPE_WEBHOOK_SECRET", "").split(",") if s.strip()]
    for secret in secrets:
        if not _WEBHOOK_SECRET.match(secret):
            raise ConfigError("STRIPE_WEBHOOK_SECRET must be whsec_... values, comma-separated")
    database_url = environ.get("DATABASE_URL", "").strip() or None
    if database_url:
        try:
            make_url(database_url)
        except ArgumentError:
            raise ConfigError("DATABASE_URL is not a valid SQLAlchemy URL") from None
    base = environ.get("STRIPE_API_BASE", "").strip()
    admin_password = environ.get("ADMIN_PASSWORD", "")
    if mode_of(key) == "live" and not admin_password.strip():
        raise ConfigError("a live key needs ADMIN_PASSWORD: every route but /webhook would be open")
    admin_user = environ.get("ADMIN_USER", "").strip() or "admin"
    port = whole_number(environ, "PORT", 4242, 1, 65535)
    test_clock = environ.get("STRIPE_TEST_CLOCK", "").strip()
    if test_clock and (mode_of(key) == "live" or not _TEST_CLOCK.fullmatch(test_clock)):
        raise ConfigError("STRIPE_TEST_CLOCK must be a test clock's id (clock_...), in test mode")
    if ":" in admin_user:
        raise ConfigError("ADMIN_USER cannot contain ':'")
    return {
        "STRIPE_SECRET_KEY": key,
        "STRIPE_PUBLISHABLE_KEY": publishable,
        "STRIPE_WEBHOOK_SECRETS": secrets,
        "STRIPE_API_BASE": _url(environ, "STRIPE_API_BASE", base) if base else "",
        "DATABASE_URL": database_url,
        "PORT": port,
        # The address the emulator's webhooks go to follows PORT unless DOMAIN is set.
        "DOMAIN": _url(environ, "DOMAIN", f"http://localhost:{port}"),
        "DOMAIN_SET": bool(environ.get("DOMAIN", "").strip()),
        "DAYS_UNTIL_DUE": whole_number(environ, "DAYS_UNTIL_DUE", 30, 1, 365),
        "AUTOMATIC_TAX": _flag(environ, "AUTOMATIC_TAX"),
        "STRIPE_TEST_CLOCK": test_clock,
        "EMULATOR_PROCESSING_SECONDS": _seconds(environ, "EMULATOR_PROCESSING_SECONDS", 3, 3600),
        "EMULATOR_STATE_FILE": environ.get("EMULATOR_STATE_FILE", "").strip(),
        "ADMIN_USER": admin_user,
        "ADMIN_PASSWORD": admin_password,
        "TRUSTED_PROXIES": whole_number(environ, "TRUSTED_PROXIES", 0, 0, 10),
        "RECONCILE_SECONDS": whole_number(environ, "RECONCILE_SECONDS", 60, 0, 86400),
        "ABANDONED_SEND_SECONDS": whole_number(environ, "ABANDONED_SEND_SECONDS", 120, 0, 86400),
    }


def warnings_of(config):
    """One line for each setting a server starts with but that will not work as meant."""
    found = []
    if config["MODE"] != "emulator" and not config["STRIPE_WEBHOOK_SECRETS"]:
        found.append(
            "STRIPE_WEBHOOK_SECRET is not set: every webhook is refused (503) until it is; "
            "`stripe listen` prints a whsec_... to set it to"
        )
    return found
