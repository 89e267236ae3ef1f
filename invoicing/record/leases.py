"""Leases: a job that one process across every worker and host runs at a time."""

import time

from sqlalchemy import or_

from invoicing.record.statements import insert_into
from invoicing.record.tables import leases


def take_lease(db, name, holder, seconds):
    """Hold the lease `name` for `seconds` if it is free, expired or already ours; True if
    held. One holder at a time across every process and host sharing the database."""
    now = int(time.time())
    held = db.execute(
        insert_into(db, leases)
        .values(name=name, holder=holder, expires=now + seconds)
        .on_conflict_do_update(
            index_elements=[leases.c.name],
            set_={"holder": holder, "expires": now + seconds},
            where=or_(leases.c.holder == holder, leases.c.expires < now),
        )
        .returning(leases.c.name)
    ).first()
    return held is not None
