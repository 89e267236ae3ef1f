"""The periodic reconciliation: every RECONCILE_SECONDS, in a thread of each serving process,
off the request path; only the process holding the lease (one across every worker and host)
runs the pass (reconcile.py)."""

import os
import random
import socket
import threading
import time

import stripe
from sqlalchemy.exc import SQLAlchemyError

from invoicing import reconcile
from invoicing.cli import flask_run_port
from invoicing.errors import LeaseLostError, stripe_message
from invoicing.record import database, leases

LEASE = "reconcile"


def _holder():
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"


def renewing(holder, seconds, clock=time.monotonic):
    """A progress callback for a pass under the lease: renews it whenever a quarter of its term
    has gone by, so that a long pass (a backlog after an outage) keeps it; raises
    LeaseLostError if another process holds it now."""
    renewed = clock()

    def tick(_count):
        nonlocal renewed
        if clock() - renewed < seconds / 4:
            return
        renewed = clock()
        with database.begin() as db:
            if not leases.take_lease(db, LEASE, holder, seconds):
                raise LeaseLostError(LEASE)

    return tick


def _one_line(error):
    if isinstance(error, stripe.StripeError):
        return f"{type(error).__name__}: {stripe_message(error)}"
    text = str(getattr(error, "orig", None) or error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"


def _loop(app, period):
    holder = _holder()
    term = 2 * period + 10
    # A first pass soon after start, spread out so that workers don't all ask at once.
    time.sleep(random.uniform(0.5, min(5.0, period)))
    while True:
        try:
            with app.app_context():
                with database.begin() as db:
                    mine = leases.take_lease(db, LEASE, holder, term)
                if mine:
                    summary = reconcile.run(renewing(holder, term))
                    if summary.changed_anything():
                        app.logger.info(summary.line())
        except LeaseLostError:
            app.logger.warning("reconciliation stopped: another process holds the lease")
        except (stripe.StripeError, SQLAlchemyError, OSError) as error:
            # Stripe or the database away for now: the next pass tries again. One line, never
            # the SDK's or the driver's paragraphs.
            app.logger.warning(
                "reconciliation failed, retrying in %ss: %s", period, _one_line(error)
            )
        time.sleep(period)


def start(app):
    """Run reconciliation every RECONCILE_SECONDS in this (serving) process, off the request
    path; only the process holding the lease does the work. 0 turns it off."""
    period = app.config["RECONCILE_SECONDS"]
    if period <= 0:
        return None
    thread = threading.Thread(target=_loop, args=(app, period), name="reconciler", daemon=True)
    thread.start()
    return thread


def init_app(app):
    """Under `flask run`, run reconciliation in this process (gunicorn starts it in each
    worker, gunicorn.conf.py; `python server.py` in server.py)."""
    if flask_run_port():
        start(app)
