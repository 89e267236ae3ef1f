"""Webhook throughput under gunicorn, loaded by wrk: this server beside its references.

Targets, all under the server's deployed gunicorn settings (gunicorn.conf.py: its worker
class and count), each loaded by wrk -t2 with distinct signed `invoice.paid` events:

- bare WSGI, verify only; bare WSGI, verify + INSERT + COMMIT on SQLite and PostgreSQL
  (bench/bare_wsgi.py: the physical limit for Python here);
- the bare Flask endpoint, verify only (bench/bare_webhook.py);
- dj-stripe's webhook endpoint, record only and with its default processing, on SQLite and
  PostgreSQL (bench/djstripe_site.py; not in a smoke run);
- this server (`gunicorn server:app`), on SQLite and PostgreSQL.

Rounds run every target in turn, the order rotated each round; each run starts on a fresh
database and is warmed up by a short run first. Per run: events per second, p50 and p99, the
workers' CPU time (user + system, from /proc) per 2xx answer, and their resident memory.
Every 2xx must be stored (for the targets that store).

    python -m bench.webhook_throughput [--seconds 15] [--rounds 3] [--no-djstripe]
        [--server LABEL=FOLDER ...]   # also measure a copy of the server from FOLDER
"""

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile

from bench import djstripe_site, webhook_events
from bench.gunicorn_run import ROOT, Gunicorn, deployed_settings
from bench.harness import wrk_result

LUA = os.path.join(ROOT, "bench", "wrk_events.lua")
BARE_FLASK = "bare Flask, verify only"
DJSTRIPE_RECORD = "dj-stripe 2.11, record only"
SERVER = "this server"
DASH = "\u2013"


class Target:
    """One thing to load: a WSGI app under gunicorn, and the database it stores in."""

    def __init__(self, name, app, database=None, count_sql=None, **options):
        self.name, self.app, self.database, self.count_sql = name, app, database, count_sql
        self.cwd = options.get("cwd", ROOT)
        self.env = options.get("env", {})
        self.bindir = options.get("bindir")
        self.config = options.get("config")
        self.path = options.get("path", "/webhook")
        self.template = options.get("template")  # a database to copy, instead of preparing one
        self.invoices = options.get("invoices")  # what the events pay, if not the defaults


def wrk(url, path, events, seconds, connections, threads=2):
    """Run wrk with the Lua sender; return its RESULT numbers."""
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", LUA, url, "--", events, str(threads), path,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = wrk_result(output)
    # Sent but unanswered when wrk stopped: the server finishes (and stores) them all the same.
    result["in_flight"] = result["sent"] - result["answered"]
    result["rate"] = result["answered"] / (result["duration_us"] / 1e6)
    return result


class Databases:
    """A fresh database for each run: SQLite files in a folder, PostgreSQL databases."""

    def __init__(self, folder, postgres):
        self.folder, self.postgres, self.made = folder, postgres, 0

    def fresh(self, kind, template=None, folder=ROOT):
        """A new database's URL: prepared by the server in `folder`, or a copy of `template`."""
        self.made += 1
        name = f"run{self.made}"
        if kind == "sqlite":
            url = f"sqlite:///{self.folder}/{name}.db"
            if template:
                shutil.copy(template[len("sqlite:///") :], url[len("sqlite:///") :])
                return url
        else:
            url = create_postgres_database(self.postgres, name, template)
            if template:
                return url
        webhook_events.prepare_server_database(url, folder)
        return url


def create_postgres_database(postgres, name, template=None):
    """A new database (a copy of the database at URL `template`, if given); its URL."""
    import psycopg

    dsn = f"host=127.0.0.1 port={postgres.port} user=postgres dbname=postgres"
    copy = f' TEMPLATE "{template.rsplit("/", 1)[1]}"' if template else ""
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"{copy}')
    return postgres.url(name)


def run(target, databases, folder, seconds, connections, expected_rate):
    """One run of one target: start it, warm it up, load it, read its workers, stop it."""
    env = {**target.env, "STRIPE_WEBHOOK_SECRET": webhook_events.SECRET}
    url = databases.fresh(target.database, target.template, target.cwd) if target.database else None
    if url:
        env["DATABASE_URL"] = url
    server = Gunicorn(target.app, env, target.cwd, target.bindir, target.config,
                      log=os.path.join(folder, "gunicorn.log"))  # fmt: skip
    try:
        # Enough for the fastest target's 2 s (bare WSGI answers 5,000 to 6,000 a second).
        warm = webhook_events.write(
            f"{folder}/warm.tsv", 15_000, f"w{databases.made}", target.invoices
        )
        probe = wrk(server.url, target.path, warm, min(2, seconds), connections)
        # The probe runs cold and reads low: enough events for four times its rate.
        count = max(20_000, int(max(probe["rate"], expected_rate) * seconds * 4))
        events = webhook_events.write(
            f"{folder}/main.tsv", count, f"m{databases.made}", target.invoices
        )
        stored_before = webhook_events.count_rows(url, target.count_sql) if url else None
        workers, cpu_before = server.workers(), server.cpu_seconds()
        preempted_before = server.preemptions()
        result = wrk(server.url, target.path, events, seconds, connections)
        cpu = server.cpu_seconds() - cpu_before
        preempted = server.preemptions() - preempted_before
        result["rss_mib"] = server.rss_mib()
        if server.workers() != workers:
            raise RuntimeError(
                f"{target.name}: workers replaced during the run (see {server.log.name})"
            )
    finally:
        server.stop()
    result["cpu_ms"] = cpu * 1000 / max(result["ok"], 1)
    result["preempted_per_k"] = preempted * 1000 / max(result["ok"], 1)
    result["exhausted"] = result["sent"] >= count
    if url:
        result["stored"] = webhook_events.count_rows(url, target.count_sql) - stored_before
    else:
        result["stored"] = None
    result["balanced"] = balanced(result)
    return result


