"""Two versions of the server loaded at the same time: what a change costs or saves, per event.

On a shared machine, CPU time per event drifts with whatever else runs; loading two copies of
the server side by side, each with its own wrk and database, puts both under the same
conditions at every moment. Each pair of runs starts both afresh; the order of the pairs
alternates which copy's wrk starts first.

    python -m bench.paired A_FOLDER B_FOLDER [--database sqlite|postgresql] [--pairs 5]
        [--seconds 8] [--connections 16]
"""

import argparse
import os
import shutil
import statistics
import tempfile
import threading

from bench import webhook_events
from bench.gunicorn_run import Gunicorn
from bench.webhook_throughput import create_postgres_database, wrk


def _pair(folders, urls, scratch, seconds, connections, made):
    env = {"STRIPE_WEBHOOK_SECRET": webhook_events.SECRET}
    servers = []
    for i, (folder, url) in enumerate(zip(folders, urls, strict=True)):
        log = os.path.join(scratch, f"g{i}.log")
        servers.append(Gunicorn("server:app", {**env, "DATABASE_URL": url}, folder, log=log))
    results = [None, None]
    try:
        files = []
        for i, server in enumerate(servers):
            warm = webhook_events.write(f"{scratch}/w{i}.tsv", 2000, f"w{made}_{i}")
            wrk(server.url, "/webhook", warm, 2, connections)
            files.append(webhook_events.write(f"{scratch}/m{i}.tsv", 40_000, f"m{made}_{i}"))
        before = [server.cpu_seconds() for server in servers]

        def load(i):
            results[i] = wrk(servers[i].url, "/webhook", files[i], seconds, connections)

        threads = [threading.Thread(target=load, args=(i,)) for i in (made % 2, 1 - made % 2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for i, server in enumerate(servers):
            results[i]["cpu_ms"] = (server.cpu_seconds() - before[i]) * 1000 / results[i]["ok"]
    finally:
        for server in servers:
            server.stop()
    return results


def measure(folders, database="sqlite", pairs=5, seconds=8, connections=16):
    """[(A result, B result)] for each pair of runs."""
    scratch = tempfile.mkdtemp(prefix="bench-paired-")
    postgres = None
    try:
        if database == "postgresql":
            from tests.helpers.postgres import Postgres

            postgres = Postgres().start()
        found = []
        for made in range(pairs):
            urls = []
            for i in range(2):
                if postgres:
                    url = create_postgres_database(postgres, f"p{made}_{i}")
                else:
                    url = f"sqlite:///{scratch}/p{made}_{i}.db"
                webhook_events.prepare_server_database(url, folders[i])
                urls.append(url)
            found.append(_pair(folders, urls, scratch, seconds, connections, made))
            a, b = found[-1]
            print(f"  pair {made + 1}: A {a['rate']:.0f}/s {a['cpu_ms']:.3f} ms, "
                  f"B {b['rate']:.0f}/s {b['cpu_ms']:.3f} ms", flush=True)  # fmt: skip
        return found
    finally:
        if postgres:
            postgres.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv=None):
    """Run the pairs and print the medians and B's change against A."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--database", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    found = measure([args.a, args.b], args.database, args.pairs, args.seconds, args.connections)
    for key, unit in (("cpu_ms", "ms CPU per event"), ("rate", "events/s")):
        a = statistics.median(x[key] for x, _ in found)
        b = statistics.median(y[key] for _, y in found)
        ratios = sorted(y[key] / x[key] for x, y in found)
        print(f"{unit}: A {a:.3f}, B {b:.3f}; B/A per pair: median {statistics.median(ratios):.3f}"
              f" ({ratios[0]:.3f} to {ratios[-1]:.3f})")  # fmt: skip
    return found


if __name__ == "__main__":
    main()
