"""Reconcile at scale: the Stripe calls and seconds of a pass with N open invoices at the
emulator and in the record, after C of them were paid since the last pass (events answer it);
of the once-a-day refresh (only invoices whose events of one second disagree); and of a pass
whose cursor is older than the events Stripe keeps, which lists every open invoice (paced at
CALLS_PER_SECOND at most); beside the same at 1,000.

    python -m bench.reconcile_scale [--invoices 100000] [--changed 1000] [--smoke]

The emulator's invoices are copies of one sent through the API, put in its store directly;
the record holds the same invoices, filled by SQL. Each pass is `flask --app server reconcile`,
as a cron job or the reconciler thread runs it.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import stripe
from sqlalchemy import insert

from invoicing.reconcile import CALLS_PER_SECOND, CURSOR, REFRESHED
from invoicing.record import migrate, settings, tables
from invoicing.record.database import make_engine
from stripe_emulator import Emulator, WSGIClient, serve

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 5_000
KEY = "sk_test_bench_reconcile"
# The calls a pass makes whatever changed: the last (short) page of events, the settle.
CONSTANT_CALLS = 3


def _fill_stripe(emulator, count):
    """`count` open invoices at the emulator, one customer's; return them."""
    client = stripe.StripeClient(KEY, http_client=WSGIClient(emulator))
    customer = client.v1.customers.create({"email": "bench@example.com"}).id
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Bench"}}
    ).id
    model = client.v1.invoices.create(
        {"customer": customer, "collection_method": "send_invoice", "days_until_due": 30}
    )
    client.v1.invoices.add_lines(model.id, {"lines": [{"pricing": {"price": price}}]})
    client.v1.invoices.finalize_invoice(model.id)
    store = emulator.store
    with store.lock:
        template = dict(store.objects[model.id])
        made = [template]
        for i in range(1, count):
            made.append(store.add({**template, "id": f"in_rec{i:07d}", "number": f"REC-{i}"}))
    return client, made


def _fill_record(url, made):
    """The same invoices, open, in the record at `url`."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    rows = [
        {"id": inv["id"], "number": inv["number"], "status": "open", "status_rank": 1,
         "payment_rank": 0, "payment_at": 0, "customer": inv["customer"],
         "email": "bench@example.com", "amount_due": inv["amount_due"], "amount_paid": 0,
         "amount_remaining": inv["amount_due"], "currency": "usd", "due_date": inv["due_date"],
         "lines": [], "created": inv["created"], "updated": inv["created"], "recorded": i,
         "changed": i, "finalized_at": inv["created"], "total": inv["total"]}
        for i, inv in enumerate(made)
    ]  # fmt: skip
    for start in range(0, len(rows), BATCH):
        with engine.begin() as db:
            db.execute(insert(tables.invoices), rows[start : start + BATCH])
    return engine


def _pass(env):
    """One `reconcile` pass: (Stripe calls, seconds, its summary line)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "server", "reconcile"],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"reconcile failed: {done.stderr[-2000:]}")
    seconds = time.perf_counter() - started
    line = done.stdout.strip().splitlines()[-1]
    return int(re.search(r"(\d+) Stripe calls", line).group(1)), seconds, line


def measure(count, changed):
    """{pass: (calls, seconds, summary line)} with `count` open invoices of which `changed`
    were paid since the cursor: the pass that applies their events, a day on the daily
    refresh, and a pass whose cursor is 40 days old."""
    folder = tempfile.mkdtemp(prefix="bench-reconcile-")
    emulator = Emulator()
    server = serve(emulator)
    try:
        client, made = _fill_stripe(emulator, count)
        engine = _fill_record(f"sqlite:///{folder}/record.db", made)
        now = int(time.time())
        with engine.begin() as db:
            settings.set_setting(db, CURSOR, str(now - 1))
            settings.set_setting(db, REFRESHED, str(now))
        for invoice in made[:changed]:
            client.v1.invoices.pay(invoice["id"], {"paid_out_of_band": True})
        env = {"DATABASE_URL": f"sqlite:///{folder}/record.db", "STRIPE_API_BASE": server.url,
               "STRIPE_SECRET_KEY": KEY, "RECONCILE_SECONDS": "0"}  # fmt: skip
        found = {"changes": _pass(env)}
        with engine.begin() as db:  # a day on, the refresh is due
            settings.set_setting(db, REFRESHED, str(now - 2 * 86400))
        found["refresh"] = _pass(env)
        with engine.begin() as db:  # Stripe no longer has every event since the cursor
            settings.set_setting(db, CURSOR, str(now - 40 * 86400))
        found["stale cursor"] = _pass(env)
        engine.dispose()
        return found
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def table(small, large, count, changed):
    """Markdown: each pass at 1,000 open invoices and at `count`, and the targets."""
    lines = [
        f"| pass ({changed:,} invoices paid since the last) | at 1,000 open | at {count:,} open "
        "| target met |",
        "| --- | ---: | ---: | --- |",
    ]
    passes = (
        ("changes", "events since the cursor"),
        ("refresh", "the daily refresh"),
        ("stale cursor", "a cursor older than Stripe's events: every open invoice"),
    )
    for name, what in passes:
        (a_calls, a_s, _), (b_calls, b_s, _) = small[name], large[name]
        rate = b_calls / b_s
        if name != "stale cursor":  # a call per 100 changed invoices, and a constant
            met = b_calls <= changed // 100 + CONSTANT_CALLS and b_calls <= a_calls + 1
        else:
            met = rate <= CALLS_PER_SECOND * 1.05
        lines.append(
            f"| {what} | {a_calls} calls, {a_s:.1f} s | {b_calls} calls, {b_s:.1f} s "
            f"({rate:.1f} calls/s) | {'yes' if met else '**no**'} |"
        )
    return "\n".join(lines)


def main(argv=None):
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--smoke", action="store_true", help="2,000 invoices, 100 changed")
    args = parser.parse_args(argv)
    if args.smoke:
        args.invoices, args.changed = 2_000, 100
    small = measure(1_000, args.changed)
    large = measure(args.invoices, args.changed)
    out = table(small, large, args.invoices, args.changed)
    print(out)
    return out


if __name__ == "__main__":
    main()
