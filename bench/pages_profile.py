"""What the record's list routes and the invoice export cost in CPU, in process: the server's
WSGI app called directly on a SQLite (or, with `--postgres`, PostgreSQL) record filled as
bench/scale.py fills it.

Each route is called a few hundred times per repetition, with the process's CPU time
(`time.process_time`) and the wall time around the calls: what the wall time adds is the
database's own work and the waits for it. The figures are the medians of the repetitions,
with the lowest and highest CPU beside them. The export is streamed whole, in rows per second
of CPU. `--profile NAME` runs that route under cProfile instead and prints where its time goes.

    python -m bench.pages_profile [--invoices 20000] [--postgres] [--calls 200] [--repeat 5]
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import tempfile
import time

from bench import scale
from tests.helpers.postgres import Postgres

DAY = 86400


def routes(count=20_000):
    """The routes measured, by name, on a record of `count` invoices."""
    return {
        "list": "/invoices",
        "status=open": "/invoices?status=open",
        "status=overdue": "/invoices?status=overdue",
        "q=number": "/invoices?q=SCALE-0001",
        "q=email": "/invoices?q=c42",
        "deep page": f"/invoices?starting_after=in_scale{count // 2:09d}",
        "customers": "/customers",
        "one customer": "/customers/cus_scale00042",
    }


def _environ(path):
    path, _, query = path.partition("?")
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
            "SERVER_NAME": "x", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
            "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip


def call(app, path):
    """The body of `GET path`, asserting a 200."""
    statuses = []

    def start(status, _headers, _exc_info=None):
        statuses.append(status)

    body = b"".join(app(_environ(path), start))
    assert statuses[0].startswith("200"), (path, statuses, body[:200])
    return body


def cpu_ms(app, path, calls):
    """CPU and wall milliseconds per call of `path`, over `calls` calls."""
    started, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        call(app, path)
    return (
        (time.process_time() - started) * 1000 / calls,
        (time.perf_counter() - wall) * 1000 / calls,
    )


def export_rate(app):
    """Rows of the invoice export per second of CPU."""
    started = time.process_time()
    body = call(app, "/exports/invoices.csv")
    return (body.count(b"\n") - 1) / (time.process_time() - started)


def make_app(url, count):
    """The server on a record at `url` filled with `count` invoices, and the emulator it
    starts with."""
    scale.fill(url, count)
    emulator = scale.serve()
    from invoicing import create_app

    app = create_app({"STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRETS": [],
                      "STRIPE_API_BASE": emulator.url, "DATABASE_URL": url,
                      "ADMIN_PASSWORD": "", "RECONCILE_SECONDS": 0})  # fmt: skip
    for handler in app.logger.handlers:
        handler.setStream(open(os.devnull, "w"))  # as under gunicorn here: written, unread
    return app, emulator


def measure(app, count, calls, repeat):
    """{name: (median, lowest, highest, median wall)}: CPU ms per call, and the export's
    rows/s (its wall time not measured)."""
    found = {}
    for name, path in routes(count).items():
        call(app, path)
        runs = [cpu_ms(app, path, calls) for _ in range(repeat)]
        cpu = [run[0] for run in runs]
        wall = statistics.median(run[1] for run in runs)
        found[name] = (statistics.median(cpu), min(cpu), max(cpu), wall)
    runs = [export_rate(app) for _ in range(repeat)]
    found["export rows/s"] = (statistics.median(runs), min(runs), max(runs), None)
    return found


def profile(app, path, calls):
    """cProfile's view of `calls` calls of `path`, the top 30 by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    if path == "export":
        call(app, "/exports/invoices.csv")
    else:
        for _ in range(calls):
            call(app, path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
    return out.getvalue()


def main(argv=None):
    """Fill, measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", help="a route's name, or export")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL, not SQLite")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="bench-pages-")
    database = Postgres().start() if args.postgres else None
    url = database.create_database("pages") if database else f"sqlite:///{folder}/pages.db"
    app, emulator = make_app(url, args.invoices)
    try:
        if args.profile:
            path = routes(args.invoices).get(args.profile, args.profile)
            print(profile(app, path, args.calls))
            return
        found = measure(app, args.invoices, args.calls, args.repeat)
        print(f"{'':16} {'CPU ms':>10}  (lowest to highest)  wall ms")
        for name, (median, low, high, wall) in found.items():
            walled = f"{wall:8.3f}" if wall is not None else ""
            print(f"{name:16} {median:10.3f}  ({low:.3f} to {high:.3f})  {walled}")
    finally:
        emulator.stop()
        if database:
            database.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
