"""What the benchmarks share: a server with its emulator on free ports, and statistics."""

import os
import statistics
import tempfile
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from factory import create_app
from stripe_emulator import Emulator, serve


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class Site:
    """The invoicing server (threaded Werkzeug) and an emulator, both over real HTTP."""

    def __init__(self, latency_ms=0):
        self.emulator = Emulator(latency_ms=latency_ms)
        self.emulator_server = serve(self.emulator)
        holder = {}
        self._server = make_server(
            "127.0.0.1", 0, lambda e, s: holder["app"](e, s), threaded=True, request_handler=_Quiet
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        database = os.path.join(tempfile.mkdtemp(prefix="bench-"), "bench.db")
        self.app = holder["app"] = create_app(
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
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        """Stop both servers."""
        self._server.shutdown()
        self.emulator_server.stop()


def summary(seconds):
    """Median and 95th percentile of a list of durations."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95
