"""Reconciliation: the local record converges to Stripe's after missed webhooks, dead workers
or a database outage. `flask --app server reconcile` runs it once; a serving process runs it
every RECONCILE_SECONDS while it holds the lease (one process across every worker and host).

Each pass, safe to repeat and to run beside a live server:
1. applies every event in Stripe's list that is not stored yet, from the last one seen (with
   an overlap: the list is not strictly in order of arrival), through the webhook's own path;
2. refreshes every local invoice not yet paid or void from Stripe's invoice list;
3. settles the sends that dead processes left pending (sending.repair), and drafts no send
   owns any more.
"""

import dataclasses
import json
import os
import random
import socket
import threading
import time

import stripe
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

import bookkeeping
import invoicing
import sending
import store
import webhook

# How far back each pass looks before the newest event it saw last time, in seconds.
EVENT_OVERLAP = 600
CURSOR = "reconcile.events_since"
LEASE = "reconcile"


@dataclasses.dataclass
class Summary:
    """What one pass did."""

    events_listed: int = 0
    events_applied: int = 0
    invoices_checked: int = 0
    invoices_changed: int = 0
    sends_finished: int = 0
    sends_rolled_back: int = 0
    drafts_removed: int = 0

    def line(self):
        """The one line a pass prints."""
        return (
            f"reconciled: {self.events_applied} of {self.events_listed} events applied, "
            f"{self.invoices_changed} of {self.invoices_checked} invoices changed, "
            f"{self.sends_finished + self.sends_rolled_back} sends repaired "
            f"({self.sends_finished} finished, {self.sends_rolled_back} rolled back), "
            f"{self.drafts_removed} orphan drafts removed"
        )

    def changed_anything(self):
        """True if the pass changed the record."""
        changes = (
            self.events_applied,
            self.invoices_changed,
            self.sends_finished,
            self.sends_rolled_back,
            self.drafts_removed,
        )
        return any(changes)


def run(progress=None):
    """One pass of all three steps; `progress(n)` is told of each item worked on."""
    summary = Summary()
    tick = progress or (lambda n: None)
    _catch_up_events(summary, tick)
    _refresh_invoices(summary, tick)
    summary.sends_finished, summary.sends_rolled_back = sending.repair()
    summary.drafts_removed = _remove_orphan_drafts()
    return summary


def _catch_up_events(summary, tick):
    with store.connect() as db:
        since = bookkeeping.get_setting(db, CURSOR)
        since = int(since) if since else store.oldest_unfinished(db)
    if since is None:
        return  # nothing here could be out of date yet
    newest = since
    second = []  # the events of one second, as listed (newest first)

    def apply_second():
        # Oldest first within its second, as a webhook would have brought them: of two
        # payment attempts in one second, the one heard of last counts (store.advance_payment).
        for event in reversed(second):
            # Decimal fields (`*_decimal`) travel as strings, as in Stripe's own JSON.
            outcome, _ = webhook.apply_event(event, json.dumps(event, default=str))
            summary.events_applied += outcome != "duplicate"
        second.clear()

    for event in invoicing.events_since(max(0, since - EVENT_OVERLAP), webhook.HANDLERS):
        summary.events_listed += 1
        tick(summary.events_listed)
        newest = max(newest, event["created"])
        if second and event["created"] != second[-1]["created"]:
            apply_second()
        second.append(event)
    apply_second()
    with store.begin() as db:
        bookkeeping.set_setting(db, CURSOR, str(newest))


def _refresh_invoices(summary, tick):
    with store.connect() as db:
        left = set(store.unfinished_invoice_ids(db))
        oldest = store.oldest_unfinished(db)
    if not left:
        return
    for invoice in invoicing.invoices_since(oldest):
        if invoice["id"] not in left:
            continue
        left.discard(invoice["id"])
        summary.invoices_checked += 1
        tick(summary.invoices_checked)
        with store.begin() as db:
            changed = store.apply_snapshot(db, invoice["id"], invoice["status"], invoice)
        summary.invoices_changed += changed
        if not left:
            break


def _remove_orphan_drafts():
    """Drafts recorded here that no send owns (left by an older release): gone at Stripe
    too, or moved forward if Stripe sent them after all."""
    stale = int(time.time()) - current_app.config["ABANDONED_SEND_SECONDS"]
    with store.connect() as db:
        orphans = bookkeeping.orphan_drafts(db, stale)
    for invoice_id in orphans:
        found = invoicing.retrieve_invoice(invoice_id)
        if found is not None and found["status"] == "draft":
            invoicing.delete_draft(invoice_id)
        with store.begin() as db:
            if found is None or found["status"] == "draft":
                store.delete_invoice(db, invoice_id)
            else:
                store.apply_snapshot(db, invoice_id, found["status"], found)
    return len(orphans)


# The periodic run.


def _holder():
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"


class LeaseLostError(Exception):
    """Another process took the lease during a pass (this one stalled past its term)."""


def renewing(holder, seconds, clock=time.monotonic):
    """A progress callback for a pass under the lease: renews it whenever a quarter of its term
    has gone by, so that a long pass (a backlog after an outage) keeps it; raises
    LeaseLostError if another process holds it now."""
    renewed = clock()

    def tick(_count):
        nonlocal renewed
        if clock() - renewed < seconds / 4:
            return
        renewed = clock()
        with store.begin() as db:
            if not bookkeeping.take_lease(db, LEASE, holder, seconds):
                raise LeaseLostError(LEASE)

    return tick


def _loop(app, period):
    holder = _holder()
    term = 2 * period + 10
    # A first pass soon after start, spread out so that workers don't all ask at once.
    time.sleep(random.uniform(0.5, min(5.0, period)))
    while True:
        try:
            with app.app_context():
                with store.begin() as db:
                    mine = bookkeeping.take_lease(db, LEASE, holder, term)
                if mine:
                    summary = run(renewing(holder, term))
                    if summary.changed_anything():
                        app.logger.info(summary.line())
        except LeaseLostError:
            app.logger.warning("reconciliation stopped: another process holds the lease")
        except (stripe.StripeError, SQLAlchemyError, OSError) as error:
            # Stripe or the database away for now: the next pass tries again.
            app.logger.warning("reconciliation failed, retrying in %ss: %s", period, error)
        time.sleep(period)


def start(app):
    """Run reconciliation every RECONCILE_SECONDS in this (serving) process, off the request
    path; only the process holding the lease does the work. 0 turns it off."""
    period = app.config["RECONCILE_SECONDS"]
    if period <= 0:
        return None
    thread = threading.Thread(target=_loop, args=(app, period), name="reconciler", daemon=True)
    thread.start()
    return thread
