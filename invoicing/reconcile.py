"""Reconciliation: the local record converges to Stripe's after missed webhooks, dead workers
or a database outage. `flask --app server reconcile` runs it once; a serving process runs it
every RECONCILE_SECONDS while it holds the lease (reconciler.py).

Each pass, safe to repeat and to run beside a live server:
1. applies every event in Stripe's list that is not stored yet, from the last one seen (with
   an overlap: the list is not strictly in order of arrival), through the webhook's own path;
   its cost follows what changed (a call per 100 events), not the history;
2. only where events cannot answer (no cursor yet, or one older than the 30 days Stripe keeps
   events), refreshes the local invoices not yet paid or void: from Stripe's lists of open and
   uncollectible invoices, then one by one for those no longer in them, at most
   REFRESH_PER_PASS a pass; and once a day, one by one, those of them whose events of one
   second and one status say different things (which of them is the latest, nothing tells),
   so that this too costs what changed, not the history;
3. settles the sends that dead processes left pending (sending/send.py's repair), and drafts no send
   owns any more;
4. names the lines of a few invoices whose lines lack Stripe's ids (a send's answer embeds the
   first ten), so that they can be credited by line.
"""

import dataclasses
import json
import time

import stripe
from flask import current_app

from invoicing import events, stripe_calls
from invoicing.record import database, event_log, invoices, sends, settings
from invoicing.record.snapshots import changes_of, line_facts
from invoicing.sending import send

# How far back each pass looks before the newest event it saw last time, in seconds.
EVENT_OVERLAP = 600
CURSOR = "reconcile.events_since"
REFRESHED = "reconcile.refreshed_at"
REFRESH_SECONDS = 86400
# Invoices whose lines one pass names: a call each (per 100 lines), a few a pass.
LINES_PER_PASS = 20
# Stripe keeps events 30 days; a cursor older than this (with a day's margin) cannot be
# caught up from them alone.
EVENTS_KEPT = 29 * 86400
REFRESH_PER_PASS = 200
# Calls a pass makes per second at most: under Stripe's rate limits (25 reads a second in
# test mode), with room for the live server's own calls.
CALLS_PER_SECOND = 20


