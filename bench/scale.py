"""The record at scale: filled by SQL to N invoices (a fifth open, the rest paid), then p50/p99
of every page route under 8 concurrent clients, beside the same at 1,000 invoices, so the
growth shows; and the invoice export's rows per second and the worker's peak memory.

    python -m bench.scale [--invoices 200000] [--postgres 1000000] [--seconds 5] [--smoke]

The server runs as deployed (gunicorn, gunicorn.conf.py) against a record filled directly in
the database (no Stripe calls: these routes read only the record); its emulator serves only
the start-up. The clients are wrk's 8 connections on one thread (C, a few percent of a core),
so that the load itself takes little of the CPU the server and its database share.
"""

import argparse
import os
import random
import shutil
import subprocess
import tempfile
import time

import requests
from sqlalchemy import insert

from bench.gunicorn_run import Gunicorn
from bench.harness import wrk_result
from invoicing.record import ledger, migrate, tables
from invoicing.record.database import make_engine
from stripe_emulator import serve
from tests.helpers.postgres import Postgres

DAY = 86400
CLIENTS = 8
LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk_get.lua")
BATCH = 5_000


def _rows(start, count, now, rng):
    """`count` invoices from number `start` on, a day apart back from `now`, a fifth open."""
    for n in range(start, start + count):
        created = now - (n % 730) * DAY - n % DAY
        open_ = n % 5 == 0
        amount = 1000 + n % 9000
        yield {
            "id": f"in_scale{n:09d}", "number": f"SCALE-{n:07d}",
            "status": "open" if open_ else "paid", "status_rank": 1 if open_ else 3,
            "payment": None if open_ else "succeeded", "payment_rank": 0 if open_ else 3,
            "payment_at": 0, "customer": f"cus_scale{n % 5000:05d}",
            "email": f"c{n % 5000}@example.com", "customer_name": f"Customer {n % 5000}",
            "amount_due": amount, "amount_paid": 0 if open_ else amount,
            "amount_remaining": amount if open_ else 0, "total": amount, "currency": "usd",
            "due_date": created + 30 * DAY, "lines": [{"price": "price_x", "description": "X",
            "quantity": 1, "amount": amount}], "created": created, "updated": created,
            "recorded": created * 1_000_000 + n, "changed": created * 1_000_000 + n,
            "finalized_at": created,
            "closed_at": None if open_ else min(now, created + rng.randint(1, 40) * DAY),
        }  # fmt: skip


def _payments(invoices_rows):
    """The payment of each paid invoice, at the moment it closed."""
    return [
        {"id": f"inpay_{row['id']}", "invoice_id": row["id"], "payment_intent": None,
         "amount": row["amount_paid"], "currency": "usd", "paid_at": row["closed_at"]}
        for row in invoices_rows
        if row["status"] == "paid"
    ]  # fmt: skip


def fill(url, count):
    """Migrate and fill the record at `url` with `count` invoices, their payments and their
    5,000 customers; then gather the statistics and visibility a live database's autovacuum
    would have (PostgreSQL plans from them). A bulk load: the ledger's triggers are off while
    it runs, and its rows are made from the whole record at the end."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as db:
        ledger.uninstall(db)
    now, rng = int(time.time()), random.Random(1)
    with engine.begin() as db:
        db.execute(insert(tables.customers), [
            {"email": f"c{n}@example.com", "stripe_id": f"cus_scale{n:05d}",
             "name": f"Customer {n}", "created": now - n}
            for n in range(5000)
        ])  # fmt: skip
    for start in range(0, count, BATCH):
        rows = list(_rows(start, min(BATCH, count - start), now, rng))
        with engine.begin() as db:
            db.execute(insert(tables.invoices), rows)
            db.execute(insert(tables.payments), _payments(rows))
    with engine.begin() as db:
        ledger.install(db)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    engine.dispose()


def routes(now):
    """The page routes measured, by name."""
    return {
        "list": "/invoices?limit=100",
        "status=open": "/invoices?status=open&limit=100",
        "status=overdue": "/invoices?status=overdue&limit=100",
        "search": "/invoices?q=c42&limit=100",  # an email prefix of 1 in 45 invoices
        "search, a rarer prefix": "/invoices?q=c429&limit=100",  # 1 in 450
        "deep page": "/invoices?limit=100&starting_after=in_scale000000500",
        "customers": "/customers?limit=100",
        "receivables now": "/receivables",
        "receivables a year ago": f"/receivables?as_of={now - 365 * DAY}",
        "page poll (since)": f"/invoices?since={now * 1_000_000}",
    }


def _wrk(url, seconds):
    command = ["wrk", "-t1", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "30s", "-s", LUA, url]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return wrk_result(output)


def percentiles(url, seconds):
    """p50 and p99 (ms) of `url` under CLIENTS concurrent clients for `seconds`, after one
    request alone (which also checks the answer) and a second of the same load unmeasured
    (not in a smoke run, which times nothing): every worker has then run the route (its
    statements built, its data read), so the figures are the route's steady state, not the
    workers' first calls."""
    answer = requests.get(url, timeout=120)
    assert answer.status_code == 200, (url, answer.status_code, answer.text[:200])
    if seconds > 1:
        _wrk(url, 1)
    result = _wrk(url, seconds)
    assert result["requests"] and not result["bad_status"] + result["socket_errors"], (url, result)
    return result["p50_us"] / 1000, result["p99_us"] / 1000


