"""What the benchmarks share: a server with its emulator on free ports, statistics, and what
wrk's Lua scripts print."""

import json
import os
import shutil
import statistics
import tempfile

from invoicing import create_app
from stripe_emulator import Emulator, serve
from tests.helpers.serving import LiveServer


class Site:
    """The invoicing server (threaded Werkzeug) and an emulator, both over real HTTP."""

    def __init__(self, latency_ms=0):
        self.emulator = Emulator(latency_ms=latency_ms)
        self.emulator_server = serve(self.emulator)
        self._server = LiveServer()
        self.url = self._server.url
        self._folder = tempfile.mkdtemp(prefix="bench-")
        database = os.path.join(self._folder, "bench.db")
        self.app = self._server.app = create_app(
            {
                "STRIPE_SECRET_KEY": "",
                "STRIPE_WEBHOOK_SECRETS": [],
                "STRIPE_API_BASE": self.emulator_server.url,
                "DATABASE_URL": f"sqlite:///{database}",
                "DOMAIN": self.url,
                "ADMIN_PASSWORD": "",
            }
        )
        self.app.logger.disabled = True

    def stop(self):
        """Stop both servers and remove the database's folder."""
        self._server.stop()
        self.emulator_server.stop()
        shutil.rmtree(self._folder, ignore_errors=True)


def summary(seconds):
    """Median and 95th percentile of a list of durations."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def wrk_result(output):
    """The JSON of the `RESULT ` line a bench/wrk_*.lua script prints at its end."""
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])