def problem(result):
    """What went wrong in a run, in words; "" if nothing did."""
    if result["exhausted"]:
        return "ran out of events"
    if result["ok"] != result["answered"]:
        return f"{result['answered'] - result['ok']:,} answers not 2xx"
    stored = result["stored"]
    if stored is not None and not result["ok"] <= stored <= result["ok"] + result["in_flight"]:
        return f"{stored:,} stored for {result['ok']:,} 2xx"
    return ""


def balanced(result):
    """Nothing lost: every answer a 2xx and every 2xx stored; beyond those, only requests in
    flight at the stop (which the server may or may not have received before wrk closed)."""
    return result["answered"] > 0 and not problem(result)


def targets(folder, postgres, djstripe=True, servers=(), emulator=None):
    """The targets, references first."""
    store_sql = "SELECT count(*) FROM events"
    kinds = ["sqlite"] + (["postgresql"] if postgres else [])
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    # The references get the server's serving settings only, not its hooks (which start the
    # server's own emulator and background work, and expect the server's app).
    config = os.path.join(folder, "gunicorn_settings.py")
    with open(config, "w") as out:
        out.write(deployed_settings())
    found = [Target("bare WSGI, verify only", "bench.bare_wsgi:verify_app", config=config)]
    found += [
        Target(f"bare WSGI, verify + INSERT + COMMIT, {label[k]}", "bench.bare_wsgi:store_app",
               k, store_sql, config=config)
        for k in kinds
    ]  # fmt: skip
    found.append(Target(BARE_FLASK, "bench.bare_webhook:app", config=config))
    if djstripe:
        # dj-stripe's virtualenv has no Flask, which the server's own worker class imports
        # (through its package): dj-stripe runs under gunicorn's sync worker, the settings
        # otherwise the same.
        sync_config = os.path.join(folder, "gunicorn_settings_sync.py")
        with open(sync_config, "w") as out:
            out.write(deployed_settings() + 'worker_class = "sync"\n')
        bindir = djstripe_site.ensure_venv()
        site = djstripe_site.write_site(os.path.join(folder, "djstripe"))
        invoices = emulator.invoices(200)
        for kind in kinds:
            if kind == "sqlite":
                template = djstripe_site.sqlite_template(bindir, site, webhook_events.SECRET)
            else:
                template = create_postgres_database(postgres, "djstripe")
                djstripe_site.prepare_database(bindir, site, template, webhook_events.SECRET)
            for mode in ("record", "process"):
                name = DJSTRIPE_RECORD if mode == "record" else "dj-stripe 2.11, default processing"
                found.append(Target(
                    f"{name}, {label[kind]}", "benchsite.wsgi:application", kind,
                    djstripe_site.count_sql(mode), cwd=site, bindir=bindir, config=sync_config,
                    path=djstripe_site.WEBHOOK_PATH, template=template,
                    env={"DJSTRIPE_MODE": mode, "STRIPE_API_HOST": emulator.url},
                    invoices=invoices if mode == "process" else None,
                ))  # fmt: skip
    for name, cwd in [(SERVER, ROOT), *servers]:
        found += [Target(f"{name}, {label[k]}", "server:app", k, store_sql, cwd=cwd) for k in kinds]
    return found


def measure(
    seconds=15, connections=32, postgres=True, rounds=3, djstripe=True, servers=(), only=None
):
    """{target name: [one result per round]}, the rounds rotated over the targets."""
    folder = tempfile.mkdtemp(prefix="bench-webhook-")
    database = emulator = None
    try:
        if postgres:
            from tests.helpers.postgres import Postgres

            database = Postgres().start()
        if djstripe:
            emulator = webhook_events.Emulator()
        found = targets(folder, database, djstripe, servers, emulator)
        if only:
            found = [t for t in found if only in t.name]
        databases = Databases(folder, database)
        results = {t.name: [] for t in found}
        for round_ in range(rounds):
            shift = round_ % len(found)
            for target in found[shift:] + found[:shift]:
                earlier = max((r["rate"] for r in results[target.name]), default=0)
                result = run(target, databases, folder, seconds, connections, earlier)
                results[target.name].append(result)
                print(f"  round {round_ + 1}: {target.name}: {result['rate']:.0f}/s, "
                      f"{result['cpu_ms']:.2f} ms CPU/event", flush=True)  # fmt: skip
        return results
    finally:
        if emulator:
            emulator.stop()
        if database:
            database.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _spread(values, digits=0):
    ordered = sorted(values)
    middle = statistics.median(ordered)
    if len(ordered) == 1:
        return f"{middle:,.{digits}f}"
    return f"{middle:,.{digits}f} ({ordered[0]:,.{digits}f}{DASH}{ordered[-1]:,.{digits}f})"


