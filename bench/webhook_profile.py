"""Where a webhook event's CPU goes, in process: the server's WSGI app called directly.

Distinct signed `invoice.paid` events go to `POST /webhook` with no socket and no gunicorn, on
a SQLite file, while a CPU-time sampler (bench/sampler.py) notes what code runs. The CPU per
event here, beside the same figure under gunicorn, shows what serving costs on top.

    python -m bench.webhook_profile [--events 5000]
"""

import argparse
import io
import os
import shutil
import tempfile
import time

from bench import webhook_events
from bench.sampler import Sampler

ROOT = webhook_events.ROOT
GROUPS = (
    ("/stripe/", "signature check (stripe SDK)"),
    ("/hmac.py", "signature check (stripe SDK)"),
    # The driver's own calls (SQLite's work is in them): where SQLAlchemy hands over.
    ("/engine/default.py:do_execute", "the database driver (statements, commit)"),
    ("/engine/default.py:do_commit", "the database driver (statements, commit)"),
    ("/engine/default.py:do_rollback", "the database driver (statements, commit)"),
    (f"{ROOT}/invoicing/record/statements.py:run", "the database driver (statements, commit)"),
    ("/sqlite3/", "the database driver (statements, commit)"),
    ("/psycopg/", "the database driver (statements, commit)"),
    ("/sqlalchemy/", "SQLAlchemy (Core, pool, transaction)"),
    ("/flask/", "Flask and Werkzeug"),
    ("/werkzeug/", "Flask and Werkzeug"),
    ("/logging/", "logging (the request's line)"),
    (f"{ROOT}/invoicing/web/logs.py", "logging (the request's line)"),
    ("/json/", "JSON (parse, answer)"),
    (f"{ROOT}/bench/", ""),  # the loop that calls the app: looked past
    (f"{ROOT}/", "this server's own modules"),
    ("/site-packages/", "other libraries"),
)


def measure(count=5000):
    """(CPU ms per event, [(group, share)]) over `count` events, after 500 to warm up."""
    folder = tempfile.mkdtemp(prefix="bench-webhook-profile-")
    try:
        url = f"sqlite:///{folder}/profile.db"
        webhook_events.prepare_server_database(url)
        os.environ.update(DATABASE_URL=url, STRIPE_WEBHOOK_SECRET=webhook_events.SECRET)
        from invoicing import create_app

        app = create_app()
        for handler in app.logger.handlers:
            handler.setStream(open(os.devnull, "w"))  # as under gunicorn here: written, unread
        path = webhook_events.write(f"{folder}/events.tsv", count + 500, "profile")
        with open(path) as lines:
            events = [line.rstrip("\n").split("\t") for line in lines]

        def send(signature, body):
            data = body.encode()
            environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/webhook", "SERVER_NAME": "x",
                       "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
                       "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(data),
                       "CONTENT_LENGTH": str(len(data)), "CONTENT_TYPE": "application/json",
                       "HTTP_STRIPE_SIGNATURE": signature, "REMOTE_ADDR": "127.0.0.1"}  # fmt: skip
            b"".join(app(environ, lambda status, headers, exc_info=None: None))

        for signature, body in events[:500]:
            send(signature, body)
        started = time.process_time()
        for signature, body in events[500 : 500 + count // 2]:
            send(signature, body)
        cpu_ms = (time.process_time() - started) * 1000 / (count // 2)
        with Sampler(GROUPS) as sampler:
            for signature, body in events[500 + count // 2 :]:
                send(signature, body)
        return cpu_ms, sampler.shares()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def table(cpu_ms, shares):
    """Markdown: each group's share of the CPU per event, and its milliseconds."""
    lines = [
        f"In process, {cpu_ms:.3f} ms of CPU per event (SQLite):",
        "",
        "| where a webhook event's CPU goes (sampled in process) | share | ms per event |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| {group} | {share:.0%} | {share * cpu_ms:.3f} |" for group, share in shares]
    return "\n".join(lines)


def main(argv=None):
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args(argv)
    print(table(*measure(args.events)))


if __name__ == "__main__":
    main()
