"""`POST /invoices` under gunicorn with Stripe answering at once: invoices per second, and CPU.

The server runs as deployed (`gunicorn server:app`, its gunicorn.conf.py) in test mode, its
Stripe API base pointed at an emulator in its own process (`python -m stripe_emulator`, no
added latency, no webhook endpoint: only the sends are measured). wrk posts one-item invoices
for a few known customers (3 Stripe calls each) from 16 connections. Per run: invoices per
second, p50/p99, the workers' CPU per invoice and the emulator's, read from /proc; every 201
must be an invoice in the database.

The breakdown sends the same request in process (the emulator in its own process) while a
CPU-time sampler (bench/sampler.py) notes what code runs; the shares are applied to the CPU
per invoice measured under gunicorn.

    python -m bench.invoice_throughput [--seconds 15] [--rounds 3] [--profile 1000]
"""

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import stripe

from bench import webhook_events
from bench.gunicorn_run import ROOT, Gunicorn, _cpu_seconds
from bench.harness import wrk_result

LUA = os.path.join(ROOT, "bench", "wrk_invoices.lua")
KEY = "sk_test_bench_invoices_0000"
CUSTOMERS = 20


def _price(emulator_url):
    """A one-time price at the emulator, for the server's catalog; its id."""
    client = stripe.StripeClient(KEY, base_addresses={"api": emulator_url})
    price = client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )
    return price.id


def _server(emulator_url, folder, cwd):
    database = f"sqlite:///{folder}/invoices-{time.monotonic_ns()}.db"
    env = {"STRIPE_SECRET_KEY": KEY, "STRIPE_API_BASE": emulator_url, "DATABASE_URL": database,
           "STRIPE_WEBHOOK_SECRET": webhook_events.SECRET}  # fmt: skip
    return Gunicorn("server:app", env, cwd, log=os.path.join(folder, "gunicorn.log")), database


def run(emulator, price, folder, seconds, connections, cwd=ROOT):
    """One run: a fresh server and database, warmed up (customers made), then loaded."""
    server, database = _server(emulator.url, folder, cwd)
    try:
        body = json.dumps({"items": [{"price": price, "quantity": 1}]})
        command = ["wrk", "-t2", f"-c{connections}", "--timeout", "10s", "-s", LUA, server.url,
                   "--", body, str(CUSTOMERS)]  # fmt: skip
        subprocess.run([*command[:3], "-d2s", *command[3:]], capture_output=True, check=True)
        before = webhook_events.count_rows(database, "SELECT count(*) FROM invoices")
        workers = server.workers()
        cpu, stripe_cpu = server.cpu_seconds(), _cpu_seconds(emulator.process.pid)
        output = subprocess.run([*command[:3], f"-d{seconds}s", *command[3:]],
                                capture_output=True, text=True, check=True).stdout  # fmt: skip
        cpu = server.cpu_seconds() - cpu
        stripe_cpu = _cpu_seconds(emulator.process.pid) - stripe_cpu
        rss = server.rss_mib()
        if server.workers() != workers:
            raise RuntimeError(f"workers replaced during the run (see {folder}/gunicorn.log)")
    finally:
        server.stop()
    result = wrk_result(output)
    ok = max(result["ok"], 1)
    result["in_flight"] = result["sent"] - result["answered"]
    result.update(
        rate=result["ok"] / (result["duration_us"] / 1e6),
        cpu_ms=cpu * 1000 / ok,
        emulator_cpu_ms=stripe_cpu * 1000 / ok,
        rss_mib=statistics.mean(rss),
        stored=webhook_events.count_rows(database, "SELECT count(*) FROM invoices") - before,
    )
    # Every 201 is an invoice; beyond those, only sends in flight when wrk stopped.
    result["balanced"] = result["ok"] <= result["stored"] <= result["ok"] + result["in_flight"]
    return result


def measure(seconds=15, rounds=3, connections=16, servers=()):
    """{label: [one result per round]} for this server and any copies in `servers`."""
    folder = tempfile.mkdtemp(prefix="bench-invoices-")
    emulator = webhook_events.Emulator()
    try:
        price = _price(emulator.url)
        found = [("this server", ROOT), *servers]
        results = {label: [] for label, _ in found}
        for round_ in range(rounds):
            for label, cwd in found[round_ % len(found) :] + found[: round_ % len(found)]:
                results[label].append(run(emulator, price, folder, seconds, connections, cwd))
        return results
    finally:
        emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)


