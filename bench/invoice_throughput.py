"""`POST /invoices` under gunicorn with Stripe answering at once: invoices per second, and CPU.

The server runs as deployed (`gunicorn server:app`, its gunicorn.conf.py) in test mode, its
Stripe API base pointed at an emulator in its own process (`python -m stripe_emulator`, no
added latency, no webhook endpoint: only the sends are measured). wrk posts one-item invoices
for a few known customers (3 Stripe calls each) from 16 connections. Per run: invoices per
second, p50/p99, the workers' CPU per invoice and the emulator's, read from /proc; every 201
must be an invoice in the database.

The breakdown runs the same request in process under cProfile (the emulator in process too,
through the SDK's WSGI transport), and sorts each function's own time by what it belongs to;
the shares are applied to the CPU per invoice measured under gunicorn.

    python -m bench.invoice_throughput [--seconds 15] [--rounds 3] [--profile 1000]
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import tempfile
import time

import stripe

import invoicing
from bench import webhook_events
from bench.gunicorn_run import ROOT, Gunicorn, _cpu_seconds
from settings import EMULATOR_KEY

LUA = os.path.join(ROOT, "bench", "wrk_invoices.lua")
KEY = "sk_test_bench_invoices_0000"
CUSTOMERS = 20


def _price(emulator_url):
    """The sample catalog at the emulator; one price's id."""
    client = stripe.StripeClient(EMULATOR_KEY, base_addresses={"api": emulator_url})
    invoicing.seed_catalog(client)
    return client.v1.prices.list({"lookup_keys": ["gold_special"]}).data[0].id


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
        cpu, stripe_cpu = server.cpu_seconds(), _cpu_seconds(emulator.process.pid)
        output = subprocess.run([*command[:3], f"-d{seconds}s", *command[3:]],
                                capture_output=True, text=True, check=True).stdout  # fmt: skip
        cpu = server.cpu_seconds() - cpu
        stripe_cpu = _cpu_seconds(emulator.process.pid) - stripe_cpu
        rss = server.rss_mib()
    finally:
        server.stop()
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
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


# What each function belongs to, by where it is defined; the first match wins.
_GROUPS = (
    ("/stripe/", "stripe SDK: encoding, requests, decoding into StripeObjects"),
    ("/urllib3/", "HTTP to Stripe (requests, urllib3, http.client, sockets)"),
    ("/requests/", "HTTP to Stripe (requests, urllib3, http.client, sockets)"),
    ("/http/client", "HTTP to Stripe (requests, urllib3, http.client, sockets)"),
    ("/sqlalchemy/", "SQLAlchemy and sqlite3"),
    ("sqlite3", "SQLAlchemy and sqlite3"),
    ("/flask/", "Flask and Werkzeug"),
    ("/werkzeug/", "Flask and Werkzeug"),
    ("/jinja2/", "Flask and Werkzeug"),
    ("/email_validator/", "validation (email-validator, validation.py)"),
    ("/idna/", "validation (email-validator, validation.py)"),
    ("validation.py", "validation (email-validator, validation.py)"),
    ("/logging/", "logging"),
    ("logs.py", "logging"),
    ("/json/", "JSON"),
    ("json", "JSON"),
    ("invoicing.py", "this server: api, invoicing, store, catalog"),
    ("api.py", "this server: api, invoicing, store, catalog"),
    ("store.py", "this server: api, invoicing, store, catalog"),
    ("pages.py", "this server: api, invoicing, store, catalog"),
    ("auth.py", "this server: api, invoicing, store, catalog"),
    ("errors.py", "this server: api, invoicing, store, catalog"),
)


def _group(function):
    where = f"{function[0]}:{function[2]}"
    return next((name for key, name in _GROUPS if key in where), "other (Python, stdlib)")


def breakdown(count=1000):
    """[(group, share of the server's own time)], from `count` sends profiled in process."""
    from bench.harness import Site

    site = Site()
    try:
        price = site.app.test_client().get("/prices").get_json()["data"][0]["id"]
        body = json.dumps({"email": "p@example.com", "items": [{"price": price}]}).encode()

        def send():
            environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/invoices", "SERVER_NAME": "x",
                       "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
                       "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
                       "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
                       "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip
            answer = site.app(environ, lambda status, headers, exc_info=None: None)
            b"".join(answer)

        for _ in range(50):
            send()
        # This thread's CPU time only: not the emulator's threads, nor waiting for them.
        profile = cProfile.Profile(time.thread_time)
        profile.runcall(lambda: [send() for _ in range(count)])
    finally:
        site.stop()
    times = {}
    for function, (_, _, own, _, callers) in pstats.Stats(profile).stats.items():
        if function[0] == "~" and callers:  # a builtin: its time goes to whoever called it
            for caller, (_, _, caller_own, _) in callers.items():
                group = _group(function) if "sqlite3" in function[2] else _group(caller)
                times[group] = times.get(group, 0) + caller_own
        else:
            times[_group(function)] = times.get(_group(function), 0) + own
    total = sum(times.values())
    return sorted(((g, t / total) for g, t in times.items()), key=lambda x: -x[1])


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
        lines += ["", "| where the server's CPU goes (cProfile, in process) | share "
                  "| ms per invoice |", "| --- | ---: | ---: |"]  # fmt: skip
        lines += [f"| {group} | {share:.0%} | {share * cpu:.2f} |" for group, share in shares]
    return "\n".join(lines)


def main(argv=None):
    """Run and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=1000, help="sends profiled in process")
    parser.add_argument("--server", action="append", default=[], metavar="LABEL=FOLDER")
    args = parser.parse_args(argv)
    servers = [tuple(s.split("=", 1)) for s in args.server]
    results = measure(args.seconds, args.rounds, servers=servers)
    shares = breakdown(args.profile) if args.profile else None
    print(table(results, shares))
    return results


if __name__ == "__main__":
    main()
