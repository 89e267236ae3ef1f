"""record/settings.py on SQLite and PostgreSQL: small named values kept between runs, and the
health check's write."""

import time

from invoicing.record import settings, tables


def test_a_value_is_kept_under_its_key_and_replaced(engine):
    with engine.connect() as db:
        assert settings.get_setting(db, "reconcile.cursor") is None
    with engine.begin() as db:
        settings.set_setting(db, "reconcile.cursor", "1760000000")
    with engine.begin() as db:
        settings.set_setting(db, "reconcile.cursor", "1760000060")
        settings.set_setting(db, "emulator.webhook_secret", "whsec_x")
    with engine.connect() as db:
        assert settings.get_setting(db, "reconcile.cursor") == "1760000060"
        assert settings.get_setting(db, "emulator.webhook_secret") == "whsec_x"
        assert sorted(db.execute(tables.settings.select()).all()) == [
            ("emulator.webhook_secret", "whsec_x"),
            ("reconcile.cursor", "1760000060"),
        ]


def test_ping_writes_when_it_was_checked(engine):
    before = int(time.time())
    with engine.begin() as db:
        settings.ping(db)
    with engine.connect() as db:
        checked = int(settings.get_setting(db, "health.checked_at"))
    assert before <= checked <= int(time.time())