# What code belongs to, by the file it is in; the first match wins. Standard library code
# outside these counts for the library that called it (see bench/sampler.py).
_GROUPS = (
    ("/stripe/", "stripe SDK: encoding, requests, decoding into StripeObjects"),
    ("/urllib3/", "HTTP to Stripe (requests, urllib3, http.client, sockets)"),
    ("/requests/", "HTTP to Stripe (requests, urllib3, http.client, sockets)"),
    ("/http/client", "HTTP to Stripe (requests, urllib3, http.client, sockets)"),
    ("/socket.py", "HTTP to Stripe (requests, urllib3, http.client, sockets)"),
    ("/sqlalchemy/", "SQLAlchemy and sqlite3"),
    ("/sqlite3/", "SQLAlchemy and sqlite3"),
    ("/alembic/", "SQLAlchemy and sqlite3"),
    ("/flask/", "Flask and Werkzeug"),
    ("/werkzeug/", "Flask and Werkzeug"),
    ("/jinja2/", "Flask and Werkzeug"),
    ("/email_validator/", "validation (email-validator, validation.py)"),
    ("/idna/", "validation (email-validator, validation.py)"),
    (f"{ROOT}/invoicing/sending/validation.py", "validation (email-validator, validation.py)"),
    ("/logging/", "logging"),
    (f"{ROOT}/invoicing/web/logs.py", "logging"),
    ("/json/", "JSON"),
    ("/site-packages/", "other libraries"),
    (f"{ROOT}/bench/", ""),  # the loop that sends: looked past
    (f"{ROOT}/", "this server's own modules"),
)


def breakdown(count=300):
    """[(group, share of the server's CPU)], sampled over `count` sends in this process to an
    emulator in its own process (so only the server's work is sampled)."""
    from bench.sampler import Sampler
    from invoicing import create_app

    emulator = webhook_events.Emulator()
    folder = tempfile.mkdtemp(prefix="bench-profile-")
    try:
        price = _price(emulator.url)
        app = create_app(
            {"STRIPE_SECRET_KEY": KEY, "STRIPE_API_BASE": emulator.url, "ADMIN_PASSWORD": "",
             "DATABASE_URL": f"sqlite:///{folder}/profile.db",
             "STRIPE_WEBHOOK_SECRETS": [webhook_events.SECRET]}
        )  # fmt: skip
        for handler in app.logger.handlers:
            handler.setStream(open(os.devnull, "w"))  # as under gunicorn here: written, unread
        body = json.dumps({"email": "p@example.com", "items": [{"price": price}]}).encode()

        def send():
            environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/invoices", "SERVER_NAME": "x",
                       "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
                       "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
                       "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
                       "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip
            b"".join(app(environ, lambda status, headers, exc_info=None: None))

        for _ in range(20):
            send()
        with Sampler(_GROUPS) as sampler:
            for _ in range(count):
                send()
        return sampler.shares()
    finally:
        emulator.stop()
        shutil.rmtree(folder, ignore_errors=True)


def table(results, shares=None):
    """Markdown: median (min to max) over the rounds; then the CPU breakdown, if given."""
    dash = "\u2013"

    def spread(values, digits=0):
        ordered = sorted(values)
        middle = statistics.median(ordered)
        if len(ordered) == 1:
            return f"{middle:,.{digits}f}"
        return f"{middle:,.{digits}f} ({ordered[0]:,.{digits}f}{dash}{ordered[-1]:,.{digits}f})"

    lines = [
        "| server | invoices/s | p50 ms | p99 ms | worker CPU ms per invoice "
        "| emulator CPU ms per invoice | worker RSS MiB | every 201 stored |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for label, runs in results.items():
        stored = sum(r["stored"] for r in runs)
        check = f"yes ({stored:,})" if all(r["balanced"] for r in runs) else "**no**"
        lines.append(
            f"| {label} | {spread([r['rate'] for r in runs])} "
            f"| {spread([r['p50_us'] / 1000 for r in runs], 1)} "
            f"| {spread([r['p99_us'] / 1000 for r in runs], 1)} "
            f"| {spread([r['cpu_ms'] for r in runs], 2)} "
            f"| {spread([r['emulator_cpu_ms'] for r in runs], 2)} "
            f"| {statistics.median(r['rss_mib'] for r in runs):.0f} | {check} |"
        )
    if shares:
        cpu = statistics.median(r["cpu_ms"] for r in next(iter(results.values())))
        lines += ["", "| where the server's CPU goes (sampled in process) | share "
                  "| ms per invoice |", "| --- | ---: | ---: |"]  # fmt: skip
        lines += [f"| {group} | {share:.0%} | {share * cpu:.2f} |" for group, share in shares]
    return "\n".join(lines)


def main(argv=None):
    """Run and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=300, help="sends sampled in process")
    parser.add_argument("--server", action="append", default=[], metavar="LABEL=FOLDER")
    args = parser.parse_args(argv)
    servers = [tuple(s.split("=", 1)) for s in args.server]
    results = measure(args.seconds, args.rounds, servers=servers)
    shares = breakdown(args.profile) if args.profile else None
    print(table(results, shares))
    return results


if __name__ == "__main__":
    main()