@dataclasses.dataclass
class Summary:
    """What one pass did."""

    events_listed: int = 0
    events_applied: int = 0
    invoices_checked: int = 0
    invoices_changed: int = 0
    calls: int = 0
    sends_finished: int = 0
    sends_rolled_back: int = 0
    drafts_removed: int = 0
    lines_named: int = 0

    def line(self):
        """The one line a pass prints."""
        return (
            f"reconciled: {self.events_applied} of {self.events_listed} events applied, "
            f"{self.invoices_changed} of {self.invoices_checked} invoices changed, "
            f"{self.sends_finished + self.sends_rolled_back} sends repaired "
            f"({self.sends_finished} finished, {self.sends_rolled_back} rolled back), "
            f"{self.drafts_removed} orphan drafts removed, {self.calls} Stripe calls"
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


class Pacer:
    """Counts a pass's Stripe calls and spaces them at most CALLS_PER_SECOND."""

    def __init__(self, summary):
        self.summary = summary
        self.started = time.monotonic()

    def call(self):
        """Note one call about to be made; wait first if the pass is ahead of its rate."""
        self.summary.calls += 1
        ahead = self.summary.calls / CALLS_PER_SECOND - (time.monotonic() - self.started)
        if ahead > 0:
            time.sleep(ahead)

    def paged(self, items, size=100):
        """Items of a list the SDK pages through, noting a call for each page."""
        for i, item in enumerate(items):
            if i % size == 0 and i:
                self.call()
            yield item


def run(progress=None):
    """One pass of every step; `progress(n)` is told of each item worked on."""
    summary = Summary()
    tick = progress or (lambda n: None)
    pacer = Pacer(summary)
    fresh = _catch_up_events(summary, tick, pacer)
    with database.connect() as db:
        refreshed = int(settings.get_setting(db, REFRESHED) or 0)
    if not fresh or refreshed < time.time() - REFRESH_SECONDS:
        started = int(time.time())
        if fresh:
            _refresh_doubtful(summary, tick, pacer, refreshed)
        else:
            _refresh_invoices(summary, tick, pacer)
        with database.begin() as db:
            settings.set_setting(db, REFRESHED, str(started))
    summary.sends_finished, summary.sends_rolled_back = send.repair()
    summary.drafts_removed = _remove_orphan_drafts()
    summary.lines_named = _name_lines(pacer)
    return summary


def _catch_up_events(summary, tick, pacer):
    """Apply the events since the cursor; return True if they tell all that changed since (the
    cursor is recent enough for Stripe to still have every event since)."""
    with database.connect() as db:
        cursor = settings.get_setting(db, CURSOR)
        # Without a cursor yet: every event since the record's first invoice (a credit note on
        # an invoice paid long ago concerns the record as much as one on an open invoice).
        since = int(cursor) if cursor else invoices.oldest_created(db)
    if since is None:
        return True  # nothing here could be out of date yet
    fresh = cursor is not None and since >= time.time() - EVENTS_KEPT
    newest = since
    second = []  # the events of one second, as listed (newest first)

    def apply_second():
        # Oldest first within its second, as a webhook would have brought them: of two
        # payment attempts in one second, the one heard of last counts (invoices.payment_change).
        for event in reversed(second):
            # Decimal fields (`*_decimal`) travel as strings, as in Stripe's own JSON.
            outcome, _ = events.record_event(event, json.dumps(event, default=str))
            summary.events_applied += outcome != "duplicate"
        second.clear()

    pacer.call()
    listed = stripe_calls.events_since(max(0, since - EVENT_OVERLAP), events.HANDLED)
    for event in pacer.paged(listed):
        summary.events_listed += 1
        tick(summary.events_listed)
        newest = max(newest, event["created"])
        if second and event["created"] != second[-1]["created"]:
            apply_second()
        second.append(event)
    apply_second()
    # Never ahead of now: the events of a test clock's customers carry the clock's time, which
    # may be a year ahead, and a cursor there would pass over every real event until then.
    newest = min(newest, int(time.time()))
    with database.begin() as db:
        settings.set_setting(db, CURSOR, str(newest))
    return fresh


def _refresh_invoices(summary, tick, pacer):
    """Bring the local invoices not yet paid or void up to Stripe's: those still open or
    uncollectible from Stripe's lists of them, the others (closed since) one by one."""
    with database.connect() as db:
        left = set(invoices.unfinished_invoice_ids(db))
    for status in ("open", "uncollectible"):
        if not left:
            return
        pacer.call()
        for invoice in pacer.paged(stripe_calls.invoices_in(status)):
            if invoice["id"] in left:
                left.discard(invoice["id"])
                _refreshed(summary, tick, invoice)
    for invoice_id in sorted(left)[:REFRESH_PER_PASS]:
        pacer.call()
        found = stripe_calls.retrieve_invoice(invoice_id)
        if found is not None:
            _refreshed(summary, tick, found)


def _refresh_doubtful(summary, tick, pacer, since):
    """Bring up to Stripe's the local invoices not yet paid or void, changed since `since`,
    whose events of one second and one status disagree on what the record keeps of them."""
    said = {}  # (invoice, second, status) -> {field: the values its snapshots gave it}
    with database.connect() as db:
        found = event_log.same_second_snapshots(db, since * 1_000_000)
    for invoice_id, second, payload in found:
        snapshot = json.loads(payload).get("data", {}).get("object", {})
        # A snapshot of a lower status never undoes a higher one: only those of one status
        # compete, and only on a field they both carry.
        fields = said.setdefault((invoice_id, second, snapshot.get("status")), {})
        for field, value in changes_of(snapshot).items():
            fields.setdefault(field, set()).add(json.dumps(value))
    doubtful = sorted(
        {key[0] for key, fields in said.items() if any(len(v) > 1 for v in fields.values())}
    )
    for invoice_id in doubtful:
        pacer.call()
        if (invoice := stripe_calls.retrieve_invoice(invoice_id)) is not None:
            _refreshed(summary, tick, invoice)


def _refreshed(summary, tick, invoice):
    summary.invoices_checked += 1
    tick(summary.invoices_checked)
    with database.begin() as db:
        changed = invoices.apply_snapshot(db, invoice["id"], invoice["status"], invoice)
    summary.invoices_changed += changed


def _name_lines(pacer):
    """Name the lines of up to LINES_PER_PASS invoices from Stripe's list of their lines."""
    with database.connect() as db:
        unnamed = invoices.with_unnamed_lines(db, LINES_PER_PASS)
    for invoice_id in unnamed:
        pacer.call()
        try:
            facts = [
                f for line in stripe_calls.invoice_lines(invoice_id) if (f := line_facts(line))
            ]
        except stripe.InvalidRequestError as error:
            if error.http_status != 404:
                raise
            facts = []  # gone at Stripe: nothing left to name
        with database.begin() as db:
            invoices.name_lines(db, invoice_id, facts, complete=True)
    return len(unnamed)


def _remove_orphan_drafts():
    """Drafts recorded here that no send owns (left by an older release): gone at Stripe
    too, or moved forward if Stripe sent them after all."""
    stale = int(time.time()) - current_app.config["ABANDONED_SEND_SECONDS"]
    with database.connect() as db:
        orphans = sends.orphan_drafts(db, stale)
    for invoice_id in orphans:
        found = stripe_calls.retrieve_invoice(invoice_id)
        if found is not None and found["status"] == "draft":
            stripe_calls.delete_draft(invoice_id)
        with database.begin() as db:
            if found is None or found["status"] == "draft":
                invoices.delete_invoice(db, invoice_id)
            else:
                invoices.apply_snapshot(db, invoice_id, found["status"], found)
    return len(orphans)


def refresh_invoice(invoice_id):
    """Bring one local invoice up to Stripe's; return (Stripe's status, whether it changed)."""
    found = stripe_calls.current_invoice(invoice_id)
    with database.begin() as db:
        changed = invoices.apply_snapshot(db, invoice_id, found["status"], found)
    return found["status"], changed
