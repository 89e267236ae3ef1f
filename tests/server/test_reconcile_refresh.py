"""Reconcile's daily refresh costs what changed, not the history: while its events cursor is
fresh, it asks Stripe only of the invoices not yet paid or void whose events of one second say
different things (which of them is the latest, nothing tells), and brings them to Stripe's."""

import time

from invoicing.reconcile import CURSOR, REFRESHED
from invoicing.record import settings
from tests.helpers import HOOK_SECRET, post_signed, reconcile


def deliver(api, snapshot, created, number):
    body = {"id": f"evt_same_second_{snapshot['id']}_{number}", "type": "invoice.updated",
            "created": created, "data": {"object": snapshot}}  # fmt: skip
    answer = post_signed(f"{api.url}/webhook", body, HOOK_SECRET)
    assert answer.status_code == 200, answer.text


def says(invoice, remaining):
    return {"id": invoice["id"], "object": "invoice", "status": "open",
            "amount_due": invoice["amount_due"], "amount_paid": 0,
            "amount_remaining": remaining}  # fmt: skip


def set_times(api, cursor, refreshed):
    with api.live.app.extensions["db"].begin() as db:
        settings.set_setting(db, CURSOR, str(cursor))
        settings.set_setting(db, REFRESHED, str(refreshed))


def test_the_daily_refresh_asks_only_of_invoices_whose_one_second_events_disagree(hook):
    doubtful, agreed, quiet = (hook.send(f"{n}@example.com").json() for n in ("d", "a", "q"))
    owed = doubtful["amount_due"]
    second = int(time.time())
    # Two snapshots of one second that disagree: the record keeps the one heard of last.
    deliver(hook, says(doubtful, owed - 500), second, 1)
    deliver(hook, says(doubtful, owed - 800), second, 2)
    # Two of one second that agree.
    deliver(hook, says(agreed, agreed["amount_due"]), second, 1)
    deliver(hook, says(agreed, agreed["amount_due"]), second, 2)
    assert hook.invoice(doubtful["id"])["amount_remaining"] != owed

    now = int(time.time())
    set_times(hook, cursor=now, refreshed=now - 2 * 86400)  # the daily refresh is due
    line = reconcile(hook)
    assert " 1 of 1 invoices changed" in line, line
    assert hook.invoice(doubtful["id"])["amount_remaining"] == owed
    assert hook.invoice(quiet["id"])["status"] == "open"

    # Refreshed: the next pass asks nothing more until a day on.
    assert " 0 of 0 invoices changed" in reconcile(hook)


def test_a_stale_cursor_still_refreshes_every_unfinished_invoice(hook):
    sent = [hook.send(f"{n}@example.com").json() for n in ("x", "y")]
    stale = int(time.time()) - 40 * 86400  # older than the events Stripe keeps
    set_times(hook, cursor=stale, refreshed=stale)
    line = reconcile(hook)
    assert f" 0 of {len(sent)} invoices changed" in line, line
