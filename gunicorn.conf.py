"""gunicorn settings, picked up by a plain `gunicorn server:app`."""

import multiprocessing
import os

from dotenv import load_dotenv

load_dotenv()

bind = f"0.0.0.0:{os.environ.get('PORT', '4242')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Stripe calls can take seconds; past this a stuck worker is replaced.
timeout = 60
graceful_timeout = 30
keepalive = 5
# The app logs one structured line per request (logs.py); gunicorn's access log would repeat it.
accesslog = None
errorlog = "-"


def on_starting(server):
    """Emulator mode: one emulator for the whole server, made ready before any worker starts.

    The workers inherit its address and webhook secret through the environment, so every
    worker sees the same Stripe state.
    """
    import emulation
    import settings

    current = settings.from_environ()
    if settings.mode_of(current["STRIPE_SECRET_KEY"]) != "emulator":
        return
    if current["STRIPE_WEBHOOK_SECRETS"]:
        return
    ready = emulation.prepare(current)
    os.environ["STRIPE_API_BASE"] = ready["STRIPE_API_BASE"]
    os.environ["STRIPE_WEBHOOK_SECRET"] = ",".join(ready["STRIPE_WEBHOOK_SECRETS"])
    server.log.info("Stripe emulator at %s", ready["STRIPE_API_BASE"])