def summary(results):
    """Per target: medians of the rounds, for comparisons."""
    return {
        name: {
            "rate": statistics.median(r["rate"] for r in runs),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
            "p99_ms": statistics.median(r["p99_us"] / 1000 for r in runs),
            "balanced": all(r["balanced"] for r in runs),
        }
        for name, runs in results.items()
    }


def table(results):
    """A Markdown table: median (min to max) over the rounds; ratios to the bare Flask endpoint."""
    medians = summary(results)
    bare = medians.get(BARE_FLASK, {}).get("rate")
    lines = [
        "| target | events/s | ÷ bare Flask | p50 ms | p99 ms | worker CPU ms per event "
        "| workers preempted per 1,000 events | worker RSS MiB | every 2xx stored |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, runs in results.items():
        rss = statistics.median(statistics.mean(r["rss_mib"]) for r in runs)
        problems = "; ".join(filter(None, (problem(r) for r in runs)))
        if problems:
            check = f"**no**: {problems}"
        elif runs[0]["stored"] is None:
            check = "(stores nothing)"
        else:
            check = f"yes ({sum(r['stored'] for r in runs):,})"
        ratio = f"{medians[name]['rate'] / bare:.2f}" if bare else ""
        lines.append(
            f"| {name} | {_spread([r['rate'] for r in runs])} | {ratio} "
            f"| {_spread([r['p50_us'] / 1000 for r in runs], 1)} "
            f"| {_spread([r['p99_us'] / 1000 for r in runs], 1)} "
            f"| {_spread([r['cpu_ms'] for r in runs], 2)} "
            f"| {_spread([r.get('preempted_per_k', 0) for r in runs])} | {rss:.0f} | {check} |"
        )
    return "\n".join(lines)


# The webhook's targets, each a ratio to a reference measured in the same round (this host's
# speed drifts between rounds; two targets side by side in one round drift together): (what,
# the reference, the figure of a result, the bound, at least?).
TARGETS = [
    ("events/s ÷ bare Flask's", lambda k: BARE_FLASK, "rate", 0.7, True),
    ("worker CPU per event ÷ bare Flask's", lambda k: BARE_FLASK, "cpu_ms", 1.6, False),
    ("events/s ÷ dj-stripe record only", lambda k: f"{DJSTRIPE_RECORD}, {k}", "rate", 3, True),
]


def round_ratios(results, name, reference, figure):
    """The figure of `name` over its reference's, round by round (both measured in each)."""
    return [
        mine[figure] / theirs[figure]
        for mine, theirs in zip(results[name], results[reference], strict=True)
        if theirs[figure]
    ]


def verdict(results):
    """A Markdown table: the server's webhook targets, each the median (lowest to highest) of
    its round-by-round ratios in this run."""
    kinds = [k for k in ("SQLite", "PostgreSQL") if f"{SERVER}, {k}" in results]
    lines = [
        f"| target | {' | '.join(kinds)} | met |",
        f"| --- | {' | '.join('---:' for _ in kinds)} | --- |",
    ]
    for what, reference, figure, bound, at_least in TARGETS:
        if any(reference(k) not in results for k in kinds):
            continue  # a reference this run did not measure
        ratios = [round_ratios(results, f"{SERVER}, {k}", reference(k), figure) for k in kinds]
        medians = [statistics.median(r) for r in ratios]
        met = all(v >= bound if at_least else v <= bound for v in medians)
        lines.append(
            f"| {what} {'≥' if at_least else '≤'} {bound} "
            f"| {' | '.join(_spread(r, 2) for r in ratios)} | {'yes' if met else '**no**'} |"
        )
    stored = all(r["balanced"] for k in kinds for r in results[f"{SERVER}, {k}"])
    lines.append(f"| every 2xx stored | {' | '.join('' for _ in kinds)} | "
                 f"{'yes' if stored else '**no**'} |")  # fmt: skip
    return "\n".join(lines)


def main(argv=None):
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-djstripe", action="store_true")
    parser.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="LABEL=FOLDER",
        help="also measure the server in FOLDER (a changed copy), as LABEL",
    )
    parser.add_argument("--only", help="only the targets whose name contains this")
    args = parser.parse_args(argv)
    servers = [tuple(s.split("=", 1)) for s in args.server]
    results = measure(args.seconds, args.connections, not args.no_postgres, args.rounds,
                      not args.no_djstripe, servers, args.only)  # fmt: skip
    print(table(results))
    print(verdict(results))
    return results


if __name__ == "__main__":
    main()