def export_rate(url, server):
    """Rows per second of the invoice export, and the workers' peak RSS (MiB) during it."""
    started, rows, peak = time.perf_counter(), 0, 0.0
    with requests.get(f"{url}/exports/invoices.csv", stream=True, timeout=600) as answer:
        if answer.status_code == 404:
            return None, None
        for chunk in answer.iter_lines():
            rows += bool(chunk)
            if rows % 20_000 == 0:
                peak = max(peak, *server.rss_mib())
    peak = max(peak, *server.rss_mib())
    return (rows - 1) / (time.perf_counter() - started), peak


def measure_one(url, count, seconds):
    """Every route's percentiles, and the export's rate, with the record at `url` filled."""
    fill(url, count)
    emulator = serve()
    env = {"DATABASE_URL": url, "STRIPE_API_BASE": emulator.url, "RECONCILE_SECONDS": "0",
           "WEB_CONCURRENCY": "2"}  # fmt: skip
    server = Gunicorn("server:app", env)
    try:
        now = int(time.time())
        found = {name: percentiles(server.url + path, seconds)
                 for name, path in routes(now).items()}  # fmt: skip
        found["export"] = export_rate(server.url, server)
    finally:
        server.stop()
        emulator.stop()
    return found


# The targets (on PostgreSQL at 1,000,000 invoices): a route's p99 bound in ms, and whether it
# must also stay within twice its figure at 1,000 invoices.
BOUNDS = {"receivables a year ago": (250, False)}
P99_MS, GROWTH = 50, 2.0
EXPORT_ROWS_S, EXPORT_MIB = 20_000, 20


def _met(name, small_p99, large_p99):
    bound, grows = BOUNDS.get(name, (P99_MS, True))
    return large_p99 <= bound and (not grows or large_p99 <= GROWTH * small_p99)


def table(label, small, large, count):
    """Markdown: each route at 1,000 invoices and at `count`, and whether it meets the targets
    at that size."""
    head = (f"| route | p50 / p99 at 1,000 (ms) | p50 / p99 at {count:,} (ms) | p99 growth "
            f"| target met |")  # fmt: skip
    lines = [f"**{label}**", "", head, "| --- | ---: | ---: | ---: | --- |"]
    for name in routes(0):
        (a50, a99), (b50, b99) = small[name], large[name]
        met = "yes" if _met(name, a99, b99) else "**no**"
        lines.append(
            f"| {name} | {a50:.1f} / {a99:.1f} | {b50:.1f} / {b99:.1f} | {b99 / a99:.1f}x | {met} |"
        )
    (small_rate, small_peak), (rate, peak) = small["export"], large["export"]
    if rate is not None:
        met = rate >= EXPORT_ROWS_S and peak - small_peak <= EXPORT_MIB
        lines.append(
            f"| export | {small_rate:,.0f} rows/s, peak worker RSS {small_peak:.0f} MiB "
            f"| {rate:,.0f} rows/s, peak worker RSS {peak:.0f} MiB | "
            f"| {'yes' if met else '**no**'} |"
        )
    return "\n".join(lines)


def _sqlite(count, seconds):
    folder = tempfile.mkdtemp(prefix="scale-")
    try:
        small = measure_one(f"sqlite:///{folder}/small.db", 1000, seconds)
        large = measure_one(f"sqlite:///{folder}/large.db", count, seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return table("SQLite", small, large, count)


def _postgres(count, seconds):
    database = Postgres().start()
    try:
        small = measure_one(database.create_database("small"), 1000, seconds)
        large = measure_one(database.create_database("large"), count, seconds)
    finally:
        database.stop()
    return table("PostgreSQL", small, large, count)


def main(argv=None):
    """Run and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200_000, help="on SQLite")
    parser.add_argument("--postgres", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--seconds", type=int, default=5, help="of load per route")
    parser.add_argument("--smoke", action="store_true", help="5,000 invoices, SQLite only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.invoices, args.postgres, args.seconds = 5_000, 0, 1
    out = [_sqlite(args.invoices, args.seconds)]
    if args.postgres:
        out.append(_postgres(args.postgres, args.seconds))
    print("\n\n".join(out))
    return out


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
