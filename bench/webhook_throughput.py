"""Webhook throughput under gunicorn, loaded by wrk: this server against a bare endpoint.

The server runs as deployed (`gunicorn server:app`, its gunicorn.conf.py) on SQLite, then on
PostgreSQL; the bare endpoint (bench/bare_webhook.py) only verifies the signature, under the
same gunicorn settings. wrk sends distinct, pre-signed `invoice.paid` events (one in ten for an
invoice the database knows), each once, from 32 connections. Afterwards the events stored are
counted against the 2xx answers: they must be equal.

    python -m bench.webhook_throughput [--seconds 20] [--connections 32] [--no-postgres]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import requests

import migrate
import store
from stripe_emulator import sign
from tools.serving import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SECRET = "whsec_bench_secret_0123456789"
KNOWN = 1000
LUA = os.path.join(ROOT, "bench", "wrk_events.lua")


def _events_file(folder, count, prefix):
    """`count` distinct signed invoice.paid events, one "signature<TAB>body" per line."""
    path = os.path.join(folder, f"{prefix}.tsv")
    now = int(time.time())
    with open(path, "w") as out:
        for i in range(count):
            invoice = f"in_bench_{i % (KNOWN * 10)}"  # ids below KNOWN exist locally
            paid = {"id": invoice, "object": "invoice", "status": "paid", "amount_paid": 1000}
            event = {"id": f"evt_{prefix}_{i}", "object": "event", "type": "invoice.paid",
                     "created": now, "data": {"object": paid}}  # fmt: skip
            body = json.dumps(event)
            out.write(f"{sign(body.encode(), SECRET, now)}\t{body}\n")
    return path


def _prepare(url):
    """Tables, and the invoices the known events pay."""
    engine = store.make_engine(url)
    migrate.upgrade(engine)
    with store.begin(engine) as db:
        for i in range(KNOWN):
            store.record_invoice(
                db,
                {"id": f"in_bench_{i}", "status": "open", "customer": "cus_bench",
                 "email": f"b{i}@example.com", "amount_due": 1000, "amount_paid": 0,
                 "currency": "usd", "created": 1, "lines": []},
            )  # fmt: skip
    return engine


class Gunicorn:
    """`gunicorn APP` from the project folder with its gunicorn.conf.py, on a free port."""

    def __init__(self, app, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "DATABASE_"))
        }
        environ.update(env, PORT=str(self.port), STRIPE_WEBHOOK_SECRET=SECRET)
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, app, "--bind", f"127.0.0.1:{self.port}"],
            cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{app} did not start")

    def stop(self):
        """Stop gracefully."""
        self.process.terminate()
        self.process.wait(timeout=60)


def wrk(url, events, seconds, connections, threads=2):
    """Run wrk with the Lua sender; return its RESULT numbers."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", LUA, url, "--", events, str(threads),
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    # Sent but unanswered when wrk stopped: the server finishes (and stores) them all the same.
    result["in_flight"] = result["sent"] - result["answered"]
    result["rate"] = result["answered"] / (result["duration_us"] / 1e6)
    return result


def run(label, app, env, folder, seconds, connections, count_url=None):
    """One target: a short probe to size the event set, then the measured run."""
    server = Gunicorn(app, env)
    try:
        probe = wrk(server.url, _events_file(folder, 3000, f"probe{label}"), 2, connections)
        stored_before = _stored(count_url)
        count = max(20_000, int(probe["rate"] * seconds * 2))
        events = _events_file(folder, count, f"main{label}")
        result = wrk(server.url, events, seconds, connections)
        result["events"] = count
        result["stored"] = _stored(count_url) - stored_before if count_url else None
        result["exhausted"] = result["sent"] >= count
        return result
    finally:
        server.stop()


def _stored(url):
    """Events stored, once the count holds still (requests in flight at a stop finish late)."""
    if not url:
        return 0
    engine = store.make_engine(url)
    found = None
    try:
        while True:
            with engine.connect() as connection:
                now = connection.exec_driver_sql("SELECT count(*) FROM events").scalar()
            if now == found:
                return found
            found = now
            time.sleep(0.5)
    finally:
        engine.dispose()


def measure(seconds=20, connections=32, postgres=True):
    """Rows for the bare endpoint, the server on SQLite, and on PostgreSQL."""
    folder = tempfile.mkdtemp(prefix="bench-webhook-")
    rows = {}
    try:
        rows["bare endpoint (verify only)"] = run(
            "bare", "bench.bare_webhook:app", {}, folder, seconds, connections
        )
        sqlite_url = f"sqlite:///{folder}/bench.db"
        _prepare(sqlite_url).dispose()
        rows["server, SQLite"] = run(
            "sqlite", "server:app", {"DATABASE_URL": sqlite_url}, folder, seconds, connections,
            sqlite_url,
        )  # fmt: skip
        if postgres:
            from tools.postgres import Postgres

            database = Postgres().start()
            try:
                pg_url = database.create_database("bench")
                _prepare(pg_url).dispose()
                rows["server, PostgreSQL"] = run(
                    "pg", "server:app", {"DATABASE_URL": pg_url}, folder, seconds, connections,
                    pg_url,
                )  # fmt: skip
            finally:
                database.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


def table(rows):
    """A Markdown table; the ratio is to the bare endpoint's events per second."""
    bare = rows["bare endpoint (verify only)"]["rate"]
    lines = [
        "| target | events/s | p50 ms | p99 ms | ÷ bare | 2xx | in flight at stop | stored "
        "| 2xx ≤ stored ≤ 2xx + in flight |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, r in rows.items():
        stored = "" if r["stored"] is None else str(r["stored"])
        equal = "" if r["stored"] is None else ("yes" if balanced(r) else "**no**")
        lines.append(
            f"| {name} | {r['rate']:.0f} | {r['p50_us'] / 1000:.1f} | {r['p99_us'] / 1000:.1f} "
            f"| {r['rate'] / bare:.2f} | {r['ok']} | {r['in_flight']} | {stored} | {equal} |"
        )
    return "\n".join(lines)


def balanced(result):
    """Nothing lost: every 2xx answer stored; beyond those, only requests in flight at the stop
    (which the server may or may not have received before wrk closed its sockets)."""
    answered_fine = result["ok"] == result["answered"] and not result["exhausted"]
    stored = result["stored"]
    return answered_fine and result["ok"] <= stored <= result["ok"] + result["in_flight"]


def main(argv=None):
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args(argv)
    rows = measure(args.seconds, args.connections, not args.no_postgres)
    print(table(rows))
    return rows


if __name__ == "__main__":
    main()
