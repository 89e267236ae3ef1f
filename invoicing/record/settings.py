"""Small named values the server keeps between runs (the reconciler's cursor, emulator mode's
webhook secret), and the health check's write."""

import time

from sqlalchemy import select

from invoicing.record.statements import insert_into
from invoicing.record.tables import settings


def get_setting(db, key):
    """A kept value (text), or None."""
    return db.execute(select(settings.c.value).where(settings.c.key == key)).scalar()


def set_setting(db, key, value):
    """Keep a value (text) under `key`."""
    db.execute(
        insert_into(db, settings)
        .values(key=key, value=value)
        .on_conflict_do_update(index_elements=[settings.c.key], set_={"value": value})
    )


def ping(db):
    """Raise if the database does not answer, or does not take a write."""
    set_setting(db, "health.checked_at", str(int(time.time())))
